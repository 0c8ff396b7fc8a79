"""Downloads: every table as Parquet and CSV, a copy of the database, an OCDS release package,
and a manifest with row counts and sha256 of every file.

The source database is opened read-only, so the export is one consistent snapshot (no writer can
hold the file meanwhile). Files are written to a fresh directory beside `out` and swapped in at
the end: a failed export never leaves a half-written download where the last good one was.
"""

from __future__ import annotations

import hashlib
import json
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


def export_all(db: Path, out: Path, *, ocid_prefix: str = "ocds-sunlit-") -> dict[str, Any]:
    """Write the downloads to `out` (replacing it) and return the manifest."""
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
            parquet = staging / "parquet" / f"{name}.parquet"
            csv = staging / "csv" / f"{name}.csv"
            con.execute(f"COPY {name} TO {_quoted(parquet)} (FORMAT parquet, COMPRESSION zstd)")
            con.execute(f"COPY {name} TO {_quoted(csv)} (FORMAT csv, HEADER)")
            files.append({"path": f"parquet/{name}.parquet", "relation": name, "rows": rows})
            files.append({"path": f"csv/{name}.csv", "relation": name, "rows": rows})

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
