"""Forms 5 (structure) and 8 (fiscal) against plain Python counts, at today
and one year back; units sum to the region row; drill-down targets."""

from __future__ import annotations

from collections import Counter

import pytest

import bianzhi.stats.forms  # noqa: F401
from bianzhi.stats.base import Selection, get
from bianzhi.stats.forms.f05_structure import COLUMNS as STRUCTURE_COLUMNS
from bianzhi.stats.forms.f08_fiscal import COLUMNS as FISCAL_COLUMNS

from . import expect
from .world import LAST, NOW

pytestmark = pytest.mark.django_db


def numbers(cells: dict, columns) -> dict:
    return {c.key: cells.get(c.key) or 0 for c in columns if c.kind == "int"}


def summed(counters: list[Counter], columns) -> dict:
    total: Counter = Counter()
    for c in counters:
        total.update(c)
    return {c.key: total.get(c.key, 0) for c in columns if c.kind == "int"}


@pytest.mark.parametrize(
    ("form", "columns", "count"),
    [
        ("structure", STRUCTURE_COLUMNS, expect.structure),
        ("fiscal", FISCAL_COLUMNS, expect.fiscal),
    ],
)
def test_numbers_match_a_plain_count(world, form, columns, count):
    w = world
    for day in (NOW, LAST):
        expected = count(day)
        result = get(form).compute(Selection(as_of=day, region_code="990100"))
        rows = {r.key: r for r in result.rows}
        city_units = [w.bureau, w.other, w.court, w.school, w.cs_inst, w.mass]
        for unit in city_units:
            row = rows[f"unit:{unit.pk}"]
            assert row.drill == {"unit": str(unit.pk)}
            assert numbers(row.cells, columns) == summed(
                [expected.get(unit.pk, Counter())], columns
            ), (unit.name, day)
        # The district's rolled-up row: its unit exists only since 2026.
        district = rows["region:990102"]
        assert district.drill == {"region": "990102"}
        assert numbers(district.cells, columns) == summed(
            [expected.get(w.d_bureau.pk, Counter())], columns
        )
        # Totals = every unit of the city = the sum of the rows.
        assert numbers(result.totals, columns) == summed(
            list(expected.values()), columns
        )
        assert numbers(result.totals, columns) == summed(
            [Counter(numbers(r.cells, columns)) for r in result.rows], columns
        )
        # The region row in the parent's form = the region's own form.
        own = get(form).compute(Selection(as_of=day, region_code="990102"))
        assert numbers(own.totals, columns) == numbers(district.cells, columns)


def test_structure_columns_add_up_and_show_the_past(world):
    now = get("structure").compute(Selection(as_of=NOW, region_code="990100"))
    then = get("structure").compute(Selection(as_of=LAST, region_code="990100"))
    groups: dict[str, list[str]] = {}
    for c in STRUCTURE_COLUMNS:
        if c.group:
            groups.setdefault(c.group, []).append(c.key)
    for result in (now, then):
        for group, keys in groups.items():
            assert sum(result.totals[k] for k in keys) == result.totals["total"], group
    # 11 in post today; 7 a year ago (the 参公 union member came a day later).
    assert (now.totals["total"], then.totals["total"]) == (11, 7)
    # A 29-year-old a year ago (born 1996) was not there; the bureau's
    # youngest (born 1999) was 26 then and 27 now: both ≤ 30.
    bureau = next(r for r in then.rows if r.key == f"unit:{world.bureau.pk}")
    assert bureau.cells["age_le30"] == 1
    assert bureau.cells["age_ge56"] == 1  # born 1969-01-01: 56 on 2025-06-15


def test_fiscal_counts_public_off_quota_staff_only(world):
    result = get("fiscal").compute(Selection(as_of=NOW, region_code="990100"))
    assert result.totals["off_public"] == 1  # 编外丙 left on 2026-03-01
    assert result.totals["off_own"] == 1
    assert result.totals["fiscal_total"] == result.totals["on_total"] + 1
    then = get("fiscal").compute(Selection(as_of=LAST, region_code="990100"))
    assert (then.totals["off_public"], then.totals["off_own"]) == (2, 0)


def test_unit_selection_rows_drill_to_the_roster(world):
    w = world
    result = get("fiscal").compute(Selection(as_of=NOW, unit_id=w.school.pk))
    (row,) = result.rows
    assert row.key == f"unit:{w.school.pk}"
    assert row.drill == {"persons": f"unit={w.school.pk}&as_of={NOW.isoformat()}"}
    assert (row.cells["on_full"], row.cells["on_partial"], row.cells["off_own"]) == (
        1,
        1,
        1,
    )
    assert result.totals["on_total"] == 2
