"""Site build speed: full and incremental `sunlit build` against Pelican's Markdown route.

Generated tenders, their awards and organisations (`bench.feeds.build_db`, through
`store.upsert_records`) go into a fresh DuckDB file; then, on the same machine in the same run:

1. a full `sunlit build` (search index off; `--search` adds a run with it on), with pages
   rendered in one process and on every core: pages/s;
2. Pelican's ordinary route for the same records: one Markdown article per tender with the same
   fields, built by Pelican with its default theme (on the first `--markdown` tenders when there
   are more): articles/s;
3. rebuilds, each timed as a share of the full build: of the unchanged database twice (the first
   rebuild makes a new tree of links to the full build's pages; from the second on, a build
   recycles the tree before last and only writes what differs from it, the steady state), then
   after changing 1% of the tenders (their titles), then after collecting 1% more tenders, newer
   than the rest.

    python -m bench.site [--tenders 100000] [--markdown 5000] [--search]

Writes bench/results/site.json.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.feeds import add_tenders, build_db
from disclosures import publish, store
from disclosures.build import BuildResult, build_site, empty_trash

RESULTS = Path(__file__).parent / "results" / "site.json"

MARKDOWN_SQL = """
SELECT t.tender_id, t.title, t.notice_no, t.category, t.region, t.published_at,
       b.name AS buyer, g.name AS agency, s.name AS supplier, a.amount, t.url
FROM tenders t
LEFT JOIN organisations b ON b.org_id = t.buyer_id
LEFT JOIN organisations g ON g.org_id = t.agency_id
LEFT JOIN awards a ON a.tender_id = t.tender_id
LEFT JOIN organisations s ON s.org_id = a.supplier_id
ORDER BY t.published_at DESC, t.tender_id
LIMIT ?
"""


def _build(db: Path, output: Path, *, search: bool = False, processes: int | None = None
           ) -> BuildResult:
    result = build_site(db, output, search_index=search, processes=processes)
    empty_trash(output, wait=True)  # an old build deleted in the background would skew the next
    return result


def write_markdown(db: Path, content: Path, limit: int) -> int:
    """One Markdown article per tender, with the fields a tender page shows."""
    (content / "tenders").mkdir(parents=True)
    with publish.open_reader(db) as con:
        rows = con.execute(MARKDOWN_SQL, [limit]).fetchall()
    for n, (tender_id, title, notice, category, region, published, buyer, agency, supplier,
            amount, url) in enumerate(rows):
        (content / "tenders" / f"t{n:07d}.md").write_text(
            f"Title: {title}\nDate: {published:%Y-%m-%d %H:%M}\nCategory: {category}\n"
            f"Tags: {region}\nSlug: t{n:07d}\nSummary: {buyer} · {supplier}\n\n"
            f"| 字段 | 内容 |\n|---|---|\n| 编号 | {tender_id} |\n| 公告编号 | {notice} |\n"
            f"| 采购人 | {buyer} |\n| 代理机构 | {agency} |\n| 中标人 | {supplier} |\n"
            f"| 中标金额 | {amount:,.2f}元 |\n| 地区 | {region} |\n| 来源 | <{url}> |\n",
            encoding="utf-8")
    return len(rows)


def markdown_build(content: Path, output: Path) -> float:
    """Pelican's default route: its readers, article generator and default theme."""
    from pelican import Pelican
    from pelican.settings import read_settings

    settings = read_settings(override={
        "PATH": str(content), "OUTPUT_PATH": str(output), "SITENAME": "bench",
        "PLUGINS": [], "TIMEZONE": "Asia/Shanghai", "DEFAULT_LANG": "zh-CN",
        "LOAD_CONTENT_CACHE": False,
        "CACHE_CONTENT": False, "FEED_ALL_ATOM": None, "CATEGORY_FEED_ATOM": None,
        "AUTHOR_FEED_ATOM": None, "AUTHOR_FEED_RSS": None, "DEFAULT_PAGINATION": 50,
    })
    started = time.perf_counter()
    Pelican(settings).run()
    return time.perf_counter() - started


def change_titles(db: Path, share: float) -> int:
    """Give every 1/share-th tender a corrected title; return how many changed."""
    step = round(1 / share)
    con = store.connect(db, read_only=False)
    try:
        changed = con.execute(
            "UPDATE tenders SET title = title || '（更正）' WHERE tender_id IN ("
            " SELECT tender_id FROM (SELECT tender_id, row_number() OVER (ORDER BY tender_id) n"
            " FROM tenders) WHERE n % ? = 0)", [step]).fetchall()[0][0]
        store.checkpoint(con)
    finally:
        con.close()
    return int(changed)


def _row(result: BuildResult) -> dict[str, Any]:
    return {"seconds": round(result.seconds, 2), "pages": result.pages,
            "rendered": result.rendered, "reused": result.reused, "kept": result.kept,
            "pages_per_second": round(result.pages / result.seconds)}


def measure(tenders: int, markdown: int, search: bool, workdir: Path,
            one_process: bool = True) -> dict[str, Any]:
    db = workdir / "site.duckdb"
    started = time.perf_counter()
    build_db(db, tenders, max(100, tenders // 10))
    results: dict[str, Any] = {"tenders": tenders, "cores": os.cpu_count(),
                               "generate_seconds": round(time.perf_counter() - started, 1)}

    # First: Sunlit's plugins, once loaded, stay connected to Pelican's signals in this process.
    articles = write_markdown(db, workdir / "content", markdown)
    seconds = markdown_build(workdir / "content", workdir / "markdown")
    results["markdown"] = {"articles": articles, "seconds": round(seconds, 2),
                           "pages_per_second": round(articles / seconds)}
    if one_process:
        one = _build(db, workdir / "one", processes=1)
        results["full_one_process"] = _row(one)
    full = _build(db, workdir / "site")
    results["full"] = _row(full)
    first = _build(db, workdir / "site")
    results["unchanged_first"] = {**_row(first), "share_of_full": round(
        first.seconds / full.seconds, 3)}
    unchanged = _build(db, workdir / "site")
    results["unchanged"] = {**_row(unchanged), "share_of_full": round(
        unchanged.seconds / full.seconds, 3)}
    results["changed_tenders"] = change_titles(db, 0.01)
    changed = _build(db, workdir / "site")
    results["changed_1pct"] = {**_row(changed), "share_of_full": round(
        changed.seconds / full.seconds, 3)}
    # A collect's usual change: new tenders, newer than the rest, at the head of every list.
    results["added_tenders"] = add_tenders(db, tenders, max(1, tenders // 100),
                                           max(100, tenders // 10))
    added = _build(db, workdir / "site")
    results["added_1pct"] = {**_row(added), "share_of_full": round(
        added.seconds / full.seconds, 3)}
    if search:
        results["full_search"] = _row(_build(db, workdir / "search", search=True))

    results["speedup_over_markdown"] = round(
        results["full"]["pages_per_second"] / results["markdown"]["pages_per_second"], 1)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.site", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenders", type=int, default=100_000)
    parser.add_argument("--markdown", type=int, default=5_000,
                        help="tenders published through the Markdown route (default 5000)")
    parser.add_argument("--search", action="store_true", help="also a full build with Pagefind")
    parser.add_argument("--no-one-process", dest="one_process", action="store_false",
                        help="skip the full build in one process (the longest step at 100k)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # Pelican logs every file it writes
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as temp:
        r = measure(args.tenders, args.markdown, args.search, Path(temp), args.one_process)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(r, indent=2) + "\n", encoding="utf-8")
    print(f"site: {r['tenders']} tenders, {r['cores']} cores")
    print(f"  {'build':<34} {'seconds':>8} {'pages':>8} {'rendered':>9} {'pages/s':>8} "
          f"{'of full':>8}")
    rows = [*([("full, search off, 1 process", r["full_one_process"])]
              if "full_one_process" in r else []),
            ("full, search off, every core", r["full"]),
            ("unchanged rebuild, a new tree", r["unchanged_first"]),
            ("unchanged rebuild, recycled tree", r["unchanged"]),
            (f"1% changed ({r['changed_tenders']} tenders)", r["changed_1pct"]),
            (f"1% new ({r['added_tenders']} tenders)", r["added_1pct"])]
    if "full_search" in r:
        rows.append(("full, search on", r["full_search"]))
    for name, row in rows:
        share = f"{row['share_of_full']:.1%}" if "share_of_full" in row else ""
        print(f"  {name:<34} {row['seconds']:>8} {row['pages']:>8} {row['rendered']:>9} "
              f"{row['pages_per_second']:>8} {share:>8}")
    md = r["markdown"]
    print(f"  {'Pelican Markdown, ' + str(md['articles']) + ' articles':<34} {md['seconds']:>8} "
          f"{md['articles']:>8} {md['articles']:>9} {md['pages_per_second']:>8}")
    print(f"  Sunlit full build: {r['speedup_over_markdown']}x the Markdown route's pages/s")
    print("  written to bench/results/site.json")


if __name__ == "__main__":
    main()
