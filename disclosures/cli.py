"""The `sunlit` command line.

Commands that need parts outside the core (`collect` needs Scrapy, `search` needs the search
engine) are registered by those packages through the `sunlit.commands` entry-point group, so
the core never imports them.
"""

from __future__ import annotations

import sys
from importlib.metadata import entry_points
from pathlib import Path

import click

from disclosures import settings
from disclosures.store import DatabaseLocked


class SunlitGroup(click.Group):
    """A click group that also lists commands registered by other Sunlit packages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(ep.name for ep in entry_points(group="sunlit.commands"))
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        for ep in entry_points(group="sunlit.commands"):
            if ep.name == cmd_name:
                loaded: click.Command = ep.load()
                return loaded
        return None

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except DatabaseLocked as error:
            raise click.ClickException(str(error)) from None
        except FileNotFoundError as error:
            raise click.ClickException(str(error)) from None


@click.group(cls=SunlitGroup)
@click.version_option(package_name="sunlit")
def main() -> None:
    """Sunlit (阳光公示): public tenders, the three lists and approvals, in the sunlight."""


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=settings.DEFAULT_DB, show_default=True,
              help="DuckDB database to read.")
def schema(db: Path) -> None:
    """Print the data dictionary: every table and view, every column, with its comment."""
    from disclosures.dictionary import data_dictionary, render_text

    click.echo(render_text(data_dictionary(db)))


@main.command()
@click.option("--db", type=click.Path(path_type=Path), default=settings.DEFAULT_DB, show_default=True,
              help="DuckDB database to publish from (opened read-only).")
@click.option("--output", type=click.Path(path_type=Path), default=settings.DEFAULT_OUTPUT,
              show_default=True, help="Where the published site goes.")
@click.option("--site-url", default="", help="Absolute URL the site will be served from (for feeds).")
def build(db: Path, output: Path, site_url: str) -> None:
    """Build the static site (pages, feeds, search index) from the database with Pelican."""
    from disclosures.build import build_site

    result = build_site(db=db, output=output, site_url=site_url)
    click.echo(f"built {result.pages} pages in {result.seconds:.1f}s -> {result.output}")


@main.command()
@click.option("--output", type=click.Path(path_type=Path), default=settings.DEFAULT_OUTPUT,
              show_default=True, help="Built site to serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(output: Path, host: str, port: int) -> None:
    """Serve the built site over HTTP (for previewing; any static host will do)."""
    from disclosures.serve import serve_directory

    serve_directory(output, host, port)


@main.command()
@click.option("--port", default=8000, show_default=True, type=int, help="Port for the site.")
@click.option("--size", default=None, type=int, help="Records per kind in the sample portal.")
@click.pass_context
def demo(ctx: click.Context, port: int, size: int | None) -> None:
    """Collect from the bundled sample portal, build the site and serve it at 127.0.0.1:PORT."""
    collect = main.get_command(ctx, "collect")
    if collect is None:
        raise click.ClickException("the collect command is not installed; run `make demo`")
    args = [] if size is None else ["--portal-size", str(size)]
    code = collect.main(args=args, standalone_mode=False)
    if code not in (None, 0):
        click.echo("collect reported problems (see above); building what was collected", err=True)
    ctx.invoke(build)
    click.echo(f"Sunlit is at http://127.0.0.1:{port}/  (Ctrl-C to stop)")
    ctx.invoke(serve, port=port)


if __name__ == "__main__":
    sys.exit(main())
