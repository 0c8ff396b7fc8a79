"""State of one `sunlit collect`: the single writer and each source's counts.

All crawlers of a collect run in one Twisted reactor thread, so they share one read-write
DuckDB connection without locking: DESIGN.md's "one writer".
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import secrets
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from collectors.items import KnownPage
from collectors.sources import SourceConfig
from disclosures import ids, store

# Rows buffered per table before a flush: big enough for Arrow batches to pay off, small enough
# that a killed crawl loses little work.
BATCH_ROWS = 2000
# Organisation sightings held for the end-of-collect merge; past this many they are written
# early (memory over perfect merging: a very large collect may store an extra version).
MAX_PENDING_ORGANISATIONS = 200_000
# Warnings kept per source for the run report (all are counted).
MAX_WARNINGS_KEPT = 20


def _most_common(values: list[Any]) -> Any:
    """The most frequent non-null value; ties go to the smallest, so input order never matters."""
    present = [v for v in values if v is not None]
    if not present:
        return None
    counts = Counter(present)
    top = max(counts.values())
    return min(v for v, n in counts.items() if n == top)


def merge_organisations(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per org_id out of every sighting of it in a collect, whatever their order.

    Sources see an organisation differently (a trading centre knows its region, a list does
    not). Written one sighting at a time, the last writer would win and the next collect would
    flip it back: a new version every run. Merged, the same sightings give the same row.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row["org_id"], []).append(row)
    merged: list[dict[str, Any]] = []
    for org_id in sorted(grouped):
        sightings = grouped[org_id]
        name = _most_common([r["name"] for r in sightings])
        # Provenance from one sighting of the chosen name, picked without regard to order.
        base = min(
            (r for r in sightings if r["name"] == name),
            key=lambda r: (str(r.get("source")), str(r.get("url"))),
        )
        row = dict(base)
        row["aliases"] = sorted({a for r in sightings for a in (r.get("aliases") or [])})
        row["region"] = _most_common([r.get("region") for r in sightings])
        row["uscc"] = _most_common([r.get("uscc") for r in sightings])
        row["uscc_valid"] = _most_common(
            [r.get("uscc_valid") for r in sightings if r.get("uscc") == row["uscc"]]
        )
        row["content_hash"] = ids.content_hash(row)
        merged.append(row)
    return merged


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(3)


def canonical_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class Writer:
    """The one read-write connection of a collect, with the raw archive beside it."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, archive_dir: Path, run_id: str,
        batch_rows: int = BATCH_ROWS,
    ) -> None:
        self.con = con
        self.archive_dir = archive_dir
        self.run_id = run_id
        self.batch_rows = batch_rows
        self._documents: dict[tuple[str, str], dict[str, Any]] = {}
        self._organisations: list[dict[str, Any]] = []
        self.organisation_counts = store.UpsertCounts()
        self._rejects: dict[str, dict[str, Any]] = {}
        # Tenders seen only through candidate notices, with the run to count them in.
        self._candidate_tenders: dict[str, tuple[dict[str, Any], SourceRun]] = {}

    def archive(self, body: bytes) -> tuple[str, str]:
        """Store a body gzip-compressed under its sha256; return (sha256, path in archive).

        Written to a temporary file and renamed, so a killed collect never leaves a truncated
        file under a valid name. A body already archived is not written again.
        """
        sha256 = hashlib.sha256(body).hexdigest()
        relative = f"{sha256[:2]}/{sha256}.gz"
        target = self.archive_dir / relative
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".gz")
            try:
                with os.fdopen(fd, "wb") as handle:
                    # mtime=0: the same body always compresses to the same bytes.
                    handle.write(gzip.compress(body, compresslevel=6, mtime=0))
                os.replace(temp, target)
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        return sha256, relative

    def add_document(self, row: dict[str, Any]) -> None:
        self._documents.setdefault((row["sha256"], row["url"]), {**row, "last_run": self.run_id})

    def add_reject(
        self, *, source: str, kind: str, url: str | None, reason_code: str, reason: str, raw: str
    ) -> None:
        # The same defect met again (a re-run, a retry) keeps one row: the id is its content.
        reject_id = hashlib.sha256(
            "\x1f".join([source, url or "", reason_code, raw]).encode("utf-8")
        ).hexdigest()
        self._rejects.setdefault(
            reject_id,
            {
                "reject_id": reject_id,
                "run_id": self.run_id,
                "source": source,
                "kind": kind,
                "url": url,
                "reason_code": reason_code,
                "reason": reason,
                "raw": raw,
                "rejected_at": datetime.now(UTC),
            },
        )

    def upsert(self, table: str, rows: list[dict[str, Any]]) -> store.UpsertCounts:
        if table == "organisations":
            # Shared by every source: merged and written once, at the end of the collect.
            self._organisations.extend(rows)
            if len(self._organisations) >= MAX_PENDING_ORGANISATIONS:
                self.flush_organisations()
            return store.UpsertCounts()
        return store.upsert_records(self.con, table, rows, self.run_id)

    def flush_organisations(self) -> store.UpsertCounts:
        merged = merge_organisations(self._organisations)
        self._organisations.clear()
        counts = store.upsert_records(self.con, "organisations", merged, self.run_id)
        self.organisation_counts += counts
        return counts

    def defer_candidate_tenders(self, rows: list[dict[str, Any]], run: SourceRun) -> None:
        """Hold the tender rows of candidate notices until every source has been collected.

        A candidate notice (中标候选人公示) and the result notice of the same section are one
        tender (see disclosures.records.SECTION_KEYED_FORMATS), often from two sources. Were
        both written, each collect would flip the tender between the two notices' versions.
        The result notice knows more (the award), so it wins: a candidate notice's tender row
        is written only while the tender has no award.
        """
        for row in rows:
            self._candidate_tenders[row["tender_id"]] = (row, run)

    def flush_candidate_tenders(self) -> None:
        if not self._candidate_tenders:
            return
        keys = list(self._candidate_tenders)
        awarded = {
            str(k) for (k,) in self.con.execute(
                "SELECT DISTINCT tender_id FROM awards WHERE is_current "
                "AND tender_id IN (SELECT unnest(?))", [keys],
            ).fetchall()
        }
        by_run: dict[int, tuple[SourceRun, list[dict[str, Any]]]] = {}
        for key, (row, run) in sorted(self._candidate_tenders.items()):
            if key in awarded:
                # Its tender is stored, from the result notice: nothing new to write.
                run.counts.upserts.unchanged += 1
                continue
            by_run.setdefault(id(run), (run, []))[1].append(row)
        self._candidate_tenders.clear()
        for run, rows in by_run.values():
            run.counts.upserts += store.upsert_records(self.con, "tenders", rows, self.run_id)

    def stored_hashes(self, table: str, keys: list[str]) -> set[tuple[str, str]]:
        """(key, content_hash) of every stored version, current or not, of these keys."""
        if not keys:
            return set()
        key = store.RECORD_TABLES[table]
        rows = self.con.execute(
            f"SELECT {key}, content_hash FROM {table} WHERE {key} IN (SELECT unnest(?))", [keys]
        ).fetchall()
        return {(str(k), str(h)) for k, h in rows}

    def keys_from_documents(
        self, table: str, sha256s: list[str], where: str, params: list[Any]
    ) -> list[str]:
        """Keys of the current records of `table` read from these documents."""
        if not sha256s:
            return []
        key = store.RECORD_TABLES[table]
        rows = self.con.execute(
            f"SELECT {key} FROM {table} WHERE is_current AND {where} "
            "AND document_sha256 IN (SELECT unnest(?))", [*params, sha256s],
        ).fetchall()
        return [str(k) for (k,) in rows]

    def known_pages(self, source: str) -> dict[str, KnownPage]:
        """Pages of `source` last read by a collect that finished it, the latest body per url.

        A page last read by a killed collect is not known: what it read may not all be written
        (candidate tenders and merged organisations are written only when a collect ends).
        Run ids begin with their start time, so the greatest `last_run` is the latest read.
        """
        rows = self.con.execute(
            """SELECT d.url, d.sha256, d.etag, d.last_modified FROM documents d
               WHERE d.source = ? AND EXISTS (
                   SELECT 1 FROM runs r WHERE r.source = d.source AND r.finished_at IS NOT NULL
                   AND (r.run_id = d.last_run OR d.last_run IS NULL
                        AND d.fetched_at BETWEEN r.started_at AND r.finished_at))
               QUALIFY row_number() OVER (PARTITION BY d.url
                   ORDER BY d.last_run DESC NULLS LAST, d.fetched_at DESC) = 1""",
            [source],
        ).fetchall()
        return {
            str(url): KnownPage(str(sha256), etag, last_modified)
            for url, sha256, etag, last_modified in rows
        }

    def retire_missing(self, table: str, present: list[str], where: str, params: list[Any]) -> int:
        return store.retire_missing(self.con, table, present, where, params)

    def snapshot_list(self, source: str, list_kind: str) -> None:
        """Record a complete list: the items of this source and kind now current."""
        store.snapshot_list(self.con, self.run_id, source, list_kind)

    def flush(self) -> None:
        """Write pending documents and rejects (records are flushed by the load pipeline)."""
        if self._documents:
            store.insert_ignore(self.con, "documents", list(self._documents.values()))
            # A body met again keeps its first row; it now was read by this run.
            shas, urls = zip(*self._documents, strict=True)
            self.con.execute(
                "UPDATE documents SET last_run = ? FROM (SELECT unnest(?) AS sha256, "
                "unnest(?) AS url) AS met WHERE documents.sha256 = met.sha256 "
                "AND documents.url = met.url",
                [self.run_id, list(shas), list(urls)],
            )
            self._documents.clear()
        if self._rejects:
            store.insert_ignore(self.con, "rejects", list(self._rejects.values()))
            self._rejects.clear()


@dataclass
class SourceRun:
    """One source within a collect: its configuration and what happened to it."""

    source: SourceConfig
    writer: Writer
    counts: store.RunCounts = field(default_factory=store.RunCounts)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    # Labels or keys the record builder did not know: a portal added or renamed a field.
    unknown_labels: set[str] = field(default_factory=set)
    finish_reason: str | None = None
    retired: int = 0
    # sha256 of each page met unchanged since a finished collect read it (not read again).
    unchanged_pages: list[str] = field(default_factory=list)

    def reject(
        self, *, kind: str, url: str | None, reason_code: str, reason: str, raw: str
    ) -> None:
        self.counts.rejected += 1
        by_reason = self.counts.rejects_by_reason
        by_reason[reason_code] = by_reason.get(reason_code, 0) + 1
        self.writer.add_reject(
            source=self.source.name, kind=kind, url=url, reason_code=reason_code, reason=reason,
            raw=raw,
        )

    def warn(self, text: str) -> None:
        """Keep a few distinct warnings to show and count them all."""
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS_KEPT and text not in self.warnings:
            self.warnings.append(text)

    @property
    def reject_rate(self) -> float:
        return self.counts.rejected / self.counts.items if self.counts.items else 0.0

    def status(self, default_max_reject_rate: float) -> str:
        fetched = self.counts.pages + len(self.unchanged_pages)
        if fetched == 0 or self.finish_reason not in (None, "finished"):
            return "failed"
        threshold = self.source.max_reject_rate
        if threshold is None:
            threshold = default_max_reject_rate
        if self.reject_rate > threshold:
            return "too_many_rejects"
        return "ok"

    def message(self) -> str | None:
        parts: list[str] = []
        if self.finish_reason not in (None, "finished"):
            parts.append(f"crawl ended: {self.finish_reason}")
        if self.errors:
            shown = "; ".join(self.errors[:3])
            more = f" (+{len(self.errors) - 3} more)" if len(self.errors) > 3 else ""
            parts.append(f"{len(self.errors)} request(s) failed: {shown}{more}")
        if self.unchanged_pages:
            parts.append(f"{len(self.unchanged_pages)} page(s) unchanged since the last collect, "
                         "not read again")
        if self.retired:
            parts.append(f"{self.retired} list item(s) no longer listed")
        if self.unknown_labels:
            labels = sorted(self.unknown_labels)
            more = f" (+{len(labels) - 10} more)" if len(labels) > 10 else ""
            parts.append("unknown labels: " + ", ".join(labels[:10]) + more)
        if self.warnings:
            shown = "; ".join(self.warnings[:3])
            parts.append(f"{self.warning_count} warning(s), e.g. {shown}")
        return " | ".join(parts) or None
