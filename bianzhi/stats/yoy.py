"""Year-over-year comparison (同比): a form at its as-of date beside the same
form exactly one year earlier (29 Feb → 28 Feb), rows joined on Row.key.

Every numeric column becomes three, grouped under the original label:
本期 / 上年同期 / 增减. A row that exists on only one date (a unit set up this
year, one revoked since) is kept: the missing side is blank (None) and 增减
counts it as 0. Rows without a key cannot be matched and are kept unmatched.
Text columns are shown once. 增减 of a percentage column is in points.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from .base import Column, Form, FormResult, Row, Selection

NUMERIC_KINDS = ("int", "decimal", "pct")
CURRENT, PREVIOUS, DIFF = "本期", "上年同期", "增减"


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _group(column: Column) -> str:
    return f"{column.group}·{column.label}" if column.group else column.label


def columns_for(columns: list[Column]) -> list[Column]:
    result = []
    for c in columns:
        if c.kind not in NUMERIC_KINDS:
            result.append(c)
            continue
        group = _group(c)
        result += [
            Column(c.key, CURRENT, group=group, kind=c.kind, total=c.total),
            Column(f"{c.key}__prev", PREVIOUS, group=group, kind=c.kind, total=c.total),
            Column(f"{c.key}__diff", DIFF, group=group, kind=c.kind, total=c.total),
        ]
    return result


def _diff(now: Any, then: Any) -> Any:
    if now is None and then is None:
        return None
    value = (now or 0) - (then or 0)
    return round(value, 4) if isinstance(value, float) else value


def join_cells(
    columns: list[Column], now: dict[str, Any] | None, then: dict[str, Any] | None
) -> dict[str, Any]:
    cells: dict[str, Any] = {}
    for c in columns:
        current = now.get(c.key) if now is not None else None
        previous = then.get(c.key) if then is not None else None
        if c.kind not in NUMERIC_KINDS:
            cells[c.key] = current if now is not None else previous
            continue
        cells[c.key] = current
        cells[f"{c.key}__prev"] = previous
        cells[f"{c.key}__diff"] = _diff(current, previous)
    return cells


def join_rows(columns: list[Column], now: list[Row], then: list[Row]) -> list[Row]:
    earlier = {r.key: r for r in then if r.key}
    rows, seen = [], set()
    for row in now:
        match = earlier.get(row.key) if row.key else None
        if match is not None:
            seen.add(row.key)
        rows.append(
            Row(
                join_cells(columns, row.cells, match.cells if match else None),
                level=row.level,
                drill=row.drill,
                subtotal=row.subtotal,
                key=row.key,
            )
        )
    for row in then:
        if row.key and row.key in seen:
            continue
        rows.append(
            Row(
                join_cells(columns, None, row.cells),
                level=row.level,
                drill=None,  # gone by the as-of date: nothing to open there
                subtotal=row.subtotal,
                key=row.key,
            )
        )
    return rows


def compare(form: Form, selection: Selection) -> FormResult:
    """The form at selection.as_of and one year earlier, side by side."""
    earlier_day = one_year_before(selection.as_of)
    now = form.compute(selection)
    then = form.compute(replace(selection, as_of=earlier_day))
    totals = None
    if now.totals is not None or then.totals is not None:
        totals = join_cells(now.columns, now.totals or {}, then.totals or {})
    return FormResult(
        form=now.form,
        title=f"{now.title}（同比）",
        selection=selection,
        columns=columns_for(now.columns),
        rows=join_rows(now.columns, now.rows, then.rows),
        totals=totals,
        notes=[
            *now.notes,
            f"上年同期为{earlier_day:%Y年%m月%d日}；上年同期空白表示该行当时不存在。",
        ],
    )
