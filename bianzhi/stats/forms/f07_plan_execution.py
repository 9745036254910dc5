"""Form 7 用编进人计划执行情况表: for the plan year of the as-of date, per unit,
the approved recruitment plan against the quota-use permits issued and the
enrollments made under those permits, up to the date.

- 计划数: lines of the unit's plans for the year approved by the date (a
  cancelled plan is left out: cancellation has no date to replay);
- 核准数: permits issued (valid_from) from 1 January to the date, cancelled
  ones excluded; 其中计划内: the part converted from plan lines;
- 入编数: postings of the unit starting from 1 January to the date whose
  permit_ref is one of those permits' numbers;
- 执行率 = 入编数 / 计划数.
Three GROUP BY queries by unit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Sum

from bianzhi.quota.models import Permit, PlanLine, RecruitmentPlan
from bianzhi.roster.models import Posting

from ..base import Column, Form, FormResult, Selection, register
from ._common import NAME, fill_ratio, layout, unit_ids, unit_states

PERMITS = "用编核准"
COLUMNS = [
    NAME,
    Column("planned", "计划数"),
    Column("permitted", "核准数", group=PERMITS),
    Column("permitted_in_plan", "其中计划内", group=PERMITS),
    Column("enrolled", "入编数"),
    Column("plan_open", "计划未核准"),
    Column("permit_open", "核准未使用"),
    Column("rate", "计划执行率（%）", kind="pct", total=False),
]


def _permits(selection: Selection):
    first = dt.date(selection.as_of.year, 1, 1)
    return Permit.objects.filter(
        unit_id__in=unit_ids(selection),
        valid_from__gte=first,
        valid_from__lte=selection.as_of,
    ).exclude(status=Permit.Status.CANCELLED)


def per_unit(selection: Selection) -> dict[int, dict[str, Any]]:
    day, scope = selection.as_of, unit_ids(selection)
    result: dict[int, dict[str, Any]] = {}

    def put(uid: int, key: str, value: int | None) -> None:
        result.setdefault(uid, {})[key] = value or 0

    planned = (
        PlanLine.objects.filter(
            plan__unit_id__in=scope,
            plan__year=day.year,
            plan__approved_on__lte=day,
            plan__status=RecruitmentPlan.Status.APPROVED,
        )
        .values_list("plan__unit_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for uid, n in planned:
        put(uid, "planned", n)
    permitted = (
        _permits(selection)
        .values_list("unit_id")
        .annotate(n=Sum("count"), converted=Sum("converted"))
        .order_by()
    )
    for uid, n, converted in permitted:
        put(uid, "permitted", n)
        put(uid, "permitted_in_plan", converted)
    enrolled = (
        Posting.objects.filter(
            unit_id__in=scope,
            start_date__gte=dt.date(day.year, 1, 1),
            start_date__lte=day,
            permit_ref__in=_permits(selection).values("number"),
        )
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for uid, n in enrolled:
        put(uid, "enrolled", n)
    return result


def finish(cells: dict[str, Any]) -> None:
    planned, permitted = cells.get("planned") or 0, cells.get("permitted") or 0
    cells["plan_open"] = max(planned - (cells.get("permitted_in_plan") or 0), 0)
    cells["permit_open"] = max(permitted - (cells.get("enrolled") or 0), 0)
    fill_ratio(cells, "rate", "enrolled", "planned")


class PlanExecutionForm(Form):
    name = "plan_execution"
    number = 7
    title = "用编进人计划执行情况表"

    def compute(self, selection: Selection) -> FormResult:
        numbers = per_unit(selection)
        for cells in numbers.values():
            finish(cells)
        rows, totals = layout(selection, COLUMNS, numbers, unit_states(selection))
        # Ratios are not sums: recomputed for roll-ups and totals. The open
        # counts stay sums of the units' own (each clipped at 0 per unit).
        for cells in [*(r.cells for r in rows), totals]:
            fill_ratio(cells, "rate", "enrolled", "planned")
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=COLUMNS,
            rows=rows,
            totals=totals,
            notes=[
                f"计划年度：{selection.as_of.year}年；核准、入编统计至"
                f"{selection.as_of:%Y年%m月%d日}。",
                "入编数为凭本年度用编核准入编的人数。",
            ],
        )


register(PlanExecutionForm())
