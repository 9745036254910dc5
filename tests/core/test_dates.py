"""Dates as users write them (core.dates)."""

import datetime as dt

import pytest

from bianzhi.core.dates import add_months, parse_date, parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode

OCT_1 = dt.date(2026, 10, 1)


@pytest.mark.parametrize(
    "value",
    [
        "2026-10-01",
        "2026/10/1",
        "2026.10.01",
        "2026年10月1日",
        "20261001",
        "２０２６－１０－０１",
        "2026-10-01 00:00:00",
        46296,  # Excel serial
        46296.5,  # Excel serial with a time of day
        20261001,  # typed into a numeric cell
        OCT_1,
        dt.datetime(2026, 10, 1, 9, 30),
    ],
)
def test_dates_parsed(value):
    assert parse_date(value) == OCT_1


@pytest.mark.parametrize(
    "value", ["2026-02-30", "abc", "", "2026-13-01", "2026.10", True, -5, None]
)
def test_bad_dates_refused(value):
    with pytest.raises(ApplicationError) as info:
        parse_date(value, field="effective_date")
    assert info.value.code == ErrorCode.DATE_INVALID
    assert info.value.field == "effective_date"


def test_optional_date():
    assert parse_optional_date("") is None
    assert parse_optional_date(None) is None
    assert parse_optional_date("2026-10-01") == OCT_1


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2026, 8, 31), 6) == dt.date(2027, 2, 28)
    assert add_months(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)
