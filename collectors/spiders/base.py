"""The few base spiders every format spider is a thin subclass of.

`SourceSpider` knows its source (from sources.toml) and turns a response into `SourceItem`s;
`JsonApiSpider` walks a paginated JSON API; `HtmlListSpider` walks HTML list pages and their
detail pages. Format spiders set class attributes and write one small parse method each.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.selector import Selector
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from collectors.encoding import decode_page
from collectors.items import KnownPage, PageReject, SourceItem
from collectors.sources import SourceConfig

if TYPE_CHECKING:
    from collectors.run import SourceRun

Output = SourceItem | PageReject | Request
# What a spider does with a page a finished collect already read, body unchanged:
# "fetch" reads it again (the default); "stop" reads no record of it and pages no further (a
# newest-first list: what follows is older and stored); "skip" reads no record of it but keeps
# paging (a list snapshot, where every page must be seen).
UnchangedPages = Literal["fetch", "stop", "skip"]
# A JSON API claiming more pages than this is believed broken, not followed to the end.
MAX_PAGES = 10_000
# Raw text kept with a page reject: enough to see what the server sent, not the whole body.
RAW_PAGE_CHARS = 2000


def with_query(url: str, **params: str | int) -> str:
    """The url with these query parameters set (others kept, in order)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    for key, value in params.items():
        query[key] = [str(value)]
    return urlunsplit(parts._replace(query=urlencode(query, doseq=True)))


def query_param(url: str, name: str) -> str | None:
    return parse_qs(urlsplit(url).query).get(name, [None])[0]


class SourceSpider(scrapy.Spider):
    """Base of all Sunlit spiders: one source from sources.toml, one kind of record per page.

    Not a format spider itself (it has no `format`); `sunlit collect` builds a subclass per
    source so each gets its own politeness settings.
    """

    # Read by collectors.spiders.FORMATS and by `sunlit collect`: the sources.toml format name.
    format: ClassVar[str] = ""
    # Read by SourceSpider.request / page_unchanged: see UnchangedPages.
    unchanged_pages: ClassVar[UnchangedPages] = "fetch"

    def __init__(
        self, source: SourceConfig, run: SourceRun | None = None,
        known: Mapping[str, KnownPage] | None = None, **kwargs: Any,
    ) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.run = run
        # Pages read by earlier finished collects, by url (empty: collect everything).
        self.known: Mapping[str, KnownPage] = known or {}

    @property
    def incremental(self) -> bool:
        return bool(self.known) and self.unchanged_pages != "fetch"

    def start_urls_for_source(self) -> list[str]:
        return list(self.source.urls)

    async def start(self) -> AsyncIterator[Any]:
        for url in self.start_urls_for_source():
            yield self.request(url, self.parse, first=True)

    def request(
        self, url: str, callback: Any, *, first: bool = False, conditional: bool = True,
        **cb_kwargs: Any,
    ) -> Request:
        meta: dict[str, Any] = {"sunlit_first": first}
        headers: dict[str, str] = {}
        known = self.known.get(url) if self.incremental and conditional else None
        if known is not None and (known.etag or known.last_modified):
            # Ask only for a changed body; 304 Not Modified reaches the callback as unchanged.
            if known.etag:
                headers["If-None-Match"] = known.etag
            if known.last_modified:
                headers["If-Modified-Since"] = known.last_modified
            meta["handle_httpstatus_list"] = [304]
        return Request(
            url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs, meta=meta,
            headers=headers or None,
        )

    def page_unchanged(self, response: Response) -> bool:
        """True when a finished collect already read this page as it is now (or a 304 says so).

        Counted in the run; for "skip" spiders the page's document is noted, so the records
        read from it then still count as listed.
        """
        if not self.incremental:
            return False
        known = self.known.get(response.url)
        if response.status == 304 and known is not None:
            sha256 = known.sha256
        elif known is not None and response.status == 200:
            sha256 = response.meta.get("document_sha256") or hashlib.sha256(
                response.body
            ).hexdigest()
            if sha256 != known.sha256:
                return False
        else:
            return False
        if self.run is not None:
            self.run.unchanged_pages.append(sha256)
        return True

    def on_error(self, failure: Failure) -> None:
        """A request that failed for good (after retries): the run reports it."""
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            text = f"{url}: HTTP {failure.value.response.status}"
        elif failure.check(IgnoreRequest) and "robots.txt" in failure.getErrorMessage():
            text = f"{url}: forbidden by robots.txt"
        else:
            error = failure.type.__name__ if failure.type else "error"
            text = f"{url}: {error}: {failure.getErrorMessage()}"
        self.logger.warning("request failed: %s", text)
        if self.run is not None:
            self.run.errors.append(text)

    def item(self, response: Response, kind: str, payload: dict[str, Any]) -> SourceItem:
        # The archive middleware sets these; a response built in a unit test has neither.
        sha256 = response.meta.get("document_sha256") or hashlib.sha256(response.body).hexdigest()
        fetched_at = response.meta.get("fetched_at") or datetime.now(UTC)
        return SourceItem(
            kind=kind, source=self.source.name, url=response.url, payload=payload,
            fetched_at=fetched_at, document_sha256=sha256,
        )

    def page_reject(self, response: Response, kind: str, code: str, reason: str) -> PageReject:
        raw = response.body[:RAW_PAGE_CHARS].decode("utf-8", errors="replace")
        return PageReject(
            kind=kind, source=self.source.name, url=response.url, reason_code=code,
            reason=reason, raw=raw,
        )


class JsonApiSpider(SourceSpider):
    """Base for paginated JSON APIs: by a page parameter, or by a next link in each page.

    With a page parameter and a total count, the first page fans out to all the others at
    once; without a total, the next page is asked for while pages come back full.
    """

    # Read by JsonApiSpider.next_requests: query parameter holding the page number, if any.
    page_param: ClassVar[str | None] = None
    # Read by JsonApiSpider.next_requests: number of the first page (0 or 1).
    first_page: ClassVar[int] = 1
    # Read by JsonApiSpider.start_urls_for_source: query parameter holding the page size.
    page_size_param: ClassVar[str | None] = None
    # Read by JsonApiSpider.page_records / total_records: keys leading to them in a page.
    records_path: ClassVar[tuple[str, ...]] = ()
    total_path: ClassVar[tuple[str, ...] | None] = None
    # Read by JsonApiSpider.parse: the kind named in a reject of an unreadable page.
    page_kind: ClassVar[str] = "page"

    def start_urls_for_source(self) -> list[str]:
        urls = super().start_urls_for_source()
        if self.source.page_size and self.page_size_param:
            size = {self.page_size_param: self.source.page_size}
            urls = [with_query(url, **size) for url in urls]
        return urls

    def request(
        self, url: str, callback: Any, *, first: bool = False, conditional: bool = True,
        **cb_kwargs: Any,
    ) -> Request:
        # A "skip" spider pages on from its first page's total: that page is always read.
        conditional = conditional and not (first and self.unchanged_pages == "skip")
        return super().request(url, callback, first=first, conditional=conditional, **cb_kwargs)

    def parse(self, response: Response, **_: Any) -> Iterator[Output]:
        unchanged = self.page_unchanged(response)
        if unchanged and (self.unchanged_pages == "stop" or response.status == 304):
            return
        try:
            data = json.loads(response.body)
        except ValueError as error:
            yield self.page_reject(response, self.page_kind, "bad_page", f"not JSON: {error}")
            return
        records = self.page_records(data)
        if records is None:
            where = ".".join(self.records_path) or "the page"
            yield self.page_reject(
                response, self.page_kind, "bad_page", f"no list of records at {where}"
            )
            return
        if not unchanged:
            for record in records:
                yield from self.parse_record(response, record)
        yield from self.next_requests(response, data, len(records))

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        raise NotImplementedError

    @staticmethod
    def dig(data: Any, path: tuple[str, ...]) -> Any:
        for key in path:
            if isinstance(data, str):
                # Some APIs (Epoint among them) nest JSON inside a JSON string.
                try:
                    data = json.loads(data)
                except ValueError:
                    return None
            if not isinstance(data, dict):
                return None
            data = data.get(key)
        return data

    def page_records(self, data: Any) -> list[Any] | None:
        records = self.dig(data, self.records_path)
        return records if isinstance(records, list) else None

    def total_records(self, data: Any) -> int | None:
        if self.total_path is None:
            return None
        total = self.dig(data, self.total_path)
        try:
            return int(total)
        except (TypeError, ValueError):
            return None

    def next_link(self, data: Any) -> str | None:
        return None

    def next_requests(self, response: Response, data: Any, count: int) -> Iterator[Request]:
        link = self.next_link(data)
        if link:
            yield self.request(response.urljoin(link), self.parse)
            return
        if self.page_param is None or count == 0:
            return
        page = int(query_param(response.url, self.page_param) or self.first_page)
        size_text = query_param(response.url, self.page_size_param or "")
        size = int(size_text) if size_text and size_text.isdigit() else count
        total = self.total_records(data)
        if total is None:
            if count >= size:
                next_url = with_query(response.url, **{self.page_param: page + 1})
                yield self.request(next_url, self.parse)
            return
        pages = math.ceil(total / size) if size else 0
        if pages > MAX_PAGES:
            if self.run is not None and response.meta.get("sunlit_first"):
                self.run.warn(f"{response.url} claims {total} records; following {MAX_PAGES} pages")
            pages = MAX_PAGES
        first = page - self.first_page  # the start url may begin past the first page
        if self.incremental and self.unchanged_pages == "stop":
            # Newest first: one page at a time, until one is met unchanged.
            if first + 1 < pages:
                next_url = with_query(response.url, **{self.page_param: page + 1})
                yield self.request(next_url, self.parse)
            return
        if not response.meta.get("sunlit_first"):
            return  # the first page already asked for every page
        for index in range(first + 1, pages):
            url = with_query(response.url, **{self.page_param: self.first_page + index})
            yield self.request(url, self.parse)


class HtmlListSpider(SourceSpider):
    """Base for HTML portals: list pages linking to detail pages, paged by a "下一页" link.

    Pages are decoded with `disclosures.extract.decode_html`, which sees through GBK bodies
    and mislabelled charsets that Scrapy's own detection gets wrong.
    """

    # Read by HtmlListSpider.parse: each element of a list page that holds one notice link.
    list_row_xpath: ClassVar[str] = "//li[.//a[@href]]"
    # Read by HtmlListSpider.parse: the link to the next list page.
    next_page_xpath: ClassVar[str] = '//a[contains(normalize-space(.), "下一页")]/@href'
    # Read by HtmlListSpider.parse: the kind named in a reject of an unreadable list page.
    page_kind: ClassVar[str] = "page"

    def parse(self, response: Response, **_: Any) -> Iterator[Output]:
        if self.page_unchanged(response):
            return  # newest first: this list page and every older one were read before
        text, _encoding = decode_page(response)
        page = Selector(text=text)
        rows = page.xpath(self.list_row_xpath)
        if not rows:
            yield self.page_reject(
                response, self.page_kind, "bad_page", "a list page without notice links"
            )
            return
        for row in rows:
            entry = self.list_entry(row)
            if entry is None:
                continue
            # Notice pages are fetched whole: their payload carries the list entry with them.
            yield self.request(
                response.urljoin(entry["href"]), self.parse_detail, conditional=False, entry=entry
            )
        next_href = page.xpath(self.next_page_xpath).get()
        if next_href:
            yield self.request(response.urljoin(next_href.strip()), self.parse)

    def list_entry(self, row: Selector) -> dict[str, Any] | None:
        """What a list row says about its notice; must include "href"."""
        raise NotImplementedError

    def parse_detail(self, response: Response, entry: dict[str, Any]) -> Iterator[Output]:
        raise NotImplementedError
