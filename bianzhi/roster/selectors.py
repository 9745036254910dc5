"""Reads of the real-name roster, and the providers it registers with quota.

Periods are half-open (models.py): a posting or appointment is in force on D
when start_date <= D and (end_date is null or D < end_date).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount

from . import retirement, rules
from .models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
    Secondment,
)


def in_force(as_of: dt.date) -> Q:
    """The half-open period condition for rows with start_date / end_date."""
    return Q(start_date__lte=as_of) & (Q(end_date__isnull=True) | Q(end_date__gt=as_of))


# --- providers registered with quota (apps.RosterConfig.ready) -----------------


def occupied_as_of(account_ids: list[int], as_of: dt.date) -> dict[int, int]:
    """Postings in force on `as_of` per account (quota's occupancy provider)."""
    counts = dict.fromkeys(account_ids, 0)
    rows = (
        Posting.objects.filter(in_force(as_of), account_id__in=list(account_ids))
        .values_list("account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts.update(dict(rows))
    return counts


def occupancy_change_dates(
    account_ids: list[int], start: dt.date, end: dt.date
) -> list[dt.date]:
    """Dates in [start, end) on which a posting of these accounts starts or ends."""
    ids = list(account_ids)
    starts = Posting.objects.filter(
        account_id__in=ids, start_date__gte=start, start_date__lt=end
    ).values_list("start_date", flat=True)
    ends = Posting.objects.filter(
        account_id__in=ids, end_date__gte=start, end_date__lt=end
    ).values_list("end_date", flat=True)
    return sorted(set(starts) | set(ends))


def appointed_as_of(unit: Unit, as_of: dt.date) -> dict[tuple, int]:
    """Appointments in force per leader-post key (quota.leader_posts' counter)."""
    rows = (
        Appointment.objects.filter(in_force(as_of), unit=unit)
        .values_list("scope", "internal_body_id", "level", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(scope, body, level, kind): n for scope, body, level, kind, n in rows}


def register_providers() -> None:
    """Hook the roster into quota's as-of views and leader-post counts.

    Idempotent; tests that replaced a provider call it to restore the roster's.
    """
    from bianzhi.quota import leader_posts
    from bianzhi.quota import selectors as quota_selectors

    quota_selectors.register_occupancy_provider(
        occupied_as_of, change_dates=occupancy_change_dates
    )
    leader_posts.register_appointment_counter(appointed_as_of)


# --- people ---------------------------------------------------------------------


def unit_people(unit: Unit, as_of: dt.date | None = None) -> QuerySet[Posting]:
    """Postings of the unit in force on `as_of` (today by default), with persons."""
    day = as_of or timezone.localdate()
    return (
        Posting.objects.filter(in_force(day), unit=unit)
        .select_related("person", "account__category")
        .order_by("account__category__sort_order", "account__funding", "person__name")
    )


def active_posting(person: Person) -> Posting | None:
    return (
        Posting.objects.filter(person=person, end_date__isnull=True)
        .select_related("unit", "account__category")
        .first()
    )


@dataclass
class PersonHistory:
    person: Person
    postings: list[Posting] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    secondments: list[Secondment] = field(default_factory=list)
    retirement_exceptions: list[RetirementException] = field(default_factory=list)
    retirement_date: dt.date | None = None

    @property
    def current_posting(self) -> Posting | None:
        return next((p for p in self.postings if p.end_date is None), None)


def person_history(person: Person) -> PersonHistory:
    """Everything recorded about a person, each list in date order."""
    return PersonHistory(
        person=person,
        postings=list(
            Posting.objects.filter(person=person)
            .select_related("unit", "account__category")
            .order_by("start_date", "id")
        ),
        appointments=list(
            Appointment.objects.filter(person=person)
            .select_related("unit", "internal_body")
            .order_by("start_date", "id")
        ),
        secondments=list(
            Secondment.objects.filter(person=person)
            .select_related("host_unit")
            .order_by("start_date", "id")
        ),
        retirement_exceptions=list(
            RetirementException.objects.filter(person=person).order_by(
                "effective_from", "id"
            )
        ),
        retirement_date=retirement_date_for(person),
    )


def retirement_date_for(
    person: Person,
    as_of: dt.date | None = None,
    *,
    identity: str | None = None,
    post_type: str | None = None,
) -> dt.date:
    """The person's retirement date (first day of the month), exceptions applied.

    `identity` / `post_type` override the stored ones (an intake that changes
    them is checked against the date they will produce).
    """
    exceptions = list(RetirementException.objects.filter(person=person))
    return retirement.retirement_date(
        person.certified_birth_date,
        person.gender,
        identity if identity is not None else person.identity,
        post_type if post_type is not None else person.post_type,
        exceptions,
        as_of=as_of,
    )


def off_quota_staff(unit: Unit, as_of: dt.date | None = None) -> QuerySet:
    day = as_of or timezone.localdate()
    return OffQuotaStaff.objects.filter(in_force(day), unit=unit).order_by("name")


# --- live numbers beside the input ------------------------------------------------


@dataclass(frozen=True)
class Vacancy:
    approved: int
    occupied: int
    reserved: int
    vacancy: int
    over: int
    over_since: dt.date | None
    policy: str
    releases_per_intake: int | None
    credits: int  # N-out-1-in credits still valid this year
    releases_toward_credit: int
    intake: str | None  # the resource an intake would use now, or None
    refusal: str | None  # the error code an intake would get now, or None


def vacancy_for(account: QuotaAccount, *, today: dt.date | None = None) -> Vacancy:
    """Today's counters of an account and whether an intake would pass now."""
    from bianzhi.core.errors import ApplicationError

    today = today or timezone.localdate()
    account = QuotaAccount.objects.select_related("region").get(pk=account.pk)
    policy = account.region.over_quota_policy
    n = (
        account.region.releases_per_intake
        if policy == rules.POLICY_N_OUT_1_IN
        else None
    )
    credits = rules.credits_valid(account.intake_credits, account.credits_year, today)
    intake, refusal = None, None
    try:
        intake = rules.can_take_intake(
            account.approved, account.occupied, account.reserved, policy, credits, False
        )
    except ApplicationError as exc:
        refusal = str(exc.code)
    return Vacancy(
        approved=account.approved,
        occupied=account.occupied,
        reserved=account.reserved,
        vacancy=account.approved - account.occupied - account.reserved,
        over=max(account.occupied - account.approved, 0),
        over_since=account.over_since,
        policy=policy,
        releases_per_intake=n,
        credits=credits,
        releases_toward_credit=account.releases_toward_credit,
        intake=intake,
        refusal=refusal,
    )


def active_postings_by_account(account_ids=None) -> dict[int, int]:
    """Active postings per account (what the occupied counters must equal)."""
    qs = Posting.objects.filter(end_date__isnull=True)
    if account_ids is not None:
        qs = qs.filter(account_id__in=list(account_ids))
    counts: dict[int, int] = defaultdict(int)
    for account_id, n in (
        qs.values_list("account_id").annotate(n=Count("id")).order_by()
    ):
        counts[account_id] = n
    return dict(counts)


def postings_by_permit(permit) -> QuerySet[Posting]:
    """The intakes that used a quota-use permit (用编核准), oldest first."""
    return (
        Posting.objects.filter(unit_id=permit.unit_id, permit_ref=permit.number)
        .select_related("person", "account__category")
        .order_by("start_date", "pk")
    )
