"""Downloader middlewares: keep every body we fetch, and wait when a server asks us to."""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

from collectors.encoding import document_encoding
from collectors.sources import PORTAL_ORIGIN

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from collectors.run import SourceRun

logger = logging.getLogger(__name__)


def source_run(crawler: Crawler) -> SourceRun:
    """The SourceRun that `sunlit collect` handed to this crawler's spider."""
    run: SourceRun | None = getattr(crawler.spider, "run", None)
    if run is None:
        raise RuntimeError("Sunlit spiders are run by `sunlit collect`, which gives them a run")
    return run


class SamplePortalMiddleware:
    """Sends requests for the sample portal's fixed origin to wherever it listens this run.

    The portal is used as an HTTP proxy: it sees the fixed origin in the request, so the urls
    it writes into its pages (OCDS links.next, package uri) are the same on every run.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        base = source_run(self.crawler).source.portal_base
        if base and request.url.startswith(PORTAL_ORIGIN + "/"):
            request.meta["proxy"] = base


class ArchiveMiddleware:
    """Archives every successful response body and records it in `documents`.

    In a downloader middleware rather than a pipeline so list pages, which yield no record of
    their own, are kept too. The body's sha256 goes into `request.meta`, from where spiders put
    it on each item (`SourceItem.document_sha256`).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        # robots.txt and error pages are not documents any record could come from, nor is a
        # spider's internal data: request (OcdsSpider emitting merged records).
        if (
            request.meta.get("dont_obey_robotstxt")
            or request.meta.get("sunlit_internal")
            or not 200 <= response.status < 300
        ):
            return response
        run = source_run(self.crawler)
        fetched_at = datetime.now(UTC)
        sha256, archive_path = run.writer.archive(response.body)
        content_type = response.headers.get(b"Content-Type")
        etag = response.headers.get(b"ETag")
        last_modified = response.headers.get(b"Last-Modified")
        run.writer.add_document(
            {
                "sha256": sha256,
                "url": response.url,
                "source": run.source.name,
                "fetched_at": fetched_at,
                "http_status": response.status,
                "content_type": content_type.decode("latin-1") if content_type else None,
                "encoding": document_encoding(response),
                "size_bytes": len(response.body),
                "archive_path": archive_path,
                "etag": etag.decode("latin-1") if etag else None,
                "last_modified": last_modified.decode("latin-1") if last_modified else None,
            }
        )
        run.counts.pages += 1
        request.meta["document_sha256"] = sha256
        request.meta["fetched_at"] = fetched_at
        return response


def retry_after_seconds(value: bytes | str | None, *, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks for: delta-seconds or an HTTP date (RFC 9110 10.2.3)."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware, but a 429 or 503 first waits as long as Retry-After asks.

    The wait is an asynchronous sleep: other sources keep crawling meanwhile. It is capped at
    RETRY_AFTER_MAX_WAIT seconds so a server asking for an hour cannot stall a run.
    """

    WAIT_STATUSES = frozenset({429, 503})

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.max_wait = settings.getfloat("RETRY_AFTER_MAX_WAIT", 60.0)

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if response.status not in self.WAIT_STATUSES or request.meta.get("dont_retry", False):
            return super().process_response(request, response)
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait:
            wait = min(wait, self.max_wait)
            logger.info(
                "%s answered %s; waiting %.1fs as asked", request.url, response.status, wait
            )
            await sleep(wait)
        return self._retry(request, f"HTTP {response.status}") or response
