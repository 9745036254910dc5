"""Form 6 (增减变动): increases by channel, decreases by reason, per period;
moves inside the selection are not changes of it."""

from __future__ import annotations

import datetime as dt

import pytest

import bianzhi.stats.forms  # noqa: F401
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.stats.base import Selection, get
from bianzhi.stats.forms.f06_changes import COLUMNS

from . import expect
from .world import NOW

pytestmark = pytest.mark.django_db
NUMERIC = [c.key for c in COLUMNS if c.kind == "int" and c.key != "net"]


def test_city_and_unit_against_a_plain_count(world):
    w = world
    form = get("changes")
    for selection, units in (
        (
            Selection(as_of=NOW, region_code="990100"),
            set(Unit.objects.values_list("pk", flat=True)),
        ),
        (Selection(as_of=NOW, unit_id=w.bureau.pk), {w.bureau.pk}),
        (Selection(as_of=NOW, unit_id=w.other.pk), {w.other.pk}),
    ):
        result = form.compute(selection)
        assert [r.key for r in result.rows][-1] == "2026-06" and len(result.rows) == 12
        expected = expect.changes(dt.date(2025, 7, 1), NOW, units)
        got = {k: v for k, v in result.totals.items() if k in NUMERIC and v}
        assert got == dict(expected), selection
        assert result.totals["net"] == expected["in_total"] - expected["out_total"]
        for key in NUMERIC + ["net"]:
            assert sum(r.cells[key] for r in result.rows) == result.totals[key]


def test_months_quarters_years(world):
    w = world
    form = get("changes")
    city = Selection(as_of=NOW, region_code="990100")
    months = {r.key: r.cells for r in form.compute(city).rows}
    # January: the district hire in, the resignation out; the transfer of
    # February is inside the city.
    assert (
        months["2026-01"]["in_exam_recruitment"],
        months["2026-01"]["out_resignation"],
    ) == (1, 1)
    assert months["2026-02"]["in_total"] == months["2026-02"]["out_total"] == 0
    # Seen from the bureau the transfer is a decrease, from the audit office an increase.
    bureau = {
        r.key: r.cells
        for r in form.compute(Selection(as_of=NOW, unit_id=w.bureau.pk)).rows
    }
    assert bureau["2026-02"]["out_transfer"] == 1
    other = {
        r.key: r.cells
        for r in form.compute(Selection(as_of=NOW, unit_id=w.other.pk)).rows
    }
    assert other["2026-02"]["in_transfer_in"] == 1
    quarters = form.compute(city, period="quarter")
    assert [r.key for r in quarters.rows] == [
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]
    assert quarters.rows[2].cells["in_total"] == 2  # district hire, judge
    years = form.compute(city, period="year")
    assert [r.key for r in years.rows] == ["2022", "2023", "2024", "2025", "2026"]
    assert years.rows[-1].cells["out_total"] == 1
    # 2024: p1 (March, 考录) and p3 (September); 2022–2023: leaver, p2 (调任).
    assert years.rows[2].cells["in_total"] == 2
    assert years.rows[1].cells["in_appointment_transfer"] == 1
    # A chosen start (Selection.period_start) runs the periods from there.
    since = form.compute(
        Selection(as_of=NOW, region_code="990100", period_start=dt.date(2026, 1, 10))
    )
    assert [r.key for r in since.rows][0] == "2026-01"
    assert since.rows[0].cells["in_total"] == 0  # the district hire was on 5 January
    assert since.rows[0].cells["out_resignation"] == 1
    with pytest.raises(ApplicationError) as info:
        form.compute(city, period="week")
    assert info.value.code == ErrorCode.VALUE_INVALID


def test_the_period_reaches_the_form_from_the_cli_and_the_page(world, tmp_path):
    """`bianzhi stats changes --period quarter` and the page's ?period=year
    break the form down as asked; a bad period is refused with VALUE_INVALID."""
    import json

    from django.core.management import CommandError, call_command

    out = tmp_path / "changes.json"
    call_command(
        "stats", "changes", out=str(out), as_of=NOW.isoformat(), region="990100",
        period="quarter",
    )  # fmt: skip
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 4  # four quarters, not twelve months
    with pytest.raises(CommandError):
        call_command(
            "stats", "changes", out=str(out), as_of=NOW.isoformat(), period="weekly"
        )
    from bianzhi.accounts.stats_scope import selection_for
    from bianzhi.core.roles import Role
    from bianzhi.orgs.models import Region
    from tests.stats.conftest import _user

    city = Region.objects.get(pk="990100")
    office = _user("period-office", Role.OFFICE_ADMIN, region=city)
    picked = selection_for(office, {"region": "990100", "period": "year"})
    assert [r.key for r in get("changes").compute(picked).rows][-1] == "2026"
    with pytest.raises(ApplicationError) as refused:
        get("changes").compute(selection_for(office, {"period": "weekly"}))
    assert refused.value.code == ErrorCode.VALUE_INVALID
