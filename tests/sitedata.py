"""A small, realistic Sunlit database built from code, for build, feed and browser tests.

`build_sample_db(path)` writes a real DuckDB file through `disclosures.store`: 60 tenders in
宜昌 (enough for two tender list pages), their awards and candidate bids, buyers, agencies and
suppliers, the three lists and approval cases, each record pointing to a fetched document.
One tender's title is hostile (markup and control characters) to prove the site escapes it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from disclosures import store

SHANGHAI = timezone(timedelta(hours=8))
RUN_ID = "20250601T000000Z-test"
SOURCE = "sample-epoint"
PORTAL = "http://127.0.0.1:8765"

BUYERS = [
    ("uscc:12420500MB1538726X", "宜昌市西陵区教育局"),
    ("uscc:11420500011302657K", "宜昌市交通运输局"),
    ("name:宜昌市夷陵区人民医院", "宜昌市夷陵区人民医院"),
]
AGENCIES = [("uscc:91420500MA48Y1234A", "湖北诚信招标代理有限公司")]
SUPPLIERS = [
    ("uscc:91420502MA4F0XYZ1B", "宜昌恒泰建设工程有限公司"),
    ("uscc:91420500MA4XXXXXXX", "宜昌长江科技发展有限公司"),
    ("name:湖北楚天绿化工程有限公司", "湖北楚天绿化工程有限公司"),
    ("name:宜昌三峡医疗器械有限公司", "宜昌三峡医疗器械有限公司"),
]
PROJECTS = ["道路维修工程", "教学设备采购", "医疗设备采购", "园林绿化养护服务", "办公家具采购"]

# The supplier the browser test searches for, and the tender it won first.
SEARCH_SUPPLIER_ID, SEARCH_SUPPLIER = SUPPLIERS[2]
HOSTILE_TENDER_ID = f"{SOURCE}:JSGC-2025-0666"
HOSTILE_TITLE = '<script>alert("x")</script>宜昌\x07道路\x1b工程 & "验收"\x00'
LIST_ITEM_ID = "power:11420500MB1234567X4420100001"
APPROVAL_ITEM_CODE = "11420500MB1234567X4420100001"


@dataclass
class SampleDb:
    path: Path
    tender_ids: list[str]


def _sha(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def _record(row: dict[str, Any]) -> dict[str, Any]:
    row["content_hash"] = _sha(json.dumps(row, sort_keys=True, default=str, ensure_ascii=False))
    return row


def build_sample_db(path: Path, *, tenders: int = 60) -> SampleDb:
    """Write the sample database to `path` (a new file) and close it."""
    con = store.connect(path, read_only=False)
    store.migrate(con)
    store.start_run(con, RUN_ID, SOURCE)
    documents: list[dict[str, Any]] = []
    base_time = datetime(2025, 3, 1, 9, 30, tzinfo=SHANGHAI)

    def document(url: str, fetched_at: datetime) -> str:
        sha = _sha(url)
        documents.append(
            {"sha256": sha, "url": url, "source": SOURCE, "fetched_at": fetched_at,
             "http_status": 200, "content_type": "text/html; charset=utf-8", "encoding": "utf-8",
             "size_bytes": 2048, "archive_path": f"{SOURCE}/{sha[:2]}/{sha}.html.gz"}
        )
        return sha

    orgs = []
    for org_id, name in BUYERS + AGENCIES + SUPPLIERS:
        url = f"{PORTAL}/org/{hashlib.md5(org_id.encode()).hexdigest()[:8]}.html"
        uscc = org_id.removeprefix("uscc:") if org_id.startswith("uscc:") else None
        orgs.append(_record({
            "org_id": org_id, "name": name, "uscc": uscc, "uscc_valid": uscc is not None,
            "aliases": [name], "region": "420500", "source": SOURCE, "url": url,
            "document_sha256": document(url, base_time),
        }))

    tender_rows, award_rows, bid_rows = [], [], []
    tender_ids = []
    for i in range(tenders):
        notice = f"JSGC-2025-{i + 1:04d}"
        tender_id = f"{SOURCE}:{notice}"
        published = base_time + timedelta(days=i, hours=i % 5)
        url = f"{PORTAL}/jyxx/{notice}.html"
        sha = document(url, published + timedelta(hours=2))
        buyer_id = BUYERS[i % len(BUYERS)][0]
        project = PROJECTS[i % len(PROJECTS)]
        title = f"{BUYERS[i % len(BUYERS)][1]}{project}（第{i + 1}批）中标结果公告"
        if i == 7:
            tender_id, title = HOSTILE_TENDER_ID, HOSTILE_TITLE
        tender_ids.append(tender_id)
        tender_rows.append(_record({
            "tender_id": tender_id, "source": SOURCE, "notice_no": notice, "title": title,
            "buyer_id": buyer_id, "agency_id": AGENCIES[0][0], "procurement_method": "open",
            "category": ["works", "goods", "services"][i % 3], "region": "420500",
            "published_at": published, "bid_deadline_at": published - timedelta(days=20),
            "award_date": published - timedelta(days=2),
            "budget_amount": Decimal(1_000_000 + 12_345 * i), "currency": "CNY",
            "is_correction": False, "url": url, "document_sha256": sha,
        }))
        supplier_id = SUPPLIERS[i % len(SUPPLIERS)][0]
        amount = Decimal(950_000 + 11_111 * i) + Decimal("0.50")
        award_rows.append(_record({
            "award_id": f"{tender_id}:1:{supplier_id}", "tender_id": tender_id,
            "supplier_id": supplier_id, "lot": "1", "amount": amount, "currency": "CNY",
            "amount_text": f"{amount / 10000:.4f}万元", "discount_rate": None,
            "contract_period_days": 90, "award_date": published - timedelta(days=2),
            "source": SOURCE, "url": url, "document_sha256": sha,
        }))
        for rank, bidder in enumerate([supplier_id, SUPPLIERS[(i + 1) % len(SUPPLIERS)][0]], 1):
            bid_rows.append(_record({
                "bid_id": f"{tender_id}:1:{bidder}", "tender_id": tender_id, "bidder_id": bidder,
                "lot": "1", "amount": amount + (rank - 1) * 20_000, "currency": "CNY",
                "amount_text": None, "rank": rank, "disqualified": False, "source": SOURCE,
                "url": url, "document_sha256": sha,
            }))

    list_url = f"{PORTAL}/qlqd/list.html"
    list_sha = document(list_url, base_time)
    list_rows = []
    for n, (kind, code, name) in enumerate([
        ("power", APPROVAL_ITEM_CODE, "建设工程规划许可证核发"),
        ("power", "11420500MB1234567X4420200002", "对违法建设行为的行政处罚"),
        ("responsibility", "11420500MB1234567X4420100001-R1", "受理环节责任"),
        ("negative", "N-2025-017", "禁止投资新建高污染燃料燃用设施"),
    ]):
        list_rows.append(_record({
            "item_id": f"{kind}:{code}", "list_kind": kind, "item_code": code, "name": name,
            "sub_item": None, "power_type": "行政许可" if n == 0 else "行政处罚",
            "department": "宜昌市自然资源和规划局", "department_id": None, "region": "420500",
            "legal_basis": "《中华人民共和国城乡规划法》第四十条", "statutory_limit": 20,
            "statutory_unit": "workday", "promised_limit": 10, "promised_unit": "calendar_day",
            "fees": None, "level": "市级", "power_item_code": None, "industry": None,
            "restriction": None, "source": SOURCE, "url": list_url, "document_sha256": list_sha,
        }))

    case_url = f"{PORTAL}/bjgs/list.html"
    case_sha = document(case_url, base_time + timedelta(days=40))
    case_rows = []
    for n in range(6):
        accepted = base_time + timedelta(days=n * 3)
        # Cases 0 and 3 take 15 days against a 10-day limit: two overdue, one still open.
        days = 15 if n % 3 == 0 else 6
        completed = None if n == 5 else accepted + timedelta(days=days)
        case_rows.append(_record({
            "case_id": f"SP2025-{n + 123:06d}", "item_code": APPROVAL_ITEM_CODE,
            "item_name": "建设工程规划许可证核发", "department": "宜昌市自然资源和规划局",
            "department_id": None, "project_code": None, "applicant": "宜昌某某置业有限公司",
            "accepted_at": accepted, "completed_at": completed, "deadline_at": None,
            "status": "completed" if completed else "in_progress", "promised_limit": 10,
            "promised_unit": "calendar_day", "source": SOURCE, "url": case_url,
            "document_sha256": case_sha,
        }))

    store.insert_ignore(con, "documents", documents)
    store.upsert_records(con, "organisations", orgs, RUN_ID)
    store.upsert_records(con, "tenders", tender_rows, RUN_ID)
    store.upsert_records(con, "awards", award_rows, RUN_ID)
    store.upsert_records(con, "bids", bid_rows, RUN_ID)
    store.upsert_records(con, "list_items", list_rows, RUN_ID)
    store.upsert_records(con, "approval_cases", case_rows, RUN_ID)
    store.finish_run(con, RUN_ID, SOURCE, store.RunCounts(), "ok")
    store.checkpoint(con)
    con.close()
    return SampleDb(path=path, tender_ids=tender_ids)


@dataclass
class SampleSite:
    db: SampleDb
    output: Path  # the published path (a symlink into <output>.builds/)


def build_sample_site(
    workdir: Path, *, search_index: bool = True, site_url: str = ""
) -> SampleSite:
    """The sample database and the site built from it with `sunlit build`, under `workdir`."""
    from disclosures.build import build_site

    db = build_sample_db(workdir / "sunlit.duckdb")
    result = build_site(db.path, workdir / "output", site_url, search_index=search_index)
    return SampleSite(db=db, output=result.output)
