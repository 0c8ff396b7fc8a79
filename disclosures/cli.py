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
from disclosures.errors import BuildError, DatabaseLocked


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
        except (DatabaseLocked, BuildError, FileNotFoundError) as error:
            # Each already says in one line what failed (and, for a build, what is unchanged).
            raise click.ClickException(str(error)) from None


@click.group(cls=SunlitGroup)
@click.version_option(package_name="sunlit")
def main() -> None:
    """Sunlit (阳光公示): public tenders, the three lists and approvals, in the sunlight."""


@main.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_DB,
    show_default=True,
    help="DuckDB database to read.",
)
def schema(db: Path) -> None:
    """Print the data dictionary: every table and view, every column, with its comment."""
    from disclosures.dictionary import data_dictionary, render_text

    click.echo(render_text(data_dictionary(db)))


@main.command()
@click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_DB,
    show_default=True,
    help="DuckDB database to publish from (opened read-only).",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_OUTPUT,
    show_default=True,
    help="Where the published site goes.",
)
@click.option(
    "--site-url", default="", help="Absolute URL the site will be served from (for feeds)."
)
def build(db: Path, output: Path, site_url: str) -> None:
    """Build the static site (pages, feeds, search index) from the database with Pelican."""
    from disclosures.build import build_site

    result = build_site(db=db, output=output, site_url=site_url)
    click.echo(f"built {result.pages} pages in {result.seconds:.1f}s -> {result.output}")


@main.command()
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_OUTPUT,
    show_default=True,
    help="Built site to serve.",
)
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


_DB_OPTION = click.option(
    "--db",
    type=click.Path(path_type=Path),
    default=settings.DEFAULT_DB,
    show_default=True,
    help="DuckDB database to read (opened read-only).",
)
_FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "parquet"]),
    default="table",
    show_default=True,
    help="Output format; parquet needs --output.",
)
_OUTPUT_OPTION = click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Write to this file instead of standard output.",
)


def _run_query(db: Path, name: str, values: dict[str, str], fmt: str, output: Path | None) -> None:
    from disclosures import queries

    try:
        table = queries.run_on(db, name, values)
        queries.write(table, fmt, output)
    except queries.QueryError as error:
        raise click.ClickException(str(error)) from None


@main.command()
@click.argument("name", required=False)
@click.option(
    "--list", "list_queries", is_flag=True, help="List the named queries and their parameters."
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="KEY=VALUE",
    help="A parameter of the query; repeat for several.",
)
@_DB_OPTION
@_FORMAT_OPTION
@_OUTPUT_OPTION
def query(
    name: str | None,
    list_queries: bool,
    params: tuple[str, ...],
    db: Path,
    fmt: str,
    output: Path | None,
) -> None:
    """Run a named query (see --list) against the database, read-only."""
    from disclosures import queries

    if list_queries or name is None:
        click.echo(queries.describe())
        return
    values: dict[str, str] = {}
    for param in params:
        key, sep, value = param.partition("=")
        if not sep:
            raise click.BadParameter(f"{param!r} is not KEY=VALUE", param_hint="--param")
        values[key.strip()] = value
    _run_query(db, name, values, fmt, output)


@main.command()
@click.option("--code", default=None, help="Only this red flag, e.g. R018.")
@_DB_OPTION
@_FORMAT_OPTION
@_OUTPUT_OPTION
def flags(code: str | None, db: Path, fmt: str, output: Path | None) -> None:
    """List red-flag hits with their evidence (the `flags` named query)."""
    _run_query(db, "flags", {"code": code} if code else {}, fmt, output)


@main.command()
@_DB_OPTION
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=settings.DEFAULT_OUTPUT / "data",
    show_default=True,
    help="Directory for the downloads.",
)
@click.option(
    "--ocid-prefix",
    default="ocds-sunlit-",
    show_default=True,
    help="Prefix of the OCDS ocids (a registered prefix when publishing).",
)
def export(db: Path, out: Path, ocid_prefix: str) -> None:
    """Write the downloads: Parquet and CSV of every table, a copy of the database, an OCDS
    release package and a manifest with row counts and sha256 of every file."""
    from disclosures.export import export_all

    manifest = export_all(db, out, ocid_prefix=ocid_prefix)
    click.echo(f"wrote {len(manifest['files'])} files to {out} (manifest.json)")


if __name__ == "__main__":
    sys.exit(main())
