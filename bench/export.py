"""Download export speed: a full export, then one after 1% of the tenders change.

A database of generated tenders (`bench.feeds.build_db`, one organisation per ten tenders) is
exported in full (`export.export_all`, what a first build does); then 1% of the tenders'
titles change (`bench.site.change_titles`) and the downloads are exported again given the first
export (`previous=`, what a rebuild does), timed in the same run as a share of the full export,
with each step's seconds. Then the changed database is exported afresh, and the two exports of
it are compared file by file: tables byte for byte, the OCDS package byte for byte (its package
date aside, as it is the time of the export), the database copy by its rows.

    python -m bench.export [--tenders 20000 100000]

Writes bench/results/export.json.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

from bench.feeds import build_db
from disclosures import export

RESULTS = Path(__file__).parent / "results" / "export.json"


def timed_export(db: Path, out: Path, previous: Path | None = None) -> dict[str, Any]:
    steps: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    manifest = export.export_all(db, out, previous=previous, steps=steps)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    linked = sum(1 for entry in manifest["files"] if previous is not None
                 and (out / entry["path"]).samefile(previous / entry["path"]))
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu_seconds, 2),
            "steps": {name: round(value, 2) for name, value in steps.items()},
            "files": len(manifest["files"]), "linked": linked}


def _package_without_date(path: Path) -> bytes:
    data = path.read_bytes()
    header = json.loads(data[:data.index(b', "releases": [')] + b"}")
    header.pop("uri"), header.pop("publishedDate")
    return json.dumps(header).encode() + data[data.index(b', "releases": ['):]


def differences(one: Path, other: Path) -> list[str]:
    """The downloads in which two exports of the same database differ."""
    files = [entry["path"] for entry in
             json.loads((one / "manifest.json").read_text(encoding="utf-8"))["files"]]
    found = []
    for path in files:
        if path == export.DATABASE_FILE:
            if _database_rows(one / path) != _database_rows(other / path):
                found.append(path)
        elif path == export.OCDS_FILE:
            if _package_without_date(one / path) != _package_without_date(other / path):
                found.append(path)
        elif (one / path).read_bytes() != (other / path).read_bytes():
            found.append(path)
    return found


def _database_rows(path: Path) -> dict[str, Any]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: con.execute(f"SELECT count(*), sum(hash(x)::HUGEINT) FROM {name} x"
                                  ).fetchall() for name in export.relations(con)}
    finally:
        con.close()


def measure(tenders: int, workdir: Path) -> dict[str, Any]:
    from bench.site import change_titles  # bench.site imports bench.feeds

    db = workdir / "export.duckdb"
    build_db(db, tenders, max(100, tenders // 10))
    results: dict[str, Any] = {"tenders": tenders, "cores": os.cpu_count(),
                               "load_before": os.getloadavg()[0]}
    full = timed_export(db, workdir / "full")
    results["full"] = full
    results["changed_tenders"] = change_titles(db, 0.01)
    changed = timed_export(db, workdir / "changed", previous=workdir / "full")
    changed["share_of_full"] = round(changed["seconds"] / full["seconds"], 3)
    changed["cpu_share_of_full"] = round(changed["cpu_seconds"] / full["cpu_seconds"], 3)
    results["changed"] = changed
    results["fresh"] = timed_export(db, workdir / "fresh")
    results["differences"] = differences(workdir / "changed", workdir / "fresh")
    results["load_after"] = os.getloadavg()[0]
    return results


def _steps(row: dict[str, Any]) -> str:
    return ", ".join(f"{name} {value} s" for name, value in row["steps"].items())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenders", type=int, nargs="+", default=[20_000, 100_000])
    args = parser.parse_args(argv)
    runs = []
    for tenders in args.tenders:
        with tempfile.TemporaryDirectory(prefix="sunlit-bench-") as temp:
            r = measure(tenders, Path(temp))
        runs.append(r)
        full, changed, fresh = r["full"], r["changed"], r["fresh"]
        print(f"export: {r['tenders']} tenders, {r['cores']} cores, load "
              f"{r['load_before']:.2f} before, {r['load_after']:.2f} after")
        print(f"  full export: {full['seconds']} s (CPU {full['cpu_seconds']} s): "
              f"{_steps(full)}")
        print(f"  {r['changed_tenders']} tenders changed, given the full export: "
              f"{changed['seconds']} s = {changed['share_of_full']:.1%} of full, CPU "
              f"{changed['cpu_seconds']} s = {changed['cpu_share_of_full']:.1%} "
              f"({changed['linked']} of {changed['files']} files linked): {_steps(changed)}")
        print(f"  the changed database exported afresh: {fresh['seconds']} s; differences "
              f"from the export given the full one: {', '.join(r['differences']) or 'none'}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(runs, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
