"""Shared shape of the per-unit forms (2, 5–9): the units of a selection as
they stood on its date, and the region → unit row layout.

Not a form module (the name does not start with f<NN>), so the package's
auto-import skips it. Numbers are always computed by GROUP BY queries keyed on
unit id; this module only arranges those per-unit numbers into rows:

- a region selection (or none: every top-level region) shows one rolled-up row per
  direct sub-region (drill → that region) and one row per unit registered
  directly in the region (drill → that unit) — stats.rows.layout, shared with forms 1 and 3;
- a unit selection shows one row per unit of the subtree, each counting its
  own people only (drill → the roster search for that unit on the date).

The totals row is the sum of these rows, so it always equals the sum over all
units of the selection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from bianzhi.orgs.selectors import UnitState

from ..base import Column, Row, Selection
from ..rows import layout as rows_layout
from ..rows import persons_query
from ..scope import unit_states as scope_unit_states
from ..scope import units_in

NAME = Column("name", "单位名称", kind="text", total=False)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def unit_ids(selection: Selection) -> QuerySet:
    """The selection's units alive on its date, as a subquery of ids."""
    return units_in(selection).values("id")


def unit_states(selection: Selection) -> dict[int, UnitState]:
    """Every unit of the selection as it stood on the date (kind, class,
    sector, in_cap and name replayed from the change records), by id."""
    return {s.id: s for s in scope_unit_states(selection)}


def layout(
    selection: Selection,
    columns: list[Column],
    per_unit: dict[int, dict[str, Any]],
    units: dict[int, UnitState] | None = None,
) -> tuple[list[Row], dict[str, Any]]:
    """Rows (region roll-ups, then units; stats.rows.layout decides where each
    unit goes, as in forms 1 and 3) and the totals of `per_unit`.

    `per_unit` maps unit id → {column key: value}; missing numbers count 0;
    non-numeric extras of a unit are copied onto its row. `units` (the
    selection's unit states) defaults to a fresh load.
    """
    if units is None:
        units = unit_states(selection)
    numeric = [c.key for c in columns if c.kind in ("int", "decimal") and c.total]

    def values(ids: Iterable[int]) -> dict[str, Any]:
        sums = dict.fromkeys(numeric, 0)
        for uid in ids:
            cells = per_unit.get(uid)
            if cells:
                for key in numeric:
                    sums[key] += cells.get(key) or 0
        return sums

    def unit_row(state: UnitState, drill: dict[str, str], level: int) -> Row:
        cells = values([state.id])
        extra = {k: v for k, v in per_unit.get(state.id, {}).items() if k not in cells}
        return Row(
            {"name": state.name, **extra, **cells},
            level=level,
            drill=drill,
            key=f"unit:{state.id}",
        )

    where = rows_layout(selection, list(units.values()))
    rows: list[Row] = []
    if where.unit_selection:
        for state in where.own_units:
            query = persons_query(unit_id=state.id, as_of=selection.as_of)
            rows.append(
                unit_row(state, {"persons": query}, where.depth.get(state.id, 0))
            )
    else:
        for region in where.top_regions:
            ids = [s.id for s in where.units_by_top.get(region.code, [])]
            rows.append(
                Row(
                    {"name": region.name, **values(ids)},
                    level=0,
                    drill={"region": region.code},
                    key=f"region:{region.code}",
                )
            )
        for state in where.own_units:
            rows.append(unit_row(state, {"unit": str(state.id)}, 1))
    totals = {"name": "合计", **values(units)}
    return rows, totals


def fill_ratio(cells: dict[str, Any], key: str, part: str, whole: str) -> None:
    """cells[key] = part / whole as a percentage (None when whole is 0).
    Ratios are recomputed for each row and the totals, never summed."""
    denominator = cells.get(whole) or 0
    cells[key] = (
        round(100 * (cells.get(part) or 0) / denominator, 1) if denominator else None
    )
