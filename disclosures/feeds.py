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

Which feeds exist, their titles and a digest of what each is made from are computed in DuckDB,
one query per family of feeds (awards serve six kinds), without making a single entry
(`read_catalogue`). A feed's content hash is made from that digest; the output's own manifest
and the previous build's say which feeds are already there or can be hard-linked, and only the
rest have their entries read (`read_entries`) and are rendered (`write_feeds`). An entry is
rendered once for all the feeds it is in (`Renderer`).
"""

from __future__ import annotations

import hashlib
import html
import os
import pickle
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import nh3
import orjson
from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

from disclosures import incremental
from disclosures.privacy import mask_personal
from disclosures.publish import LIST_KIND_NAMES, hold_flag_hits, path_segment, url_path

ATOM_PATH = "feeds/awards.atom"
RSS_PATH = "feeds/awards.rss"
FEED_SIZE = 100
# Records the hashes of the feeds a build wrote, for the next build to compare with.
MANIFEST_PATH = "feeds/manifest.json"
# Bump when the rendering changes, so an incremental build rewrites every feed.
FORMAT_VERSION = 2
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
    # What the entries are made from, digested in the database (`read_catalogue`); "" for a
    # feed made by hand, whose hash is taken from its entries.
    source: str = ""

    @property
    def link(self) -> FeedLink:
        return FeedLink(self.kind, self.key, self.title)

    def content_hash(self, info: FeedInfo) -> str:
        """sha256 of everything the rendered files are made from (not of the files), pickled.

        The entries count through `source` when the feed has one, else themselves. Equal
        pickles unpickle to equal values, so an equal hash means equal inputs.
        """
        entries: object = self.source or [
            (e.id, e.title, e.path, e.updated.isoformat(), e.fields) for e in self.entries]
        data = pickle.dumps((
            FORMAT_VERSION, info.title, info.site_url, info.subtitle, self.kind, self.key,
            self.title, self.page, entries,
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


def _generator(feed: Feed, info: FeedInfo) -> FeedGenerator:
    """A feedgen feed with `feed`'s own fields (no entries), dated from its newest entry."""
    generator = FeedGenerator()
    generator.id(tag_uri("feed", f"{feed.kind}:{feed.key}" if feed.key else feed.kind))
    generator.title(feed.title)
    generator.subtitle(info.subtitle)
    generator.description(info.subtitle)
    generator.language("zh-CN")
    generator.generator("Sunlit")
    generator.link(href=_absolute(info.site_url, feed.page), rel="alternate")
    generator.link(href=_absolute(info.site_url, f"{feed_path(feed.kind, feed.key)}.atom"),
                   rel="self")
    # The first of equal times, EPOCH first, as a feed's date has always been taken.
    newest = max([EPOCH, *(entry.updated for entry in feed.entries)])
    generator.updated(newest)
    generator.lastBuildDate(newest)
    return generator


def _to_rss(generator: FeedGenerator, feed: Feed, info: FeedInfo) -> None:
    """Make the generator's links the RSS channel's: its self link is its own file."""
    generator.link(href=_absolute(info.site_url, f"{feed_path(feed.kind, feed.key)}.rss"),
                   rel="self", replace=True)
    generator.link(href=_absolute(info.site_url, feed.page), rel="alternate")


def _fill(item: FeedEntry, entry: Entry, info: FeedInfo) -> None:
    link = _absolute(info.site_url, entry.path)
    item.id(entry.id)
    item.guid(entry.id, permalink=False)
    item.title(entry.title)
    item.link(href=link)
    item.updated(entry.updated)
    item.published(entry.updated)
    item.pubDate(entry.updated)
    item.content(_entry_html(entry, link), type="html")


def render_with_feedgen(feed: Feed, info: FeedInfo) -> tuple[bytes, bytes]:
    """The feed as Atom and as RSS 2.0, every entry rendered by feedgen within the feed.

    What `Renderer` must give byte for byte; used when its splicing does not apply.
    """
    generator = _generator(feed, info)
    for entry in feed.entries:
        _fill(generator.add_entry(order="append"), entry, info)
    atom = generator.atom_str(pretty=True)
    _to_rss(generator, feed, info)
    return atom, generator.rss_str(pretty=True)


_ATOM_END = b"</feed>\n"
_RSS_END = b"  </channel>\n</rss>\n"
_RSS_NAMESPACES = {"atom": "http://www.w3.org/2005/Atom",
                   "content": "http://purl.org/rss/1.0/modules/content/"}


def _escape_text(text: str) -> str:
    """`text` as lxml (libxml2) writes it in an element; non-ASCII is written as is."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _escape_attribute(text: str) -> str:
    """`text` as lxml (libxml2) writes it in a double-quoted attribute value."""
    return (_escape_text(text).replace('"', "&quot;").replace("\t", "&#9;")
            .replace("\n", "&#10;"))


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _rfc2822(moment: datetime) -> str:
    """feedgen's `formatRFC2822` (strftime in the C locale), without switching the locale."""
    return moment.strftime(f"{_DAYS[moment.weekday()]}, %d {_MONTHS[moment.month - 1]} %Y "
                           "%H:%M:%S %z")


class Renderer:
    """Renders feeds as `render_with_feedgen` does, making each entry's XML once.

    An award is an entry of up to six feeds. feedgen builds an lxml tree of the whole feed and
    lxml pretty-prints it; an entry's bytes depend only on the entry and its depth. So a feed is
    its head (feedgen's rendering of the feed without entries) and end tag with its entries'
    bytes spliced between, each entry written once by `_entry_xml`, which spells the elements
    feedgen makes of an entry as lxml writes them (tests compare the two on hostile text).
    """

    def __init__(self, info: FeedInfo) -> None:
        self.info = info
        self._entries: dict[Entry, tuple[bytes, bytes]] = {}

    def render(self, feed: Feed) -> tuple[bytes, bytes]:
        generator = _generator(feed, self.info)
        atom_head = generator.atom_str(pretty=True)
        _to_rss(generator, feed, self.info)
        rss_head = generator.rss_str(pretty=True)
        if not (atom_head.endswith(_ATOM_END) and rss_head.endswith(_RSS_END)):
            return render_with_feedgen(feed, self.info)
        entries = [self._entry(entry) for entry in feed.entries]
        atom = b"".join([atom_head[:-len(_ATOM_END)], *(a for a, _ in entries), _ATOM_END])
        rss = b"".join([rss_head[:-len(_RSS_END)], *(r for _, r in entries), _RSS_END])
        return atom, rss

    def _entry(self, entry: Entry) -> tuple[bytes, bytes]:
        """The entry's Atom `<entry>` and RSS `<item>` as they read inside a feed."""
        made = self._entries.get(entry)
        if made is None:
            made = self._entries[entry] = (_entry_xml(entry, self.info)
                                           or _feedgen_entry_xml(entry, self.info))
        return made


def _entry_xml(entry: Entry, info: FeedInfo) -> tuple[bytes, bytes] | None:
    """An entry's `<entry>` and `<item>`, indented as in a feed; None when a text holds a
    character XML does not allow (feedgen's route then raises, as it always did)."""
    link = _absolute(info.site_url, entry.path)
    content = _entry_html(entry, link)
    if any(_NOT_XML.search(text) for text in (entry.id, entry.title, link, content)):
        return None
    entry_id, title = _escape_text(entry.id), _escape_text(entry.title)
    content = _escape_text(content)
    updated = entry.updated.isoformat()
    atom = (
        f"  <entry>\n    <id>{entry_id}</id>\n    <title>{title}</title>\n"
        f"    <updated>{updated}</updated>\n"
        f'    <content type="html">{content}</content>\n'
        f'    <link href="{_escape_attribute(link)}"/>\n'
        f"    <published>{updated}</published>\n  </entry>\n"
    )
    rss = (
        f"    <item>\n      <title>{title}</title>\n"
        f"      <link>{_escape_text(link)}</link>\n"
        f"      <description>{content}</description>\n"
        f'      <guid isPermaLink="false">{entry_id}</guid>\n'
        f"      <pubDate>{_rfc2822(entry.updated)}</pubDate>\n    </item>\n"
    )
    return atom.encode(), rss.encode()


def _feedgen_entry_xml(entry: Entry, info: FeedInfo) -> tuple[bytes, bytes]:
    """An entry's `<entry>` and `<item>` made by feedgen, alone under an empty root of the same
    kind (the Atom namespace a plain attribute, the RSS root declaring its prefixes)."""
    item = FeedEntry()
    _fill(item, entry, info)
    feed = etree.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    feed.append(item.atom_entry())
    rss = etree.Element("rss", version="2.0", nsmap=_RSS_NAMESPACES)
    etree.SubElement(rss, "channel").append(item.rss_entry())
    atom = etree.tostring(feed, pretty_print=True, encoding="UTF-8", xml_declaration=False)
    items = etree.tostring(rss, pretty_print=True, encoding="UTF-8", xml_declaration=False)
    return (atom[atom.index(b">\n") + 2:-len(_ATOM_END)],
            items[items.index(b"<channel>\n") + len(b"<channel>\n"):-len(_RSS_END)])


def render(feed: Feed, info: FeedInfo) -> tuple[bytes, bytes]:
    """The feed as Atom and as RSS 2.0."""
    return Renderer(info).render(feed)


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
    incremental.write_bytes(paths[0], atom)
    incremental.write_bytes(paths[1], rss)
    return paths


# --- reading: one query per family of feeds ----------------------------------------------------

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


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None,
          ) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor.fetchall()]



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


def _case_parts(row: dict[str, Any]) -> tuple[str, str, str, tuple[tuple[str, str], ...]]:
    """An approval case's page, item name, status and fields, shared by its two entries."""
    code = row["item_code"]
    page = url_path("approval_item", code) if code else "approvals/"
    item = safe_text(row["item_name"] or code or row["case_id"])
    status = STATUS_NAMES.get(row["status"] or "", safe_text(row["status"]) or "—")
    fields = (
        ("办件编号", safe_text(row["case_id"])),
        ("部门", safe_text(row["department_name"]) or "未公布"),
        ("受理时间", row["accepted_at"].strftime("%Y-%m-%d") if row["accepted_at"] else "—"),
        ("办结时间", row["completed_at"].strftime("%Y-%m-%d") if row["completed_at"] else "—"),
    )
    return page, item, status, fields


def _case_entry(row: dict[str, Any]) -> Entry:
    page, item, status, fields = _case_parts(row)
    return Entry(tag_uri("approval-case", row["case_id"]), f"{item}（{status}）", page,
                 row["fetched_at"], fields)


def _overdue_entry(row: dict[str, Any]) -> Entry:
    page, item, status, fields = _case_parts(row)
    return Entry(
        tag_uri("overdue", row["case_id"]), f"超期：{item}（{status}）", page, row["fetched_at"],
        (*fields,
         ("期限", f"{safe_text(row['deadline']) or '—'}"),
         ("已用时间", f"{safe_text(row['days_used'])} {safe_text(row['unit'])}"),
         ("风险提示", safe_text(row["overdue_flags"]))),
    )


def _list_change_entry(row: dict[str, Any]) -> Entry:
    kind_name = LIST_KIND_NAMES.get(row["list_kind"], safe_text(row["list_kind"]))
    change = CHANGE_NAMES.get(row["change"], safe_text(row["change"]))
    fields: tuple[tuple[str, str], ...] = (
        ("事项编码", safe_text(row["item_code"])),
        ("部门", safe_text(row["department_name"]) or "未公布"),
        ("版本", str(row["version"])),
    )
    if row["changed_fields"]:
        fields += (("变更字段", "、".join(safe_text(f) for f in row["changed_fields"])),)
    return Entry(
        tag_uri("list-change", f"{row['item_id']}:{row['version']}:{row['change']}"),
        f"{kind_name}{change}：{safe_text(row['name'])}",
        url_path("list_item", row["item_id"]),
        row["fetched_at"],
        fields,
    )


# --- feeds: which exist, what they are called, and what they are made from --------------------

ROLE_LABELS = {"buyer": "采购人", "supplier": "中标人", "agency": "代理机构"}


def feed_title(kind: str, key: str, name: str | None) -> str:
    """A feed's title; `name` is the text it is named by (from its first row), if any."""
    if kind in ROLE_LABELS:
        return f"阳光公示 · {ROLE_LABELS[kind]}：{safe_text(name) or key}"
    if kind == "region":
        return f"阳光公示 · 地区：{safe_text(key)}"
    if kind == "category":
        return f"阳光公示 · 品目：{CATEGORY_NAMES.get(key, safe_text(key))}"
    if kind == "flag":
        return f"阳光公示 · 风险提示 {key}：{safe_text(name)}"
    if kind == "department":
        return f"阳光公示 · 部门办件：{safe_text(name)}"
    if kind == "overdue":
        return f"阳光公示 · 超期办件：{safe_text(name)}" if key else "阳光公示 · 超期办件"
    if kind == "list":
        return f"阳光公示 · {LIST_KIND_NAMES.get(key, safe_text(key))}变更"
    if kind == "department-list":
        return f"阳光公示 · 清单变更：{safe_text(name)}"
    return "阳光公示 · 最新中标结果"  # awards


def feed_page(kind: str, key: str) -> str:
    """Site-relative path of the page a feed follows ("" when there is none)."""
    if kind in ROLE_LABELS:
        return url_path("organisation", key)
    if kind == "overdue":
        return url_path("approval_item", key) if key else "approvals/"
    if kind == "list":
        return f"lists/{path_segment(key)}/"
    return ""


@dataclass(frozen=True)
class _Kind:
    """How the rows of a family become entries of the feeds of one kind."""

    kind: str
    key: str  # SQL: the key of the feed a row belongs to
    where: str  # SQL: whether a row belongs to a feed of this kind
    name: str  # SQL: the text a feed is named by (its first row's), or NULL
    content: tuple[str, ...]  # the columns `entry` reads: an entry's part of the feed's digest
    entry: Callable[[dict[str, Any]], Entry]


@dataclass(frozen=True)
class _Family:
    """Feeds made from the rows of one query (awards serve six kinds of feeds)."""

    rows: str  # SQL
    order: str  # the order rows were read in: a feed's first row names it
    record: str  # SQL: the record part of an entry's tag: URI, which breaks ties in a feed
    kinds: tuple[_Kind, ...]


_AWARD = ("award_id", "tender_id", "supplier_name", "tender_title", "amount", "currency",
          "amount_text", "buyer_name", "fetched_at")
_CASE = ("case_id", "item_code", "item_name", "status", "accepted_at", "completed_at",
         "department_name", "fetched_at")
_FLAG = ("flag_code", "record_kind", "record_id", "tender_id", "evidence", "title_zh",
         "title_en", "label", "item_code", "tender_title", "fetched_at")
_LIST_CHANGE = ("item_id", "change", "version", "changed_fields", "list_kind", "item_code",
                "name", "department_name", "fetched_at")

FAMILIES = (
    _Family(AWARDS_SQL, "award_id", "award_id", (
        _Kind("awards", "''", "true", "NULL", _AWARD, award_entry),
        _Kind("buyer", "buyer_id", "buyer_id <> ''", "buyer_name", _AWARD, award_entry),
        _Kind("supplier", "supplier_id", "supplier_id <> ''", "supplier_name", _AWARD,
              award_entry),
        _Kind("agency", "agency_id", "agency_id <> ''", "agency_name", _AWARD, award_entry),
        _Kind("region", "region", "region <> ''", "NULL", _AWARD, award_entry),
        _Kind("category", "category", "category <> ''", "NULL", _AWARD, award_entry),
    )),
    _Family(FLAGS_SQL, "flag_code, record_kind, record_id", "flag_code || ':' || record_id", (
        _Kind("flag", "flag_code", "flag_code IS NOT NULL", "title_zh", _FLAG, _flag_entry),
    )),
    _Family(CASES_SQL, "case_id", "case_id", (
        _Kind("department", "department_key", "department_key <> ''", "department_name", _CASE,
              _case_entry),
        _Kind("overdue", "''", "overdue_flags <> ''", "NULL",
              (*_CASE, "overdue_flags", "deadline", "days_used", "unit"), _overdue_entry),
        _Kind("overdue", "item_code", "overdue_flags <> '' AND item_code <> ''",
              "coalesce(nullif(item_name, ''), item_code)",
              (*_CASE, "overdue_flags", "deadline", "days_used", "unit"), _overdue_entry),
    )),
    _Family(LIST_CHANGES_SQL, "item_id, version, change",
            "item_id || ':' || CAST(version AS VARCHAR) || ':' || change", (
        _Kind("list", "list_kind", "list_kind IS NOT NULL", "NULL", _LIST_CHANGE,
              _list_change_entry),
        _Kind("department-list", "department_key", "department_key <> ''", "department_name",
              _LIST_CHANGE, _list_change_entry),
    )),
)

# tag_uri's percent-encoding in SQL: url_encode keeps RFC 3986's unreserved characters only;
# the rest of quote()'s safe set is decoded back. Every "%" it writes starts an escape, so no
# replacement can match across two.
_TAG_SAFE = ":@!$&()*+,;=-._~"


def quote_sql(expression: str) -> str:
    """SQL spelling `expression` as `urllib.parse.quote(…, safe=_TAG_SAFE)` does."""
    sql = f"url_encode({expression})"
    for char in _TAG_SAFE:
        if char not in "-._~":
            sql = f"replace({sql}, '%{ord(char):02X}', '{char}')"
    return sql


def _digest_sql(content: tuple[str, ...]) -> str:
    """SQL: md5 of the `content` columns of a row, spelled as JSON (NULL is not "")."""
    return f"md5(CAST(to_json(struct_pack({', '.join(content)})) AS VARCHAR))"


def _rows_sql(family: _Family) -> str:
    """SQL: the family's rows with row_ (the order they are read in: a feed's first row names
    it), record_ (the quoted record part of the tag: URI) and, per set of content columns n,
    tie_n_ (a hash of them, so that two entries with equal dates and ids rank alike in every
    query) and digest_n_ (the catalogue's)."""
    contents = _contents(family)
    columns = "".join(f"hash(struct_pack({', '.join(content)})) AS tie_{n}_, "
                      f"{_digest_sql(content)} AS digest_{n}_, "
                      for n, content in enumerate(contents))
    return (f"SELECT row_number() OVER (ORDER BY {family.order}) AS row_, "
            f"{quote_sql(family.record)} AS record_, {columns}* FROM ({family.rows})")


def _contents(family: _Family) -> list[tuple[str, ...]]:
    return list(dict.fromkeys(kind.content for kind in family.kinds))


def _held_rows(family: _Family) -> str:
    """The temporary table `read_catalogue` holds a family's rows (`_rows_sql`) in."""
    return f"feed_rows_{FAMILIES.index(family)}"


def _ranked_sql(family: _Family, wanted: bool = False, held: bool = False) -> str:
    """CTEs ending in `ranked_`: every (feed, row) pair of a family, ranked in its feed as
    `order_entries` ranks entries (newest first, then by tag: URI).

    `rows_` holds the family's rows (`_rows_sql`), read from the table `read_catalogue` held
    them in when `held`. `ranked_` has rank_, kind_, key_, name_, maker_ (n), tie_, row_,
    record_, fetched_at and digest_. With `wanted`, only the feeds named by the two list
    parameters (kinds, keys): a feed's ranking is its own, so filtering first changes nothing
    but the cost.
    """
    contents = _contents(family)
    members = []
    for kind in family.kinds:
        key, n = f"CAST({kind.key} AS VARCHAR)", contents.index(kind.content)
        only = (f" AND {key} IN (SELECT key_ FROM wanted_ WHERE kind_ = '{kind.kind}')"
                if wanted else "")
        members.append(
            f"SELECT '{kind.kind}' AS kind_, {key} AS key_, CAST({kind.name} AS VARCHAR) AS name_, "
            f"{n} AS maker_, digest_{n}_ AS digest_, tie_{n}_ AS tie_, row_, record_, fetched_at "
            f"FROM rows_ WHERE {kind.where}{only}")
    union = "\nUNION ALL\n".join(members)
    ctes = ("wanted_ AS (SELECT unnest(?::VARCHAR[]) AS kind_, unnest(?::VARCHAR[]) AS key_), "
            if wanted else "")
    rows = (f"rows_ AS (SELECT * FROM {_held_rows(family)})" if held
            else f"rows_ AS MATERIALIZED ({_rows_sql(family)})")
    return f"""
WITH {ctes}{rows},
members_ AS ({union}),
ranked_ AS (
    SELECT row_number() OVER (PARTITION BY kind_, key_
                              ORDER BY fetched_at DESC, record_, tie_) AS rank_, *
    FROM members_
)"""


def _catalogue_sql(family: _Family) -> str:
    return f"""{_ranked_sql(family, held=True)}
SELECT kind_, key_, arg_min_null(name_, row_) AS name_,
       md5(string_agg(digest_, ',' ORDER BY rank_) FILTER (WHERE rank_ <= {FEED_SIZE}))
           AS digest_
FROM ranked_
GROUP BY kind_, key_
"""


def _entries_sql(family: _Family, held: bool) -> str:
    """The rows of the wanted feeds' newest entries, each once, with the places it takes."""
    columns = dict.fromkeys(column for kind in family.kinds for column in kind.content)
    return f"""{_ranked_sql(family, wanted=True, held=held)}
SELECT {", ".join(f"any_value(r.{column}) AS {column}" for column in columns)},
       any_value(m.kind_) AS kind_,
       list(struct_pack(kind_ := m.kind_, key_ := m.key_, rank_ := m.rank_)) AS places_
FROM ranked_ m JOIN rows_ r ON r.row_ = m.row_
WHERE m.rank_ <= {FEED_SIZE}
GROUP BY m.row_, m.maker_
"""


def _sorted(feeds: Iterable[Feed]) -> list[Feed]:
    order = {kind: n for n, kind in enumerate(KIND_TITLES)}
    return sorted(feeds, key=lambda f: (order[f.kind], f.key))


def _temporary_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The temporary tables this connection holds (the red flags', the feeds' rows)."""
    return {name for (name,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}


def _hold_flag_hits(con: duckdb.DuckDBPyConnection) -> None:
    """Evaluate the red flags once for the queries of this connection that read them."""
    if "flag_hits" not in _temporary_tables(con):
        hold_flag_hits(con)


def read_catalogue(con: duckdb.DuckDBPyConnection) -> list[Feed]:
    """Every feed of the site with its title, page and `source` digest, but no entries.

    A feed's `source` is an md5 over its newest FEED_SIZE entries' content columns, in order:
    it changes when, and only when, an entry of the feed would. Two queries a family, whatever
    the number of feeds: its rows are held in a temporary table, which `read_entries` on the
    same connection reads rather than making them again (as of the catalogue: a site build's
    connection reads one state of the database). `con` is a `publish.open_reader` connection
    (dates in Asia/Shanghai).
    """
    _hold_flag_hits(con)
    feeds = []
    for family in FAMILIES:
        # Held for `read_entries` on the same connection (a site build's).
        con.execute(f"CREATE OR REPLACE TEMP TABLE {_held_rows(family)} AS {_rows_sql(family)}")
        for kind, key, name, digest in con.execute(_catalogue_sql(family)).fetchall():
            feeds.append(Feed(kind, key, feed_title(kind, key, name), feed_page(kind, key),
                              source=digest))
    return _sorted(feeds)


def read_entries(con: duckdb.DuckDBPyConnection, feeds: Sequence[Feed]) -> None:
    """Give each of `feeds` (from `read_catalogue`) its newest FEED_SIZE entries, in order.

    One query per family that has feeds among them; an entry shared by several feeds (an award
    is in up to six) is read and made once, and shared.
    """
    by_key = {(feed.kind, feed.key): feed for feed in feeds}
    if any(feed.kind in ("flag", "department", "overdue") for feed in feeds):
        _hold_flag_hits(con)
    for feed in feeds:
        feed.entries = []
    held = _temporary_tables(con)
    for family in FAMILIES:
        kinds = {kind.kind: kind for kind in family.kinds}
        wanted = [key for key in by_key if key[0] in kinds]
        if not wanted:
            continue
        placed: dict[tuple[str, str], list[tuple[int, Entry]]] = {key: [] for key in wanted}
        # One row per distinct entry (equal content, equal digest): made once, placed in each
        # feed it is in, at its rank there.
        for row in _rows(con, _entries_sql(family, _held_rows(family) in held),
                         [[k for k, _ in wanted], [k for _, k in wanted]]):
            entry = kinds[row["kind_"]].entry(row)
            for place in row["places_"]:
                placed[(place["kind_"], place["key_"])].append((place["rank_"], entry))
        for key, ranked in placed.items():
            by_key[key].entries = [entry for _, entry in sorted(ranked, key=lambda p: p[0])]


def read_feeds(con: duckdb.DuckDBPyConnection) -> list[Feed]:
    """Every feed of the site, each with its newest FEED_SIZE entries (eight queries in all).

    `con` is a `publish.open_reader` connection (dates in Asia/Shanghai).
    """
    feeds = read_catalogue(con)
    read_entries(con, feeds)
    return feeds


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
    rendered: int  # feeds rendered and written
    reused: int  # feeds unchanged since the previous build, linked from it
    untouched: int = 0  # feeds the output already held as they are, left alone
    deleted: int = 0  # feeds the output held that no longer exist, their files removed


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


def recorded_feeds(build: Path | None) -> dict[str, str]:
    """The feeds `build`'s manifest records: path without extension -> content hash.

    {} when it has none (never written, or a write that did not finish).
    """
    manifest = incremental.read_manifest(build, MANIFEST_PATH, version=None)
    recorded = manifest.get("feeds", {}) if "format" in manifest else manifest  # format 1: flat
    return {base: digest for base, digest in recorded.items()
            if isinstance(base, str) and isinstance(digest, str)}


def _link(source: Path, target: Path) -> bool:
    """Hard-link (or copy) `source` over `target`; False when `source` is not there."""
    try:
        incremental.link_over(source, target)
    except FileNotFoundError:
        return False
    except OSError:  # another device: a copy, written the same way
        try:
            incremental.write_bytes(target, source.read_bytes())
        except OSError:
            return False
    return True


class _Listing:
    """The names in the output's feed folders, listed once per folder."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.folders: dict[str, set[str]] = {}

    def holds(self, base: str) -> bool:
        folder, _, name = base.rpartition("/")
        names = self.folders.get(folder)
        if names is None:
            try:
                names = set(os.listdir(os.path.join(self.root, folder)))
            except OSError:
                names = set()
            self.folders[folder] = names
        return f"{name}.atom" in names and f"{name}.rss" in names


def _stray_files(output: Path, keep: set[str]) -> list[Path]:
    """Feed files (and temporaries) under `output/feeds` that no feed in `keep` owns.

    Needed only when the output holds feeds but no manifest: a write that did not finish.
    """
    root = output / "feeds"
    if not root.is_dir():
        return []
    stray = []
    for path in root.rglob("*"):
        if path.suffix == ".tmp" and path.name.startswith("."):
            stray.append(path)
        elif path.suffix in (".atom", ".rss"):
            base = path.relative_to(output).with_suffix("").as_posix()
            if base not in keep:
                stray.append(path)
    return stray


@dataclass
class _Plan:
    """What a write must do to bring an output in line with a build's feeds."""

    hashes: dict[str, str]  # every feed's path without extension -> content hash
    untouched: int = 0  # feeds the output holds as they are
    link: list[Feed] = field(default_factory=list)  # from the previous build
    render: list[Feed] = field(default_factory=list)
    stale: list[Path] = field(default_factory=list)  # files to delete
    gone: set[str] = field(default_factory=set)  # feeds those files were
    done: bool = False  # nothing to do, the manifest included


def _plan(feeds: Sequence[Feed], output: Path, info: FeedInfo, previous: Path | None) -> _Plan:
    own = recorded_feeds(output)
    old = recorded_feeds(previous) if previous is not None else {}
    plan = _Plan({feed_path(feed.kind, feed.key): feed.content_hash(info) for feed in feeds})
    listing = _Listing(output)
    for feed in feeds:
        base = feed_path(feed.kind, feed.key)
        digest = plan.hashes[base]
        if own.get(base) == digest and listing.holds(base):
            plan.untouched += 1
        elif previous is not None and old.get(base) == digest:
            plan.link.append(feed)
        else:
            plan.render.append(feed)
    if own:
        plan.gone = {base for base in own if base not in plan.hashes}
        plan.stale = [output / f"{base}{ext}" for base in plan.gone for ext in (".atom", ".rss")]
    else:  # no manifest: a fresh output, or a write that did not finish
        plan.stale = _stray_files(output, set(plan.hashes))
        plan.gone = {path.relative_to(output).with_suffix("").as_posix()
                     for path in plan.stale if path.suffix != ".tmp"}
    plan.done = not (plan.link or plan.render or plan.stale) and own == plan.hashes
    return plan


def write_feeds(
    feeds: Sequence[Feed], output: Path, info: FeedInfo, previous: Path | None = None,
    load: Callable[[list[Feed]], None] | None = None,
) -> WriteStats:
    """Bring the feed files under `output` and their manifest in line with `feeds`.

    `output` may be empty or hold an older build's feeds. A feed whose hash `output`'s own
    manifest records, with both files there, is left alone; else one whose hash `previous` (an
    earlier build's output) records is hard-linked from it (copied across file systems); else
    it is rendered. Files are never written in place: a temporary file is renamed over the
    target. Feeds `output` held that no longer exist are deleted. `load`, when given, fills in
    the entries of the feeds to render (called once, with all of them).

    The manifest is removed before the first file changes and written last, so a write that
    does not finish leaves no manifest claiming files the tree does not hold; the next write
    then lists the feed folders to find the files it must delete.
    """
    plan = _plan(feeds, output, info, previous)
    if plan.done:
        return WriteStats(feeds=len(feeds), rendered=0, reused=0, untouched=plan.untouched)
    manifest_path = output / MANIFEST_PATH
    manifest_path.unlink(missing_ok=True)  # from here until the end the tree is in flux
    for path in plan.stale:
        path.unlink(missing_ok=True)
    folders: set[Path] = set()
    reused = 0
    for feed in plan.link:
        base = feed_path(feed.kind, feed.key)
        _make_folder(output / base, folders)
        assert previous is not None
        if (_link(previous / f"{base}.atom", output / f"{base}.atom")
                and _link(previous / f"{base}.rss", output / f"{base}.rss")):
            reused += 1
        else:
            plan.render.append(feed)
    if plan.render and load is not None:
        load(plan.render)
    renderer = Renderer(info)
    for feed in plan.render:
        base = feed_path(feed.kind, feed.key)
        _make_folder(output / base, folders)
        atom, rss = renderer.render(feed)
        incremental.write_bytes(output / f"{base}.atom", atom)
        incremental.write_bytes(output / f"{base}.rss", rss)
    manifest_path.parent.mkdir(parents=True, exist_ok=True)
    incremental.write_bytes(manifest_path, orjson.dumps(
        {"format": FORMAT_VERSION, "feeds": plan.hashes}, option=orjson.OPT_SORT_KEYS))
    return WriteStats(feeds=len(feeds), rendered=len(plan.render), reused=reused,
                      untouched=plan.untouched, deleted=len(plan.gone))


def _make_folder(path: Path, made: set[Path]) -> None:
    """Create the folder of `path` unless it is in `made` (folders created already)."""
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)


# --- finding feeds: OPML per kind and of all ---------------------------------------------------


def opml(title: str, groups: dict[str, list[FeedLink]], site_url: str) -> bytes:
    """An OPML 2.0 subscription list: one outline per kind holding its feeds (RSS files).

    Written as text, in the bytes ElementTree's `indent` and `tostring` give (tests compare the
    two): ElementTree took over a second a build for the lists of a large site.
    """
    lines = ["<?xml version='1.0' encoding='utf-8'?>", '<opml version="2.0">', "  <head>",
             f"    <title>{_xml_text(title)}</title>", "  </head>"]
    outlines = []
    for kind, links in groups.items():
        outlines.append(f'    <outline text="{_xml_attribute(KIND_TITLES[kind])}">')
        outlines.extend(
            f'      <outline type="rss" text="{t}" title="{t}" '
            f'xmlUrl="{_xml_attribute(_absolute(site_url, link.rss))}" />'
            for link in links for t in (_xml_attribute(link.title),))
        outlines.append("    </outline>")
    lines.extend(["  <body>", *outlines, "  </body>"] if outlines else ["  <body />"])
    lines.append("</opml>")
    return "\n".join(lines).encode("utf-8") + b"\n"


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_attribute(text: str) -> str:
    return (_xml_text(text).replace('"', "&quot;").replace("\r", "&#13;")
            .replace("\n", "&#10;").replace("\t", "&#09;"))


def group_links(links: Iterable[FeedLink]) -> dict[str, list[FeedLink]]:
    """Feed links by kind, in KIND_TITLES order."""
    groups: dict[str, list[FeedLink]] = {kind: [] for kind in KIND_TITLES}
    for link in links:
        groups[link.kind].append(link)
    return {kind: links for kind, links in groups.items() if links}


def write_opml(feeds: Iterable[Feed], output: Path, info: FeedInfo) -> list[Path]:
    """`feeds/<kind>.opml` for every kind and `feeds/all.opml`; return their paths."""
    groups = group_links(feed.link for feed in feeds)
    paths = []
    for kind, links in groups.items():
        path = output / f"feeds/{kind}.opml"
        incremental.write_bytes(path, opml(f"阳光公示 · {KIND_TITLES[kind]}", {kind: links},
                                  info.site_url))
        paths.append(path)
    path = output / "feeds/all.opml"
    incremental.write_bytes(path, opml("阳光公示 · 全部订阅 All feeds", groups, info.site_url))
    return [*paths, path]
