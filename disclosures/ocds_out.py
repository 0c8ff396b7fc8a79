"""Tenders, awards, bids and parties as an OCDS 1.1 release package.

One release per current tender, built from the current versions of its records: the tender and
its result, its awards, its bids (OCDS bid extension) and every organisation they name, in
`parties` with their roles. Fields OCDS lacks go in Sunlit's extension, documented in
`docs/ocds-extension/` (discount rate, the amount as published, correction notices, candidate
rank, the sha256 of the source document).

Procurement methods map to OCDS's closed codelist: open → open, selective (邀请招标) →
selective, single_source (单一来源) → direct, every other method (竞争性谈判, 竞争性磋商, 询价, …)
→ limited; the method as Sunlit stores it stays in procurementMethodDetails.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb

OCDS_VERSION = "1.1"
BID_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/"
    "v1.1.5/extension.json"
)
SUNLIT_EXTENSION = (
    "https://raw.githubusercontent.com/sunlit-disclosures/sunlit/main/docs/ocds-extension/"
    "extension.json"
)
# Identifier scheme of the 统一社会信用代码 in Sunlit's releases; see docs/auditors.md.
USCC_SCHEME = "CN-USCC"
METHODS = {"open": "open", "selective": "selective", "single_source": "direct"}
CATEGORIES = {"goods", "works", "services"}

Json = dict[str, Any]


def _value(amount: Decimal | None, currency: str | None) -> Json | None:
    if amount is None:
        return None
    return {"amount": float(amount), "currency": currency or "CNY"}


def _period_start(notice: Any, published: Any, deadline: Any) -> Any:
    """The tender notice's date, else the publication date when it precedes the deadline."""
    for start in (notice, published):
        if start and deadline and start < deadline:
            return start
    return notice if notice and not deadline else None


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _prune(value: Any) -> Any:
    """Drop empty fields: OCDS prefers an absent field to a null one.

    A field is dropped when it is None, or a list or object left empty once pruned; list items
    are pruned but never dropped. One pass, by exact type: it runs on every field of every
    release, and was half the time of writing the package.
    """
    kind = type(value)
    if kind is dict:
        pruned = {}
        for key, item in value.items():
            if item is None:
                continue
            if type(item) is dict or type(item) is list:
                item = _prune(item)
                if not item:
                    continue
            pruned[key] = item
        return pruned
    if kind is list:
        return [_prune(item) if type(item) is dict or type(item) is list else item
                for item in value]
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    relation = con.sql(sql)
    columns = relation.columns
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def releases(con: duckdb.DuckDBPyConnection, ocid_prefix: str) -> list[Json]:
    """One OCDS release per current tender, in tender_id order."""
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    orgs = {row["org_id"]: row for row in _rows(con, "SELECT * FROM current_organisations")}
    awards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(con, "SELECT * FROM current_awards ORDER BY award_id"):
        awards[row["tender_id"]].append(row)
    bids: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(con, "SELECT * FROM current_bids ORDER BY rank NULLS LAST, bid_id"):
        bids[row["tender_id"]].append(row)
    generated = datetime.now(UTC).isoformat()
    out = []
    for tender in _rows(con, "SELECT * FROM current_tenders ORDER BY tender_id"):
        out.append(
            _release(
                tender,
                awards[tender["tender_id"]],
                bids[tender["tender_id"]],
                orgs,
                ocid_prefix,
                generated,
            )
        )
    return out


def _party_ref(org_id: str, orgs: dict[str, dict[str, Any]]) -> Json:
    org = orgs.get(org_id)
    return {"id": org_id, "name": org["name"] if org else None}


def _release(
    tender: dict[str, Any],
    awards: list[dict[str, Any]],
    bids: list[dict[str, Any]],
    orgs: dict[str, dict[str, Any]],
    ocid_prefix: str,
    generated: str,
) -> Json:
    roles: dict[str, set[str]] = defaultdict(set)
    if tender["buyer_id"]:
        roles[tender["buyer_id"]].add("buyer")
    if tender["agency_id"]:
        roles[tender["agency_id"]].add("procuringEntity")
    for award in awards:
        roles[award["supplier_id"]].add("supplier")
    for bid in bids:
        roles[bid["bidder_id"]].add("tenderer")

    parties = []
    for org_id in sorted(roles):
        org = orgs.get(org_id, {})
        identifier = None
        if org.get("uscc") and org.get("uscc_valid"):
            identifier = {"scheme": USCC_SCHEME, "id": org["uscc"], "legalName": org.get("name")}
        parties.append(
            {
                "id": org_id,
                "name": org.get("name"),
                "identifier": identifier,
                "address": {"region": org.get("region")} if org.get("region") else None,
                "roles": sorted(roles[org_id]),
            }
        )

    method = tender["procurement_method"]
    category = tender["category"]
    published = tender["published_at"]
    deadline = tender["bid_deadline_at"]
    tender_block = {
        "id": tender["tender_id"],
        "title": tender["title"],
        "status": "complete",
        "procurementMethod": METHODS.get(method, "limited") if method else None,
        "procurementMethodDetails": method,
        "mainProcurementCategory": category if category in CATEGORIES else None,
        "value": _value(tender["budget_amount"], tender["currency"]),
        "tenderPeriod": {
            # The tender notice opens the period; a result notice (after the deadline) does not.
            "startDate": _time(
                _period_start(tender.get("tender_published_at"), published, deadline)
            ),
            "endDate": _time(deadline),
        },
        "procuringEntity": _party_ref(tender["agency_id"], orgs) if tender["agency_id"] else None,
        "tenderers": [_party_ref(o, orgs) for o in sorted({b["bidder_id"] for b in bids})],
        "numberOfTenderers": len({b["bidder_id"] for b in bids}) if bids else None,
        "documents": [
            {
                "id": "notice",
                "documentType": "awardNotice",
                "url": tender["url"],
                "datePublished": _time(published),
                "sha256": tender["document_sha256"],
            }
        ],
        "correctionNotice": bool(tender["is_correction"]),
    }
    release = {
        "ocid": f"{ocid_prefix}{tender['tender_id']}",
        "id": f"{tender['tender_id']}-{tender['version']}",
        "date": _time(published or tender["award_date"]) or generated,
        "tag": ["awardUpdate"] if tender["is_correction"] else ["award"],
        "initiationType": "tender",
        "language": "zh",
        "parties": parties,
        "buyer": _party_ref(tender["buyer_id"], orgs) if tender["buyer_id"] else None,
        "tender": tender_block,
        "awards": [
            {
                "id": award["award_id"],
                "status": "active",
                "date": _time(award["award_date"] or tender["award_date"]),
                "value": _value(award["amount"], award["currency"]),
                "suppliers": [_party_ref(award["supplier_id"], orgs)],
                "contractPeriod": (
                    {"durationInDays": award["contract_period_days"]}
                    if award["contract_period_days"] is not None
                    else None
                ),
                "discountRate": float(award["discount_rate"])
                if award["discount_rate"] is not None
                else None,
                "amountText": award["amount_text"],
                "relatedLots": [award["lot"]] if award["lot"] else None,
            }
            for award in awards
        ],
        "bids": {
            "details": [
                {
                    "id": bid["bid_id"],
                    "status": "disqualified" if bid["disqualified"] else "valid",
                    "tenderers": [_party_ref(bid["bidder_id"], orgs)],
                    "value": _value(bid["amount"], bid["currency"]),
                    "rank": bid["rank"],
                    "amountText": bid["amount_text"],
                }
                for bid in bids
            ]
        }
        if bids
        else None,
    }
    pruned: Json = _prune(release)
    return pruned


def package(
    con: duckdb.DuckDBPyConnection, *, ocid_prefix: str = "ocds-sunlit-", uri: str | None = None
) -> Json:
    """The whole release package as a JSON-ready dict."""
    published = datetime.now(UTC).replace(microsecond=0)
    return {
        "uri": uri or f"urn:sunlit:ocds-release-package:{published:%Y%m%dT%H%M%SZ}",
        "version": OCDS_VERSION,
        "extensions": [BID_EXTENSION, SUNLIT_EXTENSION],
        "publishedDate": published.isoformat(),
        "publisher": {"name": "Sunlit (阳光公示)"},
        "releases": releases(con, ocid_prefix),
    }


def write_package(
    con: duckdb.DuckDBPyConnection, path: Path, *, ocid_prefix: str = "ocds-sunlit-"
) -> int:
    """Write the release package to `path`; return the number of releases."""
    data = package(con, ocid_prefix=ocid_prefix)
    # No indent: only then does json use its C encoder, several times faster on a large package.
    path.write_text(json.dumps(data, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(data["releases"])
