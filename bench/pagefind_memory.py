"""Pagefind's peak memory as the index grows: where a browser index stops fitting this machine.

Pagefind has no incremental mode and holds every record in memory until it writes the bundle.
For each size, a fresh process indexes that many generated documents (`bench.search.documents`,
through `search.browser.write_browser_index`) into one index, not shards (a site's build splits
an index past `search.browser.SHARD_RECORDS` records and writes one shard at a time), and
reports the Pagefind process's peak RSS. The
growth per record is fitted by least squares, and the record count at which the peak would
reach this machine's memory (MemTotal) is projected from it.

    python -m bench.pagefind_memory [--sizes 10000,25000,50000,100000]

Writes bench/results/pagefind_memory.json.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "pagefind_memory.json"


def one(size: int) -> dict[str, Any]:
    """Index `size` documents in this process; the peak RSS of its Pagefind child."""
    from bench.search import documents
    from search import browser
    from search.browser import write_browser_index

    docs = documents(size)
    browser.SHARD_RECORDS = max(size, 1)  # one Pagefind index of `size` records, not shards
    with tempfile.TemporaryDirectory(prefix="sunlit-bench-pagefind-") as tmp:
        started = time.perf_counter()
        write_browser_index(iter(docs), Path(tmp) / "pagefind")
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    return {"records": size, "seconds": round(seconds, 1), "peak_rss_mb": round(peak / 2**20)}


def memory_total() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no MemTotal in /proc/meminfo")


def fit(points: list[dict[str, Any]]) -> tuple[float, float]:
    """Least-squares line through (records, MB): MB per record and MB at none."""
    xs = [p["records"] for p in points]
    ys = [p["peak_rss_mb"] for p in points]
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    slope = (sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
             / sum((x - mean_x) ** 2 for x in xs))
    return slope, mean_y - slope * mean_x


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pagefind_memory",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,25000,50000,100000",
                        help="comma-separated record counts (default 10000,25000,50000,100000)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child's own run
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one)))
        return
    sizes = sorted({int(s) for s in args.sizes.split(",")})
    points = []
    for size in sizes:
        out = subprocess.run([sys.executable, "-m", "bench.pagefind_memory", "--one", str(size)],
                             capture_output=True, text=True, check=True,
                             cwd=Path(__file__).resolve().parents[1])
        point = json.loads(out.stdout.strip().splitlines()[-1])
        points.append(point)
        print(f"  {point['records']:>9,} records {point['seconds']:>8.1f} s "
              f"{point['peak_rss_mb']:>7,} MB peak", flush=True)
    result: dict[str, Any] = {"points": points, "memory_total_mb": round(memory_total() / 2**20)}
    if len(points) > 1:
        slope, base = fit(points)
        result["kb_per_record"] = round(slope * 1024, 1)
        result["fits_records"] = int((result["memory_total_mb"] - base) / slope)
        result["four_gb_records"] = int((4096 - base) / slope)
        print(f"  {result['kb_per_record']} kB a record: 4 GB holds about "
              f"{result['four_gb_records']:,} records; this machine's "
              f"{result['memory_total_mb']:,} MB about {result['fits_records']:,}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
