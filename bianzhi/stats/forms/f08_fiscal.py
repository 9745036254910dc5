"""Form 8 财政供养人员统计表: people in post by the funding of the quota they
occupy, off-quota staff by funding source, and the fiscally-supported
headcount (DOMAIN §2: on-quota people paid from public funds + off-quota staff
paid from public funds).

Decision: on-quota people count as paid from public funds when their account
is 财政拨款 (full) or 财政补贴 (partial); 经费自理 (self) is not fiscally
supported. Two GROUP BY queries (postings × account funding, off-quota staff ×
funding source), both as of the date.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from bianzhi.quota.models import Funding
from bianzhi.roster.models import OffQuotaStaff, Posting
from bianzhi.roster.selectors import in_force
from bianzhi.roster.values import FundingSource

from ..base import Column, Form, FormResult, Selection, register
from ._common import NAME, layout, unit_ids, unit_states

ON_QUOTA = "在编人员"
OFF_QUOTA = "编外人员"
FISCAL = "财政供养人员"
PUBLIC_FUNDINGS = (Funding.FULL, Funding.PARTIAL)

COLUMNS = [
    NAME,
    Column("on_full", "财政拨款", group=ON_QUOTA),
    Column("on_partial", "财政补贴", group=ON_QUOTA),
    Column("on_self", "经费自理", group=ON_QUOTA),
    Column("on_total", "小计", group=ON_QUOTA),
    Column("off_public", "财政资金", group=OFF_QUOTA),
    Column("off_own", "单位自有资金", group=OFF_QUOTA),
    Column("off_total", "小计", group=OFF_QUOTA),
    Column("fiscal_on", "在编", group=FISCAL),
    Column("fiscal_off", "编外", group=FISCAL),
    Column("fiscal_total", "合计", group=FISCAL),
]


def per_unit(selection: Selection) -> dict[int, dict[str, Any]]:
    day, scope = selection.as_of, unit_ids(selection)
    result: dict[int, dict[str, Any]] = {}
    on_quota = (
        Posting.objects.filter(in_force(day), unit_id__in=scope)
        .values_list("unit_id", "account__funding")
        .annotate(n=Count("id"))
        .order_by()
    )
    for uid, funding, n in on_quota:
        result.setdefault(uid, {})[f"on_{funding}"] = n
    off_quota = (
        OffQuotaStaff.objects.filter(in_force(day), unit_id__in=scope)
        .values_list("unit_id", "funding_source")
        .annotate(n=Count("id"))
        .order_by()
    )
    for uid, source, n in off_quota:
        result.setdefault(uid, {})[f"off_{source}"] = n
    for cells in result.values():
        on = {f: cells.get(f"on_{f}", 0) for f in Funding.values}
        off = {s: cells.get(f"off_{s}", 0) for s in FundingSource.values}
        cells["on_total"] = sum(on.values())
        cells["off_total"] = sum(off.values())
        cells["fiscal_on"] = sum(on[f] for f in PUBLIC_FUNDINGS)
        cells["fiscal_off"] = off[FundingSource.PUBLIC]
        cells["fiscal_total"] = cells["fiscal_on"] + cells["fiscal_off"]
    return result


class FiscalForm(Form):
    name = "fiscal"
    number = 8
    title = "财政供养人员统计表"
    yoy = True

    def compute(self, selection: Selection) -> FormResult:
        units = unit_states(selection)
        rows, totals = layout(selection, COLUMNS, per_unit(selection), units)
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=COLUMNS,
            rows=rows,
            totals=totals,
            notes=[
                "财政供养人员 = 占用财政拨款、财政补贴编制的在编人员 + 由财政资金支付的编外人员。",
            ],
        )


register(FiscalForm())
