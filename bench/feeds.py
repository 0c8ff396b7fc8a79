"""Feed writing speed: every feed of generated awards, full and after changes.

Generated tenders, awards and organisations (one organisation per ten tenders) go into a fresh
DuckDB file through `store.upsert_records`; then, timed in the same run, each step being
`feeds.read_catalogue` and `feeds.write_feeds` with the plugin's `load` (entries read only for
the feeds rendered):

1. the full build: every feed rendered into an empty output (feeds/s, entries/s);
2. a rebuild of the unchanged database, and one after changing 1% of the tenders' titles
   (`bench.site.change_titles`), each two ways: into a fresh output linking from the previous
   build (how `sunlit build` works today), and in place over an output holding the previous
   build (only changed feeds touched); each timed as a share of the full build;
3. the baseline: every award as entries of one single feed, rendered once: entries/s.

    python -m bench.feeds [--awards 20000 100000]

Writes bench/results/feeds.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from disclosures import feeds, ids, publish, store
from disclosures.records import TABLE_COLUMNS

RESULTS = Path(__file__).parent / "results" / "feeds.json"
RUN_ID = "bench-feeds"
SOURCE = "bench"


def _row(table: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS[table])
    row.update(values, source=SOURCE)
    row["content_hash"] = ids.content_hash(row)
    return row


START = datetime(2025, 1, 1, tzinfo=UTC)


def _roles(orgs: int) -> tuple[int, int, int]:
    """How many of `orgs` organisations buy, act as agencies and supply."""
    buyers, agencies = orgs * 15 // 100, orgs * 5 // 100
    return buyers, agencies, orgs - buyers - agencies


def _tenders(first: int, count: int, orgs: int) -> tuple[list[dict[str, Any]],
                                                        list[dict[str, Any]]]:
    """Tenders number `first` to `first + count - 1`, seven minutes apart, and an award each."""
    buyers, agencies, suppliers = _roles(orgs)
    tenders, award_rows = [], []
    for n in range(first, first + count):
        tender_id = f"bench:T{n:07d}"
        url = f"http://bench.invalid/notice/{n}"
        tenders.append(_row(
            "tenders", tender_id=tender_id, title=f"宜昌市某某项目（第{n}批）中标结果公告",
            buyer_id=f"bench:org{n % buyers:05d}",
            agency_id=f"bench:org{buyers + n % agencies:05d}",
            category=("goods", "works", "services")[n % 3], region=f"4205{n % 50:02d}",
            published_at=START + timedelta(minutes=7 * n), is_correction=False, url=url))
        award_rows.append(_row(
            "awards", award_id=f"{tender_id}:1", tender_id=tender_id,
            supplier_id=f"bench:org{buyers + agencies + (n * 7919) % suppliers:05d}",
            amount=Decimal(n * 37 % 10_000_000) / 100, currency="CNY",
            award_date=START + timedelta(minutes=7 * n), url=url,
            document_sha256=f"{n:064x}"))
    return tenders, award_rows


def _load(con: Any, first: int, tenders: list[dict[str, Any]], awards: list[dict[str, Any]],
          organisations: list[dict[str, Any]], run_id: str) -> None:
    """Load the rows in one run, with a document each notice was fetched as."""
    store.start_run(con, run_id, SOURCE)
    # Every notice fetched at its own time, so entries are ordered by date, not only by id.
    con.execute(
        "INSERT INTO documents (sha256, url, source, fetched_at, http_status, size_bytes, "
        "archive_path) SELECT printf('%064x', i), 'http://bench.invalid/notice/' || i, ?, "
        "?::TIMESTAMPTZ + to_minutes(7 * i + 60), 200, 1024, 'bench/' || i "
        "FROM range(?, ?) r(i)",
        [SOURCE, START, first, first + len(tenders)],
    )
    for table, rows in (("organisations", organisations), ("tenders", tenders),
                        ("awards", awards)):
        for start in range(0, len(rows), 20_000):
            store.upsert_records(con, table, rows[start:start + 20_000], run_id)
    store.finish_run(con, run_id, SOURCE, store.RunCounts(), "ok")
    store.checkpoint(con)


def build_db(path: Path, awards: int, orgs: int) -> None:
    organisations = [_row("organisations", org_id=f"bench:org{n:05d}", name=f"宜昌某某单位{n}",
                          url=f"http://bench.invalid/org/{n}") for n in range(orgs)]
    tenders, award_rows = _tenders(0, awards, orgs)
    con = store.connect(path, read_only=False)
    try:
        store.migrate(con)
        _load(con, 0, tenders, award_rows, organisations, RUN_ID)
    finally:
        con.close()


def add_tenders(path: Path, first: int, count: int, orgs: int) -> int:
    """Collect `count` new tenders (numbers from `first`, newer than every earlier one) and their
    awards into a database `build_db` made with `orgs` organisations; return how many."""
    tenders, award_rows = _tenders(first, count, orgs)
    con = store.connect(path, read_only=False)
    try:
        _load(con, first, tenders, award_rows, [], f"{RUN_ID}-{first}")
    finally:
        con.close()
    return len(tenders)


@dataclass
class Step:
    seconds: float
    cpu_seconds: float  # of this process (all its threads): steadier on a shared machine
    stats: feeds.WriteStats


def write_step(db: Path, output: Path, info: feeds.FeedInfo, previous: Path | None = None,
               ) -> Step:
    """What the feeds plugin does in a build: the catalogue, then the writing."""

    def load(to_render: list[feeds.Feed]) -> None:
        with publish.open_reader(db) as con:
            feeds.read_entries(con, to_render)

    started, cpu = time.perf_counter(), time.process_time()
    with publish.open_reader(db) as con:
        catalogue = feeds.read_catalogue(con)
    stats = feeds.write_feeds(catalogue, output, info, previous, load=load)
    return Step(time.perf_counter() - started, time.process_time() - cpu, stats)


def _share(step: Step, full: Step) -> dict[str, Any]:
    return {"seconds": round(step.seconds, 2),
            "share_of_full": round(step.seconds / full.seconds, 3),
            "cpu_seconds": round(step.cpu_seconds, 2),
            "cpu_share_of_full": round(step.cpu_seconds / full.cpu_seconds, 3),
            "rendered": step.stats.rendered, "linked": step.stats.reused,
            "untouched": step.stats.untouched, "deleted": step.stats.deleted}


def measure(awards: int, orgs: int, workdir: Path) -> dict[str, Any]:
    from bench.site import change_titles  # bench.site imports this module

    db = workdir / "feeds.duckdb"
    build_db(db, awards, orgs)
    info = feeds.FeedInfo(site_url="https://sunlit.example.org")
    full = write_step(db, workdir / "full", info)
    with publish.open_reader(db) as con:
        entries = sum(len(feed.entries) for feed in feeds.read_feeds(con))
    results: dict[str, Any] = {
        "awards": awards, "organisations": orgs, "feeds": full.stats.feeds, "entries": entries,
        "full": {"seconds": round(full.seconds, 2), "cpu_seconds": round(full.cpu_seconds, 2),
                 "feeds_per_second": round(full.stats.feeds / full.seconds),
                 "entries_per_second": round(entries / full.seconds)},
    }
    # The standby tree an in-place rebuild updates: a copy of the full build's output.
    shutil.copytree(workdir / "full", workdir / "standby")
    results["unchanged_linked"] = _share(
        write_step(db, workdir / "unchanged", info, previous=workdir / "full"), full)
    results["unchanged_in_place"] = _share(write_step(db, workdir / "standby", info), full)
    results["changed_tenders"] = change_titles(db, 0.01)
    results["changed_linked"] = _share(
        write_step(db, workdir / "changed", info, previous=workdir / "full"), full)
    results["changed_in_place"] = _share(write_step(db, workdir / "standby", info), full)

    with publish.open_reader(db) as con:
        every = feeds.order_entries(
            (feeds.award_entry(row) for row in publish._rows(con, feeds.AWARDS_SQL)),
            limit=awards,
        )
    started = time.perf_counter()
    feeds.render(feeds.Feed("awards", "", "all", "", every), info)
    seconds = time.perf_counter() - started
    results["single_feed"] = {"entries": len(every), "seconds": round(seconds, 2),
                              "entries_per_second": round(len(every) / seconds)}
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--awards", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args(argv)
    runs = []
    for awards in args.awards:
        with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as temp:
            r = measure(awards, max(100, awards // 10), Path(temp))
        runs.append(r)
        print(f"feeds: {r['feeds']} feeds ({r['entries']} entries) from {r['awards']} awards, "
              f"{r['organisations']} organisations")
        print(f"  full build, every feed rendered: {r['full']['seconds']} s "
              f"(CPU {r['full']['cpu_seconds']} s) = "
              f"{r['full']['feeds_per_second']} feeds/s, {r['full']['entries_per_second']} "
              "entries/s")
        changed = f"{r['changed_tenders']} tenders changed"
        for name, label in (("unchanged_linked", "unchanged, fresh output"),
                            ("unchanged_in_place", "unchanged, in place"),
                            ("changed_linked", f"{changed}, fresh output"),
                            ("changed_in_place", f"{changed}, in place")):
            row = r[name]
            print(f"  {label}: {row['seconds']} s = {row['share_of_full']:.1%} of full, CPU "
                  f"{row['cpu_seconds']} s = {row['cpu_share_of_full']:.1%} "
                  f"({row['rendered']} rendered, {row['linked']} linked, {row['untouched']} "
                  "untouched)")
        print(f"  baseline, one feed of all {r['single_feed']['entries']} awards: "
              f"{r['single_feed']['seconds']} s = {r['single_feed']['entries_per_second']} "
              "entries/s")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
