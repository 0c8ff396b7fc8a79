"""Pelican plugin: Sunlit's record pages, feeds and browser search index, from the database.

The generator reads the rows of the smaller pages through `disclosures.publish` in
`generate_context()` (a handful of queries, whatever the number of records), and holds the rows of
the tender and organisation pages in the database, where one query a page type gives every
page's key. `generate_output()` settles each page by its key (left in place or linked when
unchanged, `disclosures.incremental`), reads the rows of only the pages left to render, and
renders them with the theme's compiled Jinja2 templates. No Markdown is made per record and no
SQL lives here.
"""

from __future__ import annotations

import ast
import contextlib
import json
import logging
import multiprocessing
import os
import re
import shutil
from collections.abc import Callable, MutableMapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from io import StringIO
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.runtime import Context
from markupsafe import Markup, escape

# What escape() runs before it wraps the result in a Markup: the escaped text, a plain str.
from markupsafe import _escape_inner as escaped_str
from pelican import signals
from pelican.generators import Generator
from pelican.writers import Writer

from disclosures import charts, dictionary, export, feeds, i18n, incremental, ocds_out, publish
from search import browser
from search.browser import write_browser_index
from search.documents import search_documents

log = logging.getLogger(__name__)

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
# The list_items columns a list change names (list_changes.field), as the page calls them.
LIST_FIELDS = {
    "name": "名称", "sub_item": "子项", "power_type": "权力类型", "department": "实施部门",
    "region": "行政区划", "legal_basis": "设定依据", "statutory_limit": "法定时限",
    "statutory_unit": "法定时限", "promised_limit": "承诺时限", "promised_unit": "承诺时限",
    "fees": "收费标准", "level": "行使层级", "power_item_code": "对应权力事项",
    "industry": "行业", "restriction": "措施", "duties": "职责",
    "accountability": "追责情形", "description": "说明",
}


def site_root(site_url: str) -> str:
    """The path the site is served under: "" at a host's root, "/sunlit" below it."""
    return urlsplit(site_url).path.rstrip("/")


# --- template filters: display only, every value escaped by Jinja2's autoescape afterwards ---


# The text of strftime("%Y-%m-%d") and ("%Y-%m-%d %H:%M"), from the fields: strftime makes a
# time tuple, which asks the time zone for its rules, on every call.


def fmt_date(value: date | None) -> str:
    return f"{value.year}-{value.month:02d}-{value.day:02d}" if value else "—"


def fmt_datetime(value: datetime | None) -> str:
    if not value:
        return "—"
    if type(value) is not datetime:  # a date: its time is 00:00
        return value.strftime("%Y-%m-%d %H:%M")
    return (f"{value.year}-{value.month:02d}-{value.day:02d} "
            f"{value.hour:02d}:{value.minute:02d}")


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


def context_lang(ctx: Context) -> str:
    """The language of the page being rendered: ours pass `lang`; Pelican's pages carry it."""
    lang = ctx.get("lang")
    if not lang:
        page = ctx.get("page")
        lang = getattr(page, "lang", None)
    return lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANG


# --- filters that depend on the page's language: each takes the language first. Pelican's
# environment reads it from the page's context (`in_page_language`); the environments our pages
# render in have it bound (`language_environment`), so a call there is a plain call.


def _label(table: dict[str, str]) -> Any:
    def label(lang: str, value: str | None) -> str:
        return i18n.t(table.get(value, value), lang) if value else "—"

    return label


_TRANSLATED: dict[tuple[str, str], str] = {}


def translate(lang: str, text: str, **values: Any) -> str:
    """`t("中文")` in a template: the interface string in the page's language."""
    if values:
        return i18n.t(text, lang, **values)
    key = (text, lang)
    found = _TRANSLATED.get(key)
    if found is None:
        found = _TRANSLATED[key] = i18n.t(text, lang)
    return found


def fmt_money_lang(lang: str, value: Decimal | None, currency: str | None = "CNY") -> str:
    if value is not None and lang == "en":
        return f"{'CNY' if currency in (None, 'CNY') else currency} {value:,.2f}"
    return fmt_money(value, currency)


def fmt_wan_lang(lang: str, value: Decimal | None) -> str:
    if value is not None and lang == "en":
        return f"CNY {value / 1000000:,.2f} million"
    return fmt_wan(value)


def fmt_limit_lang(lang: str, value: int | None, unit: str | None) -> str:
    if value is None:
        return "—"
    return f"{value}{i18n.t(UNITS.get(unit or '', ' ' + (unit or '')), lang)}"


def percent(value: float | Decimal | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%".replace(".0%", "%")


def wan_number(value: Decimal | int | None) -> float:
    """A sum in 万元 as a plain number, rounded for a chart."""
    return round(float(value or 0) / 10000, 2)


LANGUAGE_FILTERS: dict[str, Callable[..., str]] = {
    "money": fmt_money_lang,
    "wan": fmt_wan_lang,
    "limit": fmt_limit_lang,
    "t": translate,
    "method": _label(METHODS),
    "category": _label(CATEGORIES),
    "status": _label(STATUSES),
    "restriction": _label(RESTRICTIONS),
    "list_kind": _label(publish.LIST_KIND_NAMES),
    "change": _label({"added": "新增", "removed": "删除", "changed": "修改"}),
}


def in_page_language(function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` (language first) as a helper that reads the language from the context."""

    @pass_context
    def helper(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        return function(context_lang(ctx), *args, **kwargs)

    return helper


FILTERS: dict[str, Callable[..., Any]] = {
    "date": fmt_date,
    "datetime": fmt_datetime,
    "number": fmt_number,
    "percent": percent,
    "wan_number": wan_number,
    "safe_url": safe_url,
    **{name: in_page_language(function) for name, function in LANGUAGE_FILTERS.items()},
}


def strip_control_characters(value: Any) -> Any:
    """Jinja2 `finalize`: every value printed loses the control characters scraped text carries.

    They are illegal in XML and parse errors in HTML; escaping does not remove them.
    """
    if isinstance(value, str):
        if _NOT_XML_SEARCH(value) is None:  # nearly always: nothing to strip
            return value
        if isinstance(value, Markup):
            return Markup(feeds.xml_text(value))
        return feeds.xml_text(value)
    return value


_NOT_XML_SEARCH = feeds._NOT_XML.search


def printed_text(value: Any) -> str:
    """`{{ value }}` on our pages: `escape(strip_control_characters(value))` in one call.

    A plain string, the common case, is escaped to a plain string: the page is joined from the
    pieces, so making each a `Markup` (most of what `escape` costs) bought nothing.
    """
    if type(value) is str:
        if _NOT_XML_SEARCH(value) is not None:
            value = feeds.xml_text(value)
        return escaped_str(value)
    return escape(strip_control_characters(value))


def record_href(root: str, lang: str) -> Callable[[str, str], str]:
    """`href(kind, record_id)` on the pages of `lang`: the link to a record's page.

    Kept once made: a record is linked from many pages (lists, its buyer's, its suppliers').
    """
    start = f"{root}{i18n.prefix(lang)}/"
    made: dict[tuple[str, str], str] = {}

    def href(kind: str, record_id: str) -> str:
        key = (kind, record_id)
        found = made.get(key)
        if found is None:
            found = made[key] = start + publish.url_path(kind, record_id)
        return found

    return href


def tender_items(root: str, lang: str) -> Callable[[Sequence[publish.Row]], Markup]:
    """`tender_items(rows)` on the pages of `lang`: the `<li>` of each tender of a list page.

    The tender lists are most of a rebuild's pages (a tender is on five, in each language), so
    their rows are made here rather than by the template, about five times faster, and each
    tender's item once in a process: the same row shows the same item on every list.
    """
    href = record_href(root, lang)
    no_buyer = printed_text(translate(lang, "采购人未公布"))
    made: dict[tuple[str, str], str] = {}

    def item(row: publish.Row) -> str:
        amount = row["award_total"]
        suppliers = row["suppliers"]
        return "".join((
            '  <li>\n    <a class="record-title" href="',
            printed_text(href("tender", row["tender_id"])), '">', printed_text(row["title"]),
            '</a>\n    <p class="meta"><span>',
            printed_text(row["buyer_name"]) if row["buyer_name"] else no_buyer, "</span><span>",
            row["published_on"] or "—", "</span>",
            "" if amount is None else
            f'<span class="amount">{printed_text(fmt_money_lang(lang, amount, row["currency"]))}'
            "</span>",
            "</p>\n",
            f'<p class="meta">{printed_text(translate(lang, "中标人 {name}", name=suppliers))}</p>'
            if suppliers else "",
            "  </li>\n"))

    def items(rows: Sequence[publish.Row]) -> Markup:
        out = []
        for row in rows:
            key = (row["tender_id"], row["row_hash"])
            found = made.get(key)
            if found is None:
                found = made[key] = item(row)
            out.append(found)
        return Markup("".join(out))

    return items


def site_url(root: str, lang: str) -> Callable[[str], str]:
    """`url(path)` on the pages of `lang`: a page of the site, in that language."""
    start = f"{root}{i18n.prefix(lang)}/"

    def url(path: str = "") -> str:
        return f"{start}{path}"

    return url


def page_translations(root: str, lang: str | None = None) -> Callable[[Context], Any]:
    """`translations()`: this page in every language (hreflang links, the language switch).

    The page's language is `lang`, or, without it, read from the context.
    """

    @pass_context
    def translations(ctx: Context) -> list[dict[str, str]]:
        base = ctx.get("page_base")
        if base is None:
            page = ctx.get("page")
            base = f"{page.slug}/" if getattr(page, "slug", None) else ""
        current = lang or context_lang(ctx)
        return [
            {"lang": other, "name": i18n.NAMES[other],
             "href": f"{root}{i18n.prefix(other)}/{base}",
             "current": "1" if other == current else ""}
            for other in i18n.LANGUAGES
        ]

    return translations


def add_template_helpers(generator: Generator) -> None:
    """Give every generator's Jinja2 environment (ours and Pelican's pages) the same helpers."""
    root = site_root(generator.settings.get("SITEURL", ""))
    # Read when a template is compiled; none is compiled before generator_init.
    generator.env.finalize = strip_control_characters
    hrefs = {lang: record_href(root, lang) for lang in i18n.LANGUAGES}
    urls = {lang: site_url(root, lang) for lang in i18n.LANGUAGES}

    @pass_context
    def href(ctx: Context, kind: str, record_id: str) -> str:
        return hrefs[context_lang(ctx)](kind, record_id)

    @pass_context
    def url(ctx: Context, path: str = "") -> str:
        return urls[context_lang(ctx)](path)

    generator.env.filters.update(FILTERS)
    generator.env.globals.update(
        SITE_ROOT=root,
        href=href,
        url=url,
        t=in_page_language(translate),
        page_lang=pass_context(context_lang),
        translations=page_translations(root),
        bar_chart=charts.bar_chart,
        histogram=charts.histogram,
        histogram_bins=charts.bins,
        gantt=charts.gantt,
        gantt_span=charts.Span,
        field_names=LIST_FIELDS,
        FEED_ATOM_URL=f"{root}/{feeds.ATOM_PATH}",
        FEED_RSS_URL=f"{root}/{feeds.RSS_PATH}",
    )


# `t("…")`, `url("…")` and `page_lang()` called with nothing but a string literal: the same
# string on every page of a language.
_CONSTANT_CALL = re.compile(
    r"""(?<![\w.])(t|url|page_lang)\(\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")?\s*\)""")


class LanguageConstants(Extension):
    """Compiles a language's templates with its interface strings and site URLs written in.

    A template compiled in `language_environment(env, lang, root)` has each constant call
    (`_CONSTANT_CALL`) replaced by its value as a string literal before Jinja2 parses it, so
    rendering a page makes no call for them; autoescape and `finalize` treat the literal as they
    treated the call's result.
    """

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        lang: str | None = getattr(self.environment, "sunlit_lang", None)
        if lang is None:
            return source
        root: str = getattr(self.environment, "sunlit_root", "")

        def value(match: re.Match[str]) -> str:
            function, literal = match.group(1), match.group(2)
            argument = ast.literal_eval(literal) if literal else ""
            if function == "t":
                if not literal:
                    return match.group(0)
                text = i18n.t(argument, lang)
            elif function == "url":
                text = f"{root}{i18n.prefix(lang)}/{argument}"
            else:
                if literal:
                    return match.group(0)
                text = lang
            return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"

        return _CONSTANT_CALL.sub(value, source)


# What `getattr` finds on a dict: its class's attributes (a dict instance has no others).
_DICT_ATTRIBUTES = frozenset(dir(dict))


class PageCodeGenerator(CodeGenerator):
    """Jinja2's compiler with two shortcuts for our pages.

    `{{ value }}` becomes `environment.printed_text(value)` where Jinja2 would write
    `escape(environment.finalize(value))` (autoescape on, `finalize` ours). A call of a macro
    the template defines or imports, or of a global in `PageEnvironment.direct_calls`, is
    compiled as a plain call: through `context.call` it would only be checked for a context
    it does not take.
    """

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        self._direct_calls = set(getattr(self.environment, "direct_calls", ()))
        for imported in node.find_all(nodes.FromImport):
            self._direct_calls.update(
                name[1] if isinstance(name, tuple) else name for name in imported.names)
        self._direct_calls.update(macro.name for macro in node.find_all(nodes.Macro))
        super().visit_Template(node, frame)

    def visit_Call(self, node: nodes.Call, frame: Frame, forward_caller: bool = False) -> None:
        if (forward_caller or self.environment.is_async
                or not isinstance(node.node, nodes.Name)
                or node.node.name not in self._direct_calls):
            super().visit_Call(node, frame, forward_caller=forward_caller)
            return
        self.visit(node.node, frame)
        # `signature` writes each argument after a comma.
        arguments, stream = StringIO(), self.stream
        self.stream = arguments
        try:
            self.signature(node, frame)
        finally:
            self.stream = stream
        self.write(f"({arguments.getvalue().removeprefix(', ')})")

    def _prints_text(self, frame: Frame, finalize: Any) -> bool:
        return bool(frame.eval_ctx.autoescape and not frame.eval_ctx.volatile
                    and self.environment.finalize is strip_control_characters
                    and finalize.src == "environment.finalize(")

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._prints_text(frame, finalize):
            self.write("environment.printed_text(")
        else:
            super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._prints_text(frame, finalize):
            self.write(")")
        else:
            super()._output_child_post(node, frame, finalize)


class PageEnvironment(Environment):
    """The environment our pages render in (`language_environment`): Jinja2's, made cheaper
    per page with the same output.

    Its templates are compiled by `PageCodeGenerator`. `row.field` looks in a row (a dict)
    first: Jinja2 tries the attribute first and the item after, so every `row.field` raised and
    caught an AttributeError. A dict's attributes are its class's, so asking for the item first
    when the name is none of them finds exactly what Jinja2 would.
    """

    code_generator_class = PageCodeGenerator
    # The globals `language_environment` binds to a language, and the charts: none takes the
    # context.
    direct_calls = frozenset({"href", "url", "t", "page_lang", "tender_items", "bar_chart",
                              "histogram", "histogram_bins", "gantt", "gantt_span"})
    printed_text = staticmethod(printed_text)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return Environment.getattr(self, obj, attribute)

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one dict, not Jinja2's ChainMap over the environment's.

        Every render copies them into the page's context, a slow copy from a ChainMap. The
        environment's globals are complete before any template is loaded (`language_environment`).
        """
        return {**self.globals, **(d or {})}


def language_environment(env: Environment, lang: str, root: str) -> Environment:
    """`env` for the pages of `lang`: templates compiled with its constants (`LanguageConstants`)
    and helpers with the language bound, called without the context."""
    overlay = env.overlay(extensions=[LanguageConstants], cache_size=400)
    overlay.__class__ = PageEnvironment  # an overlay is of its environment's class, Pelican's
    overlay.sunlit_lang = lang  # type: ignore[attr-defined]
    overlay.sunlit_root = root  # type: ignore[attr-defined]
    # An overlay shares its environment's dicts: these are new ones.
    overlay.filters = {
        **env.filters,
        **{name: partial(function, lang) for name, function in LANGUAGE_FILTERS.items()},
    }
    overlay.globals = {
        **env.globals,
        "href": record_href(root, lang),
        "url": site_url(root, lang),
        "t": partial(translate, lang),
        "page_lang": partial(str, lang),
        "translations": page_translations(root, lang),
        "tender_items": tender_items(root, lang),
    }
    return overlay


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
    return [list_page(folder, n, count, per_page, items[(n - 1) * per_page : n * per_page])
            for n in range(1, count + 1)]


# Each language's folder in the site, as a path prefix: "" for Chinese, "en/" for English.
_PATH_PREFIXES = [(lang, f"{i18n.prefix(lang).strip('/')}/".lstrip("/")) for lang in i18n.LANGUAGES]


def _language_values(lang: str, path: str) -> dict[str, str]:
    """What every page in `lang` of the page at `path` (its Chinese path) is given."""
    return {"lang": lang, "LANG_PREFIX": i18n.prefix(lang), "page_base": path}


def list_page(folder: str, number: int, count: int, per_page: int,
              items: Sequence[Any]) -> ListPage:
    """Page `number` of `count` of a list, showing `items`."""
    return ListPage(
        number=number, pages=count, items=items, first=(number - 1) * per_page + 1,
        path=_page_path(folder, number),
        previous_path=_page_path(folder, number - 1) if number > 1 else None,
        next_path=_page_path(folder, number + 1) if number < count else None,
    )


class SunlitPagesGenerator(Generator):
    """Writes the home page, record pages, list pages, feeds and the search bundle."""

    data: publish.SiteData
    search_rows: publish.SearchRows | None
    flag_pages: list[dict[str, Any]]
    sources: list[dict[str, Any]]

    def generate_context(self) -> None:
        db = Path(self.settings["SUNLIT_DB"])
        output = Path(self.output_path)
        previous = self.settings.get("SUNLIT_PREVIOUS_BUILD") or feeds.previous_build(output)
        self._previous = Path(previous) if previous else None
        # What this build's tree already holds, when it is a recycled older build.
        self._held = incremental.read_manifest(output, incremental.HELD_PATH)
        self._published = incremental.read_manifest(self._previous)
        # Before the database is opened here: the export may run in a forked process.
        self._start_export(db, output / "data")
        # Open until the build's end (`_finalized`): the pages are planned from it and the feeds
        # read through it (`publish.BUILD_READER`), the red flags evaluated once for both.
        self._reader = contextlib.ExitStack()
        con = self._con = self._reader.enter_context(publish.open_reader(db))
        self._reader.callback(self.context.pop, publish.BUILD_READER, None)
        if (at_exit := self.settings.get("SUNLIT_AT_EXIT")) is not None:
            at_exit.callback(self._reader.close)  # a build that fails after `generate_output`
        publish.hold_flag_hits(con)
        self.context[publish.BUILD_READER] = con
        publish.hold_record_rows(con)
        self.data = publish.read_site(con, latest=self.settings.get("SUNLIT_LATEST_AWARDS", 20))
        wants_search = self.settings.get("SUNLIT_SEARCH_INDEX", True)
        self.search_rows = publish.read_search_rows(con) if wants_search else None
        self.flag_pages = publish.read_flag_pages(con)
        self.sources = publish.read_sources(con)
        self._org_id_set = publish.organisation_ids(con)

    def _write(self, writer: Writer | None, path: str, template: str, key: Any = None,
               **values: Any) -> None:
        """Queue the page `<path>index.html`; `generate_output` writes the queue at its end.

        Unchanged pages are linked from the previous build, the rest rendered on every core
        (`disclosures.incremental`). A page given a `key` (what its values are made from, the
        database rows by their `row_hash`) is hashed by it instead of by its values.
        """
        self._pages.add(path, template, values, key)

    def _template(self, name: str, lang: str | None) -> Any:
        """The template `name` compiled for pages of `lang` (`LanguageConstants`)."""
        key = (name, lang if lang in i18n.LANGUAGES else i18n.DEFAULT_LANG)
        found = self._compiled.get(key)
        if found is None:
            found = self._compiled[key] = self._language_envs[key[1]].get_template(
                f"{name}.html")
        return found

    def _render(self, path: str, template: str, values: dict[str, Any]) -> str:
        # What Pelican's Writer.write_file passes, with a small context per page (not Pelican's
        # whole settings dict).
        return self._template(template, values.get("lang")).render({
            **self._page_context, "localsiteurl": self._page_context.get("localsiteurl"),
            "output_file": f"{path}index.html", "page_path": path, **values,
        })

    def _start_pages(self) -> None:
        output = Path(self.output_path)
        # Everything a page is made of besides its values: templates, and the code behind their
        # filters and globals, this module and the modules of ours it imports (any change there
        # renders every page again).
        sources = [
            *(p for folder in self._templates_path for p in Path(folder).rglob("*.html")),
            Path(__file__),
            *(Path(str(module.__file__)) for module in globals().values()
              if isinstance(module, ModuleType) and module.__name__.startswith("disclosures.")),
        ]
        theme = incremental.files_hash(
            sources, incremental.fingerprint(self._page_context), site_root(
                self.settings.get("SITEURL", "")))
        processes = int(self.settings.get("SUNLIT_BUILD_PROCESSES") or os.cpu_count() or 1)
        self._pages = incremental.PageWriter(output, self._previous, theme, self._render,
                                             processes, held=self._held.get("pages"),
                                             published=self._published)

    def _finish_pages(self) -> None:
        output = Path(self.output_path)
        stats = self._pages.write()
        search_hash: str | None = None
        search_reused = False
        if self.search_rows is not None:
            documents = list(search_documents(self.search_rows))
            root = site_root(self.settings.get("SITEURL", ""))
            search_hash = incremental.fingerprint(
                [incremental.files_hash([Path(browser.__file__)]), root, documents])
            search_reused = incremental.reuse_search_index(self._previous, output, search_hash,
                                                           self._held, published=self._published)
            if not search_reused:
                write_browser_index(documents, output / "pagefind", site_root=root)
        elif (output / "pagefind").exists():
            incremental.discard(output / "pagefind")  # a recycled tree's, from a build with search
        incremental.save_manifest(output, self._pages.theme_hash, self._pages.hashes, search_hash, {
            "pages": stats.pages, "rendered": stats.rendered, "reused": stats.reused,
            "kept": stats.kept, "deleted": stats.deleted, "search_reused": search_reused,
            "previous": self._previous.name if self._previous else None,
        }, data=getattr(self, "_data_key", None))
        if (record := self.settings.get("SUNLIT_PAGES")) is not None:
            record["pages"] = self._pages.hashes  # the sitemap's, without reading the manifest
        log.info("pages: %d rendered, %d unchanged (%d of them already in place), %d deleted",
                 stats.rendered, stats.reused, stats.kept, stats.deleted)

    def generate_output(self, writer: Writer) -> None:
        self._page_context = {
            key: self.context[key]
            for key in ("SITENAME", "SITESUBTITLE", "SITEURL", "DEFAULT_LANG", "localsiteurl")
            if key in self.context
        }
        # Templates do not change during a build: no mtime check each time a page extends or
        # imports one.
        self.env.auto_reload = False
        root = site_root(self.settings.get("SITEURL", ""))
        self._language_envs = {lang: language_environment(self.env, lang, root)
                               for lang in i18n.LANGUAGES}
        self._compiled: dict[tuple[str, str], Any] = {}
        self._start_pages()
        per_page = int(self.settings.get("SUNLIT_PER_PAGE", 50))
        try:
            self._write_home(writer)
            self._write_tenders(writer, per_page)
            self._write_organisations(writer, per_page)
            self._write_departments(writer)
            self._write_lists(writer, per_page)
            self._write_approvals(writer)
            self._write_projects(writer, per_page)
            self._write_lang(writer, "search/", "search")
            self._write_flags_sources(writer)
            self._write_feed_directory()
        except BaseException:
            self._reader.close()
            raise
        # The workers write the pages while Pelican goes on (the feeds, its own pages) and the
        # downloads are exported; `_finalized` waits for both. They inherit the open reader and
        # never use it (a forked process must not use its parent's database; the export was
        # forked before the reader was opened).
        self._pages.start()
        signals.finalized.connect(self._finalized)

    def _finalized(self, pelican: Any) -> None:
        """Pelican's last step: the /data/ page once the export is done, then every page."""
        if pelican.settings is not self.settings:
            return  # another build's, run in this process
        signals.finalized.disconnect(self._finalized)
        self._reader.close()
        self._write_data()
        self._finish_pages()

    def _write_lang(self, writer: Writer | None, path: str, template: str, key: Any = None,
                    **values: Any) -> None:
        """Write a page in every language: Chinese at `path`, English at `en/<path>`.

        `key`, when given, stands for `values` (see `_write`); the language follows from the path.
        """
        for lang, prefix in _PATH_PREFIXES:
            self._write(writer, prefix + path, template, key, **_language_values(lang, path),
                        **values)

    def _write_home(self, writer: Writer) -> None:
        data = self.data
        self._write_lang(writer, "", "index", figures=data.figures,
                         latest_awards=data.latest_awards, latest_changes=data.list_changes[:10],
                         overdue_cases=data.overdue_cases[:10],
                         overdue_total=len(data.overdue_cases))

    def _department_keys(self) -> set[str]:
        if not hasattr(self, "_departments_seen"):
            self._departments_seen = {d["department_key"] for d in self.data.departments}
        return self._departments_seen

    def _write_departments(self, writer: Writer) -> None:
        data = self.data
        self._write_lang(writer, "departments/", "departments", departments=data.departments)
        items = publish._group([i for i in data.list_items if i["department_key"]],
                               "department_key")
        codes: dict[str, set[str]] = {}
        for item_code, cases in data.cases_by_item.items():
            for case in cases:
                if case["department_key"]:
                    codes.setdefault(case["department_key"], set()).add(item_code)
        for dept in data.departments:
            key = dept["department_key"]
            self._write_lang(
                writer, publish.url_path("department", key), "department", department=dept,
                list_items=items.get(key, []),
                approval_items=[a for a in data.approval_items
                                if a["item_code"] in codes.get(key, set())],
                is_organisation=key in self._org_ids(),
                page_feeds=self._feeds("department", key),
            )

    def _org_ids(self) -> set[str]:
        return self._org_id_set

    def _write_projects(self, writer: Writer, per_page: int) -> None:
        projects = self.data.projects
        for page in paginate(projects, per_page, "projects"):
            self._write_lang(writer, page.path, "projects", page=page, total=len(projects))
        until = self.data.figures.get("last_fetched_at")
        for project in projects:
            self._write_lang(writer, publish.url_path("project", project["project_code"]),
                             "project", project=project, until=until)

    def _feeds(self, kind: str, record_id: str = "") -> list[feeds.FeedLink]:
        """The feeds a page links (written by the sunlit_feeds plugin)."""
        return feeds.feeds_for(kind, record_id, self.context.get(feeds.CONTEXT_KEY))

    def _plan_lang(self, path: str, template: str, key: str) -> list[tuple[str, str, str]]:
        """(language, path, hash) of each language's page at `path` that must be rendered: the
        others, their hash given by `key` unchanged, are left in place or linked."""
        todo = []
        pages = self._pages
        for lang, prefix in _PATH_PREFIXES:
            full = prefix + path
            digest = pages.digest(full, template, key)
            if not pages.settle(full, digest):
                todo.append((lang, full, digest))
        return todo

    def _write_planned(self, todo: list[tuple[str, str, str]], path: str, template: str,
                       **values: Any) -> None:
        """Queue the pages `_plan_lang` left to render, with their values."""
        for lang, full, digest in todo:
            self._pages.add(full, template, {**_language_values(lang, path), **values},
                            digest=digest)

    def _write_tenders(self, writer: Writer, per_page: int) -> None:
        """A page per tender, and the tender lists: all tenders, and the browse pages
        /tenders/<facet>/<value>/ of each year, region, category and method."""
        con = self._con
        todo_pages = []
        for tender_id, key in publish.tender_page_keys(con):
            path = publish.url_path("tender", tender_id)
            if todo := self._plan_lang(path, "tender", key):
                todo_pages.append((tender_id, path, todo))
        rows = publish.read_tender_rows(con, [tender_id for tender_id, _, _ in todo_pages])
        by_id = {tender["tender_id"]: tender for tender in rows.tenders}
        for tender_id, path, todo in todo_pages:
            tender = by_id[tender_id]
            self._write_planned(
                todo, path, "tender", tender=tender,
                awards=rows.awards.get(tender_id, []), bids=rows.bids.get(tender_id, []),
                flags=rows.flags.get(tender_id, []),
                # The timeline is made from the tender row.
                timeline=tender_timeline(tender))
        self._write_tender_lists(per_page)

    def _write_tender_lists(self, per_page: int) -> None:
        lists = publish.tender_list_pages(self._con, per_page)
        facets: dict[str, dict[str, int]] = {facet: {} for facet in publish.FACETS}
        for page in lists:
            if page["facet"] and page["number"] == 1:
                facets[page["facet"]][page["value"]] = page["total"]
        facet_links = [
            {"facet": facet,
             "values": [{"value": value, "count": count,
                         "path": f"tenders/{facet}/{publish.path_segment(value)}/"}
                        for value, count in sorted(values.items(), reverse=facet == "year")]}
            for facet, values in facets.items() if values
        ]
        links_key = repr(facet_links)
        todo_pages = []
        for page in lists:
            facet, value, number = page["facet"], page["value"], page["number"]
            folder = f"tenders/{facet}/{publish.path_segment(value)}" if facet else "tenders"
            extra: dict[str, Any]
            if facet:
                feed_kind = {"region": "region", "category": "category"}.get(facet)
                page_feeds = self._feeds(feed_kind, value) if feed_kind else []
                extra = {"facet": facet, "facet_value": value, "page_feeds": page_feeds}
                extra_key = f"{facet}|{value}|{page_feeds!r}"
            else:
                extra = {"facet_links": facet_links if number == 1 else []}
                extra_key = links_key if number == 1 else ""
            count = max(1, -(-page["total"] // per_page))
            key = f"{per_page}|{number}|{count}|{page['total']}|{page['key']}|{extra_key}"
            path = _page_path(folder, number)
            if todo := self._plan_lang(path, "tenders", key):
                todo_pages.append((page, folder, count, todo, extra))
        rows = publish.read_tender_list_rows(
            self._con, per_page, [(p["facet"], p["value"], p["number"]) for p, *_ in todo_pages])
        for page, folder, count, todo, extra in todo_pages:
            number = page["number"]
            shown = list_page(folder, number, count, per_page,
                              rows.get((page["facet"], page["value"], number), []))
            self._write_planned(todo, shown.path, "tenders", page=shown, total=page["total"],
                                **extra)

    def _write_organisations(self, writer: Writer, per_page: int) -> None:
        con = self._con
        lists = publish.organisation_list_pages(con, per_page)
        todo_lists = []
        count = len(lists)
        for page in lists:
            key = f"{per_page}|{page['number']}|{count}|{page['total']}|{page['key']}"
            if todo := self._plan_lang(_page_path("orgs", page["number"]), "organisations", key):
                todo_lists.append((page, todo))
        items = publish.read_organisation_list_rows(
            con, per_page, [page["number"] for page, _ in todo_lists])
        for page, todo in todo_lists:
            shown = list_page("orgs", page["number"], count, per_page,
                              items.get(page["number"], []))
            self._write_planned(todo, shown.path, "organisations", page=shown,
                                total=page["total"])
        todo_pages = []
        for org_id, key in publish.organisation_page_keys(con):
            is_department = org_id in self._department_keys()
            page_feeds = self._feeds("organisation", org_id)
            path = publish.url_path("organisation", org_id)
            if todo := self._plan_lang(path, "organisation",
                                       f"{key}|{is_department}|{page_feeds!r}"):
                todo_pages.append((org_id, path, todo, is_department, page_feeds))
        rows = publish.read_organisation_rows(con, [org_id for org_id, *_ in todo_pages])
        by_id = {org["org_id"]: org for org in rows.organisations}
        for org_id, path, todo, is_department, page_feeds in todo_pages:
            self._write_planned(
                todo, path, "organisation", org=by_id[org_id],
                tenders=rows.tenders_by_buyer.get(org_id, []),
                awards=rows.awards_by_supplier.get(org_id, []),
                stats=rows.stats.get(org_id, {}), flags=rows.flags.get(org_id, []),
                is_department=is_department, page_feeds=page_feeds)

    def _write_lists(self, writer: Writer, per_page: int) -> None:
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for item in self.data.list_items:
            by_kind.setdefault(item["list_kind"], []).append(item)
        folders = {kind: f"lists/{publish.path_segment(kind)}" for kind in by_kind}
        kinds = [
            {"kind": kind, "count": len(items), "path": f"{folders[kind]}/"}
            for kind, items in by_kind.items()
        ]
        self._write_lang(writer, "lists/", "lists", kinds=kinds)
        for kind, items in by_kind.items():
            folder = folders[kind]
            for page in paginate(items, per_page, folder):
                self._write_lang(writer, page.path, "list_kind", kind=kind, page=page,
                            total=len(items), page_feeds=self._feeds("list_kind", kind))
        changes = publish._group(self.data.list_changes, "item_id")
        for item in self.data.list_items:
            self._write_lang(writer, publish.url_path("list_item", item["item_id"]), "list_item",
                             item=item, changes=changes.get(item["item_id"], []))

    def _write_approvals(self, writer: Writer) -> None:
        data = self.data
        self._write_lang(writer, "approvals/", "approvals", items=data.approval_items,
                    page_feeds=self._feeds("approvals"))
        for item in data.approval_items:
            cases = data.cases_by_item.get(item["item_code"], [])
            self._write_lang(
                writer,
                publish.url_path("approval_item", item["item_code"]),
                "approval_item",
                item=item,
                cases=cases,
                **processing_times(item, cases),
                page_feeds=self._feeds("approval_item", item["item_code"]),
            )


    def _write_flags_sources(self, writer: Writer) -> None:
        self._write_lang(writer, "flags/", "flags", flags=self.flag_pages)
        for flag in self.flag_pages:
            self._write_lang(writer, f"flags/{publish.path_segment(str(flag['slug']))}/", "flag",
                        flag=flag, page_feeds=self._feeds("flag", str(flag["code"])))
        self._write_lang(writer, "sources/", "sources", sources=self.sources)

    def _write_feed_directory(self) -> None:
        """/feeds/: every feed the build writes (the sunlit_feeds plugin), by kind."""
        index = self.context.get(feeds.CONTEXT_KEY)
        links = index.links.values() if index is not None else []
        groups = [
            {"kind": kind, "title": feeds.KIND_TITLES[kind], "opml": f"feeds/{kind}.opml",
             "links": kind_links}
            for kind, kind_links in feeds.group_links(links).items()
        ]
        self._write_lang(None, "feeds/", "feeds", key=groups, groups=groups,
                         all_opml="feeds/all.opml")

    def _write_data(self) -> None:
        # The downloads are exported into the build itself, so they match the pages exactly.
        db = Path(self.settings["SUNLIT_DB"])
        manifest = self._finish_export(Path(self.output_path) / "data")
        data_dictionary = dictionary.data_dictionary(db)
        # Keyed by the manifest's JSON: pickles of the manifest an export returns and of the
        # same manifest read back differ (shared strings), which would render the page again.
        self._write_lang(None, "data/", "data",
                         key=(json.dumps(manifest, sort_keys=True, default=str), data_dictionary),
                         manifest=manifest, dictionary=data_dictionary)

    def _start_export(self, db: Path, out: Path) -> None:
        """Start the downloads: linked from the previous build when the database is unchanged.

        The key is the sha256 of the database file's bytes (and of the export code): equal
        bytes are equal contents, so the previous export is exactly what this one would write.
        A database with a write-ahead log beside it is always exported again. A new export runs
        in a forked process while the pages are built; `_finish_export` waits for it.
        """
        self._data_key: str | None = None
        self._export_process: Any = None
        self._export_manifest: dict[str, Any] | None = None
        if not db.with_name(db.name + ".wal").exists():
            self._data_key = incremental.files_hash(
                [db, Path(export.__file__), Path(ocds_out.__file__)], "data")
            if self._held.get("data") == self._data_key and (out / "manifest.json").is_file():
                try:  # the recycled tree's downloads are this database's
                    self._export_manifest = json.loads(
                        (out / "manifest.json").read_text(encoding="utf-8"))
                    return
                except (OSError, ValueError):
                    pass
            saved = self._previous / "data" if self._previous else None
            if saved and self._published.get("data") == self._data_key and (
                    saved / "manifest.json").is_file():
                self._drop_data(out)
                try:
                    # Not the /data/ page itself: it is written (or linked) as a page.
                    incremental.link_tree(saved, out, skip=("index.html",))
                    self._export_manifest = json.loads(
                        (out / "manifest.json").read_text(encoding="utf-8"))
                    return
                except (OSError, ValueError):
                    shutil.rmtree(out, ignore_errors=True)
        self._drop_data(out)
        # Tables unchanged since the published build's export are linked from it.
        earlier = self._previous / "data" if self._previous else None
        if "fork" not in multiprocessing.get_all_start_methods():
            self._export_manifest = export.export_all(db, out, previous=earlier)
            return
        self._export_process = multiprocessing.get_context("fork").Process(
            target=export.export_all, args=(db, out), kwargs={"previous": earlier},
            name="sunlit-export", daemon=True)
        self._export_process.start()

    def _drop_data(self, out: Path) -> None:
        """Take a recycled tree's stale downloads out before new ones are written or linked.

        The /data/ page lives in that folder: it is no longer held, so it is written again.
        """
        if out.exists():
            incremental.discard(out)
            self._held.get("pages", {}).pop("data/", None)

    def _finish_export(self, out: Path) -> dict[str, Any]:
        """The downloads' manifest, once the export `_start_export` began has finished."""
        if self._export_process is not None:
            self._export_process.join()
            if self._export_process.exitcode != 0:
                raise RuntimeError("exporting the downloads failed "
                                   f"(exit code {self._export_process.exitcode}; see the log)")
            self._export_process = None
            self._export_manifest = json.loads(
                (out / "manifest.json").read_text(encoding="utf-8"))
        assert self._export_manifest is not None
        return self._export_manifest


def tender_timeline(tender: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a tender whose dates are known: notice, bid deadline, award, result."""
    steps = [
        ("招标公告", tender.get("tender_published_at")),
        ("投标截止", tender.get("bid_deadline_at")),
        ("定标", tender.get("award_date")),
        ("结果公告", tender.get("published_at")),
    ]
    return [{"label": label, "at": at} for label, at in steps if at is not None]


def processing_times(item: dict[str, Any], cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The working days completed cases took, binned, with the limits in working days."""
    days = [int(c["working_days"]) for c in cases if c["working_days"] is not None]
    markers = [
        (label, int(item[f"{kind}_limit"]))
        for label, kind in (("承诺", "promised"), ("法定", "statutory"))
        if item.get(f"{kind}_limit") is not None and item.get(f"{kind}_unit") == "workday"
    ]
    promised = item.get("promised_limit") if item.get("promised_unit") == "workday" else None
    return {
        "workday_bins": charts.bins(days, limits=[v for _, v in markers]),
        "workday_markers": markers,
        "workday_cases": len(days),
        "over_promised": sum(1 for d in days if promised is not None and d > promised),
        "overdue_share": item["overdue"] / item["cases"] if item["cases"] else None,
    }


def get_generators(pelican: Any) -> type[Generator]:
    return SunlitPagesGenerator


def register() -> None:
    signals.generator_init.connect(add_template_helpers)
    signals.get_generators.connect(get_generators)
