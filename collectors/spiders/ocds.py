"""Open Contracting Data Standard (OCDS) publications, from any publisher."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

import ocdsmerge
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Request, Response

from collectors.encoding import declared_charset
from collectors.items import PageReject, SourceItem
from collectors.spiders.base import JsonApiSpider, Output

# ocdsmerge's rules derived from the OCDS 1.1.5 release schema (`ocdsmerge.rules.get_merge_rules`
# on release-schema.json; tests/test_ocds_spider.py checks them against the schema when it is
# beside the repository). Written out because ocdsmerge would otherwise fetch the schema from
# the web on every collect.
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    **dict.fromkeys(
        [
            ("parties", "additionalIdentifiers"),
            ("parties", "roles"),
            ("buyer", "additionalIdentifiers"),
            ("tender", "procuringEntity", "additionalIdentifiers"),
            ("tender", "items", "additionalClassifications"),
            ("tender", "additionalProcurementCategories"),
            ("tender", "submissionMethod"),
            ("tender", "tenderers", "additionalIdentifiers"),
            ("tender", "amendments", "changes"),
            ("tender", "amendment", "changes"),
            ("awards", "suppliers", "additionalIdentifiers"),
            ("awards", "items", "additionalClassifications"),
            ("awards", "amendments", "changes"),
            ("awards", "amendment", "changes"),
            ("contracts", "items", "additionalClassifications"),
            ("contracts", "implementation", "transactions", "payer", "additionalIdentifiers"),
            ("contracts", "implementation", "transactions", "payee", "additionalIdentifiers"),
            ("contracts", "relatedProcesses", "relationship"),
            ("contracts", "amendments", "changes"),
            ("contracts", "amendment", "changes"),
            ("relatedProcesses", "relationship"),
        ],
        "wholeListMerge",
    ),
}
# A compressed file is not unpacked past this many bytes: a zip bomb is a reject, not an OOM.
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# Where the spider_idle handler sends itself to emit merged records: no network, no document.
EMIT_URL = "data:application/json,{}"


@dataclass(frozen=True)
class Origin:
    """The document a release was read from."""

    url: str
    sha256: str
    fetched_at: datetime


@dataclass
class Found:
    """Releases of one ocid met so far, and a compiled release to fall back on."""

    releases: list[tuple[dict[str, Any], Origin]]
    compiled: tuple[dict[str, Any], Origin] | None = None

    def keep_compiled(self, release: dict[str, Any], origin: Origin) -> None:
        """Keep the newest of the compiled releases met (a publisher may serve two, a record's
        and a bare one); the same date goes to the same one whatever the arrival order."""
        if self.compiled is None or compiled_rank(release) > compiled_rank(self.compiled[0]):
            self.compiled = (release, origin)


class BadDocument(ValueError):
    """A body that holds no readable OCDS; the message is the reject's reason."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code


def unpack(body: bytes) -> list[tuple[str, bytes]]:
    """The files inside a body: itself, or each member of a zip, or a gunzipped body."""
    if body[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
                data = handle.read(MAX_UNPACKED_BYTES + 1)
        except (OSError, EOFError) as error:
            raise BadDocument("bad_page", f"a broken gzip file: {error}") from None
        if len(data) > MAX_UNPACKED_BYTES:
            raise BadDocument("bad_page", f"gzip unpacks past {MAX_UNPACKED_BYTES} bytes")
        return [("", data)]
    if body[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                    raise BadDocument("bad_page", f"zip unpacks past {MAX_UNPACKED_BYTES} bytes")
                return [(m.filename, archive.read(m)) for m in members]
        except zipfile.BadZipFile as error:
            raise BadDocument("bad_page", f"a broken zip file: {error}") from None
    return [("", body)]


def decode_json_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """(text, encoding): UTF-8 as JSON requires (RFC 8259), else the declared charset, else
    ISO-8859-1 — some publishers (Mexico City) still write Latin-1, and every byte string is
    valid Latin-1, so the body is read rather than lost; the encoding is reported."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if charset and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        try:
            return data.decode(charset), charset
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("iso-8859-1"), "iso-8859-1"


def json_documents(text: str) -> list[Any]:
    """Every JSON value in the text: one document, JSON lines, or documents written back to
    back (one publisher's file holds two concatenated packages)."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position >= length:
            return found
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise BadDocument("bad_page", f"not JSON: {error}") from None
        found.append(value)


def release_date(release: dict[str, Any]) -> str:
    value = release.get("date")
    return value if isinstance(value, str) else ""


def compiled_rank(release: dict[str, Any]) -> tuple[str, str]:
    return release_date(release), json.dumps(release, sort_keys=True, default=str)


class OcdsSpider(JsonApiSpider):
    """OCDS releases and records from any publisher, merged into one compiled release per ocid.

    Collects:
        ocds_release items, `{"release": {...}, "release_count": n}`: per ocid, the releases
        met in this source merged with `ocdsmerge` (OCDS 1.1.5 merge rules) into a compiled
        release, or the record's own `compiledRelease` when no release of it was met. A single
        release is passed on as it is.
    From:
        release packages, record packages (embedded releases; linked releases are followed
        when they are on a host of the source's urls), bare releases and records, a list of
        any of these, JSON lines, JSON documents written back to back, zip and gzip files;
        pages linked by `links.next` or `next_page` (`{"uri": ...}`, Armenia), as served by
        OCDS APIs and by the sample portal at `/ocds/releases.json?page=1`.
    Arguments:
        url/urls: the first package of each publication, or every file of a bulk download.
        since/until: keep only releases dated on or after / on or before these dates
        (sources.toml keys; ISO dates).
    Caveats:
        Records are emitted when the crawl is otherwise done (merging needs every release of
        an ocid), so they all arrive at once at the end. Bodies are read as UTF-8, else the
        charset the server declares, else ISO-8859-1 (with a warning). A zero-byte file or a
        body that is not JSON is a page reject. Non-conformant shapes (Taiwan's `awards`
        object) are read by the record builder; a merge that fails is a reject.
    """

    format = "ocds"
    page_kind = "ocds_release"
    # Read by OcdsSpider: stop following a chain of next links after this many pages.
    max_pages: ClassVar[int] = 100_000

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.found: dict[str, Found] = {}
        self.merger = ocdsmerge.Merger(merge_rules=MERGE_RULES)
        self.allowed_hosts = {urlsplit(url).netloc for url in self.source.urls}
        self.linked_seen: set[str] = set()
        self.emitted = False
        self.skipped_by_date = 0

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> Any:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.on_idle, signal=signals.spider_idle)
        return spider

    # ---- reading a body -------------------------------------------------------------------

    def parse(self, response: Response, **_: Any) -> Iterator[Output]:
        origin = Origin(
            response.url,
            response.meta.get("document_sha256") or "",
            response.meta.get("fetched_at") or datetime.now(UTC),
        )
        try:
            if not response.body.strip():
                raise BadDocument("empty_file", "a zero-byte (or blank) file: nothing to read")
            documents: list[Any] = []
            for name, data in unpack(response.body):
                text, encoding = decode_json_text(data, declared_charset(response))
                if encoding != "utf-8" and self.run is not None:
                    self.run.warn(f"{response.url}{'!' + name if name else ''}: read as {encoding}")
                documents.extend(json_documents(text))
        except BadDocument as bad:
            yield self.page_reject(response, self.page_kind, bad.code, str(bad))
            return
        read_any = False
        for document in documents:
            for output in self.read_document(response, document, origin):
                read_any = read_any or not isinstance(output, PageReject)
                yield output
        if not read_any and not documents:
            yield self.page_reject(response, self.page_kind, "bad_page", "no JSON document")

    def read_document(self, response: Response, data: Any, origin: Origin) -> Iterator[Output]:
        if isinstance(data, list):
            for element in data:
                yield from self.read_document(response, element, origin)
            return
        if not isinstance(data, dict):
            yield self.page_reject(
                response, self.page_kind, "bad_page", f"a JSON {type(data).__name__}, not OCDS"
            )
            return
        if isinstance(data.get("records"), list):
            for record in data["records"]:
                yield from self.read_record(response, record, origin)
        elif isinstance(data.get("releases"), list) and "compiledRelease" not in data and (
            "ocid" not in data or "uri" in data or "publishedDate" in data
        ):
            for release in data["releases"]:
                yield from self.add_release(response, release, origin)
        elif "compiledRelease" in data or (
            isinstance(data.get("releases"), list) and "ocid" in data
        ):
            yield from self.read_record(response, data, origin)
        elif "ocid" in data:
            yield from self.add_release(response, data, origin)
        else:
            keys = ", ".join(sorted(map(str, data))[:8])
            yield self.page_reject(
                response, self.page_kind, "bad_page",
                f"neither a package, a release nor a record (keys: {keys})",
            )
            return
        link = self.next_link(data)
        if link:
            absolute = response.urljoin(link)
            if urlsplit(absolute).netloc in self.allowed_hosts:
                yield self.request(absolute, self.parse)
            elif self.run is not None:
                # A bulk file copied from elsewhere keeps its publisher's next link.
                self.run.warn(f"{response.url}: next page {absolute} is off this source's hosts")

    def read_record(self, response: Response, record: Any, origin: Origin) -> Iterator[Output]:
        if not isinstance(record, dict):
            yield self.page_reject(
                response, self.page_kind, "bad_record", "a record that is not an object"
            )
            return
        embedded = [r for r in record.get("releases") or [] if isinstance(r, dict)]
        # An embedded release has an ocid (or at least an id); a linked one only url, date, tag.
        full = [r for r in embedded if "ocid" in r or ("id" in r and "url" not in r)]
        linked = [
            r["url"] for r in embedded
            if isinstance(r.get("url"), str) and not ("ocid" in r or "id" in r)
        ]
        for release in full:
            yield from self.add_release(response, release, origin)
        compiled = record.get("compiledRelease")
        ocid = record.get("ocid")
        if not isinstance(ocid, str) and isinstance(compiled, dict):
            ocid = compiled.get("ocid")
        if isinstance(compiled, dict) and isinstance(ocid, str):
            if self.in_window(compiled):
                self.found.setdefault(ocid, Found([])).keep_compiled(compiled, origin)
            else:
                self.skipped_by_date += 1
        if full or isinstance(compiled, dict):
            return
        # Only links: follow those on the source's own hosts.
        for url in linked:
            absolute = response.urljoin(url)
            if urlsplit(absolute).netloc not in self.allowed_hosts:
                yield self.page_reject(
                    response, self.page_kind, "offsite_release",
                    f"record {ocid} links its release to {absolute}, outside this source's hosts",
                )
            elif absolute not in self.linked_seen:
                self.linked_seen.add(absolute)
                yield self.request(absolute, self.parse)
        if not linked:
            yield self.page_reject(
                response, self.page_kind, "bad_record",
                f"record {ocid!r} has neither releases nor a compiledRelease",
            )

    def in_window(self, release: dict[str, Any]) -> bool:
        since, until = self.source.since, self.source.until
        if since is None and until is None:
            return True
        day = release_date(release)[:10]
        try:
            when = date.fromisoformat(day)
        except ValueError:
            return True  # undated: kept, the record builder judges it
        return (since is None or when >= since) and (until is None or when <= until)

    def add_release(self, response: Response, release: Any, origin: Origin) -> Iterator[Output]:
        if not isinstance(release, dict) or not isinstance(release.get("ocid"), str):
            yield self.page_reject(
                response, self.page_kind, "missing_field",
                f"a release without an ocid: {json.dumps(release, ensure_ascii=False)[:120]}",
            )
            return
        if not self.in_window(release):
            self.skipped_by_date += 1
            return
        found = self.found.setdefault(release["ocid"], Found([]))
        tag = release.get("tag")
        if tag == "compiled" or (isinstance(tag, list) and "compiled" in tag):
            # A compiled release published on its own (Paraguay): merged already, so it stands
            # in for the record only when none of its releases is met.
            found.keep_compiled(release, origin)
            return
        found.releases.append((release, origin))

    def next_link(self, data: Any) -> str | None:
        if not isinstance(data, dict):
            return None
        links = data.get("links")
        if isinstance(links, dict) and isinstance(links.get("next"), str):
            return str(links["next"])
        next_page = data.get("next_page")
        if isinstance(next_page, dict) and isinstance(next_page.get("uri"), str):
            return str(next_page["uri"])
        if isinstance(next_page, str):
            return next_page
        return None

    def parse_record(self, response: Response, record: Any) -> Iterable[Output]:
        raise NotImplementedError  # parse() reads whole documents itself

    # ---- merging, once every page is read -------------------------------------------------

    def on_idle(self) -> None:
        if self.emitted or not self.found:
            return
        self.emitted = True
        request = Request(EMIT_URL, callback=self.emit_records, dont_filter=True,
                          meta={"sunlit_internal": True})
        self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def emit_records(self, response: Response, **_: Any) -> Iterator[Output]:
        if self.skipped_by_date and self.run is not None:
            self.run.warn(f"{self.skipped_by_date} release(s) outside since/until skipped")
        for ocid in sorted(self.found):
            yield from self.compiled_item(ocid, self.found[ocid])
        self.found.clear()

    def compiled_item(self, ocid: str, found: Found) -> Iterator[Output]:
        # The same release read twice (a record and a release package both hold it) counts once.
        unique: dict[tuple[str, str], tuple[dict[str, Any], Origin]] = {}
        for release, origin in found.releases:
            unique.setdefault((str(release.get("id")), release_date(release)), (release, origin))
        ordered = sorted(unique.values(), key=lambda pair: release_date(pair[0]))
        if ordered:
            newest = ordered[-1][1]
            if len(ordered) == 1:
                release = ordered[0][0]
            else:
                try:
                    release = self.merger.create_compiled_release([r for r, _ in ordered])
                except Exception as error:  # non-conformant data ocdsmerge cannot merge
                    yield PageReject(
                        kind=self.page_kind, source=self.source.name, url=newest.url,
                        reason_code="merge_failed",
                        reason=f"{ocid}: {len(ordered)} releases could not be merged: "
                        f"{type(error).__name__}: {error}",
                        raw=json.dumps([r for r, _ in ordered], ensure_ascii=False)[:2000],
                    )
                    return
                # The newest release's tag says whether the record was last amended.
                release["tag"] = ordered[-1][0].get("tag")
            count = len(ordered)
        else:
            assert found.compiled is not None
            release, newest = found.compiled
            count = 0
        yield SourceItem(
            kind="ocds_release", source=self.source.name, url=newest.url,
            payload={"release": release, "release_count": count},
            fetched_at=newest.fetched_at, document_sha256=newest.sha256,
        )
