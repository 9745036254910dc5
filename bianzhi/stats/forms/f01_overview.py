"""Form 1 机构编制总体情况表 (DOMAIN §8): units by kind and rank, and quota
approved / occupied / vacancy / over by category × funding.

Rows follow stats/rows.py: a region selection lists its sub-regions (each
the sum of its subtree) and the units of its own level; a unit selection
lists the unit and its sub-units, each followed by its accounts (drilling to
the people). The 合计 row is the sum of the top rows, so a region's row in
its parent's form equals the region's own form's 合计 row.

The quota columns are the (category, funding) pairs for which the selected
units hold an account at any date, so the columns stay the same across dates
(the year-over-year comparison joins on them).
"""

from __future__ import annotations

from collections import defaultdict

from bianzhi.quota.models import QuotaAccount

from ..base import Column, Form, FormResult, Row, Selection, register
from ..quota_numbers import (
    AccountNumbers,
    categories,
    combo_label,
    combo_order,
    system_balances,
    unit_accounts_as_of,
)
from ..rows import add_into, layout, persons_query
from ..scope import region_codes_under, unit_states, units_in

# (key, label, unit kinds): the kinds a 机构编制 form usually groups.
KIND_BUCKETS: list[tuple[str, str, frozenset[str]]] = [
    ("k_party", "党委部门", frozenset({"party_dept"})),
    ("k_gov", "政府部门", frozenset({"gov_dept"})),
    ("k_npc", "人大政协机关", frozenset({"npc", "cppcc"})),
    ("k_judicial", "法院检察院", frozenset({"court", "procuratorate"})),
    ("k_mass", "群团及民主党派机关", frozenset({"mass_org", "democratic_party"})),
    ("k_town", "乡镇街道", frozenset({"township", "street"})),
    ("k_inst", "事业单位", frozenset({"institution"})),
    ("k_other", "其他", frozenset({"park", "coordination"})),
]
RANK_BUCKETS: list[tuple[str, str, frozenset[str]]] = [
    ("r_bureau", "正厅级及以上", frozenset({"minister", "vice_minister", "bureau"})),
    ("r_vbureau", "副厅级", frozenset({"vice_bureau"})),
    ("r_div", "正处级", frozenset({"division"})),
    ("r_vdiv", "副处级", frozenset({"vice_division"})),
    ("r_sec", "正科级", frozenset({"section"})),
    ("r_vsec", "副科级及以下", frozenset({"vice_section", "stock"})),
    ("r_none", "未定级", frozenset({"unranked"})),
]
MEASURES = [
    ("approved", "核定"),
    ("occupied", "实有"),
    ("vacancy", "空编"),
    ("over", "超编"),
]
TOTAL_MEASURES = [
    ("approved", "核定编制数"),
    ("occupied", "实有人数"),
    ("reserved", "预留数"),
    ("vacancy", "空编数"),
    ("over", "超编数"),
]


def _combo_key(category: str, funding: str, measure: str) -> str:
    return f"q_{category}_{funding}_{measure}"


class Overview(Form):
    name = "overview"
    number = 1
    title = "机构编制总体情况表"
    yoy = True

    def columns(self, combos: list[tuple[str, str]], cats) -> list[Column]:
        cols = [Column("name", "区划/单位", kind="text", total=False)]
        cols.append(Column("units", "合计", group="机构数（个）"))
        cols += [Column(k, label, group="机构数（个）") for k, label, _ in KIND_BUCKETS]
        cols += [
            Column(k, label, group="机构规格（个）") for k, label, _ in RANK_BUCKETS
        ]
        for category, funding in combos:
            group = combo_label(cats, category, funding)
            cols += [
                Column(_combo_key(category, funding, m), label, group=group)
                for m, label in MEASURES
            ]
        cols += [
            Column(m, label, group="编制合计（名）") for m, label in TOTAL_MEASURES
        ]
        return cols

    def compute(self, selection: Selection) -> FormResult:
        cats = categories()
        units = units_in(selection)
        states = unit_states(selection)
        combos = sorted(
            set(
                QuotaAccount.objects.filter(unit_id__in=units.values("id"))
                .values_list("category_id", "funding")
                .distinct()
            ),
            key=combo_order(cats),
        )
        columns = self.columns(combos, cats)
        numeric = [c.key for c in columns if c.kind != "text"]
        accounts = unit_accounts_as_of(units, selection.as_of)
        by_unit: dict[int, list[AccountNumbers]] = defaultdict(list)
        for account in accounts:
            by_unit[account.unit_id].append(account)

        def account_cells(account: AccountNumbers) -> dict:
            cells = {
                "reserved": account.reserved,
                "approved": account.approved,
                "occupied": account.occupied,
                "vacancy": account.vacancy,
                "over": account.over,
            }
            for measure, _label in MEASURES:
                key = _combo_key(account.category_id, account.funding, measure)
                cells[key] = cells[measure]
            return cells

        def unit_cells(state) -> dict:
            cells: dict = {"name": state.name, "units": 1}
            for key, _label, kinds in KIND_BUCKETS:
                cells[key] = 1 if state.kind in kinds else 0
            for key, _label, ranks in RANK_BUCKETS:
                cells[key] = 1 if state.rank in ranks else 0
            for account in by_unit.get(state.id, ()):
                add_into(cells, account_cells(account), numeric)
            for key in numeric:
                cells.setdefault(key, 0)
            return cells

        place = layout(selection, states)
        rows: list[Row] = []
        top: list[dict] = []
        for region in place.top_regions:
            cells = {"name": region.name, **dict.fromkeys(numeric, 0)}
            for state in place.units_by_top.get(region.code, ()):
                add_into(cells, unit_cells(state), numeric)
            rows.append(
                Row(
                    cells,
                    level=0,
                    drill={"region": region.code},
                    key=f"region:{region.code}",
                )
            )
            top.append(cells)
        for state in place.own_units:
            cells = unit_cells(state)
            top.append(cells)
            if not place.unit_selection:
                rows.append(
                    Row(
                        cells,
                        level=1,
                        drill={"unit": str(state.id)},
                        key=f"unit:{state.id}",
                    )
                )
                continue
            depth = place.depth.get(state.id, 0)
            drill = None if state.id == selection.unit_id else {"unit": str(state.id)}
            rows.append(
                Row(
                    {**cells, "name": "　" * depth + state.name},
                    level=1,
                    drill=drill,
                    subtotal=True,
                    key=f"unit:{state.id}",
                )
            )
            for account in sorted(
                by_unit.get(state.id, ()),
                key=lambda a: combo_order(cats)((a.category_id, a.funding)),
            ):
                label = combo_label(cats, account.category_id, account.funding)
                rows.append(
                    Row(
                        {"name": "　" * (depth + 1) + label, **account_cells(account)},
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
                )
        totals = {"name": "合计", **dict.fromkeys(numeric, 0)}
        for cells in top:
            add_into(totals, cells, numeric)
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=columns,
            rows=rows,
            totals=totals,
            notes=self.notes(selection, cats),
        )

    def notes(self, selection: Selection, cats) -> list[str]:
        notes = [
            "空编数＝核定编制数－实有人数－预留数，超编数＝实有人数－核定编制数，"
            "均按编制账户计算后汇总（不为负数）；核定编制数含借用周转池编制。"
        ]
        if selection.unit_id is not None or selection.within is not None:
            return notes
        codes = (
            region_codes_under(selection.region_code) if selection.region_code else None
        )
        if codes is None:
            from bianzhi.orgs.models import Region

            codes = list(Region.objects.values_list("code", flat=True))
        balances = system_balances(codes, selection.as_of)
        for holder, title in (("reserve", "未分配编制"), ("pool", "周转池")):
            parts = [
                f"{combo_label(cats, category, funding)} {amount} 名"
                for (kind, category, funding), amount in sorted(
                    balances.items(), key=lambda item: combo_order(cats)(item[0][1:])
                )
                if kind == holder and amount
            ]
            if parts:
                notes.append(
                    f"{title}：" + "；".join(parts) + "（不含在上表单位编制中）"
                )
        return notes


register(Overview())
