"""PRC working days (VALUES.md: Working days), against the State Council's
2025 and 2026 holiday arrangements (国办发明电〔2024〕12号, 〔2025〕7号)."""

import datetime as dt

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent, CalendarDay
from bianzhi.core.services import calendar_day_set
from bianzhi.core.workdays import (
    DueDate,
    add_working_days,
    is_working_day,
    table_covers,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = dt.date
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")


def test_table_covers_2004_to_2026():
    first, last = table_covers()
    assert first == D(2004, 1, 1)
    assert last == D(2026, 12, 31)


def test_national_day_2025():
    assert is_working_day(D(2025, 9, 28)) == (True, False)  # Sunday, 调休上班
    for day in range(1, 9):
        assert is_working_day(D(2025, 10, day)) == (False, False), day
    assert is_working_day(D(2025, 10, 9)) == (True, False)
    assert is_working_day(D(2025, 10, 11)) == (True, False)  # Saturday, 调休上班


def test_spring_festival_2026():
    assert is_working_day(D(2026, 2, 14)) == (True, False)  # Saturday, 调休上班
    for day in range(15, 24):
        assert is_working_day(D(2026, 2, day)) == (False, False), day
    assert is_working_day(D(2026, 2, 24)) == (True, False)
    assert is_working_day(D(2026, 2, 28)) == (True, False)  # Saturday, 调休上班


def test_ordinary_weekend_is_not_a_working_day():
    assert is_working_day(D(2026, 3, 7)) == (False, False)  # Saturday
    assert is_working_day(D(2026, 3, 9)) == (True, False)  # Monday


def test_add_working_days_over_national_day():
    # Day 0 is the start; 2025-10-01..08 are off, 10-11 (Saturday) is worked.
    assert add_working_days(D(2025, 9, 30), 1) == DueDate(D(2025, 10, 9), False)
    assert add_working_days(D(2025, 9, 30), 3) == DueDate(D(2025, 10, 11), False)
    assert add_working_days(D(2025, 9, 30), 4).date == D(2025, 10, 13)
    # 10 working days after an exit on Friday 2025-09-26 (release filing
    # window): 9-28 (Sunday), 29, 30, 10-9, 10, 11 (Saturday), 13, 14, 15, 16.
    assert add_working_days(D(2025, 9, 26), 10) == DueDate(D(2025, 10, 16), False)


def test_add_working_days_over_spring_festival_2026():
    assert add_working_days(D(2026, 2, 13), 1) == DueDate(D(2026, 2, 14), False)
    assert add_working_days(D(2026, 2, 14), 1) == DueDate(D(2026, 2, 24), False)


def test_working_days_between():
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 9)) == 1
    assert working_days_between(D(2025, 9, 26), D(2025, 10, 16)) == 10
    assert working_days_between(D(2025, 10, 9), D(2025, 10, 9)) == 0


def test_2027_is_provisional_until_the_office_records_it():
    assert is_working_day(D(2027, 1, 4)) == (True, True)  # Monday, outside the table
    assert is_working_day(D(2027, 1, 2)) == (False, True)  # Saturday
    due = add_working_days(D(2026, 12, 30), 3)
    assert due.provisional
    assert due.date == D(2027, 1, 4)

    before = AuditEvent.objects.count()
    calendar_day_set(actor=OFFICE, date=D(2027, 1, 1), is_workday=False, name="元旦")
    assert AuditEvent.objects.count() == before + 1
    assert is_working_day(D(2027, 1, 1)) == (False, False)
    row = CalendarDay.objects.get(date=D(2027, 1, 1))
    assert row.source == CalendarDay.Source.OFFICE

    # A due date that lands inside recorded days is no longer provisional.
    assert add_working_days(D(2026, 12, 30), 1) == DueDate(D(2026, 12, 31), False)
    assert add_working_days(D(2026, 12, 31), 1) == DueDate(D(2027, 1, 4), True)


def test_office_edit_of_a_seeded_day_is_audited_with_before_and_after():
    calendar_day_set(actor=OFFICE, date=D(2026, 12, 31), is_workday=False, name="测试")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "calendar_day_set"
    (change,) = event.records
    assert change["before"]["is_workday"] is True
    assert change["after"]["is_workday"] is False
    assert is_working_day(D(2026, 12, 31)) == (False, False)


def test_only_office_staff_edit_the_calendar():
    hr = Actor(user_id=2, name="李四", role="unit_hr", scope="unit:1")
    with pytest.raises(ApplicationError) as info:
        calendar_day_set(actor=hr, date=D(2027, 1, 1), is_workday=False)
    assert info.value.code == ErrorCode.ROLE_FORBIDDEN
    assert not CalendarDay.objects.filter(date=D(2027, 1, 1)).exists()
