"""The moving parts the services share: loading and checking a request,
the conditional version UPDATE, opening and closing steps, decisions, serials.

Nothing here starts a transaction or records audit events; services.py does,
around these helpers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role
from bianzhi.core.workdays import DueDate, add_working_days

from . import engine
from .kinds import APPROVED, KindSpec, Step
from .models import Decision, JointReview, Request, SerialCounter, StepDue

OPEN = (Request.Status.SUBMITTED, Request.Status.IN_REVIEW)
ENDED = (Request.Status.APPROVED, Request.Status.REJECTED, Request.Status.WITHDRAWN)
TAKEN = "该环节已由他人处理"


def load(request_id, *, lock: bool = False) -> Request:
    """The request, or OUT_OF_SCOPE (404) when there is none."""
    try:
        pk = int(request_id)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    qs = Request.objects.filter(pk=pk)
    if lock:
        qs = qs.select_for_update()
    request = qs.first()
    if request is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return request


def is_creator(actor: Actor, request: Request) -> bool:
    return actor.user_id is not None and actor.user_id == request.created_by_id


def check_scope(actor: Actor, request: Request) -> engine.Scope:
    """404 for a request outside every scope of the actor (its creator always sees it)."""
    scope = engine.scope_of(actor)
    if not is_creator(actor, request) and not scope.covers(
        region_code=request.region_code, unit_id=request.unit_id
    ):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return scope


def check_acting_scope(actor: Actor, request: Request) -> engine.Scope:
    """A reviewer's action needs the request inside the actor's scope; being
    its creator is enough to see it, not to decide it (a district office's
    matter routed up to the city is decided by the city)."""
    scope = check_scope(actor, request)
    if not scope.covers(region_code=request.region_code, unit_id=request.unit_id):
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "该申请已不在本级办理范围，不能在此环节办理"
        )
    return scope


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def check_turn(
    actor: Actor, request: Request, spec: KindSpec, step: str, action: str
) -> Step:
    """The step the actor may take `action` at, or STEP_OUT_OF_TURN / ROLE_FORBIDDEN."""
    if request.status in ENDED:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN, f"该申请已{request.get_status_display()}"
        )
    if request.status not in OPEN:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            f"该申请{request.get_status_display()}，尚未提交",
        )
    if request.current_step != step:
        handled = Decision.objects.filter(
            request=request, round=request.round, step=step
        ).exists()
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            TAKEN if handled else "该申请当前不在此环节",
            params={"current_step": request.current_step},
        )
    current = spec.step(step)
    if actor.role != current.role:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            f"「{current.label}」环节由{role_label(current.role)}办理",
        )
    if action not in current.actions:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN, f"「{current.label}」环节不可执行此操作"
        )
    return current


def require_comment(comment: str, what: str) -> str:
    text = (comment or "").strip()
    if not text:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, f"{what}须填写意见", field="comment"
        )
    return text


@dataclass
class Entry:
    """Where a request goes when it passes into `target` (after skipping)."""

    step: Step | None  # None: the final approval
    partners: list[str] = field(default_factory=list)
    due: DueDate | None = None

    @property
    def final(self) -> bool:
        return self.step is None


def resolve(spec: KindSpec, request: Request, target: str, today: dt.date) -> Entry:
    """Follow `target`, skipping steps that do not apply (`when` false, or a
    joint review nobody is required for). Pure: writes nothing."""
    while target != APPROVED:
        step = spec.step(target)
        if step.when is not None and not step.when(request):
            target = step.forward
            continue
        partners = step.required_partners(request) if step.joint else []
        if step.joint and not partners:
            target = step.forward
            continue
        return Entry(step, partners, add_working_days(today, step.days))
    return Entry(None)


def move(request: Request, *, expected_step: str, **fields) -> None:
    """The transition itself: UPDATE ... SET version = version + 1 WHERE id = %s
    AND version = %s AND current_step = %s. The loser of a race updates nothing
    and is told the step was handled."""
    fields["updated_at"] = timezone.now()
    updated = Request.objects.filter(
        pk=request.pk, version=request.version, current_step=expected_step
    ).update(version=F("version") + 1, **fields)
    if updated != 1:
        raise ApplicationError(ErrorCode.STEP_OUT_OF_TURN, TAKEN)
    for name, value in fields.items():
        setattr(request, name, value)
    request.version += 1


def entry_fields(entry: Entry, status: str) -> dict:
    """Request fields for waiting at `entry` (which is not final)."""
    assert entry.step is not None and entry.due is not None
    return {
        "status": status,
        "current_step": entry.step.name,
        "current_role": entry.step.role,
        "due_on": entry.due.date,
    }


def open_stage(request: Request, entry: Entry, today: dt.date) -> list[dict]:
    """StepDue row (and pending joint rows) for the step just entered."""
    assert entry.step is not None and entry.due is not None
    stage = StepDue.objects.create(
        request=request,
        round=request.round,
        step=entry.step.name,
        role=entry.step.role,
        started_on=today,
        due_on=entry.due.date,
        due_provisional=entry.due.provisional,
    )
    changes = [audit.change(stage, None, audit.snapshot(stage))]
    for department in entry.partners:
        row = JointReview.objects.create(
            stage=stage, request=request, department=department
        )
        changes.append(audit.change(row, None, audit.snapshot(row)))
    return changes


def close_stage(request: Request, today: dt.date) -> list[dict]:
    """Complete the open step of the request, if any."""
    stage = StepDue.objects.filter(request=request, completed_at__isnull=True).first()
    if stage is None:
        return []
    before = audit.snapshot(stage)
    stage.completed_at, stage.completed_on = timezone.now(), today
    stage.save(update_fields=["completed_at", "completed_on"])
    return [audit.change(stage, before, audit.snapshot(stage))]


def open_stage_of(request: Request) -> StepDue | None:
    return StepDue.objects.filter(request=request, completed_at__isnull=True).first()


def decide(
    request: Request,
    *,
    actor: Actor,
    step: str,
    action: str,
    comment: str = "",
    data: dict | None = None,
    idempotency_key: str | None = None,
) -> list[dict]:
    decision = Decision.objects.create(
        request=request,
        round=request.round,
        step=step,
        action=action,
        actor_id=actor.user_id,
        actor_name=actor.name,
        actor_role=actor.role,
        actor_scope=actor.scope,
        comment=comment,
        data=data or {},
        idempotency_key=idempotency_key or None,
    )
    return [audit.change(decision, None, audit.snapshot(decision))]


def allocate_serial(prefix: str, year: int) -> str:
    """Next number of the year, inside the caller's transaction: the UPDATE
    holds the counter row until commit, and a rollback returns the number."""
    SerialCounter.objects.bulk_create(
        [SerialCounter(prefix=prefix, year=year, last=0)], ignore_conflicts=True
    )
    counter = SerialCounter.objects.filter(prefix=prefix, year=year)
    counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{prefix}-{year}-{last:06d}"


def today_or(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def summary(request: Request, text: str) -> str:
    label = engine.kind_spec(request.kind).label
    return f"{label} {request.serial or '草稿'}「{request.title}」{text}"


def final_fields() -> dict:
    return {
        "status": Request.Status.APPROVED,
        "current_step": "",
        "current_role": "",
        "due_on": None,
        "decided_at": timezone.now(),
    }


def apply_effect(request: Request, actor: Actor, today: dt.date) -> list[dict]:
    """The kind's effect, inside this transaction; its ApplicationError
    propagates and rolls the whole approval back."""
    spec = engine.kind_spec(request.kind)
    effect = engine.effect_of(request.kind)
    if effect is None:
        if spec.effect:
            raise RuntimeError(f"no effect registered for approval kind {spec.kind!r}")
        return []
    return list(effect(request, actor, today) or [])


def advance(request: Request, *, step, target: str, today: dt.date) -> list[dict]:
    """Leave `step` towards `target` (a step or APPROVED): the version UPDATE
    and the stage rows. The caller adds the decision, then the effect."""
    spec = engine.kind_spec(request.kind)
    entry = resolve(spec, request, target, today)
    before = audit.snapshot(request)
    if entry.final:
        move(request, expected_step=step.name, **final_fields())
    else:
        move(
            request,
            expected_step=step.name,
            **entry_fields(entry, Request.Status.IN_REVIEW),
        )
    records = [audit.change(request, before, audit.snapshot(request))]
    records += close_stage(request, today)
    if not entry.final:
        records += open_stage(request, entry, today)
    return records
