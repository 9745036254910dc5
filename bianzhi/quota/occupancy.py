"""The only writer of the occupied / reserved / credit counters of an account.

The roster (enrollment, release, transfer …) and later the workflows (plans,
permits) change these counters only through the functions below, inside their
own transaction, on an account row they have locked (select_for_update) in the
lock order of quota.ledger: units → accounts → audit head.

Which intake resource an enrollment consumes, and whether a release earns an
N-out-1-in credit, are decided by the roster's pure rules; this module only
writes, each time with a conditional UPDATE whose row count is checked, so a
counter can never pass its limit even if a caller's reading was stale:

- vacancy:            approved − occupied − reserved ≥ 1  → occupied + 1
- permit_reservation: reserved ≥ 1 and occupied < approved → occupied + 1, reserved − 1
- credit:             a credit of this year is left and occupied ≥ approved
                      → occupied + 1, intake_credits − 1
- exempt:             (posting moves, conversions: the quota moved with the
                      person) → occupied + 1 without a capacity condition

`over_since` is kept in step: set when occupied first exceeds approved (the
intake's date), cleared when a release brings occupied back to approved.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from django.db.models import F

from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import QuotaAccount

VACANCY = "vacancy"
PERMIT_RESERVATION = "permit_reservation"
CREDIT = "credit"
EXEMPT = "exempt"
RESOURCES = (VACANCY, PERMIT_RESERVATION, CREDIT, EXEMPT)


class CreditChange(NamedTuple):
    """What a release does to the N-out-1-in counters (decided by the roster)."""

    releases_toward_credit: int  # the new value of the partial count
    credits_earned: int  # 0 or 1


def _numbers(account: QuotaAccount) -> str:
    fresh = QuotaAccount.objects.get(pk=account.pk)
    return (
        f"核定{fresh.approved}名，实有{fresh.occupied}名，预留{fresh.reserved}名，"
        f"空编{max(fresh.approved - fresh.occupied - fresh.reserved, 0)}名"
    )


def occupy(
    account: QuotaAccount, *, resource: str, on: dt.date, today: dt.date
) -> dict:
    """One person enters `account` (locked by the caller) on `on`.

    Returns the audit change of the account. Raises QUOTA_FULL when the
    conditional UPDATE finds no capacity of the kind `resource` names.
    """
    if resource not in RESOURCES:
        raise ValueError(f"unknown intake resource {resource!r}")
    before = audit.snapshot(account)
    rows = QuotaAccount.objects.filter(pk=account.pk)
    updates: dict = {"occupied": F("occupied") + 1}
    if resource == VACANCY:
        rows = rows.filter(approved__gte=F("occupied") + F("reserved") + 1)
    elif resource == PERMIT_RESERVATION:
        rows = rows.filter(reserved__gte=1, approved__gt=F("occupied"))
        updates["reserved"] = F("reserved") - 1
    elif resource == CREDIT:
        rows = rows.filter(
            intake_credits__gte=1,
            credits_year=today.year,
            occupied__gte=F("approved"),
        )
        updates["intake_credits"] = F("intake_credits") - 1
    crosses = account.occupied + 1 > account.approved
    if crosses and account.over_since is None:
        reason = "出N进一进人" if resource == CREDIT else "整建制划转或调整带入人员"
        updates.update(over_since=on, over_reason=reason)
    if rows.update(**updates) != 1:
        raise ApplicationError(ErrorCode.QUOTA_FULL, _numbers(account), field="account")
    account.refresh_from_db(
        fields=["occupied", "reserved", "intake_credits", "over_since", "over_reason"]
    )
    return audit.change(account, before, audit.snapshot(account))


def vacate(
    account: QuotaAccount,
    *,
    on: dt.date,
    today: dt.date,
    credit: CreditChange | None = None,
) -> dict:
    """One person leaves `account` (locked by the caller) on `on`.

    `credit` is the roster's decision on the N-out-1-in counters (None: leave
    them). A credit earned in another year than the stored one starts the
    year's count afresh (credits are valid to the end of their year).
    """
    before = audit.snapshot(account)
    updates: dict = {"occupied": F("occupied") - 1}
    if account.over_since is not None and account.occupied - 1 <= account.approved:
        updates.update(over_since=None, over_reason="")
    if credit is not None:
        updates["releases_toward_credit"] = credit.releases_toward_credit
        if credit.credits_earned:
            if account.credits_year == today.year:
                updates["intake_credits"] = F("intake_credits") + credit.credits_earned
            else:
                updates["intake_credits"] = credit.credits_earned
                updates["credits_year"] = today.year
    if (
        QuotaAccount.objects.filter(pk=account.pk, occupied__gte=1).update(**updates)
        != 1
    ):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "该编制账户实有人数已为0，无法出编",
            field="account",
        )
    account.refresh_from_db(
        fields=[
            "occupied",
            "over_since",
            "over_reason",
            "intake_credits",
            "credits_year",
            "releases_toward_credit",
        ]
    )
    return audit.change(account, before, audit.snapshot(account))


def reserve(account: QuotaAccount, *, amount: int = 1) -> dict:
    """Hold `amount` vacancies for an approved plan or permit (workflows)."""
    before = audit.snapshot(account)
    rows = QuotaAccount.objects.filter(
        pk=account.pk, approved__gte=F("occupied") + F("reserved") + amount
    )
    if rows.update(reserved=F("reserved") + amount) != 1:
        raise ApplicationError(
            ErrorCode.QUOTA_FULL,
            f"{_numbers(account)}，不足预留{amount}名",
            field="account",
        )
    account.refresh_from_db(fields=["reserved"])
    return audit.change(account, before, audit.snapshot(account))


def unreserve(account: QuotaAccount, *, amount: int = 1) -> dict:
    """Give back `amount` reserved vacancies (a permit expired or withdrawn)."""
    before = audit.snapshot(account)
    rows = QuotaAccount.objects.filter(pk=account.pk, reserved__gte=amount)
    if rows.update(reserved=F("reserved") - amount) != 1:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"该编制账户预留数不足{amount}名，无法释放",
            field="account",
        )
    account.refresh_from_db(fields=["reserved"])
    return audit.change(account, before, audit.snapshot(account))
