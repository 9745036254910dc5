"""The ledger's checks over time: a back-dated reduction must keep the rules
on every date from its effective date up to today (from the entries and the
registered occupancy history), and a future-dated one on the projected state
(today's counters plus the pending legs) at its date and after. Today itself
is guarded by the counters' conditional UPDATE (ledger_counters).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Sum

from . import rules, selectors
from .ledger_accounts import account_label, is_reversal
from .models import (
    HolderKind,
    Loan,
    MovementKind,
    QuotaAccount,
    QuotaEntry,
    QuotaMovement,
)


def check_history(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]], *, today: dt.date
) -> None:
    """Back-dated: every date from D up to (not incl.) today keeps the rules.

    Today itself is guarded by the conditional UPDATE. The balance at a date is
    the sum of entries effective on or before it; occupancy at a past date
    comes from the registered provider (selectors.occupancy_as_of).
    """
    start = movement.effective_date
    for account, amount in legs:
        if amount >= 0 or account.holder_kind == HolderKind.EXTERNAL:
            continue
        entries = QuotaEntry.objects.filter(account_id=account.id)
        base = entries.filter(effective_date__lte=start).aggregate(s=Sum("amount"))
        changes = dict(
            entries.filter(effective_date__gt=start, effective_date__lt=today)
            .values_list("effective_date")
            .annotate(s=Sum("amount"))
            .order_by()
        )
        dates = {start, *changes} | set(
            selectors.occupancy_change_dates([account.id], start, today)
        )
        balance, points = base["s"] or 0, []
        for day in sorted(d for d in dates if start <= d < today):
            balance += changes.get(day, 0) if day != start else 0
            used = (
                selectors.occupancy_as_of([account.id], day, today=today)
                if account.holder_kind == HolderKind.UNIT
                else {}
            )
            points.append(rules.BalancePoint(day, balance, used.get(account.id, 0), 0))
        rules.check_series(
            label=account_label(account),
            points=points,
            amount=-amount,
            reform=movement.reform,
        )


def pending_legs(region_id: str, *, exclude_id: int | None = None):
    """(effective_date, account_id, amount) of every pending movement in a region."""
    qs = QuotaMovement.objects.filter(
        region_id=region_id, status=QuotaMovement.Status.PENDING
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    for effective_date, legs in qs.values_list("effective_date", "legs"):
        for leg in legs:
            yield effective_date, leg["account"], leg["amount"]


def check_projection(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]], *, today: dt.date
) -> None:
    """Future-dated: today's counters plus pending legs, at its date and after."""
    day = movement.effective_date
    debits = [
        (account, amount)
        for account, amount in legs
        if amount < 0 and account.holder_kind != HolderKind.EXTERNAL
    ]
    if debits:
        by_account: dict[int, dict[dt.date, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        for on, account_id, amount in pending_legs(
            movement.region_id, exclude_id=movement.pk
        ):
            by_account[account_id][on] += amount
        for account, amount in debits:
            changes = by_account.get(account.id, {})
            points, balance = [], account.approved
            balance += sum(n for on, n in changes.items() if on <= day)
            points.append(
                rules.BalancePoint(day, balance, account.occupied, account.reserved)
            )
            for on in sorted(on for on in changes if on > day):
                balance += changes[on]
                points.append(
                    rules.BalancePoint(on, balance, account.occupied, account.reserved)
                )
            rules.check_series(
                label=account_label(account),
                points=points,
                amount=-amount,
                reform=movement.reform,
            )
    if movement.kind == MovementKind.RETURN and not is_reversal(movement):
        loan = Loan.objects.select_for_update().get(movement_id=movement.related_id)
        pending = sum(
            leg["amount"]
            for legs_ in QuotaMovement.objects.filter(
                related_id=movement.related_id,
                kind=MovementKind.RETURN,
                status=QuotaMovement.Status.PENDING,
            ).values_list("legs", flat=True)
            for leg in legs_
            if leg["amount"] > 0
        )
        rules.check_return(
            outstanding=loan.outstanding - pending,
            amount=sum(n for _, n in legs if n > 0),
        )
