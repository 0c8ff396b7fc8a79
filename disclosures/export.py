"""Downloads: every table as Parquet and CSV, a copy of the database, an OCDS release package,
and a manifest with row counts and sha256 of every file.

The source database is opened read-only, so the export is one consistent snapshot (no writer can
hold the file meanwhile). Files are written to a fresh directory beside `out` and swapped in at
the end: a failed export never leaves a half-written download where the last good one was.

Given an earlier export (`previous`), a table whose contents are unchanged (the same digest of
its rows, computed by DuckDB in one pass) has its Parquet and CSV files hard-linked from it
instead of written again, and the OCDS package copies the bytes of every release whose inputs
are unchanged from the earlier package (`ocds_out.write_package`): after a collect that changed
a few tenders, only the tables that changed, those tenders' releases and the database copy are
made again. Nothing is written into a file of the earlier export: its files may be the
published site's.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from disclosures import ocds_out, store

# Views worth downloading on their own: they are the answers, not just the records.
EXPORTED_VIEWS = ("flag_hits",)
# Columns kept in the database and never published: a rejected record's raw payload is what a
# portal sent, unmasked (it may name a person, or hold an ID number that masking never saw).
WITHHELD: dict[str, tuple[str, ...]] = {"rejects": ("raw",)}
# Bump when the files made from a table's rows change (options, order), so none is linked.
FORMAT = 2
DATABASE_FILE = "sunlit.duckdb"
OCDS_FILE = "ocds-release-package.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def relations(con: duckdb.DuckDBPyConnection) -> list[str]:
    tables = [
        row[0]
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT temporary "
            "ORDER BY table_name"
        ).fetchall()
    ]
    return tables + list(EXPORTED_VIEWS)


def relation_digest(con: duckdb.DuckDBPyConnection, name: str) -> str:
    """A digest of a table's rows whatever their order: their count and the sum of their hashes,
    with what else decides the files' bytes (the DuckDB version, `FORMAT`, the columns)."""
    count, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM {name} x").fetchall()[0]
    columns = con.execute(f"DESCRIBE {name}").fetchall()
    return hashlib.sha256(
        json.dumps([FORMAT, duckdb.__version__, str(count), str(total), columns],
                   default=str).encode()
    ).hexdigest()


def _hold_views(con: duckdb.DuckDBPyConnection) -> None:
    """Evaluate each exported view once, into a temporary table that shadows it, in one order.

    A view's rows come in no set order (its flags' queries run in parallel), and each query of
    it runs every flag again: held, its rows are counted, digested and written from one result,
    and equal rows make equal files, which a later export can link.
    """
    for name in EXPORTED_VIEWS:
        con.execute(f"CREATE TEMP TABLE {name} AS SELECT * FROM main.{name} ORDER BY ALL")


def _hold_withheld(con: duckdb.DuckDBPyConnection) -> None:
    """Shadow each table of WITHHELD with a temporary one without its withheld columns: what
    the downloads count, digest and write."""
    for table, columns in WITHHELD.items():
        con.execute(f"CREATE TEMP TABLE {table} AS "
                    f"SELECT * EXCLUDE ({', '.join(columns)}) FROM main.{table}")


def _earlier_files(previous: Path | None) -> dict[str, dict[str, Any]]:
    """The files of an earlier export (`previous`, with its manifest) by path."""
    if previous is None:
        return {}
    try:
        manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
        return {entry["path"]: entry for entry in manifest["files"]
                if entry.get("digest") or entry["path"] == OCDS_FILE}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _link_earlier(previous: Path, earlier: dict[str, Any], staging: Path) -> bool:
    try:
        os.link(previous / earlier["path"], staging / earlier["path"])
    except OSError:
        return False
    return True


@contextmanager
def _timed(steps: dict[str, float] | None, name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        if steps is not None:
            steps[name] = steps.get(name, 0.0) + time.perf_counter() - started


def export_all(db: Path, out: Path, *, ocid_prefix: str = "ocds-sunlit-",
               previous: Path | None = None,
               steps: dict[str, float] | None = None) -> dict[str, Any]:
    """Write the downloads to `out` (replacing it) and return the manifest.

    Tables unchanged since the export in `previous` (a folder holding one) are linked from it,
    and so are the OCDS releases of unchanged tenders. `steps`, when given, receives the seconds
    each step took.
    """
    earlier = _earlier_files(previous)
    # Opened before any folder is made: a build that fails on a broken database discards its
    # tree while this runs in a process of its own, and must not find the tree made again.
    con = store.connect(db, read_only=True)
    try:
        staging = out.parent / f".{out.name}.partial"
        if staging.exists():
            shutil.rmtree(staging)
        (staging / "parquet").mkdir(parents=True)
        (staging / "csv").mkdir()
        # CSV shows times as the law reads them; Parquet keeps instants regardless.
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        with _timed(steps, "views"):
            _hold_views(con)
            _hold_withheld(con)
        files: list[dict[str, Any]] = []
        row_counts: dict[str, int] = {}
        for name in relations(con):
            with _timed(steps, "digests"):
                rows = int(store.scalar(con, f"SELECT count(*) FROM {name}"))
                row_counts[name] = rows
                digest = relation_digest(con, name)
                paths = (f"parquet/{name}.parquet", f"csv/{name}.csv")
                found = [earlier.get(path) for path in paths]
                if previous is not None and all(
                        entry and entry["digest"] == digest and entry["rows"] == rows
                        and _link_earlier(previous, entry, staging) for entry in found):
                    files.extend(dict(entry) for entry in found if entry)
                    continue
            with _timed(steps, "tables"):
                for path in paths:
                    (staging / path).unlink(missing_ok=True)  # one of the pair may be linked
                parquet, csv = staging / paths[0], staging / paths[1]
                con.execute(
                    f"COPY {name} TO {_quoted(parquet)} (FORMAT parquet, COMPRESSION zstd)")
                con.execute(f"COPY {name} TO {_quoted(csv)} (FORMAT csv, HEADER)")
            for path in paths:
                files.append({"path": path, "relation": name, "rows": rows, "digest": digest})

        with _timed(steps, "database"):
            _copy_database(con, staging / DATABASE_FILE)
        files.append({"path": DATABASE_FILE, "relation": None, "rows": None})

        with _timed(steps, "ocds"):
            package = ocds_out.write_package(
                con, staging / OCDS_FILE, ocid_prefix=ocid_prefix,
                previous=previous / OCDS_FILE if previous is not None else None,
                previous_sha256=earlier.get(OCDS_FILE, {}).get("sha256"))
        files.append({"path": OCDS_FILE, "relation": "tenders", "rows": package.releases,
                      "bytes": package.bytes, "sha256": package.sha256})
        schema_version = store.scalar(con, "SELECT max(version) FROM schema_version")
    finally:
        con.close()

    with _timed(steps, "hashes"):
        for entry in files:
            if "sha256" in entry:
                continue  # linked from the earlier export, which checked it, or hashed as written
            path = staging / entry["path"]
            if entry["path"].endswith(".parquet"):
                # Count what was written, not what was meant to be: the manifest is a check.
                written = pq.read_metadata(path).num_rows
                if written != entry["rows"]:
                    raise RuntimeError(
                        f"{entry['path']} holds {written} rows, {entry['rows']} expected"
                    )
            entry["bytes"] = path.stat().st_size
            entry["sha256"] = _sha256(path)
    manifest = {
        "generated_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "schema_version": schema_version,
        "ocid_prefix": ocid_prefix,
        "row_counts": row_counts,
        "files": files,
    }
    (staging / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    _swap_in(staging, out)
    return manifest


def _copy_database(con: duckdb.DuckDBPyConnection, snapshot: Path) -> None:
    """Copy the database's live contents into a new file at `snapshot`.

    Not a copy of the database file, though that takes a fiftieth of the time: the file's free
    blocks may still hold values since updated or deleted, which no download may publish.
    """
    source = store.scalar(con, "SELECT current_database()")
    con.execute(f"ATTACH {_quoted(snapshot)} AS sunlit_snapshot (READ_WRITE)")
    try:
        # The schema first, then the rows table by table: the withheld columns are dropped
        # while their tables are empty, so their values never reach the file.
        con.execute(f'COPY FROM DATABASE "{source}" TO sunlit_snapshot (SCHEMA)')
        for table, columns in WITHHELD.items():
            for column in columns:
                con.execute(f"ALTER TABLE sunlit_snapshot.main.{table} DROP COLUMN {column}")
        tables = [row[0] for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'main' ORDER BY table_name", [source]).fetchall()]
        for table in tables:
            withheld = WITHHELD.get(table)
            published = f"* EXCLUDE ({', '.join(withheld)})" if withheld else "*"
            con.execute(f'INSERT INTO sunlit_snapshot.main.{table} BY NAME '
                        f'SELECT {published} FROM "{source}".main.{table}')
    finally:
        con.execute("DETACH sunlit_snapshot")


def _swap_in(staging: Path, out: Path) -> None:
    previous = out.parent / f".{out.name}.previous"
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    if previous.exists():
        shutil.rmtree(previous)
