"""Read-only queries that hand the site builder plain rows, and the URL of every record.

The site's templates hold no queries and its Pelican plugin holds no SQL: everything a page shows
comes from here, as dicts of plain Python values. Each page *type* costs one query (or a few),
never one per page, so a build stays fast at hundreds of thousands of records.

Dates come back as timezone-aware datetimes in Asia/Shanghai, the zone the sources publish in.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from disclosures import store

Row = dict[str, Any]

DISPLAY_TIMEZONE = "Asia/Shanghai"

# Top-level folder of each kind of record page.
KIND_FOLDERS: dict[str, str] = {
    "tender": "tenders",
    "organisation": "orgs",
    "list_item": "lists",
    "approval_item": "approvals",
    "department": "departments",
    "project": "projects",
}

LIST_KIND_NAMES: dict[str, str] = {
    "power": "权力清单",
    "responsibility": "责任清单",
    "negative": "负面清单",
}

# An id made only of these characters is used as it stands, with ":" written as "~".
_READABLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?::[A-Za-z0-9._-]+)*")
_ASCII_PREFIX = re.compile(r"[A-Za-z0-9-]{1,20}")
_MAX_READABLE = 120


def path_segment(record_id: str) -> str:
    """One URL path segment, stable forever, that names `record_id` and no other id.

    Ids of plain ASCII (letters, digits, ".", "_", "-", ":" between parts) stay readable:
    `sample-epoint:JSGC-2025-0012` -> `sample-epoint~JSGC-2025-0012`. Anything else (Chinese
    names, spaces, very long ids) becomes its ASCII prefix, "~~" and 20 hex digits of the id's
    sha256: `name:宜昌某某科技有限公司` -> `name~~<hash>`. The readable form never contains "~~"
    (its parts are non-empty), so the two forms cannot meet; the segment needs no percent-encoding,
    so the file on disk and the URL are spelled alike on every static host.
    """
    if len(record_id) <= _MAX_READABLE and _READABLE_ID.fullmatch(record_id):
        return record_id.replace(":", "~")
    prefix_match = _ASCII_PREFIX.fullmatch(record_id.split(":", 1)[0])
    prefix = prefix_match.group(0) if prefix_match else "id"
    digest = hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:20]
    return f"{prefix}~~{digest}"


def url_path(kind: str, record_id: str) -> str:
    """Site-relative URL path of a record's page, ending in "/" (the file is `<path>index.html`).

    kind is one of KIND_FOLDERS. A list item's id is `<list kind>:<item code>` and its page is
    `lists/<list kind>/<code>/`; an approval item's id is its item code (事项编码).
    """
    folder = KIND_FOLDERS[kind]
    if kind == "list_item":
        list_kind, _, code = record_id.partition(":")
        return f"{folder}/{path_segment(list_kind)}/{path_segment(code or list_kind)}/"
    return f"{folder}/{path_segment(record_id)}/"


# The key, in a site build's shared context, of the reader the pages plugin holds open for the
# whole build with the red flags evaluated (`hold_flag_hits`): the feeds read through it rather
# than evaluating every flag again in a connection of their own.
BUILD_READER = "SUNLIT_READER"


@contextmanager
def open_reader(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The database, read-only, with timestamps shown in Asia/Shanghai."""
    con = store.connect(db, read_only=True)
    try:
        con.execute(f"SET TimeZone = '{DISPLAY_TIMEZONE}'")
        yield con
    finally:
        con.close()


def hold_flag_hits(con: duckdb.DuckDBPyConnection) -> None:
    """Evaluate the `flag_hits` view once for this connection's later queries.

    A temporary table of the same name shadows the view: the several queries a site build makes
    of it (figures, record pages, flag pages) read its rows instead of running every flag's SQL
    again. On a read-only connection the rows are the view's, as of now.
    """
    con.execute("CREATE TEMP TABLE flag_hits AS SELECT * FROM main.flag_hits")


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Row]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


def _group(rows: list[Row], key: str) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row[key]].append(row)
    return dict(grouped)


# Where a record's facts came from: the document row when the archive has it, else the record's
# own url. A record whose document row is missing still shows its source url.
_PROVENANCE = """
    LEFT JOIN documents {d} ON {d}.sha256 = {r}.document_sha256 AND {d}.url = {r}.url
"""


def _provenance(record: str, doc: str) -> str:
    return _PROVENANCE.format(d=doc, r=record)


@dataclass
class SiteData:
    """The rows of the site's smaller pages, read in one pass over the database.

    The tender and organisation pages, hundreds of thousands of them, are planned in the
    database instead (`hold_record_rows`): only the rows of the pages a build renders are read.
    """

    figures: Row
    latest_awards: list[Row]
    list_items: list[Row]
    approval_items: list[Row]
    cases_by_item: dict[str, list[Row]]
    list_changes: list[Row] = field(default_factory=list)  # newest first
    overdue_cases: list[Row] = field(default_factory=list)  # newest acceptance first
    departments: list[Row] = field(default_factory=list)
    projects: list[Row] = field(default_factory=list)


def read_site(con: duckdb.DuckDBPyConnection, *, latest: int = 20) -> SiteData:
    cases = read_approval_cases(con)
    return SiteData(
        figures=read_figures(con),
        latest_awards=read_latest_awards(con, latest),
        list_items=read_list_items(con),
        approval_items=read_approval_items(con),
        cases_by_item=_group(cases, "item_code"),
        list_changes=read_list_changes(con),
        overdue_cases=sorted((c for c in cases if c["overdue"]),
                             key=lambda c: (c["accepted_at"], c["case_id"]), reverse=True),
        departments=read_departments(con),
        projects=read_projects(con, cases),
    )


def read_figures(con: duckdb.DuckDBPyConnection) -> Row:
    rows = _rows(
        con,
        """
        SELECT
            (SELECT count(*) FROM current_tenders) AS tenders,
            (SELECT count(*) FROM current_awards) AS awards,
            (SELECT sum(amount) FROM current_awards WHERE currency = 'CNY' OR currency IS NULL)
                AS award_amount_cny,
            (SELECT count(*) FROM current_organisations) AS organisations,
            (SELECT count(*) FROM current_list_items) AS list_items,
            (SELECT count(*) FROM current_approval_cases) AS approval_cases,
            (SELECT max(fetched_at) FROM documents) AS last_fetched_at,
            (SELECT count(*) FROM flag_hits) AS flag_hits,
            (SELECT count(*) FROM project_timelines) AS projects
        """,
    )
    figures = rows[0]
    figures["list_items_by_kind"] = dict(
        con.execute(
            "SELECT list_kind, count(*) FROM current_list_items "
            "GROUP BY list_kind ORDER BY list_kind"
        ).fetchall()
    )
    return figures


# The fetch time of an award: its document's, else the start of the run that stored it, else the
# notice's own dates. Feeds use it as the entry's `updated`, so it must never be "now".
_AWARD_COLUMNS = """
    a.award_id, a.tender_id, a.supplier_id, a.lot, a.amount, a.currency, a.amount_text,
    a.discount_rate, a.contract_period_days, a.award_date, a.url,
    t.title AS tender_title, t.buyer_id, t.published_at,
    coalesce(s.name, a.supplier_id) AS supplier_name,
    b.name AS buyer_name,
    coalesce(d.fetched_at, r.started_at, a.award_date, t.published_at,
             TIMESTAMPTZ '1970-01-01 00:00:00+00') AS fetched_at
"""
_AWARD_JOINS = f"""
    FROM current_awards a
    LEFT JOIN current_tenders t ON t.tender_id = a.tender_id
    LEFT JOIN current_organisations s ON s.org_id = a.supplier_id
    LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
    {_provenance("a", "d")}
    LEFT JOIN runs r ON r.run_id = a.first_run AND r.source = a.source
"""


def read_latest_awards(con: duckdb.DuckDBPyConnection, limit: int) -> list[Row]:
    """The newest awards by their notice's date (award date, else publication), newest first.

    Readers ask what was awarded lately, not what Sunlit fetched lately: one collect fetches
    years of notices at once. Ties fall back to fetch time, then award id.
    """
    return _rows(
        con,
        f"SELECT {_AWARD_COLUMNS} {_AWARD_JOINS} "
        "ORDER BY coalesce(a.award_date, t.published_at) DESC NULLS LAST, fetched_at DESC, "
        "a.award_id LIMIT ?",
        [limit],
    )


# Per tender: its awards, their total and the suppliers' names.
_AWARD_TOTALS = """
    SELECT a.tender_id, count(*) AS award_count, sum(a.amount) AS award_total,
           string_agg(coalesce(o.name, a.supplier_id), '、' ORDER BY a.award_id) AS suppliers
    FROM current_awards a
    LEFT JOIN current_organisations o ON o.org_id = a.supplier_id
    GROUP BY a.tender_id
"""

_TENDERS = f"""
    SELECT t.tender_id, t.source, t.notice_no, t.title, t.buyer_id, t.agency_id,
           t.procurement_method, t.category, t.region, t.published_at, t.tender_published_at,
           t.bid_deadline_at,
           t.award_date, t.budget_amount, t.currency, t.is_correction, t.url, t.version,
           b.name AS buyer_name, g.name AS agency_name,
           d.fetched_at, d.sha256 AS document_sha256, d.http_status,
           coalesce(x.award_count, 0) AS award_count, x.award_total,
           x.suppliers
    FROM current_tenders t
    LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
    LEFT JOIN current_organisations g ON g.org_id = t.agency_id
    {_provenance("t", "d")}
    LEFT JOIN ({_AWARD_TOTALS}) x ON x.tender_id = t.tender_id
"""

_BIDS = """
    SELECT bd.bid_id, bd.tender_id, bd.bidder_id, bd.lot, bd.amount, bd.currency,
           bd.discount_rate,
           bd.amount_text, bd.rank, bd.disqualified,
           coalesce(o.name, bd.bidder_id) AS bidder_name
    FROM current_bids bd
    LEFT JOIN current_organisations o ON o.org_id = bd.bidder_id
"""

_ORGANISATIONS = f"""
    SELECT o.org_id, o.name, o.uscc, o.uscc_valid, o.aliases, o.region, o.source, o.url,
           d.fetched_at
    FROM current_organisations o
    {_provenance("o", "d")}
"""

# Every red-flag hit with its flag's titles, for the pages of the records it names.
_RECORD_FLAGS = """
    SELECT h.flag_code, d.title_zh, d.title_en, h.record_kind, h.record_id, h.tender_id,
           h.buyer_id, h.supplier_id, t.title AS tender_title
    FROM flag_hits h
    JOIN flag_definitions d ON d.code = h.flag_code
    LEFT JOIN current_tenders t ON t.tender_id = h.tender_id
"""

# Awards (CNY) by buyer, supplier and year: what an organisation's totals are made of.
_AWARD_PAIRS = """
    SELECT t.buyer_id, a.supplier_id,
           coalesce(s.name, a.supplier_id) AS supplier_name,
           coalesce(b.name, t.buyer_id) AS buyer_name,
           year(coalesce(a.award_date, t.published_at)) AS year,
           count(*) AS awards, coalesce(sum(a.amount), 0) AS amount
    FROM current_awards a
    JOIN current_tenders t ON t.tender_id = a.tender_id
    LEFT JOIN current_organisations s ON s.org_id = a.supplier_id
    LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
    WHERE a.currency = 'CNY' OR a.currency IS NULL
    GROUP BY ALL
"""

# --- the tender and organisation pages, planned in the database --------------------------------
#
# A site has a few pages per tender and organisation: hundreds of thousands of them. A build
# holds their rows in temporary tables (`hold_record_rows`), each row with its `row_hash`
# (DuckDB's 64-bit hash of all its columns: a third of the cost of an md5 of the row as JSON)
# and its `position` in the site's order. One query a page type then gives every page's key,
# made from the hashes of the rows it shows; only the rows of the pages whose key changed since
# the last build are read into Python and rendered.

RECORD_ROWS: dict[str, tuple[str, str]] = {
    "page_tenders": (_TENDERS, "published_at DESC NULLS LAST, tender_id"),
    "page_awards": (f"SELECT {_AWARD_COLUMNS} {_AWARD_JOINS}",
                    "tender_id, lot NULLS FIRST, amount DESC NULLS LAST, award_id"),
    "page_bids": (_BIDS, "tender_id, lot NULLS FIRST, rank NULLS LAST, bid_id"),
    "page_organisations": (_ORGANISATIONS, "name, org_id"),
    "page_flags": (_RECORD_FLAGS, "flag_code, record_kind, record_id"),
    "page_award_pairs": (_AWARD_PAIRS, "buyer_id, supplier_id, supplier_name, buyer_name, "
                                       "year, awards, amount"),
}

FACETS: tuple[str, ...] = ("year", "region", "category", "method")

# The tender lists: all tenders (facet ''), and the browse pages of each year, region, category
# and method; `place` is a tender's place in its list, from 1.
_TENDER_LISTS = """
CREATE TEMP TABLE page_tender_lists AS
SELECT facet, value, tender_id, row_hash,
       row_number() OVER (PARTITION BY facet, value ORDER BY position) AS place,
       count(*) OVER (PARTITION BY facet, value) AS total
FROM (
    SELECT '' AS facet, '' AS value, tender_id, row_hash, position FROM page_tenders
    UNION ALL
    SELECT 'year', CAST(year(published_at) AS VARCHAR), tender_id, row_hash, position
    FROM page_tenders WHERE published_at IS NOT NULL
    UNION ALL
    SELECT 'region', region, tender_id, row_hash, position FROM page_tenders WHERE region <> ''
    UNION ALL
    SELECT 'category', category, tender_id, row_hash, position FROM page_tenders
    WHERE category <> ''
    UNION ALL
    SELECT 'method', procurement_method, tender_id, row_hash, position FROM page_tenders
    WHERE procurement_method <> ''
)
"""

_IN = "IN (SELECT unnest(?::VARCHAR[]))"


def hold_record_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Hold the rows of the tender and organisation pages for this connection's later queries.

    Each table of RECORD_ROWS, and `page_tender_lists`, is computed once, in one vectorised pass;
    ties in the order fall back to the row's hash, so positions are the same on every build.
    Needs `hold_flag_hits` first.
    """
    for table, (sql, order) in RECORD_ROWS.items():
        con.execute(
            f"CREATE TEMP TABLE {table} AS SELECT y.*, "
            f"row_number() OVER (ORDER BY {order}, row_hash) AS position "
            f"FROM (SELECT x.*, hash(x)::VARCHAR AS row_hash FROM ({sql}) x) y")
    con.execute(_TENDER_LISTS)


def _held(con: duckdb.DuckDBPyConnection, table: str, where: str = "",
          params: list[Any] | None = None) -> list[Row]:
    """Rows of a table `hold_record_rows` made, in the site's order, with their `row_hash`."""
    return _rows(con, f"SELECT * EXCLUDE (position) FROM {table} {where} ORDER BY position",
                 params)


def _page_keys(con: duckdb.DuckDBPyConnection, table: str, column: str,
               shown: dict[str, str]) -> list[tuple[str, str]]:
    """(id, key) of the page of every row of `table` (held by `hold_record_rows`, its id in
    `column`), in the site's order: the md5 of the row's hash and of the hashes of the other rows
    the page shows. `shown` names queries giving those, as `column` and `h` (the rows' hashes,
    joined in the order the page shows them)."""
    ctes = ", ".join(f"{name} AS ({sql})" for name, sql in shown.items())
    hashes = ", ".join(f"coalesce({name}.h, '')" for name in shown)
    joins = " ".join(f"LEFT JOIN {name} USING ({column})" for name in shown)
    return con.execute(f"WITH {ctes} SELECT r.{column}, md5(concat_ws('|', r.row_hash, {hashes})) "
                       f"FROM {table} r {joins} ORDER BY r.position").fetchall()


def _hashes_by(table: str, column: str, named: str) -> str:
    """SQL: the hashes of `table`'s rows in order, joined, for each value of `column` (as
    `named`)."""
    return (f"SELECT {column} AS {named}, string_agg(row_hash, ',' ORDER BY position) AS h "
            f"FROM {table} WHERE {column} IS NOT NULL GROUP BY {column}")


def tender_page_keys(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(tender id, key) of every tender page: the md5 of the hashes of the rows it shows, the
    tender's and its awards', bids' and red flags'."""
    return _page_keys(con, "page_tenders", "tender_id", {
        "awards": _hashes_by("page_awards", "tender_id", "tender_id"),
        "bids": _hashes_by("page_bids", "tender_id", "tender_id"),
        "flags": _hashes_by("page_flags", "tender_id", "tender_id"),
    })


@dataclass
class TenderRows:
    """What the pages of some tenders show."""

    tenders: list[Row]
    awards: dict[str, list[Row]]
    bids: dict[str, list[Row]]
    flags: dict[str, list[Row]]


def read_tender_rows(con: duckdb.DuckDBPyConnection, tender_ids: list[str]) -> TenderRows:
    def of(table: str) -> list[Row]:
        return _held(con, table, f"WHERE tender_id {_IN}", [tender_ids])

    return TenderRows(tenders=of("page_tenders"), awards=_group(of("page_awards"), "tender_id"),
                      bids=_group(of("page_bids"), "tender_id"),
                      flags=_group(of("page_flags"), "tender_id"))


def tender_list_pages(con: duckdb.DuckDBPyConnection, per_page: int) -> list[Row]:
    """Every page of every tender list (`facet`, `value`, `number` from 1), with its list's
    `total` and its `key`: the md5 of its tenders' row hashes in order. Lists by facet and
    value, pages in order. The list of all tenders has a page even when it is empty."""
    pages = _rows(
        con,
        """
        SELECT facet, value, (place - 1) // $1 + 1 AS number, any_value(total) AS total,
               md5(string_agg(row_hash, ',' ORDER BY place)) AS key
        FROM page_tender_lists
        GROUP BY ALL
        ORDER BY facet, value, number
        """, [per_page])
    if not pages or pages[0]["facet"]:
        pages.insert(0, {"facet": "", "value": "", "number": 1, "total": 0, "key": ""})
    return pages


# What a tender list shows of each tender (`tender_items` in the pages plugin): its date as the
# text shown (in the reader's time zone), a timestamp made in Python costing as much as the rest.
TENDER_LIST_COLUMNS = {
    "tender_id": "tender_id", "row_hash": "row_hash", "title": "title",
    "buyer_name": "buyer_name", "published_on": "strftime(published_at, '%Y-%m-%d')",
    "award_total": "award_total", "currency": "currency", "suppliers": "suppliers",
}


def read_tender_list_rows(con: duckdb.DuckDBPyConnection, per_page: int,
                          pages: list[tuple[str, str, int]]) -> dict[tuple[str, str, int],
                                                                    list[Row]]:
    """The tenders on each of `pages` ((facet, value, number) of `tender_list_pages`), with the
    columns a list shows (TENDER_LIST_COLUMNS).

    A tender is on up to five lists (all tenders, its year's, region's, category's and
    method's): its row is read once and shown on each.
    """
    if not pages:
        return {}
    places = con.execute(
        """
        WITH wanted AS (SELECT unnest($2::VARCHAR[]) AS facet, unnest($3::VARCHAR[]) AS value,
                               unnest($4::BIGINT[]) AS number)
        SELECT l.facet, l.value, w.number, list(l.tender_id ORDER BY l.place)
        FROM page_tender_lists l
        JOIN wanted w ON w.facet = l.facet AND w.value = l.value
                     AND w.number = (l.place - 1) // $1 + 1
        GROUP BY ALL
        """, [per_page, [p[0] for p in pages], [p[1] for p in pages], [p[2] for p in pages]]
    ).fetchall()
    ids = list(dict.fromkeys(tender_id for *_, listed in places for tender_id in listed))
    columns = ", ".join(f"{sql} AS {name}" for name, sql in TENDER_LIST_COLUMNS.items())
    cursor = con.execute(f"SELECT {columns} FROM page_tenders WHERE tender_id {_IN}", [ids])
    tenders = {row[0]: dict(zip(TENDER_LIST_COLUMNS, row, strict=True))
               for row in cursor.fetchall()}
    return {(facet, value, number): [tenders[tender_id] for tender_id in listed]
            for facet, value, number, listed in places}


def organisation_list_pages(con: duckdb.DuckDBPyConnection, per_page: int) -> list[Row]:
    """Every page of the organisations' list (`number` from 1), with `total` and `key`; one
    page when there are none."""
    pages = _rows(
        con,
        """
        SELECT (position - 1) // $1 + 1 AS number,
               (SELECT count(*) FROM page_organisations) AS total,
               md5(string_agg(row_hash, ',' ORDER BY position)) AS key
        FROM page_organisations
        GROUP BY ALL
        ORDER BY number
        """, [per_page])
    return pages or [{"number": 1, "total": 0, "key": ""}]


def read_organisation_list_rows(con: duckdb.DuckDBPyConnection, per_page: int,
                                numbers: list[int]) -> dict[int, list[Row]]:
    rows = _rows(con, "SELECT (position - 1) // $1 + 1 AS list_page, * EXCLUDE (position) "
                      "FROM page_organisations "
                      "WHERE (position - 1) // $1 + 1 IN (SELECT unnest($2::BIGINT[])) "
                      "ORDER BY position", [per_page, numbers])
    grouped: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.pop("list_page")].append(row)
    return dict(grouped)


def organisation_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute("SELECT org_id FROM page_organisations").fetchall()}


def organisation_page_keys(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """(organisation id, key) of every organisation page: the md5 of the hashes of the rows it
    shows, its own, the tenders it bought, the awards it won, the award totals it takes part
    in (as buyer or as supplier), and the red flags that name it."""
    return _page_keys(con, "page_organisations", "org_id", {
        "bought": _hashes_by("page_tenders", "buyer_id", "org_id"),
        "won": _hashes_by("page_awards", "supplier_id", "org_id"),
        "totals": """
            SELECT org_id, string_agg(h, ',' ORDER BY h) AS h FROM (
                SELECT buyer_id AS org_id, 'b' || row_hash AS h FROM page_award_pairs
                WHERE buyer_id IS NOT NULL
                UNION ALL
                SELECT supplier_id, 's' || row_hash FROM page_award_pairs
                WHERE supplier_id IS NOT NULL
            ) GROUP BY org_id""",
        "flagged": """
            SELECT org_id, string_agg(row_hash, ',' ORDER BY position) AS h FROM (
                SELECT DISTINCT org_id, row_hash, position FROM (
                    SELECT unnest([buyer_id, supplier_id, CASE WHEN record_kind =
                                   'organisation' THEN record_id END]) AS org_id,
                           row_hash, position
                    FROM page_flags)
                WHERE org_id IS NOT NULL
            ) GROUP BY org_id""",
    })


@dataclass
class OrganisationRows:
    """What the pages of some organisations show."""

    organisations: list[Row]
    tenders_by_buyer: dict[str, list[Row]]
    awards_by_supplier: dict[str, list[Row]]
    stats: dict[str, Row]
    flags: dict[str, list[Row]]


def read_organisation_rows(con: duckdb.DuckDBPyConnection,
                           org_ids: list[str]) -> OrganisationRows:
    wanted = set(org_ids)
    pairs = _held(con, "page_award_pairs", f"WHERE buyer_id {_IN} OR supplier_id {_IN}",
                  [org_ids, org_ids])
    hits = _held(con, "page_flags", f"WHERE buyer_id {_IN} OR supplier_id {_IN} OR "
                                    f"(record_kind = 'organisation' AND record_id {_IN})",
                 [org_ids, org_ids, org_ids])
    return OrganisationRows(
        organisations=_held(con, "page_organisations", f"WHERE org_id {_IN}", [org_ids]),
        tenders_by_buyer=_group(_held(con, "page_tenders", f"WHERE buyer_id {_IN}", [org_ids]),
                                "buyer_id"),
        awards_by_supplier=_group(
            _held(con, "page_awards", f"WHERE supplier_id {_IN}", [org_ids]), "supplier_id"),
        # Pairs and hits name other organisations too, whose figures here would be partial.
        stats={k: v for k, v in org_stats(pairs).items() if k in wanted},
        flags={k: v for k, v in flags_by_organisation(hits).items() if k in wanted},
    )


def read_list_items(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every current list item, by kind and code, with the number of approval cases of its code."""
    return _rows(
        con,
        f"""
        SELECT li.item_id, li.list_kind, li.item_code, li.name, li.sub_item, li.power_type,
               li.department, li.department_id, li.region, li.legal_basis,
               li.statutory_limit, li.statutory_unit, li.promised_limit, li.promised_unit,
               li.fees, li.level, li.power_item_code, li.industry, li.restriction,
               li.source, li.url, li.version, d.fetched_at,
               li.duties, li.accountability, li.description,
               coalesce(li.department_id, 'name:' || li.department) AS department_key,
               coalesce(c.cases, 0) AS approval_cases
        FROM current_list_items li
        {_provenance("li", "d")}
        LEFT JOIN (
            SELECT item_code, count(*) AS cases FROM current_approval_cases GROUP BY item_code
        ) c ON c.item_code = li.item_code
        ORDER BY li.list_kind, li.item_code, li.item_id
        """,
    )


# A completed case is overdue when it overran its promised or statutory limit, counted as flags
# AP01 and AP02 count them (working days under the holiday calendar, via approval_case_timing),
# or finished after a deadline published with it. An open case is judged against the newest
# fetch, not "now", so a rebuild of the same database gives the same pages: it is overdue once
# that moment is past its published deadline or its limit in calendar days; an open case with a
# limit in working days and no published deadline is not judged.
_CASE_TIMES = """
    SELECT c.*,
           coalesce(c.deadline_at,
                    CASE WHEN c.promised_unit = 'calendar_day' AND c.promised_limit IS NOT NULL
                         THEN c.accepted_at + to_days(c.promised_limit) END) AS effective_deadline,
           round(epoch(c.completed_at - c.accepted_at) / 86400.0, 1) AS days_taken,
           coalesce(ct.promised_overdue, false) OR coalesce(ct.statutory_overdue, false)
               AS limit_overrun
    FROM current_approval_cases c
    LEFT JOIN (SELECT case_id, promised_overdue, statutory_overdue FROM approval_case_timing) ct
           USING (case_id)
"""
_OVERDUE = """
    (CASE WHEN completed_at IS NOT NULL
          THEN limit_overrun OR coalesce(completed_at > effective_deadline, false)
          ELSE coalesce((SELECT max(fetched_at) FROM documents) > effective_deadline, false)
     END)
"""


def read_approval_cases(con: duckdb.DuckDBPyConnection) -> list[Row]:
    return _rows(
        con,
        f"""
        SELECT case_id, item_code, item_name, department, project_code, applicant,
               accepted_at, completed_at, deadline_at, effective_deadline, status,
               promised_limit, promised_unit, url, days_taken,
               coalesce({_OVERDUE}, false) AS overdue,
               coalesce(department_id, 'name:' || department) AS department_key,
               CASE WHEN completed_at IS NOT NULL THEN w.elapsed_working_days END AS working_days
        FROM ({_CASE_TIMES}) x
        LEFT JOIN (SELECT case_id, elapsed_working_days FROM approval_case_timing) w
               USING (case_id)
        WHERE item_code IS NOT NULL
        ORDER BY item_code, accepted_at DESC, case_id
        """,
    )


def read_approval_items(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """One row per approval item (事项编码) with its case counts and processing times."""
    return _rows(
        con,
        f"""
        SELECT item_code,
               arg_max(item_name, accepted_at) AS item_name,
               arg_max(department, accepted_at) AS department,
               count(*) AS cases,
               count(completed_at) AS completed,
               count(*) FILTER (WHERE {_OVERDUE}) AS overdue,
               round(median(days_taken), 1) AS median_days,
               max(days_taken) AS max_days,
               min(accepted_at) AS first_accepted_at,
               max(accepted_at) AS last_accepted_at,
               any_value(l.item_id) AS list_item_id,
               any_value(k.promised_limit) AS promised_limit,
               any_value(k.promised_unit) AS promised_unit,
               any_value(k.statutory_limit) AS statutory_limit,
               any_value(k.statutory_unit) AS statutory_unit
        FROM ({_CASE_TIMES}) x
        LEFT JOIN (
            SELECT item_code AS code, min(item_id) AS item_id FROM current_list_items
            GROUP BY item_code
        ) l ON l.code = x.item_code
        LEFT JOIN (
            SELECT item_code AS limit_code, promised_limit, promised_unit, statutory_limit,
                   statutory_unit
            FROM case_list_items
        ) k ON k.limit_code = x.item_code
        WHERE item_code IS NOT NULL
        GROUP BY item_code
        ORDER BY item_code
        """,
    )


def read_list_changes(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Every change to the three lists (`list_changes`) with its run's date, newest first."""
    return _rows(
        con,
        """
        SELECT c.item_id, c.list_kind, c.item_code, c.version, c.change, c.field,
               c.old_value, c.new_value, r.started_at AS changed_at,
               coalesce(li.name, c.item_code) AS item_name
        FROM list_changes c
        LEFT JOIN (SELECT run_id, min(started_at) AS started_at FROM runs GROUP BY run_id) r
               ON r.run_id = c.run_id
        LEFT JOIN (SELECT item_id, arg_max(name, version) AS name FROM list_items
                   GROUP BY item_id) li ON li.item_id = c.item_id
        ORDER BY r.started_at DESC NULLS LAST, c.item_id, c.version DESC, c.field
        """,
    )


def flags_by_organisation(hits: list[Row]) -> dict[str, list[Row]]:
    """Hits naming an organisation as buyer, supplier or the record itself, once each."""
    grouped: dict[str, list[Row]] = defaultdict(list)
    for hit in hits:
        orgs = {hit["buyer_id"], hit["supplier_id"]}
        if hit["record_kind"] == "organisation":
            orgs.add(hit["record_id"])
        for org in sorted(o for o in orgs if o):
            grouped[org].append(hit)
    return dict(grouped)


def org_stats(pairs: list[Row], *, top: int = 10) -> dict[str, Row]:
    """Per organisation in `pairs` (rows of `_AWARD_PAIRS`): totals won and spent (CNY), both by
    year, and its top counterparts."""
    stats: dict[str, Row] = {}

    def entry(org_id: str) -> Row:
        return stats.setdefault(org_id, {
            "won": 0, "won_count": 0, "spent": 0, "spent_count": 0,
            "won_by_year": defaultdict(int), "spent_by_year": defaultdict(int),
            "suppliers": defaultdict(lambda: [0, 0]), "buyers": defaultdict(lambda: [0, 0]),
            "names": {},
        })

    # A pair counts once for its supplier (won, from its buyer) and once for its buyer (spent,
    # with its supplier).
    roles = (("supplier", "won", "buyer", "buyers"), ("buyer", "spent", "supplier", "suppliers"))
    for p in pairs:
        for side, total, other, counterparts in roles:
            if not p[f"{side}_id"]:
                continue
            org = entry(p[f"{side}_id"])
            org[total] += p["amount"]
            org[f"{total}_count"] += p["awards"]
            if p["year"] is not None:
                org[f"{total}_by_year"][p["year"]] += p["amount"]
            if p[f"{other}_id"]:
                counts = org[counterparts][p[f"{other}_id"]]
                counts[0] += p["awards"]
                counts[1] += p["amount"]
                org["names"][p[f"{other}_id"]] = p[f"{other}_name"]

    def ranked(counts: dict[str, list[Any]], names: dict[str, str]) -> list[Row]:
        order = sorted(counts.items(), key=lambda kv: (-kv[1][1], -kv[1][0], kv[0]))
        return [{"org_id": k, "name": names.get(k) or k, "awards": v[0], "amount": v[1]}
                for k, v in order[:top]]

    return {
        org_id: {
            "won": s["won"], "won_count": s["won_count"],
            "spent": s["spent"], "spent_count": s["spent_count"],
            "won_by_year": sorted(s["won_by_year"].items()),
            "spent_by_year": sorted(s["spent_by_year"].items()),
            "top_suppliers": ranked(s["suppliers"], s["names"]),
            "top_buyers": ranked(s["buyers"], s["names"]),
        }
        for org_id, s in stats.items()
    }


# A department is named by its organisation id, else by "name:" and its name as published: the
# key its feeds use too (disclosures.feeds).
def read_departments(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Departments of list items and approval cases, with how their approvals perform."""
    return _rows(
        con,
        f"""
        WITH named AS (
            SELECT coalesce(l.department_id, 'name:' || l.department) AS department_key,
                   coalesce(o.name, l.department, l.department_id) AS name
            FROM current_list_items l
            LEFT JOIN current_organisations o ON o.org_id = l.department_id
            WHERE coalesce(l.department_id, l.department) IS NOT NULL
            UNION ALL
            SELECT coalesce(c.department_id, 'name:' || c.department),
                   coalesce(o.name, c.department, c.department_id)
            FROM current_approval_cases c
            LEFT JOIN current_organisations o ON o.org_id = c.department_id
            WHERE coalesce(c.department_id, c.department) IS NOT NULL
        ), cases AS (
            SELECT coalesce(x.department_id, 'name:' || x.department) AS department_key,
                   count(*) AS cases,
                   count(x.completed_at) AS completed,
                   count(*) FILTER (WHERE {_OVERDUE}) AS overdue,
                   median(w.elapsed_working_days) FILTER (WHERE x.completed_at IS NOT NULL)
                       AS median_workdays
            FROM ({_CASE_TIMES}) x
            LEFT JOIN (SELECT case_id, elapsed_working_days FROM approval_case_timing) w
                   USING (case_id)
            WHERE coalesce(x.department_id, x.department) IS NOT NULL
            GROUP BY 1
        ), items AS (
            SELECT coalesce(department_id, 'name:' || department) AS department_key,
                   count(*) AS list_items
            FROM current_list_items GROUP BY 1
        )
        SELECT n.department_key, min(n.name) AS name,
               coalesce(any_value(i.list_items), 0) AS list_items,
               coalesce(any_value(c.cases), 0) AS cases,
               coalesce(any_value(c.completed), 0) AS completed,
               coalesce(any_value(c.overdue), 0) AS overdue,
               any_value(c.median_workdays) AS median_workdays
        FROM named n
        LEFT JOIN cases c USING (department_key)
        LEFT JOIN items i USING (department_key)
        GROUP BY n.department_key
        ORDER BY name, n.department_key
        """,
    )


def read_projects(con: duckdb.DuckDBPyConnection, cases: list[Row]) -> list[Row]:
    """Investment projects (`project_timelines`) with their cases, first acceptance first.

    The elapsed days are given for finished projects only: an open one's would change with the
    day of the build.
    """
    projects = _rows(
        con,
        """
        SELECT project_code, cases, departments, first_accepted_at, last_completed_at,
               open_cases,
               CASE WHEN open_cases = 0 THEN elapsed_calendar_days END AS elapsed_calendar_days,
               CASE WHEN open_cases = 0 THEN elapsed_working_days END AS elapsed_working_days
        FROM project_timelines
        ORDER BY first_accepted_at DESC, project_code
        """,
    )
    by_project = _group([c for c in cases if c["project_code"]], "project_code")
    for project in projects:
        project["case_rows"] = sorted(by_project.get(project["project_code"], []),
                                      key=lambda c: (c["accepted_at"], c["case_id"]))
    return projects


@dataclass
class SearchRows:
    """The rows search indexes are built from: compact, one list per kind of result."""

    tenders: list[Row]
    organisations: list[Row]
    list_items: list[Row]
    approval_items: list[Row]
    awards: list[Row] = field(default_factory=list)  # one per award, found by supplier
    flags: list[Row] = field(default_factory=list)  # one per red-flag hit


def read_search_rows(con: duckdb.DuckDBPyConnection) -> SearchRows:
    return SearchRows(
        tenders=_rows(
            con,
            f"""
            SELECT t.tender_id, t.title, t.notice_no, t.region, t.published_at,
                   b.name AS buyer_name, g.name AS agency_name,
                   x.suppliers, x.award_total
            FROM current_tenders t
            LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
            LEFT JOIN current_organisations g ON g.org_id = t.agency_id
            LEFT JOIN ({_AWARD_TOTALS}) x ON x.tender_id = t.tender_id
            ORDER BY t.tender_id
            """,
        ),
        organisations=_rows(
            con,
            """
            SELECT o.org_id, o.name, o.uscc, o.aliases, o.region,
                   (SELECT count(*) FROM current_awards a WHERE a.supplier_id = o.org_id)
                       AS awards_won,
                   (SELECT count(*) FROM current_tenders t WHERE t.buyer_id = o.org_id)
                       AS tenders_bought
            FROM current_organisations o
            ORDER BY o.org_id
            """,
        ),
        list_items=_rows(
            con,
            """
            SELECT item_id, list_kind, item_code, name, sub_item, power_type, department,
                   region, industry
            FROM current_list_items ORDER BY item_id
            """,
        ),
        approval_items=_rows(
            con,
            """
            SELECT item_code, arg_max(item_name, accepted_at) AS item_name,
                   arg_max(department, accepted_at) AS department, count(*) AS cases,
                   max(accepted_at) AS last_accepted_at
            FROM current_approval_cases WHERE item_code IS NOT NULL
            GROUP BY item_code ORDER BY item_code
            """,
        ),
        awards=_rows(
            con,
            """
            SELECT a.award_id, a.tender_id, a.lot, a.amount, a.award_date,
                   coalesce(o.name, a.supplier_id) AS supplier_name, o.uscc AS supplier_uscc,
                   t.title, t.notice_no, t.region, t.published_at, b.name AS buyer_name
            FROM current_awards a
            JOIN current_tenders t ON t.tender_id = a.tender_id
            LEFT JOIN current_organisations o ON o.org_id = a.supplier_id
            LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
            ORDER BY a.award_id
            """,
        ),
        flags=_rows(
            con,
            """
            SELECT h.flag_code, d.title_zh, d.title_en, h.record_kind, h.record_id,
                   h.tender_id, t.title AS tender_title, t.region, t.published_at,
                   coalesce(b.name, bo.name) AS buyer_name, s.name AS supplier_name,
                   json_extract_string(h.evidence, '$.item_code') AS item_code,
                   row_number() OVER (ORDER BY h.flag_code, h.record_kind, h.record_id)
                       AS hit_no
            FROM flag_hits h
            JOIN flag_definitions d ON d.code = h.flag_code
            LEFT JOIN current_tenders t ON t.tender_id = h.tender_id
            LEFT JOIN current_organisations b ON b.org_id = h.buyer_id
            LEFT JOIN current_organisations bo ON bo.org_id = t.buyer_id
            LEFT JOIN current_organisations s ON s.org_id = h.supplier_id
            ORDER BY hit_no
            """,
        ),
    )


# --- red flags, sources and data: the /flags/, /sources/ and /data/ pages ------------------


def read_flag_pages(con: duckdb.DuckDBPyConnection) -> list[Row]:
    """Each flag's definition (from `disclosures.flags.pages()`) with every hit it raises."""
    from disclosures import flags

    hits = _rows(
        con,
        """
        SELECT h.flag_code, h.record_kind, h.record_id, h.tender_id, h.buyer_id, h.supplier_id,
               h.evidence, t.title AS tender_title, t.published_at,
               coalesce(b.name, bo.name) AS buyer_name, s.name AS supplier_name
        FROM flag_hits h
        LEFT JOIN current_tenders t ON t.tender_id = h.tender_id
        LEFT JOIN current_organisations b ON b.org_id = h.buyer_id
        LEFT JOIN current_organisations bo ON bo.org_id = t.buyer_id
        LEFT JOIN current_organisations s ON s.org_id = h.supplier_id
        ORDER BY h.flag_code, t.published_at DESC NULLS LAST, h.record_id
        """,
    )
    by_code = _group(hits, "flag_code")
    return [
        {**flag, "hits": by_code.get(str(flag["code"]), [])} for flag in flags.pages()
    ]


def read_sources(con: duckdb.DuckDBPyConnection, *, runs_per_source: int = 10) -> list[Row]:
    """Each source's recent runs and its rejects counted by reason (never the raw payload)."""
    from disclosures.privacy import mask_personal

    runs = _rows(
        con,
        """
        SELECT * FROM (
            SELECT run_id, source, started_at, finished_at, status, pages, items, new, changed,
                   unchanged, rejected, message,
                   row_number() OVER (PARTITION BY source ORDER BY started_at DESC) AS recent
            FROM runs
        ) WHERE recent <= ? ORDER BY source, started_at DESC
        """,
        [runs_per_source],
    )
    rejects = _rows(
        con,
        """
        SELECT source, reason_code, count(*) AS count, min(reason) AS example,
               max(rejected_at) AS last_at
        FROM rejects GROUP BY source, reason_code ORDER BY source, count DESC, reason_code
        """,
    )
    for reject in rejects:  # a reason may quote the rejected text
        reject["example"] = mask_personal(reject["example"] or "")
    for run in runs:
        run["message"] = mask_personal(run["message"] or "")
    runs_by_source, rejects_by_source = _group(runs, "source"), _group(rejects, "source")
    return [
        {
            "source": source,
            "runs": runs_by_source.get(source, []),
            "rejects": rejects_by_source.get(source, []),
            "rejected": sum(r["count"] for r in rejects_by_source.get(source, [])),
        }
        for source in sorted(set(runs_by_source) | set(rejects_by_source))
    ]
