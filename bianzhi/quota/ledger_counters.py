"""What posting a movement's legs changes besides its entries: the account
counters, each moved by a conditional UPDATE whose row count is checked
(capacity is never counted-then-written), and the pool loans a loan, a return
or their reversal open, reduce or restore (quota.ledger.apply_legs calls
these inside the writer's transaction, on rows it has locked).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Q

from bianzhi.core import audit, fastsql
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .ledger_accounts import account_label, is_reversal
from .models import HolderKind, Loan, MovementKind, QuotaAccount, QuotaMovement


def counter_plan(
    account: QuotaAccount, amount: int, movement: QuotaMovement
) -> tuple[str, list, tuple | None]:
    """The readable refusal of a reduction (rules.check_reduction on the locked
    row), then the UPDATE's guard for this account (SQL, params) and its
    over-quota flag change (over_since, over_reason) or None."""
    new_approved = account.approved + amount
    if account.holder_kind == HolderKind.EXTERNAL:
        return "", [], None  # −(control total): negative by definition
    if amount > 0:
        if account.over_since and account.occupied <= new_approved:
            return "", [], (None, "")  # the excess is digested
        return "", [], None
    size = -amount
    rules.check_reduction(
        label=account_label(account),
        approved=account.approved,
        occupied=account.occupied,
        reserved=account.reserved,
        amount=size,
        reform=movement.reform,
    )
    guard = (
        " AND approved >= %s"
        if movement.reform
        else " AND approved >= occupied + reserved + %s"
    )
    over = None
    if account.occupied > new_approved and account.over_since is None:
        over = (movement.effective_date, f"改革核减（{movement.doc_no}）"[:200])
    return guard, [size], over


def update_counters(
    legs: list[tuple[QuotaAccount, int]], movement: QuotaMovement
) -> None:
    """Every leg's counter in ONE conditional UPDATE (distinct accounts, locked
    by the caller in id order): each debit carries its own guard, and the row
    count must be the number of legs — else the first debit whose guard fails
    now is refused, as update_counter would."""
    plans = [counter_plan(account, amount, movement) for account, amount in legs]
    approved, matches, params, where_params = [], [], [], []
    over_since, over_reason, over_params, reason_params = [], [], [], []
    for (account, amount), (guard, guard_params, over) in zip(legs, plans, strict=True):
        approved.append("WHEN %s THEN approved + %s")
        params += [account.pk, amount]
        matches.append(f"(id = %s{guard})")
        where_params += [account.pk, *guard_params]
        if over is not None:
            over_since.append("WHEN %s THEN %s")
            over_params += [
                account.pk,
                fastsql.prep(QuotaAccount, "over_since", over[0]),
            ]
            over_reason.append("WHEN %s THEN %s")
            reason_params += [account.pk, over[1]]
    sets = [f"approved = CASE id {' '.join(approved)} END"]
    if over_since:
        sets.append(f"over_since = CASE id {' '.join(over_since)} ELSE over_since END")
        sets.append(
            f"over_reason = CASE id {' '.join(over_reason)} ELSE over_reason END"
        )
        params += over_params + reason_params
    updated = fastsql.update(
        QuotaAccount, ", ".join(sets), " OR ".join(matches), params + where_params
    )
    if updated != len(legs):
        fresh = {
            a.pk: a for a in QuotaAccount.objects.filter(pk__in=[a.pk for a, _ in legs])
        }
        debits = [
            (a, n) for a, n in legs if n < 0 and a.holder_kind != HolderKind.EXTERNAL
        ]

        def fails(account: QuotaAccount, amount: int) -> bool:
            now = fresh[account.pk]
            free = now.approved if movement.reform else now.vacancy
            return free < -amount

        account, amount = next(
            (leg for leg in debits if fails(*leg)), debits[0] if debits else legs[0]
        )
        refuse(account, amount, fresh[account.pk])
    for (account, amount), (_, _, over) in zip(legs, plans, strict=True):
        account.approved += amount
        if over is not None:
            account.over_since, account.over_reason = over


def refuse(account: QuotaAccount, amount: int, fresh: QuotaAccount):
    raise ApplicationError(
        ErrorCode.QUOTA_NEGATIVE,
        f"{account_label(account)}核定{fresh.approved}名、实有{fresh.occupied}名、"
        f"预留{fresh.reserved}名，不足核减{-amount}名",
    )


def update_counter(account: QuotaAccount, amount: int, movement: QuotaMovement) -> None:
    """The account's approved += amount, as one (conditional) UPDATE."""
    sets, params = ["approved = approved + %s"], [amount]
    new_approved = account.approved + amount
    guard, where_params, over = counter_plan(account, amount, movement)
    where, where_params = f"id = %s{guard}", [account.pk, *where_params]
    if over is not None:
        sets.append("over_since = %s, over_reason = %s")
        field = QuotaAccount._meta.get_field("over_since")
        params += [field.get_db_prep_save(over[0], _connection()), over[1]]
    if fastsql.update(QuotaAccount, ", ".join(sets), where, params + where_params) != 1:
        refuse(account, amount, QuotaAccount.objects.get(pk=account.pk))
    account.approved = new_approved
    if over is not None:
        account.over_since, account.over_reason = over


def _connection():
    return transaction.get_connection()


def loan_effects(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]]
) -> list[dict]:
    if movement.kind == MovementKind.LOAN and not is_reversal(movement):
        account, amount = next((a, n) for a, n in legs if n > 0)
        loan = Loan.objects.create(
            movement=movement,
            account=account,
            amount=amount,
            outstanding=amount,
            due_date=movement.due_date
            or rules.default_due_date(movement.effective_date),
        )
        return [audit.change(loan, None, audit.snapshot(loan))]
    if movement.kind == MovementKind.RETURN:
        # A return, or the reversal of a loan (which needs nothing returned yet).
        loan = Loan.objects.select_for_update().get(movement_id=movement.related_id)
        size = next(-n for a, n in legs if a.holder_kind == HolderKind.UNIT)
        if is_reversal(movement) and loan.outstanding != size:
            raise ApplicationError(
                ErrorCode.MOVEMENT_INVALID,
                f"该笔借用已归还{loan.amount - loan.outstanding}名，请先冲销归还记录",
            )
        rules.check_return(outstanding=loan.outstanding, amount=size)
        delta = -size
        guard = Q(outstanding__gte=size)
    elif movement.kind == MovementKind.LOAN:
        # Reversal of a return: the loan is outstanding again.
        loan_movement_id = (
            QuotaMovement.objects.filter(pk=movement.related_id)
            .values_list("related_id", flat=True)
            .get()
        )
        loan = Loan.objects.select_for_update().get(movement_id=loan_movement_id)
        delta = next(n for a, n in legs if a.holder_kind == HolderKind.UNIT)
        guard = Q(outstanding__lte=F("amount") - delta)
    else:
        return []
    before = audit.snapshot(loan)
    if (
        Loan.objects.filter(guard, pk=loan.pk).update(
            outstanding=F("outstanding") + delta
        )
        != 1
    ):
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"借用未归还数{loan.outstanding}名，不能变动{delta:+d}名",
        )
    loan.outstanding += delta
    return [audit.change(loan, before, audit.snapshot(loan))]
