"""Working days follow the State Council's holiday notices, in Python and in SQL alike."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from disclosures import workdays
from disclosures.workdays import (
    CalendarRangeError,
    add_working_days,
    calendar_days_between,
    deadline,
    working_days_between,
)


def test_national_day_2025_is_off_and_its_makeup_weekends_are_worked() -> None:
    assert not any(workdays.is_workday(date(2025, 10, d)) for d in range(1, 9))
    assert workdays.is_workday(date(2025, 9, 28))  # Sunday, worked (调休)
    assert workdays.is_workday(date(2025, 10, 11))  # Saturday, worked (调休)
    assert not workdays.is_workday(date(2025, 10, 12))  # an ordinary Sunday


def test_working_days_across_national_day_2025() -> None:
    # 28 Sep (Sun, worked), 29, 30, then 9, 10, 11 (Sat, worked): six working days.
    assert working_days_between(date(2025, 9, 27), date(2025, 10, 11)) == 6
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 9, 26), 1) == date(2025, 9, 28)


def test_working_days_across_spring_festival_2025() -> None:
    assert not any(workdays.is_workday(date(2025, 1, 28) + timedelta(days=i)) for i in range(8))
    assert workdays.is_workday(date(2025, 1, 26))  # Sunday, worked
    assert workdays.is_workday(date(2025, 2, 8))  # Saturday, worked
    # 26 Jan (worked Sunday), 27 Jan, then 5, 6, 7, 8 Feb.
    assert working_days_between(date(2025, 1, 25), date(2025, 2, 8)) == 6
    assert add_working_days(date(2025, 1, 27), 1) == date(2025, 2, 5)


def test_start_day_is_not_counted_and_order_matters() -> None:
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 3)) == 0
    assert working_days_between(date(2025, 3, 3), date(2025, 3, 4)) == 1
    assert working_days_between(date(2025, 3, 4), date(2025, 3, 3)) == -1
    assert calendar_days_between(date(2025, 9, 30), date(2025, 10, 20)) == 20
    assert add_working_days(date(2025, 3, 3), 0) == date(2025, 3, 3)


def test_timestamps_count_by_their_date() -> None:
    morning = datetime(2025, 9, 30, 9, 0, tzinfo=timezone(timedelta(hours=8)))
    assert working_days_between(morning, date(2025, 10, 9)) == 1


def test_deadline_in_working_and_calendar_days() -> None:
    assert deadline(date(2025, 9, 26), 3, "workday") == date(2025, 9, 30)
    assert deadline(date(2025, 9, 26), 4, "workday") == date(2025, 10, 9)
    # 5 calendar days from 26 Sep end on 1 Oct, a holiday: the limit runs to 9 Oct.
    assert deadline(date(2025, 9, 26), 5, "calendar_day") == date(2025, 10, 9)
    assert deadline(date(2025, 3, 3), 3, "calendar_day") == date(2025, 3, 6)
    with pytest.raises(ValueError, match="unknown time-limit unit"):
        deadline(date(2025, 3, 3), 3, "month")


def test_outside_the_calendar_is_an_error_not_a_guess() -> None:
    after = date(workdays.LAST_YEAR + 1, 3, 2)
    with pytest.raises(CalendarRangeError, match="outside the holiday calendar"):
        working_days_between(date(workdays.LAST_YEAR, 12, 1), after)
    with pytest.raises(CalendarRangeError):
        add_working_days(date(workdays.LAST_YEAR, 12, 30), 10)
    with pytest.raises(CalendarRangeError):
        workdays.is_workday(date(2003, 6, 2))


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    workdays.install_calendar(connection)
    yield connection
    connection.close()


def test_sql_calendar_agrees_with_python(con) -> None:
    rows = con.execute(
        """SELECT working_days_between(DATE '2025-09-27', DATE '2025-10-11'),
                  working_days_between(DATE '2025-01-25', DATE '2025-02-08'),
                  add_working_days(DATE '2025-09-30', 1),
                  add_working_days(DATE '2025-09-30', 0),
                  next_workday(DATE '2025-10-04'),
                  cn_date(TIMESTAMPTZ '2025-09-30 17:00:00+00')"""
    ).fetchall()
    assert rows == [
        (6, 6, date(2025, 10, 9), date(2025, 9, 30), date(2025, 10, 9), date(2025, 10, 1))
    ]
    makeup = con.execute(
        "SELECT day FROM calendar WHERE is_makeup_workday AND year(day) = 2025 ORDER BY day"
    ).fetchall()
    assert (date(2025, 9, 28),) in makeup and (date(2025, 10, 11),) in makeup


def test_sql_outside_the_calendar_is_null(con) -> None:
    beyond = date(workdays.LAST_YEAR + 1, 1, 5)
    assert con.execute(
        "SELECT working_days_between(DATE '2025-01-02', ?), add_working_days(?, 1)",
        [beyond, beyond],
    ).fetchall() == [(None, None)]


def test_calendar_table_is_rebuilt_only_when_it_changes(con) -> None:
    con.execute("UPDATE calendar SET is_workday = NOT is_workday WHERE day = DATE '2025-10-01'")
    workdays.install_calendar(con)
    assert con.execute(
        "SELECT is_workday FROM calendar WHERE day = DATE '2025-10-01'"
    ).fetchall() == [(False,)]
