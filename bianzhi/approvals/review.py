"""Reviewers' writes: approve, return, reject, joint opinion, overdue marks.

Same shape as services.py (which re-exports these): load, check scope (404),
turn and role (409 / 403, nothing changed), the conditional version UPDATE,
the decision, the step rows, the effect on final approval, one audit event.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import engine, flow
from .kinds import APPROVE, OPINION, REJECT, RETURN
from .models import Decision, JointReview, Request, StepDue

Status = Request.Status
Action = Decision.Action


def request_approve(
    *,
    actor: Actor,
    request_id: int,
    step: str,
    comment: str = "",
    today: dt.date | None = None,
) -> Request:
    """Pass `step` (the step the reviewer saw); the final one applies the effect."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = flow.load(request_id)
        flow.check_acting_scope(actor, request)
        spec = engine.kind_spec(request.kind)
        current = flow.check_turn(actor, request, spec, step, APPROVE)
        for check in engine.step_checks(request.kind):
            check(request, current.name, APPROVE, actor, today)
        target = current.actions[APPROVE]
        records = flow.advance(request, step=current, target=target, today=today)
        records += flow.decide(
            request,
            actor=actor,
            step=step,
            action=Action.APPROVE,
            comment=(comment or "").strip(),
        )
        final = request.status == Status.APPROVED
        if final:
            records += flow.apply_effect(request, actor, today)
        audit.record(
            actor=actor,
            operation="approval_approve",
            records=records,
            summary=flow.summary(
                request, f"{current.label}同意" + ("，批准生效" if final else "")
            ),
        )
    return request


def _end_step(
    *,
    actor: Actor,
    request_id: int,
    step: str,
    comment: str,
    today: dt.date | None,
    action: str,
    status: str,
    what: str,
) -> Request:
    today = flow.today_or(today)
    with transaction.atomic():
        request = flow.load(request_id)
        flow.check_acting_scope(actor, request)
        spec = engine.kind_spec(request.kind)
        current = flow.check_turn(actor, request, spec, step, action)
        comment = flow.require_comment(comment, what)
        before = audit.snapshot(request)
        fields = {
            "status": status,
            "current_step": "",
            "current_role": "",
            "due_on": None,
        }
        if status == Status.REJECTED:
            fields["decided_at"] = timezone.now()
        flow.move(request, expected_step=step, **fields)
        records = [audit.change(request, before, audit.snapshot(request))]
        records += flow.close_stage(request, today)
        records += flow.decide(
            request, actor=actor, step=step, action=action, comment=comment
        )
        audit.record(
            actor=actor,
            operation=f"approval_{action}",
            records=records,
            summary=flow.summary(request, f"{current.label}{what}：{comment}"),
        )
    return request


def request_return(
    *,
    actor: Actor,
    request_id: int,
    step: str,
    comment: str,
    today: dt.date | None = None,
) -> Request:
    """退回修改: back to the submitter with the reviewer's comment."""
    return _end_step(
        actor=actor,
        request_id=request_id,
        step=step,
        comment=comment,
        today=today,
        action=RETURN,
        status=Status.RETURNED,
        what="退回修改",
    )


def request_reject(
    *,
    actor: Actor,
    request_id: int,
    step: str,
    comment: str,
    today: dt.date | None = None,
) -> Request:
    return _end_step(
        actor=actor,
        request_id=request_id,
        step=step,
        comment=comment,
        today=today,
        action=REJECT,
        status=Status.REJECTED,
        what="不予批准",
    )


def request_opinion(
    *,
    actor: Actor,
    request_id: int,
    step: str,
    opinion: str,
    comment: str = "",
    department: str | None = None,
    today: dt.date | None = None,
) -> Request:
    """One partner department's opinion at a joint review. The last one
    required completes the step (whatever the opinions: the next step sees
    them all and decides)."""
    today = flow.today_or(today)
    with transaction.atomic():
        # Opinions of one request queue on its row, so that exactly one of
        # two last opinions arriving together sees none pending and moves on.
        request = flow.load(request_id, lock=True)
        scope = flow.check_acting_scope(actor, request)
        spec = engine.kind_spec(request.kind)
        current = flow.check_turn(actor, request, spec, step, OPINION)
        department = _department(scope, department)
        if opinion not in JointReview.Opinion.values or not opinion:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "意见应为同意、不同意或有条件同意",
                field="opinion",
            )
        comment = (comment or "").strip()
        if opinion != JointReview.Opinion.AGREE:
            comment = flow.require_comment(comment, "不同意或有条件同意")
        stage = flow.open_stage_of(request)
        row = JointReview.objects.filter(stage=stage, department=department).first()
        if row is None:
            raise ApplicationError(
                ErrorCode.ROLE_FORBIDDEN, f"{department}不在本次联审范围"
            )
        if row.opinion:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"{department}已提出意见"
            )
        before_row = audit.snapshot(row)
        row.opinion, row.comment = opinion, comment
        row.actor_id, row.actor_name, row.decided_at = (
            actor.user_id,
            actor.name,
            timezone.now(),
        )
        row.save(
            update_fields=["opinion", "comment", "actor_id", "actor_name", "decided_at"]
        )
        records = [audit.change(row, before_row, audit.snapshot(row))]
        pending = JointReview.objects.filter(stage=stage, opinion="").exists()
        if pending:
            before = audit.snapshot(request)
            flow.move(request, expected_step=step)
            records.insert(0, audit.change(request, before, audit.snapshot(request)))
        else:
            records = (
                flow.advance(request, step=current, target=current.forward, today=today)
                + records
            )
        records += flow.decide(
            request,
            actor=actor,
            step=step,
            action=Action.OPINION,
            comment=comment,
            data={"department": department, "opinion": opinion},
        )
        final = request.status == Status.APPROVED
        if final:
            records += flow.apply_effect(request, actor, today)
        label = JointReview.Opinion(opinion).label
        audit.record(
            actor=actor,
            operation="approval_opinion",
            records=records,
            summary=flow.summary(request, f"{current.label}：{department}{label}"),
        )
    return request


def _department(scope: engine.Scope, department: str | None) -> str:
    """The partner department the actor speaks for (named, or its only one)."""
    if department is None and len(scope.departments) == 1:
        (department,) = scope.departments
    department = (department or "").strip()
    if not department:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "联审部门", field="department")
    if department not in scope.departments:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, f"您不代表{department}提出联审意见"
        )
    return department


def stages_mark_overdue(*, actor: Actor, today: dt.date) -> list[StepDue]:
    """Mark open steps that passed their due date and were not reported yet
    (`bianzhi daily`). One audit event for the whole run; none when nothing is new."""
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    with transaction.atomic():
        stages = list(
            StepDue.objects.select_related("request")
            .filter(completed_at__isnull=True, due_on__lt=today, warned_on__isnull=True)
            .order_by("due_on", "id")
        )
        if not stages:
            return []
        records = []
        for stage in stages:
            before = audit.snapshot(stage)
            stage.warned_on = today
            records.append(audit.change(stage, before, audit.snapshot(stage)))
        StepDue.objects.filter(pk__in=[s.pk for s in stages]).update(warned_on=today)
        audit.record(
            actor=actor,
            operation="approval_overdue_mark",
            records=records,
            summary=f"审批环节逾期提醒 {len(stages)} 个（{today}）",
        )
    return stages
