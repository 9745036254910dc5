"""Matters that span orgs, quota and the roster (DOMAIN §3.1, §3.2): revoking
and merging a unit, and a conversion that takes its postings along.

Each service is one transaction with one audit event listing every changed
record; the quota moves through quota.ledger (the only writer of entries and
counters), the postings through quota.occupancy, in the lock order of the
roster: persons → units → accounts → audit head.

Decisions written down here (DOMAIN leaves them open):
- Office staff only (as every quota movement); no future effective dates (the
  roster keeps no pending postings); a back-dated matter needs a reason and
  the ledger re-checks the history of every reduction.
- Reservations (plans, permits) in an account of the unit refuse a revoke or
  merge (VALUE_INVALID): they are used or withdrawn first.
- Revoke: refused (UNIT_HAS_POSTINGS) while a posting of the unit is active
  or ended after the effective date. Each outstanding pool loan is returned
  (a return movement), the rest of every account's approved is recalled to
  the reserve (a recall movement). Active appointments of the unit end,
  internal bodies are abolished (each with its lineage record).
- Merge: both units active, in the same region, different. First every
  active posting moves (posting_move, exempt, identity must fit the target:
  CATEGORY_MISMATCH), its appointments ending; then each outstanding loan
  passes to the target — returned by the merged unit and lent anew to the
  target with the same due date, so the loan stays visible and due —; then
  the remaining approved of each account is a transfer movement
  (CATEGORY_NOT_ALLOWED when the target may not hold it). The target gets a
  merge lineage record too ("merged_from").
- Conversion with postings (account_conversion): the quota movement is the
  one quota.services.quota_conversion writes (external legs included), the
  listed postings (default: the fewest so the source keeps no excess, by
  posting id among those whose identity fits) continue in the new account
  as conversion moves; at most `amount` people move (the quota they bring);
  appointments follow the new posting (same unit).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit, UnitChange
from bianzhi.quota import rules as quota_rules
from bianzhi.quota.models import HolderKind, MovementKind, QuotaAccount, QuotaMovement
from bianzhi.roster.models import MoveKind, Posting
from bianzhi.roster.services_intake import end_appointments

from . import common
from .common import system_key, unit_key
from .services_conversion import account_conversion

POOL, RESERVE = HolderKind.POOL, HolderKind.RESERVE

__all__ = ["account_conversion", "unit_merge", "unit_revoke"]


def _check_not_after(unit: Unit, on: dt.date, what: str) -> None:
    """A posting that ended after `on` would place someone in a closed unit."""
    late = (
        Posting.objects.filter(unit=unit, end_date__gt=on).order_by("-end_date").first()
    )
    if late is not None:
        raise ApplicationError(
            ErrorCode.UNIT_HAS_POSTINGS,
            f"{unit.name}有人员至{late.end_date}仍在编，{what}日期{on}不能早于该日",
            field="effective_date",
        )


def _return_loans(
    args, unit: Unit, accounts, *, relend_to: Unit | None = None
) -> list[dict]:
    """Return every outstanding loan of `accounts`; with relend_to, lend the
    same amount to that unit with the loan's due date."""
    changes = []
    for loan in common.outstanding_loans([a.pk for a in accounts]):
        account = accounts_by_id(accounts)[loan.account_id]
        lent_on = common.loan_date(loan)
        if args.effective_date < lent_on:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"生效日期{args.effective_date}早于周转池借出日期{lent_on}",
                field="effective_date",
            )
        code, funding, n = account.category_id, account.funding, loan.outstanding
        _, written = common.movement(
            args,
            kind=MovementKind.RETURN,
            region_id=unit.region_id,
            legs=[
                (unit_key(unit, code, funding), -n),
                (system_key(unit.region_id, POOL, code, funding), n),
            ],
            units=[unit],
            related=QuotaMovement(pk=loan.movement_id),
        )
        changes += written
        if relend_to is not None:
            _, written = common.movement(
                args,
                kind=MovementKind.LOAN,
                region_id=unit.region_id,
                legs=[
                    (system_key(unit.region_id, POOL, code, funding), -n),
                    (unit_key(relend_to, code, funding), n),
                ],
                units=[relend_to],
                due_date=loan.due_date,
                note=f"随{unit.name}并入承接（原第{loan.pk}笔借用）",
            )
            changes += written
    return changes


def accounts_by_id(accounts) -> dict[int, QuotaAccount]:
    return {a.pk: a for a in accounts}


# --- revoke ------------------------------------------------------------------------


def unit_revoke(
    *,
    actor: Actor,
    unit,
    doc_no,
    effective_date,
    reason: str = "",
    today: dt.date | None = None,
) -> Unit:
    """撤销: loans back to the pool, the rest of the quota back to the reserve,
    appointments and internal bodies ended — refused while people are posted."""
    args = common.prepare(
        actor=actor,
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
        what="撤销",
    )
    on, unit_id = args.effective_date, common.unit_id_of(unit)
    with transaction.atomic():
        unit = common.lock_units([unit_id])[unit_id]
        common.require_active(unit)
        common.require_established(unit, on)
        active = Posting.objects.filter(unit=unit, end_date__isnull=True).count()
        if active:
            raise ApplicationError(
                ErrorCode.UNIT_HAS_POSTINGS,
                f"{unit.name}尚有在编人员{active}名，须先办理出编或调动后再撤销",
                field="unit",
                params={"count": active},
            )
        _check_not_after(unit, on, "撤销")
        accounts = list(common.unit_accounts(unit).values())
        common.refuse_reserved(accounts, "撤销")
        changes = _return_loans(args, unit, accounts)
        for account in accounts:
            account.refresh_from_db(fields=["approved"])
            if account.approved <= 0:
                continue
            code, funding = account.category_id, account.funding
            _, written = common.movement(
                args,
                kind=MovementKind.RECALL,
                region_id=unit.region_id,
                legs=[
                    (unit_key(unit, code, funding), -account.approved),
                    (
                        system_key(unit.region_id, RESERVE, code, funding),
                        account.approved,
                    ),
                ],
                units=[unit],
                note=f"{unit.name}撤销收回",
            )
            changes += written
        changes += common.end_unit_appointments(unit, on=on, doc_no=args.doc_no)
        changes += common.end_internal_bodies(
            unit, on=on, doc_no=args.doc_no, actor=actor, reason=args.reason
        )
        changes = (
            common.close_unit(
                unit,
                status=Unit.Status.REVOKED,
                kind=UnitChange.Kind.REVOKE,
                on=on,
                doc_no=args.doc_no,
                actor=actor,
                reason=args.reason,
            )
            + changes
        )
        audit.record(
            actor=actor,
            operation="unit_revoke",
            records=changes,
            doc_no=args.doc_no,
            summary=f"撤销 {unit.name}（{on}）",
        )
    return unit


# --- merge -----------------------------------------------------------------------------


def unit_merge(
    *,
    actor: Actor,
    unit,
    into,
    doc_no,
    effective_date,
    reason: str = "",
    today: dt.date | None = None,
) -> Unit:
    """合并 (整建制划转): every balance and every posting of `unit` to `into`."""
    args = common.prepare(
        actor=actor,
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
        what="合并",
    )
    on = args.effective_date
    unit_id, into_id = common.unit_id_of(unit), common.unit_id_of(into)
    if unit_id == into_id:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "不能并入本单位", field="into")
    with transaction.atomic():
        person_ids = Posting.objects.filter(
            unit_id=unit_id, end_date__isnull=True
        ).values_list("person_id", flat=True)
        common.lock_persons(list(person_ids))
        units = common.lock_units([unit_id, into_id])
        unit, target = units[unit_id], units[into_id]
        common.require_active(unit)
        common.require_active(target, field="into")
        if unit.region_id != target.region_id:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{unit.name}与{target.name}不在同一行政区划，不能合并；"
                "跨区划须撤销后由对方核增",
                field="into",
            )
        common.require_established(unit, on)
        common.require_established(target, on)
        postings = list(
            Posting.objects.select_for_update(of=("self",))
            .filter(unit=unit, end_date__isnull=True)
            .select_related("person")
            .order_by("id")
        )
        # Enrolled between our reading and the unit lock: lock them too.
        common.lock_persons([p.person_id for p in postings])
        common.check_postings_dated(postings, on, "合并")
        _check_not_after(unit, on, "合并")
        accounts = common.unit_accounts(unit)
        common.refuse_reserved(accounts.values(), "合并")
        held = [a for a in accounts.values() if a.approved or a.occupied]
        for account in held:
            category = account.category
            quota_rules.check_unit_may_hold(
                unit_kind=target.kind,
                unit_name=target.name,
                category_code=category.code,
                category_name=category.name,
                allowed_unit_kinds=category.allowed_unit_kinds,
                full_funding_only=category.full_funding_only,
                funding=account.funding,
            )
        keys = {a.pk: unit_key(target, a.category_id, a.funding) for a in held}
        opened, changes = common.open_unit_accounts(
            set(keys.values()), units={target.pk: target}
        )
        moved = 0
        for posting in postings:
            source = accounts[posting.account_id]
            destination = opened[keys[source.pk]]
            common.fits(posting.person, destination, target)
            changes += end_appointments(posting, on=on, doc_no=args.doc_no)
            _, written = common.move_posting(
                posting,
                source=source,
                target=destination,
                unit=target,
                on=on,
                doc_no=args.doc_no,
                kind=MoveKind.POSTING_MOVE,
                today=args.today,
            )
            changes += written
            moved += 1
        changes += _return_loans(args, unit, held, relend_to=target)
        for account in held:
            account.refresh_from_db(fields=["approved"])
            if account.approved <= 0:
                continue
            code, funding = account.category_id, account.funding
            _, written = common.movement(
                args,
                kind=MovementKind.TRANSFER,
                region_id=unit.region_id,
                legs=[
                    (unit_key(unit, code, funding), -account.approved),
                    (unit_key(target, code, funding), account.approved),
                ],
                units=[unit, target],
                note=f"{unit.name}并入{target.name}",
            )
            changes += written
        changes += common.end_unit_appointments(unit, on=on, doc_no=args.doc_no)
        changes += common.end_internal_bodies(
            unit, on=on, doc_no=args.doc_no, actor=actor, reason=args.reason
        )
        changes = (
            common.close_unit(
                unit,
                status=Unit.Status.MERGED,
                kind=UnitChange.Kind.MERGE,
                on=on,
                doc_no=args.doc_no,
                actor=actor,
                reason=args.reason,
                merged_into=target,
            )
            + changes
        )
        record = UnitChange.objects.create(
            unit=target,
            kind=UnitChange.Kind.MERGE,
            effective_date=on,
            doc_no=args.doc_no,
            actor_name=actor.name,
            reason=args.reason,
            before={},
            after={"merged_from": {"id": unit.pk, "name": unit.name}},
        )
        changes.append(audit.change(record, None, audit.snapshot(record)))
        audit.record(
            actor=actor,
            operation="unit_merge",
            records=changes,
            doc_no=args.doc_no,
            summary=f"合并 {unit.name} → {target.name}（{on}，划转人员{moved}名）",
        )
    return unit
