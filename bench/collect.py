"""Collect throughput and loader speed.

1. `sunlit collect` of the bundled sample portal (every format: Epoint awards and candidates,
   CCGP HTML, OCDS, the three lists, approvals) into a fresh DuckDB file, as a user runs it:
   records (items extracted, accepted or rejected) per second of wall time, Scrapy start-up
   included. `--size` is the portal's size per kind; the portal serves about 5.8 records per
   unit of size, so `--size 17000` is about 100k records. Then the same collect again, as a
   scheduled re-run of an unchanged portal: seconds and pages fetched.
2. `store.upsert_records` on generated award rows, in batches as the load pipeline writes them,
   against a row-by-row `executemany` INSERT of the same rows into the same table: rows/s each
   and their ratio.

    python -m bench.collect [--size 1200] [--loader-rows 20000] [--baseline-rows 5000] [--profile]
"""

from __future__ import annotations

import argparse
import json
import pstats
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from collectors.run import BATCH_ROWS
from disclosures import ids, store
from disclosures.records import TABLE_COLUMNS

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "collect.json"


def collect_throughput(size: int, workdir: Path, profile: bool) -> dict[str, Any]:
    db, archive = workdir / "bench.duckdb", workdir / "archive"
    command = [sys.executable, "-m", "disclosures.cli", "collect", "--sources",
               str(REPO / "sources.toml"), "--portal-size", str(size), "--db", str(db),
               "--archive", str(archive)]
    if profile:
        command[1:1] = ["-m", "cProfile", "-o", str(workdir / "collect.prof")]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"collect failed:\n{done.stderr[-3000:]}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        items, pages = con.execute("SELECT sum(items), sum(pages) FROM runs").fetchall()[0]
        rows = sum(
            con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
            for t in ("tenders", "awards", "bids", "organisations", "list_items",
                      "approval_cases")
        )
    finally:
        con.close()
    if profile:
        stats = pstats.Stats(str(workdir / "collect.prof"))
        stats.sort_stats("tottime").print_stats(25)
        command[1:5] = []
    started = time.perf_counter()
    again = subprocess.run(command, capture_output=True, text=True, cwd=workdir)
    rerun_seconds = time.perf_counter() - started
    if again.returncode not in (0, 1):
        raise SystemExit(f"re-run failed:\n{again.stderr[-3000:]}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        rerun_pages = con.execute(
            "SELECT sum(pages) FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"
        ).fetchall()[0][0]
    finally:
        con.close()
    return {
        "portal_size": size, "records": int(items), "pages": int(pages), "rows_stored": rows,
        "seconds": round(seconds, 2), "records_per_second": round(items / seconds, 1),
        "rerun_seconds": round(rerun_seconds, 2), "rerun_pages": int(rerun_pages),
    }


def award_rows(count: int) -> list[dict[str, Any]]:
    fetched = datetime(2025, 3, 1, tzinfo=UTC)
    rows = []
    for index in range(count):
        row: dict[str, Any] = dict.fromkeys(TABLE_COLUMNS["awards"])
        row.update(
            award_id=f"bench:{index:08d}/name:供应商{index % 5000}",
            tender_id=f"bench:{index:08d}", supplier_id=f"name:供应商{index % 5000}",
            amount=Decimal(index * 37 % 10_000_000) / 100, currency="CNY",
            amount_text=f"{index * 37 % 10_000_000 / 100}元", award_date=fetched,
            source="bench", url=f"http://bench.invalid/notice/{index}",
            document_sha256=f"{index:064x}",
        )
        row["content_hash"] = ids.content_hash(row)
        rows.append(row)
    return rows


def loader_speed(count: int, workdir: Path, baseline_rows: int = 5000) -> dict[str, Any]:
    """Rows/s of upsert_records on `count` rows, and of executemany on the first
    `baseline_rows` of them: row by row its rate does not depend on the count, and 100k rows
    would take it many minutes."""
    rows = award_rows(count)
    con = store.connect(workdir / "loader.duckdb", read_only=False)
    try:
        store.migrate(con)
        started = time.perf_counter()
        for start in range(0, count, BATCH_ROWS):
            store.upsert_records(con, "awards", rows[start:start + BATCH_ROWS], "bench")
        arrow_seconds = time.perf_counter() - started
        stored = con.execute("SELECT count(*) FROM awards").fetchall()[0][0]
    finally:
        con.close()
    base = store.connect(workdir / "baseline.duckdb", read_only=False)
    try:
        store.migrate(base)
        columns = [*TABLE_COLUMNS["awards"], "version", "is_current", "first_run"]
        values = [[*(row[c] for c in TABLE_COLUMNS["awards"]), 1, True, "bench"]
                  for row in rows[:baseline_rows]]
        started = time.perf_counter()
        # The baseline the loader replaces: one INSERT per row (the only executemany we allow).
        base.executemany(
            f"INSERT INTO awards ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            values,
        )
        row_seconds = time.perf_counter() - started
    finally:
        base.close()
    arrow_rate, row_rate = count / arrow_seconds, len(values) / row_seconds
    return {
        "rows": count, "stored": stored, "batch_rows": BATCH_ROWS, "baseline_rows": len(values),
        "upsert_records_rows_per_second": round(arrow_rate),
        "executemany_rows_per_second": round(row_rate),
        "ratio": round(arrow_rate / row_rate, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.collect", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=1200,
                        help="sample portal size per kind (17000 is about 100k records)")
    parser.add_argument("--loader-rows", type=int, default=20_000)
    parser.add_argument("--baseline-rows", type=int, default=5_000,
                        help="rows for the executemany baseline (its rate is per row)")
    parser.add_argument("--profile", action="store_true",
                        help="run the collect under cProfile and print the top functions")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as temp:
        workdir = Path(temp)
        results: dict[str, Any] = {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "collect": collect_throughput(args.size, workdir, args.profile),
            "loader": loader_speed(args.loader_rows, workdir, args.baseline_rows),
        }
    collect, loader = results["collect"], results["loader"]
    print(f"collect: {collect['records']} records ({collect['pages']} pages, portal size "
          f"{collect['portal_size']}) in {collect['seconds']} s = "
          f"{collect['records_per_second']} records/s; re-run of the unchanged portal: "
          f"{collect['rerun_pages']} pages in {collect['rerun_seconds']} s")
    print(f"loader: upsert_records {loader['upsert_records_rows_per_second']} rows/s, "
          f"executemany {loader['executemany_rows_per_second']} rows/s "
          f"on {loader['baseline_rows']} ({loader['ratio']}x), {loader['rows']} award rows")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(REPO)}")


if __name__ == "__main__":
    main()
