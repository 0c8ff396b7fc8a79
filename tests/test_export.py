"""Downloads round-trip: Parquet and CSV hold every row, the copy is a working database, the
manifest's digests are right, and the OCDS package validates against the OCDS 1.1.5 schema."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from auditdata import award, bid, load, new_db, org, tender
from click.testing import CliRunner

from disclosures.cli import main
from disclosures.export import export_all

SCHEMAS = Path(__file__).resolve().parents[1].parent / "shared" / "schemas" / "ocds-1.1.5"
EXTENSION = Path(__file__).resolve().parents[1] / "docs" / "ocds-extension"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "sunlit.duckdb"
    con = new_db(path)
    load(
        con,
        organisations=[
            org("uscc:91420500MA4F0XXX0X", "宜昌建设有限公司"),
            org("buyer:a", "宜昌市教育局"),
        ],
        tenders=[
            tender("t1", published="2025-03-03", deadline="2025-03-10", budget="1200000.00"),
            tender(
                "t2",
                method="competitive_consultation",
                published="2025-04-20",
                deadline="2025-04-01",
                correction=True,
            ),
        ],
        bids=[
            bid("t1", "uscc:91420500MA4F0XXX0X", "1100000.00", rank=1),
            bid("t1", "org:x", "1150000.00", rank=2, disqualified=True),
        ],
        awards=[
            award(
                "t1",
                "uscc:91420500MA4F0XXX0X",
                "1100000.00",
                discount_rate="0.0833",
                period_days=90,
                award_date="2025-03-12",
            ),
            award("t2", "org:x", None, discount_rate="0.05"),
        ],
    )
    con.execute(
        "INSERT INTO rejects (reject_id, run_id, source, kind, url, reason_code, reason, raw, "
        "rejected_at) VALUES ('r1', 'run-1', 'test', 'award_notice', 'https://example.org/n/1', "
        "'unknown_label', 'unknown label 联系人', ?, now())", [REJECTED_RAW])
    con.close()
    return path


# A rejected record as its portal sent it, unmasked: it stays in the database only.
REJECTED_RAW = '{"联系人": "张三", "身份证号": "110101199003077777", "电话": "13812345678"}'


@pytest.fixture(scope="module")
def exported(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("downloads") / "data"
    out.mkdir()
    (out / "stale.csv").write_text("left from an older export")
    manifest = export_all(db, out, ocid_prefix="ocds-test01-")
    return out, manifest


def test_parquet_and_csv_hold_every_row_of_every_table(
    db: Path, exported: tuple[Path, dict]
) -> None:
    out, manifest = exported
    con = duckdb.connect(str(db), read_only=True)
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'"
        ).fetchall()
    ]
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in tables}
    con.close()
    assert set(tables) <= set(manifest["row_counts"])
    for table, rows in counts.items():
        assert manifest["row_counts"][table] == rows
        assert pq.read_metadata(out / "parquet" / f"{table}.parquet").num_rows == rows
        with (out / "csv" / f"{table}.csv").open(encoding="utf-8") as handle:
            assert (
                sum(1 for _ in handle) >= rows + 1
            )  # header, and quoted newlines at most add lines
    assert counts["tenders"] == 2 and counts["calendar"] > 8000
    assert manifest["row_counts"]["flag_hits"] > 0
    assert not (out / "stale.csv").exists()


def test_no_download_holds_a_rejected_records_raw_payload(
    db: Path, exported: tuple[Path, dict]
) -> None:
    out, manifest = exported
    assert manifest["row_counts"]["rejects"] == 1
    for entry in manifest["files"]:
        assert b"110101199003077777" not in (out / entry["path"]).read_bytes(), entry["path"]
    assert "raw" not in pq.read_schema(out / "parquet" / "rejects.parquet").names
    copy = duckdb.connect(str(out / "sunlit.duckdb"), read_only=True)
    try:
        rejects = copy.execute("SELECT * FROM rejects").fetchall()
        columns = [c[0] for c in copy.description]
    finally:
        copy.close()
    assert "raw" not in columns
    assert rejects[0][columns.index("reason")] == "unknown label 联系人"
    with duckdb.connect(str(db), read_only=True) as source:  # the database keeps it
        assert source.execute("SELECT raw FROM rejects").fetchall() == [(REJECTED_RAW,)]


def test_manifest_digests_match_the_files(exported: tuple[Path, dict]) -> None:
    out, manifest = exported
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    for entry in manifest["files"]:
        body = (out / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(body).hexdigest(), entry["path"]
        assert entry["bytes"] == len(body)


def test_database_copy_keeps_views_comments_and_calendar(exported: tuple[Path, dict]) -> None:
    out, _ = exported
    copy = duckdb.connect(str(out / "sunlit.duckdb"), read_only=True)
    try:
        assert copy.execute("SELECT count(*) FROM current_tenders").fetchall() == [(2,)]
        assert copy.execute(
            "SELECT count(*) FROM flag_hits WHERE flag_code = 'R003'"
        ).fetchall() == [(1,)]
        assert copy.execute(
            "SELECT working_days_between(DATE '2025-09-27', DATE '2025-10-11')"
        ).fetchall() == [(6,)]
        assert copy.execute(
            "SELECT comment FROM duckdb_tables() WHERE table_name = 'tenders'"
        ).fetchall()[0][0]
    finally:
        copy.close()


def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    if not SCHEMAS.is_dir():
        pytest.skip(
            f"OCDS schemas not found beside the repository ({SCHEMAS.parent.name}/{SCHEMAS.name})"
        )
    registry = referencing.Registry()
    for name in ("release-schema.json", "release-package-schema.json"):
        schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
        registry = registry.with_resource(
            schema["id"], referencing.jsonschema.DRAFT4.create_resource(schema)
        )
    package_schema = json.loads(
        (SCHEMAS / "release-package-schema.json").read_text(encoding="utf-8")
    )
    return jsonschema.Draft4Validator(
        package_schema, registry=registry, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )


def test_ocds_package_is_valid(exported: tuple[Path, dict]) -> None:
    out, _ = exported
    package = json.loads((out / "ocds-release-package.json").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _validator().iter_errors(package)]
    assert errors == []
    by_ocid = {r["ocid"]: r for r in package["releases"]}
    assert set(by_ocid) == {"ocds-test01-t1", "ocds-test01-t2"}
    t1 = by_ocid["ocds-test01-t1"]
    assert t1["tender"]["value"] == {"amount": 1200000.0, "currency": "CNY"}
    assert t1["awards"][0]["value"] == {"amount": 1100000.0, "currency": "CNY"}
    assert t1["awards"][0]["contractPeriod"] == {"durationInDays": 90}
    assert t1["awards"][0]["discountRate"] == pytest.approx(0.0833)
    assert [d["status"] for d in t1["bids"]["details"]] == ["valid", "disqualified"]
    roles = {p["id"]: p["roles"] for p in t1["parties"]}
    assert roles == {
        "buyer:a": ["buyer"],
        "uscc:91420500MA4F0XXX0X": ["supplier", "tenderer"],
        "org:x": ["tenderer"],
    }
    t2 = by_ocid["ocds-test01-t2"]
    assert t2["tag"] == ["awardUpdate"] and t2["tender"]["correctionNotice"] is True
    assert t2["tender"]["procurementMethod"] == "limited"
    assert "startDate" not in t2["tender"]["tenderPeriod"]  # published after the deadline
    assert "value" not in t2["awards"][0]


def test_the_validator_catches_a_broken_release(exported: tuple[Path, dict]) -> None:
    out, _ = exported
    package = json.loads((out / "ocds-release-package.json").read_text(encoding="utf-8"))
    del package["releases"][0]["ocid"]
    package["releases"][1]["tender"]["procurementMethod"] = "auction"
    messages = [e.message for e in _validator().iter_errors(package)]
    assert any("'ocid' is a required property" in m for m in messages)
    assert any("auction" in m for m in messages)


def test_extension_declares_every_field_core_ocds_lacks(exported: tuple[Path, dict]) -> None:
    out, _ = exported
    extension = json.loads((EXTENSION / "extension.json").read_text(encoding="utf-8"))
    assert extension["schemas"] == ["release-schema.json"] and "1.1" in extension["compatibility"]
    patch = json.loads((EXTENSION / "release-schema.json").read_text(encoding="utf-8"))[
        "definitions"
    ]
    package = json.loads((out / "ocds-release-package.json").read_text(encoding="utf-8"))
    release = package["releases"][0]
    assert set(patch["Award"]["properties"]) >= {k for a in release["awards"] for k in a} - {
        "id",
        "status",
        "date",
        "value",
        "suppliers",
        "contractPeriod",
        "relatedLots",
    }
    assert set(patch["Bid"]["properties"]) >= {k for b in release["bids"]["details"] for k in b} - {
        "id",
        "status",
        "tenderers",
        "value",
    }
    assert "correctionNotice" in patch["Tender"]["properties"]
    assert "sha256" in patch["Document"]["properties"]


def test_cli_export(db: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--db", str(db), "--out", str(tmp_path / "dl")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "dl" / "manifest.json").is_file()
    missing = CliRunner().invoke(
        main, ["export", "--db", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "dl2")]
    )
    assert missing.exit_code == 1 and "does not exist" in missing.output


def test_an_export_links_the_tables_unchanged_since_an_earlier_one(
    db: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "changed.duckdb"
    changed.write_bytes(db.read_bytes())
    first = export_all(changed, tmp_path / "first", ocid_prefix="ocds-test01-")
    con = duckdb.connect(str(changed))
    try:
        con.execute("UPDATE tenders SET title = title || '（更正）' WHERE tender_id = 't1'")
    finally:
        con.close()
    second = export_all(changed, tmp_path / "second", ocid_prefix="ocds-test01-",
                        previous=tmp_path / "first")

    linked = {entry["path"] for entry in second["files"]
              if (tmp_path / "second" / entry["path"]).samefile(tmp_path / "first" / entry["path"])}
    assert {"parquet/organisations.parquet", "csv/awards.csv"} <= linked
    assert not linked & {"parquet/tenders.parquet", "csv/tenders.csv", "sunlit.duckdb",
                         "ocds-release-package.json"}
    assert "（更正）" in (tmp_path / "second" / "csv/tenders.csv").read_text(encoding="utf-8")
    assert "（更正）" not in (tmp_path / "first" / "csv/tenders.csv").read_text(encoding="utf-8")
    # Every file, linked or written, is what the manifest says it is.
    for entry in second["files"]:
        data = (tmp_path / "second" / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
    assert [e["path"] for e in second["files"]] == [e["path"] for e in first["files"]]
