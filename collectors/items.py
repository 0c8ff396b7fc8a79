"""What spiders yield: raw records cut from a page, with where and when they were fetched."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class SourceItem:
    """One raw record from one document, not yet understood.

    `payload` is exactly what `disclosures.records.build_records` expects for `kind`;
    `document_sha256` names the archived body it was cut from (see `documents`).
    """

    kind: str
    source: str
    url: str
    payload: dict[str, Any]
    fetched_at: datetime
    document_sha256: str


@dataclass
class PageReject:
    """A page that could not be cut into records at all (not JSON, no record list, ...).

    It goes to `rejects` like a bad record, so a portal that changes its layout is noticed
    instead of silently yielding nothing.
    """

    kind: str
    source: str
    url: str
    reason_code: str
    reason: str
    raw: str


@dataclass(frozen=True)
class KnownPage:
    """A page a finished collect already archived and read: its body's sha256 and validators.

    `sunlit collect` loads these from `documents` and hands them to each spider, which holds no
    SQL: a page met again with the same body (or answered 304 Not Modified) needs no reading.
    """

    sha256: str
    etag: str | None = None
    last_modified: str | None = None
