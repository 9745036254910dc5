"""Entry age and late release filing (DOMAIN §3.4)."""

import datetime as dt

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.rules import (
    age_allows_entry,
    age_on,
    past_retirement,
    release_is_late,
)

RETIRES = dt.date(2045, 3, 1)


def test_eighteenth_birthday_is_the_first_allowed_day():
    birth = dt.date(2007, 10, 10)
    with pytest.raises(ApplicationError) as error:
        age_allows_entry(birth, dt.date(2025, 10, 9), RETIRES)
    assert error.value.code == ErrorCode.AGE_OUT_OF_RANGE
    assert "未满18周岁" in error.value.message
    age_allows_entry(birth, dt.date(2025, 10, 10), RETIRES)


def test_born_on_29_february():
    birth = dt.date(2008, 2, 29)
    assert age_on(birth, dt.date(2026, 2, 28)) == 17
    assert age_on(birth, dt.date(2026, 3, 1)) == 18


def test_start_on_or_after_the_retirement_date_is_refused():
    birth = dt.date(1980, 5, 5)
    age_allows_entry(birth, RETIRES - dt.timedelta(days=1), RETIRES)
    for start in (RETIRES, RETIRES + dt.timedelta(days=40)):
        with pytest.raises(ApplicationError) as error:
            age_allows_entry(birth, start, RETIRES)
        assert error.value.code == ErrorCode.AGE_OUT_OF_RANGE
        assert "2045年03月" in error.value.message


def test_past_retirement_flag():
    assert past_retirement(RETIRES, RETIRES)
    assert not past_retirement(RETIRES - dt.timedelta(days=1), RETIRES)


def _weekdays(start, end):
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += day.weekday() < 5
    return count


def test_release_late_with_a_given_counter():
    exit_date = dt.date(2025, 6, 3)  # Tuesday
    assert not release_is_late(exit_date, dt.date(2025, 6, 17), _weekdays)  # 10 days
    assert release_is_late(exit_date, dt.date(2025, 6, 18), _weekdays)  # 11 days
    assert not release_is_late(exit_date, exit_date, _weekdays)  # day 0
    assert not release_is_late(exit_date, dt.date(2025, 5, 30), _weekdays)  # ahead


@pytest.mark.django_db
def test_release_late_over_the_2025_national_day_holiday():
    # 2025-10-01…08 off; Saturday 10-11 is a working day (调休). Counting from
    # exit on Tuesday 09-30: 10-09 is day 1 and 10-21 day 10.
    exit_date = dt.date(2025, 9, 30)
    assert not release_is_late(exit_date, dt.date(2025, 10, 8))
    assert not release_is_late(exit_date, dt.date(2025, 10, 21))
    assert release_is_late(exit_date, dt.date(2025, 10, 22))
    # Plain Monday–Friday counting would already call 10-15 late.
    assert release_is_late(exit_date, dt.date(2025, 10, 15), _weekdays)
    assert not release_is_late(exit_date, dt.date(2025, 10, 15))
