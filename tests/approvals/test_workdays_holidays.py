"""Working-day arithmetic over the 2025–2026 national holidays and 调休 days
(issue 5, Proof). Due dates of approval steps count working days from the
day a step starts (day 0); VALUES.md durations: review 1, joint review 2,
publicity 5, release filing 10.

The State Council's arrangements (国办发明电〔2024〕12号 for 2025,
〔2025〕7号 for 2026), as chinesecalendar 1.11.0 holds them:
  2025 调休上班: 01-26 (Sun), 02-08 (Sat), 04-27 (Sun), 09-28 (Sun), 10-11 (Sat)
  2025 off: 元旦 01-01; 春节 01-28..02-04; 清明 04-04..06; 劳动节 05-01..05;
            端午 05-31..06-02; 国庆/中秋 10-01..08
  2026 调休上班: 01-04 (Sun), 02-14 (Sat), 02-28 (Sat), 05-09 (Sat),
                 09-20 (Sun), 10-10 (Sat)
  2026 off: 元旦 01-01..03; 春节 02-15..23; 清明 04-04..06; 劳动节 05-01..05;
            端午 06-19..21; 中秋 09-25..27; 国庆 10-01..07
Each expected date below was counted by hand from that list and is checked
again against chinesecalendar itself.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from bianzhi.core.models import CalendarDay
from bianzhi.core.workdays import (
    DueDate,
    add_working_days,
    is_working_day,
    working_days_between,
)

pytestmark = pytest.mark.django_db
D = dt.date

ADJUSTED_WORKDAYS = {
    2025: [
        D(2025, 1, 26),
        D(2025, 2, 8),
        D(2025, 4, 27),
        D(2025, 9, 28),
        D(2025, 10, 11),
    ],
    2026: [
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    ],
}

# (start, working days, due date, why)
CASES = [
    # National Day 2025: 10-01..08 off, Saturday 10-11 worked.
    (D(2025, 9, 30), 1, D(2025, 10, 9), "review step on the eve of National Day"),
    (D(2025, 9, 30), 5, D(2025, 10, 14), "publicity: 10-9, 10, 11 (Sat), 13, 14"),
    (D(2025, 9, 26), 2, D(2025, 9, 29), "joint review: Sunday 9-28 is worked"),
    (D(2025, 9, 26), 10, D(2025, 10, 16), "release filing over Golden Week"),
    # Spring Festival 2025: 01-28..02-04 off, Sunday 01-26 and Saturday 02-08 worked.
    (D(2025, 1, 24), 1, D(2025, 1, 26), "Friday → the 调休 Sunday"),
    (D(2025, 1, 24), 5, D(2025, 2, 7), "1-26, 27, 2-5, 6, 7"),
    (D(2025, 2, 7), 1, D(2025, 2, 8), "Friday → the 调休 Saturday"),
    # 劳动节 2025: 05-01..05 off, Sunday 04-27 worked.
    (D(2025, 4, 25), 1, D(2025, 4, 27), "Friday → 调休 Sunday 4-27"),
    (D(2025, 4, 30), 1, D(2025, 5, 6), "over 劳动节"),
    # 端午 2025: 05-31..06-02 off.
    (D(2025, 5, 30), 1, D(2025, 6, 3), "over 端午"),
    # 元旦 2026 (01-01..03 off) and the 调休 Sunday 01-04.
    (D(2025, 12, 31), 1, D(2026, 1, 4), "across the year into the 调休 Sunday"),
    (D(2025, 12, 31), 10, D(2026, 1, 15), "release filing across the year"),
    # Spring Festival 2026: 02-15..23 off, Saturdays 02-14 and 02-28 worked.
    (D(2026, 2, 13), 1, D(2026, 2, 14), "Friday → 调休 Saturday 2-14"),
    (D(2026, 2, 13), 2, D(2026, 2, 24), "joint review over Spring Festival"),
    (D(2026, 2, 14), 1, D(2026, 2, 24), "from the 调休 Saturday"),
    (D(2026, 2, 12), 5, D(2026, 2, 26), "publicity: 2-13, 14, 24, 25, 26"),
    (D(2026, 2, 9), 10, D(2026, 2, 28), "ten days ending on the 调休 Saturday 2-28"),
    # 劳动节 2026: 05-01..05 off, Saturday 05-09 worked.
    (D(2026, 4, 30), 3, D(2026, 5, 8), "5-6, 7, 8"),
    (D(2026, 5, 8), 1, D(2026, 5, 9), "Friday → 调休 Saturday 5-9"),
    # 中秋 2026 (09-25 Friday off, Sunday 09-20 worked) and 国庆 (10-01..07 off).
    (D(2026, 9, 18), 1, D(2026, 9, 20), "Friday → 调休 Sunday 9-20"),
    (D(2026, 9, 24), 1, D(2026, 9, 28), "over 中秋"),
    (D(2026, 9, 30), 2, D(2026, 10, 9), "joint review over 国庆"),
    (D(2026, 9, 25), 10, D(2026, 10, 15), "9-28..30, 10-8, 9, 10 (Sat), 12..15"),
]


def _oracle(start: dt.date, days: int) -> dt.date:
    day, counted = start, 0
    while counted < days:
        day += dt.timedelta(days=1)
        counted += chinese_calendar.is_workday(day)
    return day


@pytest.mark.parametrize(("start", "days", "due", "why"), CASES)
def test_due_dates_over_holidays_and_adjusted_workdays(start, days, due, why):
    assert add_working_days(start, days) == DueDate(due, False), why
    assert _oracle(start, days) == due, why
    assert working_days_between(start, due) == days, why


@pytest.mark.parametrize("year", [2025, 2026])
def test_adjusted_weekend_workdays(year):
    for day in ADJUSTED_WORKDAYS[year]:
        assert day.weekday() >= 5
        assert is_working_day(day) == (True, False), day
        assert CalendarDay.objects.get(date=day).name == "调休上班"
    found = [
        row.date
        for row in CalendarDay.objects.filter(date__year=year, is_workday=True)
        if row.date.weekday() >= 5
    ]
    assert found == ADJUSTED_WORKDAYS[year]


def test_table_equals_chinesecalendar_for_2025_and_2026():
    rows = dict(
        CalendarDay.objects.filter(
            date__range=(D(2025, 1, 1), D(2026, 12, 31))
        ).values_list("date", "is_workday")
    )
    assert len(rows) == 365 * 2
    wrong = [d for d, w in rows.items() if w != chinese_calendar.is_workday(d)]
    assert wrong == []
    # Each year: 261 weekdays, 18 (2025) / 19 (2026) of them off, 5 / 6 weekend
    # days worked → 248 working days in both years.
    for year in (2025, 2026):
        assert sum(w for d, w in rows.items() if d.year == year) == 248, year


def test_every_start_day_of_2025_and_2026_agrees_with_chinesecalendar():
    start = D(2025, 1, 1)
    while start <= D(2026, 12, 20):
        for days in (1, 2, 5):
            assert add_working_days(start, days).date == _oracle(start, days), (
                start,
                days,
            )
        start += dt.timedelta(days=1)


def test_a_due_date_beyond_the_table_is_provisional():
    # 2027's arrangement is not published yet: Monday–Friday count, so Friday
    # 2027-01-01 (surely 元旦) is taken and the date is marked provisional.
    assert add_working_days(D(2026, 12, 31), 1) == DueDate(D(2027, 1, 1), True)
    assert add_working_days(D(2026, 12, 30), 1) == DueDate(D(2026, 12, 31), False)
