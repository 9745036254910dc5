"""Steps the cross-domain matters share: argument checks, locks in the common
order (persons → units → accounts → audit head), posting moves, ending a
unit's appointments and internal bodies, and single ledger movements written
inside the matter's own transaction (one audit event per matter)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InternalBody, Unit, UnitChange
from bianzhi.quota import ledger, ledger_accounts, occupancy
from bianzhi.quota import rules as quota_rules
from bianzhi.quota.ledger_accounts import AccountKey
from bianzhi.quota.models import (
    HolderKind,
    Loan,
    QuotaAccount,
    QuotaCategory,
    QuotaMovement,
)
from bianzhi.roster import rules as roster_rules
from bianzhi.roster.models import (
    Appointment,
    IntakeResource,
    Person,
    Posting,
)
from bianzhi.roster.services_common import save
from bianzhi.roster.services_intake import end_posting

_POSTING_FK = ["person", "account", "unit", "previous"]


def prepare(
    *,
    actor: Actor,
    doc_no,
    effective_date,
    reason: str,
    today: dt.date | None,
    approval_ref: str = "",
    what: str,
    **amounts,
) -> quota_rules.MovementArgs:
    """Office role, doc_no, date, back-dating (reason) — as every quota movement.

    A matter moves postings, and the roster keeps no pending postings: a
    future effective date is refused (record it on the day).
    """
    args = quota_rules.movement_args(
        actor=actor,
        doc_no=doc_no,
        effective_date=effective_date,
        today=today or timezone.localdate(),
        reason=reason,
        approval_ref=approval_ref,
        **amounts,  # funding / amount, checked in the ledger's order
    )
    if args.timing is quota_rules.Timing.FUTURE:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"{what}生效日期{args.effective_date}晚于今天{args.today}；"
            "请在生效当日或之后办理",
            field="effective_date",
        )
    return args


def unit_id_of(value) -> int:
    if isinstance(value, Unit):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.UNIT_UNKNOWN, str(value), field="unit"
        ) from None


def lock_persons(person_ids) -> dict[int, Person]:
    return {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(pk__in=sorted(set(person_ids)))
        .order_by("pk")
    }


def lock_units(unit_ids, *, field: str = "unit") -> dict[int, Unit]:
    units = ledger_accounts.lock_units(unit_ids)
    if set(unit_ids) - set(units):
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field=field)
    return units


def require_active(unit: Unit, *, field: str = "unit") -> None:
    if not unit.is_active:
        raise ApplicationError(
            ErrorCode.UNIT_INACTIVE,
            f"{unit.name}（{unit.get_status_display()}）",
            field=field,
        )


def require_established(unit: Unit, on: dt.date) -> None:
    if on < unit.established_on:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"生效日期{on}早于{unit.name}设立日期{unit.established_on}",
            field="effective_date",
        )


def unit_accounts(unit: Unit) -> dict[int, QuotaAccount]:
    """Every account of the unit, locked (by id)."""
    ids = QuotaAccount.objects.filter(unit=unit).values_list("id", flat=True)
    return ledger_accounts.lock_accounts(list(ids))


def refuse_reserved(accounts, what: str) -> None:
    """Reservations belong to approved plans or permits of the unit: they must
    be used or withdrawn first (a matter never cancels them silently)."""
    for account in accounts:
        if account.reserved:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{ledger_accounts.account_label(account)}有预留编制{account.reserved}名"
                f"（用编计划或核准），请先使用或撤回后再办理{what}",
                field="unit",
            )


def unit_key(unit: Unit, category_code: str, funding: str) -> AccountKey:
    return AccountKey(unit.region_id, HolderKind.UNIT, unit.pk, category_code, funding)


def system_key(region_id: str, holder: str, category_code: str, funding: str):
    return AccountKey(region_id, holder, 0, category_code, funding)


def open_unit_accounts(
    keys, *, units: dict[int, Unit]
) -> tuple[dict[AccountKey, QuotaAccount], list[dict]]:
    """Lock (opening the missing ones) the unit accounts a posting moves into."""
    categories = {c.code: c for c in QuotaCategory.objects.all()}
    found, created = ledger_accounts.open_accounts(
        keys, categories=categories, units=units
    )
    return found, [audit.change(a, None, audit.snapshot(a)) for a in created]


def movement(
    args: quota_rules.MovementArgs,
    *,
    kind: str,
    region_id: str,
    legs: list[tuple[AccountKey, int]],
    units: list[Unit],
    related: QuotaMovement | None = None,
    due_date: dt.date | None = None,
    note: str = "",
) -> tuple[QuotaMovement, list[dict]]:
    """One ledger movement inside the matter's transaction (no audit event)."""
    amount = max(n for _, n in legs)
    funding = legs[0][0].funding
    codes = {key.category_id for key, _ in legs}
    return ledger.write_movement(
        dataclasses.replace(args, amount=amount, funding=funding),
        kind=kind,
        region_id=region_id,
        legs=legs,
        categories=list(QuotaCategory.objects.filter(code__in=codes)),
        units=units,
        related=related,
        due_date=due_date,
        note=note,
    )


def outstanding_loans(account_ids) -> list[Loan]:
    return list(
        Loan.objects.select_for_update()
        .filter(account_id__in=account_ids, outstanding__gt=0)
        .order_by("id")
    )


def loan_date(loan: Loan) -> dt.date:
    return QuotaMovement.objects.values_list("effective_date", flat=True).get(
        pk=loan.movement_id
    )


# --- postings ------------------------------------------------------------------------


def check_postings_dated(postings, on: dt.date, what: str) -> None:
    for posting in postings:
        if posting.start_date > on:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"第{posting.pk}号在编记录入编日期{posting.start_date}晚于{what}"
                f"生效日期{on}",
                field="effective_date",
            )


def move_posting(
    old: Posting,
    *,
    source: QuotaAccount,
    target: QuotaAccount,
    unit: Unit,
    on: dt.date,
    doc_no: str,
    kind: str,
    today: dt.date,
    approval_ref: str = "",
) -> tuple[Posting, list[dict]]:
    """End `old` and continue it in `target` (整建制划转 / 调整带人).

    Exempt from the intake checks (the quota moves with the person) and not a
    release: no release reason, no N-out-1-in count. `kind` is the MoveKind /
    PostingEnd value (posting_move or conversion); `previous` links the two.
    """
    changes = [
        end_posting(
            old, end_date=on, ended_by=kind, end_doc_no=doc_no, end_filed_on=today
        ),
        occupancy.vacate(source, on=on, today=today),
    ]
    posting = Posting(
        person_id=old.person_id,
        account=target,
        unit=unit,
        start_date=on,
        move_kind=kind,
        channel="",
        doc_no=doc_no,
        approval_ref=approval_ref,
        intake_resource=IntakeResource.EXEMPT,
        entered_unit_on=old.entered_unit_on if unit.pk == old.unit_id else on,
        previous=old,
        flagged_past_retirement=old.flagged_past_retirement,
    )
    save(posting, exclude=_POSTING_FK)
    changes.append(audit.change(posting, None, audit.snapshot(posting)))
    changes.append(
        occupancy.occupy(target, resource=occupancy.EXEMPT, on=on, today=today)
    )
    return posting, changes


def end_unit_appointments(unit: Unit, *, on: dt.date, doc_no: str) -> list[dict]:
    changes = []
    for appointment in Appointment.objects.select_for_update().filter(
        unit=unit, end_date__isnull=True
    ):
        if appointment.start_date > on:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"{appointment.title}的任职日期{appointment.start_date}晚于{on}",
                field="effective_date",
            )
        before = audit.snapshot(appointment)
        appointment.end_date, appointment.end_doc_no = on, doc_no
        appointment.save(update_fields=["end_date", "end_doc_no"])
        changes.append(audit.change(appointment, before, audit.snapshot(appointment)))
    return changes


def _body_json(body: InternalBody) -> dict:
    return audit.jsonable(
        {
            "id": body.pk,
            "name": body.name,
            "rank": body.rank,
            "established_on": body.established_on,
            "abolished_on": body.abolished_on,
        }
    )


def end_internal_bodies(
    unit: Unit, *, on: dt.date, doc_no: str, actor: Actor, reason: str
) -> list[dict]:
    """Abolish the unit's internal bodies, each with its lineage record (as
    orgs.internal_body_remove writes it)."""
    changes = []
    for body in InternalBody.objects.select_for_update().filter(
        unit=unit, abolished_on__isnull=True
    ):
        if body.established_on > on:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"内设机构{body.name}设立日期{body.established_on}晚于{on}",
                field="effective_date",
            )
        before_row, before_json = audit.snapshot(body), _body_json(body)
        body.abolished_on, body.abolished_doc_no = on, doc_no
        body.save(update_fields=["abolished_on", "abolished_doc_no"])
        record = UnitChange.objects.create(
            unit=unit,
            kind=UnitChange.Kind.INTERNAL_BODY_REMOVE,
            effective_date=on,
            doc_no=doc_no,
            actor_name=actor.name,
            reason=reason,
            before={"internal_body": before_json},
            after={"internal_body": _body_json(body)},
        )
        changes.append(audit.change(body, before_row, audit.snapshot(body)))
        changes.append(audit.change(record, None, audit.snapshot(record)))
    return changes


def close_unit(
    unit: Unit,
    *,
    status: str,
    kind: str,
    on: dt.date,
    doc_no: str,
    actor: Actor,
    reason: str,
    merged_into: Unit | None = None,
) -> list[dict]:
    """Status revoked / merged with its date and doc_no, and the lineage record.

    A merged unit also gets revoked_on / revoked_doc_no: orgs derives the
    status as of a date (and the agency-cap history) from revoked_on.
    """
    before = audit.snapshot(unit)
    after_fields = {
        "status": status,
        "revoked_on": on,
        "revoked_doc_no": doc_no,
        "merged_into": merged_into.pk if merged_into else None,
    }
    was = {
        "status": unit.status,
        "revoked_on": unit.revoked_on,
        "revoked_doc_no": unit.revoked_doc_no,
        "merged_into": unit.merged_into_id,
    }
    unit.status, unit.revoked_on, unit.revoked_doc_no = status, on, doc_no
    unit.merged_into = merged_into
    unit.save(update_fields=["status", "revoked_on", "revoked_doc_no", "merged_into"])
    record = UnitChange.objects.create(
        unit=unit,
        kind=kind,
        effective_date=on,
        doc_no=doc_no,
        actor_name=actor.name,
        reason=reason,
        before=audit.jsonable(was),
        after=audit.jsonable(after_fields),
    )
    return [
        audit.change(unit, before, audit.snapshot(unit)),
        audit.change(record, None, audit.snapshot(record)),
    ]


def fits(person, account: QuotaAccount, unit: Unit) -> None:
    category = account.category
    roster_rules.identity_fits_category(
        person.identity,
        category.code,
        category.accepted_identities,
        unit.kind,
        unit.civil_service_managed,
        category_name=category.name,
    )
