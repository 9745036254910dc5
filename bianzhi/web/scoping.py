"""Scoped reads for pages: everything a page shows passes through accounts.access.

Movements have no unit of their own: a movement is visible when its region's
ledger is in the user's scope, or when one of its legs belongs to a unit in
scope (unit HR sees the movements of their own unit's accounts).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from bianzhi.accounts.access import region_codes_in_scope, units_in_scope
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.quota.models import QuotaAccount, QuotaMovement


def as_of_from(request: HttpRequest) -> tuple[dt.date, bool]:
    """(date, explicit): ?as_of=YYYY-MM-DD, else today. Bad input → DATE_INVALID (400)."""
    raw = request.GET.get("as_of", "").strip()
    if not raw:
        return timezone.localdate(), False
    return parse_date(raw, field="as_of"), True


def scoped_account_ids(user) -> QuerySet:
    """Ids of the unit accounts in the user's scope (for unit-scoped roles)."""
    return QuotaAccount.objects.filter(
        unit__in=units_in_scope(user, Permission.VIEW_ORGS)
    ).values("pk")


def visible_movements_q(user) -> Q | None:
    codes = region_codes_in_scope(user, Permission.VIEW_ORGS)
    condition = Q(region_id__in=codes) if codes else None
    units = units_in_scope(user, Permission.VIEW_ORGS)
    if units.exists():
        unit_condition = Q(entries__account__unit__in=units)
        condition = unit_condition if condition is None else condition | unit_condition
    return condition


def restrict_movements(user, queryset: QuerySet) -> QuerySet:
    condition = visible_movements_q(user)
    if condition is None:
        return queryset.none()
    visible = QuotaMovement.objects.filter(condition).values("pk")
    return queryset.filter(pk__in=visible)


def access_movement(user, movement_id) -> QuotaMovement:
    try:
        pk = int(movement_id)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    movement = restrict_movements(
        user, QuotaMovement.objects.select_related("region", "related")
    ).filter(pk=pk)
    found = movement.first()
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return found
