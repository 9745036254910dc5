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

from bianzhi.core import audit, fastsql
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


def _apply(
    account: QuotaAccount,
    sets: list[str],
    params: list,
    where: str,
    where_params: list,
    fields: tuple[str, ...],
) -> bool:
    """One conditional UPDATE; the new values come back into `account`."""
    rows = fastsql.update(
        QuotaAccount,
        ", ".join(sets),
        f"id = %s{where}",
        [*params, account.pk, *where_params],
        returning=fields,
    )
    if not rows:
        return False
    for name, value in rows[0].items():
        setattr(account, name, value)
    return True


def _over(on: dt.date | None, reason: str) -> tuple[str, list]:
    return "over_since = %s, over_reason = %s", [
        fastsql.prep(QuotaAccount, "over_since", on),
        reason,
    ]


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
    sets, params = ["occupied = occupied + 1"], []
    where, where_params = "", []
    if resource == VACANCY:
        where = " AND approved >= occupied + reserved + 1"
    elif resource == PERMIT_RESERVATION:
        where = " AND reserved >= 1 AND approved > occupied"
        sets.append("reserved = reserved - 1")
    elif resource == CREDIT:
        where = (
            " AND intake_credits >= 1 AND credits_year = %s AND occupied >= approved"
        )
        where_params.append(today.year)
        sets.append("intake_credits = intake_credits - 1")
    crosses = account.occupied + 1 > account.approved
    if crosses and account.over_since is None:
        reason = "出N进一进人" if resource == CREDIT else "整建制划转或调整带入人员"
        clause, values = _over(on, reason)
        sets.append(clause)
        params += values
    fields = ("occupied", "reserved", "intake_credits", "over_since", "over_reason")
    if not _apply(account, sets, params, where, where_params, fields):
        raise ApplicationError(ErrorCode.QUOTA_FULL, _numbers(account), field="account")
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
    sets, params = ["occupied = occupied - 1"], []
    if account.over_since is not None and account.occupied - 1 <= account.approved:
        clause, values = _over(None, "")
        sets.append(clause)
        params += values
    if credit is not None:
        sets.append("releases_toward_credit = %s")
        params.append(credit.releases_toward_credit)
        if credit.credits_earned:
            if account.credits_year == today.year:
                sets.append("intake_credits = intake_credits + %s")
                params.append(credit.credits_earned)
            else:
                sets.append("intake_credits = %s, credits_year = %s")
                params += [credit.credits_earned, today.year]
    fields = (
        "occupied",
        "over_since",
        "over_reason",
        "intake_credits",
        "credits_year",
        "releases_toward_credit",
    )
    if not _apply(account, sets, params, " AND occupied >= 1", [], fields):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "该编制账户实有人数已为0，无法出编",
            field="account",
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
