"""Reads of quota-use permits (用编核准) for the permit list, its detail page
and the API: what each unit holds, how much is left, how it is backed.

The status a reader sees is the permit's state on `today`: an active permit
past its validity shows as expired before the daily job (or the lazy expiry
of quota.permits.permits_current) has written it — reads write nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import Permit

STATES = ("active", "exhausted", "expired", "cancelled")


def state_on(permit: Permit, today: dt.date) -> str:
    if permit.status == Permit.Status.ACTIVE and permit.valid_until < today:
        return Permit.Status.EXPIRED
    return permit.status


def _state_q(state: str, today: dt.date) -> Q:
    if state == Permit.Status.ACTIVE:
        return Q(status=state, valid_until__gte=today)
    if state == Permit.Status.EXPIRED:
        return Q(status=state) | Q(status=Permit.Status.ACTIVE, valid_until__lt=today)
    return Q(status=state)


@dataclass(frozen=True)
class PermitFilter:
    state: str = ""  # one of STATES, "" = all
    channel: str = ""
    backing: str = ""  # "vacancy" | "credit" | ""
    text: str = ""  # permit number, unit name or document number
    unit_id: int | None = None

    @classmethod
    def from_params(cls, params, *, default_state: str = "") -> PermitFilter:
        """From a page's or the API's query string; unknown values select all."""
        state = params.get("state", default_state)
        backing = params.get("backing", "")
        unit = str(params.get("unit", ""))
        return cls(
            state=state if state in STATES else "",
            channel=str(params.get("channel", ""))[:30],
            backing=backing if backing in ("vacancy", "credit") else "",
            text=str(params.get("q", "")).strip()[:60],
            unit_id=int(unit) if unit.isdigit() else None,
        )


def permits_in(units: QuerySet, selected: PermitFilter, today: dt.date) -> QuerySet:
    """The permits of `units` (the reader's scope), newest first."""
    qs = Permit.objects.filter(unit__in=units).select_related(
        "unit", "account__category"
    )
    if selected.unit_id:
        qs = qs.filter(unit_id=selected.unit_id)
    if selected.state in STATES:
        qs = qs.filter(_state_q(selected.state, today))
    if selected.channel:
        qs = qs.filter(channel=selected.channel)
    if selected.backing:
        qs = qs.filter(by_credit=selected.backing == "credit")
    if selected.text:
        qs = qs.filter(
            Q(number__icontains=selected.text)
            | Q(unit__name__icontains=selected.text)
            | Q(doc_no__icontains=selected.text)
        )
    return qs.order_by("-valid_from", "-pk")


def state_counts(units: QuerySet, today: dt.date) -> dict[str, int]:
    """How many permits of `units` are in each state on `today` (one query)."""
    found = Permit.objects.filter(unit__in=units).aggregate(
        **{state: Count("pk", filter=_state_q(state, today)) for state in STATES}
    )
    return {state: found[state] or 0 for state in STATES}
