"""Search documents: one compact, engine-neutral record per thing a reader looks for.

Every search index Sunlit builds (the browser's Pagefind bundle and the command line's Whoosh
index) is fed from these documents, so a tender is found by the same words everywhere: its
title, notice number, buyer, agency and suppliers; an award by its supplier; an organisation by
its names and code; a list or approval item by its name, code and department; a red flag by its
name and the record it was raised on. A document holds what is searched (names, titles, codes,
a short excerpt), never a record's whole text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from disclosures.feeds import xml_text
from disclosures.publish import LIST_KIND_NAMES, SearchRows, url_path
from search.kinds import KIND_LABELS, KINDS

__all__ = ["KINDS", "KIND_LABELS", "SearchDocument", "search_documents"]



@dataclass(frozen=True)
class SearchDocument:
    """What an index stores for one record; text holds only XML-legal characters."""

    kind: str  # one of KINDS
    record_id: str
    url: str  # site-relative path of the record's page, e.g. "tenders/x~y/"
    title: str
    body: str  # the words the record is found by
    date: str = ""  # YYYY-MM-DD, where the record has one
    amount: str = ""  # display text, where the record has one
    region: str = ""
    department: str = ""  # the buyer of a tender or award, the department of an item
    buyer: str = ""
    supplier: str = ""  # suppliers, joined with "、"
    code: str = ""  # notice number, item code or 统一社会信用代码
    amount_value: Decimal | None = None  # yuan, for amount ranges

    def __post_init__(self) -> None:
        # Scraped text may carry control characters; no index or result page wants them.
        for name in ("title", "body", "region", "department", "buyer", "supplier", "code"):
            object.__setattr__(self, name, xml_text(getattr(self, name)))

    @property
    def key(self) -> str:
        """Unique across kinds: the index's document id."""
        return f"{self.kind}:{self.record_id}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def year(self) -> str:
        return self.date[:4]


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "", []))


def _day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def _amount(value: Decimal | None) -> str:
    return f"{value:,.2f}元" if value is not None else ""


def tender_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        yield SearchDocument(
            kind="tender",
            record_id=row["tender_id"],
            url=url_path("tender", row["tender_id"]),
            title=row["title"],
            body=_join(row["title"], row["notice_no"], row["buyer_name"], row["agency_name"],
                       row["suppliers"], row["region"]),
            date=_day(row["published_at"]),
            amount=_amount(row["award_total"]),
            region=row["region"] or "",
            department=row["buyer_name"] or "",
            buyer=row["buyer_name"] or "",
            supplier=row["suppliers"] or "",
            code=row["notice_no"] or "",
            amount_value=row["award_total"],
        )


def award_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        lot = f"标段 {row['lot']}" if row["lot"] else ""
        yield SearchDocument(
            kind="award",
            record_id=row["award_id"],
            url=url_path("tender", row["tender_id"]),
            title=_join(row["supplier_name"], "中标", row["title"]),
            body=_join(row["supplier_name"], row["supplier_uscc"], row["title"], lot,
                       row["notice_no"], row["buyer_name"], row["region"]),
            date=_day(row["award_date"] or row["published_at"]),
            amount=_amount(row["amount"]),
            region=row["region"] or "",
            department=row["buyer_name"] or "",
            buyer=row["buyer_name"] or "",
            supplier=row["supplier_name"] or "",
            code=row["notice_no"] or "",
            amount_value=row["amount"],
        )


def organisation_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        aliases = [a for a in (row["aliases"] or []) if a != row["name"]]
        yield SearchDocument(
            kind="organisation",
            record_id=row["org_id"],
            url=url_path("organisation", row["org_id"]),
            title=row["name"],
            body=_join(row["name"], *aliases, row["uscc"], row["region"],
                       f"中标 {row['awards_won']} 次" if row["awards_won"] else "",
                       f"采购项目 {row['tenders_bought']} 个" if row["tenders_bought"] else ""),
            region=row["region"] or "",
            code=row["uscc"] or "",
        )


def list_item_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        yield SearchDocument(
            kind="list_item",
            record_id=row["item_id"],
            url=url_path("list_item", row["item_id"]),
            title=_join(row["name"], row["sub_item"]),
            body=_join(LIST_KIND_NAMES.get(row["list_kind"], row["list_kind"]), row["name"],
                       row["sub_item"], row["item_code"], row["power_type"], row["department"],
                       row["industry"], row["region"]),
            region=row["region"] or "",
            department=row["department"] or "",
            code=row["item_code"] or "",
        )


def approval_item_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        yield SearchDocument(
            kind="approval_item",
            record_id=row["item_code"],
            url=url_path("approval_item", row["item_code"]),
            title=row["item_name"] or row["item_code"],
            body=_join(row["item_name"], row["item_code"], row["department"],
                       f"办件 {row['cases']} 件"),
            date=_day(row["last_accepted_at"]),
            department=row["department"] or "",
            code=row["item_code"],
        )


def _flag_url(row: dict[str, Any]) -> str:
    if row["tender_id"]:
        return url_path("tender", row["tender_id"])
    if row["item_code"]:
        return url_path("approval_item", row["item_code"])
    if row["record_kind"] == "list_item":
        return url_path("list_item", row["record_id"])
    if row["record_kind"] == "organisation":
        return url_path("organisation", row["record_id"])
    return ""  # the home page: a hit with no page of its own


def flag_documents(rows: list[dict[str, Any]]) -> Iterator[SearchDocument]:
    for row in rows:
        subject = row["tender_title"] or row["supplier_name"] or row["item_code"] or ""
        yield SearchDocument(
            kind="flag",
            record_id=f"{row['flag_code']}:{row['record_kind']}:{row['record_id']}",
            url=_flag_url(row),
            title=_join(row["title_zh"], subject),
            body=_join(row["flag_code"], row["title_zh"], row["title_en"], row["tender_title"],
                       row["buyer_name"], row["supplier_name"], row["item_code"],
                       row["record_id"]),
            date=_day(row["published_at"]),
            region=row["region"] or "",
            department=row["buyer_name"] or "",
            buyer=row["buyer_name"] or "",
            supplier=row["supplier_name"] or "",
            code=row["flag_code"],
        )


def search_documents(rows: SearchRows) -> Iterator[SearchDocument]:
    """Every search document, kind by kind, in a stable order."""
    yield from tender_documents(rows.tenders)
    yield from award_documents(rows.awards)
    yield from organisation_documents(rows.organisations)
    yield from list_item_documents(rows.list_items)
    yield from approval_item_documents(rows.approval_items)
    yield from flag_documents(rows.flags)
