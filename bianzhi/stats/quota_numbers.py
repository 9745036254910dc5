"""Quota numbers of many accounts as of a date, in a handful of aggregate queries.

The same definitions as quota.selectors (DOMAIN §3.2), but for a whole
selection at once instead of one unit at a time:

- approved  = Σ entries with effective_date ≤ D, plus — for a date after
  today — the legs of pending (scheduled) movements due by D;
- occupied  = postings in force on D (start ≤ D < end), counted per account
  by one GROUP BY; for today this equals the counters (`bianzhi check`
  verifies that), so one code path serves every date;
- reserved  = today's counter for today and later dates (plans and permits
  have no history), 0 for a past date;
- vacancy   = max(approved − occupied − reserved, 0) and
  over      = max(occupied − approved, 0), both per account, then summed:
  a region's vacancy is not its approved minus its occupied when some of its
  accounts are over quota.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, QuerySet, Sum

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import (
    Funding,
    HolderKind,
    Loan,
    QuotaAccount,
    QuotaCategory,
    QuotaEntry,
    QuotaMovement,
)
from bianzhi.quota.selectors import loan_outstanding_as_of
from bianzhi.roster.models import Posting
from bianzhi.roster.selectors import in_force

from .scope import today as server_today

FUNDING_ORDER = {value: i for i, value in enumerate(Funding.values)}
FUNDING_LABELS = dict(Funding.choices)


@dataclass
class AccountNumbers:
    id: int
    unit_id: int
    category_id: str
    funding: str
    approved: int = 0
    occupied: int = 0
    reserved: int = 0
    borrowed: int = 0  # outstanding pool loans (included in approved)
    over_since: dt.date | None = None

    @property
    def vacancy(self) -> int:
        return max(self.approved - self.occupied - self.reserved, 0)

    @property
    def over(self) -> int:
        return max(self.occupied - self.approved, 0)


@dataclass(frozen=True)
class CategoryInfo:
    code: str
    name: str
    sort_order: int


def categories() -> dict[str, CategoryInfo]:
    return {
        code: CategoryInfo(code, name, order)
        for code, name, order in QuotaCategory.objects.values_list(
            "code", "name", "sort_order"
        )
    }


def combo_order(cats: dict[str, CategoryInfo]):
    """Sort key of (category, funding): the category's order, then full/partial/self."""

    def key(combo: tuple[str, str]) -> tuple:
        info = cats.get(combo[0])
        return (
            info.sort_order if info else 999,
            combo[0],
            FUNDING_ORDER.get(combo[1], 9),
        )

    return key


def combo_label(cats: dict[str, CategoryInfo], category: str, funding: str) -> str:
    name = cats[category].name if category in cats else category
    return f"{name}·{FUNDING_LABELS.get(funding, funding)}"


def _pending_legs(
    region_ids: set[str], account_ids: set[int], as_of: dt.date
) -> dict[int, int]:
    """Legs of scheduled movements due by `as_of` on the given accounts."""
    totals: dict[int, int] = defaultdict(int)
    pending = QuotaMovement.objects.filter(
        region_id__in=sorted(region_ids),
        status=QuotaMovement.Status.PENDING,
        effective_date__lte=as_of,
    ).values_list("legs", flat=True)
    for legs in pending:
        for leg in legs or ():
            if leg.get("account") in account_ids:
                totals[leg["account"]] += int(leg["amount"])
    return totals


def unit_accounts_as_of(
    units: QuerySet[Unit],
    as_of: dt.date,
    *,
    borrowed: bool = False,
    today: dt.date | None = None,
) -> list[AccountNumbers]:
    """Every quota account of the given units with its numbers on `as_of`."""
    today = today or server_today()
    unit_ids = units.values("id")
    rows = list(
        QuotaAccount.objects.filter(unit_id__in=unit_ids).values_list(
            "id",
            "unit_id",
            "region_id",
            "category_id",
            "funding",
            "reserved",
            "over_since",
        )
    )
    if not rows:
        return []
    approved = dict(
        QuotaEntry.objects.filter(
            account__unit_id__in=unit_ids, effective_date__lte=as_of
        )
        .values_list("account_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    if as_of > today:
        ids = {r[0] for r in rows}
        for account_id, amount in _pending_legs(
            {r[2] for r in rows}, ids, as_of
        ).items():
            approved[account_id] = approved.get(account_id, 0) + amount
    occupied = dict(
        Posting.objects.filter(in_force(as_of), unit_id__in=unit_ids)
        .values_list("account_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    result = []
    for account_id, unit_id, _region, category, funding, reserved, since in rows:
        numbers = AccountNumbers(
            id=account_id,
            unit_id=unit_id,
            category_id=category,
            funding=funding,
            approved=approved.get(account_id, 0) or 0,
            occupied=occupied.get(account_id, 0),
            reserved=reserved if as_of >= today else 0,
        )
        if numbers.over and since is not None and since <= as_of:
            numbers.over_since = since
        result.append(numbers)
    if borrowed:
        by_id = {n.id: n for n in result}
        loans = [
            loan
            for loan in Loan.objects.filter(
                account_id__in=list(by_id), movement__effective_date__lte=as_of
            )
        ]
        if loans:
            outstanding = loan_outstanding_as_of(loans, as_of)
            for loan in loans:
                by_id[loan.account_id].borrowed += max(outstanding[loan.id], 0)
    return result


def system_balances(
    region_codes: list[str], as_of: dt.date, *, today: dt.date | None = None
) -> dict[tuple[str, str, str], int]:
    """(holder_kind, category, funding) → balance of the reserve and pool
    accounts of the regions on `as_of` (summed over the regions)."""
    today = today or server_today()
    holders = (HolderKind.RESERVE, HolderKind.POOL)
    accounts = {
        account_id: (kind, category, funding, region)
        for account_id, kind, category, funding, region in QuotaAccount.objects.filter(
            region_id__in=region_codes, holder_kind__in=holders
        ).values_list("id", "holder_kind", "category_id", "funding", "region_id")
    }
    if not accounts:
        return {}
    balance = dict(
        QuotaEntry.objects.filter(
            account_id__in=list(accounts), effective_date__lte=as_of
        )
        .values_list("account_id")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    if as_of > today:
        for account_id, amount in _pending_legs(
            {a[3] for a in accounts.values()}, set(accounts), as_of
        ).items():
            balance[account_id] = balance.get(account_id, 0) + amount
    totals: dict[tuple[str, str, str], int] = defaultdict(int)
    for account_id, (kind, category, funding, _region) in accounts.items():
        totals[(str(kind), category, funding)] += balance.get(account_id, 0) or 0
    return dict(totals)
