"""The command line's search engine: a Whoosh index in a directory (default `data/search/`).

Beside Whoosh's own files the directory holds `doc-hashes.json` (document key → digest of what
was indexed), so an update after a collect rewrites only the documents that changed, and
`names.txt`, the organisation names spelling suggestions are drawn from. Whoosh's own spelling
corrector works term by term, and a Chinese name's terms are bigrams, so suggestions compare
whole names instead (difflib, over names only, and only when a query finds nothing).
"""

from __future__ import annotations

import copy
import difflib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.qparser import FieldAliasPlugin, MultifieldParser
from whoosh.reading import IndexReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from search.analysis import normalise, sunlit_analyzer
from search.engine import Hit, Results, UpdateReport, document_hash
from search.kinds import KIND_LABELS

if TYPE_CHECKING:
    from search.documents import SearchDocument

HASHES = "doc-hashes.json"
NAMES = "names.txt"
WRITER_MEMORY_MB = 256  # Whoosh's default is 128; a larger pool means fewer segment merges
WRITER_PROCS = 1  # more: Whoosh's multiprocessing writer, one segment per process (bench.search)


def _text(boost: float = 1.0, stored: bool = False) -> TEXT:
    # A query word that analyses into several bigrams must keep them in order and adjacent.
    return TEXT(analyzer=sunlit_analyzer(), stored=stored, field_boost=boost,
                multitoken_query="phrase")


PHRASE_GUARDS = 2  # a phrase's rarest words that lead its intersection
NAME_FIELDS = ("buyer", "supplier", "department", "region", "code")


def _name(boost: float = 1.0) -> TEXT:
    # A name field (buyer, supplier, department, region, code) is a few words: its bigrams all
    # present is as good as in order, and leaving out positions halves what it costs to write.
    return TEXT(analyzer=sunlit_analyzer(), phrase=False, field_boost=boost,
                multitoken_query="and")


def schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True),
        record_id=STORED(),
        url=STORED(),
        title=_text(boost=3.0, stored=True),
        exact=KEYWORD(commas=True),  # normalised title and code: an exact one comes first
        body=_text(),
        buyer=_name(),
        supplier=_name(),
        department=_name(),
        region=_name(),
        code=_name(),  # also in body; a field of its own for `code:HBCG2025*`
        year=ID(),
        date=ID(stored=True),  # YYYY-MM-DD: ranges compare as text
        # Fen, 64-bit: a float's 64 bits at Whoosh's default shift_step of 4 are 16 terms a
        # record, most of them of that record alone; fen at 8 bits a step are 8, 2 of them so.
        amount=NUMERIC(int, bits=64, decimal_places=2, shift_step=8),
        amount_text=STORED(),
    )


def _codec() -> W3Codec:
    # Posting blocks are small (most terms of a record are in few records): zlib costs more
    # time writing and reading them than the bytes it saves. (Whoosh's inlining of short
    # posting lists, `inlinelimit`, is broken in 2.7.4 and stays off.)
    return W3Codec(blocklimit=128, compression=0, inlinelimit=1)


def _exact(text: str) -> str:
    return "".join(normalise(text).lower().replace(",", " ").split())


# Kinds whose code is their own (an award or a flag only repeats its tender's).
_OWN_CODE = {"tender", "organisation", "list_item", "approval_item"}
_CJK_CHAR = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]$")


def _fields(document: SearchDocument) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": document.key, "kind": document.kind, "record_id": document.record_id,
        "url": document.url, "title": document.title,
        "exact": ",".join(filter(None, [
            _exact(document.title), _exact(document.code) if document.kind in _OWN_CODE else ""])),
        "body": document.body, "buyer": document.buyer,
        "supplier": document.supplier, "region": document.region, "code": document.code,
        "year": document.year, "date": document.date, "amount_text": document.amount,
    }
    if document.department != document.buyer:
        # A tender's or award's department is its buyer: `department:` searches both fields.
        fields["department"] = document.department
    if document.amount_value is not None:
        fields["amount"] = document.amount_value
    return fields


def _parser(ix_schema: Schema) -> MultifieldParser:
    parser = MultifieldParser(["title", "body"], ix_schema)
    parser.add_plugin(FieldAliasPlugin({
        "kind": ["type", "类型"], "buyer": ["采购人"], "supplier": ["中标人", "供应商"],
        "department": ["部门"], "region": ["地区"], "code": ["编号"],
    }))
    return parser


def _rewrite(q: wq.Query, reader: IndexReader) -> wq.Query:
    """A phrase in a name field (no positions) is all its words; a longer phrase elsewhere is
    led by its rarest words; `department:` also searches `buyer`, where a tender's or award's
    department is indexed."""
    if isinstance(q, wq.Phrase) and q.fieldname in NAME_FIELDS:
        words = [wq.Term(q.fieldname, w) for w in q.words]
        q = words[0] if len(words) == 1 else wq.And(words, boost=q.boost)
        return q.accept(lambda sub: _rewrite(sub, reader))
    if isinstance(q, wq.Phrase) and len(q.words) > PHRASE_GUARDS:
        # Whoosh intersects a phrase's words pairwise in text order, so two common bigrams
        # (宜昌, 昌市) are intersected in full however rare the rest. The rarest words, ahead
        # and weightless, let the intersection skip straight to the few candidates.
        rarest = sorted(set(q.words), key=lambda w: reader.doc_frequency(q.fieldname, w))
        guards: list[wq.Query] = [wq.Term(q.fieldname, w, boost=0.0)
                                  for w in rarest[:PHRASE_GUARDS]]
        return wq.And([*guards, q])
    if q.is_leaf() and getattr(q, "fieldname", None) == "department":
        other = copy.copy(q)
        other.fieldname = "buyer"
        return wq.Or([q, other])
    return q


class WhooshEngine:
    """A `search.engine.SearchEngine` on a Whoosh index in `directory`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._names: list[str] | None = None
        self._searcher: Searcher | None = None
        self._parser: MultifieldParser | None = None

    def exists(self) -> bool:
        return whoosh_index.exists_in(str(self.directory))

    # -- writing ---------------------------------------------------------------------------

    def _writer(self, ix: whoosh_index.Index) -> SegmentWriter:
        if WRITER_PROCS > 1:
            return ix.writer(limitmb=WRITER_MEMORY_MB, procs=WRITER_PROCS, multisegment=True,
                             codec=_codec())
        return ix.writer(limitmb=WRITER_MEMORY_MB, codec=_codec())

    def rebuild(self, documents: Iterable[SearchDocument]) -> UpdateReport:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(self.directory), schema())
        hashes: dict[str, str] = {}
        names: set[str] = set()
        writer = self._writer(ix)
        for document in documents:
            hashes[document.key] = document_hash(document)
            writer.add_document(**_fields(document))
            names.update(_names_of(document))
        writer.commit()
        self._save(hashes, names)
        return UpdateReport(added=len(hashes), changed=0, removed=0, unchanged=0, rebuilt=True)

    def update(self, documents: Iterable[SearchDocument]) -> UpdateReport:
        if not self.exists():
            return self.rebuild(documents)
        old = self._hashes()
        new: dict[str, str] = {}
        names: set[str] = set()
        added = changed = 0
        ix = whoosh_index.open_dir(str(self.directory))
        writer = self._writer(ix)
        try:
            for document in documents:
                digest = document_hash(document)
                new[document.key] = digest
                names.update(_names_of(document))
                previous = old.get(document.key)
                if previous == digest:
                    continue
                if previous is None:
                    added += 1
                    writer.add_document(**_fields(document))
                else:
                    changed += 1
                    writer.update_document(**_fields(document))
            gone = old.keys() - new.keys()
            for key in gone:
                writer.delete_by_term("key", key)
        except BaseException:
            writer.cancel()
            raise
        if added or changed or gone:
            writer.commit()
        else:
            writer.cancel()
        self._save(new, names)
        return UpdateReport(added=added, changed=changed, removed=len(gone),
                            unchanged=len(new) - added - changed, rebuilt=False)

    def _hashes(self) -> dict[str, str]:
        path = self.directory / HASHES
        if not path.exists():
            return {}
        loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def _save(self, hashes: dict[str, str], names: set[str]) -> None:
        _write_atomically(self.directory / HASHES, json.dumps(hashes, ensure_ascii=False))
        _write_atomically(self.directory / NAMES, "\n".join(sorted(names)) + "\n")
        self._names = None
        self.close()

    # -- reading ---------------------------------------------------------------------------

    def _open(self) -> tuple[Searcher, MultifieldParser]:
        # One searcher and parser per engine, reopened only when the index has changed since.
        if self._searcher is None:
            ix = whoosh_index.open_dir(str(self.directory))
            self._searcher = ix.searcher()
            self._parser = _parser(ix.schema)
        elif not self._searcher.up_to_date():
            self._searcher = self._searcher.refresh()
        assert self._parser is not None
        return self._searcher, self._parser

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
        self._searcher = self._parser = None

    def search(self, query: str, *, kinds: Sequence[str] = (),
               fields: Mapping[str, str] | None = None, limit: int = 20) -> Results:
        searcher, parser = self._open()
        text = normalise(query).strip()
        parts: list[wq.Query] = []
        if text:
            # Unigrams are not indexed: one character is the start of some bigram.
            main = parser.parse(f"{text}*" if _CJK_CHAR.match(text) else text)
            parts.append(wq.AndMaybe(main, wq.Term("exact", _exact(text), boost=50.0)))
        for name, value in (fields or {}).items():
            parts.append(parser.parse(f'{name}:"{normalise(value)}"'
                                      if not value.startswith(("[", "{")) else f"{name}:{value}"))
        if kinds:
            parts.append(wq.Or([wq.Term("kind", k) for k in _kinds(kinds)]))
        if not parts:
            return Results(query=query, total=0, hits=[])
        combined = (parts[0] if len(parts) == 1 else wq.And(parts)).accept(
            lambda q: _rewrite(q, searcher.reader()))
        # optimize=False: the collector then counts every match as it goes; with Whoosh's
        # block-quality skipping the total (`len`) would run the whole query a second time.
        found = searcher.search(combined, limit=limit, terms=False, optimize=False)
        hits = [
            Hit(key=h["key"], kind=h["kind"], record_id=h["record_id"], url=h["url"],
                title=h["title"], date=h.get("date", ""), amount=h.get("amount_text", ""),
                score=float(h.score or 0.0))
            for h in found
        ]
        total = len(found)
        suggestions = self.suggest(text) if not hits and text else []
        return Results(query=query, total=total, hits=hits, suggestions=suggestions)

    def suggest(self, text: str, count: int = 3) -> list[str]:
        """Organisation names close to `text`, for a misspelt name."""
        if self._names is None:
            path = self.directory / NAMES
            self._names = path.read_text(encoding="utf-8").split("\n") if path.exists() else []
        words = text.split()
        if len(words) != 1:
            return []
        return difflib.get_close_matches(words[0], self._names, n=count, cutoff=0.6)


def _kinds(kinds: Sequence[str]) -> Iterator[str]:
    by_label = {label: kind for kind, label in KIND_LABELS.items()}
    for kind in kinds:
        yield by_label.get(kind, kind)


def _names_of(document: SearchDocument) -> list[str]:
    if document.kind != "organisation":
        return []
    return [document.title]


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
