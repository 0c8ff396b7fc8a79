"""The browser's search index: a Pagefind bundle built from Sunlit's search documents.

Pagefind's extended build segments Chinese, so a query such as a supplier's name finds its
records. We feed it compact custom records (not whole built pages) through its Python API; the
bundle it writes holds the index and the search UI (`pagefind-ui.js`), served from the site
itself.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pagefind.index import PagefindIndex
from pagefind.service import PagefindService

from search.documents import SearchDocument

LANGUAGE = "zh-cn"
BATCH = 500  # records in flight at once; the service answers them in order


class _PromptService(PagefindService):
    """Pagefind's service without the 0.1 s pause before reading each answer.

    pagefind 1.5.2's reader sleeps 100 ms before every response it reads, which caps indexing at
    ten records a second (hours for a large site). The read itself waits for data, so the pause
    buys nothing; this loop is upstream's minus the sleep.
    """

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


def _record(document: SearchDocument, site_root: str) -> dict[str, Any]:
    meta = {"title": document.title, "type": document.kind_label}
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
        "url": f"{site_root}/{document.url}",
        "content": document.body,
        "language": LANGUAGE,
        "meta": meta,
        "filters": filters,
    }


async def _write(documents: Iterable[SearchDocument], bundle: Path, site_root: str) -> int:
    service = await _PromptService().launch()
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
        return count
    finally:
        await service.close()


def write_browser_index(
    documents: Iterable[SearchDocument], bundle: Path, *, site_root: str = ""
) -> int:
    """Index `documents` into a Pagefind bundle at `bundle` (the site's `pagefind/` folder).

    site_root is the path the site is served under ("" at a host's root, "/sunlit" below it);
    result URLs are `<site_root>/<document.url>`. Returns the number of records indexed.
    """
    work = _write(documents, bundle.absolute(), site_root.rstrip("/"))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    # Called from async code (a caller's own event loop): index on a thread with its own loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()
