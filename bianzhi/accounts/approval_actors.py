"""Who a user acts as in the approvals engine (shared by the web pages and the API).

A user may hold several role assignments; the engine acts for one Actor
(role + scope) at a time. For the inbox every assignment whose role acts at
some step of a registered kind contributes; for an action we pick the
assignment the step asks for (its role, covering the request), else the one
that created it (submit, withdraw), else any — the engine then answers with
the right refusal (404 out of scope, 409 out of turn, 403 wrong role), and
nothing changes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.utils import timezone

from bianzhi.approvals import engine, flow, selectors, services
from bianzhi.approvals.models import Decision, JointReview, Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.privacy import mask_ids

from .access import actor_from, assignments

ACTIONS = ("submit", "approve", "return", "reject", "withdraw", "opinion")
REVIEW_ACTIONS = frozenset({"approve", "return", "reject", "opinion"})
SEEN_KEY = "approvals_mine_seen"


def step_roles() -> set[str]:
    return {s.role for spec in engine.kinds().values() for s in spec.steps}


def submitter_roles() -> set[str]:
    return {r for spec in engine.kinds().values() for r in spec.submitter_roles}


def actors(user) -> list[Actor]:
    return [actor_from(user, a) for a in assignments(user)]


def reviewer_actors(user) -> list[Actor]:
    roles = step_roles()
    return [a for a in actors(user) if a.role in roles]


def submits(user) -> bool:
    roles = submitter_roles()
    return any(a.role in roles for a in assignments(user))


def takes_part(user) -> bool:
    roles = step_roles() | submitter_roles()
    return any(a.role in roles for a in assignments(user))


def new_key() -> str:
    return uuid.uuid4().hex


def _overdue(qs: QuerySet[Request], today: dt.date) -> QuerySet[Request]:
    return qs.annotate(
        is_overdue=Case(
            When(due_on__lt=today, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def inbox(user, *, today: dt.date | None = None) -> QuerySet[Request]:
    """Union of the inboxes of the user's reviewing assignments."""
    today = today or timezone.localdate()
    found = [selectors.inbox(a, today=today) for a in reviewer_actors(user)]
    if not found:
        return Request.objects.none()
    if len(found) == 1:
        return found[0]
    condition = Q(pk__in=[])
    for qs in found:
        condition |= Q(pk__in=qs.values("pk"))
    return _overdue(Request.objects.filter(condition), today).order_by("due_on", "id")


def my_requests(user) -> QuerySet[Request]:
    return _overdue(
        Request.objects.filter(created_by_id=user.pk), timezone.localdate()
    ).order_by("-updated_at", "-id")


def completed(user) -> QuerySet[Request]:
    """Requests the user decided (approved, returned, rejected, gave an opinion)."""
    mine = Decision.objects.filter(actor_id=user.pk).exclude(
        action__in=[Decision.Action.SUBMIT, Decision.Action.WITHDRAW]
    )
    return _overdue(
        Request.objects.filter(pk__in=mine.values("request_id")), timezone.localdate()
    ).order_by("-updated_at", "-id")


def news_count(user, seen: str | None) -> int:
    """My requests with a decision by someone else since I last looked."""
    since = None
    if seen:
        try:
            since = dt.datetime.fromisoformat(seen)
        except ValueError:
            since = None
    if since is None:
        # Never looked in this session: the last 30 days count as new.
        since = timezone.now() - dt.timedelta(days=30)
    return (
        Decision.objects.filter(request__created_by_id=user.pk, created_at__gt=since)
        .exclude(actor_id=user.pk)
        .values("request_id")
        .distinct()
        .count()
    )


def visible_request(user, request_id) -> tuple[Request, list[Actor]]:
    """The request if any assignment of the user may see it (else 404)."""
    seen_by: list[Actor] = []
    found = None
    for actor in actors(user):
        try:
            found = selectors.request_for(actor, request_id)
        except ApplicationError as exc:
            if exc.code != ErrorCode.OUT_OF_SCOPE:
                raise
            continue
        seen_by.append(actor)
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return found, seen_by


def acting_actor(user, request: Request, action: str, step: str = "") -> Actor:
    """The assignment to act with (see the module docstring)."""
    mine = actors(user)
    if not mine:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    covering = [
        a
        for a in mine
        if engine.scope_of(a).covers(
            region_code=request.region_code, unit_id=request.unit_id
        )
    ]
    if action in REVIEW_ACTIONS:
        role = ""
        if engine.is_registered(request.kind):
            spec = engine.kind_spec(request.kind)
            name = step or request.current_step
            if spec.has_step(name):
                role = spec.step(name).role
        for a in covering:
            if a.role == role:
                return a
        return covering[0] if covering else mine[0]
    for a in mine:
        if (a.role, a.scope) == (request.created_by_role, request.created_by_scope):
            return a
    return covering[0] if covering else mine[0]


def perform(user, request: Request, action: str, data) -> Request:
    """Run one action from a form or an API body (keys: step, comment,
    opinion, department, idempotency_key)."""
    if action not in ACTIONS:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "未知的操作", field="action")
    step = str(data.get("step") or "")
    comment = str(data.get("comment") or "")
    actor = acting_actor(user, request, action, step)
    rid = request.pk
    if action == "submit":
        return services.request_submit(
            actor=actor,
            request_id=rid,
            idempotency_key=(str(data.get("idempotency_key") or "") or None),
        )
    if action == "withdraw":
        return services.request_withdraw(actor=actor, request_id=rid, comment=comment)
    if action == "approve":
        return services.request_approve(
            actor=actor, request_id=rid, step=step, comment=comment
        )
    if action == "return":
        return services.request_return(
            actor=actor, request_id=rid, step=step, comment=comment
        )
    if action == "reject":
        return services.request_reject(
            actor=actor, request_id=rid, step=step, comment=comment
        )
    return services.request_opinion(
        actor=actor,
        request_id=rid,
        step=step,
        opinion=str(data.get("opinion") or ""),
        comment=comment,
        department=(str(data.get("department") or "") or None),
    )


def available_actions(user, request: Request, seen_by: list[Actor]) -> list[str]:
    """What the user may do now (the forms shown); the engine still decides."""
    out: list[str] = []
    creator = request.created_by_id == user.pk
    status = request.status
    if creator and status in (Request.Status.DRAFT, Request.Status.RETURNED):
        out.append("submit")
    if creator and status not in flow.ENDED:
        out.append("withdraw")
    if status in selectors.OPEN and engine.is_registered(request.kind):
        spec = engine.kind_spec(request.kind)
        step = spec.step(request.current_step)
        if any(a.role == step.role for a in seen_by):
            if step.joint:
                departments = set()
                for a in seen_by:
                    if a.role == step.role:
                        departments |= engine.scope_of(a).departments
                pending = JointReview.objects.filter(
                    request=request,
                    opinion="",
                    stage__completed_at__isnull=True,
                    department__in=sorted(departments),
                ).exists()
                if pending:
                    out.append("opinion")
            else:
                out += [a for a in ("approve", "return", "reject") if a in step.actions]
    return out


def payload_rows(request: Request) -> list[tuple[str, str]]:
    """The payload as (label, value), labelled by the kind's payload_labels
    (an unknown key shows as itself)."""
    labels = {}
    if engine.is_registered(request.kind):
        labels = engine.kind_spec(request.kind).payload_labels
    rows = []
    # ID numbers never show in full here (the audited reveal is on the person's
    # page): a filing's persons carry them in its payload.
    for key, value in mask_ids(request.payload or {}).items():
        rows.append((labels.get(key, key), _shown(value, labels)))
    return rows


def _shown(value, labels: dict[str, str]) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "；".join(
            f"{labels.get(k, k)}：{_shown(v, labels)}" for k, v in value.items()
        )
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            # Rows (a filing's persons, a plan's lines): one line each.
            return "\n".join(_shown(v, labels) for v in value)
        return "、".join(_shown(v, labels) for v in value)
    return str(value)
