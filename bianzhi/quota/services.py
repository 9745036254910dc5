"""Quota movements (DOMAIN §3.2): one function per business operation.

Each function checks the rules that need no database (rules.movement_args:
role, doc_no, dates, back-dating, reform level, quantity), then in one
transaction locks the units and accounts and writes through quota.ledger (the
only writer of entries and counters), and ends with exactly one audit event
listing the movement, its entries and every account counter before/after.

Decisions written down here (DOMAIN leaves them open):
- Conversion (编制性质/经费形式调整) moves n from account (A, a) of a unit to its
  account (B, b). So that every (category, funding) stays balanced, it also
  writes the matching legs on the region's external account (+n on (A, a),
  −n on (B, b)): the control total of (A, a) falls by n and that of (B, b)
  rises by n, visibly. Only the source leg is a reduction (vacancy first
  unless reform); the external legs carry no condition. Postings move along
  with the matters app once the roster exists.
- A reversing movement has the shape of the opposite kind (a reversed grant is
  a recall-shaped movement), takes the original's effective date (the mistake
  never had legal effect; the recorded time keeps "as known on T" honest),
  cites the original in `related` and may not itself be reversed. Reversing a
  pending movement schedules the reversal for the same date. The reverse-flow
  and unit-kind rules do not apply to a reversal (it restores an earlier state).
- A cross-region transfer is one business operation: both halves (write_off in
  the source region, increase_total in the target, linked by `related`) are
  written in one transaction with one audit event.
- A pool loan is due 12 months after its effective date unless due_date says
  otherwise; a return may not exceed the loan's outstanding amount.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.db import transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region, Unit

from . import ledger, rules
from .ledger_accounts import REVERSAL_PREFIX, AccountKey, is_reversal, key_of
from .ledger_accounts import category_of as resolve_category
from .models import HolderKind, Loan, MovementKind, QuotaAccount, QuotaMovement

RESERVE, POOL, EXTERNAL = HolderKind.RESERVE, HolderKind.POOL, HolderKind.EXTERNAL
_ARG_NAMES = (
    "actor",
    "doc_no",
    "effective_date",
    "today",
    "reason",
    "reform",
    "approval_ref",
    "funding",
    "amount",
)


def _args(values: dict) -> rules.MovementArgs:
    """The service's own keyword arguments (its locals()) → checked MovementArgs."""
    picked = {name: values[name] for name in _ARG_NAMES if name in values}
    picked["today"] = picked.get("today") or timezone.localdate()
    return rules.movement_args(**picked)


def _unit(unit: Unit, category, funding: str) -> AccountKey:
    return AccountKey(unit.region_id, HolderKind.UNIT, unit.pk, category.code, funding)


def _system(region_id: str, holder_kind: str, category, funding: str) -> AccountKey:
    return AccountKey(region_id, holder_kind, 0, category.code, funding)


def _record(
    args: rules.MovementArgs, operation: str, changes: list[dict], summary: str
) -> None:
    if args.timing is rules.Timing.FUTURE:
        summary = f"{summary}（{args.effective_date}生效，待生效）"
    audit.record(
        actor=args.actor,
        operation=operation,
        records=changes,
        doc_no=args.doc_no,
        summary=summary,
    )


def _move(
    args: rules.MovementArgs,
    kind: str,
    *,
    giver: AccountKey,
    receiver: AccountKey,
    category,
    units: list[Unit],
    holder: str,
    region_id: str,
    **extra,
) -> QuotaMovement:
    """A two-leg movement: giver −n, receiver +n; one transaction, one audit event."""
    prepared = ledger.prepare_movement(
        args,
        kind=kind,
        region_id=region_id,
        legs=[(giver, -args.amount), (receiver, args.amount)],
        categories=[category],
        units=units,
        **extra,
    )
    with transaction.atomic():
        movement, changes = ledger.write_movement(prepared=prepared)
        _record(
            args,
            f"quota_{kind}",
            changes,
            f"{rules.KIND_LABELS[kind]} {holder} {category.name}·"
            f"{rules.FUNDING_LABELS[args.funding]} {args.amount}名",
        )
    return movement


# --- services (signatures as agreed in COMMON.md) ------------------------------


def _between_system_holders(
    args, kind, region: Region, cat, *, giver: str, receiver: str
):
    """A movement between two system holders (reserve, pool, external) of a region."""
    return _move(
        args,
        kind,
        giver=_system(region.pk, giver, cat, args.funding),
        receiver=_system(region.pk, receiver, cat, args.funding),
        category=cat,
        units=[],
        holder=region.name,
        region_id=region.pk,
    )


def quota_grant(
    *,
    actor: Actor,
    unit: Unit,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    approval_ref: str = "",
    today: dt.date | None = None,
) -> QuotaMovement:
    """核定: region reserve → unit."""
    args, cat = _args(locals()), resolve_category(category)
    region_id, f = unit.region_id, args.funding
    return _move(
        args,
        MovementKind.GRANT,
        giver=_system(region_id, RESERVE, cat, f),
        receiver=_unit(unit, cat, f),
        category=cat,
        units=[unit],
        holder=unit.name,
        region_id=region_id,
    )


def quota_recall(
    *,
    actor: Actor,
    unit: Unit,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """收回: unit → region reserve (vacancy only unless reform)."""
    args, cat = _args(locals()), resolve_category(category)
    region_id, f = unit.region_id, args.funding
    return _move(
        args,
        MovementKind.RECALL,
        giver=_unit(unit, cat, f),
        receiver=_system(region_id, RESERVE, cat, f),
        category=cat,
        units=[unit],
        holder=unit.name,
        region_id=region_id,
    )


def quota_transfer(
    *,
    actor: Actor,
    source_unit: Unit,
    target_unit: Unit,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """划转: unit → unit of the same region (vacancy only unless reform)."""
    args, cat = _args(locals()), resolve_category(category)
    if source_unit.region_id != target_unit.region_id:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            "划转限于同一行政区划内的单位；跨区划须由本级核销、对方核增总量",
            field="target_unit",
        )
    return _move(
        args,
        MovementKind.TRANSFER,
        giver=_unit(source_unit, cat, args.funding),
        receiver=_unit(target_unit, cat, args.funding),
        category=cat,
        units=[source_unit, target_unit],
        holder=f"{source_unit.name}→{target_unit.name}",
        region_id=source_unit.region_id,
    )


def quota_pool_fund(
    *,
    actor: Actor,
    region: Region,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    today: dt.date | None = None,
) -> QuotaMovement:
    """注入周转池: reserve → turnover pool."""
    args, cat = _args(locals()), resolve_category(category)
    return _between_system_holders(
        args, MovementKind.POOL_FUND, region, cat, giver=RESERVE, receiver=POOL
    )


def quota_pool_defund(
    *,
    actor: Actor,
    region: Region,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """周转池收回: turnover pool → reserve."""
    args, cat = _args(locals()), resolve_category(category)
    return _between_system_holders(
        args, MovementKind.POOL_DEFUND, region, cat, giver=POOL, receiver=RESERVE
    )


def quota_loan(
    *,
    actor: Actor,
    unit: Unit,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    due_date=None,
    reason: str = "",
    today: dt.date | None = None,
) -> QuotaMovement:
    """借出: turnover pool → unit, due back by due_date (default 12 months later)."""
    args, cat = _args(locals()), resolve_category(category)
    due = (
        parse_date(due_date, field="due_date")
        if due_date
        else rules.default_due_date(args.effective_date)
    )
    rules.check_due_date(due, args.effective_date)
    region_id, f = unit.region_id, args.funding
    return _move(
        args,
        MovementKind.LOAN,
        giver=_system(region_id, POOL, cat, f),
        receiver=_unit(unit, cat, f),
        category=cat,
        units=[unit],
        holder=unit.name,
        region_id=region_id,
        due_date=due,
    )


def quota_return(
    *,
    actor: Actor,
    loan: Loan,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """归还: unit → turnover pool against one loan (at most its outstanding)."""
    args = _args(locals())
    account = QuotaAccount.objects.select_related("unit", "category").get(
        pk=loan.account_id
    )
    args = dataclasses.replace(args, funding=account.funding)
    rules.check_return(outstanding=loan.outstanding, amount=args.amount)
    loan_date = QuotaMovement.objects.values_list("effective_date", flat=True).get(
        pk=loan.movement_id
    )
    if args.effective_date < loan_date:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"归还生效日期{args.effective_date}早于借出日期{loan_date}",
            field="effective_date",
        )
    cat, unit = account.category, account.unit
    return _move(
        args,
        MovementKind.RETURN,
        giver=_unit(unit, cat, account.funding),
        receiver=_system(account.region_id, POOL, cat, account.funding),
        category=cat,
        units=[unit],
        holder=unit.name,
        region_id=account.region_id,
        related=QuotaMovement(pk=loan.movement_id),
    )


def quota_increase_total(
    *,
    actor: Actor,
    region: Region,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    today: dt.date | None = None,
) -> QuotaMovement:
    """核增总量: higher level (external) → reserve; raises the control total."""
    args, cat = _args(locals()), resolve_category(category)
    rules.check_funding(
        category_name=cat.name,
        full_funding_only=cat.full_funding_only,
        funding=args.funding,
    )
    return _between_system_holders(
        args, MovementKind.INCREASE_TOTAL, region, cat, giver=EXTERNAL, receiver=RESERVE
    )


def quota_write_off(
    *,
    actor: Actor,
    region: Region,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """核销: reserve → higher level (external); lowers the control total."""
    args, cat = _args(locals()), resolve_category(category)
    return _between_system_holders(
        args, MovementKind.WRITE_OFF, region, cat, giver=RESERVE, receiver=EXTERNAL
    )


def quota_transfer_between_regions(
    *,
    actor: Actor,
    source_region: Region,
    target_region: Region,
    category,
    funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    today: dt.date | None = None,
) -> tuple[QuotaMovement, QuotaMovement]:
    """跨区划划转: write_off in the source + increase_total in the target, one doc_no."""
    args, cat = _args(locals()), resolve_category(category)
    if source_region.pk == target_region.pk:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            "转出与转入行政区划不能相同",
            field="target_region",
        )
    rules.check_funding(
        category_name=cat.name,
        full_funding_only=cat.full_funding_only,
        funding=args.funding,
    )
    n, f, src, dst = args.amount, args.funding, source_region.pk, target_region.pk
    with transaction.atomic():
        out, changes = ledger.write_movement(
            args,
            kind=MovementKind.WRITE_OFF,
            region_id=src,
            legs=[
                (_system(src, RESERVE, cat, f), -n),
                (_system(src, EXTERNAL, cat, f), n),
            ],
            categories=[cat],
            units=[],
            note=f"划转至{target_region.name}",
        )
        into, more = ledger.write_movement(
            args,
            kind=MovementKind.INCREASE_TOTAL,
            region_id=dst,
            legs=[
                (_system(dst, EXTERNAL, cat, f), -n),
                (_system(dst, RESERVE, cat, f), n),
            ],
            categories=[cat],
            units=[],
            related=out,
            note=f"由{source_region.name}划入",
        )
        _record(
            args,
            "quota_transfer_between_regions",
            changes + more,
            f"跨区划划转 {source_region.name}→{target_region.name} {cat.name}·"
            f"{rules.FUNDING_LABELS[f]} {n}名",
        )
    return out, into


def quota_conversion(
    *,
    actor: Actor,
    unit: Unit,
    category,
    funding,
    to_category,
    to_funding,
    amount,
    doc_no,
    effective_date,
    reason: str = "",
    approval_ref: str = "",
    reform: bool = False,
    today: dt.date | None = None,
) -> QuotaMovement:
    """编制性质/经费形式调整 within one unit (see the module docstring)."""
    args = _args(locals())
    cat, to_cat = resolve_category(category), resolve_category(to_category)
    fund, to_fund = args.funding, rules.parse_funding(to_funding)
    if (cat.code, fund) == (to_cat.code, to_fund):
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            "调整前后的编制类型和经费形式相同",
            field="to_category",
        )
    what = (
        f"{cat.name}·{rules.FUNDING_LABELS[fund]}调整为"
        f"{to_cat.name}·{rules.FUNDING_LABELS[to_fund]}"
    )
    rules.check_reverse_flow(
        from_rank=cat.rank,
        from_funding=fund,
        to_rank=to_cat.rank,
        to_funding=to_fund,
        approval_ref=args.approval_ref,
        description=what,
    )
    n, region_id = args.amount, unit.region_id
    with transaction.atomic():
        movement, changes = ledger.write_movement(
            args,
            kind=MovementKind.CONVERSION,
            region_id=region_id,
            legs=[
                (_unit(unit, cat, fund), -n),
                (_unit(unit, to_cat, to_fund), n),
                (_system(region_id, EXTERNAL, cat, fund), n),
                (_system(region_id, EXTERNAL, to_cat, to_fund), -n),
            ],
            categories=[cat, to_cat],
            units=[unit],
        )
        _record(args, "quota_conversion", changes, f"调整 {unit.name} {what} {n}名")
    return movement


def movement_reverse(
    *,
    actor: Actor,
    movement: QuotaMovement,
    doc_no,
    reason: str,
    today: dt.date | None = None,
) -> QuotaMovement:
    """冲销: the opposite legs at the original's effective date, citing it."""
    rules.check_office(actor.is_office)
    rules.check_reason(reason, what="冲销")
    with transaction.atomic():
        original = QuotaMovement.objects.select_for_update().get(pk=movement.pk)
        args = _args(locals() | {"effective_date": original.effective_date})
        what = f"第{original.pk}号{original.get_kind_display()}（{original.doc_no}）"
        already = (
            QuotaMovement.objects.filter(
                related=original, note__startswith=REVERSAL_PREFIX
            )
            .exclude(status=QuotaMovement.Status.FLAGGED)
            .exists()
        )
        rules.check_reversible(
            status=original.status,
            is_reversal=is_reversal(original),
            already_reversed=already,
            description=what,
        )
        if (
            original.status == QuotaMovement.Status.PENDING
            and original.effective_date <= args.today
        ):
            raise ApplicationError(
                ErrorCode.MOVEMENT_INVALID,
                f"{what}已到生效日期但尚未入账，请先运行每日任务（bianzhi daily）",
            )
        accounts = QuotaAccount.objects.select_related("category", "unit").in_bulk(
            [leg["account"] for leg in original.legs]
        )
        result, changes = ledger.write_movement(
            args,
            kind=rules.OPPOSITE_KIND[original.kind],
            region_id=original.region_id,
            legs=[
                (key_of(accounts[leg["account"]]), -leg["amount"])
                for leg in original.legs
            ],
            categories=list({a.category for a in accounts.values()}),
            units=list({a.unit for a in accounts.values() if a.unit_id}),
            related=original,
            check_holding=False,
            note=f"{REVERSAL_PREFIX}{what}",
        )
        _record(args, "quota_movement_reverse", changes, f"冲销{what}")
    return result
