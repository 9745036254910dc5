"""Dates as users write them: ISO, 2026/10/1, 2026年10月1日, Excel serials."""

from __future__ import annotations

import datetime as dt
import re

from .codes import to_halfwidth
from .errors import ApplicationError, ErrorCode

_EXCEL_EPOCH = dt.date(1899, 12, 30)
# A trailing time (a datetime written out by another system) is ignored.
_FULL = re.compile(
    r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?"
    r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(value, *, field: str | None = None) -> dt.date:
    """Parse a full date; DATE_INVALID (with the field) when it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise ApplicationError(
            ErrorCode.DATE_INVALID, field=field, params={"value": value}
        )
    if isinstance(value, int) and 19000101 <= value <= 21001231:
        # 20261001 typed into a numeric cell, not an Excel serial.
        value = str(value)
    elif isinstance(value, (int, float)):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value))
        raise ApplicationError(
            ErrorCode.DATE_INVALID, field=field, params={"value": value}
        )
    text = to_halfwidth(str(value or "")).strip()
    match = _FULL.match(text) or _COMPACT.match(text)
    if match:
        try:
            return dt.date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise ApplicationError(
        ErrorCode.DATE_INVALID,
        "应为 2026-10-01 形式",
        field=field,
        params={"value": value},
    )


def parse_optional_date(value, *, field: str | None = None) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field=field)


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day n months later, clamped to the month's end (6-month permits)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month, candidate)
        except ValueError:
            continue
    return dt.date(year, month, min(day.day, 28))
