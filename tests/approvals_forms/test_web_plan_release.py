"""The recruitment plan (rows of lines, the over-quota explanation) and the
release filing through their forms, to the effect, as the real roles."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bianzhi.approvals.models import Request
from bianzhi.core.models import AuditEvent
from bianzhi.documents.models import Document
from bianzhi.quota.models import PlanLine
from bianzhi.roster.models import Posting
from tests.quota.permit_world import ADM, INS, counters, enroll

from .conftest import web

pytestmark = pytest.mark.django_db
PLAN = "/approvals/new/recruitment_plan/"
RELEASE = "/approvals/new/release_filing/"


def _act(actor, req, action="approve", **data):
    req.refresh_from_db()
    data.setdefault("step", req.current_step)
    r = web(actor).post(f"/approvals/{req.pk}/{action}/", data)
    assert r.status_code == 302, r.content.decode()[:2000]


def plan_form(unit, rows, **over) -> dict:
    data = {
        "unit_id": str(unit.pk),
        "year": str(timezone.localdate().year),
        "lines-n": str(len(rows)),
        "note": "",
        "idempotency_key": "plan-1",
        "_op": "submit",
    }
    for i, (category, funding, channel, count) in enumerate(rows):
        data |= {
            f"lines-{i}-category": category,
            f"lines-{i}-funding": funding,
            f"lines-{i}-channel": channel,
            f"lines-{i}-count": str(count),
        }
    return data


def test_plan_with_lines_reserves_on_approval(world):
    w = world
    page = web(w.hr).get(PLAN).content.decode()
    assert 'id="rows-lines"' in page and "增加一行" in page
    r = web(w.hr).post(
        PLAN, plan_form(w.bureau, [(ADM, "full", "exam_recruitment", 2)])
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    req = Request.objects.get(kind="recruitment_plan")
    assert req.payload["lines"] == [
        {
            "account_id": w.adm.pk,
            "category": ADM,
            "funding": "full",
            "channel": "exam_recruitment",
            "count": 2,
        }
    ]
    _act(w.office, req)
    _act(w.leader, req)
    line = PlanLine.objects.get(plan__request_id=req.pk)
    assert (line.count, line.reserved, line.by_credit) == (2, 2, False)
    assert counters(w.adm) == (3, 0, 2)


def test_plan_line_without_account_is_refused_at_the_table(world):
    w = world
    before = Request.objects.count(), AuditEvent.objects.count()
    r = web(w.hr).post(
        PLAN, plan_form(w.bureau, [(INS, "full", "exam_recruitment", 1)])
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert 'id="error-lines"' in page and "没有该编制类型与经费形式的编制账户" in page
    assert (Request.objects.count(), AuditEvent.objects.count()) == before


def test_full_account_is_explained_and_its_plan_refused(world, settings):
    w = world
    settings.ROSTER_PERMITS_REQUIRED = False
    enroll(
        w.school,
        1,
        category=INS,
        channel="公开招聘",
        identity="事业人员",
        post_type="专业技术",
    )
    enroll(
        w.school,
        2,
        category=INS,
        channel="公开招聘",
        identity="事业人员",
        post_type="专业技术",
    )
    page = web(w.school_hr).get(PLAN).content.decode()
    assert 'id="intake-notes"' in page and "无空编" in page
    before = Request.objects.count()
    r = web(w.school_hr).post(
        PLAN, plan_form(w.school, [(INS, "full", "open_recruitment", 1)])
    )
    assert r.status_code in (400, 409)
    assert 'id="error-lines"' in r.content.decode()
    assert "空编0名" in r.content.decode()
    assert Request.objects.count() == before


def test_release_filing_through_the_form(world, settings):
    w = world
    settings.ROSTER_PERMITS_REQUIRED = False
    start = timezone.localdate() - dt.timedelta(days=400)
    posting = enroll(w.bureau, 5, on=start)
    person_id = posting.person_id
    page = web(w.hr).get(RELEASE).content.decode()
    assert f'<option value="{person_id}"' in page  # the unit's people only
    exit_date = timezone.localdate().isoformat()
    data = {
        "unit_id": str(w.bureau.pk),
        "person_id": str(person_id),
        "exit_date": exit_date,
        "reason_code": "resignation",
        "proof": "辞职批复",
        "idempotency_key": "rel-1",
        "_op": "submit",
    }
    bad = web(w.hr).post(RELEASE, data | {"reason_code": "", "idempotency_key": "x"})
    assert bad.status_code == 400 and 'id="error-reason_code"' in bad.content.decode()
    r = web(w.hr).post(RELEASE, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    req = Request.objects.get(kind="release_filing")
    assert req.payload["reason_code"] == "resignation"
    page = web(w.office).get(f"/approvals/{req.pk}/").content.decode()
    assert "逾期备案" in page and "本年逾期出编备案" in page
    _act(w.office, req)
    assert not Posting.objects.filter(
        person_id=person_id, end_date__isnull=True
    ).exists()
    assert Document.objects.filter(kind="stop_pay_notice", subject_id=req.pk).exists()
    page = web(w.hr).get(f"/approvals/{req.pk}/").content.decode()
    assert 'data-kind="stop_pay_notice"' in page
