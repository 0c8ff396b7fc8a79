"""`sunlit portal`: serve the sample portal until interrupted."""

from __future__ import annotations

import threading

import click

from disclosures.portal.generator import (
    APPROVAL_RATIO,
    CCGP_RATIO,
    LIST_RATIO,
    OCDS_RATIO,
    scaled,
)
from disclosures.portal.server import start_portal


@click.command()
@click.option("--port", default=8700, show_default=True, type=int, help="Port to serve on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--size", default=120, show_default=True, type=click.IntRange(min=1),
              help="Number of Epoint award notices; the other formats scale from it.")
@click.option("--seed", default=7, show_default=True, type=int,
              help="Seed of the generated data: the same seed serves the same bytes.")
def portal(port: int, host: str, size: int, seed: int) -> None:
    """Serve Sunlit's sample government portal (all formats, with planted defects)."""
    running = start_portal(size=size, seed=seed, port=port, host=host)
    click.echo(running.url)
    click.echo(f"{size} award notices, {scaled(size, CCGP_RATIO)} CCGP pages, "
               f"{scaled(size, OCDS_RATIO)} OCDS releases, {scaled(size, LIST_RATIO)} items per "
               f"list, {scaled(size, APPROVAL_RATIO)} approval cases (Ctrl-C to stop)", err=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        running.stop()
