"""The three lists from files, their snapshots and changes, case logs and reconciliation.

Every collect is a real `sunlit collect` in a subprocess against files served on 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import json
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import LocalServer, Reply, run_collect

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "事项编码", "事项名称", "事项类型", "实施部门", "法定时限", "承诺时限", "收费标准", "设定依据"
]


def xlsx(rows: list[list[Any]], merge_department: bool = True) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["宜昌市权力清单（2025年版）"])  # a title above the header, merged across
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    if merge_department:  # one department cell for the first two items
        sheet.merge_cells(start_row=3, start_column=4, end_row=4, end_column=4)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


POWER_V1 = [
    ["A001", "食品经营许可", "01", "宜昌市市场监督管理局", "20(工作日)", "5个工作日", "无",
     "《食品安全法》"],
    ["A002", "药品零售许可", "行政许可", None, "30日", "10(工作日)", "无",
     "《药品管理法》"],
    ["A003", "广告发布登记", "行政许可", "宜昌市市场监督管理局", "无", "", "无", "《广告法》"],
]
# A002's promise shortened; A003 removed; A004 added.
POWER_V2 = [
    POWER_V1[0],
    ["A002", "药品零售许可", "行政许可", None, "30日", "7(工作日)", "无", "《药品管理法》"],
    ["A004", "特种设备使用登记", "行政许可", "宜昌市市场监督管理局", "30(工作日)", "3(工作日)",
     "无",
     "《特种设备安全法》"],
]


def xls_bytes() -> bytes:
    xlwt = pytest.importorskip("xlwt", reason="xlwt (dev dependency) writes the test .xls")
    book = xlwt.Workbook()
    sheet = book.add_sheet("责任清单")
    header = ["事项编码", "事项名称", "实施主体", "责任事项", "追责情形", "对应权力事项编码"]
    for c, text in enumerate(header):
        sheet.write(0, c, text)
    rows = [["ZRA001", "食品经营许可", "宜昌市市场监督管理局", "受理责任", "不履行职责的", "A001"],
            ["ZRA002", "药品零售许可", None, "审查责任", "滥用职权的", "A002"]]
    for r, row in enumerate(rows, start=1):
        for c, text in enumerate(row):
            if text is not None:
                sheet.write(r, c, text)
    sheet.merge(1, 2, 2, 2)  # 实施主体 merged over both rows (xlwt: r1, r2, c1, c2 inclusive)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


NEGATIVE_CSV = (
    "事项编码,行业,事项名称,管理措施,措施描述,主管部门,设定依据\r\n"
    "FM001,采矿业,稀土开采,禁止,禁止准入,宜昌市自然资源和规划局,\"《矿产资源法》\"\r\n"
    "FM002,金融业,小额贷款,限制,依法取得许可后方可进入,宜昌市地方金融管理局,《条例》\r\n"
).encode("gbk")
POWER_HTML = """<html><head><meta charset="utf-8"></head><body><table>
<tr><th>职权编码</th><th>职权名称</th><th>职权类型</th><th>实施主体</th><th>法定时限</th></tr>
<tr><td>H001</td><td>行政处罚甲</td><td>02</td><td rowspan="2">兴山县交通运输局</td><td>无</td></tr>
<tr><td>H002</td><td>行政检查乙</td><td>06</td><td>15自然日</td></tr>
</table></body></html>""".encode()


def sources(server: LocalServer, *blocks: tuple[str, str, str | None]) -> str:
    text = ""
    for name, fmt, kind_path in blocks:
        kind, _, path = (kind_path or "").partition(":")
        text += textwrap.dedent(f"""
            [[source]]
            name = "{name}"
            format = "{fmt}"
            url = "{server.url}/{path}"
            delay = 0
            autothrottle = false
            """)
        if kind:
            text += f'list_kind = "{kind}"\n'
    return text


@pytest.fixture(scope="module")
def files_collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four list files collected, then the power list collected again in a new version."""
    files = {
        "/power.xlsx": Reply(body=xlsx(POWER_V1), content_type=XLSX),
        "/resp.xls": Reply(body=xls_bytes(), content_type="application/vnd.ms-excel"),
        "/negative.csv": Reply(body=NEGATIVE_CSV, content_type="text/csv"),
        "/power2": Reply(body=POWER_HTML, content_type="text/html; charset=utf-8"),
    }
    server = LocalServer(lambda path: files.get(path))
    workdir = tmp_path_factory.mktemp("lists")
    path = workdir / "sources.toml"
    path.write_text(sources(
        server,
        ("yc-power", "lists_file", "power:power.xlsx"),
        ("yc-resp", "lists_file", "responsibility:resp.xls"),
        ("yc-negative", "lists_file", "negative:negative.csv"),
        ("xs-power", "lists_file", "power:power2"),
    ), encoding="utf-8")
    first = run_collect(workdir, "--sources", str(path))
    files["/power.xlsx"] = Reply(body=xlsx(POWER_V2), content_type=XLSX)
    second = run_collect(workdir, "--sources", str(path))
    server.stop()
    return {"first": first, "second": second}


def test_every_file_format_loads_its_items(files_collected: dict[str, Any]) -> None:
    first = files_collected["first"]
    assert first.process.returncode == 0, first.output
    assert first.query(
        "SELECT source, status, message FROM runs WHERE run_id = (SELECT min(run_id) FROM runs) "
        "ORDER BY source"
    ) == [
        ("xs-power", "ok", None), ("yc-negative", "ok", None), ("yc-power", "ok", None),
        ("yc-resp", "ok", None),
    ]
    items = {
        r[0]: r[1:]
        for r in first.query(
            "SELECT item_code, power_type, department, statutory_limit, statutory_unit, "
            "promised_limit, promised_unit, fees FROM list_items WHERE version = 1"
        )
    }
    # "01" is a type code; the merged department cell covers A002; 30日 is calendar days.
    assert items["A001"] == (
        "行政许可", "宜昌市市场监督管理局", 20, "workday", 5, "workday", None
    )
    assert items["A002"] == (
        "行政许可", "宜昌市市场监督管理局", 30, "calendar_day", 10, "workday", None
    )
    assert items["A003"][2:6] == (None, None, None, None)
    assert items["H002"] == ("行政检查", "兴山县交通运输局", 15, "calendar_day", None, None, None)


def test_responsibility_and_negative_items_keep_their_own_fields(files_collected) -> None:
    first = files_collected["first"]
    resp = first.query(
        "SELECT item_code, department, duties, accountability, power_item_code FROM list_items "
        "WHERE list_kind = 'responsibility' ORDER BY item_code"
    )
    assert resp == [
        ("ZRA001", "宜昌市市场监督管理局", "受理责任", "不履行职责的", "A001"),
        ("ZRA002", "宜昌市市场监督管理局", "审查责任", "滥用职权的", "A002"),
    ]
    negative = first.query(
        "SELECT item_code, industry, restriction, description, department, legal_basis "
        "FROM list_items WHERE list_kind = 'negative' ORDER BY item_code"
    )
    assert negative[0] == ("FM001", "采矿业", "prohibited", "禁止准入", "宜昌市自然资源和规划局",
                           "《矿产资源法》")
    assert negative[1][2] == "restricted"


def test_two_snapshots_give_exactly_the_changes(files_collected: dict[str, Any]) -> None:
    second = files_collected["second"]
    assert second.process.returncode == 0, second.output
    runs = [r[0] for r in second.query(
        "SELECT DISTINCT run_id FROM list_snapshots WHERE source = 'yc-power' ORDER BY run_id")]
    assert len(runs) == 2
    assert second.query(
        "SELECT item_count FROM list_snapshots WHERE source = 'yc-power' ORDER BY run_id"
    ) == [(3,), (3,)]
    later = second.query(
        "SELECT item_code, change, field, old_value, new_value FROM list_changes "
        "WHERE run_id = ? ORDER BY item_code, field", [runs[1]]
    )
    assert later == [
        ("A002", "changed", "promised_limit", "10", "7"),
        ("A003", "removed", None, None, None),
        ("A004", "added", None, None, None),
    ]
    assert second.scalar("SELECT is_current FROM list_items WHERE item_code = 'A003'") is False
    # The other sources' second snapshots changed nothing.
    assert second.scalar("SELECT count(*) FROM list_changes WHERE run_id = ? AND item_code "
                         "NOT LIKE 'A%'", [runs[1]]) == 0


@pytest.fixture(scope="module")
def corpus_collected(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository ({CORPUS})")
    served = {
        "/gd/items.jsonl": CORPUS / "three_lists" / "guangdong" / "items.jsonl",
        "/ln/power_list.json": CORPUS / "three_lists" / "liaoning" / "power_list.json",
        "/nl/receipt.csv": CORPUS / "approvals" / "nl_wabo_permit_receipt.csv",
    }
    server = LocalServer(lambda p: Reply(body=served[p].read_bytes(), content_type="text/plain")
                         if p in served else None)
    workdir = tmp_path_factory.mktemp("corpus")
    path = workdir / "sources.toml"
    path.write_text(sources(
        server,
        ("guangdong", "lists_file", "power:gd/items.jsonl"),
        ("liaoning", "lists_file", "power:ln/power_list.json"),
        ("nl-permits", "case_log_csv", ":nl/receipt.csv"),
    ), encoding="utf-8")
    collected = run_collect(workdir, "--sources", str(path), timeout=240)
    server.stop()
    return collected


def test_every_corpus_list_row_loads(corpus_collected: Any) -> None:
    assert corpus_collected.process.returncode == 0, corpus_collected.output
    gd_lines = sum(1 for line in (CORPUS / "three_lists/guangdong/items.jsonl").open(
        encoding="utf-8") if line.strip())
    ln_rows = len(json.loads((CORPUS / "three_lists/liaoning/power_list.json").read_text("utf-8")))
    counts = dict(corpus_collected.query(
        "SELECT source, count(*) FROM list_items GROUP BY source"))
    assert counts == {"guangdong": gd_lines, "liaoning": ln_rows}
    assert corpus_collected.scalar("SELECT count(*) FROM rejects") == 0
    assert corpus_collected.query(
        "SELECT source, message FROM runs WHERE message LIKE '%unknown labels%'") == []


def test_corpus_items_by_value(corpus_collected: Any) -> None:
    row = corpus_collected.query(
        "SELECT power_type, department, statutory_limit, statutory_unit, promised_limit, "
        "promised_unit, level FROM list_items WHERE item_code = '11440000006939756B2440101007000'"
    )
    assert row == [("行政许可", "广东省发展和改革委员会", 30, "workday", 7, "workday", "省级")]
    liaoning = corpus_collected.query(
        "SELECT power_type, department, legal_basis FROM list_items "
        "WHERE item_code = '210973001000'"
    )
    power_type, department, basis = liaoning[0]
    assert (power_type, department) == ("行政裁决", "73")
    assert basis.startswith("【法律】《中华人民共和国专利法》") and not basis.endswith('"')
    assert corpus_collected.scalar(
        "SELECT count(*) FROM list_items WHERE source = 'liaoning' AND (legal_basis LIKE '\"%' "
        "OR legal_basis LIKE '%\"' OR legal_basis LIKE '%' || chr(13) || '%')") == 0


def test_the_dutch_permit_log_loads_cases_steps_and_deadlines(corpus_collected: Any) -> None:
    with (CORPUS / "approvals/nl_wabo_permit_receipt.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    cases: dict[str, dict[str, str]] = {r["case:concept:name"]: r for r in rows}
    now = datetime.now(UTC)

    def past(row: dict[str, str]) -> bool:
        deadline = datetime.fromisoformat(row["case:deadline"])
        end = datetime.fromisoformat(row["case:enddate"]) if row["case:enddate"] else now
        return end > deadline

    expected_late = sum(1 for row in cases.values() if row["case:deadline"] and past(row))
    db = corpus_collected
    assert db.scalar("SELECT count(*) FROM approval_cases WHERE source = 'nl-permits'") == 1434
    assert db.scalar("SELECT count(*) FROM approval_steps") == len(rows) == 8577
    assert db.scalar("SELECT count(*) FROM approval_case_timing WHERE past_deadline") == (
        expected_late
    )
    first = db.query("SELECT seq, step_name FROM approval_steps WHERE case_id = 'case-10011' "
                     "ORDER BY seq LIMIT 2")
    assert first == [(1, "Confirmation of receipt"), (2, "T02 Check confirmation of receipt")]


@pytest.fixture(scope="module")
def portal_collected(tmp_path_factory: pytest.TempPathFactory) -> Any:
    workdir = tmp_path_factory.mktemp("portal")
    return run_collect(workdir, "--sources", str(REPO / "sources.toml"), "--portal-size", "60")


def test_reconciliation_views_find_exactly_the_planted_defects(portal_collected: Any) -> None:
    from disclosures.portal import planted_defects

    planted: dict[str, set[str]] = {}
    for defect in planted_defects(60, 7):
        planted.setdefault(defect.code, set()).add(defect.record_key)
    db = portal_collected
    assert "unknown labels" not in db.output
    assert {r[0] for r in db.query("SELECT case_id FROM recon_cases_unknown_item")} == (
        planted["unknown_item"]
    )
    assert {r[0] for r in db.query("SELECT case_id FROM recon_limit_mismatch")} == (
        planted["limit_mismatch"]
    )
    assert {r[0] for r in db.query("SELECT item_code FROM recon_promise_exceeds_statute")} == (
        planted["promise_exceeds_statute"]
    )
    finished_late = db.query(
        "SELECT case_id FROM approval_case_timing WHERE promised_overdue AND NOT open_case")
    # Exactly the planted late cases: the overdue defects and the red-flag plants for AP01
    # (finished past the promised limit), nothing else.
    from disclosures.portal import planted_flags

    ap01 = {p.record_key for p in planted_flags(60, 7) if p.flag_code == "AP01" and p.positive}
    assert {r[0] for r in finished_late} == planted["overdue"] | ap01
    assert db.scalar("SELECT count(*) FROM project_timelines WHERE cases = 3") > 0
