"""Named queries answer with the right rows, honour their parameters and read the file read-only."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from auditdata import award, bid, case, list_item, load, new_db, org, tender
from click.testing import CliRunner

from disclosures import queries, store
from disclosures.cli import main

REQUIRED = {
    "flags",
    "supplier_awards",
    "buyer_spending",
    "overdue_approvals",
    "list_changes",
    "rejects_by_reason",
    "run_history",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("queries") / "sunlit.duckdb"
    con = new_db(path)
    store.start_run(con, "run-1", "test")
    load(
        con,
        "run-1",
        organisations=[
            org("org:w", "宜昌建设有限公司"),
            org("org:x", "荆州科技有限公司"),
            org("buyer:a", "宜昌市教育局"),
        ],
        tenders=[
            tender("t1", published="2025-03-03", deadline="2025-03-10", award_date="2025-03-12"),
            tender("t2", award_date="2024-05-01"),
        ],
        bids=[bid("t1", "org:w", 100)],
        awards=[award("t1", "org:w", 100, award_date="2025-03-12"), award("t2", "org:x", 300)],
        list_items=[list_item("X1", promised=(5, "workday")), list_item("X2")],
        approval_cases=[
            case("late", "X1", "2025-09-26", "2025-10-11"),
            case("on-time", "X1", "2025-09-26", "2025-10-10"),
        ],
    )
    store.insert_ignore(
        con,
        "rejects",
        [
            {
                "reject_id": f"r{n}",
                "run_id": "run-1",
                "source": "test",
                "kind": "award_notice",
                "url": f"http://127.0.0.1/{n}",
                "reason_code": "bad_date",
                "reason": "日期无法解析",
                "raw": "{}",
                "rejected_at": "2025-03-01T00:00:00+08:00",
            }
            for n in range(3)
        ],
    )
    store.finish_run(con, "run-1", "test", store.RunCounts(pages=3, items=9, rejected=3), "ok")
    store.start_run(con, "run-2", "test")
    load(
        con,
        "run-2",
        list_items=[list_item("X1", statutory=(30, "workday"), promised=(5, "workday"))],
    )
    store.retire_missing(con, "list_items", ["power:X1"], "list_kind = 'power'", [])
    con.close()
    return path


def rows(db: Path, query_name: str, /, **values: str) -> list[dict]:
    return queries.rows_for_json(queries.run_on(db, query_name, values))


def test_catalogue_is_complete_and_documented() -> None:
    names = {q.name for q in queries.catalogue()}
    assert names >= REQUIRED
    for query in queries.catalogue():
        assert query.title and len(query.description) > 30, query.name
        assert all(p.description for p in query.params), query.name


def test_placeholders_must_match_declared_params() -> None:
    with pytest.raises(queries.QueryError, match="placeholders"):
        queries.parse("-- name: x\n-- title: X\n-- description: d\nSELECT $undeclared")


def test_flags_filtered_by_code(db: Path) -> None:
    everything = rows(db, "flags")
    assert {"R018", "R003", "AP01"} <= {r["flag_code"] for r in everything}
    only = rows(db, "flags", code="r018")
    assert [(r["flag_code"], r["record_id"], r["evidence"]["bidders"]) for r in only] == [
        ("R018", "t1", 1)
    ]
    assert rows(db, "flags", code="R999") == []


def test_supplier_awards_by_name_fragment(db: Path) -> None:
    found = rows(db, "supplier_awards", name="建设")
    assert [(r["supplier"], r["tender_id"], r["amount"]) for r in found] == [
        ("宜昌建设有限公司", "t1", 100.0)
    ]
    assert rows(db, "supplier_awards", name="不存在") == []
    assert len(rows(db, "supplier_awards")) == 2


def test_buyer_spending_by_year(db: Path) -> None:
    assert [(r["year"], r["amount_awarded"]) for r in rows(db, "buyer_spending")] == [
        (2025, 100.0),
        (2024, 300.0),
    ]
    assert [r["year"] for r in rows(db, "buyer_spending", year="2024")] == [2024]
    assert rows(db, "buyer_spending", buyer="财政") == []


def test_overdue_approvals(db: Path) -> None:
    found = rows(db, "overdue_approvals")
    assert [(r["case_id"], r["limit_kind"], r["deadline"], r["days_used"]) for r in found] == [
        ("late", "promised", "2025-10-10", 6)
    ]
    assert rows(db, "overdue_approvals", department="教育") == []


def test_list_changes(db: Path) -> None:
    found = {
        (r["item_code"], r["change"], tuple(r["changed_fields"])) for r in rows(db, "list_changes")
    }
    assert found == {
        ("X1", "added", ()),
        ("X1", "changed", ("statutory_limit",)),
        ("X2", "added", ()),
        ("X2", "removed", ()),
    }
    later = rows(db, "list_changes", since="2999-01-01")
    assert [(r["item_code"], r["change"]) for r in later] == [("X2", "removed")]


def test_rejects_and_runs(db: Path) -> None:
    assert [(r["reason_code"], r["rejects"]) for r in rows(db, "rejects_by_reason")] == [
        ("bad_date", 3)
    ]
    assert rows(db, "rejects_by_reason", source="other") == []
    runs = rows(db, "run_history")
    assert [(r["run_id"], r["status"]) for r in runs] == [("run-2", "running"), ("run-1", "ok")]
    assert len(rows(db, "run_history", limit="1")) == 1


def test_parameters_are_checked() -> None:
    query = queries.get("run_history")
    assert queries.bind(query, {"limit": "5"}) == {"source": None, "limit": 5}
    with pytest.raises(queries.QueryError, match="expected INTEGER"):
        queries.bind(query, {"limit": "five"})
    with pytest.raises(queries.QueryError, match="has no parameter"):
        queries.bind(query, {"colour": "red"})
    with pytest.raises(queries.QueryError, match="no query named"):
        queries.get("nope")


def test_cli_list_and_formats(db: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["query", "--list"])
    assert listed.exit_code == 0
    assert all(name in listed.output for name in REQUIRED)

    as_json = runner.invoke(
        main,
        ["query", "supplier_awards", "--db", str(db), "--param", "name=荆州", "--format", "json"],
    )
    assert as_json.exit_code == 0, as_json.output
    assert [r["tender_id"] for r in json.loads(as_json.output)] == ["t2"]

    as_csv = runner.invoke(main, ["flags", "--code", "R018", "--db", str(db), "--format", "csv"])
    assert as_csv.output.splitlines()[0].startswith("flag_code,title_zh,title_en")
    assert "R018" in as_csv.output

    as_table = runner.invoke(main, ["flags", "--db", str(db)])
    assert as_table.exit_code == 0 and "Single bid received" in as_table.output

    target = tmp_path / "awards.parquet"
    parquet = runner.invoke(
        main,
        [
            "query",
            "supplier_awards",
            "--db",
            str(db),
            "--format",
            "parquet",
            "--output",
            str(target),
        ],
    )
    assert parquet.exit_code == 0, parquet.output
    assert pq.read_table(target).num_rows == 2

    no_output = runner.invoke(main, ["query", "flags", "--db", str(db), "--format", "parquet"])
    assert no_output.exit_code != 0 and "needs --output" in no_output.output
    bad = runner.invoke(main, ["query", "run_history", "--db", str(db), "--param", "limit"])
    assert bad.exit_code != 0 and "KEY=VALUE" in bad.output


def test_cli_reports_a_locked_database_in_one_line(db: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.duckdb"
    locked.write_bytes(db.read_bytes())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import sys, time, duckdb
            con = duckdb.connect({str(locked)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        result = CliRunner().invoke(main, ["flags", "--db", str(locked)])
        assert result.exit_code == 1
        assert "is locked by process" in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1
    finally:
        holder.communicate("")


def test_every_query_is_in_the_auditors_guide() -> None:
    guide = (Path(__file__).resolve().parents[1] / "docs" / "auditors.md").read_text(
        encoding="utf-8"
    )
    for query in queries.catalogue():
        assert f"| `{query.name}` |" in guide, query.name
        for param in query.params:
            assert f"`{param.name}`" in guide, (query.name, param.name)
