"""Search documents: one compact, engine-neutral record per thing a reader looks for.

Every search index Sunlit builds (the browser's Pagefind bundle today, a command-line engine
later) is fed from these documents, so a tender is found by the same words everywhere: its
title, notice number, buyer, agency and suppliers; an organisation by its names and code; a list
or approval item by its name, code and department.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from disclosures.feeds import xml_text
from disclosures.publish import LIST_KIND_NAMES, SearchRows, url_path

# Labels shown in results and used as filter values.
KIND_LABELS = {
    "tender": "招标结果",
    "organisation": "机构",
    "list_item": "清单事项",
    "approval_item": "办件事项",
}


@dataclass(frozen=True)
class SearchDocument:
    """What an index stores for one record; text holds only XML-legal characters."""

    kind: str  # tender, organisation, list_item or approval_item
    record_id: str
    url: str  # site-relative path of the record's page, e.g. "tenders/x~y/"
    title: str
    body: str  # the words the record is found by
    date: str = ""  # YYYY-MM-DD, where the record has one
    amount: str = ""  # display text, where the record has one

    def __post_init__(self) -> None:
        # Scraped text may carry control characters; no index or result page wants them.
        object.__setattr__(self, "title", xml_text(self.title))
        object.__setattr__(self, "body", xml_text(self.body))

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
        )


def search_documents(rows: SearchRows) -> Iterator[SearchDocument]:
    """Every search document, kind by kind, in a stable order."""
    yield from tender_documents(rows.tenders)
    yield from organisation_documents(rows.organisations)
    yield from list_item_documents(rows.list_items)
    yield from approval_item_documents(rows.approval_items)
