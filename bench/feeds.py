"""Feed writing speed: every feed of 100k awards across 10k organisations.

Generated tenders, awards and organisations go into a fresh DuckDB file through
`store.upsert_records`; then, timed separately:

1. `feeds.read_feeds` (one query per family of feeds, grouped in Python);
2. `feeds.write_feeds` of every feed (buyer, supplier, agency, region, category, all awards),
   each rendered with feedgen as Atom and RSS: feeds/s and entries/s;
3. the same again with the first run's output as the previous build (incremental: every feed
   unchanged, so linked, not rendered);
4. the baseline: every award as entries of one single feed, rendered once: entries/s.

    python -m bench.feeds [--awards 100000] [--orgs 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from disclosures import feeds, ids, publish, store
from disclosures.records import TABLE_COLUMNS

RUN_ID = "bench-feeds"
SOURCE = "bench"


def _row(table: str, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS[table])
    row.update(values, source=SOURCE)
    row["content_hash"] = ids.content_hash(row)
    return row


def build_db(path: Path, awards: int, orgs: int) -> None:
    buyers, agencies = orgs * 15 // 100, orgs * 5 // 100
    suppliers = orgs - buyers - agencies
    start = datetime(2025, 1, 1, tzinfo=UTC)
    organisations = [_row("organisations", org_id=f"bench:org{n:05d}", name=f"宜昌某某单位{n}",
                          url=f"http://bench.invalid/org/{n}") for n in range(orgs)]
    tenders, award_rows = [], []
    for n in range(awards):
        tender_id = f"bench:T{n:07d}"
        url = f"http://bench.invalid/notice/{n}"
        tenders.append(_row(
            "tenders", tender_id=tender_id, title=f"宜昌市某某项目（第{n}批）中标结果公告",
            buyer_id=f"bench:org{n % buyers:05d}",
            agency_id=f"bench:org{buyers + n % agencies:05d}",
            category=("goods", "works", "services")[n % 3], region=f"4205{n % 50:02d}",
            published_at=start + timedelta(minutes=7 * n), is_correction=False, url=url))
        award_rows.append(_row(
            "awards", award_id=f"{tender_id}:1", tender_id=tender_id,
            supplier_id=f"bench:org{buyers + agencies + (n * 7919) % suppliers:05d}",
            amount=Decimal(n * 37 % 10_000_000) / 100, currency="CNY",
            award_date=start + timedelta(minutes=7 * n), url=url,
            document_sha256=f"{n:064x}"))
    con = store.connect(path, read_only=False)
    try:
        store.migrate(con)
        store.start_run(con, RUN_ID, SOURCE)
        # Every notice fetched at its own time, so entries are ordered by date, not only by id.
        con.execute(
            "INSERT INTO documents (sha256, url, source, fetched_at, http_status, size_bytes, "
            "archive_path) SELECT printf('%064x', i), 'http://bench.invalid/notice/' || i, ?, "
            "?::TIMESTAMPTZ + to_minutes(7 * i + 60), 200, 1024, 'bench/' || i "
            "FROM range(?) r(i)",
            [SOURCE, start, awards],
        )
        for table, rows in (("organisations", organisations), ("tenders", tenders),
                            ("awards", award_rows)):
            for first in range(0, len(rows), 20_000):
                store.upsert_records(con, table, rows[first:first + 20_000], RUN_ID)
        store.finish_run(con, RUN_ID, SOURCE, store.RunCounts(), "ok")
        store.checkpoint(con)
    finally:
        con.close()


def measure(awards: int, orgs: int, workdir: Path) -> dict[str, Any]:
    db = workdir / "feeds.duckdb"
    build_db(db, awards, orgs)
    info = feeds.FeedInfo(site_url="https://sunlit.example.org")
    started = time.perf_counter()
    with publish.open_reader(db) as con:
        all_feeds = feeds.read_feeds(con)
        rows = con.execute(f"SELECT count(*) FROM ({feeds.AWARDS_SQL})").fetchall()[0][0]
    read_seconds = time.perf_counter() - started
    entries = sum(len(feed.entries) for feed in all_feeds)

    started = time.perf_counter()
    full = feeds.write_feeds(all_feeds, workdir / "first", info)
    full_seconds = time.perf_counter() - started
    started = time.perf_counter()
    again = feeds.write_feeds(all_feeds, workdir / "second", info, previous=workdir / "first")
    incremental_seconds = time.perf_counter() - started

    award_entries = [e for f in all_feeds if f.kind == "awards" for e in f.entries]
    with publish.open_reader(db) as con:
        every = feeds.order_entries(
            (feeds.award_entry(row) for row in publish._rows(con, feeds.AWARDS_SQL)),
            limit=rows,
        )
    single = feeds.Feed("awards", "", "all", "", every)
    started = time.perf_counter()
    feeds.render(single, info)
    single_seconds = time.perf_counter() - started
    assert len(award_entries) == min(rows, feeds.FEED_SIZE)
    return {
        "awards": rows, "organisations": orgs, "feeds": full.feeds, "entries": entries,
        "read_seconds": round(read_seconds, 2),
        "write_seconds": round(full_seconds, 2),
        "feeds_per_second": round(full.feeds / full_seconds),
        "entries_per_second": round(entries / full_seconds),
        "incremental_seconds": round(incremental_seconds, 2),
        "incremental_reused": again.reused,
        "single_feed_entries": len(every),
        "single_feed_seconds": round(single_seconds, 2),
        "single_feed_entries_per_second": round(len(every) / single_seconds),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.feeds", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--awards", type=int, default=100_000)
    parser.add_argument("--orgs", type=int, default=10_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as temp:
        r = measure(args.awards, args.orgs, Path(temp))
    print(f"feeds: {r['feeds']} feeds ({r['entries']} entries) from {r['awards']} awards, "
          f"{r['organisations']} organisations")
    print(f"  read (one query per family):  {r['read_seconds']} s")
    print(f"  write every feed, Atom + RSS: {r['write_seconds']} s = {r['feeds_per_second']} "
          f"feeds/s, {r['entries_per_second']} entries/s")
    print(f"  incremental, nothing changed: {r['incremental_seconds']} s "
          f"({r['incremental_reused']} feeds linked from the previous build)")
    print(f"  baseline, one feed of all {r['single_feed_entries']} awards: "
          f"{r['single_feed_seconds']} s = {r['single_feed_entries_per_second']} entries/s")


if __name__ == "__main__":
    main()
