"""Form 9 事业单位分类统计表: public institutions by class (承担行政职能 /
公益一类 / 公益二类 / 生产经营 / 未分类) and, inside each class, by sector
(GB/T 4754 section), with their approved quota and people in post by funding.

Which units are institutions, and their class and sector, are taken as of the
date (replayed from the change records), so a past date shows the
classification then. Quota and people are two GROUP BY queries per account;
the rows are class subtotals (subtotal=True, not summed again) with one row
per sector under them. Rows carry no drill: the roster search has no class or
sector filter; the units themselves are in forms 1 and 3.
"""

from __future__ import annotations

from typing import Any

from bianzhi.orgs.models import SECTORS, InstitutionClass, UnitKind
from bianzhi.quota.models import Funding

from ..base import Column, Form, FormResult, Row, Selection, register
from ..quota_numbers import unit_accounts_as_of
from ..scope import units_in
from ._common import unit_states

UNCLASSIFIED = "未分类"
APPROVED, OCCUPIED = "核定编制数", "实有人数"
FUNDING_LABELS = dict(Funding.choices)

COLUMNS = [
    Column("name", "类别 / 行业", kind="text", total=False),
    Column("units", "单位数"),
    Column("cs_managed", "其中参公单位"),
    *[
        Column(f"approved_{f}", str(label), group=APPROVED)
        for f, label in Funding.choices
    ],
    Column("approved", "合计", group=APPROVED),
    *[
        Column(f"occupied_{f}", str(label), group=OCCUPIED)
        for f, label in Funding.choices
    ],
    Column("occupied", "合计", group=OCCUPIED),
    Column("vacancy", "空编数"),
    Column("over", "超编数"),
]
NUMERIC = [c.key for c in COLUMNS if c.kind == "int"]


def _per_institution(selection: Selection) -> dict[int, dict[str, Any]]:
    """Numbers of every institution of the selection on the date."""
    states = {
        uid: s
        for uid, s in unit_states(selection).items()
        if s.kind == UnitKind.INSTITUTION
    }
    result: dict[int, dict[str, Any]] = {
        uid: {
            "class": state.institution_class,
            "sector": state.sector,
            "units": 1,
            "cs_managed": int(state.civil_service_managed),
        }
        for uid, state in states.items()
    }
    accounts = unit_accounts_as_of(
        units_in(selection).filter(id__in=list(states)), selection.as_of
    )
    for account in accounts:
        cells = result[account.unit_id]
        for key in ("approved", "occupied"):
            value = getattr(account, key)
            cells[f"{key}_{account.funding}"] = (
                cells.get(f"{key}_{account.funding}", 0) + value
            )
            cells[key] = cells.get(key, 0) + value
        # Per account, then summed (stats.quota_numbers): an over-quota
        # account does not eat another account's vacancy.
        cells["vacancy"] = cells.get("vacancy", 0) + account.vacancy
        cells["over"] = cells.get("over", 0) + account.over
    return result


def _sum(items: list[dict[str, Any]]) -> dict[str, int]:
    return {k: sum(i.get(k, 0) for i in items) for k in NUMERIC}


class InstitutionsForm(Form):
    name = "institutions"
    number = 9
    title = "事业单位分类统计表"

    def compute(self, selection: Selection) -> FormResult:
        per_unit = _per_institution(selection)
        classes = [*InstitutionClass.values, ""]
        labels = {**dict(InstitutionClass.choices), "": UNCLASSIFIED}
        rows: list[Row] = []
        for klass in classes:
            members = [c for c in per_unit.values() if c["class"] == klass]
            if not members:
                continue
            rows.append(
                Row(
                    {"name": str(labels[klass]), **_sum(members)},
                    level=0,
                    subtotal=True,
                    key=f"class:{klass or '-'}",
                )
            )
            for sector in sorted({m["sector"] for m in members}):
                in_sector = [m for m in members if m["sector"] == sector]
                name = (
                    f"{sector} {SECTORS[sector]}" if sector in SECTORS else "未填行业"
                )
                rows.append(
                    Row(
                        {"name": name, **_sum(in_sector)},
                        level=1,
                        key=f"class:{klass or '-'}:sector:{sector or '-'}",
                    )
                )
        totals = {"name": "合计", **_sum(list(per_unit.values()))}
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=COLUMNS,
            rows=rows,
            totals=totals,
            notes=[
                "按统计日期的单位类别、行业统计；空编数、超编数按编制账户计算后汇总，空编数已扣除预留数。",
            ],
        )


register(InstitutionsForm())
