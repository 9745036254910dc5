"""Reads of the quota ledger: balances today and as of any date (DOMAIN §3.2).

Today's numbers come from the account counters. A past or future date is
derived from the entries (Σ amount with effective_date ≤ D) plus, for a date
after today, the legs of pending movements due by then. `known_at` restricts
to movements recorded by that moment ("as known on T").

Occupancy as of a date belongs to the roster (next issue), which registers a
provider; until then a past date has no occupancy and today/future use the
counters. Reservations (plans, permits) have no history yet: a past date
shows 0 reserved, today and later today's counter.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import (
    HolderKind,
    Loan,
    QuotaAccount,
    QuotaCategory,
    QuotaEntry,
    QuotaMovement,
)


def resolve_category(category) -> QuotaCategory:
    """A QuotaCategory, or its code or name; VALUE_INVALID otherwise."""
    if isinstance(category, QuotaCategory):
        return category
    text = str(category or "").strip()
    try:
        return QuotaCategory.objects.get(pk=text)
    except QuotaCategory.DoesNotExist:
        found = QuotaCategory.objects.filter(name=text).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"编制类型「{text}」不存在", field="category"
        )
    return found


OccupancyProvider = Callable[[list[int], dt.date], dict[int, int]]
ChangeDates = Callable[[list[int], dt.date, dt.date], Iterable[dt.date]]
_provider: OccupancyProvider | None = None
_change_dates: ChangeDates | None = None


def register_occupancy_provider(
    fn: OccupancyProvider | None, *, change_dates: ChangeDates | None = None
) -> None:
    """The roster registers fn(account_ids, as_of) -> {account_id: occupied}.

    `change_dates(account_ids, start, end)` optionally lists the dates in
    [start, end) where occupancy changes, so back-dated re-checks look at them
    too. Passing None restores the default.
    """
    global _provider, _change_dates
    _provider, _change_dates = fn, change_dates


def occupancy_as_of(
    account_ids: Iterable[int], as_of: dt.date, *, today: dt.date | None = None
) -> dict[int, int]:
    ids = list(account_ids)
    if _provider is not None:
        return _provider(ids, as_of)
    if as_of >= (today or timezone.localdate()):
        return dict(
            QuotaAccount.objects.filter(id__in=ids).values_list("id", "occupied")
        )
    return {}


def occupancy_change_dates(
    account_ids: Iterable[int], start: dt.date, end: dt.date
) -> list[dt.date]:
    if _change_dates is None:
        return []
    return list(_change_dates(list(account_ids), start, end))


@dataclass
class LoanView:
    loan: Loan
    amount: int
    outstanding: int
    due_date: dt.date
    overdue: bool


@dataclass
class AccountView:
    account: QuotaAccount
    category: QuotaCategory
    funding: str
    approved: int
    occupied: int
    reserved: int
    vacancy: int
    over: int
    borrowed: int
    loans: list[LoanView] = field(default_factory=list)
    over_since: dt.date | None = None

    @property
    def holder_kind(self) -> str:
        return self.account.holder_kind

    @property
    def funding_label(self) -> str:
        return self.account.get_funding_display()


@dataclass
class ControlTotalView:
    category: QuotaCategory
    funding: str
    total: int  # −(external balance)
    units: int
    reserve: int
    pool: int

    @property
    def balanced(self) -> bool:
        return self.total == self.units + self.reserve + self.pool


def _approved_as_of(
    entry_filter: Q,
    account_ids: set[int],
    region_ids: set[str],
    as_of: dt.date,
    *,
    today: dt.date,
    known_at: dt.datetime | None,
) -> dict[int, int]:
    entries = QuotaEntry.objects.filter(entry_filter, effective_date__lte=as_of)
    if known_at is not None:
        entries = entries.filter(movement__recorded_at__lte=known_at)
    totals: dict[int, int] = defaultdict(
        int,
        entries.values_list("account_id").annotate(s=Sum("amount")).order_by(),
    )
    if as_of > today:
        pending = QuotaMovement.objects.filter(
            region_id__in=region_ids,
            status=QuotaMovement.Status.PENDING,
            effective_date__lte=as_of,
        )
        if known_at is not None:
            pending = pending.filter(recorded_at__lte=known_at)
        for legs in pending.values_list("legs", flat=True):
            for leg in legs:
                if leg["account"] in account_ids:
                    totals[leg["account"]] += leg["amount"]
    return totals


def approved_as_of(
    account_ids: Iterable[int], as_of: dt.date, *, today: dt.date | None = None
) -> dict[int, int]:
    """Approved count of each account on `as_of` from its ledger entries
    (pending movements included after today); accounts without entries absent."""
    ids = set(account_ids)
    regions = set(
        QuotaAccount.objects.filter(pk__in=ids).values_list(
            "unit__region_id", flat=True
        )
    )
    return dict(
        _approved_as_of(
            Q(account_id__in=ids),
            ids,
            regions,
            as_of,
            today=today or timezone.localdate(),
            known_at=None,
        )
    )


def loan_outstanding_as_of(
    loans: list[Loan], as_of: dt.date | None = None
) -> dict[int, int]:
    """Outstanding per loan from the entries: the loan, its returns, their reversals."""
    by_movement = {loan.movement_id: loan for loan in loans}
    children = dict(
        QuotaMovement.objects.filter(related_id__in=by_movement).values_list(
            "id", "related_id"
        )
    )
    grandchildren = dict(
        QuotaMovement.objects.filter(related_id__in=children).values_list(
            "id", "related_id"
        )
    )
    family = {mid: mid for mid in by_movement}
    family.update(children)
    family.update({mid: children[parent] for mid, parent in grandchildren.items()})
    entries = QuotaEntry.objects.filter(
        movement_id__in=family, account__holder_kind=HolderKind.UNIT
    )
    if as_of is not None:
        entries = entries.filter(effective_date__lte=as_of)
    result = {loan.id: 0 for loan in loans}
    for movement_id, account_id, amount in entries.values_list(
        "movement_id", "account_id", "amount"
    ):
        loan = by_movement[family[movement_id]]
        if account_id == loan.account_id:
            result[loan.id] += amount
    return result


def _views(
    accounts: list[QuotaAccount],
    *,
    as_of: dt.date | None,
    today: dt.date | None,
    known_at: dt.datetime | None,
    entry_filter: Q,
) -> list[AccountView]:
    today = today or timezone.localdate()
    historic = known_at is not None or (as_of is not None and as_of != today)
    day = as_of or today
    ids = {a.id for a in accounts}
    if historic:
        approved = _approved_as_of(
            entry_filter,
            ids,
            {a.region_id for a in accounts},
            day,
            today=today,
            known_at=known_at,
        )
    unit_ids = [a.id for a in accounts if a.holder_kind == HolderKind.UNIT]
    if historic:
        # Only unit accounts hold people (a DB constraint for the others).
        occupied = occupancy_as_of(unit_ids, day, today=today) if unit_ids else {}
    loans: dict[int, list[LoanView]] = defaultdict(list)
    if unit_ids:
        loan_rows = list(
            Loan.objects.filter(account_id__in=unit_ids).select_related("movement")
        )
        if historic:
            loan_rows = [r for r in loan_rows if r.movement.effective_date <= day]
            outstanding = loan_outstanding_as_of(loan_rows, day)
        else:
            outstanding = {r.id: r.outstanding for r in loan_rows}
        for row in loan_rows:
            if outstanding[row.id] > 0:
                loans[row.account_id].append(
                    LoanView(
                        row,
                        row.amount,
                        outstanding[row.id],
                        row.due_date,
                        row.due_date < day,
                    )
                )
    views = []
    for account in accounts:
        if historic:
            appr = approved.get(account.id, 0)
            occ = occupied.get(account.id, 0)
            res = account.reserved if day >= today else 0
        else:
            appr, occ, res = account.approved, account.occupied, account.reserved
        over = max(occ - appr, 0)
        over_since = account.over_since if over else None
        if over_since and over_since > day:
            over_since = None
        account_loans = loans.get(account.id, [])
        views.append(
            AccountView(
                account=account,
                category=account.category,
                funding=account.funding,
                approved=appr,
                occupied=occ,
                reserved=res,
                vacancy=appr - occ - res,
                over=over,
                borrowed=sum(v.outstanding for v in account_loans),
                loans=account_loans,
                over_since=over_since,
            )
        )
    return views


def unit_accounts(
    unit,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> list[AccountView]:
    """A unit's accounts; as_of None = today's counters."""
    accounts = list(
        QuotaAccount.objects.filter(unit=unit).select_related("category", "unit")
    )
    return _views(
        accounts,
        as_of=as_of,
        today=today,
        known_at=known_at,
        entry_filter=Q(account__unit=unit),
    )


def region_accounts(
    region,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> list[AccountView]:
    """The region's reserve, pool and external accounts."""
    accounts = list(
        QuotaAccount.objects.filter(region=region)
        .exclude(holder_kind=HolderKind.UNIT)
        .select_related("category")
    )
    return _views(
        accounts,
        as_of=as_of,
        today=today,
        known_at=known_at,
        entry_filter=Q(account__region=region)
        & ~Q(account__holder_kind=HolderKind.UNIT),
    )


def region_balances(
    region,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> list[tuple[QuotaAccount, int]]:
    """(account, approved) for every account of a region, today or as of a date."""
    today = today or timezone.localdate()
    accounts = list(
        QuotaAccount.objects.filter(region=region).select_related("category")
    )
    if known_at is None and (as_of is None or as_of == today):
        return [(a, a.approved) for a in accounts]
    approved = _approved_as_of(
        Q(account__region=region),
        {a.id for a in accounts},
        {region.pk},
        as_of or today,
        today=today,
        known_at=known_at,
    )
    return [(a, approved.get(a.id, 0)) for a in accounts]


def control_totals(
    region,
    *,
    as_of: dt.date | None = None,
    today: dt.date | None = None,
    known_at: dt.datetime | None = None,
) -> list[ControlTotalView]:
    """Per (category, funding): total = −external = units + reserve + pool."""
    rows: dict[tuple[str, str], ControlTotalView] = {}
    for account, approved in region_balances(
        region, as_of=as_of, today=today, known_at=known_at
    ):
        key = (account.category_id, account.funding)
        view = rows.get(key)
        if view is None:
            view = rows[key] = ControlTotalView(
                account.category, account.funding, 0, 0, 0, 0
            )
        if account.holder_kind == HolderKind.EXTERNAL:
            view.total -= approved
        elif account.holder_kind == HolderKind.UNIT:
            view.units += approved
        elif account.holder_kind == HolderKind.RESERVE:
            view.reserve += approved
        else:
            view.pool += approved
    return sorted(
        rows.values(), key=lambda v: (v.category.sort_order, v.category.code, v.funding)
    )


def movements_queryset(
    *,
    region_codes: Iterable[str] | None = None,
    unit=None,
    kind: str | None = None,
    doc_no: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    status: str | None = None,
) -> QuerySet[QuotaMovement]:
    qs = QuotaMovement.objects.select_related("region", "related")
    if region_codes is not None:
        qs = qs.filter(region_id__in=list(region_codes))
    if unit is not None:
        account_ids = set(
            QuotaAccount.objects.filter(unit=unit).values_list("id", flat=True)
        )
        pending_ids = [
            movement_id
            for movement_id, legs in QuotaMovement.objects.filter(
                region_id=unit.region_id
            )
            .exclude(status=QuotaMovement.Status.APPLIED)
            .values_list("id", "legs")
            if any(leg["account"] in account_ids for leg in legs)
        ]
        qs = qs.filter(
            Q(entries__account_id__in=account_ids) | Q(id__in=pending_ids)
        ).distinct()
    if kind:
        qs = qs.filter(kind=kind)
    if doc_no:
        qs = qs.filter(doc_no__icontains=doc_no)
    if date_from:
        qs = qs.filter(effective_date__gte=date_from)
    if date_to:
        qs = qs.filter(effective_date__lte=date_to)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-effective_date", "-id")


def movement_entries(movement: QuotaMovement) -> QuerySet[QuotaEntry]:
    return movement.entries.select_related("account__unit", "account__category")


def loans_outstanding(*, unit=None, region=None) -> QuerySet[Loan]:
    qs = Loan.objects.filter(outstanding__gt=0).select_related(
        "account__unit", "account__category", "movement"
    )
    if unit is not None:
        qs = qs.filter(account__unit=unit)
    if region is not None:
        qs = qs.filter(account__region=region)
    return qs.order_by("due_date", "id")
