"""Reads for the unit self-service portal and the office's review of
field-change requests (信息变更申请)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount

from .models import FieldChangeRequest, FieldChangeStatus, LockedField, Posting
from .selectors import in_force

# Late filings older than this are history, not a to-do.
LATE_RELEASE_WINDOW = dt.timedelta(days=365)


def unit_postings(
    unit: Unit,
    *,
    as_of: dt.date | None = None,
    q: str = "",
    account_id: int | None = None,
) -> QuerySet[Posting]:
    """The unit's people in post on `as_of`, filtered by name / initials / account."""
    day = as_of or timezone.localdate()
    postings = Posting.objects.filter(in_force(day), unit=unit)
    if account_id:
        postings = postings.filter(account_id=account_id)
    q = (q or "").strip()
    if q:
        postings = postings.filter(
            Q(person__name__contains=q) | Q(person__name_pinyin_initials=q.lower())
        )
    return postings.select_related("person", "account__category").order_by(
        "account__category__sort_order", "account__funding", "person__name", "pk"
    )


def requests_for_units(
    unit_ids: Iterable[int] | QuerySet,
    *,
    status: str = "",
    field: str = "",
) -> QuerySet[FieldChangeRequest]:
    requests = FieldChangeRequest.objects.filter(unit_id__in=unit_ids)
    if status:
        requests = requests.filter(status=status)
    if field:
        requests = requests.filter(field=field)
    return requests.select_related("person", "unit").order_by("-requested_at", "-pk")


def status_counts(unit_ids: Iterable[int] | QuerySet) -> dict[str, int]:
    counts = dict.fromkeys(FieldChangeStatus.values, 0)
    rows = (
        FieldChangeRequest.objects.filter(unit_id__in=unit_ids)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def pending_by_unit(unit_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        FieldChangeRequest.objects.filter(
            unit_id__in=list(unit_ids), status=FieldChangeStatus.PENDING
        )
        .values_list("unit_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return dict(rows)


def pending_by_field(person_id: int) -> dict[str, FieldChangeRequest]:
    """The person's pending requests, one per field at most."""
    return {
        r.field: r
        for r in FieldChangeRequest.objects.filter(
            person_id=person_id, status=FieldChangeStatus.PENDING
        )
    }


def late_releases(unit: Unit, *, today: dt.date | None = None) -> QuerySet[Posting]:
    """Releases of the last year filed after the 10-working-day window."""
    today = today or timezone.localdate()
    return (
        Posting.objects.filter(
            unit=unit, late_release=True, end_date__gte=today - LATE_RELEASE_WINDOW
        )
        .select_related("person", "account__category")
        .order_by("-end_date", "-pk")
    )


def past_retirement(unit: Unit) -> QuerySet[Posting]:
    """People in post who were loaded already past their retirement date."""
    return (
        Posting.objects.filter(
            unit=unit, end_date__isnull=True, flagged_past_retirement=True
        )
        .select_related("person")
        .order_by("person__name")
    )


def account_choices(unit: Unit) -> list[QuotaAccount]:
    return list(
        QuotaAccount.objects.filter(unit=unit)
        .select_related("category")
        .order_by("category__sort_order", "funding")
    )


def target_account(request: FieldChangeRequest) -> QuotaAccount | None:
    if request.field != LockedField.ACCOUNT:
        return None
    try:
        pk = int(request.new_value)
    except ValueError:
        return None
    return (
        QuotaAccount.objects.select_related("category", "region")
        .filter(pk=pk, unit_id=request.unit_id)
        .first()
    )
