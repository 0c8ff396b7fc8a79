"""`sunlit collect`: run every source of sources.toml into the database, then report."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from collectors.run import SourceRun, Writer, new_run_id
from collectors.sources import SourceConfig, SourcesError, load_sources
from disclosures import settings, store

DEFAULT_MAX_REJECT_RATE = 0.2


@click.command()
@click.option("--sources", "sources_path", type=click.Path(path_type=Path),
              default=settings.DEFAULT_SOURCES, show_default=True, help="Sources file.")
@click.option("--db", type=click.Path(path_type=Path), default=settings.DEFAULT_DB,
              show_default=True, help="DuckDB database to write.")
@click.option("--archive", type=click.Path(path_type=Path), default=settings.DEFAULT_ARCHIVE,
              show_default=True, help="Directory of the raw archive (gzip bodies by sha256).")
@click.option("--portal-size", type=click.IntRange(min=1), default=None,
              help="Records per kind in the bundled sample portal (for portal: urls).")
@click.option("--max-reject-rate", type=click.FloatRange(0.0, 1.0),
              default=DEFAULT_MAX_REJECT_RATE, show_default=True,
              help="Fail a source whose share of rejected records is above this "
                   "(a source's own max_reject_rate wins).")
@click.option("--full", is_flag=True,
              help="Read every page again, even those unchanged since the last collect.")
@click.option("--verbose", is_flag=True, help="Show Scrapy's log at INFO level.")
@click.pass_context
def collect(
    ctx: click.Context, sources_path: Path, db: Path, archive: Path, portal_size: int | None,
    max_reject_rate: float, full: bool, verbose: bool,
) -> None:
    """Collect every source in the sources file into the database, keeping every body fetched.

    A re-run reads only what is new or changed: paging stops at a page a finished collect
    already read unchanged (--full reads everything). Exits non-zero when a source could not
    be collected or rejected too many records.
    """
    try:
        sources = load_sources(sources_path)
    except SourcesError as error:
        raise click.ClickException(str(error)) from None

    console = Console(stderr=True)
    with _sample_portal(sources, portal_size, console) as base_url:
        if base_url is not None:
            sources = [s.with_portal(base_url) if s.uses_portal else s for s in sources]
        runs = _crawl(sources, db, archive, verbose, console, max_reject_rate, full)
    failed = _report(runs, db, max_reject_rate)
    if failed:
        ctx.exit(1)


@contextlib.contextmanager
def _sample_portal(
    sources: list[SourceConfig], size: int | None, console: Console
) -> Iterator[str | None]:
    if not any(source.uses_portal for source in sources):
        yield None
        return
    from disclosures.portal.server import portal_process

    with portal_process(size) as url:
        console.print(f"sample portal at {url}")
        yield url


def _crawl(
    sources: list[SourceConfig], db: Path, archive: Path, verbose: bool, console: Console,
    max_reject_rate: float, full: bool = False,
) -> list[SourceRun]:
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    from collectors.spiders import FORMATS

    scrapy_settings = Settings()
    scrapy_settings.setmodule("collectors.settings", priority="project")
    scrapy_settings.set("LOG_LEVEL", "INFO" if verbose else "WARNING", priority="cmdline")

    con = store.connect(db, read_only=False)
    try:
        store.migrate(con)
        killed = store.mark_killed_runs(con)
        if killed:
            console.print(f"{killed} source run(s) of an earlier collect never finished: "
                          "marked killed")
        writer = Writer(con, archive, new_run_id())
        process = CrawlerProcess(scrapy_settings)
        logging.getLogger("scrapy").setLevel(logging.INFO if verbose else logging.WARNING)
        if not verbose:
            # An unreachable robots.txt is logged with a full traceback; the request that
            # follows fails too and the run report says so in one line.
            logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
        runs: list[SourceRun] = []
        for source in sources:
            run = SourceRun(source, writer)
            store.start_run(con, writer.run_id, source.name)
            base = FORMATS[source.format]
            # A subclass per source: Scrapy reads politeness settings per spider class.
            spidercls = type(
                f"{base.__name__}_{source.name.replace('-', '_')}",
                (base,),
                {
                    "custom_settings": {
                        "DOWNLOAD_DELAY": source.delay,
                        "AUTOTHROTTLE_ENABLED": source.autothrottle,
                        "CONCURRENT_REQUESTS_PER_DOMAIN": source.concurrency,
                    },
                    "__doc__": base.__doc__,
                },
            )
            known = {} if full else writer.known_pages(source.name)
            process.crawl(spidercls, source=source, run=run, known=known)
            runs.append(run)
        with _progress(runs, console):
            process.start()
        writer.flush_candidate_tenders()
        writer.flush_organisations()
        for run in runs:
            store.finish_run(
                con, writer.run_id, run.source.name, run.counts,
                run.status(max_reject_rate), run.message(),
            )
        writer.flush()
        store.checkpoint(con)
    finally:
        con.close()
    return runs


@contextlib.contextmanager
def _progress(runs: list[SourceRun], console: Console) -> Iterator[None]:
    from twisted.internet import task

    progress = Progress(
        SpinnerColumn(), TextColumn("[bold]{task.description}"), TextColumn("{task.fields[stats]}"),
        TimeElapsedColumn(), console=console, transient=True,
    )
    tasks = {
        run.source.name: progress.add_task(run.source.name, total=None, stats="") for run in runs
    }

    def refresh() -> None:
        for run in runs:
            c = run.counts
            stats = f"{c.pages} pages, {c.items} records, {c.rejected} rejected"
            done = run.finish_reason is not None
            progress.update(tasks[run.source.name], stats=stats + (" - done" if done else ""))

    ticker = task.LoopingCall(refresh)
    with progress:
        ticker.start(0.25)
        try:
            yield
        finally:
            if ticker.running:
                ticker.stop()
            refresh()


def _report(runs: list[SourceRun], db: Path, default_rate: float) -> bool:
    """Print the run summary; True when a source failed or rejected too much."""
    console = Console()
    if not console.is_terminal:
        # Piped or captured: do not squeeze the table into the 80 columns Rich assumes.
        console = Console(width=max(console.width, 140))
    table = Table(title="sunlit collect", show_lines=False)
    columns = ("source", "status", "pages", "records", "new", "changed", "unchanged", "rejected")
    for column in columns:
        table.add_column(column, justify="left" if column in ("source", "status") else "right")
    failed = False
    for run in runs:
        status = run.status(default_rate)
        failed |= status != "ok"
        c = run.counts
        style = {"ok": "green", "failed": "red"}.get(status, "yellow")
        table.add_row(
            run.source.name, f"[{style}]{status}[/]", str(c.pages), str(c.items),
            str(c.upserts.new), str(c.upserts.changed), str(c.upserts.unchanged),
            f"{c.rejected} ({run.reject_rate:.0%})" if c.items else str(c.rejected),
        )
    console.print(table)
    _print_reasons(console, runs, db)
    for run in runs:
        message = run.message()
        if message:
            console.print(f"[bold]{run.source.name}[/]: {message}", soft_wrap=True)
    return failed


def _print_reasons(console: Console, runs: list[SourceRun], db: Path) -> None:
    rows: list[tuple[str, str, int]] = [
        (run.source.name, code, count)
        for run in runs
        for code, count in sorted(run.counts.rejects_by_reason.items())
    ]
    if not rows:
        return
    examples = _example_reasons(db)
    table = Table(title="rejects by reason")
    for column in ("source", "reason", "count", "example"):
        table.add_column(column, justify="right" if column == "count" else "left")
    for source, code, count in rows:
        table.add_row(source, code, str(count), examples.get((source, code), ""))
    console.print(table)


def _example_reasons(db: Path) -> dict[tuple[str, str], str]:
    con = store.connect(db, read_only=True)
    try:
        found: list[Any] = con.execute(
            "SELECT source, reason_code, min(reason) FROM rejects GROUP BY ALL"
        ).fetchall()
    finally:
        con.close()
    return {(source, code): reason for source, code, reason in found}
