"""The browser's search index: Pagefind bundles built from Sunlit's search documents.

Pagefind's extended build segments Chinese, so a query such as a supplier's name finds its
records. We feed it compact custom records (not whole built pages) through its Python API; the
bundle it writes holds the index and Pagefind's script, served from the site itself. Past
SHARD_RECORDS records the index is split into shards, one bundle each, that the search page
merges (Pagefind's `mergeIndex`).
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import logging
import math
import shutil
import zlib
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

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


async def _write_checked(documents: Sequence[SearchDocument], bundle: Path,
                         site_root: str) -> int:
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


async def _write_shards(documents: Sequence[SearchDocument], bundle: Path, site_root: str) -> int:
    shards = max(1, math.ceil(len(documents) / SHARD_RECORDS))
    folders = [f"shard-{n}/" for n in range(1, shards)]
    count = 0
    # The main bundle first: the shards' folders are inside it. One Pagefind process at a time
    # holds only its own shard in memory.
    for n, folder in enumerate(["", *folders]):
        part = [d for d in documents if shard_of(d, shards) == n]
        count += await _write_checked(part, bundle / folder, site_root)
    (bundle / SHARDS_FILE).write_text(json.dumps({"shards": folders}), encoding="utf-8")
    return count


def write_browser_index(
    documents: Iterable[SearchDocument], bundle: Path, *, site_root: str = ""
) -> int:
    """Index `documents` into a Pagefind bundle at `bundle` (the site's `pagefind/` folder),
    and past SHARD_RECORDS records into shards inside it, listed in SHARDS_FILE.

    site_root is the path the site is served under ("" at a host's root, "/sunlit" below it);
    result URLs are `<site_root>/<document.url>`. Returns the number of records indexed.
    """
    work = _write_shards(list(documents), bundle.absolute(), site_root.rstrip("/"))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    # Called from async code (a caller's own event loop): index on a thread with its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
