import dataclasses
import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from disclosures import store
from disclosures.records import TABLE_COLUMNS, Provenance, Records, Rejected, build_records

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
EPOINT = CORPUS / "cn_procurement" / "epoint_yichang"
PROV = Provenance("yichang", "https://ggzy.example/notice/1.html", "ab" * 32, datetime.now(UTC))


def _corpus(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"corpus not found at {path} (it sits beside the repository)")
    return path


def _epoint(name: str) -> list[dict[str, Any]]:
    notices = json.loads(_corpus(EPOINT / name).read_text(encoding="utf-8"))
    return [
        {
            "source_format": "epoint",
            "title": n["title"],
            "published": n["pubinwebdate"],
            "region": n["xiaquname"],
            "region_code": n["xiaqucode"],
            "notice_id": n["infoid"],
            "html": n["infocontent"],
        }
        for n in notices
    ]


def _notice(rows: str, title: str = "某项目中标结果公告", **payload: Any) -> dict[str, Any]:
    return {
        "source_format": "ccgp",
        "title": title,
        "published": "2025-03-24",
        "region": "宜昌市",
        "region_code": "420500",
        "notice_id": "n-1",
        "html": f"<table>{rows}</table>",
        **payload,
    }


def _row(label: str, value: str) -> str:
    return f"<tr><td>{label}:</td><td>{value}</td></tr>"


def _assert_rows_match_schema(records: Records) -> None:
    for table, rows in records.items():
        for row in rows:
            assert set(row) == set(TABLE_COLUMNS[table]), table
            assert re.fullmatch(r"[0-9a-f]{64}", row["content_hash"])


# --- award notices ----------------------------------------------------------------------------


def test_every_yichang_award_notice_builds() -> None:
    awards = 0
    for payload in _epoint("award_notices_api.json"):
        records = build_records("award_notice", payload, PROV)
        _assert_rows_match_schema(records)
        assert len(records["tenders"]) == 1
        awards += len(records["awards"])
        assert records.unknown_labels == []  # every label is either read or known irrelevant
    assert awards == 49  # 40 notices, 9 of them won by two-member consortia


def test_first_yichang_award_pinned() -> None:
    records = build_records("award_notice", _epoint("award_notices_api.json")[0], PROV)
    (tender,) = records["tenders"]
    (award,) = records["awards"]
    # No 项目编号: keyed by the section code its candidate notice carries too, not the infoid.
    assert tender["tender_id"] == "epoint:XSA070002-202402-01(2)"
    assert tender["notice_no"] == "XSA070002-202402-01(2)"
    assert tender["buyer_id"] == "name:兴山上源水务有限公司"
    assert tender["agency_id"] == "name:世纪杰皓（湖北）项目管理有限公司"
    assert tender["published_at"] == datetime.fromisoformat("2025-03-24T00:00:00+08:00")
    assert tender["region"] == "兴山县" and tender["is_correction"] is False
    assert award["supplier_id"] == "name:湖北昊源建设工程有限公司"
    assert award["amount"] == Decimal("20797381.58") and award["currency"] == "CNY"
    assert award["lot"] == "XSA070002-202402-01(2)"
    assert award["contract_period_days"] == 730
    assert (
        award["award_id"] == f"{tender['tender_id']}/XSA070002-202402-01(2)/{award['supplier_id']}"
    )
    names = {o["org_id"]: o for o in records["organisations"]}
    assert names["name:兴山上源水务有限公司"]["region"] == "兴山县"
    assert names["name:世纪杰皓（湖北）项目管理有限公司"]["aliases"] == [
        "世纪杰皓（湖北）项目管理有限公司"
    ]


def test_yichang_prices_rates_and_prose() -> None:
    built = [build_records("award_notice", p, PROV) for p in _epoint("award_notices_api.json")]
    by_title = {r["tenders"][0]["title"]: r for r in built}

    def award(fragment: str) -> tuple[dict[str, Any], Records]:
        (records,) = [r for t, r in by_title.items() if fragment in t]
        return records["awards"][0], records

    # "中标价(%)": 97.95 is a rate, never 97.95 yuan.
    rate, _ = award("九歌城片区社会停车场")
    assert rate["amount"] is None and rate["discount_rate"] == Decimal("0.9795")
    assert rate["amount_text"] == "97.95"
    # "中标价(报价承诺)" prose with one 总价.
    total, _ = award("钢管材料")
    assert total["amount"] == Decimal("3905110.00")
    # Prose with no single total: kept as text, reported, never a silent NULL.
    prose, records = award("长江文化艺术中心")
    assert prose["amount"] is None and "折扣率70%" in prose["amount_text"]
    assert records.warnings and records.warnings[0].startswith("amount_unread: 中标价(报价承诺)")


def test_consortium_winners_are_one_award_each() -> None:
    payload = next(
        p for p in _epoint("award_notices_api.json") if "猇亭中心定制商品房" in p["title"]
    )
    records = build_records("award_notice", payload, PROV)
    assert [a["supplier_id"] for a in records["awards"]] == [
        "name:湖北盛荣建设集团有限公司",
        "name:宜昌三峡广博建筑设计有限公司",
    ]
    assert {a["amount"] for a in records["awards"]} == {Decimal("180014035.01")}
    org_ids = {o["org_id"] for o in records["organisations"]}
    assert {a["supplier_id"] for a in records["awards"]} <= org_ids


def test_staff_identity_numbers_never_reach_a_row() -> None:
    for payload in _epoint("award_notices_api.json"):
        records = build_records("award_notice", payload, PROV)
        text = json.dumps(records, default=str, ensure_ascii=False)
        assert "420521199007" not in text  # a half-masked ID number in the first notice
        assert "黄美玲" not in text  # staff are not recorded at all


def test_label_synonyms_units_and_uscc() -> None:
    html = (
        _row("项目编号", "HB-2025-001")
        + _row("采购人", "宜昌市某局")
        + _row("统一社会信用代码", "11420500MB1234567X")
        + _row("采购代理机构", "湖北某咨询有限公司")
        + _row("采购方式", "竞争性磋商")
        + _row("采购类别", "服务类")
        + _row("中标（成交）供应商", "甲公司")
        + _row("统一社会信用代码", "91110000600037341L")
        + _row("中标价(万元)", "123.45")
        + _row("投标截止时间", "2025年03月01日 09时30分")
        + _row("定标日期", "二〇二五年三月二十日")
        + _row("新字段", "x")
    )
    records = build_records("award_notice", _notice(html, title="某项目更正公告"), PROV)
    (tender,) = records["tenders"]
    assert tender["tender_id"] == "yichang:HB-2025-001" and tender["notice_no"] == "HB-2025-001"
    assert tender["procurement_method"] == "competitive_consultation"
    assert tender["category"] == "services"
    assert tender["is_correction"] is True
    assert tender["bid_deadline_at"] == datetime.fromisoformat("2025-03-01T09:30:00+08:00")
    assert tender["award_date"] == datetime.fromisoformat("2025-03-20T00:00:00+08:00")
    awards = records["awards"]
    assert [a["supplier_id"] for a in awards] == ["uscc:91110000600037341L"]
    assert awards[0]["amount"] == Decimal("1234500.00")
    buyer = next(o for o in records["organisations"] if o["org_id"] == tender["buyer_id"])
    # The buyer's code fails its check digit: kept, flagged, filed by name.
    assert buyer["uscc"] == "11420500MB1234567X" and buyer["uscc_valid"] is False
    assert buyer["org_id"] == "name:宜昌市某局"
    winner = next(o for o in records["organisations"] if o["org_id"].startswith("uscc:"))
    assert winner["aliases"] == ["甲公司"] and winner["uscc_valid"] is True
    assert records.unknown_labels == ["新字段"]


def test_a_code_after_a_consortium_is_not_given_to_one_member() -> None:
    html = _row("中标人", "甲公司（联合体牵头人）、乙公司（联合体成员）") + _row(
        "统一社会信用代码", "91110000600037341L"
    )
    awards = build_records("award_notice", _notice(html), PROV)["awards"]
    assert [a["supplier_id"] for a in awards] == ["name:甲公司", "name:乙公司"]


def test_extra_synonyms_from_the_source_config() -> None:
    html = _row("中标人", "甲公司") + _row("最终报价(元)", "500")
    assert build_records("award_notice", _notice(html), PROV).unknown_labels == ["最终报价(元)"]
    records = build_records(
        "award_notice", _notice(html), PROV, extra_synonyms={"最终报价（元）": "amount"}
    )
    assert records["awards"][0]["amount"] == Decimal("500.00")
    assert records.unknown_labels == []


def test_price_absent_is_an_award_without_amount() -> None:
    records = build_records("award_notice", _notice(_row("中标人", "甲公司")), PROV)
    assert records["awards"][0]["amount"] is None and records["awards"][0]["amount_text"] is None


@pytest.mark.parametrize(
    ("rows", "payload", "code"),
    [
        (_row("中标价(元)", "100"), {}, "missing_field"),  # no winner
        (_row("中标人", "甲公司") + _row("中标价(元)", "/"), {}, "missing_amount"),
        (_row("中标人", "甲公司") + _row("中标价(元)", "详见附件"), {}, "bad_amount"),
        (_row("中标人", "甲公司") + _row("公告日期", "2025年13月45日"), {}, "bad_date"),
        (_row("中标人", "甲公司"), {"notice_id": None}, "missing_field"),  # no id at all
        (_row("中标人", "甲公司"), {"html": ""}, "missing_field"),
        (_row("中标人", "甲公司"), {"title": "  "}, "missing_field"),
    ],
)
def test_award_rejects(rows: str, payload: dict[str, Any], code: str) -> None:
    with pytest.raises(Rejected) as caught:
        build_records("award_notice", _notice(rows, **payload), PROV)
    assert caught.value.code == code and caught.value.reason


def test_unknown_kind_and_hostile_payloads_are_rejects() -> None:
    with pytest.raises(Rejected) as caught:
        build_records("press_release", {}, PROV)
    assert caught.value.code == "unknown_kind"
    with pytest.raises(Rejected):
        build_records("award_notice", {"title": 5, "html": ["<p>"]}, PROV)
    with pytest.raises(Rejected):
        build_records("list_item", {"list_kind": "power", "row": "not a dict"}, PROV)


def test_content_hash_ignores_provenance_and_tracks_content() -> None:
    payload = _epoint("award_notices_api.json")[0]
    first = build_records("award_notice", payload, PROV)
    again = build_records(
        "award_notice",
        payload,
        dataclasses.replace(PROV, url="https://mirror/1", document_sha256="c" * 64),
    )
    assert first["awards"][0]["content_hash"] == again["awards"][0]["content_hash"]
    changed = dict(payload, html=payload["html"].replace("20797381.58", "20797381.59"))
    third = build_records("award_notice", changed, PROV)
    assert third["awards"][0]["content_hash"] != first["awards"][0]["content_hash"]
    assert third["tenders"][0]["content_hash"] == first["tenders"][0]["content_hash"]


# --- candidate notices ------------------------------------------------------------------------


def test_yichang_candidate_notices() -> None:
    built = [
        build_records("candidate_notice", p, PROV) for p in _epoint("candidate_notices_api.json")
    ]
    for records in built:
        _assert_rows_match_schema(records)
        assert "awards" not in records and records["bids"]
        assert all(b["lot"] for b in records["bids"])
    ranked = built[2]["bids"]
    assert [(b["bidder_id"], b["rank"], b["amount"]) for b in ranked] == [
        ("name:湖北昌磊建设工程有限公司", 1, Decimal("1799255.53")),
        ("name:宜昌市洋坤建筑有限公司", 2, Decimal("1809900.75")),
        ("name:宜昌大兴水利水电工程有限公司", 3, Decimal("1801325.31")),
    ]
    assert ranked[0]["lot"] == "YAA990015-202501-03"
    rates = built[1]["bids"]
    assert [b["amount_text"] for b in rates] == ["下浮率20.50%", "下浮率29.00%", "下浮率25.00%"]
    assert all(b["amount"] is None for b in rates)
    assert len(built[3]["bids"]) == 5 and built[3]["bids"][0]["rank"] is None  # no 名次 row
    assert not any(b["disqualified"] for r in built for b in r["bids"])


def test_candidate_rows_disqualified_and_missing() -> None:
    html = (
        "<tr><th>排名</th><th>投标人名称</th><th>投标报价(元)</th><th>备注</th></tr>"
        "<tr><td>1</td><td>甲公司</td><td>100</td><td></td></tr>"
        "<tr><td>2</td><td>乙公司</td><td>90</td><td>投标被否决</td></tr>"
    )
    bids = build_records("candidate_notice", _notice(html), PROV)["bids"]
    assert [(b["rank"], b["disqualified"]) for b in bids] == [(1, False), (2, True)]
    with pytest.raises(Rejected) as caught:
        build_records("candidate_notice", _notice(_row("招标人", "某局")), PROV)
    assert caught.value.code == "missing_field"


# --- OCDS -------------------------------------------------------------------------------------


def _ocds(path: str) -> Any:
    return json.loads(_corpus(CORPUS / "ocds" / path).read_text(encoding="utf-8"))


def test_ocds_release_with_cn_uscc_and_bids() -> None:
    release = {
        "ocid": "ocds-abc-1",
        "date": "2018-01-18T04:39:51Z",
        "tag": ["award"],
        "parties": [
            {
                "id": "b",
                "name": "某市财政局",
                "roles": ["buyer"],
                "identifier": {"scheme": "CN-USCC", "id": "91110000600037341L"},
            },
            {
                "id": "s",
                "name": "供应商甲",
                "roles": ["supplier", "tenderer"],
                "identifier": {"scheme": "XI-EORI", "id": "GB123"},
            },
            {"id": "t", "name": "投标人乙", "roles": ["tenderer"]},
        ],
        "buyer": {"id": "b", "name": "某市财政局"},
        "tender": {
            "id": "T1",
            "title": "办公设备",
            "procurementMethod": "open",
            "procurementMethodDetails": "竞争性谈判",
            "mainProcurementCategory": "goods",
            "tenderPeriod": {"endDate": "2018-01-10T01:00:00Z"},
            "value": {"amount": 1000.5, "currency": "cny"},
        },
        "awards": [
            {
                "id": "A1",
                "suppliers": [{"id": "s", "name": "供应商甲"}],
                "value": {"amount": "990.10", "currency": "cny"},
                "date": "2018-01-15",
            }
        ],
        "bids": {
            "details": [
                {
                    "id": "B1",
                    "tenderers": [{"id": "t"}],
                    "status": "disqualified",
                    "value": {"amount": 1200, "currency": "CNY"},
                }
            ]
        },
    }
    records = build_records("ocds_release", {"release": release}, PROV)
    _assert_rows_match_schema(records)
    (tender,) = records["tenders"]
    assert tender["tender_id"] == "ocds-abc-1" and tender["title"] == "办公设备"
    assert tender["buyer_id"] == "uscc:91110000600037341L"
    assert tender["procurement_method"] == "competitive_negotiation"
    assert tender["bid_deadline_at"] == datetime.fromisoformat("2018-01-10T09:00:00+08:00")
    assert tender["budget_amount"] == Decimal("1000.50") and tender["currency"] == "CNY"
    (award,) = records["awards"]
    assert award["award_id"] == "ocds-abc-1/A1/ocds:XI-EORI-GB123"
    assert award["amount"] == Decimal("990.10") and award["currency"] == "CNY"
    (bid,) = records["bids"]
    assert bid["bidder_id"] == "name:投标人乙" and bid["disqualified"] is True


def test_ocds_rejects() -> None:
    with pytest.raises(Rejected) as caught:
        build_records("ocds_release", {"release": {"tender": {"title": "x"}}}, PROV)
    assert caught.value.code == "missing_field"
    with pytest.raises(Rejected) as caught:
        build_records("ocds_release", {"release": {"ocid": "ocds-x-1", "tag": ["planning"]}}, PROV)
    assert caught.value.code == "empty_release"


def test_taiwan_object_shaped_awards() -> None:
    folder = _corpus(CORPUS / "ocds" / "taiwan" / "sample" / "releases")
    for path in sorted(folder.glob("*.json")):
        release = json.loads(path.read_text(encoding="utf-8"))
        records = build_records("ocds_release", {"release": release}, PROV)
        _assert_rows_match_schema(records)
        assert records["awards"], path.name
    release = _ocds("taiwan/sample/releases/ocid-6as3t2-51179519-ocid-6as3t2-51179519.json")
    records = build_records("ocds_release", {"release": release}, PROV)
    (award,) = records["awards"]
    assert award["amount"] == Decimal("326600.00") and award["currency"] == "TWD"
    assert records["tenders"][0]["title"] == "102年全國中小學客家藝文競賽總決賽之場地布置採購"


@pytest.mark.parametrize(
    "path", ["armenia/sample/releases/6.json", "ocdskit_realdata/release-package-1.json"]
)
def test_real_release_packages_build_or_reject_with_reason(path: str) -> None:
    releases = _ocds(path)["releases"]
    built = 0
    for release in releases:
        try:
            records = build_records("ocds_release", {"release": release}, PROV)
        except Rejected as rejected:
            assert rejected.code == "empty_release"
            continue
        _assert_rows_match_schema(records)
        built += 1
    assert built


def test_ukraine_compiled_release_bids() -> None:
    folder = _corpus(CORPUS / "ocds" / "ukraine" / "sample" / "records")
    record = json.loads(sorted(folder.glob("*.json"))[0].read_text(encoding="utf-8"))
    records = build_records("ocds_release", {"release": record["compiledRelease"]}, PROV)
    _assert_rows_match_schema(records)
    assert records["bids"] and all(
        b["bidder_id"].startswith("ocds:UA-EDR-") for b in records["bids"]
    )


# --- the three lists --------------------------------------------------------------------------


def test_every_guangdong_item_loads() -> None:
    path = _corpus(CORPUS / "three_lists" / "guangdong" / "items.jsonl")
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        records = build_records("list_item", {"list_kind": "power", "row": json.loads(line)}, PROV)
        assert records.unknown_labels == []
        items += records["list_items"]
    assert len(items) == 1100
    first = items[0]
    assert first["item_id"] == "power:11440000006939756B2440101007000"
    assert first["name"] == "临时价格干预范围事项提价申报"
    assert first["power_type"] == "行政许可"
    assert first["department"] == "广东省发展和改革委员会"
    assert first["department_id"] == "name:广东省发展和改革委员会"
    assert (first["statutory_limit"], first["statutory_unit"]) == (30, "workday")
    assert (first["promised_limit"], first["promised_unit"]) == (7, "workday")
    assert first["region"] == "广东省" and first["level"] == "省级"
    assert sum(1 for i in items if i["statutory_limit"] is None) == 177  # published as 无
    assert sum(1 for i in items if i["statutory_unit"] == "calendar_day") >= 10
    assert {i["power_type"] for i in items} >= {"公共服务", "行政许可", "其他行政权力"}


def test_every_liaoning_item_loads() -> None:
    path = _corpus(CORPUS / "three_lists" / "liaoning" / "power_list.json")
    rows = json.loads(path.read_text(encoding="utf-8"))
    items = [
        build_records("list_item", {"list_kind": "power", "row": row}, PROV)["list_items"][0]
        for row in rows
    ]
    assert len(items) == 30
    first = items[0]
    assert first["item_id"] == "power:210973001000"
    assert first["power_type"] == "行政裁决"  # type code 09
    assert first["level"] == "2,3"
    assert first["department"] == "73" and first["department_id"] is None  # a code, not a name
    assert first["legal_basis"].startswith("【法律】《中华人民共和国专利法》")
    assert all("\r" not in i["legal_basis"] and not i["legal_basis"].startswith('"') for i in items)
    types = {i["power_type"] for i in items}
    assert {"行政许可", "行政处罚", "行政强制", "行政征收", "其他行政权力", "99"} <= types


def test_list_item_synonyms_and_rejects() -> None:
    row = {
        "基本编码": "X-1",
        "事项名称": "某审批",
        "子项名称": "无",
        "行业": "金融",
        "管理措施": "禁止投资",
        "法定时限": "即办",
        "收费标准": "无",
        "对应权力事项编码": "P-9",
    }
    (item,) = build_records("list_item", {"list_kind": "negative", "row": row}, PROV)["list_items"]
    assert item["item_id"] == "negative:X-1" and item["restriction"] == "prohibited"
    assert item["sub_item"] is None and item["fees"] is None and item["industry"] == "金融"
    assert (item["statutory_limit"], item["statutory_unit"]) == (0, "workday")
    assert item["power_item_code"] == "P-9"
    for bad, code in [
        ({"事项名称": "无编码"}, "missing_field"),
        ({"事项编码": "X", "事项名称": "n", "法定时限": "尽快"}, "bad_limit"),
    ]:
        with pytest.raises(Rejected) as caught:
            build_records("list_item", {"list_kind": "power", "row": bad}, PROV)
        assert caught.value.code == code
    with pytest.raises(Rejected) as caught:
        build_records("list_item", {"list_kind": "other", "row": row}, PROV)
    assert caught.value.code == "unknown_kind"


# --- approval cases ---------------------------------------------------------------------------


def test_approval_case() -> None:
    row = {
        "办件编号": "BJ-2025-0001",
        "事项编码": "11440000006939756B2440101007000",
        "事项名称": "临时价格干预范围事项提价申报",
        "受理部门": "广东省发展和改革委员会",
        "项目代码": "2501-440000-04-01-123456",
        "申请人": "张三丰",
        "受理时间": "2025-03-24 10:00:00",
        "办结时间": "2025年03月28日 16时00分",
        "办件状态": "已办结",
        "承诺时限": "7(工作日)",
        "联系电话": "13812345678",
    }
    records = build_records("approval_case", {"row": row}, PROV)
    _assert_rows_match_schema(records)
    (case,) = records["approval_cases"]
    assert case["case_id"] == "BJ-2025-0001" and case["status"] == "completed"
    assert case["applicant"] == "张**"
    assert case["accepted_at"] == datetime.fromisoformat("2025-03-24T10:00:00+08:00")
    assert case["completed_at"] == datetime.fromisoformat("2025-03-28T16:00:00+08:00")
    assert (case["promised_limit"], case["promised_unit"]) == (7, "workday")
    assert case["department_id"] == "name:广东省发展和改革委员会"
    assert records.unknown_labels == ["联系电话"]


@pytest.mark.parametrize(
    ("applicant", "published"),
    [
        ("李四", "李*"),
        ("欧阳娜娜", "欧***"),
        ("宜昌某某科技有限公司", "宜昌某某科技有限公司"),
        ("税务局", "税务局"),
    ],
)
def test_only_natural_persons_are_masked(applicant: str, published: str) -> None:
    row = {"办件编号": "1", "受理时间": "2025-03-24", "申请人": applicant, "办件状态": "办理中"}
    (case,) = build_records("approval_case", {"row": row}, PROV)["approval_cases"]
    assert case["applicant"] == published and case["status"] == "in_progress"


@pytest.mark.parametrize(
    ("row", "code"),
    [
        ({"受理时间": "2025-03-24"}, "missing_field"),
        ({"办件编号": "1"}, "missing_field"),
        ({"办件编号": "1", "受理时间": "2025年13月45日"}, "bad_date"),
    ],
)
def test_approval_rejects(row: dict[str, str], code: str) -> None:
    with pytest.raises(Rejected) as caught:
        build_records("approval_case", {"row": row}, PROV)
    assert caught.value.code == code


# --- into the store ---------------------------------------------------------------------------


def test_rows_load_into_the_store_and_reload_unchanged() -> None:
    con = duckdb.connect()
    store.migrate(con)
    batches: dict[str, list[dict[str, Any]]] = {}
    for payload in _epoint("award_notices_api.json"):
        for table, rows in build_records("award_notice", payload, PROV).items():
            batches.setdefault(table, []).extend(rows)
    for table, rows in batches.items():
        counts = store.upsert_records(con, table, rows, "run-1")
        assert counts.new > 0
    assert con.execute("SELECT count(*) FROM awards").fetchone() == (49,)
    amount = con.execute(
        "SELECT amount FROM awards WHERE supplier_id = 'name:湖北昊源建设工程有限公司'"
    ).fetchone()
    assert amount == (Decimal("20797381.58"),)
    again = store.upsert_records(con, "awards", batches["awards"], "run-2")
    assert (again.new, again.changed, again.unchanged) == (0, 0, 49)
