"""A collect killed with SIGKILL mid-run, then run again, ends with exactly the rows of an
uninterrupted collect; the killed run's `runs` rows are marked killed by the next collect."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import run_collect

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
PORTAL_SIZE = "300"
# Archived bodies after which the collect is killed: past its first third (about 156 in all).
KILL_AFTER_FILES = 70


def table_contents(db: Path) -> dict[str, Any]:
    """Every record table's (id, version, is_current, content_hash) rows, documents by
    (sha256, url) and rejects by id: what must be equal whatever happened to the runs."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [row[0] for row in con.execute(
            "SELECT DISTINCT table_name FROM information_schema.columns "
            "WHERE column_name = 'content_hash' AND table_name IN "
            "(SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE')"
        ).fetchall()]
        found: dict[str, Any] = {}
        for table in sorted(tables):
            key = con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                "ORDER BY ordinal_position LIMIT 1", [table]).fetchall()[0][0]
            found[table] = sorted(con.execute(
                f"SELECT {key}, version, is_current, content_hash FROM {table}").fetchall())
        found["documents"] = sorted(con.execute("SELECT sha256, url FROM documents").fetchall())
        found["rejects"] = sorted(con.execute("SELECT reject_id FROM rejects").fetchall())
        return found
    finally:
        con.close()


def test_a_killed_collect_run_again_equals_an_uninterrupted_one(tmp_path: Path) -> None:
    sources = ("--sources", str(REPO / "sources.toml"), "--portal-size", PORTAL_SIZE)
    (tmp_path / "clean").mkdir()
    clean = run_collect(tmp_path / "clean", *sources)
    assert clean.process.returncode == 0, clean.output

    workdir = tmp_path / "killed"
    workdir.mkdir()
    db, archive = workdir / "sunlit.duckdb", workdir / "archive"
    process = subprocess.Popen(
        [sys.executable, "-m", "disclosures.cli", "collect", "--db", str(db),
         "--archive", str(archive), *sources],
        cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if archive.is_dir() and sum(1 for p in archive.rglob("*.gz")) >= KILL_AFTER_FILES:
                break
            time.sleep(0.05)
        assert process.poll() is None, "the collect ended before it could be killed"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    again = run_collect(workdir, *sources)
    assert again.process.returncode == 0, again.output
    statuses = again.query("SELECT status, count(*) FROM runs GROUP BY status ORDER BY status")
    assert dict(statuses).get("running") is None
    assert dict(statuses)["killed"] >= 1, statuses
    assert "marked killed" in again.output

    expected, found = table_contents(clean.db), table_contents(again.db)
    assert set(found) == set(expected)
    for table in expected:
        assert len(found[table]) == len(expected[table]), table
        assert found[table] == expected[table], table

    # What the finished re-run read is known, the killed run's pages included: a third collect
    # of the unchanged portal reads almost nothing.
    third = run_collect(workdir, *sources)
    assert third.process.returncode == 0, third.output
    last = "SELECT sum(pages) FROM runs WHERE run_id = (SELECT max(run_id) FROM runs)"
    first = "SELECT sum(pages) FROM runs WHERE run_id = (SELECT min(run_id) FROM runs)"
    assert third.scalar(last) * 4 <= clean.scalar(first)
    assert table_contents(third.db) == expected
