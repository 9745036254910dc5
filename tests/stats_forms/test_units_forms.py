"""Forms 2 (agency caps) and 9 (institutions): unit attributes as of the date
(in_cap, class) replayed from the change records."""

from __future__ import annotations

from collections import Counter

import pytest

import bianzhi.stats.forms  # noqa: F401
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount
from bianzhi.stats.base import Selection, get

from . import expect
from .world import LAST, NOW

pytestmark = pytest.mark.django_db


def test_agency_caps_now_and_a_year_ago(world):
    now = get("agency_caps").compute(Selection(as_of=NOW, region_code="990100"))
    rows = {r.key: r.cells for r in now.rows}
    city, district = rows["region:990100"], rows["region:990102"]
    # The audit office counts since 2020, the bureau since 2025-09-01.
    assert (city["cap"], city["gov_dept"], city["in_cap"], city["excess"]) == (
        3,
        2,
        2,
        0,
    )
    assert city["remaining"] == 1
    assert (district["cap"], district["in_cap"], district["excess"]) == (1, 1, 0)
    assert now.totals["in_cap"] == 3 and now.totals["cap"] == 4
    assert next(r for r in now.rows if r.key == "region:990102").drill == {
        "region": "990102"
    }
    then = get("agency_caps").compute(Selection(as_of=LAST, region_code="990100"))
    rows = {r.key: r.cells for r in then.rows}
    assert (rows["region:990100"]["in_cap"], rows["region:990100"]["cap"]) == (1, 3)
    # The district's unit did not exist yet; its cap was 2 then.
    assert (rows["region:990102"]["in_cap"], rows["region:990102"]["cap"]) == (0, 2)


def test_agency_caps_independent_count(world):
    """In-cap party/government units per region, from the unit rows and a
    replay of the UnitChange records done here by hand."""
    for day in (NOW, LAST):
        expected: Counter = Counter()
        for unit in Unit.objects.all():
            if not expect.alive(unit, day):
                continue
            flag = False
            changes = unit.changes.exclude(status="flagged").order_by(
                "effective_date", "id"
            )
            touched = [c for c in changes if "in_cap" in (c.after or {})]
            for change in touched:
                if change.effective_date <= day:
                    flag = change.after["in_cap"]
            if not any(c.effective_date <= day for c in touched) and touched:
                flag = touched[0].before.get("in_cap", False)
            if flag and unit.kind in ("party_dept", "gov_dept"):
                expected[unit.region_id] += 1
        result = get("agency_caps").compute(Selection(as_of=day))
        got = {r.key.split(":")[1]: r.cells["in_cap"] for r in result.rows}
        assert got == {code: expected.get(code, 0) for code in got}, day


def test_institutions_by_class_and_sector(world):
    w = world
    for day, school_class in ((NOW, "公益二类"), (LAST, "公益一类")):
        approved = expect.approved(day)
        result = get("institutions").compute(Selection(as_of=day, region_code="990100"))
        names = [r.cells["name"] for r in result.rows]
        assert school_class in names and "承担行政职能" in names
        school_row = names.index(school_class)
        subtotal, sector = result.rows[school_row], result.rows[school_row + 1]
        assert subtotal.subtotal and subtotal.level == 0 and sector.level == 1
        assert sector.cells["name"] == "P 教育"
        accounts = QuotaAccount.objects.filter(unit=w.school)
        occupied = Counter(
            p.account.funding for p in expect.postings(day) if p.unit_id == w.school.pk
        )
        for funding in ("full", "partial"):
            assert sector.cells[f"approved_{funding}"] == sum(
                approved[a.pk] for a in accounts if a.funding == funding
            )
            assert sector.cells[f"occupied_{funding}"] == occupied[funding]
        assert sector.cells["units"] == 1 and sector.cells["cs_managed"] == 0
        # Totals: both institutions, one of them 参公; leaves sum to the totals.
        assert (result.totals["units"], result.totals["cs_managed"]) == (2, 1)
        leaves = [r for r in result.rows if not r.subtotal]
        for key in ("units", "approved", "occupied", "vacancy"):
            assert sum(r.cells[key] for r in leaves) == result.totals[key]
            assert (
                sum(r.cells[key] for r in result.rows if r.subtotal)
                == result.totals[key]
            )
