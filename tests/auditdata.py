"""Small constructed records for the flag, query and export tests, stored with the real store."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

from disclosures import store

CST = timezone(timedelta(hours=8))
Row = dict[str, Any]


def at(day: str, hour: int = 10) -> datetime:
    """A time on `day` (YYYY-MM-DD) in Asia/Shanghai."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), CST).replace(hour=hour)


def _finish(row: Row) -> Row:
    digest = hashlib.sha256(json.dumps(row, default=str, sort_keys=True).encode()).hexdigest()
    return {"content_hash": digest, "source": "test", "document_sha256": None, **row}


def org(org_id: str, name: str | None = None) -> Row:
    return _finish(
        {
            "org_id": org_id,
            "name": name or org_id,
            "uscc": None,
            "uscc_valid": None,
            "aliases": [name or org_id],
            "region": "宜昌市",
            "url": "http://127.0.0.1/org",
        }
    )


def tender(
    tender_id: str,
    *,
    method: str | None = "open",
    published: str | None = "2025-03-03",
    notice: str | None = "",
    deadline: str | None = "2025-03-28",
    award_date: str | None = None,
    buyer: str | None = "buyer:a",
    category: str | None = "goods",
    budget: str | None = None,
    correction: bool = False,
) -> Row:
    return _finish(
        {
            "tender_id": tender_id,
            "notice_no": tender_id.upper(),
            "title": f"项目 {tender_id}",
            "buyer_id": buyer,
            "agency_id": None,
            "procurement_method": method,
            "category": category,
            "region": "宜昌市",
            "published_at": at(published) if published else None,
            # "" (the default): the tender notice is the published one; None: not known.
            "tender_published_at": at(notice or published) if notice or (
                notice == "" and published) else None,
            "bid_deadline_at": at(deadline, 9) if deadline else None,
            "award_date": at(award_date) if award_date else None,
            "budget_amount": Decimal(budget) if budget else None,
            "currency": "CNY",
            "is_correction": correction,
            "url": f"http://127.0.0.1/t/{tender_id}",
        }
    )


def bid(
    tender_id: str,
    bidder: str,
    amount: float | str | None,
    *,
    disqualified: bool = False,
    rank: int | None = None,
    lot: str | None = None,
) -> Row:
    return _finish(
        {
            "bid_id": f"{tender_id}:{lot or ''}:{bidder}",
            "tender_id": tender_id,
            "bidder_id": bidder,
            "lot": lot,
            "amount": Decimal(str(amount)) if amount is not None else None,
            "currency": "CNY",
            "amount_text": None if amount is None else f"{amount}元",
            "rank": rank,
            "disqualified": disqualified,
            "url": f"http://127.0.0.1/t/{tender_id}",
        }
    )


def award(
    tender_id: str,
    supplier: str,
    amount: float | str | None = None,
    *,
    lot: str | None = None,
    award_date: str | None = None,
    discount_rate: str | None = None,
    period_days: int | None = None,
) -> Row:
    return _finish(
        {
            "award_id": f"{tender_id}:{lot or ''}:{supplier}",
            "tender_id": tender_id,
            "supplier_id": supplier,
            "lot": lot,
            "amount": Decimal(str(amount)) if amount is not None else None,
            "currency": "CNY",
            "amount_text": None if amount is None else f"{amount}元",
            "discount_rate": Decimal(discount_rate) if discount_rate else None,
            "contract_period_days": period_days,
            "award_date": at(award_date) if award_date else None,
            "url": f"http://127.0.0.1/t/{tender_id}",
        }
    )


def list_item(
    code: str,
    *,
    statutory: tuple[int, str] | None = (20, "workday"),
    promised: tuple[int, str] | None = (10, "workday"),
    kind: str = "power",
) -> Row:
    return _finish(
        {
            "item_id": f"{kind}:{code}",
            "list_kind": kind,
            "item_code": code,
            "name": f"事项 {code}",
            "sub_item": None,
            "power_type": "行政许可",
            "department": "市场监督管理局",
            "department_id": "dept:scjg",
            "region": "宜昌市",
            "legal_basis": None,
            "statutory_limit": statutory[0] if statutory else None,
            "statutory_unit": statutory[1] if statutory else None,
            "promised_limit": promised[0] if promised else None,
            "promised_unit": promised[1] if promised else None,
            "fees": None,
            "level": None,
            "power_item_code": None,
            "industry": None,
            "restriction": None,
            "url": f"http://127.0.0.1/list/{code}",
        }
    )


def case(
    case_id: str,
    item_code: str,
    accepted: str,
    completed: str | None,
    *,
    promised: tuple[int, str] | None = None,
    status: str = "completed",
) -> Row:
    return _finish(
        {
            "case_id": case_id,
            "item_code": item_code,
            "item_name": f"事项 {item_code}",
            "department": "市场监督管理局",
            "department_id": "dept:scjg",
            "project_code": None,
            "applicant": "张**",
            "accepted_at": at(accepted),
            "completed_at": at(completed, 16) if completed else None,
            "deadline_at": None,
            "status": status,
            "promised_limit": promised[0] if promised else None,
            "promised_unit": promised[1] if promised else None,
            "url": f"http://127.0.0.1/case/{case_id}",
        }
    )


def new_db(path: Path) -> duckdb.DuckDBPyConnection:
    con = store.connect(path, read_only=False)
    store.migrate(con)
    return con


def load(con: duckdb.DuckDBPyConnection, run_id: str = "run-1", **tables: list[Row]) -> None:
    for table, rows in tables.items():
        store.upsert_records(con, table, rows, run_id)
