"""Year-over-year comparison (stats/yoy.py) and empty selections."""

from __future__ import annotations

import datetime as dt

import pytest

import bianzhi.stats.forms  # noqa: F401
from bianzhi.stats.base import Selection, all_forms, get
from bianzhi.stats.yoy import compare, one_year_before

from .world import LAST, NOW

pytestmark = pytest.mark.django_db
MINE = (
    "agency_caps",
    "structure",
    "changes",
    "plan_execution",
    "fiscal",
    "institutions",
)


def test_one_year_before():
    assert one_year_before(dt.date(2024, 2, 29)) == dt.date(2023, 2, 28)
    assert one_year_before(dt.date(2026, 6, 15)) == dt.date(2025, 6, 15)


def test_fiscal_yoy_joins_on_row_keys(world):
    w = world
    assert get("fiscal").yoy
    result = compare(get("fiscal"), Selection(as_of=NOW, region_code="990100"))
    now = get("fiscal").compute(Selection(as_of=NOW, region_code="990100"))
    then = get("fiscal").compute(Selection(as_of=LAST, region_code="990100"))
    keys = [c.key for c in result.columns]
    assert keys[:4] == ["name", "on_full", "on_full__prev", "on_full__diff"]
    labels = [(c.group, c.label) for c in result.columns[1:4]]
    assert labels == [("在编人员·财政拨款", "本期"), ("在编人员·财政拨款", "上年同期"),
                      ("在编人员·财政拨款", "增减")]  # fmt: skip
    rows = {r.key: r.cells for r in result.rows}
    bureau = rows[f"unit:{w.bureau.pk}"]
    assert (bureau["on_full"], bureau["on_full__prev"], bureau["on_full__diff"]) == (
        4,
        5,
        -1,
    )
    assert (bureau["off_public"], bureau["off_public__prev"]) == (1, 2)
    assert result.totals["fiscal_total"] == now.totals["fiscal_total"]
    assert result.totals["fiscal_total__prev"] == then.totals["fiscal_total"]
    assert result.totals["fiscal_total__diff"] == (
        now.totals["fiscal_total"] - then.totals["fiscal_total"]
    )
    # The district's unit exists only this year: in the district's own form
    # its row has a blank 上年同期 and 增减 = 本期.
    district = compare(get("fiscal"), Selection(as_of=NOW, region_code="990102"))
    (row,) = district.rows
    assert row.key == f"unit:{w.d_bureau.pk}"
    assert (
        row.cells["on_full"],
        row.cells["on_full__prev"],
        row.cells["on_full__diff"],
    ) == (1, None, 1)
    assert district.totals["on_full__prev"] == 0


def test_yoy_keeps_rows_that_are_gone(world):
    w = world
    # The district unit, established 2026-01-01, has nobody yet on 4 January:
    # a row of zeros now, blank a year before.
    early = compare(
        get("structure"), Selection(as_of=dt.date(2026, 1, 4), region_code="990102")
    )
    (row,) = early.rows
    assert (row.cells["total"], row.cells["total__prev"], row.cells["total__diff"]) == (
        0,
        None,
        0,
    )
    # A row only in the past keeps last year's numbers.
    gone = compare(get("institutions"), Selection(as_of=NOW, region_code="990100"))
    keys = [r.key for r in gone.rows]
    # The school moved from 公益一类 to 公益二类: the old class rows come
    # after, blank now, with last year's numbers.
    old = gone.rows[keys.index("class:public_welfare_1")]
    assert old.cells["units"] is None and old.cells["units__prev"] == 1
    assert old.cells["units__diff"] == -1 and old.drill is None
    new = gone.rows[keys.index("class:public_welfare_2")]
    assert (new.cells["units"], new.cells["units__prev"]) == (1, None)
    assert w.school.pk  # the fixture's school is the one that moved


def test_empty_selection_is_a_valid_empty_form(world):
    for name in MINE:
        _check_empty(world, name)


def _check_empty(world, name):
    form = get(name)
    # Before any unit existed, and a unit not yet established on the date.
    for selection in (
        Selection(as_of=dt.date(2015, 1, 1), region_code="990100"),
        Selection(as_of=dt.date(2025, 1, 1), unit_id=world.d_bureau.pk),
    ):
        result = form.compute(selection)
        assert result.form == name and result.columns
        for key, value in (result.totals or {}).items():
            if key != "name" and isinstance(value, int):
                assert value == 0, (name, key)
        for row in result.rows:
            assert all(
                not v for k, v in row.cells.items() if k not in ("name", "doc_no")
            ), row
        result.records()


def test_every_form_registered():
    names = {f.name for f in all_forms()}
    assert set(MINE) <= names
