"""Form 3 单位编制使用情况表 (DOMAIN §8): every unit and each of its accounts.

One row per unit (bold: the sum of its accounts, drilling into the unit)
followed by one row per account (drilling to the people in it). When a
region selection spans several regions, each region's units are preceded by
the region's subtotal row (drilling into the region), as in stats/rows.py. The 合计 row is the
sum of the account rows. Units holding no account at all (coordination
bodies) are left out: they hold no quota.
"""

from __future__ import annotations

from collections import defaultdict

from ..base import Column, Form, FormResult, Row, Selection, register
from ..quota_numbers import (
    FUNDING_LABELS,
    AccountNumbers,
    categories,
    combo_order,
    unit_accounts_as_of,
)
from ..rows import KIND_LABELS, RANK_LABELS, add_into, layout, persons_query
from ..scope import unit_states, units_in

NUMBERS = ["approved", "borrowed", "occupied", "reserved", "vacancy", "over"]


def _usage(cells: dict) -> float | None:
    approved = cells.get("approved") or 0
    return round(cells.get("occupied", 0) / approved, 4) if approved else None


class UnitUsage(Form):
    name = "unit_usage"
    number = 3
    title = "单位编制使用情况表"
    yoy = True

    columns = [
        Column("name", "单位名称", kind="text", total=False),
        Column("kind", "机构类别", kind="text", total=False),
        Column("rank", "机构规格", kind="text", total=False),
        Column("category", "编制类型", group="编制账户", kind="text", total=False),
        Column("funding", "经费形式", group="编制账户", kind="text", total=False),
        Column("approved", "核定编制数", group="编制数（名）"),
        Column("borrowed", "其中借用周转池", group="编制数（名）"),
        Column("occupied", "实有人数", group="编制数（名）"),
        Column("reserved", "预留数", group="编制数（名）"),
        Column("vacancy", "空编数", group="编制数（名）"),
        Column("over", "超编数", group="编制数（名）"),
        Column("usage", "编制使用率", group="使用情况", kind="pct", total=False),
        Column(
            "over_since", "超编起始日期", group="使用情况", kind="date", total=False
        ),
    ]

    def compute(self, selection: Selection) -> FormResult:
        cats = categories()
        units = units_in(selection)
        states = unit_states(selection)
        accounts = unit_accounts_as_of(units, selection.as_of, borrowed=True)
        by_unit: dict[int, list[AccountNumbers]] = defaultdict(list)
        for account in accounts:
            by_unit[account.unit_id].append(account)
        order = combo_order(cats)

        def account_row(state, account: AccountNumbers, indent: str) -> Row:
            cells = {
                # The unit's name again: csv/json rows stand on their own.
                "name": indent + "　" + state.name,
                "kind": "",
                "rank": "",
                "category": cats[account.category_id].name
                if account.category_id in cats
                else account.category_id,
                "funding": FUNDING_LABELS.get(account.funding, account.funding),
                "approved": account.approved,
                "borrowed": account.borrowed,
                "occupied": account.occupied,
                "reserved": account.reserved,
                "vacancy": account.vacancy,
                "over": account.over,
                "over_since": account.over_since,
            }
            cells["usage"] = _usage(cells)
            return Row(
                cells,
                level=2,
                drill={
                    "persons": persons_query(
                        unit_id=state.id,
                        as_of=selection.as_of,
                        category=account.category_id,
                    )
                },
                key=f"account:{account.id}",
            )

        def unit_block(state, depth: int = 0) -> tuple[list[Row], dict]:
            held = sorted(
                by_unit.get(state.id, ()),
                key=lambda a: order((a.category_id, a.funding)),
            )
            if not held:
                return [], {}
            indent = "　" * depth
            sums: dict = dict.fromkeys(NUMBERS, 0)
            detail = []
            for account in held:
                row = account_row(state, account, indent)
                add_into(sums, row.cells, NUMBERS)
                detail.append(row)
            cells = {
                "name": indent + state.name,
                "kind": KIND_LABELS.get(state.kind, state.kind),
                "rank": RANK_LABELS.get(state.rank, state.rank),
                "category": "小计" if len(held) > 1 else detail[0].cells["category"],
                "funding": "" if len(held) > 1 else detail[0].cells["funding"],
                **sums,
                "usage": _usage(sums),
            }
            drill = None if state.id == selection.unit_id else {"unit": str(state.id)}
            head = Row(
                cells, level=1, drill=drill, subtotal=True, key=f"unit:{state.id}"
            )
            return [head, *detail], sums

        place = layout(selection, states)
        rows: list[Row] = []
        totals: dict = {"name": "合计", **dict.fromkeys(NUMBERS, 0)}
        for region in place.top_regions:
            block: list[Row] = []
            region_sums: dict = dict.fromkeys(NUMBERS, 0)
            for state in place.units_by_top.get(region.code, ()):
                unit_rows, sums = unit_block(state)
                block += unit_rows
                add_into(region_sums, sums, NUMBERS)
            rows.append(
                Row(
                    {"name": region.name, **region_sums, "usage": _usage(region_sums)},
                    level=0,
                    drill={"region": region.code},
                    subtotal=True,
                    key=f"region:{region.code}",
                )
            )
            rows += block
            add_into(totals, region_sums, NUMBERS)
        for state in place.own_units:
            unit_rows, sums = unit_block(state, place.depth.get(state.id, 0))
            rows += unit_rows
            add_into(totals, sums, NUMBERS)
        totals["usage"] = _usage(totals)
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=list(self.columns),
            rows=rows,
            totals=totals,
            notes=[
                "编制使用率＝实有人数÷核定编制数；空编数＝核定编制数－实有人数－预留数"
                "（不为负数）；核定编制数含借用周转池编制。"
            ],
        )


register(UnitUsage())
