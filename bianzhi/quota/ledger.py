"""The only writer of QuotaEntry rows and the account counters (with its
parts: ledger_accounts locks and opens accounts, ledger_counters moves the
counters and loans, ledger_checks checks back-dated and future-dated
reductions over time).

Lock order, the same for every writer (so PostgreSQL never deadlocks):
movement row (daily, reversal) → units (by id) → existing accounts (by id) →
new accounts (by key) → loan → audit head (locked last by audit.record).

Capacity is never counted-then-written: every debit is a conditional UPDATE
(`approved - occupied - reserved >= n`, or `approved >= n` for a reform
reduction) whose row count is checked. The readable refusal comes first from
rules.check_reduction on the locked row; the UPDATE condition is the guard.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from bianzhi.core import audit, fastsql
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import rules
from .ledger_accounts import (
    AccountKey,
    is_reversal,
    lock_accounts,
    lock_units,
    open_accounts,
)
from .ledger_checks import check_history, check_projection
from .ledger_counters import loan_effects, update_counter, update_counters
from .models import (
    HolderKind,
    QuotaAccount,
    QuotaCategory,
    QuotaEntry,
    QuotaMovement,
)

# --- writing a movement -------------------------------------------------------


@dataclass
class PreparedMovement:
    """A movement checked as far as possible without the database (rules on the
    legs, field values): prepare_movement runs before the transaction, so the
    writers' lock is held only for the reads and writes that need it."""

    args: rules.MovementArgs
    legs: list[tuple[AccountKey, int]]
    categories: dict[str, QuotaCategory]
    units: list[Unit]
    movement: QuotaMovement
    invalid: ApplicationError | None  # raised after the unit checks, as before


def prepare_movement(
    args: rules.MovementArgs,
    *,
    kind: str,
    region_id: str,
    legs: list[tuple[AccountKey, int]],
    categories: list[QuotaCategory],
    units: list[Unit],
    related: QuotaMovement | None = None,
    due_date: dt.date | None = None,
    note: str = "",
    check_holding: bool = True,
) -> PreparedMovement:
    by_code = {c.code: c for c in categories}
    plan = [
        rules.Leg(key.holder_kind, key.category_id, key.funding, n, key.unit_id or None)
        for key, n in legs
    ]
    rules.check_balanced(plan)
    rules.check_leg_shape(kind, plan)
    if check_holding:
        for key, n in legs:
            if key.holder_kind == HolderKind.UNIT and n > 0:
                unit = next(u for u in units if u.pk == key.unit_id)
                category = by_code[key.category_id]
                rules.check_unit_may_hold(
                    unit_kind=unit.kind,
                    unit_name=unit.name,
                    category_code=category.code,
                    category_name=category.name,
                    allowed_unit_kinds=category.allowed_unit_kinds,
                    full_funding_only=category.full_funding_only,
                    funding=key.funding,
                )
    movement = QuotaMovement(
        region_id=region_id,
        kind=kind,
        doc_no=args.doc_no,
        effective_date=args.effective_date,
        actor_id=args.actor.user_id,
        actor_name=args.actor.name,
        approval_ref=args.approval_ref,
        reason=args.reason,
        reform=args.reform,
        due_date=due_date,
        related=related,
        note=note,
    )
    invalid = None
    try:
        movement.full_clean(
            exclude=["region", "related", "legs", "status"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        invalid = ApplicationError(
            ErrorCode.VALUE_INVALID, "；".join(messages), field=name
        )
    return PreparedMovement(args, list(legs), by_code, list(units), movement, invalid)


def write_movement(
    args: rules.MovementArgs | None = None,
    *,
    prepared: PreparedMovement | None = None,
    **plan,
) -> tuple[QuotaMovement, list[dict]]:
    """Check the legs, lock units and accounts, save and post one movement.

    Either `prepared` (prepare_movement's, made before the transaction) or the
    arguments of prepare_movement. Runs inside the service's transaction;
    returns the movement and its audit changes (accounts opened here appear
    with before=None).
    """
    if prepared is None:
        prepared = prepare_movement(args, **plan)
    args, legs = prepared.args, prepared.legs
    fresh = lock_units(u.pk for u in prepared.units)
    for unit in fresh.values():
        rules.check_unit_active(unit.status, unit.name)
        rules.check_established(unit.established_on, args.effective_date, unit.name)
    accounts, created = open_accounts(
        [key for key, _ in legs], categories=prepared.categories, units=fresh
    )
    if prepared.invalid is not None:
        raise prepared.invalid
    movement = prepared.movement
    changes = post(movement, [(accounts[k], n) for k, n in legs], today=args.today)
    created_ids = {a.pk for a in created}
    touched = set()
    for change in changes:
        if change["model"] == "quota.QuotaAccount" and change["pk"] in created_ids:
            change["before"] = None
            touched.add(change["pk"])
    changes[1:1] = [
        audit.change(a, None, audit.snapshot(a)) for a in created if a.pk not in touched
    ]
    return movement, changes


# --- posting a movement -------------------------------------------------------


def post(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]], *, today: dt.date
) -> list[dict]:
    """Save the movement and, unless it is future-dated, apply its legs.

    Returns the audit changes (movement, counters before/after, entries, loan).
    A future-dated movement is checked against the projected state at its
    date (today's counters + pending legs) and stored as pending.
    """
    movement.legs = [
        {"account": account.id, "amount": amount}
        for account, amount in sorted(legs, key=lambda leg: leg[0].id)
    ]
    timing = rules.classify(movement.effective_date, today)
    if timing is rules.Timing.FUTURE:
        check_projection(movement, legs, today=today)
        movement.status = QuotaMovement.Status.PENDING
        _save_new(movement)
        return [audit.change(movement, None, audit.snapshot(movement))]
    movement.status = QuotaMovement.Status.APPLIED
    _save_new(movement)
    changes = [audit.change(movement, None, audit.snapshot(movement))]
    return changes + apply_legs(movement, legs, today=today)


def _save_new(movement: QuotaMovement) -> None:
    if movement._state.adding and movement.pk is None:
        fastsql.insert(movement)
    else:
        movement.save()


def apply_legs(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]], *, today: dt.date
) -> list[dict]:
    """Counters, entries and loan effects of a movement effective today or earlier."""
    legs = sorted(legs, key=lambda leg: leg[0].id)
    if movement.effective_date < today:
        check_history(movement, legs, today=today)
    befores = [audit.snapshot(account) for account, _ in legs]
    if len({account.pk for account, _ in legs}) == len(legs):
        update_counters(legs, movement)
    else:  # an account in two legs: one UPDATE each, in turn
        for account, amount in legs:
            update_counter(account, amount, movement)
    changes = [
        audit.change(account, before, audit.snapshot(account))
        for (account, _), before in zip(legs, befores, strict=True)
    ]
    entries = [
        QuotaEntry(
            movement=movement,
            account=account,
            amount=amount,
            effective_date=movement.effective_date,
        )
        for account, amount in legs
    ]
    fastsql.insert_many(entries)
    changes += [audit.change(e, None, audit.snapshot(e)) for e in entries]
    changes += loan_effects(movement, legs)
    return changes


# --- pending movements (bianzhi daily) ----------------------------------------


def apply_pending(
    movement_id: int, *, today: dt.date
) -> tuple[QuotaMovement, list[dict]] | None:
    """Apply one due pending movement; None when someone else already did.

    Must run inside a transaction; raises ApplicationError when a rule now
    fails (the caller rolls back to its savepoint and flags the movement).
    """
    movement = (
        QuotaMovement.objects.select_for_update()
        .filter(
            pk=movement_id,
            status=QuotaMovement.Status.PENDING,
            effective_date__lte=today,
        )
        .first()
    )
    if movement is None:
        return None
    before = audit.snapshot(movement)
    if is_reversal(movement):
        original_status = (
            QuotaMovement.objects.filter(pk=movement.related_id)
            .values_list("status", flat=True)
            .get()
        )
        if original_status != QuotaMovement.Status.APPLIED:
            raise ApplicationError(
                ErrorCode.MOVEMENT_INVALID, "被冲销的变动未入账，冲销不再执行"
            )
    account_ids = [leg["account"] for leg in movement.legs]
    units = lock_units(
        QuotaAccount.objects.filter(id__in=account_ids, unit__isnull=False).values_list(
            "unit_id", flat=True
        )
    )
    accounts = lock_accounts(account_ids, units=units)
    for account in accounts.values():
        if account.unit_id:
            unit = units[account.unit_id]
            account.unit = unit
            rules.check_unit_active(unit.status, unit.name)
    legs = [(accounts[leg["account"]], leg["amount"]) for leg in movement.legs]
    updated = QuotaMovement.objects.filter(
        pk=movement.pk, status=QuotaMovement.Status.PENDING
    ).update(status=QuotaMovement.Status.APPLIED)
    if updated != 1:  # pragma: no cover - the row lock makes this unreachable
        return None
    movement.status = QuotaMovement.Status.APPLIED
    changes = [audit.change(movement, before, audit.snapshot(movement))]
    return movement, changes + apply_legs(movement, legs, today=today)


def flag_pending(
    movement_id: int, reason: str
) -> tuple[QuotaMovement, list[dict]] | None:
    movement = (
        QuotaMovement.objects.select_for_update()
        .filter(pk=movement_id, status=QuotaMovement.Status.PENDING)
        .first()
    )
    if movement is None:
        return None
    before = audit.snapshot(movement)
    QuotaMovement.objects.filter(pk=movement.pk).update(
        status=QuotaMovement.Status.FLAGGED, flag_reason=reason[:300]
    )
    movement.status, movement.flag_reason = QuotaMovement.Status.FLAGGED, reason[:300]
    return movement, [audit.change(movement, before, audit.snapshot(movement))]
