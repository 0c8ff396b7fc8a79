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
from array import array
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import accumulate, chain, islice
from operator import itemgetter
from pathlib import Path
from pickle import dumps
from typing import TYPE_CHECKING, Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.analysis import CommaSeparatedTokenizer, IDTokenizer
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PerDocWriter,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.collectors import TopCollector
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.formats import Existence, Frequency, Positions
from whoosh.matching import IntersectionMatcher, Matcher, NullMatcher, ReadTooFar, WrappingMatcher
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.qparser import FieldAliasPlugin, MultifieldParser
from whoosh.query.spans import Span, SpanNear2, SpanWrappingMatcher
from whoosh.searching import Searcher
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search.analysis import normalise, sunlit_analyzer, term_list
from search.engine import Hit, Results, UpdateReport, document_hash
from search.kinds import KIND_LABELS

if TYPE_CHECKING:
    from search.documents import SearchDocument

HASHES = "doc-hashes.json"
NAMES = "names.txt"
# A rebuild of at least PARALLEL_FROM documents runs Whoosh's multiprocessing writer, one
# segment per process; a smaller one is not worth starting processes for.
WRITER_PROCS = min(os.cpu_count() or 1, 4)
PARALLEL_FROM = 5_000


class _Positions(Positions):  # type: ignore[misc]
    """Whoosh's positions format, counted from the analyser's cuts without a Token object per
    term: what Whoosh's own format would write for the same text, in a fraction of the time
    (tests/test_search_engine.py compares the two)."""

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[
            tuple[str, int, float, bytes]]:
        return ((w.decode(), n, weight, v) for w, n, weight, v in self.postings(value))

    def postings(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        """`word_values` with each term as bytes: what `FieldType.index` would yield."""
        poses: defaultdict[str, list[int]] = defaultdict(list)
        for pos, term in enumerate(term_list(value)):
            poses[term].append(pos)
        boost = self.field_boost
        encode = self.encode
        return [(w.encode(), len(p), len(p) * boost, encode(p)) for w, p in poses.items()]

    def encode(self, poslist: list[int]) -> bytes:
        # Most terms are once in a field: their value depends on the one position only.
        if len(poslist) != 1:
            encoded: bytes = super().encode(poslist)
            return encoded
        value = _ONE_POSITION.get(poslist[0])
        if value is None:
            value = _ONE_POSITION[poslist[0]] = super().encode(poslist)
        return value


_ONE_POSITION: dict[int, bytes] = {}  # a position → Whoosh's value for it alone


class _Frequency(Frequency):  # type: ignore[misc]
    """Whoosh's frequency format, counted the same way."""

    def word_values(self, value: str, analyzer: Any, **kwargs: Any) -> Iterator[
            tuple[str, int, float, bytes]]:
        return ((w.decode(), n, weight, v) for w, n, weight, v in self.postings(value))

    def postings(self, value: str) -> list[tuple[bytes, int, float, bytes]]:
        """`word_values` with each term as bytes: what `FieldType.index` would yield."""
        return _counted(term_list(value), self.field_boost)


def _counted(words: Iterable[str], boost: float) -> list[tuple[bytes, int, float, bytes]]:
    """A Frequency format's postings of `words`: each term, its count, weight and value."""
    return [(w.encode(), n, n * boost, pack_uint(n)) for w, n in Counter(words).items()]


def _text(boost: float = 1.0, stored: bool = False) -> TEXT:
    # A query word that analyses into several bigrams must keep them in order and adjacent.
    field = TEXT(analyzer=sunlit_analyzer(), stored=stored, field_boost=boost,
                 multitoken_query="phrase")
    field.format = _Positions(field_boost=boost)
    return field


# What a query without a field searches: the body holds no copy of the others (`_rest`).
DEFAULT_FIELDS = ("title", "body", "buyer", "supplier", "code")
NAME_FIELDS = ("buyer", "supplier", "department", "region", "code")


def _name(boost: float = 1.0) -> TEXT:
    # A name field (buyer, supplier, department, region, code) is a few words: its bigrams all
    # present is as good as in order, and leaving out positions halves what it costs to write.
    field = TEXT(analyzer=sunlit_analyzer(), phrase=False, field_boost=boost,
                 multitoken_query="and")
    field.format = _Frequency(field_boost=boost)
    return field


def schema() -> Schema:
    return Schema(
        key=ID(stored=True, unique=True),
        kind=ID(stored=True),
        record_id=STORED(),
        url=STORED(),
        title=_text(boost=3.0, stored=True),
        # The normalised title, and an own code the code field does not hold as one word: an
        # exact one comes first (`_first`).
        exact=KEYWORD(commas=True),
        body=_text(),
        buyer=_name(),
        supplier=_name(),
        department=_name(),
        region=_name(),
        code=_name(),  # searched by default, and alone as `code:HBCG2025*`
        year=ID(),
        date=ID(stored=True),  # YYYY-MM-DD: ranges compare as text
        # Fen, 64-bit: a float's 64 bits at Whoosh's default shift_step of 4 are 16 terms a
        # record, most of them of that record alone; fen at 16 bits a step are 4, 2 of them so.
        # A term of one record costs a posting block and a term-table entry of its own. (A
        # range then reads at most the amounts in its two edge spans of 65,536 fen.)
        amount=NUMERIC(int, bits=64, decimal_places=2, shift_step=16),
        amount_text=STORED(),
    )


class _Lengths(W3PerDocReader):  # type: ignore[misc]
    """Field lengths read a whole column at a time.

    Whoosh reads a document's field length back from its column file for every posting it
    writes (one seek and read each, most of a commit's time) and for every hit it scores. A
    length is one byte a document, so the whole column is read once per field and indexed in
    memory. (This reads Whoosh 2.7.4's fixed-width column directly: Whoosh is pinned.)"""

    def __init__(self, storage: Any, segment: Any) -> None:
        super().__init__(storage, segment)
        self._tables: dict[str, bytes | None] = {}

    def _table(self, fieldname: str) -> bytes | None:
        if fieldname not in self._tables:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            self._tables[fieldname] = (None if reader is None else
                                       reader._dbfile.get(reader._basepos, reader._count))
        return self._tables[fieldname]

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int | None:
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        table = self._table(fieldname)
        if table is None:
            return default
        lbyte = table[docnum] if docnum < len(table) else 0
        return byte_to_length(lbyte) if lbyte else None  # as Whoosh's own reader answers


class _PerDocWriter(W3PerDocWriter):  # type: ignore[misc]
    """Whoosh's per-document writer, keeping a field's length column (a byte a document) in
    memory until the segment is closed: Whoosh writes it to the column file a byte at a time,
    four calls deep for each field of each document. (Whoosh 2.7.4's fixed-width column, as
    `_Lengths` reads it.)"""

    def __init__(self, codec: Any, storage: Any, segment: Any) -> None:
        super().__init__(codec, storage, segment)
        self._lengths: dict[str, bytearray] = {}

    def add_field(self, fieldname: str, fieldobj: Any, value: Any, length: int | None) -> None:
        if value is not None:
            self._storedfields[fieldname] = value
        if length:
            column = self._lengths.get(fieldname)
            if column is None:
                # When Whoosh creates it: the segment's files are in that order.
                self._create_column(_lenfield(fieldname), LENGTHS_COLUMN)
                column = self._lengths[fieldname] = bytearray()
            lbyte = length_to_byte(length)
            if lbyte:  # as the column writer leaves out its default, 0
                column += bytes(self._docnum - len(column))
                column.append(lbyte)
            self._fieldlengths[fieldname] += length

    def close(self) -> None:
        for fieldname, column in self._lengths.items():
            writer = self._get_column(_lenfield(fieldname))
            writer._dbfile.write(bytes(column))
            writer._count = len(column)
        self._lengths.clear()
        super().close()


class _PostingsWriter(W3PostingsWriter):  # type: ignore[misc]
    """Whoosh's posting writer, writing a block's document numbers, weights and positions each
    as one byte string.

    Whoosh pickles them as tuples, a Python object a posting: unpickling a block of 128 took
    some 70 µs, the largest single cost of a phrase query, which reads a block of each of its
    words for each document it finds and uses one posting of it. (`_Postings` reads blocks of both
    kinds: in Whoosh's, the document numbers are a tuple.)"""

    _terminfo: Any  # the term being written's

    def _mini_ids(self) -> Any:
        return super()._mini_ids() if self._byteids else self._ids.tobytes()

    def _mini_weights(self) -> Any:
        # Whoosh's answer (None when all are 1.0, the one weight when all are equal), counted
        # in C instead of a generator a posting.
        weights = self._weights
        if weights.count(1.0) == len(weights):
            return None
        if weights.count(weights[0]) == len(weights):
            return weights[0]
        return weights.tobytes()

    def _mini_values(self) -> Any:
        size = self._format.fixed_value_size()
        if self._byteids or (size is not None and size >= 0):
            return super()._mini_values()
        return b"".join(self._values), array("I", accumulate(map(len, self._values))).tobytes()

    def add_postings(self, ids: array[int], weights: list[float], values: list[bytes | None],
                     lengths: bytes | None) -> None:
        """A term's postings at once, as Whoosh's `add_posting` one at a time would buffer them:
        a block's document numbers, weights, values and the least and greatest field length of
        its documents (`lengths`, the field's length bytes a document) are sliced, not
        appended. The last block is left for `finish_postings`."""
        limit = self._blocklimit
        for start in range(0, len(ids), limit):
            if start:
                self._write_block()
            end = start + limit
            block = ids[start:end]
            self._ids = block
            block_weights = weights[start:end]
            self._weights = array("f", block_weights)
            self._maxweight = max(0, max(block_weights))
            self._values = [v for v in values[start:end] if v]
            known = ([] if lengths is None else
                     [lengths[d] for d in block if d < len(lengths) and lengths[d]])
            self._minlength = byte_to_length(min(known)) if known else None
            self._maxlength = byte_to_length(max(known)) if known else 0

    def finish_postings(self) -> Any:
        # Whoosh 2.7.4 calls `set_inline` here, a method its term info does not have.
        if self.written() or len(self) >= self._inlinelimit:
            return super().finish_postings()
        terminfo = self._terminfo
        terminfo.add_block(self)
        terminfo.set_inlined(self._ids, self._weights, self._values)
        self._terminfo = None
        return terminfo


class _TermPool:
    """A new segment's postings in memory, a field's terms each with a flat list of its
    postings (document number, weight, value, document number, ...), in place of Whoosh's
    `PostingPool`.

    Whoosh's pool holds a tuple a posting, sorts them all when the segment is written (or spills
    sorted runs to disk past its memory limit, and merges them in Python), and hands them to the
    field writer one at a time. Here a document's postings are appended to their terms, in the
    order documents are numbered, so only a field's terms are sorted, and a term's postings go
    to the posting writer a block at a time. It takes Whoosh's posting tuples too (`add`), from
    a merge of small segments."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[bytes, list[Any]]] = {}
        self.fieldnames: set[str] = set()  # as Whoosh's pool: fields with postings
        self._unordered = False

    def terms(self, fieldname: str) -> dict[bytes, list[Any]]:
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        return terms

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self.terms(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            terms[tbytes] = [docnum, weight, vbytes]
            return
        if docnum <= postings[-3]:
            self._unordered = True
        postings += (docnum, weight, vbytes)

    def write(self, schema: Schema, lengths: _Lengths, fieldwriter: Any) -> None:
        """Every field's terms in order, each term's postings by document number, as Whoosh's
        `FieldWriter.add_postings` writes its sorted postings."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            if not terms:
                continue
            self.fieldnames.add(fieldname)
            fieldwriter.start_field(fieldname, schema[fieldname])
            postwriter = fieldwriter._postwriter
            table = lengths._table(fieldname)
            inline = isinstance(postwriter, _PostingsWriter) and postwriter._inlinelimit > 1
            key = pack_ushort(fieldwriter._fieldid)
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                if inline and len(postings) == 3:
                    # A term of one record (most are), as `finish_term` would add it.
                    docnum, weight, value = postings
                    fieldwriter._tindex.add(key + tbytes, _inlined(docnum, weight, value, table))
                    continue
                if self._unordered:
                    postings = _by_document(postings)
                ids, weights, values = postings[0::3], postings[1::3], postings[2::3]
                fieldwriter.start_term(tbytes)
                if isinstance(postwriter, _PostingsWriter):
                    postwriter.add_postings(array("I", ids), weights, values, table)
                else:  # Whoosh's own (a test writes its blocks)
                    for docnum, weight, value in zip(ids, weights, values, strict=True):
                        postwriter.add_posting(docnum, weight, value or b"",
                                               lengths.doc_field_length(docnum, fieldname))
                fieldwriter.finish_term()
            fieldwriter.finish_field()

    def cleanup(self) -> None:
        self.fields.clear()


def _inlined(docnum: int, weight: float, value: bytes | None, lengths: bytes | None) -> bytes:
    """The term table's entry for a term of one posting, kept in the table: what Whoosh's
    `W3TermInfo.to_bytes` gives once `_PostingsWriter` has buffered the posting, added its
    block to the term info and inlined it (the segment test compares the files)."""
    stored = array("f", (weight,))[0]  # the weight as the block's array holds it
    lbyte = lengths[docnum] if lengths is not None and docnum < len(lengths) else 0
    info = W3TermInfo._struct.pack(True, stored, 1, lbyte, lbyte, max(0, weight), docnum, docnum)
    return info + dumps(((docnum,), (stored,), (value,) if value else ()), 2)


def _by_document(postings: list[Any]) -> list[Any]:
    triples = sorted(zip(postings[0::3], postings[1::3], postings[2::3], strict=True),
                     key=itemgetter(0))
    return list(chain.from_iterable(triples))


class _Writer(SegmentWriter):  # type: ignore[misc]
    """Whoosh's segment writer with its postings in a `_TermPool`.

    `add_document` is Whoosh's, less what this schema has no use for (term vectors, spelling
    fields: the constructor checks), with `_Positions` and `_Frequency` counting a field's terms
    directly, and what it looks up for a field looked up once. Field lengths for a posting
    block come from the length columns read whole (`_Lengths`), as Whoosh's would read them a
    posting at a time."""

    def __init__(self, ix: whoosh_index.Index, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        assert isinstance(self.codec, SunlitCodec)
        unsupported = [name for name, field in self.schema.items()
                       if field.vector or field.separate_spelling()]
        if unsupported:
            raise ValueError(f"fields with term vectors or spelling: {unsupported}")
        self.pool = _TermPool()
        # A field, its postings for a value (None: not indexed), and the keys of its boost and
        # of its stored value among a document's fields.
        self._specs = {name: (field, _postings_of(field) if field.indexed else None,
                              f"_{name}_boost", f"_stored_{name}")
                       for name, field in self.schema.items()}

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        docnum = self.docnum
        perdocwriter = self.perdocwriter
        pool = self.pool
        specs = self._specs
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(self.schema, fieldnames)
        perdocwriter.start_doc(docnum)
        for fieldname in fieldnames:
            value = fields[fieldname]
            if value is None:
                continue
            field, postings_of, boost_key, stored_key = specs[fieldname]
            length = 0
            if postings_of is not None:
                fieldboost = float(fields[boost_key]) if boost_key in fields else docboost
                terms = pool.terms(fieldname)
                for tbytes, freq, weight, vbytes in postings_of(value):
                    postings = terms.get(tbytes)
                    if postings is None:
                        terms[tbytes] = [docnum, weight * fieldboost, vbytes]
                    else:
                        postings += (docnum, weight * fieldboost, vbytes)
                    length += freq
                if not field.scorable:
                    length = 0
            stored = fields.get(stored_key, value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
            column = field.column_type
            if column and stored is not None:
                perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        self.pool.write(self.schema, lengths, self.fieldwriter)
        self.fieldwriter.close()
        lengths.close()


def _postings_of(field: Any) -> Callable[[Any], Iterable[tuple[bytes, int, float, bytes]]]:
    """What `field.index` yields for a value, without its generators and Token objects where
    the field's format is ours, for an ID (a record's key, kind, year and date: one term, the
    value itself) and for comma-separated keywords (`exact`)."""
    fmt = field.format
    if isinstance(fmt, (_Positions, _Frequency)):
        return fmt.postings  # type: ignore[no-any-return]
    boost = fmt.field_boost
    # (NUMERIC fields have this format and tokenizer too, and index terms of their own.)
    if type(field) is ID and type(fmt) is Existence and field.analyzer == IDTokenizer():

        def identifier(value: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
            if not isinstance(value, str):
                return field.index(value)  # type: ignore[no-any-return]  # Whoosh's error
            return ((value.encode(), 1, boost, b""),)
        return identifier
    if (type(field) is KEYWORD and type(fmt) is Frequency
            and field.analyzer == CommaSeparatedTokenizer()):

        def keywords(value: Any) -> Iterable[tuple[bytes, int, float, bytes]]:
            if not isinstance(value, str):
                return field.index(value)  # type: ignore[no-any-return]
            return _counted((w.strip() for w in _BETWEEN_COMMAS.findall(value)), boost)
        return keywords
    return field.index  # type: ignore[no-any-return]


_BETWEEN_COMMAS = re.compile(CommaSeparatedTokenizer().items[0].expression.pattern)


class _SubWriterTask(SubWriterTask):  # type: ignore[misc]
    """Whoosh's writer process, writing its segment through `_Writer` (Whoosh's own opens a
    `SegmentWriter`). Only for a writer of one segment a process: `_TermPool` keeps no sorted
    run to hand back for merging."""

    def run(self) -> None:
        assert self.multisegment
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = _Writer(ix, _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
            return
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class _MpWriter(MpWriter):  # type: ignore[misc]
    """Whoosh's multiprocessing writer with `_SubWriterTask` processes."""

    def _new_task(self) -> _SubWriterTask:
        task = _SubWriterTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                              self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


class _Values:
    """A block's values, each cut from the block's byte string only when asked for."""

    __slots__ = ("_data", "_ends")

    def __init__(self, data: bytes, ends: bytes) -> None:
        self._data = data
        self._ends = array("I")
        self._ends.frombytes(ends)

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, i: int) -> bytes:
        return self._data[self._ends[i - 1] if i else 0:self._ends[i]]


class _Postings(W3LeafMatcher):  # type: ignore[misc]
    """Whoosh's posting reader, for blocks of `_PostingsWriter`'s kind too, skipping within a
    block by bisection.

    Whoosh steps through a block one posting at a time to reach a document: an intersection of
    a common term with a rare one (every bigram of a phrase) read most of the common term's
    postings that way."""

    _i: int  # the current posting's place in its block

    def skip_to(self, targetid: int) -> None:
        if not self.is_active():
            raise ReadTooFar
        if self._ids is None:
            self._read_ids()
        if targetid <= self._ids[self._i]:
            return
        if targetid > self._maxid:
            # Block headers alone say which block holds the target: the skipped blocks' postings
            # are never read.
            while targetid > self._maxid:
                if self._lastblock:
                    self._atend = True
                    return
                self._goto(self._nextoffset)
            self._read_ids()
        self._i = bisect_left(self._ids, targetid, self._i)

    def _column(self, n: int, typecode: str) -> array[Any] | None:
        """Part `n` of this block as an array, when it was written as one byte string (None
        for a block in Whoosh's own layout)."""
        if self._data is None:
            self._read_data()
        if not isinstance(self._data[n], bytes):
            return None
        column: array[Any] = array(typecode)
        column.frombytes(self._data[n])
        return column

    def _read_ids(self) -> None:
        ids = self._column(0, "I")
        if ids is None:
            super()._read_ids()
        else:
            self._ids = ids

    def _read_weights(self) -> None:
        weights = self._column(1, "f")
        if weights is None:
            super()._read_weights()
        else:
            self._weights = weights

    def _read_values(self) -> None:
        if self._data is None:
            self._read_data()
        if isinstance(self._data[0], bytes) and isinstance(self._data[2], tuple):
            self._values = _Values(*self._data[2])
        else:
            super()._read_values()


class SunlitCodec(W3Codec):  # type: ignore[misc]
    """Whoosh's codec with small uncompressed posting blocks of `_PostingsWriter`'s kind, field
    lengths read whole and postings skipped by bisection.

    Posting blocks are small (most terms of a record are in few records): zlib costs more time
    writing and reading them than the bytes it saves. A term of one record (a key, a code, most
    amounts: nine terms in ten) keeps its posting in the term table instead of a block of its
    own (Whoosh's `inlinelimit`, which `_PostingsWriter` mends)."""

    def __init__(self) -> None:
        super().__init__(blocklimit=128, compression=0, inlinelimit=2)

    def per_document_writer(self, storage: Any, segment: Any) -> _PerDocWriter:
        return _PerDocWriter(self, storage, segment)

    def per_document_reader(self, storage: Any, segment: Any) -> _Lengths:
        return _Lengths(storage, segment)

    def postings_writer(self, dbfile: Any, byteids: bool = False) -> _PostingsWriter:
        return _PostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                               compression=self._compression, inlinelimit=self._inlinelimit)

    def postings_reader(self, dbfile: Any, terminfo: Any, format_: Any, term: Any = None,
                        scorer: Any = None) -> Matcher:
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _Postings(dbfile, offset, length, format_, term=term, scorer=scorer)


def _exact(text: str) -> str:
    return "".join(normalise(text).lower().replace(",", " ").split())


def _own_code(document: SearchDocument) -> str:
    """The document's own code for the exact field, unless the code field holds it as one word
    already (`_first` looks there)."""
    if document.kind not in _OWN_CODE or not document.code:
        return ""
    code = _exact(document.code)
    return "" if term_list(document.code) == [code] else code


def _first(text: str) -> wq.Query:
    """What ranks a record first: its title, or its own code, exactly the query."""
    exact = _exact(text)
    own = wq.And([wq.Term("code", exact), wq.Or([wq.Term("kind", k) for k in _OWN_CODE])])
    return wq.Or([wq.Term("exact", exact), own], boost=50.0)


# Kinds whose code is their own (an award or a flag only repeats its tender's).
_OWN_CODE = {"tender", "organisation", "list_item", "approval_item"}
_CJK_CHAR = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]$")


def _rest(body: str, *fields: str) -> str:
    """The body's words less those every term of which another default field holds: a query
    that finds such a word in the body finds the record there anyway. Most of a body repeats its
    title and names; indexing that twice would cost a third of the postings written, and would
    rank a record whose body repeats its title above one whose body does not."""
    held = set(chain.from_iterable(map(term_list, fields)))
    return " ".join(w for w in body.split() if not held.issuperset(term_list(w)))


def _fields(document: SearchDocument) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "key": document.key, "kind": document.kind, "record_id": document.record_id,
        "url": document.url, "title": document.title,
        "exact": ",".join(filter(None, [_exact(document.title), _own_code(document)])),
        "body": _rest(document.body, document.title, document.buyer, document.supplier,
                      document.code),
        "buyer": document.buyer,
        "supplier": document.supplier, "region": document.region, "code": document.code,
        "year": document.year, "date": document.date, "amount_text": document.amount,
    }
    if document.department != document.buyer:
        # A tender's or award's department is its buyer: `department:` searches both fields.
        fields["department"] = document.department
    if document.amount_value is not None:
        fields["amount"] = document.amount_value
    if document.kind == "organisation" and document.code:
        # Of two organisations of one name, the one known by its registration code first: the
        # other is a record of that name alone (one source gave no code).
        fields["_boost"] = 1.05
    return fields


def _parser(ix_schema: Schema) -> MultifieldParser:
    parser = MultifieldParser(list(DEFAULT_FIELDS), ix_schema)
    parser.add_plugin(FieldAliasPlugin({
        "kind": ["type", "类型"], "buyer": ["采购人"], "supplier": ["中标人", "供应商"],
        "department": ["部门"], "region": ["地区"], "code": ["编号"],
    }))
    return parser


class _PhraseMatcher(SpanNear2.SpanNear2Matcher):  # type: ignore[misc]
    """Whoosh's phrase matcher, finding its documents from the rarest word up.

    Whoosh intersects a phrase's words in the phrase's order, and then checks each document's
    positions through span objects of every word. A full title is a dozen bigrams, most of them
    common (工程, 项目): these are only skipped to the documents the rare ones hold, and a
    document's positions are intersected as numbers. Documents, and scores summed in Whoosh's
    order, are the same."""

    def __init__(self, ms: list[Matcher], sizes: Sequence[int]) -> None:
        self.ms = ms
        self.sizes = sizes
        self.slop, self.ordered, self.mindist = 1, True, 1
        self._order = sorted(range(len(ms)), key=sizes.__getitem__)
        isect = ms[self._order[0]]
        for i in self._order[1:]:
            isect = IntersectionMatcher(isect, ms[i])
        SpanWrappingMatcher.__init__(self, isect)

    def copy(self) -> _PhraseMatcher:
        return _PhraseMatcher([m.copy() for m in self.ms], self.sizes)

    def _get_spans(self) -> list[Span]:
        starts: set[int] | None = None
        for i in self._order:
            at = {pos - i for pos in self.ms[i].value_as("positions")}
            starts = at if starts is None else starts & at
            if not starts:
                return []
        assert starts is not None
        return [Span(start, start + len(self.ms) - 1) for start in sorted(starts)]

    def score(self) -> float:
        return float(_tree_sum(self.ms) * self.boost)


def _tree_sum(ms: Sequence[Matcher]) -> float:
    """The matchers' scores added up as Whoosh's binary tree of intersections adds them."""
    if len(ms) == 1:
        return float(ms[0].score())
    half = len(ms) // 2
    return _tree_sum(ms[:half]) + _tree_sum(ms[half:])


class _Phrase(wq.Phrase):  # type: ignore[misc]
    """A phrase of adjacent words matched by `_PhraseMatcher`."""

    def matcher(self, searcher: Searcher, context: Any = None) -> Matcher:
        if self.fieldname not in searcher.schema:
            return NullMatcher()
        field = searcher.schema[self.fieldname]
        if not field.format or not field.format.supports("positions"):
            return super().matcher(searcher, context)  # Whoosh's error
        reader = searcher.reader()
        words = []
        for word in self.words:
            try:
                word = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (self.fieldname, word) not in reader:
                return NullMatcher()
            words.append(word)
        ms = [wq.Term(self.fieldname, w).matcher(searcher, context) for w in words]
        sizes = [reader.doc_frequency(self.fieldname, w) for w in words]
        m = _PhraseMatcher(ms, sizes)
        return m if self.boost == 1.0 else WrappingMatcher(m, boost=self.boost)


def _rewrite(q: wq.Query) -> wq.Query:
    """A phrase in a name field (no positions) is all its words, and elsewhere a `_Phrase`;
    `department:` also searches `buyer`, where a tender's or award's department is indexed."""
    if isinstance(q, wq.Phrase) and q.fieldname in NAME_FIELDS:
        words = [wq.Term(q.fieldname, w) for w in q.words]
        q = words[0] if len(words) == 1 else wq.And(words, boost=q.boost)
        return q.accept(_rewrite)
    if type(q) is wq.Phrase and q.slop == 1 and len(q.words) > 1:
        return _Phrase(q.fieldname, q.words, boost=q.boost, char_ranges=q.char_ranges)
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

    def _writer(self, ix: whoosh_index.Index, procs: int = 1) -> SegmentWriter:
        if procs > 1:
            return _MpWriter(ix, procs=procs, multisegment=True, codec=SunlitCodec())
        return _Writer(ix, codec=SunlitCodec())

    def rebuild(self, documents: Iterable[SearchDocument]) -> UpdateReport:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        ix = whoosh_index.create_in(str(self.directory), schema())
        hashes: dict[str, str] = {}
        names: set[str] = set()
        documents = iter(documents)
        head = list(islice(documents, PARALLEL_FROM))
        writer = self._writer(ix, WRITER_PROCS if len(head) == PARALLEL_FROM else 1)
        for document in chain(head, documents):
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
            parts.append(wq.AndMaybe(main, _first(text)))
        for name, value in (fields or {}).items():
            parts.append(parser.parse(f'{name}:"{normalise(value)}"'
                                      if not value.startswith(("[", "{")) else f"{name}:{value}"))
        if kinds:
            parts.append(wq.Or([wq.Term("kind", k) for k in _kinds(kinds)]))
        if not parts:
            return Results(query=query, total=0, hits=[])
        combined = (parts[0] if len(parts) == 1 else wq.And(parts)).accept(_rewrite)
        # A collector that counts every match as it goes. Whoosh's own skips blocks by quality
        # and, every ten matches, drops the sub-queries that can no longer reach the top
        # `limit` (`replace`), so its total undercounts (a term in 8,411 of 30,000 records
        # counted 272); an exact `len` would then run the whole query a second time.
        collector = TopCollector(limit=limit, usequality=False, replace=0)
        searcher.search_with_collector(combined, collector)
        found = collector.results()
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
