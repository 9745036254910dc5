"""Shapes shared by the forms that list regions → units → accounts.

A region selection shows its direct sub-regions (each the sum of its whole
subtree, drilling into that region) and then the units of the region's own
level (drilling into the unit). A unit selection shows the unit and its
sub-units, each followed by its own detail rows (accounts, leader posts …).
So every number drills one level down, and a region's row in its parent's
form equals the totals row of the region's own form.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bianzhi.orgs.models import Region, UnitKind, UnitRank
from bianzhi.orgs.selectors import UnitState

from .base import Selection

KIND_ORDER = {value: i for i, value in enumerate(UnitKind.values)}
RANK_ORDER = {value: i for i, value in enumerate(UnitRank.values)}
KIND_LABELS = dict(UnitKind.choices)
RANK_LABELS = dict(UnitRank.choices)


def persons_query(*, unit_id: int, as_of: dt.date, category: str | None = None) -> str:
    """Query string of the roster search page (web:roster_search) for the
    people in force on `as_of` in a unit (and category)."""
    params = {"unit": str(unit_id)}
    if category:
        params["category"] = category
    params["as_of"] = as_of.isoformat()
    return urlencode(params)


def add_into(target: dict, values: dict, keys: Iterable[str]) -> None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            target[key] = (target.get(key) or 0) + value


@dataclass
class Layout:
    """Where each unit of a selection goes.

    top_regions: the direct sub-regions of the selected region (region
    selection only) with the units of their subtrees; own_units: the units
    shown as rows of their own, in display order.
    """

    top_regions: list[Region] = field(default_factory=list)
    units_by_top: dict[str, list[UnitState]] = field(default_factory=dict)
    own_units: list[UnitState] = field(default_factory=list)
    unit_selection: bool = False
    # For unit selections: each unit's depth below the selected unit.
    depth: dict[int, int] = field(default_factory=dict)


def _unit_sort(state: UnitState) -> tuple:
    return (KIND_ORDER.get(state.kind, 99), RANK_ORDER.get(state.rank, 99), state.id)


def layout(selection: Selection, states: list[UnitState]) -> Layout:
    result = Layout()
    if selection.unit_id is not None:
        result.unit_selection = True
        children: dict[int | None, list[UnitState]] = defaultdict(list)
        present = {s.id for s in states}
        for state in states:
            parent = state.parent_id if state.parent_id in present else None
            children[parent].append(state)
        stack = [(s, 0) for s in sorted(children[None], key=_unit_sort, reverse=True)]
        while stack:
            state, depth = stack.pop()
            result.own_units.append(state)
            result.depth[state.id] = depth
            stack.extend(
                (c, depth + 1)
                for c in sorted(
                    children.get(state.id, []), key=_unit_sort, reverse=True
                )
            )
        return result
    parents = dict(Region.objects.values_list("code", "parent_id"))
    root = selection.region_code
    if root is None:
        tops = list(Region.objects.filter(parent__isnull=True).order_by("code"))
    else:
        tops = list(Region.objects.filter(parent_id=root).order_by("code"))
    result.top_regions = tops
    top_codes = {r.code for r in tops}
    result.units_by_top = {code: [] for code in top_codes}
    for state in sorted(states, key=_unit_sort):
        code = state.region_id
        while code is not None and code not in top_codes and code != root:
            code = parents.get(code)
        if code in top_codes:
            result.units_by_top[code].append(state)
        else:  # the selected region's own units
            result.own_units.append(state)
    return result
