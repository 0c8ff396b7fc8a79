"""The demo database, end to end: collect the sample portal, then every red flag raises its
planted positives and none of its near-misses; `sunlit query` in every format; the export
round trip; and a reader meeting a running collect gets one clear line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from disclosures.portal import PlantedFlag, planted_flags

pytestmark = pytest.mark.slow

SIZE = 60
SUNLIT = [sys.executable, "-m", "disclosures.cli"]
SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "ocds-1.1.5"


def sunlit(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*SUNLIT, *args], capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database collected from the sample portal with the default sources.toml."""
    where = tmp_path_factory.mktemp("demo")
    db = where / "sunlit.duckdb"
    done = sunlit("collect", "--portal-size", str(SIZE), "--db", str(db),
                  "--archive", str(where / "archive"), timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return db


def _raised(hit: dict[str, Any], plant: PlantedFlag) -> bool:
    key = plant.record_key
    return hit["flag_code"] == plant.flag_code and (
        key in (hit["record_id"], hit["tender_id"])
        or hit["record_id"] in (f"uscc:{key}", f"power:{key}")
    )


def test_every_flag_raises_its_planted_positives_and_none_of_its_near_misses(demo: Path) -> None:
    done = sunlit("flags", "--db", str(demo), "--format", "json")
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)
    plants = planted_flags(SIZE, 7)
    missed = [p for p in plants if p.positive and not any(_raised(h, p) for h in hits)]
    raised = [p for p in plants if not p.positive and any(_raised(h, p) for h in hits)]
    assert missed == []
    assert raised == []
    with duckdb.connect(str(demo), read_only=True) as con:
        codes = {row[0] for row in con.execute("SELECT code FROM flag_definitions").fetchall()}
    assert len(codes) == 18
    assert codes == {h["flag_code"] for h in hits}
    assert codes == {p.flag_code for p in plants if p.positive}
    assert codes == {p.flag_code for p in plants if not p.positive}


def test_query_in_all_four_formats(demo: Path, tmp_path: Path) -> None:
    query = ["query", "flags", "--param", "code=R038", "--db", str(demo)]
    as_json = json.loads(sunlit(*query, "--format", "json").stdout)
    ids = sorted(r["record_id"] for r in as_json)
    assert ids and all(r["flag_code"] == "R038" for r in as_json)

    as_csv = sunlit(*query, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    assert sorted(r["record_id"] for r in csv.DictReader(io.StringIO(as_csv.stdout))) == ids

    parquet = tmp_path / "r038.parquet"
    as_parquet = sunlit(*query, "--format", "parquet", "--output", str(parquet))
    assert as_parquet.returncode == 0, as_parquet.stderr
    assert sorted(pq.read_table(parquet).column("record_id").to_pylist()) == ids

    as_table = sunlit(*query, "--format", "table")
    assert as_table.returncode == 0, as_table.stderr
    assert "R038" in as_table.stdout and "flag_code" in as_table.stdout


def _validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    if not SCHEMAS.is_dir():
        pytest.skip(f"OCDS schemas not found beside the repository ({SCHEMAS.parent.name}/"
                    f"{SCHEMAS.name}): the package cannot be validated")
    registry = referencing.Registry()
    for name in ("release-schema.json", "release-package-schema.json"):
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        registry = registry.with_resource(
            schema["id"], referencing.jsonschema.DRAFT4.create_resource(schema))
    package_schema = json.loads((SCHEMAS / "release-package-schema.json").read_text("utf-8"))
    return jsonschema.Draft4Validator(package_schema, registry=registry)


def test_export_round_trip(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "downloads"
    done = sunlit("export", "--db", str(demo), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    parquet = {p.stem: pq.read_metadata(p).num_rows for p in (out / "parquet").glob("*.parquet")}
    with duckdb.connect(str(demo), read_only=True) as con:
        counts = {name: con.execute(f'SELECT count(*) FROM "{name}"').fetchall()[0][0]
                  for name in parquet}
    assert {"tenders", "awards", "bids", "flag_hits", "approval_cases"} <= set(parquet)
    assert parquet == counts
    assert counts["bids"] > 0 and counts["flag_hits"] > 0

    package = json.loads((out / "ocds-release-package.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(package)]
    assert errors == []
    with duckdb.connect(str(demo), read_only=True) as con:
        tenders = con.execute("SELECT count(*) FROM current_tenders").fetchall()[0][0]
    assert len(package["releases"]) == tenders


def test_a_reader_meeting_a_running_collect_gets_one_clear_line(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    collect = subprocess.Popen(
        [*SUNLIT, "collect", "--portal-size", "400", "--db", str(db),
         "--archive", str(tmp_path / "archive")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        # The collect holds the file from its migration on; its write-ahead log shows it writing.
        while not (db.exists() and db.with_suffix(".duckdb.wal").exists()):
            assert collect.poll() is None, "the collect ended before it was seen writing"
            assert time.monotonic() < deadline, "the collect never began writing"
            time.sleep(0.05)
        done = sunlit("query", "run_history", "--db", str(db))
        assert collect.poll() is None, "the collect ended before the reader met it"
    finally:
        finished = collect.wait(timeout=300)
    assert done.returncode != 0
    message = (done.stdout + done.stderr).strip()
    assert "Traceback" not in message
    assert len(message.splitlines()) == 1
    assert f"locked by process {collect.pid}" in message
    assert finished == 0
