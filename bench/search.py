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
   127.0.0.1 by `sunlit serve`: each query typed into the search page (site/static/js/search.js)
   and submitted, timed until its first results are drawn, with the bytes fetched per query. A
   visit's one-time cost (the page, Pagefind's script, WebAssembly and metadata) and its first
   query are reported apart. `--baseline-js` times another search.js on the same bundle, the
   two pages taking the queries in turn.

    python -m bench.search [--records 100000] [--queries 50] [--whoosh-procs 1]
                           [--baseline-js FILE] [--bundle DIR] [--browser-only]
                           [--baseline-bundle DIR] [--chunk-bytes N]

`--bundle DIR` keeps the built site (the Pagefind bundle in DIR/pagefind) instead of building it
in a temporary folder, and reuses it when DIR already holds one built for as many records and
the same `--chunk-bytes` (its build figures are then left out): a change to the search page can
be timed again in a minute instead of a rebuild of several. `--browser-only` skips Whoosh and
tantivy. `--baseline-bundle DIR` gives the baseline page (`--baseline-js`, or the same search.js)
the index of a site kept there, so that two ways of building it are timed on the same queries in
turn. `--chunk-bytes N` cuts the index into chunks of about N bytes (`search.browser.CHUNK_BYTES`
by default; 0 keeps Pagefind's own chunks).

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
from search.browser import CHUNK_BYTES, write_browser_index
from search.documents import SearchDocument
from search.whoosh_engine import WhooshEngine

REPO = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results" / "search.json"
SEARCH_JS = REPO / "site" / "static" / "js" / "search.js"
SEARCH_WORKER = SEARCH_JS.with_name("search-worker.js")  # next to every page's script
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


SEARCH_PAGE = """<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>bench</title>
{head}<div id="search" data-label="搜索" data-site-root="" data-bundle="{bundle}"
data-lang-prefix=""></div>
{scripts}<script src="/{script}"></script>"""
# A script written for Pagefind's own UI (PagefindUI) gets its script and stylesheet too.
PAGEFIND_UI = ('<link rel="stylesheet" href="/pagefind/pagefind-ui.css">',
               '<script src="/pagefind/pagefind-ui.js"></script>')

# In the page: the time from a query submitted in the search box (typed, then Enter) to its
# first results drawn, titles and excerpts in place (or "no results").
HARNESS = """() => {
  const drawn = () => {
    const message = document.querySelector('.pagefind-ui__message');
    if (!message || !message.textContent.trim()) return false;
    if (!/\\d/.test(message.textContent)) return !/…|\\.\\.\\./.test(message.textContent);
    const links = [...document.querySelectorAll('.pagefind-ui__result-link')];
    return links.length > 0
      && !document.querySelector('.pagefind-ui__results .pagefind-ui__loading')
      && links.every(a => a.textContent.trim() && !/\\. \\./.test(a.textContent));
  };
  const input = () => document.querySelector('.pagefind-ui__search-input');
  window.benchQuery = (q) => new Promise((resolve) => {
    const box = input();
    let start;
    const observer = new MutationObserver(() => {
      if (drawn()) { observer.disconnect(); resolve(performance.now() - start); }
    });
    observer.observe(document.getElementById('search'),
                     {subtree: true, childList: true, characterData: true, attributes: true});
    start = performance.now();
    setTimeout(() => { observer.disconnect(); resolve(-1); }, 30000);
    box.value = q;
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.form.requestSubmit();
  });
  window.benchClear = () => new Promise((resolve) => {
    const box = input();
    box.value = '';
    box.dispatchEvent(new Event('input', {bubbles: true}));
    box.form.requestSubmit();
    const wait = () => document.querySelector('.pagefind-ui__result-link')
      ? setTimeout(wait, 5) : resolve();
    setTimeout(wait, 5);
  });
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


def _search_page(root: Path, name: str, script: Path, bundle: str = "/pagefind/") -> str:
    source = script.read_text(encoding="utf-8")
    (root / f"{name}.js").write_text(source, encoding="utf-8")
    (root / SEARCH_WORKER.name).write_text(SEARCH_WORKER.read_text(encoding="utf-8"),
                                           encoding="utf-8")
    head, scripts = PAGEFIND_UI if "PagefindUI" in source else ("", "")
    page = SEARCH_PAGE.format(head=head, scripts=scripts, script=f"{name}.js", bundle=bundle)
    (root / f"{name}.html").write_text(page, encoding="utf-8")
    return f"/{name}.html"


class _Visit:
    """One visitor's tab on a search page: what it fetched, and its queries' times."""

    def __init__(self, browser: Any, url: str) -> None:
        context = browser.new_context()
        self.page = context.new_page()
        self.fetched = 0  # response body bytes since the last reset
        self.pending = 0  # requests not finished yet
        # The context's events, not the page's: the page's leave out most of what its workers
        # fetch (a phrase's index chunks: 149 of 594 kB counted).
        context.on("request", self._start)
        context.on("requestfinished", self._count)
        context.on("requestfailed", self._end)
        start = time.perf_counter()
        self.page.goto(url)
        self.page.wait_for_selector(".pagefind-ui__search-input")
        # The one-time cost of a visit: the page, Pagefind's script, WebAssembly and metadata
        # (a page without sunlitSearchReady loads Pagefind at its first query instead). The
        # browser reports a worker's fetches at times after the results are drawn: _settle
        # waits for them.
        self.page.evaluate("async () => { await window.sunlitSearchReady; }")
        self.page.wait_for_load_state("networkidle")
        self._settle()
        self.visit = {"ms": round((time.perf_counter() - start) * 1000, 1), "bytes": self.fetched}
        self.page.evaluate(HARNESS)
        self.first: dict[str, Any] | None = None

    def _start(self, request: Any) -> None:
        self.pending += 1

    def _end(self, request: Any) -> None:
        self.pending -= 1

    def _count(self, request: Any) -> None:
        # sizes() waits for the browser, and other events' handlers run meanwhile: read the size
        # first, then add it (`fetched += sizes()` lost the other handlers' additions).
        size = request.sizes()["responseBodySize"]
        self.fetched += size
        self._end(request)

    def _settle(self) -> None:
        # The worker's requests are reported apart from the page's, possibly after the results
        # are drawn: wait for their reports and count them with their query.
        self.page.wait_for_timeout(200)
        deadline = time.monotonic() + 10
        while self.pending > 0 and time.monotonic() < deadline:
            self.page.wait_for_timeout(5)

    def query(self, text: str) -> tuple[float, int]:
        self.page.evaluate("() => window.benchClear()")
        self._settle()
        self.fetched = 0
        ms = float(self.page.evaluate("(q) => window.benchQuery(q)", text))
        self._settle()
        if ms < 0:
            shown = self.page.locator("#search").inner_text()[:300]
            raise RuntimeError(f"no results drawn in 30 s for {text!r}; the page shows {shown!r}")
        if self.first is None:
            self.first = {"ms": round(ms, 1), "bytes": self.fetched}
        return ms, self.fetched


def _query_stats(runs: list[tuple[float, int]]) -> dict[str, Any]:
    stats: dict[str, Any] = _stats([ms / 1000 for ms, _ in runs])
    byte_counts = sorted(b for _, b in runs)
    stats["bytes_median"] = int(statistics.median(byte_counts))
    stats["bytes_max"] = int(byte_counts[-1])
    return stats


def browser_latency(root: Path, qs: dict[str, list[str]], baseline: Path | None = None,
                    baseline_site: Path | None = None) -> dict[str, Any]:
    """Each query typed into the search page and submitted, timed to its results drawn; with a
    baseline script or bundle, the same queries alternate between the two pages, one tab each."""
    pages = {"search": _search_page(root, "search", SEARCH_JS)}
    if baseline is not None or baseline_site is not None:
        bundle = "/pagefind/"
        if baseline_site is not None:
            bundle = "/pagefind-baseline/"
            link = root / bundle.strip("/")
            link.unlink(missing_ok=True)
            link.symlink_to((baseline_site / "pagefind").absolute(), target_is_directory=True)
        pages["baseline"] = _search_page(root, "baseline", baseline or SEARCH_JS, bundle)
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
            visits = {name: _Visit(browser, f"http://127.0.0.1:{port}{url}")
                      for name, url in pages.items()}
            runs: dict[str, dict[str, list[tuple[float, int]]]] = {
                name: {kind: [] for kind in qs} for name in pages}
            for kind, texts in qs.items():
                for q in texts:
                    # The browser has no fields: a fielded query is its value.
                    text = q.rpartition(":")[2] if kind == "fielded" else q.strip('"')
                    for name, visit in visits.items():
                        runs[name][kind].append(visit.query(text))
            for name, visit in visits.items():
                out[name] = {"visit": visit.visit, "first_query": visit.first,
                             **{kind: _query_stats(r) for kind, r in runs[name].items()}}
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return out


BUILT = "sunlit-bench.json"  # in a kept site: the records its bundle was built from


def pagefind_build(docs: list[SearchDocument], site: Path,
                   chunk_bytes: int | None = CHUNK_BYTES) -> dict[str, Any] | None:
    """Build the bundle into `site`/pagefind, its index in chunks of about `chunk_bytes` (None:
    Pagefind's own), and time it; None if `site` already holds one built alike from as many
    documents (kept by --bundle), which is then reused as it is."""
    built = site / BUILT
    made = {"records": len(docs), "chunk_bytes": chunk_bytes}
    if built.exists() and json.loads(built.read_text()) == made:
        print(f"pagefind: reusing the bundle in {site}", flush=True)
        return None
    shutil.rmtree(site / "pagefind", ignore_errors=True)
    # Pagefind first: the children's peak RSS is then the Pagefind process's alone.
    seconds, _ = _timed(lambda: write_browser_index(iter(docs), site / "pagefind",
                                                    chunk_bytes=chunk_bytes))
    rss_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    built.write_text(json.dumps(made))
    index = list((site / "pagefind").rglob("*.pf_index"))
    return {"seconds": round(seconds, 1), "docs_per_s": round(len(docs) / seconds),
            "peak_rss_mb": round(rss_kb / 1024),
            "bundle_mb": round(_bundle_bytes(site / "pagefind") / 2**20, 1),
            "chunk_bytes": chunk_bytes, "index_chunks": len(index),
            "index_mb": round(sum(p.stat().st_size for p in index) / 2**20, 1)}


def run(records: int, query_count: int, whoosh_procs: int,
        baseline: Path | None = None, kept: Path | None = None,
        browser_only: bool = False, baseline_site: Path | None = None,
        chunk_bytes: int | None = CHUNK_BYTES) -> dict[str, Any]:
    docs = documents(records)
    qs = queries(docs, query_count)
    result: dict[str, Any] = {"records": records, "queries_per_kind": query_count}
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-search-") as tmp:
        work = Path(tmp)
        site = kept or work / "site"
        if (build := pagefind_build(docs, site, chunk_bytes)) is not None:
            result["pagefind_build"] = build
            print("pagefind", build, flush=True)
        if browser_only:
            result["browser_query"] = browser_latency(site, qs, baseline, baseline_site)
            return result

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
                                  "procs": whoosh_procs}
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
        result["browser_query"] = browser_latency(site, qs, baseline, baseline_site)
    return result


def table(result: dict[str, Any]) -> Iterator[str]:
    yield f"search benchmark, {result['records']:,} documents"
    for name in ("whoosh_build", "pagefind_build", "tantivy_build"):
        if name not in result:
            continue
        build = result[name]
        extra = {k: v for k, v in build.items() if k not in ("seconds", "docs_per_s")}
        yield (f"  {name:<16} {build['seconds']:>8.1f} s {build['docs_per_s']:>8,} docs/s  "
               f"{extra or ''}")
    heads = ("term med/p95", "phrase med/p95", "fielded med/p95")
    yield f"  {'query (ms)':<16} " + " ".join(f"{h:>16}" for h in heads)
    rows = [(name, result[name]) for name in ("whoosh_query", "tantivy_query") if name in result]
    rows += [(f"browser {name}", row) for name, row in result["browser_query"].items()]
    for name, row in rows:
        cells = [f"{row[k]['median_ms']:.1f}/{row[k]['p95_ms']:.1f}" for k in
                 ("term", "phrase", "fielded")]
        yield f"  {name:<16} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}"
    for name, browser in result["browser_query"].items():
        kinds = ", ".join(f"{k} {browser[k]['bytes_median']:,}/{browser[k]['bytes_max']:,}"
                          for k in ("term", "phrase", "fielded"))
        yield (f"  browser {name}: bytes a query (median/max) {kinds}; the visit "
               f"{browser['visit']['bytes']:,} bytes in {browser['visit']['ms']} ms, then its "
               f"first query {browser['first_query']['bytes']:,} bytes in "
               f"{browser['first_query']['ms']} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--whoosh-procs", type=int, default=whoosh_engine.WRITER_PROCS)
    parser.add_argument("--baseline-js", type=Path, metavar="FILE",
                        help="another search.js (e.g. an earlier commit's) to time alongside "
                             "site/static/js/search.js, query by query")
    parser.add_argument("--bundle", type=Path, metavar="DIR",
                        help="keep the built site in DIR, or reuse the one kept there")
    parser.add_argument("--baseline-bundle", type=Path, metavar="DIR",
                        help="a site kept by --bundle (e.g. built by another search/browser.py) "
                             "whose index the baseline page searches")
    parser.add_argument("--browser-only", action="store_true",
                        help="time only the browser: no Whoosh or tantivy")
    parser.add_argument("--chunk-bytes", type=int, default=CHUNK_BYTES, metavar="N",
                        help="cut the browser index into chunks of about N bytes "
                             f"(default {CHUNK_BYTES:,}; 0 keeps Pagefind's own chunks)")
    args = parser.parse_args(argv)
    result = run(args.records, args.queries, args.whoosh_procs,
                 args.baseline_js, args.bundle, args.browser_only, args.baseline_bundle,
                 args.chunk_bytes or None)
    for line in table(result):
        print(line)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
