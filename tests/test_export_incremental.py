"""An export given an earlier one: the same downloads as a fresh export, made only from what
changed (tables linked, OCDS releases copied), and the earlier export left as it was."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from auditdata import award, bid, load, new_db, org, tender

from disclosures import ocds_out
from disclosures.export import DATABASE_FILE, OCDS_FILE, export_all, relations

NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("original") / "sunlit.duckdb"
    con = new_db(path)
    load(
        con,
        organisations=[org("org:x", "宜昌某某公司"), org("org:y", "宜昌另一公司"),
                       org("buyer:a", "宜昌市教育局")],
        tenders=[tender(f"t{n}", published=f"2025-03-{n + 1:02d}") for n in range(1, 9)]
        + [tender("undated", published=None, deadline=None)],
        bids=[bid("t1", "org:x", "1100000.00", rank=1), bid("t1", "org:y", "1150000.00", rank=2)],
        awards=[award("t1", "org:x", "1100000.00"), award("t2", "org:y", "2000.00"),
                award("t3", "org:x", "3000.00")],
    )
    con.close()
    return path


@pytest.fixture
def db(original: Path, tmp_path: Path) -> Path:
    path = tmp_path / "sunlit.duckdb"
    shutil.copyfile(original, path)
    return path


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The tender ids whose releases were made (not copied), export after export; every export
    dated `NOW`, so two exports of one database can be compared byte for byte."""
    ids: list[str] = []
    release = ocds_out._release

    def counted(tender: dict[str, Any], *args: Any) -> dict[str, Any]:
        ids.append(tender["tender_id"])
        return release(tender, *args)

    monkeypatch.setattr(ocds_out, "_release", counted)
    monkeypatch.setattr(ocds_out, "_now", lambda: NOW)
    return ids


def change(db: Path, *statements: str) -> None:
    con = duckdb.connect(str(db))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def releases(out: Path) -> dict[str, dict[str, Any]]:
    package = json.loads((out / OCDS_FILE).read_text(encoding="utf-8"))
    return {release["tender"]["id"]: release for release in package["releases"]}


def database_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {name: sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
                for name in relations(con)}
    finally:
        con.close()


def same_downloads(one: Path, other: Path) -> None:
    """`one` and `other` hold the same files, byte for byte but the database copy (the same
    rows), and manifests that differ in their time only."""
    manifest, manifest_other = (json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
                                for folder in (one, other))
    for each in (manifest, manifest_other):
        del each["generated_at"]
        # Two copies of one database hold the same rows in bytes that may differ.
        next(entry for entry in each["files"] if entry["path"] == DATABASE_FILE).pop("sha256")
    assert manifest == manifest_other
    for entry in manifest["files"]:
        if entry["path"] == DATABASE_FILE:
            assert database_rows(one / DATABASE_FILE) == database_rows(other / DATABASE_FILE)
        else:
            assert (one / entry["path"]).read_bytes() == (other / entry["path"]).read_bytes(), (
                entry["path"])


def test_a_changed_database_exports_as_a_fresh_export_would(
        db: Path, tmp_path: Path, made: list[str]) -> None:
    export_all(db, tmp_path / "first", previous=None)
    change(db,
           "UPDATE tenders SET title = title || '（更正）' WHERE tender_id = 't4'",
           "UPDATE organisations SET name = '宜昌某某有限公司' WHERE org_id = 'org:x'",
           "UPDATE awards SET amount = 2500.00 WHERE tender_id = 't2'",
           "DELETE FROM tenders WHERE tender_id = 't8'")
    load_more = new_tender(db)
    export_all(db, tmp_path / "changed", previous=tmp_path / "first")
    export_all(db, tmp_path / "fresh")

    same_downloads(tmp_path / "changed", tmp_path / "fresh")
    after = releases(tmp_path / "changed")
    assert after["t4"]["tender"]["title"].endswith("（更正）")
    assert after["t1"]["awards"][0]["suppliers"][0]["name"] == "宜昌某某有限公司"
    assert after["t2"]["awards"][0]["value"]["amount"] == 2500.0
    assert "t8" not in after and load_more in after


def new_tender(db: Path) -> str:
    con = duckdb.connect(str(db))
    try:
        load(con, "run-2", tenders=[tender("t45", published="2025-04-05")])
    finally:
        con.close()
    return "t45"


def test_only_the_releases_whose_inputs_changed_are_made_again(
        db: Path, tmp_path: Path, made: list[str]) -> None:
    export_all(db, tmp_path / "first")
    assert sorted(made) == sorted(releases(tmp_path / "first"))
    # org:y is named by t1's bids and t2's award; t5's own row changes.
    change(db, "UPDATE organisations SET name = '宜昌另一有限公司' WHERE org_id = 'org:y'",
           "UPDATE tenders SET budget_amount = 99.00 WHERE tender_id = 't5'")
    made.clear()
    export_all(db, tmp_path / "second", previous=tmp_path / "first")
    # The undated release is dated by the export: made by every one.
    assert sorted(made) == ["t1", "t2", "t5", "undated"]

    first, second = releases(tmp_path / "first"), releases(tmp_path / "second")
    assert second["t5"]["tender"]["value"]["amount"] == 99.0
    assert second["t3"] == first["t3"] and second["t1"] != first["t1"]
    assert second["undated"]["date"] == NOW.isoformat()


def test_an_unchanged_database_links_every_table_and_makes_only_undated_releases(
        db: Path, tmp_path: Path, made: list[str]) -> None:
    export_all(db, tmp_path / "first")
    made.clear()
    manifest = export_all(db, tmp_path / "second", previous=tmp_path / "first")
    assert made == ["undated"]
    for entry in manifest["files"]:
        if entry["path"].startswith(("parquet/", "csv/")):  # the views' files too
            assert (tmp_path / "second" / entry["path"]).samefile(
                tmp_path / "first" / entry["path"]), entry["path"]
    same_downloads(tmp_path / "first", tmp_path / "second")


def files(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_the_earlier_export_is_left_as_it_was(db: Path, tmp_path: Path, made: list[str]) -> None:
    export_all(db, tmp_path / "first")
    before = files(tmp_path / "first")
    change(db, "UPDATE tenders SET title = title || '（更正）' WHERE tender_id = 't4'")
    manifest = export_all(db, tmp_path / "second", previous=tmp_path / "first")
    assert files(tmp_path / "first") == before
    for entry in manifest["files"]:
        data = (tmp_path / "second" / entry["path"]).read_bytes()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (entry["sha256"], entry["bytes"])


def test_an_index_that_does_not_describe_its_package_is_not_used(
        db: Path, tmp_path: Path, made: list[str]) -> None:
    export_all(db, tmp_path / "first")
    index = ocds_out.index_path(tmp_path / "first" / OCDS_FILE)
    shifted = json.loads(index.read_text(encoding="utf-8"))
    shifted["starts"] = [start + 1 for start in shifted["starts"]]
    index.write_text(json.dumps(shifted), encoding="utf-8")
    made.clear()
    export_all(db, tmp_path / "second", previous=tmp_path / "first")
    assert len(made) == 9
    same_downloads(tmp_path / "first", tmp_path / "second")

    # Nor one whose package is not the one the earlier manifest vouches for.
    manifest = json.loads((tmp_path / "second" / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        if entry["path"] == OCDS_FILE:
            entry["sha256"] = "0" * 64
    (tmp_path / "second" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    made.clear()
    export_all(db, tmp_path / "third", previous=tmp_path / "second")
    assert len(made) == 9


def test_the_database_copy_holds_no_value_since_overwritten_in_the_database(
        db: Path, tmp_path: Path) -> None:
    secret = "110101199003077777"
    change(db, "PRAGMA force_compression = 'uncompressed'",
           "INSERT INTO rejects (reject_id, run_id, source, kind, reason_code, reason, raw, "
           f"rejected_at) SELECT 'r' || i, 'run-1', 'test', 'award_notice', 'test', 'test', "
           f"'{secret}-' || i, now() FROM range(2000) t(i)",
           "CHECKPOINT", "UPDATE rejects SET raw = 'masked'", "CHECKPOINT")
    # The database file still holds the values as they were, in blocks it no longer uses.
    assert secret.encode() in db.read_bytes()
    export_all(db, tmp_path / "out")
    assert secret.encode() not in (tmp_path / "out" / DATABASE_FILE).read_bytes()
