"""Every write of the approvals engine (DOMAIN §4): create, update, submit,
approve, return, reject, withdraw, joint opinion, and the daily overdue marks.

Each is atomic: load, check (scope 404, role 403, turn 409 — nothing
changed on refusal), the conditional version UPDATE that claims the
transition, the decision row, the step rows (due dates in working days), the
kind's effect on final approval, and exactly one audit event last.

Scope: an actor acts on a request its scope covers (engine.scope_of, a
resolver the accounts app registers); the creator always reaches their own.
Roles: the step's role (kinds.Step.role) acts there; only the creator
submits, corrects and withdraws.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import engine, flow
from .models import Decision, Request
from .review import (  # noqa: F401 - the services API is one module
    request_approve,
    request_opinion,
    request_reject,
    request_return,
    stages_mark_overdue,
)

Status = Request.Status
Action = Decision.Action


def _spec(kind: str):
    if not engine.is_registered(kind):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"未知的审批事项类型：{kind}", field="kind"
        )
    return engine.kind_spec(kind)


def _payload(payload) -> dict:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "申请内容格式不正确", field="payload"
        )
    return audit.jsonable(payload)


def _title(title: str) -> str:
    text = (title or "").strip()
    if not text:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "标题", field="title")
    if len(text) > 200:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "标题过长（200字以内）", field="title"
        )
    return text


def _creator_only(actor: Actor, request: Request, what: str) -> None:
    if not flow.is_creator(actor, request):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, f"仅申请人本人可{what}")


def request_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    region_code: str,
    unit_id: int | None = None,
    subject_type: str = "",
    subject_id: str | int = "",
    payload: dict | None = None,
    idempotency_key: str | None = None,
) -> Request:
    """A draft. The caller (a domain form) copies the subject's unit and region."""
    spec = _spec(kind)
    if actor.role not in spec.submitter_roles:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, f"当前角色不能提出{spec.label}"
        )
    region_code = (region_code or "").strip()
    if not region_code:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "行政区划", field="region_code"
        )
    if len(region_code) > 6:
        raise ApplicationError(
            ErrorCode.REGION_UNKNOWN, region_code, field="region_code"
        )
    if not engine.scope_of(actor).covers(region_code=region_code, unit_id=unit_id):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    with transaction.atomic():
        if idempotency_key:
            existing = Request.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return _same_key(actor, existing)
        request = Request(
            kind=kind,
            title=_title(title),
            region_code=region_code,
            unit_id=unit_id,
            subject_type=subject_type,
            subject_id=str(subject_id),
            payload=_payload(payload),
            idempotency_key=idempotency_key or None,
            created_by_id=actor.user_id,
            created_by_name=actor.name,
            created_by_role=actor.role,
            created_by_scope=actor.scope,
        )
        try:
            with transaction.atomic():
                request.save()
        except IntegrityError:
            # A concurrent create with the same key committed first.
            existing = Request.objects.filter(idempotency_key=idempotency_key).first()
            if existing is None:
                raise
            return _same_key(actor, existing)
        audit.record(
            actor=actor,
            operation="approval_create",
            records=[audit.change(request, None, audit.snapshot(request))],
            summary=flow.summary(request, "草稿"),
        )
    return request


def _same_key(actor: Actor, existing: Request) -> Request:
    if not flow.is_creator(actor, existing):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "提交标识已被使用", field="idempotency_key"
        )
    return existing


def request_update(
    *,
    actor: Actor,
    request_id: int,
    title: str | None = None,
    payload: dict | None = None,
) -> Request:
    """Correct a draft or a returned request (creator only)."""
    with transaction.atomic():
        request = flow.load(request_id)
        flow.check_scope(actor, request)
        _creator_only(actor, request, "修改申请")
        if request.status not in (Status.DRAFT, Status.RETURNED):
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, "仅草稿或退回修改的申请可以修改"
            )
        before = audit.snapshot(request)
        fields = {}
        if title is not None:
            fields["title"] = _title(title)
        if payload is not None:
            fields["payload"] = _payload(payload)
        flow.move(request, expected_step="", **fields)
        audit.record(
            actor=actor,
            operation="approval_update",
            records=[audit.change(request, before, audit.snapshot(request))],
            summary=flow.summary(request, "修改"),
        )
    return request


def request_submit(
    *,
    actor: Actor,
    request_id: int,
    idempotency_key: str | None = None,
    title: str | None = None,
    payload: dict | None = None,
    today: dt.date | None = None,
) -> Request:
    """Submit a draft, or resubmit a returned request (with corrections).

    The same idempotency_key again (a double click, a retried API call)
    returns the request as it is: no second decision, no second event.
    """
    today = flow.today_or(today)
    if idempotency_key:
        done = _submitted_with(idempotency_key, request_id)
        if done is not None:
            return done
    try:
        return _submit(
            actor=actor,
            request_id=request_id,
            idempotency_key=idempotency_key,
            title=title,
            payload=payload,
            today=today,
        )
    except ApplicationError as exc:
        # A concurrent submit with the same key won (seen only now that it
        # has committed): the same answer as if this one came second.
        if idempotency_key and exc.code == ErrorCode.STEP_OUT_OF_TURN:
            done = _submitted_with(idempotency_key, request_id)
            if done is not None:
                return done
        raise


def _submit(
    *,
    actor: Actor,
    request_id: int,
    idempotency_key: str | None,
    title: str | None,
    payload: dict | None,
    today: dt.date,
) -> Request:
    with transaction.atomic():
        request = flow.load(request_id)
        flow.check_scope(actor, request)
        spec = _spec(request.kind)
        _creator_only(actor, request, "提交申请")
        if actor.role not in spec.submitter_roles:
            raise ApplicationError(
                ErrorCode.ROLE_FORBIDDEN, f"当前角色不能提出{spec.label}"
            )
        if request.status not in (Status.DRAFT, Status.RETURNED):
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"该申请{request.get_status_display()}"
            )
        before = audit.snapshot(request)
        if title is not None:
            request.title = _title(title)
        if payload is not None:
            request.payload = _payload(payload)
        request.round += 1
        for check in engine.validators_of(request.kind):
            check(request, actor, today)
        entry = flow.resolve(spec, request, spec.steps[0].name, today)
        fields = {
            "title": request.title,
            "payload": request.payload,
            "round": request.round,
        }
        if not request.serial:
            fields["serial"] = flow.allocate_serial(spec.serial_prefix, today.year)
            fields["submitted_at"] = timezone.now()
        if entry.final:
            fields.update(flow.final_fields())
        else:
            fields.update(flow.entry_fields(entry, Status.SUBMITTED))
        flow.move(request, expected_step="", **fields)
        records = [audit.change(request, before, audit.snapshot(request))]
        records += flow.decide(
            request,
            actor=actor,
            step="",
            action=Action.SUBMIT,
            data={"title": request.title, "payload": request.payload},
            idempotency_key=idempotency_key,
        )
        if entry.final:
            records += flow.apply_effect(request, actor, today)
        else:
            records += flow.open_stage(request, entry, today)
        text = "重新提交" if request.round > 1 else "提交"
        audit.record(
            actor=actor,
            operation="approval_submit",
            records=records,
            summary=flow.summary(request, text),
        )
    return request


def _submitted_with(key: str, request_id) -> Request | None:
    decision = Decision.objects.filter(idempotency_key=key).first()
    if decision is None:
        return None
    if str(decision.request_id) != str(request_id):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "提交标识已被使用", field="idempotency_key"
        )
    return Request.objects.get(pk=decision.request_id)


def request_withdraw(
    *, actor: Actor, request_id: int, comment: str = "", today: dt.date | None = None
) -> Request:
    """The submitter takes the request back, at any point before the end."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = flow.load(request_id)
        flow.check_scope(actor, request)
        _creator_only(actor, request, "撤回申请")
        if request.status in flow.ENDED:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"该申请已{request.get_status_display()}"
            )
        before = audit.snapshot(request)
        step = request.current_step
        flow.move(
            request,
            expected_step=step,
            status=Status.WITHDRAWN,
            current_step="",
            current_role="",
            due_on=None,
            decided_at=timezone.now(),
        )
        records = [audit.change(request, before, audit.snapshot(request))]
        records += flow.close_stage(request, today)
        records += flow.decide(
            request,
            actor=actor,
            step=step,
            action=Action.WITHDRAW,
            comment=(comment or "").strip(),
        )
        audit.record(
            actor=actor,
            operation="approval_withdraw",
            records=records,
            summary=flow.summary(request, "撤回"),
        )
    return request
