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

import contextlib
import hashlib
import json
import mmap
import os
import platform
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import Any, BinaryIO

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


def _rows(con: duckdb.DuckDBPyConnection, sql: str,
          params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    relation = con.sql(sql, params=params)
    columns = relation.columns
    return [dict(zip(columns, row, strict=True)) for row in relation.fetchall()]


def _now() -> datetime:
    return datetime.now(UTC)


# The tenders a release is made of, when only some are: `$ids`, a list of tender ids.
_SELECTED = "tender_id IN (SELECT unnest($ids::VARCHAR[]))"
_SELECTED_ORGS = f"""org_id IN (
    SELECT buyer_id FROM current_tenders WHERE {_SELECTED}
    UNION SELECT agency_id FROM current_tenders WHERE {_SELECTED}
    UNION SELECT supplier_id FROM current_awards WHERE {_SELECTED}
    UNION SELECT bidder_id FROM current_bids WHERE {_SELECTED})"""


def releases(con: duckdb.DuckDBPyConnection, ocid_prefix: str,
             tender_ids: list[str] | None = None) -> list[Json]:
    """One OCDS release per current tender (or per one of `tender_ids`), in tender_id order."""
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    params: dict[str, Any] | None = None
    tenders_where = orgs_where = ""
    if tender_ids is not None:
        params = {"ids": tender_ids}
        tenders_where, orgs_where = f"WHERE {_SELECTED}", f"WHERE {_SELECTED_ORGS}"
    orgs = {row["org_id"]: row
            for row in _rows(con, f"SELECT * FROM current_organisations {orgs_where}", params)}
    awards: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(con, f"SELECT * FROM current_awards {tenders_where} ORDER BY award_id",
                     params):
        awards[row["tender_id"]].append(row)
    bids: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(con, f"SELECT * FROM current_bids {tenders_where} "
                          "ORDER BY rank NULLS LAST, bid_id", params):
        bids[row["tender_id"]].append(row)
    generated = _now().isoformat()
    out = []
    for tender in _rows(con, f"SELECT * FROM current_tenders {tenders_where} ORDER BY tender_id",
                        params):
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
    return {**_header(uri), "releases": releases(con, ocid_prefix)}


def _header(uri: str | None = None) -> Json:
    """The package's fields but its releases, in the order they are written."""
    published = _now().replace(microsecond=0)
    return {
        "uri": uri or f"urn:sunlit:ocds-release-package:{published:%Y%m%dT%H%M%SZ}",
        "version": OCDS_VERSION,
        "extensions": [BID_EXTENSION, SUNLIT_EXTENSION],
        "publishedDate": published.isoformat(),
        "publisher": {"name": "Sunlit (阳光公示)"},
    }


# Per tender, a digest of every row its release is made from: the tender, its awards and bids,
# and the organisations they name (all their columns, so any change shows). DuckDB's own row
# hash, summed over a tender's awards, bids and parties (rows, not their order, decide a
# release: each list is sorted by its rows' ids), costs a fifth of an md5 of the rows' JSON. A
# tender with neither a publication nor an award date has none: its release is dated by the
# export itself.
DIGESTS_SQL = """
WITH tenders AS MATERIALIZED (
    SELECT tender_id, buyer_id, agency_id, hash(x) AS h,
           published_at IS NULL AND award_date IS NULL AS undated
    FROM current_tenders x),
awards AS (
    SELECT tender_id, sum(hash(x)::HUGEINT) AS h FROM current_awards x GROUP BY tender_id),
bids AS (
    SELECT tender_id, sum(hash(x)::HUGEINT) AS h FROM current_bids x GROUP BY tender_id),
parties AS (
    SELECT tender_id, buyer_id AS org_id FROM tenders
    UNION SELECT tender_id, agency_id FROM tenders
    UNION SELECT tender_id, supplier_id FROM current_awards
    UNION SELECT tender_id, bidder_id FROM current_bids),
orgs AS (
    SELECT p.tender_id, sum(hash(p.org_id, o)::HUGEINT) AS h
    FROM parties p LEFT JOIN current_organisations o ON o.org_id = p.org_id
    WHERE p.org_id IS NOT NULL GROUP BY p.tender_id)
SELECT t.tender_id, CASE WHEN NOT t.undated THEN hash(t.h, a.h, b.h, o.h) END
FROM tenders t
LEFT JOIN awards a USING (tender_id) LEFT JOIN bids b USING (tender_id)
LEFT JOIN orgs o USING (tender_id)
ORDER BY t.tender_id
"""


def release_digests(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int | None]]:
    """(tender id, digest of its release's inputs) per current tender, in tender_id order."""
    con.execute("SET TimeZone = 'Asia/Shanghai'")  # as the releases show times
    return [(tender_id, digest) for tender_id, digest in con.execute(DIGESTS_SQL).fetchall()]


# The index of a package, beside it: where each release's bytes are and what they were made
# from, so the next export copies the unchanged releases' bytes instead of making them again.
INDEX_FORMAT = 1
SEPARATOR = b", "  # between releases, as json.dumps writes lists


def index_path(package_path: Path) -> Path:
    return package_path.with_name(f".{package_path.name}.index")


def _index_key(ocid_prefix: str) -> str:
    """What else decides a release's bytes: this module, the prefix, the versions that read
    the rows and print them."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for part in (str(INDEX_FORMAT), ocid_prefix, duckdb.__version__, platform.python_version()):
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


@dataclass
class _Earlier:
    """An earlier package, opened, with where each of its releases is."""
    view: memoryview
    releases: dict[str, tuple[int | None, int, int]]  # tender id -> digest, start, end


def _read_earlier(previous: Path, sha256: str | None, key: str,
                  stack: contextlib.ExitStack) -> _Earlier | None:
    """The package at `previous`, if its index is of this `key` and of the package whose
    sha256 the earlier export's manifest recorded; None otherwise."""
    try:
        index = json.loads(index_path(previous).read_text(encoding="utf-8"))
        if (index.get("format") != INDEX_FORMAT or index.get("key") != key
                or sha256 is None or index.get("sha256") != sha256):
            return None
        handle = stack.enter_context(previous.open("rb"))
        if os.fstat(handle.fileno()).st_size != index["bytes"]:
            return None
        mapped = stack.enter_context(mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ))
        view = memoryview(mapped)
        stack.callback(view.release)
        releases = {
            tender_id: (digest, start, end)
            for tender_id, digest, start, end in zip(
                index["ids"], index["digests"], index["starts"], index["ends"], strict=True)
        }
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return _Earlier(view, releases)


@dataclass(frozen=True)
class Written:
    releases: int
    reused: int  # releases whose bytes were copied from the earlier package
    bytes: int
    sha256: str


class _Output:
    """The package being written: its bytes hashed and counted as they go."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.position = 0

    def write(self, data: bytes | memoryview) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.position += len(data)


def write_package(
    con: duckdb.DuckDBPyConnection, path: Path, *, ocid_prefix: str = "ocds-sunlit-",
    previous: Path | None = None, previous_sha256: str | None = None,
) -> Written:
    """Write the release package to `path` (a new file) and its index beside it.

    Given the package of an earlier export (`previous`, whose sha256 its manifest recorded as
    `previous_sha256`), a release whose inputs are unchanged is copied from its bytes; only the
    others are made and serialised. The result is byte for byte what a fresh export writes.
    """
    key = _index_key(ocid_prefix)
    digests = release_digests(con)
    with contextlib.ExitStack() as stack:
        earlier = (_read_earlier(previous, previous_sha256, key, stack)
                   if previous is not None else None)
        old = earlier.releases if earlier is not None else {}
        kept = [tender_id for tender_id, digest in digests
                if digest is not None and old.get(tender_id, (None,))[0] == digest]
        if earlier is not None and not _aligned(earlier, ocid_prefix, kept):
            kept = []
        copied = set(kept)
        made = {release["tender"]["id"]: release for release in releases(
            con, ocid_prefix, [tender_id for tender_id, _ in digests if tender_id not in copied]
            if copied else None)}
        header = json.dumps(_header(), ensure_ascii=False)
        with path.open("xb") as handle:
            out = _Output(handle)
            out.write(header[:-1].encode() + b', "releases": [')
            starts, ends = _write_releases(out, digests, copied, made, earlier)
            out.write(b"]}\n")
    index = {"format": INDEX_FORMAT, "key": key, "sha256": out.digest.hexdigest(),
             "bytes": out.position, "ids": [tender_id for tender_id, _ in digests],
             "digests": [digest for _, digest in digests], "starts": starts, "ends": ends}
    index_path(path).write_text(json.dumps(index, ensure_ascii=False), encoding="utf-8")
    return Written(len(digests), len(kept), out.position, out.digest.hexdigest())


def _aligned(earlier: _Earlier, ocid_prefix: str, kept: list[str]) -> bool:
    """Whether each release to be copied begins with its ocid where the index places it: an
    index that does not describe its package is never trusted, at a few bytes a release."""
    view = earlier.view
    for tender_id in kept:
        start = earlier.releases[tender_id][1]
        head = b'{"ocid": ' + encode_basestring(ocid_prefix + tender_id).encode()
        if view[start:start + len(head)] != head:
            return False
    return True


def _write_releases(out: _Output, digests: list[tuple[str, int | None]], kept: set[str],
                    made: dict[str, Json], earlier: _Earlier | None,
                    ) -> tuple[list[int], list[int]]:
    """Write every release in order, separated as json.dumps separates a list's items: a run
    of releases adjacent in the earlier package too is one copy of its bytes. Return where each
    release starts and ends."""
    view = earlier.view if earlier is not None else memoryview(b"")
    placed = earlier.releases if earlier is not None else {}
    starts: list[int] = []
    ends: list[int] = []
    run_start = run_end = -1  # the run of earlier bytes not yet written
    run_offset = 0  # from a position in the earlier package to the same byte in this one
    for number, (tender_id, _) in enumerate(digests):
        separator = SEPARATOR if number else b""
        if tender_id in kept:
            _, start, end = placed[tender_id]
            if run_end >= 0 and start == run_end + len(separator):
                run_end = end
            else:
                if run_end >= 0:
                    out.write(view[run_start:run_end])
                out.write(separator)
                run_start, run_end = start, end
                run_offset = out.position - start
            starts.append(start + run_offset)
            ends.append(end + run_offset)
            continue
        if run_end >= 0:
            out.write(view[run_start:run_end])
            run_start = run_end = -1
        out.write(separator)
        starts.append(out.position)
        out.write(json.dumps(made[tender_id], ensure_ascii=False).encode())
        ends.append(out.position)
    if run_end >= 0:
        out.write(view[run_start:run_end])
    return starts, ends
