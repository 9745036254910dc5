"""Writes of the core app: the working-day calendar."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from . import audit
from .actor import Actor
from .errors import ApplicationError, ErrorCode
from .models import CalendarDay


def calendar_day_set(
    *, actor: Actor, date: dt.date, is_workday: bool, name: str = ""
) -> CalendarDay:
    """Record the office's decision for one date (e.g. next year's holidays)."""
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    with transaction.atomic():
        day = CalendarDay.objects.select_for_update().filter(date=date).first()
        before = audit.snapshot(day) if day else None
        day = day or CalendarDay(date=date)
        day.is_workday, day.name, day.source = (
            is_workday,
            name,
            CalendarDay.Source.OFFICE,
        )
        day.full_clean()
        day.save()
        audit.record(
            actor=actor,
            operation="calendar_day_set",
            records=[audit.change(day, before, audit.snapshot(day))],
            summary=f"{date} {'工作日' if is_workday else '休息日'} {name}",
        )
    return day
