"""The quota part of `bianzhi daily`: scheduled movements and overdue loans.

Idempotent. Each due pending movement is applied in its own transaction under
its row lock (PENDING → APPLIED), so two runs at the same time never apply
one twice. One that would now break a rule is FLAGGED with the reason instead.
An overdue loan is a warning only (DOMAIN §3.2): nothing is returned by force.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError

from . import ledger, rules
from .models import Loan, QuotaMovement


def _label(movement: QuotaMovement) -> str:
    return (
        f"第{movement.pk}号{movement.get_kind_display()}"
        f"（{movement.doc_no}，{movement.effective_date}生效）"
    )


def run_one(movement_id: int, *, actor: Actor, today: dt.date) -> str | None:
    with transaction.atomic():
        try:
            with transaction.atomic():
                result = ledger.apply_pending(movement_id, today=today)
        except ApplicationError as exc:
            flagged = ledger.flag_pending(movement_id, exc.message)
            if flagged is None:
                return None
            movement, changes = flagged
            audit.record(
                actor=actor,
                operation="quota_movement_flag",
                records=changes,
                doc_no=movement.doc_no,
                summary=f"到期未能入账 {_label(movement)}：{exc.message}",
            )
            return f"未能入账：{_label(movement)}：{exc.message}"
        if result is None:
            return None
        movement, changes = result
        audit.record(
            actor=actor,
            operation="quota_movement_apply",
            records=changes,
            doc_no=movement.doc_no,
            summary=f"到期入账 {_label(movement)}",
        )
        return f"已入账：{_label(movement)}"


def run(*, actor: Actor, today: dt.date | None = None) -> list[str]:
    rules.check_office(actor.is_office)
    today = today or timezone.localdate()
    lines: list[str] = []
    due = list(
        QuotaMovement.objects.filter(
            status=QuotaMovement.Status.PENDING, effective_date__lte=today
        )
        .order_by("effective_date", "id")
        .values_list("id", flat=True)
    )
    for movement_id in due:
        line = run_one(movement_id, actor=actor, today=today)
        if line:
            lines.append(line)
    if not lines:
        lines.append("没有到期的待生效编制变动")
    overdue = Loan.objects.filter(outstanding__gt=0, due_date__lt=today).count()
    if overdue:
        lines.append(f"提醒：周转池借用已到期未归还{overdue}笔（不强制归还）")
    return lines
