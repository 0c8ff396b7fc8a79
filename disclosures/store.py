"""The DuckDB store: schema, versioned batch upserts, documents, rejects and runs.

One writer at a time: `Store.open_writer` takes the database read-write; every reader uses
`Store.open_reader`, which opens it read-only. Either one that meets another process's lock
raises `DatabaseLocked` with a one-line message naming the holder.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from disclosures.errors import DatabaseLocked as DatabaseLocked  # callers catch it from here

SCHEMA_VERSION = 1

# Record tables: name -> key column. Each has version, is_current, content_hash, first_run.
RECORD_TABLES: dict[str, str] = {
    "organisations": "org_id",
    "tenders": "tender_id",
    "awards": "award_id",
    "bids": "bid_id",
    "list_items": "item_id",
    "approval_cases": "case_id",
    "approval_steps": "step_id",
}
# Columns the store fills in; a batch supplies every other column.
STORE_COLUMNS = ("version", "is_current", "first_run")


@dataclass
class UpsertCounts:
    new: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: UpsertCounts) -> UpsertCounts:
        self.new += other.new
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self


@dataclass
class RunCounts:
    pages: int = 0
    items: int = 0
    rejected: int = 0
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    upserts: UpsertCounts = field(default_factory=UpsertCounts)


def _lock_message(path: Path, error: duckdb.Error) -> str:
    holder = re.search(r"\(PID (\d+)\)", str(error))
    who = f"process {holder.group(1)}" if holder else "another process"
    return (
        f"{path} is locked by {who} (a running `sunlit collect`?); "
        "wait for it to finish, or read a copy made by `sunlit export`."
    )


def connect(path: Path | str, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if read_only and not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `sunlit collect` first.")
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise DatabaseLocked(_lock_message(path, error)) from None
        raise


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create or upgrade the schema. Idempotent."""
    sql = resources.files("disclosures").joinpath("schema.sql").read_text(encoding="utf-8")
    con.execute("BEGIN")
    con.execute(sql)
    applied = scalar(con, "SELECT max(version) FROM schema_version")
    if applied is None or applied < SCHEMA_VERSION:
        con.execute("INSERT INTO schema_version VALUES (?, ?)", [SCHEMA_VERSION, datetime.now(UTC)])
    con.execute("COMMIT")
    from disclosures import views  # views depend on the tables above

    views.install(con)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    """The first value of the first row, or None.

    Fetches the whole result: DuckDB refuses further work on a connection that still holds an
    unfinished result, which a bare fetchone() would leave behind.
    """
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = ? AND table_schema = 'main' ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [r[0] for r in rows]


def _arrow_from_rows(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]
) -> pa.Table:
    columns = [c for c in table_columns(con, table) if c not in STORE_COLUMNS]
    data = {c: [row.get(c) for row in rows] for c in columns}
    return pa.table(data)


def upsert_records(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]], run_id: str
) -> UpsertCounts:
    """Store a batch of records as new versions where their content changed.

    The batch goes to DuckDB as one Arrow table; the comparison with current versions and the
    writes are set-based SQL in one transaction, so a kill mid-batch leaves nothing half-written.
    Within a batch the last row of a key wins.
    """
    if not rows:
        return UpsertCounts()
    key = RECORD_TABLES[table]
    batch = _arrow_from_rows(con, table, rows)
    return upsert_arrow(con, table, batch, run_id, key=key)


def upsert_arrow(
    con: duckdb.DuckDBPyConnection, table: str, batch: pa.Table, run_id: str, *, key: str
) -> UpsertCounts:
    columns = [c for c in table_columns(con, table) if c not in STORE_COLUMNS]
    col_list = ", ".join(columns)
    con.register("_incoming", batch)
    try:
        con.execute("BEGIN")
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _stage AS
            SELECT {col_list} FROM (
                SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY _ord DESC) AS _rn
                FROM (SELECT *, row_number() OVER () AS _ord FROM _incoming)
            ) WHERE _rn = 1
            """
        )
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _classified AS
            SELECT s.{key} AS k,
                   CASE WHEN c.{key} IS NULL THEN 'new'
                        WHEN c.content_hash = s.content_hash THEN 'unchanged'
                        ELSE 'changed' END AS status,
                   coalesce(m.max_version, 0) AS max_version
            FROM _stage s
            LEFT JOIN {table} c ON c.{key} = s.{key} AND c.is_current
            LEFT JOIN (SELECT {key}, max(version) AS max_version FROM {table} GROUP BY {key}) m
                   ON m.{key} = s.{key}
            """
        )
        counts = dict(
            con.execute("SELECT status, count(*) FROM _classified GROUP BY status").fetchall()
        )
        con.execute(
            f"""
            UPDATE {table} SET is_current = false
            WHERE is_current AND {key} IN (SELECT k FROM _classified WHERE status = 'changed')
            """
        )
        con.execute(
            f"""
            INSERT INTO {table} (version, is_current, first_run, {col_list})
            SELECT x.max_version + 1, true, ?, {", ".join("s." + c for c in columns)}
            FROM _stage s JOIN _classified x ON x.k = s.{key}
            WHERE x.status <> 'unchanged'
            """,
            [run_id],
        )
        con.execute("DROP TABLE _stage")
        con.execute("DROP TABLE _classified")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_incoming")
    return UpsertCounts(
        new=counts.get("new", 0),
        changed=counts.get("changed", 0),
        unchanged=counts.get("unchanged", 0),
    )


def retire_missing(
    con: duckdb.DuckDBPyConnection,
    table: str,
    present_keys: Iterable[str],
    where: str,
    params: list[Any],
) -> int:
    """Mark current records matching `where` but absent from `present_keys` as no longer current.

    Used for list snapshots: an item missing from a complete new snapshot was removed.
    """
    key = RECORD_TABLES[table]
    keys = pa.table({"k": list(present_keys)})
    con.register("_present", keys)
    try:
        removed = con.execute(
            f"""UPDATE {table} SET is_current = false
                WHERE is_current AND ({where}) AND {key} NOT IN (SELECT k FROM _present)
                RETURNING {key}""",
            params,
        ).fetchall()
    finally:
        con.unregister("_present")
    return len(removed)


def snapshot_list(con: duckdb.DuckDBPyConnection, run_id: str, source: str, list_kind: str) -> None:
    """Store a complete snapshot of one list: the item ids current for its source and kind.

    Call after `retire_missing`, so the current items are exactly those listed. One statement:
    the ids go from the table into the snapshot without passing through Python.
    """
    con.execute(
        """INSERT OR REPLACE INTO list_snapshots
           SELECT ?, ?, ?, ?, count(*), coalesce(list(item_id ORDER BY item_id), [])
           FROM list_items WHERE is_current AND source = ? AND list_kind = ?""",
        [run_id, source, list_kind, datetime.now(UTC), source, list_kind],
    )


def insert_ignore(
    con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]
) -> int:
    """Insert rows as one Arrow batch, skipping those whose primary key already exists."""
    if not rows:
        return 0
    batch = _arrow_from_rows(con, table, rows)
    columns = ", ".join(batch.column_names)
    con.register("_incoming_plain", batch)
    try:
        before = scalar(con, f"SELECT count(*) FROM {table}")
        con.execute(
            f"INSERT OR IGNORE INTO {table} ({columns}) SELECT DISTINCT ON ({_pk(con, table)}) "
            f"{columns} FROM _incoming_plain"
        )
        after = scalar(con, f"SELECT count(*) FROM {table}")
    finally:
        con.unregister("_incoming_plain")
    return int(after) - int(before)


def _pk(con: duckdb.DuckDBPyConnection, table: str) -> str:
    columns = scalar(
        con,
        "SELECT constraint_column_names FROM duckdb_constraints() "
        "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
        [table],
    )
    assert columns is not None, f"{table} has no primary key"
    return ", ".join(columns)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, source: str) -> None:
    con.execute(
        "INSERT INTO runs (run_id, source, started_at, status) VALUES (?, ?, ?, 'running')",
        [run_id, source, datetime.now(UTC)],
    )


def mark_killed_runs(con: duckdb.DuckDBPyConnection) -> int:
    """Runs still 'running' when a collect starts were killed: only one writer holds the
    database, so nothing else can be running them. Returns how many were marked."""
    rows = con.execute(
        "UPDATE runs SET status = 'killed', message = coalesce(message, "
        "'the collect ended without finishing this source (killed or crashed)') "
        "WHERE status = 'running' RETURNING run_id"
    ).fetchall()
    return len(rows)


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    source: str,
    counts: RunCounts,
    status: str,
    message: str | None = None,
) -> None:
    con.execute(
        """UPDATE runs SET finished_at = ?, status = ?, pages = ?, items = ?, new = ?,
               changed = ?, unchanged = ?, rejected = ?, rejects_by_reason = ?, message = ?
           WHERE run_id = ? AND source = ?""",
        [
            datetime.now(UTC),
            status,
            counts.pages,
            counts.items,
            counts.upserts.new,
            counts.upserts.changed,
            counts.upserts.unchanged,
            counts.rejected,
            json.dumps(counts.rejects_by_reason, ensure_ascii=False, sort_keys=True),
            message,
            run_id,
            source,
        ],
    )


def checkpoint(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CHECKPOINT")
