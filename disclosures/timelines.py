"""Views of the three lists and approval cases: list changes, case timing, reconciliation.

The SQL and its comments live in `timelines.sql`; it reads the red-flag views AP01–AP03, so it
is installed after them, on every migration (CREATE OR REPLACE).
"""

from __future__ import annotations

from importlib import resources

import duckdb


def install(con: duckdb.DuckDBPyConnection) -> None:
    sql = resources.files("disclosures").joinpath("timelines.sql").read_text(encoding="utf-8")
    con.execute("BEGIN;\n" + sql + "\nCOMMIT;")
