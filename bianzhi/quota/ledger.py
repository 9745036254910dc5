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

from bianzhi.core import audit
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


def account_label(account: QuotaAccount) -> str:
    holder = (
        account.unit.name
        if account.unit_id
        else rules.HOLDER_LABELS.get(account.holder_kind, account.holder_kind)
    )
    funding = rules.FUNDING_LABELS.get(account.funding, account.funding)
    return f"{holder}·{account.category.name}·{funding}"


def lock_units(unit_ids) -> dict[int, Unit]:
    """Fresh, locked unit rows: status may have changed since the caller read them."""
    ids = sorted(set(unit_ids))
    if not ids:
        return {}
    return {
        unit.id: unit
        for unit in Unit.objects.select_for_update().filter(id__in=ids).order_by("id")
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
    wanted = set(keys)
    # One coarse query (cheap to build), matched to the exact keys in Python;
    # it may also lock a sibling account of the same holder, which is harmless.
    holders = Q(unit_id__in={k.unit_id for k in keys if k.unit_id})
    system = {k.holder_kind for k in keys if not k.unit_id}
    if system:
        holders |= Q(holder_kind__in=system, unit__isnull=True)
    found: dict[AccountKey, QuotaAccount] = {}
    for account in (
        QuotaAccount.objects.select_for_update()
        .filter(
            holders,
            region_id__in={k.region_id for k in keys},
            category_id__in={k.category_id for k in keys},
            funding__in={k.funding for k in keys},
        )
        .order_by("id")
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


def lock_accounts(account_ids) -> dict[int, QuotaAccount]:
    return {
        account.id: account
        for account in QuotaAccount.objects.select_for_update(of=("self",))
        .select_related("unit", "category")
        .filter(id__in=sorted(set(account_ids)))
        .order_by("id")
    }


# --- writing a movement -------------------------------------------------------


def write_movement(
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
) -> tuple[QuotaMovement, list[dict]]:
    """Check the legs, lock units and accounts, save and post one movement.

    Runs inside the service's transaction; returns the movement and its audit
    changes (accounts opened here appear with before=None).
    """
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
    fresh = lock_units(u.pk for u in units)
    for unit in fresh.values():
        rules.check_unit_active(unit.status, unit.name)
        rules.check_established(unit.established_on, args.effective_date, unit.name)
    accounts, created = open_accounts(
        [key for key, _ in legs], categories=by_code, units=fresh
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
    try:
        movement.full_clean(
            exclude=["region", "related", "legs", "status"],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "；".join(messages), field=name
        ) from None
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
        movement.save()
        return [audit.change(movement, None, audit.snapshot(movement))]
    movement.status = QuotaMovement.Status.APPLIED
    movement.save()
    changes = [audit.change(movement, None, audit.snapshot(movement))]
    return changes + apply_legs(movement, legs, today=today)


def apply_legs(
    movement: QuotaMovement, legs: list[tuple[QuotaAccount, int]], *, today: dt.date
) -> list[dict]:
    """Counters, entries and loan effects of a movement effective today or earlier."""
    legs = sorted(legs, key=lambda leg: leg[0].id)
    if movement.effective_date < today:
        _check_history(movement, legs, today=today)
    changes = []
    for account, amount in legs:
        before = audit.snapshot(account)
        _update_counter(account, amount, movement)
        changes.append(audit.change(account, before, audit.snapshot(account)))
    entries = QuotaEntry.objects.bulk_create(
        [
            QuotaEntry(
                movement=movement,
                account=account,
                amount=amount,
                effective_date=movement.effective_date,
            )
            for account, amount in legs
        ]
    )
    changes += [audit.change(e, None, audit.snapshot(e)) for e in entries]
    changes += _loan_effects(movement, legs)
    return changes


def _update_counter(
    account: QuotaAccount, amount: int, movement: QuotaMovement
) -> None:
    rows = QuotaAccount.objects.filter(pk=account.pk)
    updates: dict = {"approved": F("approved") + amount}
    new_approved = account.approved + amount
    if account.holder_kind == HolderKind.EXTERNAL:
        pass  # −(control total): negative by definition, no condition
    elif amount > 0:
        if account.over_since and account.occupied <= new_approved:
            updates.update(over_since=None, over_reason="")  # the excess is digested
    else:
        size = -amount
        rules.check_reduction(
            label=account_label(account),
            approved=account.approved,
            occupied=account.occupied,
            reserved=account.reserved,
            amount=size,
            reform=movement.reform,
        )
        if movement.reform:
            rows = rows.filter(approved__gte=size)
        else:
            rows = rows.filter(approved__gte=F("occupied") + F("reserved") + size)
        if account.occupied > new_approved and account.over_since is None:
            updates.update(
                over_since=movement.effective_date,
                over_reason=f"改革核减（{movement.doc_no}）"[:200],
            )
    if rows.update(**updates) != 1:
        fresh = QuotaAccount.objects.get(pk=account.pk)
        raise ApplicationError(
            ErrorCode.QUOTA_NEGATIVE,
            f"{account_label(account)}核定{fresh.approved}名、实有{fresh.occupied}名、"
            f"预留{fresh.reserved}名，不足核减{-amount}名",
        )
    account.approved = new_approved
    if "over_since" in updates:
        account.over_since = updates["over_since"]
        account.over_reason = updates["over_reason"]


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
    accounts = lock_accounts(account_ids)
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
