"""Reads of the approvals engine: inboxes, my requests, history, overdue steps.

Every list is scoped by engine.scope_of(actor) (the resolver accounts
registers). The inbox is one query on the (status, current_role, region /
unit) indexes; the due date and overdue flag come from the request row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import engine, flow
from .models import Decision, JointReview, Request, StepDue

OPEN = flow.OPEN


def _with_overdue(qs: QuerySet[Request], today: dt.date) -> QuerySet[Request]:
    return qs.annotate(
        is_overdue=Case(
            When(due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def inbox(actor: Actor, *, today: dt.date | None = None) -> QuerySet[Request]:
    """Requests waiting for the actor's role inside its scope, most urgent first.

    At a joint review a partner sees only the requests whose opinion from a
    department it speaks for is still missing. Rows carry `is_overdue`.
    """
    today = today or timezone.localdate()
    scope = engine.scope_of(actor)
    qs = Request.objects.filter(status__in=OPEN, current_role=actor.role).filter(
        scope.q()
    )
    joint = _joint_steps(actor.role)
    if joint:
        # Pending opinions exist only while a request waits at a joint step
        # (they are created when it opens and it moves on when none is left),
        # so only requests at such a step need the test — and the other
        # roles' inboxes none at all (the subquery per row was most of the
        # inbox's time with 10,000 requests).
        mine = JointReview.objects.filter(
            opinion="",
            stage__completed_at__isnull=True,
            department__in=sorted(scope.departments),
        ).values("request_id")
        if _only_joint(actor.role):
            qs = qs.filter(pk__in=mine)
        else:
            qs = qs.filter(~joint | Q(pk__in=mine))
    return _with_overdue(qs, today).order_by("due_on", "id")


def _only_joint(role: str) -> bool:
    """The role acts at joint-review steps only (the partner reviewers)."""
    steps = [s for spec in engine.kinds().values() for s in spec.steps]
    return all(s.joint for s in steps if s.role == role)


def _joint_steps(role: str) -> Q | None:
    """Requests at a joint-review step where `role` acts (None: there is none)."""
    condition = None
    for kind, spec in engine.kinds().items():
        names = [s.name for s in spec.steps if s.joint and s.role == role]
        if names:
            here = Q(kind=kind, current_step__in=names)
            condition = here if condition is None else condition | here
    return condition


def my_requests(actor: Actor, *, today: dt.date | None = None) -> QuerySet[Request]:
    """What the actor created, newest activity first (returned ones need them)."""
    today = today or timezone.localdate()
    if actor.user_id is None:
        return Request.objects.none()
    qs = Request.objects.filter(created_by_id=actor.user_id)
    return _with_overdue(qs, today).order_by("-updated_at", "-id")


def visible(actor: Actor, *, today: dt.date | None = None) -> QuerySet[Request]:
    """Every request in the actor's scope (drafts only to their creators)."""
    today = today or timezone.localdate()
    scope = engine.scope_of(actor)
    condition = scope.q() & ~Q(status=Request.Status.DRAFT)
    if actor.user_id is not None:
        condition |= Q(created_by_id=actor.user_id)
    return _with_overdue(Request.objects.filter(condition), today)


def request_for(actor: Actor, request_id) -> Request:
    """Fetch one request the actor may see, else OUT_OF_SCOPE (404)."""
    request = flow.load(request_id)
    if request.status == Request.Status.DRAFT and not flow.is_creator(actor, request):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    flow.check_scope(actor, request)
    return request


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    round: int
    step: str
    step_label: str
    action: str
    action_label: str
    actor_name: str
    actor_role: str
    comment: str
    data: dict


def request_history(request: Request) -> list[HistoryEntry]:
    """Every decision in order, all rounds kept (a returned and resubmitted
    request shows the reviewer's comment and what was submitted each time)."""
    return [
        HistoryEntry(
            at=d.created_at,
            round=d.round,
            step=d.step,
            step_label=engine.step_label(request.kind, d.step) if d.step else "",
            action=d.action,
            action_label=d.get_action_display(),
            actor_name=d.actor_name,
            actor_role=d.actor_role,
            comment=d.comment,
            data=d.data,
        )
        for d in Decision.objects.filter(request=request).order_by("id")
    ]


def request_stages(
    request: Request, *, today: dt.date | None = None
) -> QuerySet[StepDue]:
    """The steps visited with start, due and completion dates, and `is_overdue`
    (open and past due, or completed after the due date)."""
    today = today or timezone.localdate()
    return (
        StepDue.objects.filter(request=request)
        .annotate(
            is_overdue=Case(
                When(completed_at__isnull=True, due_on__lt=today, then=Value(True)),
                When(completed_on__gt=F("due_on"), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .prefetch_related("joint_reviews")
        .order_by("id")
    )


def joint_opinions(request: Request) -> QuerySet[JointReview]:
    """The opinions of the request's current (or last) joint review."""
    return JointReview.objects.filter(request=request).order_by("-stage_id", "id")


def overdue(today: dt.date | None = None) -> QuerySet[StepDue]:
    """Open steps past their due date, oldest first."""
    today = today or timezone.localdate()
    return (
        StepDue.objects.filter(completed_at__isnull=True, due_on__lt=today)
        .select_related("request")
        .order_by("due_on", "id")
    )
