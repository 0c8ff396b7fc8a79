"""Search speed: N generated search documents in Whoosh, Pagefind and tantivy.

Documents are generated (seeded): tenders, awards, organisations and list items with realistic
Chinese names (region + word + industry + form), project titles and codes. Timed:

1. Whoosh index build through Sunlit's engine (`WhooshEngine.rebuild`), documents/s;
2. the Pagefind bundle (`search.browser.write_browser_index`), documents/s, bundle size and the
   peak RSS of the Pagefind process (`getrusage(RUSAGE_CHILDREN)`, taken before anything else
   runs as a child);
3. a tantivy index (yardstick) over the same text pre-tokenised by `search.analysis` (bigrams
   and words, whitespace tokenizer, positions for phrases);
4. query latency, median and p95, for term (a two-character fragment), phrase (a full project
   title) and fielded (`supplier:` fragment) queries: Whoosh in-process through `WhooshEngine`,
   tantivy in-process; the browser in headless Chromium against the bundle served on
   127.0.0.1, through search.js's own query transform, with the bytes fetched per query.

    python -m bench.search [--records 100000] [--queries 50] [--whoosh-procs 1]

Prints a table and writes bench/results/search.json.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import tantivy
from playwright.sync_api import sync_playwright

from search import whoosh_engine
from search.analysis import terms
from search.browser import write_browser_index
from search.documents import SearchDocument
from search.whoosh_engine import WhooshEngine

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "search.json"
SEARCH_JS = REPO / "site" / "static" / "js" / "search.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]

REGIONS = ["宜昌", "枝江", "当阳", "宜都", "秭归", "远安", "兴山", "五峰", "长阳", "昆明", "宣威",
           "曲靖", "玉溪", "武汉", "襄阳", "荆州", "十堰", "宝鸡", "咸阳", "汉中", "黄浦", "徐汇"]
WORDS = ["恒泰", "中泰", "新源", "汇通", "恒达", "华信", "鑫盛", "富新", "江汉", "楚信", "昊新",
         "远跃", "中创", "天成", "宏远", "金鼎", "瑞丰", "博远", "长青", "安泰", "永信", "德润",
         "嘉禾", "盛世", "东方", "鼎晟", "华宇", "顺达", "锦程"]
INDUSTRIES = ["建设工程", "项目管理", "工程咨询", "医疗器械", "科技", "办公设备", "环保科技",
              "信息技术", "园林绿化", "物业服务", "检测", "招标代理", "建筑劳务", "水利水电"]
FORMS = ["有限公司", "有限责任公司", "集团有限公司", "股份有限公司"]
BUYERS = ["财政局", "教育局", "水利局", "卫生健康委员会", "疾病预防控制中心", "第一中学",
          "城市建设投资有限公司", "公安局", "林业局", "交通运输局", "人民医院", "机关事务服务中心"]
PROJECTS = ["污水处理厂提标改造工程", "城乡供水一体化工程", "财政资金绩效评价服务",
            "第三方检测服务", "办公家具采购项目", "环卫车辆采购项目", "高标准农田建设项目",
            "中小学教学设备采购项目", "国土空间规划编制服务", "道路提升改造工程",
            "二类疫苗采购项目", "建设工程监理服务", "智慧校园建设项目", "物业管理服务"]
ITEMS = ["临时占用城市道路许可", "母婴保健技术服务执业许可", "营业性演出审批",
         "建设项目环境影响评价文件审批", "取水许可", "食品经营许可", "建筑工程施工许可证核发",
         "排水许可", "医疗机构执业登记"]
KINDS = ["tender", "award", "organisation", "list_item"]


def _company(rng: random.Random) -> str:
    return (rng.choice(REGIONS) + rng.choice(WORDS) + rng.choice(WORDS)[0]
            + rng.choice(INDUSTRIES) + rng.choice(FORMS))


def documents(count: int, seed: int = 7) -> list[SearchDocument]:
    """`count` documents, a quarter of each kind, reproducible for a seed."""
    rng = random.Random(seed)
    out: list[SearchDocument] = []
    for n in range(count):
        kind = KINDS[n % 4]
        region = rng.choice(REGIONS)
        year = str(rng.choice((2023, 2024, 2025)))
        date = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        buyer = f"{region}市{rng.choice(BUYERS)}"
        supplier = _company(rng)
        title = f"{region}市{rng.choice(PROJECTS)}"
        code = f"{rng.choice(('HBCG', 'YNCG', 'SXZC'))}{year}{n:07d}"
        amount = Decimal(rng.randint(10_000, 50_000_000))
        if kind == "tender":
            body = f"{title} {code} {buyer} {_company(rng)} {supplier} {region}"
            doc = SearchDocument(kind=kind, record_id=f"t{n}", url=f"tenders/t{n}/", title=title,
                                 body=body, date=date, amount=f"{amount:,.2f}元", region=region,
                                 department=buyer, buyer=buyer, supplier=supplier, code=code,
                                 amount_value=amount)
        elif kind == "award":
            body = f"{supplier} 91420{n:013d} {title} {code} {buyer} {region}"
            doc = SearchDocument(kind=kind, record_id=f"a{n}", url=f"tenders/t{n - 1}/",
                                 title=f"{supplier} 中标 {title}", body=body, date=date,
                                 amount=f"{amount:,.2f}元", region=region, department=buyer,
                                 buyer=buyer, supplier=supplier, code=code, amount_value=amount)
        elif kind == "organisation":
            uscc = f"91420{n:013d}"
            doc = SearchDocument(kind=kind, record_id=f"o{n}", url=f"orgs/o{n}/", title=supplier,
                                 body=f"{supplier} {uscc} {region} 中标 {rng.randint(1, 40)} 次",
                                 region=region, code=uscc)
        else:
            item = rng.choice(ITEMS)
            item_code = f"4205{n:011d}"
            department = f"{region}市{rng.choice(BUYERS)}"
            doc = SearchDocument(kind=kind, record_id=f"power:{item_code}",
                                 url=f"lists/power/{item_code}/", title=item,
                                 body=f"权力清单 {item} {item_code} 行政许可 {department} {region}",
                                 region=region, department=department, code=item_code)
        out.append(doc)
    return out


def _timed(run: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = run()
    return time.perf_counter() - start, result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _stats(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {"median_ms": round(statistics.median(ms), 2),
            "p95_ms": round(ms[max(0, int(len(ms) * 0.95) - 1)], 2)}


def queries(docs: list[SearchDocument], count: int, seed: int = 11) -> dict[str, list[str]]:
    """Term, phrase and fielded queries drawn from the documents themselves."""
    rng = random.Random(seed)
    orgs = [d for d in docs if d.kind == "organisation"]
    tenders = [d for d in docs if d.kind == "tender"]
    return {
        "term": [rng.choice(orgs).title[2:4] for _ in range(count)],  # 2 characters of a name
        "phrase": [f'"{rng.choice(tenders).title}"' for _ in range(count)],
        "fielded": [f"supplier:{rng.choice(orgs).title[2:4]}" for _ in range(count)],
    }


def _pretokenised(text: str) -> str:
    return " ".join(t for _, t in terms(text))


def tantivy_index(docs: list[SearchDocument], directory: Path) -> tantivy.Index:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("key", stored=True, tokenizer_name="raw")
    for name in ("title", "body", "supplier"):
        builder.add_text_field(name, stored=False, tokenizer_name="whitespace")
    directory.mkdir(parents=True)
    index = tantivy.Index(builder.build(), path=str(directory))
    writer = index.writer(heap_size=256_000_000, num_threads=2)
    for d in docs:
        writer.add_document(tantivy.Document(
            key=d.key, title=_pretokenised(d.title), body=_pretokenised(d.body),
            supplier=_pretokenised(d.supplier)))
    writer.commit()
    writer.wait_merging_threads()
    index.reload()
    return index


def tantivy_query(index: tantivy.Index, query: str) -> tantivy.Query:
    field, _, text = query.rpartition(":") if query.startswith("supplier:") else ("", "", query)
    words = _pretokenised(text.strip('"'))
    if field:
        return index.parse_query(f'{field}:"{words}"', ["body"])
    return index.parse_query(f'"{words}"', ["title", "body"])


def _bundle_bytes(bundle: Path) -> int:
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())


PAGE = ('<!doctype html><meta charset="utf-8"><title>bench</title>'
        '<script src="/search.js"></script>')

BROWSER_QUERY = """async (q) => {
  const start = performance.now();
  const r = await window.pf.search(window.sunlitSearchTerms(q));
  await Promise.all(r.results.slice(0, 5).map(x => x.data()));
  return [performance.now() - start, r.results.length];
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def browser_latency(root: Path, qs: dict[str, list[str]]) -> dict[str, Any]:
    shutil.copy(SEARCH_JS, root / "search.js")
    (root / "index.html").write_text(PAGE, encoding="utf-8")
    # The bundle is served by a process of its own, as any static host would serve it: a server
    # thread in this process would wait on the interpreter lock behind the browser's driver.
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "disclosures.cli", "serve", "--output", str(root), "--port",
         str(port)], cwd=REPO, stderr=subprocess.DEVNULL)
    _wait_for_port(port)
    out: dict[str, Any] = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                                 args=CHROMIUM_ARGS)
            page = browser.new_page()
            fetched = [0]  # response body bytes since the last reset

            def count(request: Any) -> None:
                fetched[0] += request.sizes()["responseBodySize"]

            page.on("requestfinished", count)
            page.goto(f"http://127.0.0.1:{port}/")
            fetched[0] = 0
            init_ms = page.evaluate("""async () => { const t = performance.now();
              window.pf = await import('/pagefind/pagefind.js'); await window.pf.init();
              return performance.now() - t; }""")
            out["init"] = {"ms": round(init_ms, 1), "bytes": fetched[0]}
            for kind, texts in qs.items():
                # The browser has no fields: a fielded query is its value.
                runs = []
                for q in texts:
                    fetched[0] = 0
                    ms, hits = page.evaluate(BROWSER_QUERY, q.rpartition(":")[2]
                                             if kind == "fielded" else q.strip('"'))
                    runs.append((ms, fetched[0], hits))
                stats = _stats([r[0] / 1000 for r in runs])
                byte_counts = sorted(r[1] for r in runs)
                stats["bytes_median"] = int(statistics.median(byte_counts))
                stats["bytes_max"] = int(byte_counts[-1])
                stats["found_share"] = round(sum(1 for r in runs if r[2]) / len(runs), 2)
                out[kind] = stats
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return out


def run(records: int, query_count: int, whoosh_procs: int, whoosh_limitmb: int) -> dict[str, Any]:
    docs = documents(records)
    qs = queries(docs, query_count)
    result: dict[str, Any] = {"records": records, "queries_per_kind": query_count}
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-search-") as tmp:
        work = Path(tmp)
        # Pagefind first: the children's peak RSS is then the Pagefind process's alone.
        site = work / "site"
        seconds, _ = _timed(lambda: write_browser_index(iter(docs), site / "pagefind"))
        rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        result["pagefind_build"] = {"seconds": round(seconds, 1),
                                    "docs_per_s": round(records / seconds),
                                    "peak_rss_mb": round(rss_kb / 1024),
                                    "bundle_mb": round(_bundle_bytes(site / "pagefind") / 2**20, 1)}
        print("pagefind", result["pagefind_build"], flush=True)

        whoosh_engine.WRITER_MEMORY_MB = whoosh_limitmb
        whoosh_engine.WRITER_PROCS = whoosh_procs
        engine = WhooshEngine(work / "whoosh")
        # On shared cores the wall time is also the others' load: CPU time too, the writer
        # processes' included.
        cpu = time.process_time() + _children_cpu()
        seconds, _ = _timed(lambda: engine.rebuild(iter(docs)))
        cpu = time.process_time() + _children_cpu() - cpu
        result["whoosh_build"] = {"seconds": round(seconds, 1),
                                  "docs_per_s": round(records / seconds),
                                  "cpu_seconds": round(cpu, 1),
                                  "procs": whoosh_procs, "limitmb": whoosh_limitmb}
        print("whoosh", result["whoosh_build"], flush=True)

        seconds, index = _timed(lambda: tantivy_index(docs, work / "tantivy-dir"))
        result["tantivy_build"] = {"seconds": round(seconds, 1),
                                   "docs_per_s": round(records / seconds)}
        print("tantivy", result["tantivy_build"], flush=True)

        result["whoosh_query"] = {}
        result["tantivy_query"] = {}
        searcher = index.searcher()
        for kind, texts in qs.items():
            times = []
            for q in texts:
                start = time.perf_counter()
                engine.search(q, limit=10)
                times.append(time.perf_counter() - start)
            result["whoosh_query"][kind] = _stats(times)
            times = []
            for q in texts:
                start = time.perf_counter()
                searcher.search(tantivy_query(index, q), 10)
                times.append(time.perf_counter() - start)
            result["tantivy_query"][kind] = _stats(times)
        result["browser_query"] = browser_latency(site, qs)
    return result


def table(result: dict[str, Any]) -> Iterator[str]:
    yield f"search benchmark, {result['records']:,} documents"
    for name in ("whoosh_build", "pagefind_build", "tantivy_build"):
        build = result[name]
        extra = {k: v for k, v in build.items() if k not in ("seconds", "docs_per_s")}
        yield (f"  {name:<16} {build['seconds']:>8.1f} s {build['docs_per_s']:>8,} docs/s  "
               f"{extra or ''}")
    heads = ("term med/p95", "phrase med/p95", "fielded med/p95")
    yield f"  {'query (ms)':<16} " + " ".join(f"{h:>16}" for h in heads)
    for name in ("whoosh_query", "tantivy_query", "browser_query"):
        row = result[name]
        cells = [f"{row[k]['median_ms']:.1f}/{row[k]['p95_ms']:.1f}" for k in
                 ("term", "phrase", "fielded")]
        yield f"  {name:<16} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}"
    browser = result["browser_query"]
    yield (f"  browser bytes/query (median): term {browser['term']['bytes_median']:,}, "
           f"phrase {browser['phrase']['bytes_median']:,}, fielded "
           f"{browser['fielded']['bytes_median']:,}; init {browser['init']['bytes']:,} bytes "
           f"in {browser['init']['ms']} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--whoosh-procs", type=int, default=whoosh_engine.WRITER_PROCS)
    parser.add_argument("--whoosh-limitmb", type=int, default=whoosh_engine.WRITER_MEMORY_MB)
    args = parser.parse_args(argv)
    result = run(args.records, args.queries, args.whoosh_procs, args.whoosh_limitmb)
    for line in table(result):
        print(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
