"""The store keeps every version, never duplicates, and names the holder of a lock."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from disclosures import store


def _org(org_id: str, name: str) -> dict[str, object]:
    fields = {"org_id": org_id, "name": name, "uscc": None, "uscc_valid": None, "region": "宜昌市"}
    digest = hashlib.sha256(
        json.dumps(fields, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()
    return {
        **fields,
        "content_hash": digest,
        "aliases": [name],
        "source": "t",
        "url": "http://x/",
        "document_sha256": None,
    }


@pytest.fixture()
def con(tmp_path: Path):
    connection = store.connect(tmp_path / "t.duckdb", read_only=False)
    store.migrate(connection)
    yield connection
    connection.close()


def test_upsert_counts_new_unchanged_changed(con) -> None:
    first = store.upsert_records(
        con, "organisations", [_org("name:甲", "甲公司"), _org("name:乙", "乙公司")], "r1"
    )
    assert (first.new, first.changed, first.unchanged) == (2, 0, 0)

    again = store.upsert_records(con, "organisations", [_org("name:甲", "甲公司")], "r2")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 1)

    changed = store.upsert_records(con, "organisations", [_org("name:甲", "甲有限公司")], "r3")
    assert (changed.new, changed.changed, changed.unchanged) == (0, 1, 0)

    rows = con.execute(
        "SELECT version, is_current, name, first_run FROM organisations "
        "WHERE org_id = 'name:甲' ORDER BY version"
    ).fetchall()
    assert rows == [(1, False, "甲公司", "r1"), (2, True, "甲有限公司", "r3")]
    assert con.execute("SELECT count(*) FROM current_organisations").fetchone() == (2,)


def test_last_row_of_a_key_wins_within_a_batch(con) -> None:
    counts = store.upsert_records(
        con, "organisations", [_org("name:甲", "旧"), _org("name:甲", "新")], "r1"
    )
    assert counts.new == 1
    assert con.execute("SELECT name FROM current_organisations").fetchall() == [("新",)]


def test_insert_ignore_skips_existing_keys(con) -> None:
    row = {
        "reject_id": "a",
        "run_id": "r",
        "source": "s",
        "kind": "k",
        "url": None,
        "reason_code": "bad_date",
        "reason": "日期无法解析",
        "raw": "{}",
        "rejected_at": "2025-01-01T00:00:00+08:00",
    }
    assert store.insert_ignore(con, "rejects", [row, row]) == 1
    assert store.insert_ignore(con, "rejects", [row]) == 0


def test_migrate_is_idempotent(con) -> None:
    store.migrate(con)
    assert con.execute("SELECT count(*) FROM schema_version").fetchone() == (1,)


def test_reader_meeting_the_writer_lock_gets_one_line(tmp_path: Path) -> None:
    db = tmp_path / "locked.duckdb"
    writer = store.connect(db, read_only=False)
    store.migrate(writer)
    try:
        probe = textwrap.dedent(
            f"""
            from disclosures.store import connect, DatabaseLocked
            try:
                connect({str(db)!r}, read_only=True)
            except DatabaseLocked as e:
                print(e)
            """
        )
        out = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
        )
        assert out.returncode == 0, out.stderr
        message = out.stdout.strip()
        assert "\n" not in message
        assert "is locked by process" in message and "sunlit collect" in message
    finally:
        writer.close()


def test_reading_a_missing_database_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="sunlit collect"):
        store.connect(tmp_path / "none.duckdb", read_only=True)
