"""Pelican plugin: Sunlit's record pages, feeds and browser search index, from the database.

The generator reads every row it needs through `disclosures.publish` in `generate_context()`
(a handful of queries, whatever the number of records), then writes each page with Pelican's
writer and the theme's compiled Jinja2 templates in `generate_output()`. No Markdown is made per
record and no SQL lives here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator
from pelican.writers import Writer

from disclosures import dictionary, export, feeds, publish
from search.browser import write_browser_index
from search.documents import search_documents

METHODS = {
    "open": "公开招标",
    "selective": "邀请招标",
    "competitive_negotiation": "竞争性谈判",
    "competitive_consultation": "竞争性磋商",
    "inquiry": "询价",
    "single_source": "单一来源",
}
CATEGORIES = {"goods": "货物", "works": "工程", "services": "服务"}
UNITS = {"workday": "个工作日", "calendar_day": "个自然日"}
STATUSES = {
    "accepted": "已受理",
    "in_progress": "办理中",
    "completed": "已办结",
    "rejected": "不予受理",
}
RESTRICTIONS = {"prohibited": "禁止", "restricted": "限制"}


def site_root(site_url: str) -> str:
    """The path the site is served under: "" at a host's root, "/sunlit" below it."""
    return urlsplit(site_url).path.rstrip("/")


# --- template filters: display only, every value escaped by Jinja2's autoescape afterwards ---


def fmt_date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def fmt_datetime(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"


def fmt_money(value: Decimal | None, currency: str | None = "CNY") -> str:
    if value is None:
        return "—"
    unit = "元" if currency in (None, "CNY") else f" {currency}"
    return f"{value:,.2f}{unit}"


def fmt_wan(value: Decimal | None) -> str:
    """A large sum in 万元 (ten thousands of yuan), the unit Chinese readers expect for it."""
    return "—" if value is None else f"{value / 10000:,.2f} 万元"


def fmt_number(value: int | float | Decimal | None) -> str:
    return "—" if value is None else f"{value:,}"


def fmt_limit(value: int | None, unit: str | None) -> str:
    if value is None:
        return "—"
    return f"{value}{UNITS.get(unit or '', ' ' + (unit or ''))}"


def safe_url(value: str | None) -> str:
    """A scraped URL fit for an href: http(s) only, so `javascript:` and friends never link."""
    if value and urlsplit(value).scheme in ("http", "https"):
        return value
    return ""


def _label(table: dict[str, str]) -> Any:
    return lambda value: table.get(value, value) if value else "—"


FILTERS = {
    "date": fmt_date,
    "datetime": fmt_datetime,
    "money": fmt_money,
    "wan": fmt_wan,
    "number": fmt_number,
    "limit": fmt_limit,
    "safe_url": safe_url,
    "method": _label(METHODS),
    "category": _label(CATEGORIES),
    "status": _label(STATUSES),
    "restriction": _label(RESTRICTIONS),
    "list_kind": _label(publish.LIST_KIND_NAMES),
}


def strip_control_characters(value: Any) -> Any:
    """Jinja2 `finalize`: every value printed loses the control characters scraped text carries.

    They are illegal in XML and parse errors in HTML; escaping does not remove them.
    """
    if isinstance(value, Markup):
        return Markup(feeds.xml_text(value))
    if isinstance(value, str):
        return feeds.xml_text(value)
    return value


def add_template_helpers(generator: Generator) -> None:
    """Give every generator's Jinja2 environment (ours and Pelican's pages) the same helpers."""
    root = site_root(generator.settings.get("SITEURL", ""))
    # Read when a template is compiled; none is compiled before generator_init.
    generator.env.finalize = strip_control_characters

    def href(kind: str, record_id: str) -> str:
        return f"{root}/{publish.url_path(kind, record_id)}"

    generator.env.filters.update(FILTERS)
    generator.env.globals.update(
        SITE_ROOT=root,
        href=href,
        FEED_ATOM_URL=f"{root}/{feeds.ATOM_PATH}",
        FEED_RSS_URL=f"{root}/{feeds.RSS_PATH}",
    )


@dataclass
class ListPage:
    """One page of a paginated list: /<folder>/, /<folder>/page/2/, ..."""

    number: int
    pages: int
    items: Sequence[Any]
    first: int  # 1-based position of items[0] in the whole list
    path: str
    previous_path: str | None
    next_path: str | None


def _page_path(folder: str, number: int) -> str:
    return f"{folder}/" if number == 1 else f"{folder}/page/{number}/"


def paginate(items: Sequence[Any], per_page: int, folder: str) -> list[ListPage]:
    count = max(1, -(-len(items) // per_page))
    return [
        ListPage(
            number=n,
            pages=count,
            items=items[(n - 1) * per_page : n * per_page],
            first=(n - 1) * per_page + 1,
            path=_page_path(folder, n),
            previous_path=_page_path(folder, n - 1) if n > 1 else None,
            next_path=_page_path(folder, n + 1) if n < count else None,
        )
        for n in range(1, count + 1)
    ]


class SunlitPagesGenerator(Generator):
    """Writes the home page, record pages, list pages, feeds and the search bundle."""

    data: publish.SiteData
    search_rows: publish.SearchRows | None
    flag_pages: list[dict[str, Any]]
    sources: list[dict[str, Any]]

    def generate_context(self) -> None:
        db = Path(self.settings["SUNLIT_DB"])
        with publish.open_reader(db) as con:
            self.data = publish.read_site(
                con,
                latest=self.settings.get("SUNLIT_LATEST_AWARDS", 20),
                feed_size=feeds.FEED_SIZE,
            )
            wants_search = self.settings.get("SUNLIT_SEARCH_INDEX", True)
            self.search_rows = publish.read_search_rows(con) if wants_search else None
            self.flag_pages = publish.read_flag_pages(con)
            self.sources = publish.read_sources(con)

    def _write(self, writer: Writer, path: str, template: str, **values: Any) -> None:
        # A small context per page (not Pelican's whole settings dict): copied for every page.
        writer.write_file(
            f"{path}index.html",
            self.get_template(template),
            self._page_context,
            page_path=path,
            **values,
        )

    def generate_output(self, writer: Writer) -> None:
        self._page_context = {
            key: self.context[key]
            for key in ("SITENAME", "SITESUBTITLE", "SITEURL", "DEFAULT_LANG", "localsiteurl")
            if key in self.context
        }
        data = self.data
        per_page = int(self.settings.get("SUNLIT_PER_PAGE", 50))
        self._write(writer, "", "index", figures=data.figures, latest_awards=data.latest_awards)
        self._write_tenders(writer, per_page)
        self._write_organisations(writer, per_page)
        self._write_lists(writer, per_page)
        self._write_approvals(writer)
        self._write(writer, "search/", "search")
        self._write_flags_sources_data(writer)
        if self.search_rows is not None:
            write_browser_index(
                search_documents(self.search_rows),
                Path(self.output_path) / "pagefind",
                site_root=site_root(self.settings.get("SITEURL", "")),
            )

    def _feeds(self, kind: str, record_id: str = "") -> list[feeds.FeedLink]:
        """The feeds a page links (written by the sunlit_feeds plugin)."""
        return feeds.feeds_for(kind, record_id, self.context.get(feeds.CONTEXT_KEY))

    def _write_tenders(self, writer: Writer, per_page: int) -> None:
        data = self.data
        for page in paginate(data.tenders, per_page, "tenders"):
            self._write(writer, page.path, "tenders", page=page, total=len(data.tenders))
        for tender in data.tenders:
            tender_id = tender["tender_id"]
            self._write(
                writer,
                publish.url_path("tender", tender_id),
                "tender",
                tender=tender,
                awards=data.awards_by_tender.get(tender_id, []),
                bids=data.bids_by_tender.get(tender_id, []),
            )

    def _write_organisations(self, writer: Writer, per_page: int) -> None:
        data = self.data
        for page in paginate(data.organisations, per_page, "orgs"):
            self._write(writer, page.path, "organisations", page=page,
                        total=len(data.organisations))
        for org in data.organisations:
            org_id = org["org_id"]
            self._write(
                writer,
                publish.url_path("organisation", org_id),
                "organisation",
                org=org,
                tenders=data.tenders_by_buyer.get(org_id, []),
                awards=data.awards_by_supplier.get(org_id, []),
                page_feeds=self._feeds("organisation", org_id),
            )

    def _write_lists(self, writer: Writer, per_page: int) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in self.data.list_items:
            by_kind.setdefault(item["list_kind"], []).append(item)
        folders = {kind: f"lists/{publish.path_segment(kind)}" for kind in by_kind}
        kinds = [
            {"kind": kind, "count": len(items), "path": f"{folders[kind]}/"}
            for kind, items in by_kind.items()
        ]
        self._write(writer, "lists/", "lists", kinds=kinds)
        for kind, items in by_kind.items():
            folder = folders[kind]
            for page in paginate(items, per_page, folder):
                self._write(writer, page.path, "list_kind", kind=kind, page=page,
                            total=len(items), page_feeds=self._feeds("list_kind", kind))
        for item in self.data.list_items:
            self._write(writer, publish.url_path("list_item", item["item_id"]), "list_item",
                        item=item)

    def _write_approvals(self, writer: Writer) -> None:
        data = self.data
        self._write(writer, "approvals/", "approvals", items=data.approval_items,
                    page_feeds=self._feeds("approvals"))
        for item in data.approval_items:
            self._write(
                writer,
                publish.url_path("approval_item", item["item_code"]),
                "approval_item",
                item=item,
                cases=data.cases_by_item.get(item["item_code"], []),
                page_feeds=self._feeds("approval_item", item["item_code"]),
            )


    def _write_flags_sources_data(self, writer: Writer) -> None:
        self._write(writer, "flags/", "flags", flags=self.flag_pages)
        for flag in self.flag_pages:
            self._write(writer, f"flags/{publish.path_segment(str(flag['slug']))}/", "flag",
                        flag=flag, page_feeds=self._feeds("flag", str(flag["code"])))
        self._write(writer, "sources/", "sources", sources=self.sources)
        # The downloads are exported into the build itself, so they match the pages exactly.
        db = Path(self.settings["SUNLIT_DB"])
        manifest = export.export_all(db, Path(self.output_path) / "data")
        self._write(writer, "data/", "data", manifest=manifest,
                    dictionary=dictionary.data_dictionary(db))


def get_generators(pelican: Any) -> type[Generator]:
    return SunlitPagesGenerator


def register() -> None:
    signals.generator_init.connect(add_template_helpers)
    signals.get_generators.connect(get_generators)
