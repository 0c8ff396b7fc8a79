"""Item pipelines: validate each raw record, then load accepted ones in Arrow batches.

validate (`disclosures.records.build_records`; a `Rejected` becomes a rejects row) → load
(buffer rows per table, `store.upsert_records` per batch). Archiving happens earlier, in
`collectors.middlewares.ArchiveMiddleware`, so that list pages are kept too.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals

from collectors.items import PageReject, SourceItem
from collectors.middlewares import source_run
from collectors.run import canonical_json
from collectors.sources import LIST_FORMATS
from disclosures import records as record_builder
from disclosures import store

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

    from collectors.run import SourceRun

# The table holding the record an item is about; its key identifies the item within a run
# (duplicates, corrections) and its counts are the run's new/changed/unchanged.
PRIMARY_TABLE = {
    "award_notice": "tenders",
    "candidate_notice": "tenders",
    "ocds_release": "tenders",
    "list_item": "list_items",
    "approval_case": "approval_cases",
    "case_log": "approval_cases",
}
# Referenced tables first, so a reader never meets an award whose supplier is not stored yet.
TABLE_ORDER = (
    "organisations", "tenders", "awards", "bids", "list_items", "approval_cases", "approval_steps"
)


@dataclass
class Accepted:
    item: SourceItem
    records: dict[str, list[dict[str, Any]]]
    seq: int = 0

    @property
    def rows(self) -> int:
        return sum(len(rows) for rows in self.records.values())

    def primary(self) -> dict[str, Any] | None:
        rows = self.records.get(PRIMARY_TABLE.get(self.item.kind, ""), [])
        return rows[0] if rows else None

    def key(self) -> str:
        """Identity within a run: the primary record's id, else the payload itself."""
        table = PRIMARY_TABLE.get(self.item.kind, "")
        row = self.primary()
        if row is not None and table in store.RECORD_TABLES:
            return f"{table}:{row[store.RECORD_TABLES[table]]}"
        return "payload:" + payload_hash(self.item)

    def recency(self) -> tuple[str, bool, int]:
        """Sort key between versions of one record met in one run: oldest first.

        By publication time, then a correction after what it corrects, then arrival order.
        """
        row = self.primary() or {}
        published = row.get("published_at")
        text = published.isoformat() if isinstance(published, datetime) else str(published or "")
        return (text, bool(row.get("is_correction")), self.seq)


@dataclass
class Refused:
    item: SourceItem
    code: str
    reason: str


def payload_hash(item: SourceItem) -> str:
    return hashlib.sha256(canonical_json(item.payload).encode("utf-8")).hexdigest()


def split_result(result: Any) -> tuple[dict[str, list[dict[str, Any]]], list[str], list[str]]:
    """build_records' `Records`: (rows per table, unknown labels, warnings)."""
    if not isinstance(result, Mapping):
        raise TypeError(f"build_records returned {type(result).__name__}, not rows per table")
    tables = {table: list(rows) for table, rows in result.items()}
    unknown = [str(label) for label in getattr(result, "unknown_labels", None) or []]
    warnings = [str(text) for text in getattr(result, "warnings", None) or []]
    return tables, unknown, warnings


class ValidatePipeline:
    """Understands each item through disclosures.records; bad ones become Refused, not errors."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, SourceItem):
            return item
        run = source_run(self.crawler)
        provenance = record_builder.Provenance(
            source=item.source, url=item.url, document_sha256=item.document_sha256,
            fetched_at=item.fetched_at,
        )
        try:
            result = record_builder.build_records(
                item.kind, item.payload, provenance,
                extra_synonyms=run.source.label_synonyms or None,
            )
        except record_builder.Rejected as rejected:
            return Refused(item, str(rejected.code), str(rejected.reason))
        except Exception as error:  # a parser bug must not lose the record: reject it, loudly
            run.warn(f"parser error on {item.url}: {type(error).__name__}: {error}")
            return Refused(item, "parser_error", f"{type(error).__name__}: {error}")
        tables, unknown, warnings = split_result(result)
        run.unknown_labels.update(unknown)
        for warning in warnings:
            run.warn(warning)
        return Accepted(item, tables)


@dataclass
class _Seen:
    # payload hash -> url where that content was first met
    urls: dict[str, str] = field(default_factory=dict)
    flushed_recency: tuple[str, bool, int] | None = None


class LoadPipeline:
    """Buffers accepted records per table and writes them in batches through the one writer.

    Within a run, an item whose record was already met is either a duplicate (same payload:
    rejected) or another version (different payload: a correction). Versions are held back
    and written oldest first at the end, each in its own batch, because one batch keeps only
    the last row of a key.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pending: dict[str, Accepted] = {}
        self.pending_rows = 0
        self.seen: dict[str, _Seen] = {}
        self.versions: dict[str, list[Accepted]] = {}
        self.sequence = itertools.count()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    @property
    def run(self) -> SourceRun:
        return source_run(self.crawler)

    def process_item(self, item: Any) -> Any:
        run = self.run
        if isinstance(item, PageReject):
            # Counted as an item: a source whose every page is garbage has a 100% reject rate.
            run.counts.items += 1
            run.reject(kind=item.kind, url=item.url, reason_code=item.reason_code,
                       reason=item.reason, raw=item.raw)
        elif isinstance(item, Refused):
            run.counts.items += 1
            run.reject(kind=item.item.kind, url=item.item.url, reason_code=item.code,
                       reason=item.reason, raw=canonical_json(item.item.payload))
        elif isinstance(item, Accepted):
            run.counts.items += 1
            self._accept(item)
        return item

    def _accept(self, accepted: Accepted) -> None:
        accepted.seq = next(self.sequence)
        key = accepted.key()
        digest = payload_hash(accepted.item)
        seen = self.seen.get(key)
        if seen is None:
            self.seen[key] = _Seen({digest: accepted.item.url})
            self._buffer(key, accepted)
            return
        if digest in seen.urls:
            item = accepted.item
            # Which copy arrives second depends on download order; naming both urls, sorted,
            # keeps the reject (and its id) the same on every run.
            urls = sorted({seen.urls[digest], item.url})
            self.run.reject(
                kind=item.kind, url=urls[-1], reason_code="duplicate",
                reason=f"served twice in one run: {key.partition(':')[2]} with identical content"
                + (f", also at {urls[0]}" if len(urls) > 1 else ""),
                raw=canonical_json(item.payload),
            )
            return
        seen.urls[digest] = accepted.item.url
        versions = self.versions.setdefault(key, [])
        if key in self.pending:
            first = self.pending.pop(key)
            self.pending_rows -= first.rows
            versions.append(first)
        versions.append(accepted)

    def _buffer(self, key: str, accepted: Accepted) -> None:
        self.pending[key] = accepted
        self.pending_rows += accepted.rows
        if self.pending_rows >= self.run.writer.batch_rows:
            self.flush()

    def flush(self) -> None:
        batch = list(self.pending.values())
        for accepted in batch:
            self.seen[accepted.key()].flushed_recency = accepted.recency()
        self.pending.clear()
        self.pending_rows = 0
        self._write(batch)

    def _write(self, batch: list[Accepted]) -> None:
        run = self.run
        if batch:
            by_table: dict[str, list[dict[str, Any]]] = {}
            for accepted in batch:
                for table, rows in accepted.records.items():
                    if table == "tenders" and accepted.item.kind == "candidate_notice":
                        run.writer.defer_candidate_tenders(rows, run)
                        continue
                    by_table.setdefault(table, []).extend(rows)
            primaries = {PRIMARY_TABLE.get(a.item.kind) for a in batch}
            for table in sorted(by_table, key=_table_rank):
                counts = run.writer.upsert(table, by_table[table])
                if table in primaries:
                    run.counts.upserts += counts
        run.writer.flush()

    def write_versions(self) -> None:
        """Write records met in several versions this run, oldest first, one round each.

        A version already stored (a re-run meeting the original and its correction again) is
        not written again; the newest is always upserted so it is, or stays, current.
        """
        if not self.versions:
            return
        run = self.run
        ordered = {key: sorted(found, key=Accepted.recency) for key, found in self.versions.items()}
        stored = self._stored_versions(ordered)
        rounds: list[list[Accepted]] = []
        for key, found in ordered.items():
            flushed = self.seen[key].flushed_recency
            writable: list[Accepted] = []
            for position, accepted in enumerate(found):
                newest = position == len(found) - 1
                primary = accepted.primary() or {}
                if not newest and (key, str(primary.get("content_hash"))) in stored:
                    run.counts.upserts.unchanged += 1
                    continue
                if flushed is not None and accepted.recency() < flushed:
                    # Its newer version is already written as current; storing this one now
                    # would make an old version current. Keep it, as a reject, to be seen.
                    item = accepted.item
                    run.reject(
                        kind=item.kind, url=item.url, reason_code="older_version",
                        reason=f"an older version of {key.partition(':')[2]}, met after its newer "
                        "version was stored in this run",
                        raw=canonical_json(item.payload),
                    )
                    continue
                writable.append(accepted)
            for index, accepted in enumerate(writable):
                if index == len(rounds):
                    rounds.append([])
                rounds[index].append(accepted)
        self.versions.clear()
        for batch in rounds:
            self._write(batch)

    def _stored_versions(self, ordered: dict[str, list[Accepted]]) -> set[tuple[str, str]]:
        stored: set[tuple[str, str]] = set()
        by_table: dict[str, list[str]] = {}
        for key in ordered:
            table, _, record_id = key.partition(":")
            if table in store.RECORD_TABLES:
                by_table.setdefault(table, []).append(record_id)
        for table, ids in by_table.items():
            stored |= {(f"{table}:{k}", h) for k, h in self.run.writer.stored_hashes(table, ids)}
        return stored

    def retire_unlisted(self) -> None:
        """A complete list snapshot retires the items of its kind that were not listed."""
        run = self.run
        source = run.source
        if source.format not in LIST_FORMATS or run.errors or run.counts.rejected:
            return
        if not self.seen and not run.unchanged_pages:
            return
        present = [key.partition(":")[2] for key in self.seen if key.startswith("list_items:")]
        # Pages not read again because unchanged still list what was read from them.
        present += run.writer.keys_from_documents(
            "list_items", run.unchanged_pages, "source = ? AND list_kind = ?",
            [source.name, source.list_kind],
        )
        run.retired = run.writer.retire_missing(
            "list_items", present, "source = ? AND list_kind = ?", [source.name, source.list_kind]
        )
        run.writer.snapshot_list(source.name, str(source.list_kind))

    def close_spider(self) -> None:
        self.flush()
        self.write_versions()

    def spider_closed(self, spider: Any, reason: str) -> None:
        # Only here is it known whether the crawl ran to its end (pipelines close earlier).
        run = self.run
        run.finish_reason = reason
        if reason == "finished":
            self.retire_unlisted()
        run.writer.flush()


def _table_rank(table: str) -> int:
    return TABLE_ORDER.index(table) if table in TABLE_ORDER else len(TABLE_ORDER)
