"""The browser's search index: Pagefind bundles built from Sunlit's search documents.

Pagefind's extended build segments Chinese, so a query such as a supplier's name finds its
records. We feed it compact custom records (not whole built pages) through its Python API; the
bundle it writes holds the index and Pagefind's script, served from the site itself. Past
SHARD_RECORDS records the index is split into shards, one bundle each, that the search page
searches in a worker each and merges as Pagefind's `mergeIndex` would. Each bundle's word index
is then cut again into small chunks (rechunk_bundle), so that a query fetches little more than
its own words' postings.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import io
import itertools
import json
import logging
import math
import os
import shutil
import zlib
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import cbor2
from pagefind.index import PagefindIndex
from pagefind.service import PagefindService

from search.analysis import terms
from search.documents import SearchDocument

log = logging.getLogger(__name__)

LANGUAGE = "zh-cn"
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
BATCH = 500  # records in flight at once; the service answers them in order


class _PromptService(PagefindService):
    """Pagefind's service without the 0.1 s pause before reading each answer.

    pagefind 1.5.2's reader sleeps 100 ms before every response it reads, which caps indexing at
    ten records a second (hours for a large site). The read itself waits for data, so the pause
    buys nothing; this loop is upstream's minus the sleep.
    """

    async def finish(self, timeout: float = 600) -> None:
        """Let the service exit by itself (end of input), so that every file it is still
        writing is complete: it answers `write_files` before its writes are done, and
        `close()` would kill it mid-file (a large bundle was left with a truncated
        pagefind.js)."""
        backend = self._backend
        assert backend.stdin is not None
        backend.stdin.close()
        await asyncio.wait_for(backend.wait(), timeout)

    async def close(self) -> None:
        if self._backend.returncode is None:
            await super().close()
        else:
            self._poll_task.cancel()

    async def _wait_for_responses(self) -> None:
        assert self._backend.stdout is not None
        while True:
            output = await self._backend.stdout.readuntil(b",")
            response = json.loads(base64.b64decode(output[:-1]))
            if response is None:
                continue
            message_id = response.get("message_id")
            payload = response["payload"]
            if message_id is None and (original := payload.get("original_message")):
                message_id = json.loads(original).get("message_id")
            future = self._responses.pop(message_id, None)
            if future is None or future.done():
                continue
            if payload["type"] == "Error":
                future.set_exception(RuntimeError(f"pagefind: {payload.get('message')}"))
            else:
                future.set_result(payload)


def _letters(char: str, width: int) -> str:
    """A character as `width` lowercase letters (base 26 of its code point)."""
    code, out = ord(char), []
    for _ in range(width):
        code, digit = divmod(code, 26)
        out.append(_LETTERS[digit])
    return "".join(reversed(out))


def browser_terms_of(text: str, cjk: bool) -> list[str]:
    """One analysed term as Latin words Pagefind keeps whole.

    A CJK bigram (or lone character) is "zh" and four letters a character. A word of characters
    below U+02A4 (a code such as hbcg20250000038) is cut into pieces of four characters, each
    "zw", a letter for its place and two letters a character: Pagefind 1.5 does not find long
    words reliably (a query word of 32 letters matched a shorter one), and segments codes at
    letters and digits. Any other word is kept as it is. search.js (`sunlitSearchTerms`)
    encodes a query the same way, and Pagefind matches a query's last word as a prefix, so a
    lone character finds the bigrams it starts and a code's beginning finds the code.
    """
    if cjk:
        return ["zh" + "".join(_letters(c, 4) for c in text)]
    if all(ord(c) < 26 * 26 for c in text):
        return ["zw" + _LETTERS[(i // 4) % 26] + "".join(_letters(c, 2) for c in text[i:i + 4])
                for i in range(0, len(text), 4)]
    return [text]


def browser_terms(text: str) -> list[str]:
    """The browser terms of `text`, each once, in order."""
    return list(dict.fromkeys(w for cjk, t in terms(text) for w in browser_terms_of(t, cjk)))


TITLE_WEIGHT = 2  # times a title's terms are in a record's content


def record_content(document: SearchDocument) -> str:
    """What Pagefind matches a query against: the title's browser terms TITLE_WEIGHT times, then
    the body's other terms once.

    Pagefind ranks by term frequency against the whole record's length, with no fields. Title
    terms repeated make a record whose title is the query outrank one that only mentions it
    (an award's title holds its tender's, its body more names): the title is most of the
    record's length. An organisation known by its registration code gets its title once more,
    above a twin of the same name that no source gave a code (as the command line ranks them).
    """
    title = browser_terms(document.title)
    weight = TITLE_WEIGHT + (document.kind == "organisation" and bool(document.code))
    seen = set(title)
    rest = [w for w in browser_terms(document.body) if w not in seen]
    return " ".join(title * weight + rest) or document.body


EXCERPT_CHARS = 80


def record_excerpt(document: SearchDocument) -> str:
    """The readable body shown under a result, at most EXCERPT_CHARS characters. Pagefind
    indexes a custom record's meta as well as its content, and holds it in memory as it indexes
    at some fifty times its size: every character here counts at a million records."""
    body = document.body
    return body if len(body) <= EXCERPT_CHARS else body[:EXCERPT_CHARS - 1] + "…"


# Kinds whose records point at another record's page (an award at its tender's, a flag at the
# flagged record's): Pagefind keeps one record per URL, so theirs carry a fragment of their own.
_SHARED_PAGE = {"award", "flag"}


def record_url(document: SearchDocument, site_root: str) -> str:
    url = f"{site_root}/{document.url}"
    if document.kind in _SHARED_PAGE:
        url += "#" + quote(f"{document.kind}-{document.record_id}", safe="")
    return url


def _record(document: SearchDocument, site_root: str) -> dict[str, Any]:
    meta = {"title": document.title, "type": document.kind_label,
            "excerpt": record_excerpt(document)}
    if document.date:
        meta["date"] = document.date
    if document.amount:
        meta["amount"] = document.amount
    filters = {"type": [document.kind_label]}
    if document.year:
        filters["year"] = [document.year]
    if document.region:
        filters["region"] = [document.region]
    if document.department:
        filters["department"] = [document.department]
    return {
        "url": record_url(document, site_root),
        "content": record_content(document),
        "language": LANGUAGE,
        "meta": meta,
        "filters": filters,
    }


async def _write(documents: Iterable[SearchDocument], bundle: Path, site_root: str) -> int:
    service = _PromptService()
    await service.launch()
    try:
        index: PagefindIndex = await service.create_index({"force_language": LANGUAGE})
        count = 0
        batch: list[SearchDocument] = []

        async def flush() -> None:
            await asyncio.gather(
                *(index.add_custom_record(**_record(d, site_root)) for d in batch)
            )
            batch.clear()

        for document in documents:
            batch.append(document)
            count += 1
            if len(batch) >= BATCH:
                await flush()
        await flush()
        await index.write_files(str(bundle))
        await service.finish()
        return count
    finally:
        await service.close()


# Pagefind 1.5 scores a query page by page, and for each matching page it scans every posting
# of the query's words (`search_term` in its core), so a query costs the pages it matches times
# those postings: the square of the matches for a one-word query. Shards of this many records
# divide that by the number of shards, for more index chunks fetched a query (one per shard and
# word, each smaller).
SHARD_RECORDS = 25_000
SHARDS_FILE = "sunlit-shards.json"  # the shards' folders, relative to the main bundle


def shard_of(document: SearchDocument, shards: int) -> int:
    """A stable, even spread of records over shards (by id, so kinds and years mix)."""
    return zlib.crc32(document.key.encode("utf-8")) % shards


WRITE_ATTEMPTS = 3


def bundle_problems(bundle: Path) -> list[str]:
    """What is wrong with the Pagefind bundle written at `bundle` (its own files, not its
    shards'): an empty file, an entry file that is not JSON, an index file cut short."""
    problems = []
    for folder in (bundle, *(bundle / sub for sub in ("index", "fragment", "filter"))):
        for path in sorted(folder.glob("*")) if folder.is_dir() else []:
            if not path.is_file():
                continue
            name = path.relative_to(bundle).as_posix()
            data = path.read_bytes()
            if not data:
                problems.append(f"{name} is empty")
            elif ".pf_" in path.name:
                try:
                    gzip.decompress(data)
                except (OSError, EOFError) as error:
                    problems.append(f"{name} is cut short ({error})")
    try:
        json.loads((bundle / "pagefind-entry.json").read_bytes())
    except (OSError, ValueError) as error:
        problems.append(f"pagefind-entry.json is not readable JSON ({error})")
    return problems


# Pagefind cuts its word index into chunks of some 20,000 postings (fixed in 1.5), and a query
# fetches the whole chunk of each of its words that it has not fetched yet: at 100,000 records in
# four shards a phrase of ten bigrams new to the visit fetched some 40 chunks of 16 kB. Cut again
# into chunks of about this many bytes (before compression, 1.5 to 2 kB after), a rare word costs
# a few kB, a common one its own postings.
CHUNK_BYTES = 4_000
_SIGNATURE = b"pagefind_dcd"  # what every Pagefind index file starts with, once decompressed
_CBOR_WIDTHS = {24: 1, 25: 2, 26: 4, 27: 8}  # a CBOR head's extra bits -> its argument's bytes


def _read_index_file(path: Path) -> bytes:
    """A Pagefind index file's CBOR (decompressed, its signature checked and cut off)."""
    data = gzip.decompress(path.read_bytes())
    if not data.startswith(_SIGNATURE):
        raise ValueError(f"{path} is not a Pagefind index file")
    return data[len(_SIGNATURE):]


def _cbor_array_head(count: int) -> bytes:
    """The head of a CBOR array of `count` items (major type 4, shortest form)."""
    if count < 24:
        return bytes([0x80 | count])
    for extra, width in _CBOR_WIDTHS.items():
        if count < 1 << (8 * width):
            return bytes([0x80 | extra]) + count.to_bytes(width, "big")
    raise ValueError(f"an array of {count} items")


def _cbor_words(data: bytes) -> Iterator[tuple[list[Any], bytes]]:
    """The words of a Pagefind index chunk (CBOR `[[word, …]]`), each decoded and as the
    bytes that encode it, so that a chunk can be cut again without encoding its words anew."""
    stream = io.BytesIO(data)
    decoder = cbor2.CBORDecoder(stream)
    if data[:1] != b"\x81":
        raise ValueError("a Pagefind index chunk is not a one-item array")
    stream.seek(1)
    head = data[1]
    if head >> 5 != 4:
        raise ValueError("a Pagefind index chunk holds no array of words")
    extra = head & 0x1F
    width = _CBOR_WIDTHS.get(extra, 0)
    count = extra if extra < 24 else int.from_bytes(data[2:2 + width], "big")
    stream.seek(2 + width)
    for _ in range(count):
        start = stream.tell()
        word = decoder.decode()
        yield word, data[start:stream.tell()]


def _write_index_file(folder: Path, prefix: str, suffix: str, cbor: bytes) -> str:
    """Write `cbor` as a Pagefind index file named by its content; return the name's hash."""
    data = _SIGNATURE + cbor
    name = f"{LANGUAGE}_{hashlib.sha256(data).hexdigest()[:12]}"
    (folder / f"{prefix}{name}{suffix}").write_bytes(gzip.compress(data, mtime=0))
    return name


def _code_group(word: str) -> str:
    """For a piece of a code ("zw", its place, two letters a character), its place and first
    character: all a query's last word, a code's beginning, is sure to hold. Pagefind matches
    that word as a prefix in the one chunk it fetches for it, so a chunk never splits a group:
    a code's first characters find every code they start. "" for any other word."""
    return word[:5] if word.startswith("zw") else ""


def _lower_bound(last: str, first: str) -> str:
    """The lowest word of a chunk's range, its first word `first` following the previous
    chunk's last word `last`: `first` cut one character past their common prefix (as Pagefind
    bounds its chunks), so a query's last word that is a prefix of `first` falls in the chunk."""
    return first[:len(os.path.commonprefix((last, first))) + 1]  # noqa: RUF071 - characters wanted


def rechunk_bundle(bundle: Path, chunk_bytes: int = CHUNK_BYTES) -> dict[str, int]:
    """Cut the word index of the Pagefind bundle at `bundle` (its own, not its shards') into
    chunks of about `chunk_bytes`, and leave out the words found only in records' meta.

    Pagefind also indexes the words of a custom record's meta (title, excerpt, amount…), which
    its own segmenter cuts: no query of the search page can match them (it searches the browser
    terms of the content), yet they were over a third of the index's bytes. Every word of a
    record's content keeps its postings as they were, so results and scores do not change.
    Returns the chunks and words before and after.
    """
    entry_path = bundle / "pagefind-entry.json"
    entry = json.loads(entry_path.read_text(encoding="utf-8"))
    language = entry["languages"][LANGUAGE]
    meta_path = bundle / f"pagefind.{language['hash']}.pf_meta"
    meta = cbor2.loads(_read_index_file(meta_path))
    index = bundle / "index"
    old = [index / f"{chunk[2]}.pf_index" for chunk in meta[2]]
    words_before = 0
    kept: list[tuple[str, bytes]] = []  # [word, [[page, locs, meta locs]…]]: content locs
    for path in old:
        for item, data in _cbor_words(_read_index_file(path)):
            words_before += 1
            word, pages = item[0], item[1]  # [word, [[page, locs, meta locs]…], …]
            if any(page[1] for page in pages):
                kept.append((word, data))
    if any(a >= b for (a, _), (b, _) in itertools.pairwise(kept)):
        raise ValueError(f"{bundle}: Pagefind's index words are not in order")
    chunks: list[list[tuple[str, bytes]]] = []
    chunk: list[tuple[str, bytes]] = []
    size = 0
    for n, (word, data) in enumerate(kept):
        chunk.append((word, data))
        size += len(data)
        following = kept[n + 1][0] if n + 1 < len(kept) else None
        if following is None or (size >= chunk_bytes
                                 and not _code_group(word) == _code_group(following) != ""):
            chunks.append(chunk)
            chunk, size = [], 0
    # Pagefind fetches, for each word of a query, the first chunk whose range holds it (compared
    # as strings): a range runs from the shortest prefix of its first word above the previous
    # chunk's words to its own last word, whole, so that neither a word nor a prefix of one
    # falls between two ranges.
    bounds = [("" if n == 0
               else _lower_bound(chunks[n - 1][-1][0], c[0][0]), c[-1][0])
              for n, c in enumerate(chunks)]
    names = [_write_index_file(index, "", ".pf_index", b"\x81" + _cbor_array_head(len(c))
                               + b"".join(data for _, data in c)) for c in chunks]
    meta[2] = [[first, last, name] for (first, last), name in zip(bounds, names, strict=True)]
    language["hash"] = _write_index_file(bundle, "pagefind.", ".pf_meta", cbor2.dumps(meta))
    entry_path.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    keep = {f"{name}.pf_index" for name in names}
    for path in old:
        if path.name not in keep:
            path.unlink(missing_ok=True)
    if meta_path.name != f"pagefind.{language['hash']}.pf_meta":
        meta_path.unlink()
    return {"chunks_before": len(old), "chunks": len(chunks), "words_before": words_before,
            "words": len(kept)}


async def _write_checked(documents: Sequence[SearchDocument], bundle: Path,
                         site_root: str, chunk_bytes: int | None) -> int:
    """`_write`, then check the bundle; written again (at most WRITE_ATTEMPTS times) when a file
    came out empty or cut short.

    pagefind 1.5.2's service ends when its input does, and sometimes a file it was still writing
    is left empty (one shard's entry file, once in a few dozen bundles): a bundle the browser
    cannot load, for every query.
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        count = await _write(documents, bundle, site_root)
        problems = bundle_problems(bundle)
        if not problems:
            if chunk_bytes is not None:
                rechunk_bundle(bundle, chunk_bytes)
            return count
        log.warning("search bundle %s written wrong (attempt %d of %d): %s", bundle, attempt,
                    WRITE_ATTEMPTS, "; ".join(problems))
        for path in bundle.iterdir():  # its own files; shards are written after it
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    raise RuntimeError(f"Pagefind wrote a broken search bundle at {bundle} "
                       f"{WRITE_ATTEMPTS} times: {'; '.join(problems)}")


async def _write_shards(documents: Sequence[SearchDocument], bundle: Path, site_root: str,
                        chunk_bytes: int | None) -> int:
    shards = max(1, math.ceil(len(documents) / SHARD_RECORDS))
    folders = [f"shard-{n}/" for n in range(1, shards)]
    count = 0
    # The main bundle first: the shards' folders are inside it. One Pagefind process at a time
    # holds only its own shard in memory.
    for n, folder in enumerate(["", *folders]):
        part = [d for d in documents if shard_of(d, shards) == n]
        count += await _write_checked(part, bundle / folder, site_root, chunk_bytes)
    (bundle / SHARDS_FILE).write_text(json.dumps({"shards": folders}), encoding="utf-8")
    return count


def write_browser_index(
    documents: Iterable[SearchDocument], bundle: Path, *, site_root: str = "",
    chunk_bytes: int | None = CHUNK_BYTES,
) -> int:
    """Index `documents` into a Pagefind bundle at `bundle` (the site's `pagefind/` folder),
    and past SHARD_RECORDS records into shards inside it, listed in SHARDS_FILE.

    site_root is the path the site is served under ("" at a host's root, "/sunlit" below it);
    result URLs are `<site_root>/<document.url>`. The word index is cut into chunks of about
    `chunk_bytes` (rechunk_bundle); None keeps Pagefind's own. Returns the number of records
    indexed.
    """
    work = _write_shards(list(documents), bundle.absolute(), site_root.rstrip("/"), chunk_bytes)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    # Called from async code (a caller's own event loop): index on a thread with its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
