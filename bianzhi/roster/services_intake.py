"""The steps enrollment, release and transfer share: the intake checks on
locked rows (take_post), freeing a post (vacate), and ending what a posting
carries (appointments, secondments, off-quota work)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError

from bianzhi.core import audit, fastsql
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota import occupancy
from bianzhi.quota.models import QuotaAccount

from . import retirement, rules, selectors
from .models import (
    Appointment,
    IntakeResource,
    MoveKind,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
    Secondment,
)
from .services_common import (
    FREE_FIELDS,
    PermitDecision,
    PersonInput,
    check_intake_history,
    check_locked_fields_agree,
    check_post_type,
    require_active,
    run_permit_hook,
    save,
    validate,
)
from .values import (
    Channel,
    PermitNeed,
    channel_permit_need,
)

_POSTING_FK = ["person", "account", "unit", "previous"]


def _policy(unit: Unit) -> tuple[str, int | None]:
    cursor = fastsql.cursor()
    cursor.execute(
        f"SELECT over_quota_policy, releases_per_intake FROM {_REGION} WHERE code = %s",
        [unit.region_id],
    )
    policy, per_intake = cursor.fetchone()
    n = per_intake if policy == rules.POLICY_N_OUT_1_IN else None
    return policy, n


_REGION = Region._meta.db_table


def _check_age(
    person: Person,
    *,
    start_date: dt.date,
    entered_unit_on: dt.date,
    today: dt.date,
    initial_load: bool,
    new_person: bool = False,
) -> bool:
    """AGE_OUT_OF_RANGE at the start (the initial load: at 进入本单位时间).

    Returns whether an initial-load person is already past retirement today
    (loaded, but flagged).
    """
    # A person created by this enrollment has no recorded exceptions yet.
    exceptions = (
        []
        if new_person
        else fastsql.select(RetirementException, "person_id = %s", [person.pk])
    )

    def retires(as_of: dt.date) -> dt.date:
        # selectors.retirement_date_for, with the exceptions read once.
        return retirement.retirement_date(
            person.certified_birth_date,
            person.gender,
            person.identity,
            person.post_type,
            exceptions,
            as_of=as_of,
        )

    on = entered_unit_on if initial_load else start_date
    rules.age_allows_entry(person.certified_birth_date, on, retires(on))
    if not initial_load:
        return False
    return rules.past_retirement(today, retires(today))


def take_post(
    *,
    person: Person,
    unit: Unit,
    account: QuotaAccount,
    channel: str,
    move_kind: str,
    start_date: dt.date,
    entered_unit_on: dt.date,
    doc_no: str,
    permit,
    approval_ref: str,
    previous: Posting | None,
    today: dt.date,
    new_person: bool = False,
) -> tuple[Posting, list[dict]]:
    """Every intake check on the locked unit and account, then the posting.

    `new_person`: the person was created in this transaction (nothing
    recorded about them yet to read back)."""
    require_active(unit)
    initial_load = channel == Channel.INITIAL_LOAD
    if not initial_load and start_date < unit.established_on:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"入编日期{start_date}早于{unit.name}设立日期{unit.established_on}",
            field="start_date",
        )
    category = account.category
    rules.identity_fits_category(
        person.identity,
        category.code,
        category.accepted_identities,
        unit.kind,
        unit.civil_service_managed,
        category_name=category.name,
    )
    flagged = _check_age(
        person,
        start_date=start_date,
        entered_unit_on=entered_unit_on,
        today=today,
        initial_load=initial_load,
        new_person=new_person,
    )
    decision = PermitDecision()
    if channel_permit_need(channel) == PermitNeed.YES:
        decision = run_permit_hook(
            channel=channel,
            unit=unit,
            category=category,
            funding=account.funding,
            permit=permit,
            start_date=start_date,
            today=today,
        )
    # The region's over-quota policy decides only when there is no vacancy
    # (rules.can_take_intake): read it only then.
    policy = _policy(unit)[0] if account.vacancy < 1 else ""
    credits = rules.credits_valid(account.intake_credits, account.credits_year, today)
    resource = rules.can_take_intake(
        account.approved,
        account.occupied,
        account.reserved,
        policy,
        credits,
        decision.converts_reservation,
    )
    if resource != "credit" and not initial_load:
        check_intake_history(account, start_date, today)
    posting = Posting(
        person=person,
        account=account,
        unit=unit,
        start_date=start_date,
        move_kind=MoveKind.INITIAL_LOAD if initial_load else move_kind,
        channel=channel,
        permit_ref=(decision.ref or (str(permit) if permit else ""))[:60],
        doc_no=doc_no,
        approval_ref=approval_ref,
        intake_resource=IntakeResource(resource),
        entered_unit_on=entered_unit_on,
        previous=previous,
        flagged_past_retirement=flagged,
    )
    try:
        # No savepoint: a failure here ends the whole service (its atomic
        # block rolls back), nothing continues on the broken transaction.
        save(posting, exclude=_POSTING_FK)
    except IntegrityError:
        # The partial unique index (one active posting per person) is the
        # last guard; the person lock makes this unreachable in practice.
        raise ApplicationError(
            ErrorCode.PERSON_ALREADY_POSTED,
            f"{person.name}已有在编记录",
            field="person",
        ) from None
    changes = list(decision.changes)
    changes.append(audit.change(posting, None, audit.snapshot(posting)))
    changes.append(
        occupancy.occupy(account, resource=resource, on=start_date, today=today)
    )
    if decision.converts_reservation and resource == "credit" and account.reserved:
        # The permit's reservation was suspended (a reform cut left the account
        # over quota) and the intake took a credit instead; the permit now
        # holds one fewer, so the account must too (`bianzhi check`).
        changes.append(occupancy.unreserve(account, amount=1))
    return posting, changes


def vacate(account: QuotaAccount, unit: Unit, *, on: dt.date, today: dt.date) -> dict:
    """Free the post; under N-out-1-in a release while over quota counts."""
    _, n = _policy(unit)
    update = rules.credit_after_release(
        n, account.releases_toward_credit, account.occupied - account.approved
    )
    credit = None
    if update != (account.releases_toward_credit, 0):
        credit = occupancy.CreditChange(*update)
    return occupancy.vacate(account, on=on, today=today, credit=credit)


def end_appointments(posting: Posting, *, on: dt.date, doc_no: str) -> list[dict]:
    changes = []
    for appointment in Appointment.objects.filter(
        posting=posting, end_date__isnull=True
    ):
        if appointment.start_date > on:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{appointment.title}的任职日期{appointment.start_date}晚于{on}，"
                "请先更正任职记录",
                field="exit_date",
            )
        before = audit.snapshot(appointment)
        appointment.end_date, appointment.end_doc_no = on, doc_no
        appointment.save(update_fields=["end_date", "end_doc_no"])
        changes.append(audit.change(appointment, before, audit.snapshot(appointment)))
    return changes


def end_secondments(person: Person, *, on: dt.date) -> list[dict]:
    """A person who leaves the roster ends any secondment still running."""
    changes = []
    running = Secondment.objects.filter(
        person=person, ended_on__isnull=True, end_date__gt=on
    )
    for secondment in running:
        before = audit.snapshot(secondment)
        secondment.ended_on = max(on, secondment.start_date)
        secondment.save(update_fields=["ended_on"])
        changes.append(audit.change(secondment, before, audit.snapshot(secondment)))
    return changes


def end_off_quota(person: Person, *, on: dt.date) -> list[dict]:
    """Off-quota work of someone now enrolled ends with the enrollment."""
    changes = []
    running = fastsql.select(
        OffQuotaStaff,
        "id_number = %s AND end_date IS NULL AND start_date <= %s",
        [person.id_number, fastsql.prep(OffQuotaStaff, "start_date", on)],
        order_by="id",
    )
    for staff in running:
        before = audit.snapshot(staff)
        staff.end_date, staff.end_reason = on, "入编"
        staff.save(update_fields=["end_date", "end_reason"])
        changes.append(audit.change(staff, before, audit.snapshot(staff)))
    return changes


def end_posting(posting: Posting, **fields) -> dict:
    before = audit.snapshot(posting)
    for name, value in fields.items():
        setattr(posting, name, value)
    posting.save(update_fields=list(fields))
    return audit.change(posting, before, audit.snapshot(posting))


def check_not_overlapping(
    person: Person, start_date: dt.date, *, new_person: bool = False
) -> None:
    if new_person:
        return  # created by this enrollment: no postings yet
    last = (
        Posting.objects.filter(person=person, end_date__gt=start_date)
        .select_related("unit")
        .order_by("-end_date")
        .first()
    )
    if last is not None:
        raise ApplicationError(
            ErrorCode.PERSON_ALREADY_POSTED,
            f"{person.name}在{start_date}仍在{last.unit.name}在编（至{last.end_date}）",
            field="start_date",
        )


# --- enroll ----------------------------------------------------------------------


def _lock_person_by_id(id_number: str) -> Person | None:
    return fastsql.select_one(Person, "id_number = %s", [id_number], lock=True)


def prepare_person(data: PersonInput) -> tuple[Person, ApplicationError | None]:
    """The new person an enrollment would create, validated (no database access):
    done before the transaction, so the writers' lock is held for less."""
    person = Person(**data.fields)
    try:
        validate(person)
    except ApplicationError as invalid:
        return person, invalid
    return person, None


def upsert_person(
    data: PersonInput, *, prepared: tuple[Person, ApplicationError | None] | None = None
) -> tuple[Person, dict | None]:
    """Lock the person of this ID (creating them if new) → (person, audit change).

    `prepared`: prepare_person(data), when the caller made it beforehand.
    """
    fields = data.fields
    person, invalid = prepared or prepare_person(data)
    if invalid is not None:
        # Only a new person's values are checked here; an existing one is
        # checked below after the changes the enrollment may make to them.
        person = _lock_person_by_id(fields["id_number"])
        if person is None:
            raise invalid
    else:
        # Insert first: most enrollments bring a new person, and ON CONFLICT
        # DO NOTHING (no savepoint) leaves an existing — or concurrently
        # created — person of this ID to be locked and updated instead.
        if fastsql.insert(person, ignore_conflicts=True):
            return person, audit.change(person, None, audit.snapshot(person))
        person = _lock_person_by_id(fields["id_number"])
        if person is None:  # pragma: no cover - persons are never deleted
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "人员不存在", field="person"
            )
    posted = selectors.active_posting(person)
    if posted is not None:
        raise ApplicationError(
            ErrorCode.PERSON_ALREADY_POSTED,
            f"{person.name}（{person.id_number}）在{posted.unit.name}在编",
            field="id_number",
            params={"unit": posted.unit.name},
        )
    before = audit.snapshot(person)
    check_locked_fields_agree(person, data)
    person.identity = fields["identity"]
    for key in FREE_FIELDS:
        if key in data.given:
            setattr(person, key, fields[key])
    check_post_type(person.identity, person.post_type)
    rules.rank_fits(person.identity, person.post_type, person.rank)
    if audit.snapshot(person) == before:
        return person, None
    save(person)
    return person, audit.change(person, before, audit.snapshot(person))
