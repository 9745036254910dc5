"""What is new for me in 审批 (issue 5 item 5): the events since the user last
looked, and marking them seen.

Events (newest first, each linking to its request):
  decided   a decision by someone else on a request I created (returned,
            rejected, approved — the final approval says 已批准 — or a step
            passed, a joint opinion given);
  waiting   a request that entered my inbox (moved to a step I act at);
  overdue   a request in my inbox whose step became overdue.

"Since" is NoticeSeen.seen_at (one row per user, kept across sessions);
never looked: the last 30 days. The caller passes the user's inbox (a
queryset over the user's reviewing assignments, accounts.approval_actors),
so the engine needs no knowledge of accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import engine
from .kinds import APPROVE, APPROVED
from .models import Decision, NoticeSeen, Request

NEVER_SEEN_DAYS = 30
LIMIT = 50


@dataclass(frozen=True)
class Notice:
    at: dt.datetime
    event: str  # decided / waiting / overdue
    request_id: int
    serial: str
    title: str
    text: str  # Chinese, e.g. "编办审核 退回修改：请补充材料"


def seen_at(user_id: int | None) -> dt.datetime:
    row = NoticeSeen.objects.filter(user_id=user_id).first() if user_id else None
    if row is not None:
        return row.seen_at
    return timezone.now() - dt.timedelta(days=NEVER_SEEN_DAYS)


def _decided(user_id: int, since: dt.datetime) -> list[Notice]:
    rows = (
        Decision.objects.filter(request__created_by_id=user_id, created_at__gt=since)
        .exclude(actor_id=user_id)
        .exclude(action__in=[Decision.Action.SUBMIT, Decision.Action.WITHDRAW])
        .select_related("request")
        .order_by("-id")[:LIMIT]
    )
    out = []
    for d in rows:
        r = d.request
        step = engine.step_label(r.kind, d.step) if d.step else ""
        text = f"{step} {d.actor_name} {d.get_action_display()}".strip()
        if d.comment:
            text += f"：{d.comment}"
        if d.action == Decision.Action.APPROVE and _final(r.kind, d.step):
            text += "（已批准）"
        out.append(Notice(d.created_at, "decided", r.pk, r.serial or "", r.title, text))
    return out


def _final(kind: str, step: str) -> bool:
    """Approving `step` is the final approval of the kind."""
    if not engine.is_registered(kind):
        return False
    spec = engine.kind_spec(kind)
    return spec.has_step(step) and spec.step(step).actions.get(APPROVE) == APPROVED


def _waiting(inbox: QuerySet[Request], since: dt.datetime, today) -> list[Notice]:
    out = []
    for r in inbox.filter(updated_at__gt=since).order_by("-updated_at")[:LIMIT]:
        step = engine.step_label(r.kind, r.current_step)
        out.append(
            Notice(r.updated_at, "waiting", r.pk, r.serial or "", r.title, f"待{step}")
        )
    became = inbox.filter(due_on__lt=today, due_on__gte=since.date())
    for r in became.order_by("-due_on")[:LIMIT]:
        step = engine.step_label(r.kind, r.current_step)
        at = timezone.make_aware(
            dt.datetime.combine(r.due_on + dt.timedelta(days=1), dt.time())
        )
        out.append(
            Notice(
                at,
                "overdue",
                r.pk,
                r.serial or "",
                r.title,
                f"{step}已超期（期限{r.due_on}）",
            )
        )
    return out


def notices(
    user_id: int | None,
    inbox: QuerySet[Request],
    *,
    since: dt.datetime | None = None,
    today: dt.date | None = None,
) -> list[Notice]:
    if user_id is None:
        return []
    since = since or seen_at(user_id)
    today = today or timezone.localdate()
    found = _decided(user_id, since) + _waiting(inbox, since, today)
    found.sort(key=lambda n: (n.at, n.request_id), reverse=True)
    return found[:LIMIT]


def notices_mark_seen(*, actor: Actor, at: dt.datetime | None = None) -> NoticeSeen:
    """Everything up to now is seen (the user opened the list and said so)."""
    if actor.user_id is None:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    at = at or timezone.now()
    with transaction.atomic():
        row = (
            NoticeSeen.objects.select_for_update().filter(user_id=actor.user_id).first()
        )
        before = None
        if row is None:
            try:
                with transaction.atomic():
                    row = NoticeSeen.objects.create(user_id=actor.user_id, seen_at=at)
            except IntegrityError:
                # A concurrent first look of the same user committed first.
                row = NoticeSeen.objects.select_for_update().get(user_id=actor.user_id)
        if row.seen_at != at:
            before = audit.snapshot(row)
            row.seen_at = at
            row.save(update_fields=["seen_at"])
        audit.record(
            actor=actor,
            operation="approval_notices_seen",
            records=[audit.change(row, before, audit.snapshot(row))],
            summary="审批消息已读",
        )
    return row
