"""Working days under the Chinese holiday calendar, in Python and inside the database.

The calendar comes from the `chinesecalendar` package, which knows the State Council's yearly
holiday notices: public holidays *and* the make-up working days (调休) that move a weekend day
into the working week. A date outside the years the package knows raises `CalendarRangeError`:
guessing "Monday to Friday" there would be a silent wrong answer.

Counting follows the law's rule for periods (民法典 第二百零一条): the day the period starts is
not counted, counting begins the next day. So `working_days_between(d, d)` is 0 and a limit of
N working days from acceptance on day d ends on the N-th working day after d.

Inside the database, `install_calendar` writes the table `calendar` (one row per day of every
known year, with `workday_seq`, a running count of working days) and the macros
`working_days_between(a, b)`, `add_working_days(d, n)`, `next_workday(d)` and `cn_date(ts)` (the
date of a timestamp in Asia/Shanghai). Macros and table are
stored in the DuckDB file, so anyone who opens it — with or without Python — counts working days
the same way. Outside the known years the macros return NULL (unknown), never a guess.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Final

import duckdb
import pyarrow as pa
from chinese_calendar import constants as _calendar_constants

WORKDAY: Final = "workday"
CALENDAR_DAY: Final = "calendar_day"
UNITS: Final = (WORKDAY, CALENDAR_DAY)


class CalendarRangeError(ValueError):
    """A date lies outside the years for which the holiday calendar is known."""


def known_years() -> tuple[int, int]:
    """First and last year the installed holiday calendar covers."""
    days = list(_calendar_constants.holidays) + list(_calendar_constants.workdays)
    return min(days).year, max(days).year


FIRST_YEAR, LAST_YEAR = known_years()


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _check(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise CalendarRangeError(
            f"{day.isoformat()} is outside the holiday calendar ({FIRST_YEAR}–{LAST_YEAR}); "
            "update the chinesecalendar package to count working days in that year."
        )


def is_workday(day: date | datetime) -> bool:
    """True on a working day, including a make-up working day (调休) on a weekend."""
    day = _as_date(day)
    _check(day)
    return _is_workday(day)


def _is_workday(day: date) -> bool:
    # The package's tables read directly: its is_workday() re-scans them on every call.
    if day in _calendar_constants.workdays:
        return True
    return day.weekday() < 5 and day not in _calendar_constants.holidays


def working_days_between(start: date | datetime, end: date | datetime) -> int:
    """Working days after `start` up to and including `end` (negative when end < start)."""
    start, end = _as_date(start), _as_date(end)
    _check(start)
    _check(end)
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if _is_workday(start + timedelta(days=offset))
    )


def calendar_days_between(start: date | datetime, end: date | datetime) -> int:
    """Calendar days from `start` to `end`, the start day not counted."""
    return (_as_date(end) - _as_date(start)).days


def add_working_days(start: date | datetime, days: int) -> date:
    """The `days`-th working day after `start` (`start` itself when days is 0)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = _as_date(start)
    _check(day)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        _check(day)
        if _is_workday(day):
            remaining -= 1
    return day


def next_workday(day: date | datetime) -> date:
    """`day` if it is a working day, else the first working day after it."""
    day = _as_date(day)
    while not is_workday(day):
        day += timedelta(days=1)
    return day


def deadline(start: date | datetime, limit_value: int, unit: str) -> date:
    """Last day of a time limit of `limit_value` `unit`s that starts on `start`.

    `unit` is "workday" (工作日) or "calendar_day" (自然日). A calendar-day limit whose last day
    is a rest day ends on the next working day (民法典 第二百零三条), so a case completed then
    is on time.
    """
    if unit == WORKDAY:
        return add_working_days(start, limit_value)
    if unit == CALENDAR_DAY:
        return next_workday(_as_date(start) + timedelta(days=limit_value))
    raise ValueError(f"unknown time-limit unit {unit!r}; expected one of {UNITS}")


@cache  # the same for the life of the process
def calendar_table() -> pa.Table:
    """Every day of the known years with its working-day status, as an Arrow table."""
    first, last = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    holidays = _calendar_constants.holidays
    workday = [_is_workday(d) for d in days]
    details = [(not w, holidays.get(d)) for w, d in zip(workday, days, strict=True)]
    seq: list[int] = []
    running = 0
    for flag in workday:
        running += flag
        seq.append(running)
    return pa.table(
        {
            "day": pa.array(days, pa.date32()),
            "is_workday": pa.array(workday, pa.bool_()),
            "is_makeup_workday": pa.array(
                [w and d.weekday() >= 5 for w, d in zip(workday, days, strict=True)], pa.bool_()
            ),
            "holiday_name": pa.array(
                [
                    name if not w and name else None
                    for w, (_, name) in zip(workday, details, strict=True)
                ],
                pa.string(),
            ),
            "workday_seq": pa.array(seq, pa.int32()),
        }
    )


CALENDAR_COMMENTS: Final = {
    "": "The Chinese working-day calendar (State Council holiday notices, with 调休 make-up "
    "working days), one row per day of every year the calendar knows. Count working days "
    "with the macro working_days_between(a, b) or by differences of workday_seq.",
    "day": "The date.",
    "is_workday": "True on a working day, including a weekend day made a working day (调休).",
    "is_makeup_workday": "True on a weekend day that is a working day by a holiday notice (调休).",
    "holiday_name": "English name of the public holiday a rest day belongs to, if any "
    "(NULL on ordinary weekends and working days).",
    "workday_seq": "Working days from the calendar's first day up to and including this day: "
    "the working days after a up to b are workday_seq(b) - workday_seq(a).",
}

_MACROS: Final = (
    # Dates in the law's time zone, whatever the reader's session TimeZone is.
    "CREATE OR REPLACE MACRO cn_date(ts) AS "
    "CAST(timezone('Asia/Shanghai', CAST(ts AS TIMESTAMPTZ)) AS DATE)",
    # NULL outside the calendar: an unknown answer, never a guessed one.
    """CREATE OR REPLACE MACRO working_days_between(a, b) AS (
        (SELECT workday_seq FROM calendar WHERE day = CAST(b AS DATE))
        - (SELECT workday_seq FROM calendar WHERE day = CAST(a AS DATE)))""",
    """CREATE OR REPLACE MACRO add_working_days(d, n) AS (
        CASE WHEN n = 0 THEN (SELECT day FROM calendar WHERE day = CAST(d AS DATE))
             ELSE (SELECT min(c.day) FROM calendar c
                   WHERE c.is_workday AND n > 0 AND c.workday_seq =
                         (SELECT workday_seq FROM calendar WHERE day = CAST(d AS DATE)) + n)
        END)""",
    """CREATE OR REPLACE MACRO next_workday(d) AS (
        SELECT min(day) FROM calendar
        WHERE is_workday AND day >= CAST(d AS DATE)
          AND CAST(d AS DATE) >= (SELECT min(day) FROM calendar))""",
)


def install_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Create or refresh the `calendar` table and the working-day macros.

    The table is rebuilt only when it differs from the installed package's calendar, so a
    migration does not rewrite it every time, and a package update (a new year's notice) lands.
    """
    fresh = calendar_table()
    con.register("_calendar_fresh", fresh)
    try:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'main' AND table_name = 'calendar'"
        ).fetchall()[0][0]
        differs = True
        if exists:
            differs = bool(
                con.execute(
                    """SELECT (SELECT count(*) FROM calendar)
                              <> (SELECT count(*) FROM _calendar_fresh)
                   OR EXISTS (SELECT * FROM _calendar_fresh EXCEPT SELECT * FROM calendar)"""
                ).fetchall()[0][0]
            )
        if differs:
            con.execute(
                "CREATE OR REPLACE TABLE calendar AS SELECT * FROM _calendar_fresh ORDER BY day"
            )
    finally:
        con.unregister("_calendar_fresh")
    for column, comment in CALENDAR_COMMENTS.items():
        target = "TABLE calendar" if not column else f"COLUMN calendar.{column}"
        con.execute(f"COMMENT ON {target} IS '{_sql_text(comment)}'")
    for macro in _MACROS:
        con.execute(macro)


def _sql_text(text: str) -> str:
    return text.replace("'", "''")
