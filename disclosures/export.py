"""Downloads: every table as Parquet and CSV, a copy of the database, an OCDS release package,
and a manifest with row counts and sha256 of every file.

The source database is opened read-only, so the export is one consistent snapshot (no writer can
hold the file meanwhile). Files are written to a fresh directory beside `out` and swapped in at
the end: a failed export never leaves a half-written download where the last good one was.

Given an earlier export (`previous`), a table whose contents are unchanged (the same digest of
its rows, computed by DuckDB in one pass) has its Parquet and CSV files hard-linked from it
instead of written again: after a collect that changed a few tenders, only the tables that
changed, the OCDS package and the database copy are written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from disclosures import ocds_out, store

# Views worth downloading on their own: they are the answers, not just the records.
EXPORTED_VIEWS = ("flag_hits",)
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
    with what else decides the files' bytes (the DuckDB version, the table's columns)."""
    count, total = con.execute(
        f"SELECT count(*), coalesce(sum(hash(x)::HUGEINT), 0) FROM {name} x").fetchall()[0]
    columns = con.execute(f"DESCRIBE {name}").fetchall()
    return hashlib.sha256(
        json.dumps([duckdb.__version__, str(count), str(total), columns], default=str).encode()
    ).hexdigest()


def _earlier_files(previous: Path | None) -> dict[str, dict[str, Any]]:
    """The files of an earlier export (`previous`, with its manifest) by path."""
    if previous is None:
        return {}
    try:
        manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
        return {entry["path"]: entry for entry in manifest["files"] if entry.get("digest")}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _link_earlier(previous: Path, earlier: dict[str, Any], staging: Path) -> bool:
    try:
        os.link(previous / earlier["path"], staging / earlier["path"])
    except OSError:
        return False
    return True


def export_all(db: Path, out: Path, *, ocid_prefix: str = "ocds-sunlit-",
               previous: Path | None = None) -> dict[str, Any]:
    """Write the downloads to `out` (replacing it) and return the manifest.

    Tables unchanged since the export in `previous` (a folder holding one) are linked from it.
    """
    earlier = _earlier_files(previous)
    staging = out.parent / f".{out.name}.partial"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "parquet").mkdir(parents=True)
    (staging / "csv").mkdir()
    con = store.connect(db, read_only=True)
    try:
        # CSV shows times as the law reads them; Parquet keeps instants regardless.
        con.execute("SET TimeZone = 'Asia/Shanghai'")
        files: list[dict[str, Any]] = []
        row_counts: dict[str, int] = {}
        for name in relations(con):
            rows = int(store.scalar(con, f"SELECT count(*) FROM {name}"))
            row_counts[name] = rows
            # Views are computed anew by every query: only tables are worth a digest.
            digest = None if name in EXPORTED_VIEWS else relation_digest(con, name)
            paths = (f"parquet/{name}.parquet", f"csv/{name}.csv")
            found = [earlier.get(path) for path in paths]
            if digest is not None and previous is not None and all(
                    entry and entry["digest"] == digest and entry["rows"] == rows
                    and _link_earlier(previous, entry, staging) for entry in found):
                files.extend(dict(entry) for entry in found if entry)
                continue
            for path in paths:
                (staging / path).unlink(missing_ok=True)  # one of the pair may have been linked
            parquet, csv = staging / paths[0], staging / paths[1]
            con.execute(f"COPY {name} TO {_quoted(parquet)} (FORMAT parquet, COMPRESSION zstd)")
            con.execute(f"COPY {name} TO {_quoted(csv)} (FORMAT csv, HEADER)")
            for path in paths:
                files.append({"path": path, "relation": name, "rows": rows, "digest": digest})

        snapshot = staging / DATABASE_FILE
        source = store.scalar(con, "SELECT current_database()")
        con.execute(f"ATTACH {_quoted(snapshot)} AS sunlit_snapshot (READ_WRITE)")
        try:
            con.execute(f'COPY FROM DATABASE "{source}" TO sunlit_snapshot')
        finally:
            con.execute("DETACH sunlit_snapshot")
        files.append({"path": DATABASE_FILE, "relation": None, "rows": None})

        releases = ocds_out.write_package(con, staging / OCDS_FILE, ocid_prefix=ocid_prefix)
        files.append({"path": OCDS_FILE, "relation": "tenders", "rows": releases})
        schema_version = store.scalar(con, "SELECT max(version) FROM schema_version")
    finally:
        con.close()

    for entry in files:
        if "sha256" in entry:
            continue  # linked from the earlier export, which checked it
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


def _swap_in(staging: Path, out: Path) -> None:
    previous = out.parent / f".{out.name}.previous"
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        out.rename(previous)
    staging.rename(out)
    if previous.exists():
        shutil.rmtree(previous)
