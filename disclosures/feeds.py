"""Atom and RSS 2.0 feeds a journalist can follow, with feedgen.

One feed of all new awards, and one per buyer, supplier, agency, department, region, category,
red flag, list (its changes), department's list items (their changes), and of overdue approval
cases (all, and per approval item). Each is written as `feeds/<kind>/<id segment>.atom` and
`.rss`; the all-records feeds are `feeds/awards.*` and `feeds/overdue.*`.

Feeds are reproducible: every date in them comes from the database (an entry's `updated` is the
time the current version of its record was fetched, the feed's is its newest entry's), entries
are ordered newest first with ties broken by id, and entry ids are `tag:` URIs built from record
ids, so rebuilding an unchanged database gives byte-identical files and a feed reader never sees
an entry twice. Scraped text is hostile: characters XML does not allow are removed, personal
identifiers are masked as on the site, and the little HTML in an entry is sanitised with nh3.

Rows are read with one query per family of feeds (awards serve six kinds) and grouped in Python.
Each feed's content hash is computed from its entries before rendering; a feed whose hash equals
the one recorded in the previous build is hard-linked from it instead of being rendered again.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import pickle
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

import duckdb
import nh3
from feedgen.feed import FeedGenerator

from disclosures import incremental
from disclosures.privacy import mask_personal
from disclosures.publish import LIST_KIND_NAMES, path_segment, url_path

ATOM_PATH = "feeds/awards.atom"
RSS_PATH = "feeds/awards.rss"
FEED_SIZE = 100
# Records the hashes of the feeds a build wrote, for the next build to compare with.
MANIFEST_PATH = "feeds/manifest.json"
# Bump when the rendering changes, so an incremental build rewrites every feed.
FORMAT_VERSION = 1
# The tag: authority is fixed, not taken from the site URL: moving the site must not give every
# entry a new id. The date is when Sunlit took the name.
TAG_AUTHORITY = "sunlit-disclosures.github.io,2025"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Feed kinds, in the order the feeds directory lists them, with their headings.
KIND_TITLES: dict[str, str] = {
    "awards": "全部中标结果 All awards",
    "buyer": "采购人 Buyers",
    "supplier": "中标人 Suppliers",
    "agency": "代理机构 Agencies",
    "department": "部门办件 Departments",
    "region": "地区 Regions",
    "category": "品目 Categories",
    "flag": "风险提示 Red flags",
    "list": "清单变更 List changes",
    "department-list": "部门清单变更 Department list changes",
    "overdue": "超期办件 Overdue approvals",
}
# The feeds a page of each kind links, and the id they take: a page's own record id, except
# the pages of everything (home, approvals) whose feeds have no id.
PAGE_FEEDS: dict[str, tuple[str, ...]] = {
    "home": ("awards",),
    "organisation": ("buyer", "supplier", "agency", "department", "department-list"),
    "department": ("department", "department-list"),
    "region": ("region",),
    "category": ("category",),
    "flag": ("flag",),
    "list_kind": ("list",),
    "approvals": ("overdue",),
    "approval_item": ("overdue",),
}
# Key of the Pelican context entry holding the FeedIndex of the build.
CONTEXT_KEY = "SUNLIT_FEED_INDEX"
CATEGORY_NAMES = {"goods": "货物", "works": "工程", "services": "服务"}

# XML 1.0 allows tab, LF, CR and most of the rest; C0 controls, surrogates and U+FFFE/U+FFFF are
# illegal. C1 controls are legal but "discouraged" and never meant as text in a notice.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """`value` as text holding only characters XML allows (None becomes "")."""
    if value is None:
        return ""
    return _NOT_XML.sub("", str(value))


def safe_text(value: object) -> str:
    """Text fit for a feed: XML-legal, with personal identifiers masked as on the site."""
    return mask_personal(xml_text(value))


def tag_uri(kind: str, record_id: str) -> str:
    """A permanent `tag:` URI (RFC 4151) for a record; non-ASCII parts are percent-encoded."""
    return f"tag:{TAG_AUTHORITY}:{kind}:{quote(record_id, safe=':@!$&()*+,;=-._~')}"


def feed_path(kind: str, key: str) -> str:
    """Site-relative path of a feed without its extension: `feeds/<kind>/<segment>`.

    A feed of every record of its kind (key "") is `feeds/<kind>`.
    """
    if not key:
        return f"feeds/{kind}"
    return f"feeds/{kind}/{path_segment(key)}"


@dataclass(frozen=True)
class FeedInfo:
    title: str = "阳光公示 · 最新中标结果"
    subtitle: str = "Sunlit: public-tender results, the three lists and approvals, as collected."
    site_url: str = ""  # absolute URL the site is served from; "" for a local preview


@dataclass(frozen=True)
class FeedLink:
    """What a page needs to link a feed: its title and both files' site-relative paths."""

    kind: str
    key: str
    title: str

    @property
    def atom(self) -> str:
        return f"{feed_path(self.kind, self.key)}.atom"

    @property
    def rss(self) -> str:
        return f"{feed_path(self.kind, self.key)}.rss"


@dataclass(frozen=True)
class Entry:
    id: str  # tag: URI
    title: str
    path: str  # site-relative path of the page the entry links to
    updated: datetime
    fields: tuple[tuple[str, str], ...]  # (label, text) shown as a list in the entry's content


@dataclass
class Feed:
    kind: str
    key: str  # record id the feed follows ("" for the all-records feeds)
    title: str
    page: str  # site-relative path of the page the feed follows
    entries: list[Entry] = field(default_factory=list)

    @property
    def link(self) -> FeedLink:
        return FeedLink(self.kind, self.key, self.title)

    def content_hash(self, info: FeedInfo) -> str:
        """sha256 of everything the rendered files are made from (not of the files), pickled.

        Equal pickles unpickle to equal values, so an equal hash means equal inputs; pickling
        costs a fraction of a JSON spelling of every entry.
        """
        data = pickle.dumps((
            FORMAT_VERSION, info.site_url, info.subtitle, self.kind, self.key, self.title,
            self.page,
            [(e.id, e.title, e.path, e.updated.isoformat(), e.fields) for e in self.entries],
        ), protocol=5)
        return hashlib.sha256(data).hexdigest()


def order_entries(entries: Iterable[Entry], limit: int = FEED_SIZE) -> list[Entry]:
    """Newest first, ties broken by id; at most `limit`."""
    return sorted(entries, key=lambda e: (-e.updated.timestamp(), e.id))[:limit]


def _absolute(site_url: str, path: str) -> str:
    return f"{site_url.rstrip('/')}/{path}"


def _money(amount: Decimal | None, currency: str | None, text: str | None) -> str:
    if amount is None:
        return safe_text(text) or "未公布"
    unit = "元" if currency in (None, "CNY") else f" {currency}"
    return f"{amount:,.2f}{unit}"


def _entry_html(entry: Entry, link: str) -> str:
    items = [f'<li><a href="{html.escape(link)}">{html.escape(entry.title)}</a></li>']
    items += [f"<li>{html.escape(label)}：{html.escape(value)}</li>"
              for label, value in entry.fields]
    # Built from escaped parts already; nh3 is the last word on what markup a feed may carry.
    return nh3.clean(f"<ul>{''.join(items)}</ul>", tags={"ul", "li", "a"},
                     attributes={"a": {"href"}})


def render(feed: Feed, info: FeedInfo) -> tuple[bytes, bytes]:
    """The feed as Atom and as RSS 2.0."""
    generator = FeedGenerator()
    generator.id(tag_uri("feed", f"{feed.kind}:{feed.key}" if feed.key else feed.kind))
    generator.title(feed.title)
    generator.subtitle(info.subtitle)
    generator.description(info.subtitle)
    generator.language("zh-CN")
    generator.generator("Sunlit")
    path = feed_path(feed.kind, feed.key)
    generator.link(href=_absolute(info.site_url, feed.page), rel="alternate")
    generator.link(href=_absolute(info.site_url, f"{path}.atom"), rel="self")
    newest = EPOCH
    for entry in feed.entries:
        newest = max(newest, entry.updated)
        link = _absolute(info.site_url, entry.path)
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.guid(entry.id, permalink=False)
        item.title(entry.title)
        item.link(href=link)
        item.updated(entry.updated)
        item.published(entry.updated)
        item.pubDate(entry.updated)
        item.content(_entry_html(entry, link), type="html")
    generator.updated(newest)
    generator.lastBuildDate(newest)
    atom = generator.atom_str(pretty=True)
    # The RSS channel's self link is its own file.
    generator.link(href=_absolute(info.site_url, f"{path}.rss"), rel="self", replace=True)
    generator.link(href=_absolute(info.site_url, feed.page), rel="alternate")
    return atom, generator.rss_str(pretty=True)


# --- entries from rows ------------------------------------------------------------------------


def award_entry(award: dict[str, Any]) -> Entry:
    supplier, tender = safe_text(award.get("supplier_name")), safe_text(award.get("tender_title"))
    return Entry(
        id=tag_uri("award", award["award_id"]),
        title=f"{supplier} 中标：{tender}",
        path=url_path("tender", award["tender_id"]),
        updated=award["fetched_at"],
        fields=(
            ("中标人", supplier),
            ("中标金额", _money(award.get("amount"), award.get("currency"),
                            award.get("amount_text"))),
            ("采购人", safe_text(award.get("buyer_name")) or "未公布"),
        ),
    )


@dataclass(frozen=True)
class RenderedFeed:
    """A feed rendered both ways (feedgen's `atom_str`/`rss_str` names)."""

    atom: bytes
    rss: bytes

    def atom_str(self) -> bytes:
        return self.atom

    def rss_str(self) -> bytes:
        return self.rss


def award_feed(awards: Sequence[dict[str, Any]], info: FeedInfo) -> RenderedFeed:
    """The feed of all awards from `awards` (rows of `publish.read_latest_awards`)."""
    feed = Feed("awards", "", info.title, "", order_entries(award_entry(a) for a in awards))
    return RenderedFeed(*render(feed, info))


def write_award_feeds(awards: Sequence[dict[str, Any]], output: Path, info: FeedInfo) -> list[Path]:
    """Write the Atom and RSS feeds of `awards` under `output`; return their paths."""
    feed = Feed("awards", "", info.title, "", [award_entry(a) for a in awards[:FEED_SIZE]])
    atom, rss = render(feed, info)
    paths = [output / ATOM_PATH, output / RSS_PATH]
    paths[0].parent.mkdir(parents=True, exist_ok=True)
    paths[0].write_bytes(atom)
    paths[1].write_bytes(rss)
    return paths


# --- reading: one query per family of feeds, grouped in Python ---------------------------------

# When the current version of a record was fetched: its document's fetch time, else the start
# of the run that stored it. Never "now": a rebuild must give the same dates.
_EPOCH_SQL = "TIMESTAMPTZ '1970-01-01 00:00:00+00'"


def _fetched(record: str, doc: str, run: str) -> str:
    return (
        f"LEFT JOIN documents {doc} ON {doc}.sha256 = {record}.document_sha256 "
        f"AND {doc}.url = {record}.url "
        f"LEFT JOIN runs {run} ON {run}.run_id = {record}.first_run "
        f"AND {run}.source = {record}.source"
    )


AWARDS_SQL = f"""
SELECT a.award_id, a.tender_id, a.supplier_id, a.amount, a.currency, a.amount_text,
       t.title AS tender_title, t.buyer_id, t.agency_id, t.region, t.category,
       coalesce(s.name, a.supplier_id) AS supplier_name, b.name AS buyer_name,
       g.name AS agency_name,
       coalesce(d.fetched_at, r.started_at, a.award_date, t.published_at, {_EPOCH_SQL})
           AS fetched_at
FROM current_awards a
LEFT JOIN current_tenders t ON t.tender_id = a.tender_id
LEFT JOIN current_organisations s ON s.org_id = a.supplier_id
LEFT JOIN current_organisations b ON b.org_id = t.buyer_id
LEFT JOIN current_organisations g ON g.org_id = t.agency_id
{_fetched("a", "d", "r")}
ORDER BY a.award_id
"""

# Every record a red flag can point at, with a label and the page it is shown on.
FLAGS_SQL = f"""
WITH records AS (
    SELECT 'tender' AS kind, tender_id AS id, title AS label, NULL AS item_code,
           document_sha256, url, first_run, source FROM current_tenders
    UNION ALL
    SELECT 'award', award_id, NULL, NULL, document_sha256, url, first_run, source
    FROM current_awards
    UNION ALL
    SELECT 'bid', bid_id, NULL, NULL, document_sha256, url, first_run, source FROM current_bids
    UNION ALL
    SELECT 'organisation', org_id, name, NULL, document_sha256, url, first_run, source
    FROM current_organisations
    UNION ALL
    SELECT 'list_item', item_id, name, item_code, document_sha256, url, first_run, source
    FROM current_list_items
    UNION ALL
    SELECT 'approval_case', case_id, item_name, item_code, document_sha256, url, first_run, source
    FROM current_approval_cases
)
SELECT h.flag_code, h.record_kind, h.record_id, h.tender_id,
       CAST(h.evidence AS VARCHAR) AS evidence,
       fd.title_zh, fd.title_en, x.label, x.item_code, t.title AS tender_title,
       coalesce(d.fetched_at, r.started_at, {_EPOCH_SQL}) AS fetched_at
FROM flag_hits h
JOIN flag_definitions fd ON fd.code = h.flag_code
LEFT JOIN records x ON x.kind = h.record_kind AND x.id = h.record_id
LEFT JOIN current_tenders t ON t.tender_id = h.tender_id
{_fetched("x", "d", "r")}
ORDER BY h.flag_code, h.record_kind, h.record_id
"""

CASES_SQL = f"""
SELECT c.case_id, c.item_code, c.item_name, c.status, c.accepted_at, c.completed_at,
       coalesce(c.department_id, 'name:' || c.department) AS department_key,
       coalesce(o.name, c.department, c.department_id) AS department_name,
       x.overdue_flags, x.deadline, x.days_used, x.unit,
       coalesce(d.fetched_at, r.started_at, {_EPOCH_SQL}) AS fetched_at
FROM current_approval_cases c
LEFT JOIN current_organisations o ON o.org_id = c.department_id
LEFT JOIN (
    SELECT record_id, string_agg(flag_code, ',' ORDER BY flag_code) AS overdue_flags,
           max(evidence ->> 'deadline') AS deadline, max(evidence ->> 'days_used') AS days_used,
           max(evidence ->> 'unit') AS unit
    FROM flag_hits WHERE flag_code IN ('AP01', 'AP02') GROUP BY record_id
) x ON x.record_id = c.case_id
{_fetched("c", "d", "r")}
ORDER BY c.case_id
"""

LIST_CHANGES_SQL = f"""
WITH grouped AS (
    SELECT item_id, change, version, run_id,
           list(field ORDER BY field) FILTER (WHERE field IS NOT NULL) AS changed_fields
    FROM list_changes
    GROUP BY ALL
)
SELECT g.item_id, g.change, g.version, coalesce(g.changed_fields, []) AS changed_fields,
       l.list_kind, l.item_code, l.name,
       coalesce(l.department_id, 'name:' || l.department) AS department_key,
       coalesce(o.name, l.department, l.department_id) AS department_name,
       coalesce(r.started_at, d.fetched_at, {_EPOCH_SQL}) AS fetched_at
FROM grouped g
JOIN list_items l ON l.item_id = g.item_id AND l.version = g.version
LEFT JOIN current_organisations o ON o.org_id = l.department_id
LEFT JOIN (SELECT run_id, min(started_at) AS started_at FROM runs GROUP BY run_id) r
       ON r.run_id = g.run_id
LEFT JOIN documents d ON d.sha256 = l.document_sha256 AND d.url = l.url
ORDER BY g.item_id, g.version, g.change
"""

CHANGE_NAMES = {"added": "新增", "changed": "变更", "removed": "取消"}
STATUS_NAMES = {"accepted": "已受理", "in_progress": "办理中", "completed": "已办结",
                "rejected": "不予受理"}


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]


class _Feeds:
    """Feeds being filled, keyed by (kind, key); the first row of a feed names it."""

    def __init__(self) -> None:
        self.feeds: dict[tuple[str, str], Feed] = {}

    def add(self, kind: str, key: str | None, title: str, page: str, entry: Entry) -> None:
        if key is None:
            return
        feed = self.feeds.get((kind, key))
        if feed is None:
            feed = self.feeds[(kind, key)] = Feed(kind, key, title, page)
        feed.entries.append(entry)

    def result(self) -> list[Feed]:
        order = {kind: n for n, kind in enumerate(KIND_TITLES)}
        feeds = sorted(self.feeds.values(), key=lambda f: (order[f.kind], f.key))
        for feed in feeds:
            feed.entries = order_entries(feed.entries)
        return feeds


def _add_awards(out: _Feeds, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        entry = award_entry(row)
        out.add("awards", "", "阳光公示 · 最新中标结果", "", entry)
        for role, label in (("buyer", "采购人"), ("supplier", "中标人"), ("agency", "代理机构")):
            key = row["supplier_id"] if role == "supplier" else row[f"{role}_id"]
            if key:
                name = safe_text(row[f"{role}_name"]) or key
                out.add(role, key, f"阳光公示 · {label}：{name}",
                        url_path("organisation", key), entry)
        if row["region"]:
            out.add("region", row["region"], f"阳光公示 · 地区：{safe_text(row['region'])}", "",
                    entry)
        if row["category"]:
            name = CATEGORY_NAMES.get(row["category"], safe_text(row["category"]))
            out.add("category", row["category"], f"阳光公示 · 品目：{name}", "", entry)


def _flag_entry(row: dict[str, Any]) -> Entry:
    kind, record_id = row["record_kind"], row["record_id"]
    if row["tender_id"]:
        page = url_path("tender", row["tender_id"])
    elif kind == "organisation":
        page = url_path("organisation", record_id)
    elif kind == "list_item":
        page = url_path("list_item", record_id)
    elif kind == "approval_case" and row["item_code"]:
        page = url_path("approval_item", row["item_code"])
    else:
        page = ""
    label = safe_text(row["label"] or row["tender_title"] or record_id)
    return Entry(
        id=tag_uri("flag-hit", f"{row['flag_code']}:{record_id}"),
        title=f"{row['flag_code']} {safe_text(row['title_zh'])}：{label}",
        path=page,
        updated=row["fetched_at"],
        fields=(
            ("风险提示", f"{row['flag_code']} {safe_text(row['title_en'])}"),
            ("记录", f"{kind} {safe_text(record_id)}"),
            ("依据", safe_text(row["evidence"])),
        ),
    )


def _add_flags(out: _Feeds, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        out.add("flag", row["flag_code"],
                f"阳光公示 · 风险提示 {row['flag_code']}：{safe_text(row['title_zh'])}", "",
                _flag_entry(row))


def _add_cases(out: _Feeds, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        code = row["item_code"]
        page = url_path("approval_item", code) if code else "approvals/"
        item = safe_text(row["item_name"] or code or row["case_id"])
        status = STATUS_NAMES.get(row["status"] or "", safe_text(row["status"]) or "—")
        department = safe_text(row["department_name"])
        fields = (
            ("办件编号", safe_text(row["case_id"])),
            ("部门", department or "未公布"),
            ("受理时间", row["accepted_at"].strftime("%Y-%m-%d") if row["accepted_at"] else "—"),
            ("办结时间", row["completed_at"].strftime("%Y-%m-%d") if row["completed_at"] else "—"),
        )
        entry = Entry(tag_uri("approval-case", row["case_id"]), f"{item}（{status}）", page,
                      row["fetched_at"], fields)
        if row["department_key"]:
            out.add("department", row["department_key"], f"阳光公示 · 部门办件：{department}", "",
                    entry)
        if row["overdue_flags"]:
            overdue = Entry(
                tag_uri("overdue", row["case_id"]), f"超期：{item}（{status}）", page,
                row["fetched_at"],
                (*fields,
                 ("期限", f"{safe_text(row['deadline']) or '—'}"),
                 ("已用时间", f"{safe_text(row['days_used'])} {safe_text(row['unit'])}"),
                 ("风险提示", safe_text(row["overdue_flags"]))),
            )
            out.add("overdue", "", "阳光公示 · 超期办件", "approvals/", overdue)
            if code:
                out.add("overdue", code, f"阳光公示 · 超期办件：{item}", page, overdue)


def _add_list_changes(out: _Feeds, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        kind = row["list_kind"]
        kind_name = LIST_KIND_NAMES.get(kind, safe_text(kind))
        change = CHANGE_NAMES.get(row["change"], safe_text(row["change"]))
        fields: tuple[tuple[str, str], ...] = (
            ("事项编码", safe_text(row["item_code"])),
            ("部门", safe_text(row["department_name"]) or "未公布"),
            ("版本", str(row["version"])),
        )
        if row["changed_fields"]:
            fields += (("变更字段", "、".join(safe_text(f) for f in row["changed_fields"])),)
        entry = Entry(
            tag_uri("list-change", f"{row['item_id']}:{row['version']}:{row['change']}"),
            f"{kind_name}{change}：{safe_text(row['name'])}",
            url_path("list_item", row["item_id"]),
            row["fetched_at"],
            fields,
        )
        out.add("list", kind, f"阳光公示 · {kind_name}变更", f"lists/{path_segment(kind)}/",
                entry)
        if row["department_key"]:
            out.add("department-list", row["department_key"],
                    f"阳光公示 · 清单变更：{safe_text(row['department_name'])}", "", entry)


def read_feeds(con: duckdb.DuckDBPyConnection) -> list[Feed]:
    """Every feed of the site, each with its newest FEED_SIZE entries (four queries in all).

    `con` is a `publish.open_reader` connection (dates in Asia/Shanghai).
    """
    out = _Feeds()
    _add_awards(out, _rows(con, AWARDS_SQL))
    _add_flags(out, _rows(con, FLAGS_SQL))
    _add_cases(out, _rows(con, CASES_SQL))
    _add_list_changes(out, _rows(con, LIST_CHANGES_SQL))
    return out.result()


# --- which feeds a page links -------------------------------------------------------------------


@dataclass
class FeedIndex:
    """The feeds a build writes, to answer which of them a page links."""

    links: dict[tuple[str, str], FeedLink]

    @classmethod
    def of(cls, feeds: Iterable[Feed]) -> FeedIndex:
        return cls({(feed.kind, feed.key): feed.link for feed in feeds})

    def feeds_for(self, page_kind: str, record_id: str = "") -> list[FeedLink]:
        return [link for link in feeds_for(page_kind, record_id)
                if (link.kind, link.key) in self.links]


def feeds_for(
    page_kind: str, record_id: str = "", index: FeedIndex | None = None
) -> list[FeedLink]:
    """The feeds a page of `page_kind` (a key of PAGE_FEEDS) about `record_id` links.

    With the build's `index` (the Pelican context's CONTEXT_KEY), only feeds that exist; without
    it, every feed such a page could have. Titles come from the index when it has them.
    """
    if index is not None:
        return [index.links[(link.kind, link.key)] for link in index.feeds_for(page_kind,
                                                                               record_id)]
    key = "" if page_kind in ("home", "approvals") else record_id
    return [FeedLink(kind, key, KIND_TITLES[kind]) for kind in PAGE_FEEDS.get(page_kind, ())]


# --- writing, incrementally -------------------------------------------------------------------


@dataclass(frozen=True)
class WriteStats:
    feeds: int
    rendered: int  # feeds rendered with feedgen and written
    reused: int  # feeds unchanged since the previous build, linked from it


def previous_build(output_path: Path) -> Path | None:
    """The published build a new build in `output_path` (`<site>.builds/<stamp>/`) follows.

    `disclosures.build.build_site` writes each build beside the published one and moves the
    `<site>` symlink only after it; until then the symlink names the previous build.
    """
    builds = output_path.parent
    if not builds.name.endswith(".builds"):
        return None
    published = builds.parent / builds.name.removesuffix(".builds")
    if not published.is_symlink():
        return None
    previous = Path(os.path.realpath(published))
    return previous if previous.is_dir() and previous != output_path.resolve() else None


def _reuse(previous: Path, output: Path, name: str) -> bool:
    """Link (or copy) `name` from the previous build; False when it is not there."""
    source, target = previous / name, output / name
    try:
        os.link(source, target)
    except FileExistsError:
        target.unlink()
        return _reuse(previous, output, name)
    except OSError:
        try:
            shutil.copyfile(source, target)
        except OSError:
            return False
    return True


def _replace_bytes(target: Path, data: bytes) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


def write_feeds(
    feeds: Sequence[Feed], output: Path, info: FeedInfo, previous: Path | None = None
) -> WriteStats:
    """Write every feed's Atom and RSS file under `output`, and the manifest of their hashes.

    A feed whose content hash equals the one `previous` (an earlier build's output) recorded is
    hard-linked from it (copied across file systems) instead of rendered.
    """
    old = incremental.read_manifest(previous, MANIFEST_PATH, version=None)
    manifest: dict[str, str] = {}
    made: set[Path] = set()
    rendered = reused = 0
    for feed in feeds:
        base = feed_path(feed.kind, feed.key)
        digest = feed.content_hash(info)
        manifest[base] = digest
        folder = (output / base).parent
        if folder not in made:
            folder.mkdir(parents=True, exist_ok=True)
            made.add(folder)
        if (previous is not None and old.get(base) == digest
                and _reuse(previous, output, f"{base}.atom")
                and _reuse(previous, output, f"{base}.rss")):
            reused += 1
            continue
        atom, rss = render(feed, info)
        # Never in place: the tree may be a recycled build sharing files with the published one.
        _replace_bytes(output / f"{base}.atom", atom)
        _replace_bytes(output / f"{base}.rss", rss)
        rendered += 1
    (output / MANIFEST_PATH).parent.mkdir(parents=True, exist_ok=True)
    (output / MANIFEST_PATH).write_text(
        # No indent: json's C encoder, for tens of thousands of feeds.
        json.dumps(manifest, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return WriteStats(feeds=len(feeds), rendered=rendered, reused=reused)


# --- finding feeds: OPML per kind and of all ---------------------------------------------------


def opml(title: str, groups: dict[str, list[FeedLink]], site_url: str) -> bytes:
    """An OPML 2.0 subscription list: one outline per kind holding its feeds (RSS files)."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = title
    body = ElementTree.SubElement(root, "body")
    for kind, links in groups.items():
        outline = ElementTree.SubElement(body, "outline", text=KIND_TITLES[kind])
        for link in links:
            ElementTree.SubElement(
                outline, "outline", type="rss", text=link.title, title=link.title,
                xmlUrl=_absolute(site_url, link.rss),
            )
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def group_links(feeds: Iterable[Feed]) -> dict[str, list[FeedLink]]:
    """Feed links by kind, in KIND_TITLES order."""
    groups: dict[str, list[FeedLink]] = {kind: [] for kind in KIND_TITLES}
    for feed in feeds:
        groups[feed.kind].append(feed.link)
    return {kind: links for kind, links in groups.items() if links}


def write_opml(feeds: Iterable[Feed], output: Path, info: FeedInfo) -> list[Path]:
    """`feeds/<kind>.opml` for every kind and `feeds/all.opml`; return their paths."""
    groups = group_links(feeds)
    paths = []
    for kind, links in groups.items():
        path = output / f"feeds/{kind}.opml"
        path.write_bytes(opml(f"阳光公示 · {KIND_TITLES[kind]}", {kind: links}, info.site_url))
        paths.append(path)
    path = output / "feeds/all.opml"
    path.write_bytes(opml("阳光公示 · 全部订阅 All feeds", groups, info.site_url))
    return [*paths, path]
