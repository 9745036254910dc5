"""stats.scope: which units a selection covers, as of its date."""

from __future__ import annotations

import datetime as dt

from bianzhi.orgs import services as orgs
from bianzhi.orgs.selectors import units_as_of
from bianzhi.stats.base import Selection
from bianzhi.stats.scope import unit_states, units_in

from .conftest import OFFICE, TODAY


def test_unit_states_equal_the_orgs_replay(world):
    orgs.unit_change_rank(
        actor=OFFICE,
        unit=world.bureau,
        rank="vice_bureau",
        doc_no="示编〔2025〕4号",
        effective_date=dt.date(2025, 9, 1),
        reason="升格",
        today=TODAY,
    )
    orgs.unit_rename(
        actor=OFFICE,
        unit=world.other,
        name="示例市审计委员会办公室",
        doc_no="示编〔2030〕1号",
        effective_date=dt.date(2030, 1, 1),
        reason="更名",
        today=TODAY,
    )
    for day in (dt.date(2020, 6, 1), dt.date(2025, 8, 31), TODAY, dt.date(2031, 1, 1)):
        selection = Selection(as_of=day, region_code="990100")
        expected = units_as_of(units_in(selection).order_by("id"), day)
        assert unit_states(selection) == expected
    ranks = {s.id: s.rank for s in unit_states(Selection(as_of=dt.date(2025, 8, 31)))}
    assert ranks[world.bureau.pk] == "division"
    names = {s.id: s.name for s in unit_states(Selection(as_of=dt.date(2031, 1, 1)))}
    assert names[world.other.pk] == "示例市审计委员会办公室"


def test_within_limits_the_units(world):
    selection = Selection(
        as_of=TODAY, unit_id=world.bureau.pk, within=frozenset({world.bureau.pk})
    )
    assert [u.pk for u in units_in(selection)] == [world.bureau.pk]
    wide = Selection(as_of=TODAY, unit_id=world.bureau.pk)
    assert {u.pk for u in units_in(wide)} == {world.bureau.pk, world.centre.pk}


def test_period_defaults_to_the_year_of_the_date():
    assert Selection(as_of=TODAY).period == (dt.date(2026, 1, 1), TODAY)
    start = dt.date(2025, 7, 1)
    assert Selection(as_of=TODAY, period_start=start).period == (start, TODAY)
    # A start after the date is clamped to it.
    assert Selection(as_of=TODAY, period_start=dt.date(2027, 1, 1)).period == (
        TODAY,
        TODAY,
    )
