"""The only module that writes QuotaEntry rows and the account counters.

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
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum

from bianzhi.core import audit, fastsql
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import rules, selectors
from .models import (
    HolderKind,
    Loan,
    MovementKind,
    QuotaAccount,
    QuotaCategory,
    QuotaEntry,
    QuotaMovement,
)

# A reversing movement's note starts with this; its `related` is the original.
REVERSAL_PREFIX = "冲销"


def is_reversal(movement: QuotaMovement) -> bool:
    return bool(movement.related_id) and movement.note.startswith(REVERSAL_PREFIX)


@dataclass(frozen=True, order=True)
class AccountKey:
    region_id: str
    holder_kind: str
    unit_id: int  # 0 for the system holders (reserve / pool / external)
    category_id: str
    funding: str

    def lookup(self) -> dict:
        data = {
            "region_id": self.region_id,
            "holder_kind": self.holder_kind,
            "category_id": self.category_id,
            "funding": self.funding,
        }
        if self.holder_kind == HolderKind.UNIT:
            data["unit_id"] = self.unit_id
        else:
            data["unit__isnull"] = True
        return data


def category_of(value) -> QuotaCategory:
    """selectors.resolve_category, with the usual case (a code) in one cheap read."""
    if isinstance(value, QuotaCategory):
        return value
    text = str(value or "").strip()
    found = fastsql.select_one(QuotaCategory, "code = %s", [text])
    return found if found is not None else selectors.resolve_category(text)


def account_label(account: QuotaAccount) -> str:
    holder = (
        account.unit.name
        if account.unit_id
        else rules.HOLDER_LABELS.get(account.holder_kind, account.holder_kind)
    )
    funding = rules.FUNDING_LABELS.get(account.funding, account.funding)
    return f"{holder}·{account.category.name}·{funding}"


def _marks(values) -> str:
    return ", ".join(["%s"] * len(values))


def lock_units(unit_ids) -> dict[int, Unit]:
    """Fresh, locked unit rows: status may have changed since the caller read them."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    return {
        unit.id: unit
        for unit in fastsql.select(
            Unit, f"id IN ({_marks(ids)})", ids, lock=True, order_by="id"
        )
    }


def open_accounts(
    keys, *, categories: dict[str, QuotaCategory], units: dict[int, Unit]
) -> tuple[dict[AccountKey, QuotaAccount], list[QuotaAccount]]:
    """Lock the accounts of `keys` (by id), opening the missing ones on demand.

    Returns (accounts by key, accounts created). Creation is race-safe: a
    concurrent opener's row makes our insert fail inside a savepoint and we
    take theirs.
    """
    keys = sorted(set(keys))
    if not keys:
        return {}, []
    wanted = set(keys)
    # One coarse query (cheap to build), matched to the exact keys in Python;
    # it may also lock a sibling account of the same holder, which is harmless.
    system = {k.holder_kind for k in keys if not k.unit_id}
    found: dict[AccountKey, QuotaAccount] = {}
    unit_ids = sorted({k.unit_id for k in keys if k.unit_id})
    holders, params = [], []
    if unit_ids:
        holders.append(f"unit_id IN ({_marks(unit_ids)})")
        params += unit_ids
    if system:
        holders.append(f"(holder_kind IN ({_marks(system)}) AND unit_id IS NULL)")
        params += sorted(system)
    regions = sorted({k.region_id for k in keys})
    codes = sorted({k.category_id for k in keys})
    fundings = sorted({k.funding for k in keys})
    where = (
        f"({' OR '.join(holders)}) AND region_id IN ({_marks(regions)})"
        f" AND category_id IN ({_marks(codes)}) AND funding IN ({_marks(fundings)})"
    )
    for account in fastsql.select(
        QuotaAccount,
        where,
        params + regions + codes + fundings,
        lock=True,
        order_by="id",
    ):
        key = key_of(account)
        if key in wanted:
            found[key] = account
    created: list[QuotaAccount] = []
    for key in keys:
        if key in found:
            continue
        fields = {
            "region_id": key.region_id,
            "holder_kind": key.holder_kind,
            "unit_id": key.unit_id or None,
            "category_id": key.category_id,
            "funding": key.funding,
        }
        try:
            with transaction.atomic():
                account = QuotaAccount.objects.create(**fields)
            created.append(account)
        except IntegrityError:
            account = QuotaAccount.objects.select_for_update().get(**key.lookup())
        found[key] = account
    for key, account in found.items():
        # Cache the relations the labels and snapshots need (no extra queries).
        account.category = categories[key.category_id]
        if key.unit_id:
            account.unit = units[key.unit_id]
    return found, created


def key_of(account: QuotaAccount) -> AccountKey:
    return AccountKey(
        account.region_id,
        account.holder_kind,
        account.unit_id or 0,
        account.category_id,
        account.funding,
    )


def lock_accounts(
    account_ids, *, units: dict[int, Unit] | None = None
) -> dict[int, QuotaAccount]:
    """Lock accounts by id (in id order), with unit and category attached.

    `units`: rows the caller already holds (locked); others are read unlocked,
    as the select_related of the accounts' units would.
    """
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    accounts = fastsql.select(
        QuotaAccount, f"id IN ({_marks(ids)})", ids, lock=True, order_by="id"
    )
    attach(accounts, units=units)
    return {account.id: account for account in accounts}


def attach(
    accounts: list[QuotaAccount],
    *,
    units: dict[int, Unit] | None = None,
    categories: dict[str, QuotaCategory] | None = None,
) -> None:
    """Cache each account's unit and category (what labels and checks read)."""
    units = dict(units or {})
    missing = sorted({a.unit_id for a in accounts if a.unit_id} - set(units))
    if missing:
        units.update(
            (u.id, u)
            for u in fastsql.select(Unit, f"id IN ({_marks(missing)})", missing)
        )
    categories = dict(categories or {})
    codes = sorted({a.category_id for a in accounts} - set(categories))
    if codes:
        categories.update(
            (c.code, c)
            for c in fastsql.select(QuotaCategory, f"code IN ({_marks(codes)})", codes)
        )
    for account in accounts:
        account.category = categories[account.category_id]
        if account.unit_id:
            account.unit = units[account.unit_id]


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
        _check_projection(movement, legs, today=today)
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
        _check_history(movement, legs, today=today)
    befores = [audit.snapshot(account) for account, _ in legs]
    if len({account.pk for account, _ in legs}) == len(legs):
        _update_counters(legs, movement)
    else:  # an account in two legs: one UPDATE each, in turn
        for account, amount in legs:
            _update_counter(account, amount, movement)
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
    changes += _loan_effects(movement, legs)
    return changes


def _counter_plan(
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


def _update_counters(
    legs: list[tuple[QuotaAccount, int]], movement: QuotaMovement
) -> None:
    """Every leg's counter in ONE conditional UPDATE (distinct accounts, locked
    by the caller in id order): each debit carries its own guard, and the row
    count must be the number of legs — else the first debit whose guard fails
    now is refused, as _update_counter would."""
    plans = [_counter_plan(account, amount, movement) for account, amount in legs]
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
        _refuse(account, amount, fresh[account.pk])
    for (account, amount), (_, _, over) in zip(legs, plans, strict=True):
        account.approved += amount
        if over is not None:
            account.over_since, account.over_reason = over


def _refuse(account: QuotaAccount, amount: int, fresh: QuotaAccount):
    raise ApplicationError(
        ErrorCode.QUOTA_NEGATIVE,
        f"{account_label(account)}核定{fresh.approved}名、实有{fresh.occupied}名、"
        f"预留{fresh.reserved}名，不足核减{-amount}名",
    )


def _update_counter(
    account: QuotaAccount, amount: int, movement: QuotaMovement
) -> None:
    """The account's approved += amount, as one (conditional) UPDATE."""
    sets, params = ["approved = approved + %s"], [amount]
    new_approved = account.approved + amount
    guard, where_params, over = _counter_plan(account, amount, movement)
    where, where_params = f"id = %s{guard}", [account.pk, *where_params]
    if over is not None:
        sets.append("over_since = %s, over_reason = %s")
        field = QuotaAccount._meta.get_field("over_since")
        params += [field.get_db_prep_save(over[0], _connection()), over[1]]
    if fastsql.update(QuotaAccount, ", ".join(sets), where, params + where_params) != 1:
        _refuse(account, amount, QuotaAccount.objects.get(pk=account.pk))
    account.approved = new_approved
    if over is not None:
        account.over_since, account.over_reason = over


def _connection():
    return transaction.get_connection()


def _loan_effects(
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


# --- checks over time ---------------------------------------------------------


def _check_history(
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


def _check_projection(
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
