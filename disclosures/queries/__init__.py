"""Named queries: the questions auditors ask most, kept as documented `.sql` files.

Each `<name>.sql` file here starts with a header:

    -- name: supplier_awards
    -- title: Awards won by a supplier
    -- description: What it returns (a line `--    more` continues it).
    -- param: name VARCHAR NULL What the parameter does.

then one SELECT that refers to each parameter as `$name`. A parameter's type is a DuckDB type
(VARCHAR, INTEGER, DOUBLE, DATE, BOOLEAN); its default is a literal or NULL. `sunlit query`
lists and runs them against the database opened read-only; the same files can be pasted into
any DuckDB client by replacing the `$name` placeholders.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from disclosures import store
from disclosures.sqlfile import read_sql_file

FORMATS = ("table", "csv", "json", "parquet")


class QueryError(ValueError):
    """A query or its parameters cannot be used as given."""


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class Query:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    sql: str


_PARAM = re.compile(r"(\w+)\s+(VARCHAR|INTEGER|BIGINT|DOUBLE|DATE|BOOLEAN)\s+(\S+)\s+(.+)")


def parse(text: str) -> Query:
    fields, sql = read_sql_file(text)
    single = dict(fields)
    for key in ("name", "title", "description"):
        if key not in single:
            raise QueryError(f"query header lacks {key}")
    params = []
    for key, value in fields:
        if key == "param":
            match = _PARAM.fullmatch(value)
            if not match:
                raise QueryError(f"param must read `name TYPE default description`: {value!r}")
            name, type_, default, description = match.groups()
            params.append(
                Param(name, type_, None if default.upper() == "NULL" else default, description)
            )
    used = set(re.findall(r"\$(\w+)", sql))
    declared = {p.name for p in params}
    if used != declared:
        raise QueryError(
            f"query {single['name']}: placeholders {sorted(used)} "
            f"differ from params {sorted(declared)}"
        )
    return Query(single["name"], single["title"], single["description"], tuple(params), sql)


@cache
def catalogue() -> list[Query]:
    """Every named query, by name."""
    package = resources.files("disclosures.queries")
    found = [
        parse(entry.read_text(encoding="utf-8"))
        for entry in package.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(found, key=lambda query: query.name)


def get(name: str) -> Query:
    for query in catalogue():
        if query.name == name:
            return query
    known = ", ".join(q.name for q in catalogue())
    raise QueryError(f"no query named {name!r}; known: {known}")


def _convert(param: Param, text: str | None) -> Any:
    if text is None:
        return None
    try:
        if param.type in ("INTEGER", "BIGINT"):
            return int(text)
        if param.type == "DOUBLE":
            return float(text)
        if param.type == "DATE":
            return date.fromisoformat(text)
        if param.type == "BOOLEAN":
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return lowered in ("true", "1", "yes")
    except ValueError:
        raise QueryError(f"--param {param.name}={text!r}: expected {param.type}") from None
    return text


def bind(query: Query, values: Mapping[str, str]) -> dict[str, Any]:
    """Parameter values for `query`, converted to their types; defaults fill the rest."""
    known = {p.name: p for p in query.params}
    unknown = sorted(set(values) - set(known))
    if unknown:
        accepted = ", ".join(known) or "none"
        raise QueryError(
            f"query {query.name} has no parameter {', '.join(unknown)} (accepts: {accepted})"
        )
    return {name: _convert(param, values.get(name, param.default)) for name, param in known.items()}


@dataclass(frozen=True)
class Result:
    """Rows of a query as Arrow, with the names of the columns DuckDB typed JSON."""

    table: pa.Table
    json_columns: frozenset[str]


def run(con: duckdb.DuckDBPyConnection, query: Query, values: Mapping[str, str]) -> Result:
    relation = con.sql(query.sql, params=bind(query, values))
    json_columns = frozenset(
        name
        for name, type_ in zip(relation.columns, relation.types, strict=True)
        if str(type_) == "JSON"
    )
    return Result(relation.to_arrow_table(), json_columns)


def run_on(db: Path, name: str, values: Mapping[str, str]) -> Result:
    """Run a named query against the database file, opened read-only."""
    query = get(name)
    con = store.connect(db, read_only=True)
    try:
        return run(con, query, values)
    finally:
        con.close()


def _plain(value: Any) -> Any:
    """A value as JSON carries it: dates as ISO text, decimals as numbers."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def rows_for_json(result: Result) -> list[dict[str, Any]]:
    rows = []
    for row in result.table.to_pylist():
        for column in result.json_columns:
            if isinstance(row[column], str):
                row[column] = json.loads(row[column])
        rows.append(_plain(row))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(_plain(value), ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)  # a Decimal keeps its published precision


def write(result: Result, fmt: str, output: Path | None, stdout: TextIO | None = None) -> None:
    """Write a result as a rich table, CSV, JSON or Parquet, to `output` or standard output."""
    stdout = stdout or sys.stdout
    table = result.table
    if fmt == "parquet":
        if output is None:
            raise QueryError("--format parquet needs --output FILE")
        pq.write_table(table, output)
        return
    if fmt == "table":
        text = _rich_table(table, to_file=output is not None)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(table.column_names)
        for row in table.to_pylist():
            writer.writerow([_cell(row[c]) for c in table.column_names])
        text = buffer.getvalue()
    elif fmt == "json":
        text = json.dumps(rows_for_json(result), ensure_ascii=False, indent=2) + "\n"
    else:
        raise QueryError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if output is None:
        stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def _rich_table(table: pa.Table, *, to_file: bool) -> str:
    from rich.console import Console
    from rich.table import Table

    rows = [[_cell(row[c]) for c in table.column_names] for row in table.to_pylist()]
    view = Table(caption=f"{table.num_rows} rows")
    for index, name in enumerate(table.column_names):
        longest = max((len(row[index]) for row in rows), default=0)
        # Short values stay on one line; long ones (evidence, titles) wrap in their column.
        view.add_column(name, no_wrap=longest <= 24, overflow="fold")
    for row in rows:
        view.add_row(*row)
    wide = to_file or not sys.stdout.isatty()
    console = Console(file=io.StringIO(), width=200 if wide else None, force_terminal=False)
    console.print(view)
    file = console.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def describe() -> str:
    """The catalogue as text: each query's name, title, description and parameters."""
    lines = []
    for query in catalogue():
        lines.append(f"{query.name}: {query.title}")
        lines.append(f"    {query.description}")
        for p in query.params:
            default = "NULL" if p.default is None else p.default
            lines.append(f"    --param {p.name}=<{p.type}> (default {default}): {p.description}")
        lines.append("")
    return "\n".join(lines)
