"""`sunlit search`: search the database from the command line (Whoosh index in `data/search/`).

The index is built on first use and brought up to date, document by document, whenever the
database has changed since (after a `sunlit collect`); `--reindex` rebuilds it from scratch.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

import click

from disclosures import settings
from search.engine import QUERY_FIELDS, Results, SearchEngine, UpdateReport
from search.kinds import KIND_LABELS, KINDS
from search.whoosh_engine import WhooshEngine

DEFAULT_INDEX = Path(os.environ.get("SUNLIT_SEARCH_INDEX", settings.ROOT / "data" / "search"))
STAMP = "indexed-db.json"  # which database state the index reflects


def _db_state(db: Path) -> dict[str, object]:
    stat = db.stat()
    return {"db": str(db.resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def refresh(engine: WhooshEngine, db: Path, *, reindex: bool = False) -> UpdateReport | None:
    """Index `db` if the index is missing, stale or `reindex` asks; None when it was current."""
    stamp = engine.directory / STAMP
    if not db.exists():
        if engine.exists() and not reindex:
            return None  # search what was indexed; the database may live elsewhere now
        raise FileNotFoundError(f"no database at {db}: run `sunlit collect` first")
    state = _db_state(db)
    if (not reindex and engine.exists() and stamp.exists()
            and json.loads(stamp.read_text(encoding="utf-8")) == state):
        return None
    from disclosures import store  # the database is read only when the index needs it
    from disclosures.publish import read_search_rows
    from search.documents import search_documents

    con = store.connect(db, read_only=True)
    try:
        rows = read_search_rows(con)
    finally:
        con.close()
    documents = search_documents(rows)
    report = engine.rebuild(documents) if reindex else engine.update(documents)
    stamp.write_text(json.dumps(state), encoding="utf-8")
    return report


def _fields(pairs: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or name not in QUERY_FIELDS:
            raise click.BadParameter(
                f"{pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(QUERY_FIELDS)}",
                param_hint="--field")
        fields[name] = value
    return fields


def _print(results: Results) -> None:
    if not results.hits:
        click.echo(f"no results for {results.query!r}")
    else:
        shown = len(results.hits)
        click.echo(f"{results.total} results" + (f", first {shown}" if shown < results.total
                                                  else ""))
    for n, hit in enumerate(results.hits, 1):
        meta = "  ".join(x for x in (KIND_LABELS.get(hit.kind, hit.kind), hit.date, hit.amount)
                         if x)
        click.echo(f"{n:>3}. {hit.title}\n     {meta}  /{hit.url}  [{hit.key}]")
    if results.suggestions:
        click.echo("did you mean: " + " / ".join(results.suggestions))


@click.command()
@click.argument("query", required=False, default="")
@click.option("--type", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only results of this kind (repeatable).")
@click.option("--field", "field_pairs", multiple=True, metavar="FIELD=VALUE",
              help="Only results whose FIELD matches VALUE, e.g. buyer=教育局 (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--db", type=click.Path(path_type=Path), default=settings.DEFAULT_DB,
              show_default=True, help="The DuckDB database the index is built from.")
@click.option("--index", "index_dir", type=click.Path(path_type=Path), default=DEFAULT_INDEX,
              show_default=True, help="The index directory.")
@click.option("--reindex", is_flag=True, help="Rebuild the index from scratch first.")
def search(query: str, kinds: tuple[str, ...], field_pairs: tuple[str, ...], as_json: bool,
           limit: int, db: Path, index_dir: Path, reindex: bool) -> None:
    """Search tenders, awards, organisations, list and approval items and red flags.

    \b
    QUERY words must all match; a Chinese word matches anywhere in a name (恒泰 finds
    宜昌恒泰建设工程有限公司). Also: "a phrase", prefix*, buyer:教育局, supplier:恒泰,
    department:, region:, code:HBCG2025*, type:tender, amount:[1000000 TO 5000000],
    date:[2025-01-01 TO 2025-06-30], OR, NOT.
    """
    fields = _fields(field_pairs)
    engine: SearchEngine = WhooshEngine(index_dir)
    assert isinstance(engine, WhooshEngine)
    report = refresh(engine, db, reindex=reindex)
    if report is not None:
        verb = "built" if report.rebuilt else "updated"
        click.echo(f"search index {verb} in {index_dir}: {report.added} added, "
                   f"{report.changed} changed, {report.removed} removed", err=True)
    if not query and not fields and not kinds:
        if report is None:
            click.echo("the search index is up to date; give a QUERY to search", err=True)
        return
    results = engine.search(query, kinds=kinds, fields=fields, limit=limit)
    if as_json:
        payload = {"query": results.query, "total": results.total,
                   "hits": [asdict(h) for h in results.hits],
                   "suggestions": results.suggestions}
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print(results)
