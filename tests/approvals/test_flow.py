"""The engine through its services: the happy path, return and resubmit,
reject, withdraw, and the effect in the final approval's transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.approvals import engine, selectors, services
from bianzhi.approvals.models import Decision, JointReview, Request, StepDue
from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs.models import Unit

from .conftest import KIND, TODAY, draft, last_event, refused, state

pytestmark = pytest.mark.django_db
S = Request.Status


def walk_to_joint(w, request, today=TODAY):
    services.request_submit(actor=w.hr, request_id=request.pk, today=today)
    return services.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=today
    )


def test_submit_approve_joint_opinions_final_approval_applies_the_effect(world):
    w = world
    events = AuditEvent.objects.count()
    request = draft(w)
    assert request.status == S.DRAFT and request.serial is None
    assert AuditEvent.objects.count() == events + 1
    assert last_event().operation == "approval_create"

    request = services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    assert request.status == S.SUBMITTED
    assert request.serial == "测试-2026-000001"
    # Not supervised: the supervising department's step is skipped.
    assert (request.current_step, request.current_role) == (
        "office_review",
        "office_admin",
    )
    assert request.due_on == dt.date(2026, 3, 3)  # one working day
    assert last_event().operation == "approval_submit"

    request = services.request_approve(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        comment="符合规定",
        today=TODAY,
    )
    assert request.status == S.IN_REVIEW
    assert request.current_step == "joint_review"
    assert request.due_on == dt.date(2026, 3, 4)  # two working days
    pending = JointReview.objects.filter(request=request, opinion="")
    assert sorted(pending.values_list("department", flat=True)) == ["人社局", "组织部"]

    request = services.request_opinion(
        actor=w.org,
        request_id=request.pk,
        step="joint_review",
        opinion="agree",
        today=TODAY,
    )
    assert request.current_step == "joint_review"  # 人社局 still to give its opinion
    request = services.request_opinion(
        actor=w.hrss,
        request_id=request.pk,
        step="joint_review",
        opinion="conditional",
        comment="须同步调整岗位设置",
        today=TODAY,
    )
    assert request.current_step == "leader_approval"
    assert request.current_role == "office_leader"
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才服务中心"

    before = AuditEvent.objects.count()
    request = services.request_approve(
        actor=w.leader, request_id=request.pk, step="leader_approval", today=TODAY
    )
    assert request.status == S.APPROVED
    assert request.current_step == "" and request.decided_at is not None
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才发展中心"
    # Exactly one event for the final approval, carrying the effect's change.
    assert AuditEvent.objects.count() == before + 1
    event = last_event()
    assert event.operation == "approval_approve"
    models = [r["model"] for r in event.records]
    assert "orgs.Unit" in models and "approvals.Decision" in models
    assert "批准生效" in event.summary

    history = selectors.request_history(request)
    assert [(h.step, h.action) for h in history] == [
        ("", "submit"),
        ("office_review", "approve"),
        ("joint_review", "opinion"),
        ("joint_review", "opinion"),
        ("leader_approval", "approve"),
    ]
    assert history[1].comment == "符合规定" and history[1].step_label == "编办审核"
    assert history[3].data == {"department": "人社局", "opinion": "conditional"}
    stages = list(selectors.request_stages(request, today=TODAY))
    assert [s.step for s in stages] == [
        "office_review",
        "joint_review",
        "leader_approval",
    ]
    assert all(s.completed_at is not None for s in stages)
    assert all(not s.is_overdue for s in stages)
    # Every write was one event; the chain still verifies.
    from bianzhi.core import audit

    assert audit.verify_chain().ok


def test_supervised_request_starts_with_the_supervising_department(world):
    w = world
    request = draft(w, supervised=True)
    request = services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    assert request.current_step == "supervisor_review"
    with refused(ErrorCode.ROLE_FORBIDDEN, "主管部门"):
        services.request_approve(
            actor=w.office, request_id=request.pk, step="supervisor_review", today=TODAY
        )
    request = services.request_approve(
        actor=w.supervisor, request_id=request.pk, step="supervisor_review", today=TODAY
    )
    assert (request.status, request.current_step) == (S.IN_REVIEW, "office_review")


def test_no_partners_skips_the_joint_review(world):
    w = world
    request = draft(w, partners=[])
    request = walk_to_joint(w, request)
    assert request.current_step == "leader_approval"
    assert not JointReview.objects.exists()


def test_return_and_resubmit_keeps_history_and_restarts_at_the_first_step(world):
    w = world
    request = draft(w)
    request = walk_to_joint(w, request)
    for partner in (w.org, w.hrss):
        services.request_opinion(
            actor=partner,
            request_id=request.pk,
            step="joint_review",
            opinion="agree",
            today=TODAY,
        )
    with refused(ErrorCode.FIELD_REQUIRED):
        services.request_return(
            actor=w.leader, request_id=request.pk, step="leader_approval", comment="  "
        )
    request = services.request_return(
        actor=w.leader,
        request_id=request.pk,
        step="leader_approval",
        comment="名称不规范，请按规范表述",
        today=TODAY,
    )
    assert (request.status, request.current_step, request.current_role) == (
        S.RETURNED,
        "",
        "",
    )
    assert not StepDue.objects.filter(
        request=request, completed_at__isnull=True
    ).exists()
    # Only the submitter resubmits; nobody may approve a returned request.
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.request_submit(actor=w.hr2, request_id=request.pk, today=TODAY)
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_approve(
            actor=w.leader, request_id=request.pk, step="leader_approval", today=TODAY
        )
    serial = request.serial
    request = services.request_submit(
        actor=w.hr,
        request_id=request.pk,
        payload={"new_name": "示例市人才交流服务中心", "partners": ["组织部"]},
        today=TODAY,
    )
    assert request.round == 2 and request.serial == serial
    assert (request.status, request.current_step) == (S.SUBMITTED, "office_review")
    assert last_event().summary.endswith("重新提交")
    request = services.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=TODAY
    )
    # The second round's joint review asks only the departments now named.
    assert list(
        JointReview.objects.filter(request=request, opinion="").values_list(
            "department", flat=True
        )
    ) == ["组织部"]
    services.request_opinion(
        actor=w.org,
        request_id=request.pk,
        step="joint_review",
        opinion="agree",
        today=TODAY,
    )
    request = services.request_approve(
        actor=w.leader, request_id=request.pk, step="leader_approval", today=TODAY
    )
    assert request.status == S.APPROVED
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才交流服务中心"
    history = selectors.request_history(request)
    assert [(h.round, h.action) for h in history] == [
        (1, "submit"),
        (1, "approve"),
        (1, "opinion"),
        (1, "opinion"),
        (1, "return"),
        (2, "submit"),
        (2, "approve"),
        (2, "opinion"),
        (2, "approve"),
    ]
    assert history[4].comment == "名称不规范，请按规范表述"
    assert history[0].data["payload"]["new_name"] == "示例市人才发展中心"
    assert history[5].data["payload"]["new_name"] == "示例市人才交流服务中心"


def test_correcting_a_returned_request_before_resubmitting(world):
    w = world
    request = draft(w)
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    services.request_return(
        actor=w.office, request_id=request.pk, step="office_review", comment="补充材料"
    )
    request = services.request_update(
        actor=w.hr,
        request_id=request.pk,
        title="更名申请（补充）",
        payload={"new_name": "新名"},
    )
    assert request.title == "更名申请（补充）" and request.payload == {
        "new_name": "新名"
    }
    assert last_event().operation == "approval_update"
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_update(actor=w.hr, request_id=request.pk, title="再改")


def test_reject_ends_the_request_with_nothing_applied(world):
    w = world
    request = draft(w)
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    with refused(ErrorCode.FIELD_REQUIRED):
        services.request_reject(
            actor=w.office, request_id=request.pk, step="office_review", comment=""
        )
    request = services.request_reject(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        comment="不符合机构编制管理规定",
        today=TODAY,
    )
    assert (request.status, request.current_step) == (S.REJECTED, "")
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才服务中心"
    assert last_event().operation == "approval_reject"
    for call in (
        lambda: services.request_submit(actor=w.hr, request_id=request.pk),
        lambda: services.request_withdraw(actor=w.hr, request_id=request.pk),
        lambda: services.request_approve(
            actor=w.office, request_id=request.pk, step="office_review"
        ),
    ):
        with refused(ErrorCode.STEP_OUT_OF_TURN):
            call()


def test_withdraw_by_the_submitter_only_before_the_end(world):
    w = world
    request = draft(w)
    request = walk_to_joint(w, request)
    with refused(ErrorCode.ROLE_FORBIDDEN, "仅申请人本人"):
        services.request_withdraw(actor=w.hr2, request_id=request.pk)
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.request_withdraw(actor=w.office, request_id=request.pk)
    request = services.request_withdraw(
        actor=w.hr, request_id=request.pk, comment="单位调整方案", today=TODAY
    )
    assert (request.status, request.current_step) == (S.WITHDRAWN, "")
    assert not StepDue.objects.filter(
        request=request, completed_at__isnull=True
    ).exists()
    assert Decision.objects.filter(request=request).last().action == "withdraw"
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_opinion(
            actor=w.org, request_id=request.pk, step="joint_review", opinion="agree"
        )
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_withdraw(actor=w.hr, request_id=request.pk)


def test_a_draft_can_be_withdrawn_and_gets_no_serial(world):
    w = world
    request = draft(w)
    request = services.request_withdraw(actor=w.hr, request_id=request.pk)
    assert request.status == S.WITHDRAWN and request.serial is None
    # The next submission still takes the first number of the year.
    other = draft(w)
    other = services.request_submit(actor=w.hr, request_id=other.pk, today=TODAY)
    assert other.serial == "测试-2026-000001"


def test_effect_refusal_refuses_the_approval_and_changes_nothing(world):
    w = world
    request = draft(w, new_name="示例市人力资源和社会保障局", partners=[])
    walk_to_joint(w, request)
    with refused(ErrorCode.NAME_TAKEN):
        services.request_approve(
            actor=w.leader, request_id=request.pk, step="leader_approval", today=TODAY
        )
    request.refresh_from_db()
    assert (request.status, request.current_step) == (S.IN_REVIEW, "leader_approval")
    # The leader can still decide otherwise.
    services.request_return(
        actor=w.leader,
        request_id=request.pk,
        step="leader_approval",
        comment="名称与现有单位重复",
    )


def test_submit_time_validator_refuses_and_changes_nothing(world):
    w = world
    request = draft(w, new_name="")
    with refused(ErrorCode.FIELD_REQUIRED, "新名称"):
        services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    assert not Request.objects.filter(serial__isnull=False).exists()


def test_live_numbers_come_from_the_registered_function(world):
    request = draft(world)
    assert engine.live_numbers(request) == [
        engine.Number("在编人数", 3, f"/units/{world.centre.pk}/people/")
    ]
    assert engine.live_numbers(Request(kind="unknown")) == []


def test_double_submission_with_the_same_key_is_one_submission(world):
    w = world
    request = draft(w)
    first = services.request_submit(
        actor=w.hr, request_id=request.pk, idempotency_key="form-1", today=TODAY
    )
    before = state()
    again = services.request_submit(
        actor=w.hr, request_id=request.pk, idempotency_key="form-1", today=TODAY
    )
    assert again.pk == first.pk and again.serial == first.serial
    assert state() == before
    assert Decision.objects.filter(request=request, action="submit").count() == 1
    # Without the key a second submit is out of turn; a key used for another
    # request is refused.
    with refused(ErrorCode.STEP_OUT_OF_TURN):
        services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    other = draft(w)
    with refused(ErrorCode.VALUE_INVALID):
        services.request_submit(
            actor=w.hr, request_id=other.pk, idempotency_key="form-1", today=TODAY
        )


def test_double_creation_with_the_same_key_is_one_draft(world):
    w = world
    args = dict(
        kind=KIND,
        title="更名",
        region_code=w.centre.region_id,
        unit_id=w.centre.pk,
        payload={"new_name": "x"},
        idempotency_key="new-1",
    )
    first = services.request_create(actor=w.hr, **args)
    before = state()
    assert services.request_create(actor=w.hr, **args).pk == first.pk
    assert state() == before
    with refused(ErrorCode.VALUE_INVALID):
        services.request_create(actor=w.hr2, **args)


def test_every_write_is_exactly_one_audit_event(world):
    w = world
    calls = []

    def once(operation, call):
        before = AuditEvent.objects.count()
        result = call()
        assert AuditEvent.objects.count() == before + 1, operation
        assert last_event().operation == operation
        calls.append(operation)
        return result

    request = once("approval_create", lambda: draft(w))
    pk = request.pk
    once(
        "approval_update",
        lambda: services.request_update(actor=w.hr, request_id=pk, title="改"),
    )
    once("approval_submit", lambda: services.request_submit(actor=w.hr, request_id=pk))
    once(
        "approval_return",
        lambda: services.request_return(
            actor=w.office, request_id=pk, step="office_review", comment="补正"
        ),
    )
    once("approval_submit", lambda: services.request_submit(actor=w.hr, request_id=pk))
    once(
        "approval_approve",
        lambda: services.request_approve(
            actor=w.office, request_id=pk, step="office_review"
        ),
    )
    once(
        "approval_opinion",
        lambda: services.request_opinion(
            actor=w.org, request_id=pk, step="joint_review", opinion="agree"
        ),
    )
    once(
        "approval_withdraw",
        lambda: services.request_withdraw(actor=w.hr, request_id=pk),
    )
    other = draft(w)
    services.request_submit(actor=w.hr, request_id=other.pk)
    once(
        "approval_reject",
        lambda: services.request_reject(
            actor=w.office, request_id=other.pk, step="office_review", comment="不符合"
        ),
    )
    event = last_event()
    assert event.actor_name == "编办审核员" and event.role == "office_admin"
    assert "不予批准：不符合" in event.summary


def test_decisions_are_append_only(world):
    request = draft(world)
    services.request_submit(actor=world.hr, request_id=request.pk, today=TODAY)
    decision = Decision.objects.get(request=request)
    decision.comment = "改写历史"
    with pytest.raises(RuntimeError):
        decision.save()
    with pytest.raises(RuntimeError):
        decision.delete()
    assert Decision.objects.get(request=request).comment == ""


def test_a_kind_naming_an_effect_nobody_registered_cannot_end_silently(world):
    w = world
    request = draft(w, partners=[])
    walk_to_joint(w, request)
    engine._effects.pop(KIND)
    with pytest.raises(RuntimeError):
        services.request_approve(
            actor=w.leader, request_id=request.pk, step="leader_approval", today=TODAY
        )
    request.refresh_from_db()
    assert request.status == S.IN_REVIEW
