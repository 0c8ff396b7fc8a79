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
    from disclosures import flags  # the red flags read the current_* views made above

    flags.install(con)
