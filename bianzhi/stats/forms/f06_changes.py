"""Form 6 人员增减变动表: people entering the selection by channel and leaving
it by reason, per period.

Periods (compute(selection, period=...)): "month" — the default: the twelve
calendar months up to and including the as-of date's month; "quarter" — the
four quarters up to the as-of date; "year" — the five calendar years up to the
as-of date. With Selection.period_start set (CLI --from, web ?from=) the
periods run from that date instead. The last period ends on the as-of date
itself (a future date includes scheduled postings and releases).

What counts:
- 增加: a posting of a selection unit starting in the period, except initial
  loads (recording existing staff is not an intake) and postings continuing a
  posting of the selection (a conversion, or a transfer between two units
  both in the selection, is movement inside it). Grouped by channel; a
  whole-unit move (整建制划转) in from outside has no channel and its own column.
- 减少: a posting of a selection unit ending in the period, except when its
  continuation is in the selection. Releases by reason; transfers and
  whole-unit moves out have their own columns.
Two GROUP BY queries (by period key × channel / reason), the period key a
date truncation done in the database.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.db.models.functions import TruncMonth

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.models import MoveKind, Posting, PostingEnd
from bianzhi.roster.values import Channel, ReleaseReason

from ..base import Column, Form, FormResult, Row, Selection, register
from ._common import unit_ids

PERIODS = {"month": "月", "quarter": "季度", "year": "年度"}
IN, OUT = "增加", "减少"
CHANNELS = [c for c in Channel.values if c != Channel.INITIAL_LOAD]


def _columns() -> list[Column]:
    cols = [Column("name", "期间", kind="text", total=False)]
    cols += [Column(f"in_{c}", str(Channel(c).label), group=IN) for c in CHANNELS]
    cols += [
        Column("in_posting_move", "整建制划转（划入）", group=IN),
        Column("in_other", "其他", group=IN),
        Column("in_total", "小计", group=IN),
    ]
    cols += [
        Column(f"out_{r}", str(label), group=OUT) for r, label in ReleaseReason.choices
    ]
    cols += [
        Column("out_transfer", "调动调出", group=OUT),
        Column("out_posting_move", "整建制划转（划出）", group=OUT),
        Column("out_total", "小计", group=OUT),
    ]
    cols.append(Column("net", "净增减"))
    return cols


COLUMNS = _columns()
NUMERIC = [c.key for c in COLUMNS if c.kind == "int"]


DEFAULT_COUNT = {"month": 12, "quarter": 4, "year": 5}


def _span(day: dt.date, period: str) -> tuple[str, str, dt.date, dt.date]:
    """(key, label, first day, last day) of the period holding `day`."""
    if period == "month":
        first = day.replace(day=1)
        key, label = f"{first:%Y-%m}", f"{first.year}年{first.month}月"
        months = 1
    elif period == "quarter":
        quarter = (day.month - 1) // 3 + 1
        first = dt.date(day.year, 3 * quarter - 2, 1)
        key, label = f"{day.year}-Q{quarter}", f"{day.year}年第{quarter}季度"
        months = 3
    else:
        first = dt.date(day.year, 1, 1)
        key, label = str(day.year), f"{day.year}年"
        months = 12
    index = first.year * 12 + first.month - 1 + months
    last = dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)
    return key, label, first, last


def periods(
    as_of: dt.date, period: str, start: dt.date | None = None
) -> list[tuple[str, str, dt.date, dt.date]]:
    """(key, label, first day, last day) of each period, oldest first.

    Without `start`: the last 12 months / 4 quarters / 5 years up to the
    as-of date; with it: every period from the one holding `start`. The first
    period begins at `start`, the last ends on the as-of date.
    """
    if period not in PERIODS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "统计期间无效，可选：month（月）、quarter（季度）、year（年度）",
            field="period",
        )
    found = [_span(as_of, period)]
    while True:
        previous = _span(found[-1][2] - dt.timedelta(days=1), period)
        if start is None and len(found) >= DEFAULT_COUNT[period]:
            break
        if start is not None and previous[3] < start:
            break
        found.append(previous)
    found.reverse()
    key, label, _first, last = found[-1]
    found[-1] = (key, label, found[-1][2], as_of)
    if start is not None:
        key, label, first, last = found[0]
        found[0] = (key, label, max(first, start), last)
    return found


def month_key(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):  # some backends hand back text
        value = dt.date.fromisoformat(value[:10])
    return f"{value:%Y-%m}"


def counts(selection: Selection, first: dt.date, last: dt.date) -> dict[str, dict]:
    """Per month key 'YYYY-MM': {column key: n} for [first, last]."""
    scope = unit_ids(selection)
    inside = Posting.objects.filter(unit_id__in=unit_ids(selection))
    result: dict[str, dict[str, int]] = {}
    entries = (
        Posting.objects.filter(
            unit_id__in=scope, start_date__gte=first, start_date__lte=last
        )
        .exclude(move_kind=MoveKind.INITIAL_LOAD)
        .exclude(Exists(inside.filter(pk=OuterRef("previous_id"))))
        .annotate(month=TruncMonth("start_date"))
        .values_list("month", "move_kind", "channel")
        .annotate(n=Count("id"))
        .order_by()
    )
    for month, move_kind, channel, n in entries:
        if move_kind == MoveKind.POSTING_MOVE:
            key = "in_posting_move"
        elif channel in CHANNELS:
            key = f"in_{channel}"
        else:
            key = "in_other"
        cells = result.setdefault(month_key(month), {})
        cells[key] = cells.get(key, 0) + n
    exits = (
        Posting.objects.filter(
            unit_id__in=scope, end_date__gte=first, end_date__lte=last
        )
        .exclude(Exists(inside.filter(previous_id=OuterRef("pk"))))
        .annotate(month=TruncMonth("end_date"))
        .values_list("month", "ended_by", "end_reason")
        .annotate(n=Count("id"))
        .order_by()
    )
    for month, ended_by, reason, n in exits:
        if ended_by == PostingEnd.RELEASE:
            key = f"out_{reason}" if reason in ReleaseReason.values else "out_other"
        elif ended_by == PostingEnd.POSTING_MOVE:
            key = "out_posting_move"
        else:  # transfers (and a conversion into an account outside the scope)
            key = "out_transfer"
        cells = result.setdefault(month_key(month), {})
        cells[key] = cells.get(key, 0) + n
    return result


def _finish(cells: dict[str, Any]) -> dict[str, Any]:
    for key in NUMERIC:
        cells.setdefault(key, 0)
    cells["in_total"] = sum(
        v for k, v in cells.items() if k.startswith("in_") and k != "in_total"
    )
    cells["out_total"] = sum(
        v for k, v in cells.items() if k.startswith("out_") and k != "out_total"
    )
    cells["net"] = cells["in_total"] - cells["out_total"]
    return cells


class ChangesForm(Form):
    name = "changes"
    number = 6
    title = "人员增减变动表"

    def compute(self, selection: Selection, period: str = "") -> FormResult:
        period = period or selection.interval or "month"
        start = (
            min(selection.period_start, selection.as_of)
            if selection.period_start
            else None
        )
        spans = periods(selection.as_of, period, start)
        by_month = counts(selection, spans[0][2], spans[-1][3])
        rows: list[Row] = []
        for key, label, first, last in spans:
            cells: dict[str, Any] = {}
            for month, numbers in by_month.items():
                if month_key(first) <= month <= month_key(last):
                    for k, v in numbers.items():
                        cells[k] = cells.get(k, 0) + v
            rows.append(Row({"name": label, **_finish(cells)}, level=0, key=key))
        totals = {"name": "合计"}
        for k in NUMERIC:
            totals[k] = sum(r.cells[k] for r in rows)
        first, last = spans[0][2], spans[-1][3]
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=COLUMNS,
            rows=rows,
            totals=totals,
            notes=[
                f"统计期间：{first:%Y年%m月%d日}至{last:%Y年%m月%d日}，按{PERIODS[period]}分列。",
                "范围内单位之间的调动、编制性质调整不计增减；初始化导入不计增加。",
            ],
        )


register(ChangesForm())
