"""Red flags: one SQL view per flag, defined and documented in one `.sql` file each.

Each `<code>.sql` file in this package starts with a header of `-- key: value` lines (a line
`--    more text`, indented, continues the previous value), then one SELECT. The header is the
flag's definition: the registry reads it, the views and their comments are made from it, the
site renders each flag's page from `registry()`, and `flag_definitions` in the database holds it
for readers of the file.

Header keys: code, title_zh, title_en, record_kind, definition, threshold (repeatable:
`name = default : description`, default NULL meaning "computed from the data"), evidence
(repeatable: `column : description`), source (repeatable: `title | url`).

The SELECT returns record_kind, record_id, tender_id, buyer_id, supplier_id and then the
evidence columns, in the order the header lists them. Thresholds are read in SQL with
`flag_threshold('<code>', '<name>')` from the table `flag_thresholds`, so an auditor can change
one with an UPDATE in a copy of the database and every view follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

import duckdb
import pyarrow as pa

from disclosures import workdays
from disclosures.sqlfile import read_sql_file

COMMON_COLUMNS: dict[str, str] = {
    "record_kind": "Kind of record flagged: tender, bid, organisation, approval_case or list_item.",
    "record_id": "Id of the flagged record (tender_id, bid_id, org_id, case_id or item_id).",
    "tender_id": "The tender concerned, if any (tenders.tender_id).",
    "buyer_id": "The buyer concerned, if any (organisations.org_id).",
    "supplier_id": "The supplier or bidder concerned, if any (organisations.org_id).",
}
HITS_COLUMNS: dict[str, str] = {
    "flag_code": "Code of the red flag (see flag_definitions).",
    **COMMON_COLUMNS,
    "evidence": "JSON object of the values that raised the flag; keys are the columns of the "
    "flag's own view flag_<code>.",
}


@dataclass(frozen=True)
class Threshold:
    name: str
    default: float | None  # None: computed from the data (an IQR fence)
    description: str


@dataclass(frozen=True)
class Evidence:
    column: str
    description: str


@dataclass(frozen=True)
class Source:
    title: str
    url: str


@dataclass(frozen=True)
class Flag:
    code: str
    title_zh: str
    title_en: str
    record_kind: str
    definition: str
    thresholds: tuple[Threshold, ...]
    evidence: tuple[Evidence, ...]
    sources: tuple[Source, ...]
    sql: str

    @property
    def view(self) -> str:
        return f"flag_{self.code.lower()}"

    def column_comments(self) -> dict[str, str]:
        return {**COMMON_COLUMNS, **{e.column: e.description for e in self.evidence}}


_REQUIRED = ("code", "title_zh", "title_en", "record_kind", "definition", "source")


def parse(text: str) -> Flag:
    """Read a flag file: its header and its SELECT."""
    fields, sql = read_sql_file(text, strict=True)
    single = {key: value for key, value in fields}
    missing = [key for key in _REQUIRED if key not in single]
    if missing:
        raise ValueError(f"flag header lacks {', '.join(missing)}")
    thresholds = []
    for key, value in fields:
        if key == "threshold":
            match = re.fullmatch(r"(\w+)\s*=\s*(\S+)\s*:\s*(.+)", value)
            if not match:
                raise ValueError(f"threshold must read `name = default : description`: {value!r}")
            default = None if match.group(2).upper() == "NULL" else float(match.group(2))
            thresholds.append(Threshold(match.group(1), default, match.group(3)))
    evidence = []
    for key, value in fields:
        if key == "evidence":
            column, _, description = value.partition(":")
            evidence.append(Evidence(column.strip(), description.strip()))
    sources = []
    for key, value in fields:
        if key == "source":
            title, _, url = value.partition("|")
            sources.append(Source(title.strip(), url.strip()))
    return Flag(
        code=single["code"],
        title_zh=single["title_zh"],
        title_en=single["title_en"],
        record_kind=single["record_kind"],
        definition=single["definition"],
        thresholds=tuple(thresholds),
        evidence=tuple(evidence),
        sources=tuple(sources),
        sql=sql,
    )


@cache
def registry() -> list[Flag]:
    """Every red flag Sunlit computes, in code order."""
    package = resources.files("disclosures.flags")
    flags = [
        parse(entry.read_text(encoding="utf-8"))
        for entry in package.iterdir()
        if entry.name.endswith(".sql")
    ]
    return sorted(flags, key=lambda flag: flag.code)


def get(code: str) -> Flag:
    for flag in registry():
        if flag.code.upper() == code.upper():
            return flag
    raise KeyError(f"no red flag {code!r}; known: {', '.join(f.code for f in registry())}")


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _install_thresholds(
    con: duckdb.DuckDBPyConnection, overrides: Mapping[str, float | None]
) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS flag_thresholds (
               flag_code VARCHAR NOT NULL,
               name VARCHAR NOT NULL,
               value DOUBLE,
               default_value DOUBLE,
               description VARCHAR NOT NULL,
               PRIMARY KEY (flag_code, name))"""
    )
    known = {f"{flag.code}.{t.name}" for flag in registry() for t in flag.thresholds}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(
            f"unknown flag thresholds: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    defaults = pa.table(
        {
            "flag_code": [flag.code for flag in registry() for _ in flag.thresholds],
            "name": [t.name for flag in registry() for t in flag.thresholds],
            "default_value": pa.array(
                [t.default for flag in registry() for t in flag.thresholds], pa.float64()
            ),
            "description": [t.description for flag in registry() for t in flag.thresholds],
        }
    )
    con.register("_threshold_defaults", defaults)
    try:
        # A value an auditor set survives migrations; defaults and descriptions follow the code.
        con.execute(
            """INSERT INTO flag_thresholds
               SELECT flag_code, name, default_value, default_value, description
               FROM _threshold_defaults d
               WHERE NOT EXISTS (SELECT 1 FROM flag_thresholds f
                                 WHERE f.flag_code = d.flag_code AND f.name = d.name)"""
        )
        con.execute(
            """UPDATE flag_thresholds f
               SET default_value = d.default_value, description = d.description
               FROM _threshold_defaults d WHERE f.flag_code = d.flag_code AND f.name = d.name"""
        )
    finally:
        con.unregister("_threshold_defaults")
    if overrides:
        changes = pa.table(
            {
                "key": list(overrides),
                "value": pa.array(list(overrides.values()), pa.float64()),
            }
        )
        con.register("_threshold_changes", changes)
        try:
            con.execute(
                """UPDATE flag_thresholds f SET value = c.value FROM _threshold_changes c
                   WHERE f.flag_code || '.' || f.name = c.key"""
            )
        finally:
            con.unregister("_threshold_changes")
    con.execute(
        "CREATE OR REPLACE MACRO flag_threshold(code, threshold_name) AS ("
        "SELECT value FROM flag_thresholds WHERE flag_code = code AND name = threshold_name)"
    )
    comments = {
        "": "Thresholds of the red flags. Change `value` (in a copy of the database, or with "
        "`sunlit` install-time overrides) and every flag view follows; NULL for an IQR "
        "fence means the fence is computed from the data.",
        "flag_code": "Code of the red flag (flag_definitions.code).",
        "name": "Name of the threshold, as the flag's definition uses it.",
        "value": "Value in force.",
        "default_value": "Sunlit's default, from the flag's definition.",
        "description": "What the threshold means, with its unit.",
    }
    _comment(con, "TABLE", "flag_thresholds", comments)


def _install_definitions(con: duckdb.DuckDBPyConnection) -> None:
    flags = registry()
    table = pa.table(
        {
            "code": [f.code for f in flags],
            "title_zh": [f.title_zh for f in flags],
            "title_en": [f.title_en for f in flags],
            "record_kind": [f.record_kind for f in flags],
            "definition": [f.definition for f in flags],
            "view_name": [f.view for f in flags],
            "thresholds": [
                json.dumps([t.__dict__ for t in f.thresholds], ensure_ascii=False) for f in flags
            ],
            "sources": [
                json.dumps([s.__dict__ for s in f.sources], ensure_ascii=False) for f in flags
            ],
        }
    )
    con.register("_flag_definitions", table)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE flag_definitions AS "
            "SELECT code, title_zh, title_en, record_kind, "
            "definition, view_name, CAST(thresholds AS JSON) AS thresholds, "
            "CAST(sources AS JSON) AS sources FROM _flag_definitions"
        )
    finally:
        con.unregister("_flag_definitions")
    _comment(
        con,
        "TABLE",
        "flag_definitions",
        {
            "": "Definitions of the red flags, one row per flag, from the files that hold "
            "their SQL.",
            "code": "Flag code: Rnnn from the Open Contracting Partnership's Cardinal, OTnn from "
            "opentender.eu, CNnn from Chinese law, APnn for approvals and the lists.",
            "title_zh": "Title in Chinese.",
            "title_en": "Title in English.",
            "record_kind": "Kind of record the flag marks (tender, bid, organisation, "
            "approval_case, list_item).",
            "definition": "What raises the flag, in words.",
            "view_name": "View listing the flag's hits with their evidence.",
            "thresholds": "JSON array of {name, default, description}; values in force are "
            "in flag_thresholds.",
            "sources": "JSON array of {title, url}: where the definition comes from.",
        },
    )


def _comment(
    con: duckdb.DuckDBPyConnection, kind: str, relation: str, comments: Mapping[str, str]
) -> None:
    for column, comment in comments.items():
        target = f"{kind} {relation}" if not column else f"COLUMN {relation}.{column}"
        con.execute(f"COMMENT ON {target} IS {_text(comment)}")


def _evidence_json(flag: Flag) -> str:
    if not flag.evidence:
        return "CAST('{}' AS JSON)"
    pairs = ", ".join(f"{e.column} := {e.column}" for e in flag.evidence)
    return f"to_json(struct_pack({pairs}))"


def install(
    con: duckdb.DuckDBPyConnection, thresholds: Mapping[str, float | None] | None = None
) -> None:
    """Create the calendar, the thresholds, one view per flag and the union view `flag_hits`.

    `thresholds` maps "<code>.<name>" (e.g. "R003.min_days") to a value stored in
    `flag_thresholds`; None restores the computed fence where the default is NULL.
    """
    # One transaction: a hundred small DDL statements commit once, and a failing flag leaves
    # the previous views in place.
    con.execute("BEGIN")
    try:
        _install_all(con, thresholds or {})
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def _install_all(con: duckdb.DuckDBPyConnection, thresholds: Mapping[str, float | None]) -> None:
    workdays.install_calendar(con)
    _install_thresholds(con, thresholds)
    _install_definitions(con)
    parts = []
    for flag in registry():
        con.execute(f"CREATE OR REPLACE VIEW {flag.view} AS\n{flag.sql}")
        produced = [row[0] for row in con.execute(f"DESCRIBE {flag.view}").fetchall()]
        expected = [*COMMON_COLUMNS, *(e.column for e in flag.evidence)]
        if produced != expected:
            raise ValueError(f"{flag.view} returns {produced}, its header promises {expected}")
        _comment(
            con,
            "VIEW",
            flag.view,
            {
                "": f"Red flag {flag.code} {flag.title_en} ({flag.title_zh}): {flag.definition}",
                **flag.column_comments(),
            },
        )
        parts.append(
            f"SELECT '{flag.code}' AS flag_code, record_kind, "
            "CAST(record_id AS VARCHAR) AS record_id, "
            "CAST(tender_id AS VARCHAR) AS tender_id, CAST(buyer_id AS VARCHAR) AS buyer_id, "
            f"CAST(supplier_id AS VARCHAR) AS supplier_id, {_evidence_json(flag)} AS evidence "
            f"FROM {flag.view}"
        )
    con.execute("CREATE OR REPLACE VIEW flag_hits AS\n" + "\nUNION ALL\n".join(parts))
    _comment(
        con,
        "VIEW",
        "flag_hits",
        {
            "": "Every red-flag hit of every flag, one row per flagged record, with its "
            "evidence as JSON.",
            **HITS_COLUMNS,
        },
    )


def pages() -> list[dict[str, object]]:
    """Plain data for each flag's definition page on the site, in code order."""
    return [
        {
            "code": flag.code,
            "slug": flag.code.lower(),
            "title_zh": flag.title_zh,
            "title_en": flag.title_en,
            "record_kind": flag.record_kind,
            "definition": flag.definition,
            "view": flag.view,
            "thresholds": [t.__dict__ for t in flag.thresholds],
            "evidence": [e.__dict__ for e in flag.evidence],
            "sources": [s.__dict__ for s in flag.sources],
            "sql": flag.sql,
        }
        for flag in registry()
    ]
