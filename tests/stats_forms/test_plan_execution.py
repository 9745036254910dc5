"""Form 7 (用编进人计划执行情况): plan lines, permits and the enrollments made
under them, through the real approval workflow (tests/quota/permit_world)."""

from __future__ import annotations

import datetime as dt

import pytest

import bianzhi.stats.forms  # noqa: F401
from bianzhi.quota.models import Permit, PlanLine, RecruitmentPlan
from bianzhi.stats.base import Selection, get
from tests.quota.permit_world import (
    approve,
    enroll,
    make_world,
    permit_walk,
    submit,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def w(db, settings):
    return make_world(settings)


def plan(w, count):
    payload = {
        "year": today().year,
        "lines": [
            {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": count}
        ],
    }
    request = submit("recruitment_plan", w.hr, w.bureau, payload, title="计划")
    approve(w.office, request, "office_review")
    approve(w.leader, request, "leader_approval")
    return RecruitmentPlan.objects.get(request_id=request.pk)


def test_planned_permitted_enrolled(w):
    line = plan(w, 3).lines.get()
    permit = permit_walk(w, count=2, plan_line_id=line.pk)
    enroll(w.bureau, 1, permit=permit)
    day = today()
    result = get("plan_execution").compute(Selection(as_of=day, region_code="990100"))
    row = next(r for r in result.rows if r.key == f"unit:{w.bureau.pk}")
    cells = row.cells
    # Independently: the rows of the plan / permit / posting tables.
    planned = sum(
        PlanLine.objects.filter(plan__unit=w.bureau).values_list("count", flat=True)
    )
    permitted = sum(
        Permit.objects.filter(unit=w.bureau).values_list("count", flat=True)
    )
    enrolled = w.bureau.postings.filter(permit_ref=permit.number).count()
    assert (planned, permitted, enrolled) == (3, 2, 1)
    assert (cells["planned"], cells["permitted"], cells["permitted_in_plan"]) == (
        3,
        2,
        2,
    )
    assert (cells["enrolled"], cells["plan_open"], cells["permit_open"]) == (1, 1, 1)
    assert cells["rate"] == pytest.approx(33.3)
    assert result.totals["planned"] == 3 and result.totals["rate"] == pytest.approx(
        33.3
    )
    school = next(r for r in result.rows if r.key == f"unit:{w.school.pk}")
    assert school.cells["planned"] == 0 and school.cells["rate"] is None
    # The day before anything was approved: nothing (a past date gives past numbers).
    before = get("plan_execution").compute(
        Selection(as_of=day - dt.timedelta(days=1), region_code="990100")
    )
    assert before.totals["planned"] == before.totals["permitted"] == 0
    assert before.totals["enrolled"] == 0
    # A unit selection: the bureau and its school, drilling to the roster.
    mine = get("plan_execution").compute(Selection(as_of=day, unit_id=w.bureau.pk))
    assert [r.key for r in mine.rows] == [f"unit:{w.bureau.pk}", f"unit:{w.school.pk}"]
    assert mine.rows[1].level == 1 and "persons" in mine.rows[0].drill
    assert mine.totals["enrolled"] == 1
