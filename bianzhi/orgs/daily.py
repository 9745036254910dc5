"""`bianzhi daily` for orgs: apply the unit changes that have fallen due.

Each due change is applied in its own transaction (services.unit_change_apply),
in date order, so one change that now breaks a rule is flagged without holding
up the others. Running it twice does nothing the second time.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bianzhi.core.actor import Actor

from . import rules, services
from .models import UnitChange


def run(*, actor: Actor, today: dt.date | None = None) -> list[str]:
    rules.require_office(actor)
    today = today or timezone.localdate()
    due = (
        UnitChange.objects.filter(
            status=UnitChange.Status.PENDING, effective_date__lte=today
        )
        .order_by("effective_date", "id")
        .values_list("id", flat=True)
    )
    messages = []
    for change_id in list(due):
        message = services.unit_change_apply(
            actor=actor, change_id=change_id, today=today
        )
        if message:
            messages.append(message)
    return messages
