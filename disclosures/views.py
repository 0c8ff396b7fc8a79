"""Views over the record tables: the current version of each record, and derived views.

Each view is created with CREATE OR REPLACE on every migration, so changing one here changes
it in every database on the next `sunlit collect`.
"""

from __future__ import annotations

import duckdb

from disclosures.store import RECORD_TABLES


def install(con: duckdb.DuckDBPyConnection) -> None:
    for table in RECORD_TABLES:
        con.execute(
            f"CREATE OR REPLACE VIEW current_{table} AS "
            f"SELECT * EXCLUDE (is_current) FROM {table} WHERE is_current"
        )
        con.execute(
            f"COMMENT ON VIEW current_{table} IS "
            f"'The current version of each record of {table}.'"
        )
    _copy_column_comments(con)
    from disclosures import flags  # the red flags read the current_* views made above

    flags.install(con)
    from disclosures import timelines  # reads the flag views AP01-AP03

    timelines.install(con)


def _copy_column_comments(con: duckdb.DuckDBPyConnection) -> None:
    """Give each current_* view's columns the comments of its table's columns."""
    comments = con.execute(
        "SELECT table_name, column_name, comment FROM duckdb_columns() "
        "WHERE schema_name = 'main' AND comment IS NOT NULL AND list_contains(?, table_name)",
        [list(RECORD_TABLES)],
    ).fetchall()
    statements = [
        f"COMMENT ON COLUMN current_{table}.{column} IS '{comment.replace(chr(39), chr(39) * 2)}'"
        for table, column, comment in comments
        if column != "is_current"
    ]
    if not statements:
        return
    # One transaction: a hundred comments commit once.
    con.execute("BEGIN;\n" + ";\n".join(statements) + ";\nCOMMIT;")
