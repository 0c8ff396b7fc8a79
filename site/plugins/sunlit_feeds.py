"""Pelican plugin: every Atom and RSS feed of the site, their OPML lists and the /feeds/ page.

The generator reads which feeds exist, with their titles and content hashes, through
`disclosures.feeds.read_catalogue` in `generate_context()` (one query per family of feeds, no
entries) and puts a `FeedIndex` in the shared context under `feeds.CONTEXT_KEY`, so the pages
plugin can ask which feeds a page links (`feeds.feeds_for(kind, record_id, index)`).
`generate_output()` writes the feeds: those the output already holds as they are stay, those
unchanged since the previous build are linked from it, and only the rest have their entries read
(`feeds.read_entries`) and are rendered; then the OPML files. The directory page of the feeds,
/feeds/, is one of the pages plugin's (from the same index), rendered only when it changes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
from pelican import signals
from pelican.generators import Generator
from pelican.writers import Writer

from disclosures import feeds, publish
from disclosures.feeds import Feed

log = logging.getLogger(__name__)


class SunlitFeedsGenerator(Generator):
    """Writes /feeds/: the feeds, `<kind>.opml` and `all.opml`."""

    feeds: list[feeds.Feed]

    @contextlib.contextmanager
    def _reader(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The build's reader (`publish.BUILD_READER`, its red flags evaluated once for the
        whole build), else one of our own."""
        shared = self.context.get(publish.BUILD_READER)
        if shared is not None:
            yield shared
            return
        with publish.open_reader(Path(self.settings["SUNLIT_DB"])) as con:
            yield con

    def generate_context(self) -> None:
        with self._reader() as con:
            self.feeds = feeds.read_catalogue(con)
        self.context[feeds.CONTEXT_KEY] = feeds.FeedIndex.of(self.feeds)

    def generate_output(self, writer: Writer) -> None:
        output = Path(self.output_path)
        info = feeds.FeedInfo(site_url=self.settings.get("SITEURL", ""))
        previous = self.settings.get("SUNLIT_PREVIOUS_BUILD") or feeds.previous_build(output)
        stats = feeds.write_feeds(self.feeds, output, info, Path(previous) if previous else None,
                                  load=self._read_entries)
        log.info("feeds: %d rendered, %d linked from the previous build, %d already there, "
                 "%d deleted", stats.rendered, stats.reused, stats.untouched, stats.deleted)
        feeds.write_opml(self.feeds, output, info)

    def _read_entries(self, to_render: list[Feed]) -> None:
        with self._reader() as con:
            feeds.read_entries(con, to_render)


def get_generators(pelican: Any) -> type[Generator]:
    return SunlitFeedsGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
