"""What every part of the quota ledger works on: account keys and labels, the
mark of a reversing movement, and the units and accounts read and locked in
the ledger's lock order (units by id → existing accounts by id → new accounts
by key), opening missing accounts on demand.

Roster and matters writers take their locks through these too, so that every
writer keeps the one order (PostgreSQL never deadlocks).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction

from bianzhi.core import fastsql
from bianzhi.orgs.models import Unit

from . import rules, selectors
from .models import HolderKind, QuotaAccount, QuotaCategory, QuotaMovement

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
