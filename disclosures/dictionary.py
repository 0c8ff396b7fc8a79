"""The data dictionary, read from the comments stored in the database itself."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from disclosures.store import connect


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str | None


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str  # table or view
    comment: str | None
    columns: tuple[Column, ...]


def data_dictionary(db: Path) -> list[Relation]:
    con = connect(db, read_only=True)
    try:
        relations = con.execute(
            """SELECT table_name, 'table', comment FROM duckdb_tables() WHERE schema_name = 'main'
               UNION ALL
               SELECT view_name, 'view', comment FROM duckdb_views()
               WHERE schema_name = 'main' AND NOT internal
               ORDER BY 2, 1"""
        ).fetchall()
        columns = con.execute(
            """SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
               WHERE schema_name = 'main' ORDER BY table_name, column_index"""
        ).fetchall()
    finally:
        con.close()
    by_table: dict[str, list[Column]] = {}
    for table, name, dtype, comment in columns:
        by_table.setdefault(table, []).append(Column(name, dtype, comment))
    return [
        Relation(name, kind, comment, tuple(by_table.get(name, ())))
        for name, kind, comment in relations
    ]


def render_text(relations: list[Relation]) -> str:
    lines: list[str] = []
    for rel in relations:
        lines.append(f"{rel.name} ({rel.kind}): {rel.comment or 'UNDOCUMENTED'}")
        for col in rel.columns:
            lines.append(f"    {col.name:<22} {col.type:<16} {col.comment or 'UNDOCUMENTED'}")
        lines.append("")
    return "\n".join(lines)
