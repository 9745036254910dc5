"""Forms 1, 3, 4 and 10 against plain Python counts over the same rows."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.quota.models import QuotaMovement
from bianzhi.roster.models import Posting
from bianzhi.stats.base import Selection, get

from . import reference as ref
from .conftest import EARLY, OFFICE, PAST, TODAY

DATES = [TODAY, dt.date(2025, 6, 30), dt.date(2024, 12, 31)]


def form(name, **selection):
    return get(name).compute(Selection(**selection))


def row(result, key):
    return next(r for r in result.rows if r.key == key)


@pytest.mark.parametrize("day", DATES)
def test_overview_matches_plain_count(world, day):
    result = form("overview", as_of=day, region_code="990100")
    numbers = ref.account_numbers(day, world.real_today)
    units = ref.region_units("990100", day)
    expected = ref.sums(numbers, {u.id for u in units})
    for key, value in expected.items():
        assert result.totals[key] == value, key
    assert result.totals["units"] == len(units)
    assert result.totals["k_gov"] == sum(u.kind == "gov_dept" for u in units)
    assert result.totals["k_inst"] == sum(u.kind == "institution" for u in units)
    assert result.totals["r_sec"] == sum(u.rank == "section" for u in units)
    # Each unit row and the per-combo columns.
    for unit in units:
        if unit.region_id != "990100":
            continue
        cells = row(result, f"unit:{unit.id}").cells
        own = ref.sums(numbers, {unit.id})
        assert {k: cells[k] for k in own} == own, unit.name
        for values in (v for v in numbers.values() if v["unit"] == unit.id):
            prefix = f"q_{values['category']}_{values['funding']}_"
            assert cells[prefix + "approved"] == values["approved"]
            assert cells[prefix + "occupied"] == values["occupied"]


@pytest.mark.parametrize("day", [TODAY, EARLY, dt.date(2025, 12, 31)])
def test_overview_occupied_equals_active_postings(world, day):
    result = form("overview", as_of=day, region_code="990100")
    active = [p for p in Posting.objects.all() if ref.live(p, day)]
    assert result.totals["occupied"] == len(active)


def test_region_row_equals_region_form_and_units_sum(world):
    city = form("overview", as_of=TODAY, region_code="990100")
    district = form("overview", as_of=TODAY, region_code="990102")
    # The district's columns are the pairs its units hold; the city's others are 0.
    numeric = [c.key for c in district.columns if c.kind != "text"]
    district_row = row(city, "region:990102").cells
    assert {k: district_row[k] for k in numeric} == {
        k: district.totals[k] for k in numeric
    }
    assert district_row["approved"] == 4
    assert not any(
        district_row[c.key]
        for c in city.columns
        if c.kind != "text" and c.key not in numeric
    )
    # The district's unit rows add up to its 合计 row.
    for key in numeric:
        assert sum(r.cells[key] for r in district.rows) == district.totals[key]
    numeric = [c.key for c in city.columns if c.kind != "text"]
    # The city's top rows add up to its 合计 row.
    for key in numeric:
        assert sum(r.cells[key] for r in city.rows) == city.totals[key]
    assert row(city, "region:990102").drill == {"region": "990102"}
    assert row(city, f"unit:{world.bureau.pk}").drill == {"unit": str(world.bureau.pk)}


def test_overview_unit_selection_lists_accounts_with_people_drill(world):
    result = form("overview", as_of=TODAY, unit_id=world.bureau.pk)
    keys = [r.key for r in result.rows]
    assert keys[0] == f"unit:{world.bureau.pk}"
    assert f"unit:{world.centre.pk}" in keys  # the sub-unit
    accounts = [r for r in result.rows if r.key.startswith("account:")]
    assert len(accounts) == 3
    assert all("persons" in r.drill for r in accounts)
    assert f"unit={world.bureau.pk}" in accounts[0].drill["persons"]
    assert "as_of=2026-06-15" in accounts[0].drill["persons"]
    assert result.totals["occupied"] == 5  # 3 administrative, 1 logistics, 1 centre


def test_as_of_in_the_past_differs(world):
    today = form("overview", as_of=TODAY, unit_id=world.bureau.pk)
    before = form(
        "overview", as_of=TODAY - dt.timedelta(days=1), unit_id=world.bureau.pk
    )
    early = form(
        "overview", as_of=EARLY - dt.timedelta(days=1), unit_id=world.bureau.pk
    )
    # On TODAY: 3 enrolled in the bureau (one released the same day), 1 in the centre,
    # and one more administrative post granted.
    assert before.totals["occupied"] == 2  # the two enrolled early
    assert today.totals["occupied"] == 5
    assert today.totals["approved"] == before.totals["approved"] + 1
    assert early.totals["occupied"] == 0
    assert before.totals["approved"] == 9


def test_future_date_includes_scheduled_movement(world):
    now = form("overview", as_of=world.real_today, unit_id=world.other.pk)
    later = form(
        "overview", as_of=world.future + dt.timedelta(days=1), unit_id=world.other.pk
    )
    assert later.totals["approved"] == now.totals["approved"] + 1
    numbers = ref.account_numbers(world.future, world.real_today)
    assert later.totals["approved"] == ref.sums(numbers, {world.other.pk})["approved"]


def test_empty_selection_is_a_valid_empty_form(world):
    for name in ("overview", "unit_usage", "leader_posts", "ledger"):
        result = form(name, as_of=TODAY, region_code="990103")
        assert result.rows == []
        assert all(v in (0, None) or isinstance(v, str) for v in result.totals.values())


@pytest.mark.parametrize("day", DATES)
def test_unit_usage_accounts_match(world, day):
    result = form("unit_usage", as_of=day, region_code="990100")
    numbers = ref.account_numbers(day, world.real_today)
    units = {u.id for u in ref.region_units("990100", day)}
    account_rows = [r for r in result.rows if r.key.startswith("account:")]
    expected = {k: v for k, v in numbers.items() if v["unit"] in units}
    assert {int(r.key.split(":")[1]) for r in account_rows} == set(expected)
    for r in account_rows:
        values = expected[int(r.key.split(":")[1])]
        for key in ("approved", "occupied", "reserved", "vacancy", "over"):
            assert r.cells[key] == values[key], (r.cells["name"], key)
    totals = ref.sums(numbers, units)
    for key, value in totals.items():
        assert result.totals[key] == value
    # Unit rows are the sums of their accounts; region rows of their units.
    bureau = row(result, f"unit:{world.bureau.pk}")
    assert bureau.subtotal and bureau.drill == {"unit": str(world.bureau.pk)}
    assert bureau.cells["approved"] == sum(
        v["approved"] for v in numbers.values() if v["unit"] == world.bureau.pk
    )
    district = row(result, "region:990102")
    assert (
        district.cells["occupied"]
        == ref.sums(numbers, {world.district_unit.pk})["occupied"]
    )


def test_unit_usage_rate_and_over_since(world):
    result = form("unit_usage", as_of=TODAY, unit_id=world.bureau.pk)
    bureau = row(result, f"unit:{world.bureau.pk}")
    assert bureau.cells["usage"] == round(4 / 8, 4)
    assert result.totals["usage"] == round(
        result.totals["occupied"] / result.totals["approved"], 4
    )


@pytest.mark.parametrize("day", [TODAY, TODAY - dt.timedelta(days=1), EARLY, PAST])
def test_leader_posts_match(world, day):
    result = form("leader_posts", as_of=day, region_code="990100")
    expected = ref.leader_posts(world.bureau, day)
    if not any(expected.values()):
        assert not any(r.key == f"unit:{world.bureau.pk}" for r in result.rows)
        return
    cells = row(result, f"unit:{world.bureau.pk}").cells
    assert {k: cells[k] for k in expected} == expected
    assert {k: result.totals[k] for k in expected} == expected


def test_leader_posts_over_and_vacant_per_key(world):
    result = form("leader_posts", as_of=TODAY, unit_id=world.bureau.pk)
    totals = result.totals
    # deputy 2 appointed on 1 post (over 1); township deputy 1 unfilled (vacant 1).
    assert (
        totals["approved"],
        totals["appointed"],
        totals["over"],
        totals["vacant"],
    ) == (
        3,
        3,
        1,
        1,
    )
    assert totals["county_deputy_appointed"] == 2
    assert totals["county_deputy_approved"] == 1
    posts = [r for r in result.rows if r.key.startswith("post:")]
    assert len(posts) == 3
    before = form(
        "leader_posts", as_of=TODAY - dt.timedelta(days=1), unit_id=world.bureau.pk
    )
    assert before.totals["over"] == 0
    assert before.totals["county_deputy_approved"] == 2


def test_ledger_lists_every_movement_of_the_period(world):
    result = form("ledger", as_of=TODAY, region_code="990100")
    in_period = [
        m
        for m in QuotaMovement.objects.all()
        if m.status == "applied" and dt.date(2026, 1, 1) <= m.effective_date <= TODAY
    ]
    assert [r.cells["doc_no"] for r in result.rows] == [m.doc_no for m in in_period]
    assert result.rows[0].cells["target"] == "示例市财政局"
    assert result.rows[0].cells["source"] == "示例市未分配编制"
    assert result.rows[0].drill == {"movement": str(in_period[0].pk)}
    # A wider period: everything since 2020, in date order.
    everything = form(
        "ledger", as_of=TODAY, region_code="990100", period_start=dt.date(2019, 1, 1)
    )
    applied = sorted(
        (m for m in QuotaMovement.objects.all() if m.status == "applied"),
        key=lambda m: (m.effective_date, m.pk),
    )
    assert [r.key for r in everything.rows] == [f"movement:{m.pk}" for m in applied]
    assert everything.totals["amount"] == sum(
        sum(e.amount for e in m.entries.all() if e.amount > 0) for m in applied
    )
    assert everything.totals["doc_no"] == f"共 {len(applied)} 笔"


def test_ledger_unit_selection_and_pending(world):
    bureau = form(
        "ledger", as_of=TODAY, unit_id=world.bureau.pk, period_start=dt.date(2019, 1, 1)
    )
    assert {r.cells["doc_no"] for r in bureau.rows} == {
        "示编〔2020〕2号",
        "示编〔2026〕7号",
    }
    district = form("ledger", as_of=TODAY, region_code="990102", period_start=PAST)
    assert all(r.cells["region"] == "示例区" for r in district.rows)
    # The scheduled grant appears only for a date after the real today.
    later = form(
        "ledger",
        as_of=world.future,
        unit_id=world.other.pk,
        period_start=world.real_today,
    )
    assert [r.cells["status"] for r in later.rows] == ["待生效"]
    now = form("ledger", as_of=world.real_today, unit_id=world.other.pk)
    assert all(r.cells["doc_no"] != "示编〔2026〕9号" for r in now.rows)


def test_unit_usage_shows_pool_loans(world):
    from bianzhi.quota import services as quota

    common = dict(actor=OFFICE, category="administrative", funding="full", today=TODAY)
    quota.quota_pool_fund(
        region=world.city,
        amount=3,
        doc_no="示编〔2026〕10号",
        effective_date=TODAY,
        reason="周转",
        **common,
    )
    quota.quota_loan(
        unit=world.other, amount=2, doc_no="示编〔2026〕11号", effective_date=TODAY,
        due_date=dt.date(2027, 6, 30), reason="借用", **common,
    )  # fmt: skip
    now = form("unit_usage", as_of=TODAY, unit_id=world.other.pk)
    before = form(
        "unit_usage", as_of=TODAY - dt.timedelta(days=1), unit_id=world.other.pk
    )
    assert (now.totals["borrowed"], now.totals["approved"]) == (2, 5)
    assert (before.totals["borrowed"], before.totals["approved"]) == (0, 3)
    overview = form("overview", as_of=TODAY, region_code="990100")
    assert "周转池：行政编制·财政拨款 1 名" in " ".join(overview.notes)
