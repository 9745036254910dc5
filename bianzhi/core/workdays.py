"""PRC working days from the CalendarDay table (VALUES.md: Working days).

Inside the table its rows decide; outside it Monday–Friday count and any due
date that relied on such a day is marked provisional, because the State
Council publishes each year's holiday arrangement only in November/December.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .models import CalendarDay


@dataclass(frozen=True)
class DueDate:
    date: dt.date
    provisional: bool


def _known(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    rows = CalendarDay.objects.filter(date__range=(start, end)).values_list(
        "date", "is_workday"
    )
    return dict(rows)


def is_working_day(day: dt.date) -> tuple[bool, bool]:
    """(is a working day, provisional)."""
    known = _known(day, day)
    if day in known:
        return known[day], False
    return day.weekday() < 5, True


def add_working_days(start: dt.date, days: int) -> DueDate:
    """The date `days` working days after `start` (day 0 is `start` itself)."""
    # 3 calendar days per working day covers the longest Golden Week stretch.
    horizon = start + dt.timedelta(days=days * 3 + 15)
    known = _known(start, horizon)
    day, counted, provisional = start, 0, False
    while counted < days:
        day += dt.timedelta(days=1)
        if day in known:
            workday = known[day]
        else:
            workday, provisional = day.weekday() < 5, True
        if workday:
            counted += 1
    return DueDate(day, provisional)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    known = _known(start, end)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if known.get(day, day.weekday() < 5):
            count += 1
    return count


def table_covers() -> tuple[dt.date | None, dt.date | None]:
    first = CalendarDay.objects.order_by("date").values_list("date", flat=True).first()
    last = CalendarDay.objects.order_by("-date").values_list("date", flat=True).first()
    return first, last
