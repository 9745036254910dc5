"""Both quota kinds walked through the approvals engine as the real roles."""

from __future__ import annotations

import pytest

from bianzhi.accounts.approval_actors import payload_rows
from bianzhi.approvals import review, services
from bianzhi.approvals.models import Request
from bianzhi.core.errors import ApplicationError, ErrorCode

from .permit_world import (
    ADM,
    Permit,
    PlanLine,
    RecruitmentPlan,
    approve,
    counters,
    events,
    make_world,
    opinion,
    permit_walk,
    submit,
    today,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, settings):
    return make_world(settings)


def plan_request(w, count=2, **line):
    payload = {
        "year": 2026,
        "lines": [
            {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": count}
            | line
        ],
    }
    return submit("recruitment_plan", w.hr, w.bureau, payload, title="2026年计划")


def test_plan_reserves_and_permit_converts(world):
    w = world
    request = plan_request(w, count=2)
    assert request.current_step == "office_review"
    approve(w.office, request, "office_review")
    assert counters(w.adm) == (3, 0, 0)
    approve(w.leader, request, "leader_approval")
    plan = RecruitmentPlan.objects.get(request_id=request.pk)
    (line,) = plan.lines.all()
    assert (line.count, line.reserved, line.by_credit) == (2, 2, False)
    assert counters(w.adm) == (3, 0, 2)
    (event,) = events("approval_approve")[-1:]
    assert "批准生效" in event.summary
    # The quota-use application converts the plan's reservation: no second one.
    permit = permit_walk(w, count=2, plan_line_id=line.pk)
    assert (permit.count, permit.used, permit.converted) == (2, 0, 2)
    assert counters(w.adm) == (3, 0, 2)
    line.refresh_from_db()
    assert (line.reserved, line.converted) == (0, 2)
    assert permit.plan_line_id == line.pk
    assert permit.number == Request.objects.get(pk=permit.request_id).serial
    assert permit.number.startswith("编准-")
    from bianzhi.quota.permits import reserved_problems

    assert reserved_problems() == []


def test_plan_over_vacancy_refused_at_submit(world):
    w = world
    with pytest.raises(ApplicationError) as info:
        plan_request(w, count=4)
    assert info.value.code == ErrorCode.QUOTA_FULL
    assert "核定3名" in info.value.message and "不足计划4名" in info.value.message


def test_quota_use_with_joint_review_and_audit(world):
    w = world
    request = submit(
        "quota_use",
        w.hr,
        w.bureau,
        {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 1},
    )
    # The request page labels the payload in Chinese (KindSpec.payload_labels).
    rows = dict(payload_rows(request))
    assert rows["编制账户"] == str(w.adm.pk) and rows["进入方式"] == "exam_recruitment"
    # A government department has no supervising-department step.
    assert request.current_step == "office_review"
    approve(w.office, request, "office_review")
    request.refresh_from_db()
    assert request.current_step == "joint_review"
    # The channel's partner is 组织部; 人社局 has nothing to say here.
    with pytest.raises(ApplicationError):
        opinion(w.hrss, request)
    opinion(w.org, request)
    request.refresh_from_db()
    assert request.current_step == "leader_approval"
    approve(w.leader, request, "leader_approval")
    permit = Permit.objects.get(request_id=request.pk)
    assert (permit.channel, permit.count, permit.status) == (
        "exam_recruitment",
        1,
        "active",
    )
    assert counters(w.adm) == (3, 0, 1)
    event = events("approval_approve")[-1]
    tables = {r.get("table") or r.get("model") for r in event.records}
    assert {"quota.Permit", "quota.QuotaAccount"} <= tables, tables


def test_institution_goes_through_supervisor_and_hrss(world):
    w = world
    request = submit(
        "quota_use",
        w.school_hr,
        w.school,
        {"account_id": w.ins.pk, "channel": "open_recruitment", "count": 1},
    )
    assert request.current_step == "supervisor_review"
    approve(w.supervisor, request, "supervisor_review")
    approve(w.office, request, "office_review")
    opinion(w.hrss, request)
    approve(w.leader, request, "leader_approval")
    assert counters(w.ins) == (2, 0, 1)


def test_return_and_resubmit_then_reject(world):
    w = world
    request = plan_request(w, count=1)
    review.request_return(
        actor=w.office, request_id=request.pk, step="office_review", comment="补材料"
    )
    request.refresh_from_db()
    assert request.status == Request.Status.RETURNED
    again = services.request_submit(
        actor=w.hr,
        request_id=request.pk,
        payload={
            "year": 2026,
            "lines": [
                {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 2}
            ],
        },
    )
    assert again.current_step == "office_review" and again.round == 2
    approve(w.office, again, "office_review")
    review.request_reject(
        actor=w.leader, request_id=request.pk, step="leader_approval", comment="不同意"
    )
    request.refresh_from_db()
    assert request.status == Request.Status.REJECTED
    assert not RecruitmentPlan.objects.exists()
    assert not PlanLine.objects.exists()
    assert counters(w.adm) == (3, 0, 0)


def test_wrong_roles_refused(world):
    w = world
    with pytest.raises(ApplicationError) as info:
        submit(
            "quota_use",
            w.office,
            w.bureau,
            {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 1},
        )
    assert info.value.code == ErrorCode.ROLE_FORBIDDEN
    request = plan_request(w, count=1)
    with pytest.raises(ApplicationError):
        approve(w.leader, request, "office_review")
    assert counters(w.adm) == (3, 0, 0)


def test_over_quota_plan_held_to_credits(world, settings):
    from bianzhi.orgs.models import Region
    from bianzhi.quota.models import QuotaAccount

    w = world
    # Arrangement only: the account is full and has earned one credit under
    # N-out-1-in (the release path that earns it is the roster's, tested there).
    Region.objects.filter(code="990100").update(over_quota_policy="n_out_1_in")
    QuotaAccount.objects.filter(pk=w.adm.pk).update(
        occupied=3,
        intake_credits=1,
        credits_year=today().year,
    )
    with pytest.raises(ApplicationError) as info:
        plan_request(w, count=2)
    assert info.value.code == ErrorCode.QUOTA_OVER_NO_INTAKE
    assert "尚可计划1名" in info.value.message
    request = plan_request(w, count=1)
    approve(w.office, request, "office_review")
    approve(w.leader, request, "leader_approval")
    line = PlanLine.objects.get(plan__request_id=request.pk)
    assert (line.by_credit, line.reserved) == (True, 0)
    assert counters(w.adm) == (3, 3, 0)
    assert ADM == w.adm.category_id


def test_plan_lapses_after_its_year(world):
    from bianzhi.approvals import daily
    from bianzhi.core.actor import Actor
    from bianzhi.quota.permits import reserved_problems

    w = world
    request = submit(
        "recruitment_plan",
        w.hr,
        w.bureau,
        {
            "year": today().year - 1,
            "lines": [
                {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 2}
            ],
        },
    )
    approve(w.office, request, "office_review")
    approve(w.leader, request, "leader_approval")
    assert counters(w.adm) == (3, 0, 2)
    assert reserved_problems() == []
    lines = daily.run(actor=Actor.system(), today=today())
    assert any("释放预留2名" in line for line in lines)
    assert counters(w.adm) == (3, 0, 0)
    assert PlanLine.objects.get(plan__request_id=request.pk).reserved == 0
    assert len(events("plan_lapse")) == 1
    assert reserved_problems() == []
    daily.run(actor=Actor.system(), today=today())
    assert len(events("plan_lapse")) == 1


def test_permit_finds_the_plan_line_and_reserves_only_the_rest(world):
    w = world
    request = submit(
        "recruitment_plan",
        w.hr,
        w.bureau,
        {
            "year": today().year,
            "lines": [
                {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 2}
            ],
        },
    )
    approve(w.office, request, "office_review")
    approve(w.leader, request, "leader_approval")
    assert counters(w.adm) == (3, 0, 2)
    # Three asked, two held by the plan: one more vacancy is reserved.
    permit = permit_walk(w, count=3)
    assert (permit.converted, permit.plan_line.reserved) == (2, 0)
    assert counters(w.adm) == (3, 0, 3)
    # A plan line of another channel is not converted.
    with pytest.raises(ApplicationError) as info:
        permit_walk(w, count=1, plan_line_id=permit.plan_line_id, channel="transfer_in")
    assert info.value.code == ErrorCode.VALUE_INVALID
