"""Form 2 机构限额执行情况表: per region, the agency cap in force on the date
against the party and government units counted in it (DOMAIN §3.1).

A unit counts when, on the date, it existed, its kind was party_dept or
gov_dept and its in_cap flag was set — all replayed from the change records
like orgs.selectors.CapTimeline, but for every region of the selection in one
pass (two queries for the units and their changes, one for the caps). A unit
selection counts only the units of its subtree, against their region's cap.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bianzhi.orgs.models import IN_CAP_KINDS, AgencyCap, Region, UnitKind

from ..base import Column, Form, FormResult, Row, Selection, register
from ..scope import region_codes_under
from ._common import unit_states

COLUMNS = [
    Column("name", "行政区划", kind="text", total=False),
    Column("cap", "机构限额"),
    Column("party_dept", "党委部门", group="计入限额机构数"),
    Column("gov_dept", "政府部门", group="计入限额机构数"),
    Column("in_cap", "合计", group="计入限额机构数"),
    Column("excess", "超出限额"),
    Column("remaining", "尚余限额"),
    Column("doc_no", "限额文号", kind="text", total=False),
]
NUMERIC = [c.key for c in COLUMNS if c.kind == "int"]


def caps_as_of(selection: Selection) -> dict[str, tuple[int, str]]:
    """The cap in force per region on the date: (cap, doc_no)."""
    found: dict[str, tuple[int, str]] = {}
    rows = (
        AgencyCap.objects.filter(effective_date__lte=selection.as_of)
        .order_by("region_id", "effective_date", "id")
        .values_list("region_id", "cap", "doc_no")
    )
    for region, cap, doc_no in rows:
        found[region] = (cap, doc_no)  # the latest wins
    return found


def _regions(
    selection: Selection, unit_regions: set[str]
) -> list[tuple[str, str, int]]:
    """(code, name, depth) of the regions shown, parents before children."""
    names, parents = {}, {}
    for code, name, parent in Region.objects.values_list("code", "name", "parent_id"):
        names[code], parents[code] = name, parent

    def depth(code: str) -> int:
        n, up = 0, parents.get(code)
        while up is not None:
            n, up = n + 1, parents.get(up)
        return n

    if selection.unit_id is not None or selection.within is not None:
        codes = sorted(unit_regions)
    elif selection.region_code:
        codes = region_codes_under(selection.region_code)
    else:
        codes = sorted(names)
    base = min((depth(c) for c in codes), default=0)
    return [(c, names.get(c, c), depth(c) - base) for c in codes]


class AgencyCapsForm(Form):
    name = "agency_caps"
    number = 2
    title = "机构限额执行情况表"

    def compute(self, selection: Selection) -> FormResult:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for state in unit_states(selection).values():
            if state.in_cap and state.kind in IN_CAP_KINDS:
                counts[state.region_id][state.kind] += 1
        caps = caps_as_of(selection)
        rows: list[Row] = []
        for code, name, depth in _regions(selection, set(counts)):
            cap, doc_no = caps.get(code, (None, ""))
            cells: dict[str, Any] = {
                "name": name,
                "party_dept": counts[code][UnitKind.PARTY_DEPT],
                "gov_dept": counts[code][UnitKind.GOV_DEPT],
                "doc_no": doc_no if cap is not None else "限额未设置",
            }
            cells["in_cap"] = cells["party_dept"] + cells["gov_dept"]
            cells["cap"] = cap
            cells["excess"] = max(cells["in_cap"] - cap, 0) if cap is not None else 0
            cells["remaining"] = max(cap - cells["in_cap"], 0) if cap is not None else 0
            rows.append(
                Row(cells, level=depth, drill={"region": code}, key=f"region:{code}")
            )
        totals: dict[str, Any] = {"name": "合计"}
        for key in NUMERIC:
            totals[key] = sum(r.cells.get(key) or 0 for r in rows)
        return FormResult(
            form=self.name,
            title=self.title,
            selection=selection,
            columns=COLUMNS,
            rows=rows,
            totals=totals,
            notes=[
                "各行政区划分别执行本级机构限额，上级不含下级。",
                "超出限额的，消化前不得新设机构。",
            ],
        )


register(AgencyCapsForm())
