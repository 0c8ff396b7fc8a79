"""Stable record ids and content hashes.

An id is built from the fewest raw source fields that identify a record and never changes once
published: pages, feeds and links are keyed by it. A content hash tells a re-fetched record
that is unchanged from one that changed, so only real changes become new versions.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

# Provenance says where a version was seen, not what it says: the same facts fetched again
# from another url or document are the same version.
PROVENANCE_FIELDS = frozenset({"source", "url", "document_sha256", "content_hash"})


def org_id(normalised_name: str, uscc: str | None = None, uscc_valid: bool = False) -> str:
    """ "uscc:<code>" when a verified 统一社会信用代码 is published, else "name:<name>"."""
    if uscc and uscc_valid:
        return f"uscc:{uscc}"
    return f"name:{normalised_name}"


def tender_id(source: str, notice_no: str | None, notice_id: str | None) -> str | None:
    """source + notice number, else source + the portal's own notice id; None if neither."""
    key = notice_no or notice_id
    return f"{source}:{key}" if key else None


def award_id(tender: str, lot: str | None, supplier: str) -> str:
    return f"{tender}/{lot or ''}/{supplier}"


def bid_id(tender: str, lot: str | None, bidder: str) -> str:
    return f"{tender}/{lot or ''}/{bidder}"


def item_id(list_kind: str, item_code: str) -> str:
    return f"{list_kind}:{item_code}"


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def content_hash(row: dict[str, Any]) -> str:
    """sha256 of the row's canonical JSON, provenance fields left out."""
    fields = {k: v for k, v in row.items() if k not in PROVENANCE_FIELDS}
    text = json.dumps(
        fields, default=_canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
