"""Person records, secondments, off-quota staff and retirement exceptions."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import parse_id_number
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import retirement, rules, selectors
from .models import OffQuotaStaff, Person, RetirementException, Secondment
from .services_common import (
    FREE_FIELDS,
    LOCKED_FIELDS,
    check_post_type,
    check_work_start,
    clean_doc_no,
    date_arg,
    free_value,
    lock_person,
    lock_units,
    pinyin_initials,
    pk_of,
    require_active,
    require_name,
    require_office,
    require_reason,
    require_unit_writer,
    save,
    today_or_default,
)
from .values import (
    EMPLOYMENT_FORM,
    FUNDING_SOURCE,
    IDENTITY,
    RetirementExceptionKind,
    resolve,
)

_FIELD_LABELS = {
    "name": "姓名",
    "id_number": "公民身份号码",
    "identity": "人员身份",
    "certified_birth_date": "认定出生日期",
    "work_start_date": "参加工作时间",
}


def _person(value) -> Person:
    found = Person.objects.filter(pk=pk_of(value)).first()
    if found is None:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人员不存在", field="person")
    return found


# --- person fields ---------------------------------------------------------------


def person_update_fields(
    *, actor: Actor, person, changes: dict, today: dt.date | None = None
) -> Person:
    """Non-locked fields: the unit's HR (of the person's current unit) or the office.

    A call that changes nothing writes nothing.
    """
    person = _person(person)
    posting = selectors.active_posting(person)
    if posting is not None:
        require_unit_writer(actor, posting.unit_id, "维护人员信息")
    else:
        require_office(actor, "维护不在编人员的信息")
    if not isinstance(changes, dict) or not changes:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "没有要修改的字段", field="changes"
        )
    for key in changes:
        if key in LOCKED_FIELDS or key in ("birth_date", "gender", "certified_basis"):
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"「{_FIELD_LABELS.get(key, key)}」是锁定字段，须由编办人员填写理由后变更",
                field=key,
            )
        if key not in FREE_FIELDS:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"未知字段「{key}」", field=key
            )
    values = {key: free_value(key, value) for key, value in changes.items()}
    with transaction.atomic():
        person = lock_person(person.pk)
        before = audit.snapshot(person)
        for key, value in values.items():
            setattr(person, key, value)
        check_post_type(person.identity, person.post_type)
        rules.rank_fits(person.identity, person.post_type, person.rank)
        after = audit.snapshot(person, fields=None)
        if {k: after[k] for k in values} == {k: before[k] for k in values}:
            return Person.objects.get(pk=person.pk)
        save(person)
        audit.record(
            actor=actor,
            operation="person_update_fields",
            records=[audit.change(person, before, audit.snapshot(person))],
            summary=f"维护人员信息 {person.name}：{'、'.join(sorted(values))}",
        )
    return person


def _change_id_number(person: Person, value) -> None:
    parsed = parse_id_number(value)
    if Person.objects.filter(id_number=parsed.number).exclude(pk=person.pk).exists():
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该公民身份号码已登记为另一人员", field="value"
        )
    if person.certified_birth_date == person.birth_date:
        person.certified_birth_date = parsed.birth_date
    if person.certified_birth_date == parsed.birth_date:
        person.certified_basis = ""
    person.id_number, person.gender, person.birth_date = (
        parsed.number,
        parsed.gender,
        parsed.birth_date,
    )


def check_identity_change(identity: str, posting, post_type: str) -> None:
    """A new identity must fit the occupied account and the post type (also
    checked when unit HR asks for the change, services_requests)."""
    if posting is not None:
        category = posting.account.category
        rules.identity_fits_category(
            identity,
            category.code,
            category.accepted_identities,
            posting.unit.kind,
            posting.unit.civil_service_managed,
            category_name=category.name,
        )
    check_post_type(identity, post_type)


def _change_identity(person: Person, value) -> None:
    identity = resolve(IDENTITY, value, field="value")
    check_identity_change(identity, selectors.active_posting(person), person.post_type)
    person.identity = identity
    try:
        rules.rank_fits(identity, person.post_type, person.rank)
    except ApplicationError:
        person.rank = ""  # the old rank system no longer applies; recorded in the audit


def person_change_locked_field(
    *,
    actor: Actor,
    person,
    field: str,
    value,
    reason: str,
    basis: str = "",
    today: dt.date | None = None,
) -> Person:
    """Office staff change a locked field with a reason (DOMAIN §3.4).

    field: name, id_number, identity (re-checks the category fit of the current
    posting), certified_birth_date (a date other than the ID's needs `basis`),
    work_start_date. The occupied account changes by person_transfer within
    the unit. Setting the current value again writes nothing.
    """
    today = today_or_default(today)
    require_office(actor, "变更锁定字段")
    reason = require_reason(reason, "变更锁定字段")
    if field not in LOCKED_FIELDS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"「{field}」不是锁定字段；可变更：{'、'.join(_FIELD_LABELS.values())}"
            "（占用的编制账户请办理单位内调动）",
            field="field",
        )
    person = _person(person)
    with transaction.atomic():
        person = lock_person(person.pk)
        before = audit.snapshot(person)
        if field == "name":
            person.name = require_name(value)
            person.name_pinyin_initials = pinyin_initials(person.name)
        elif field == "id_number":
            _change_id_number(person, value)
        elif field == "identity":
            _change_identity(person, value)
        elif field == "certified_birth_date":
            day = parse_date(value, field="value")
            check = rules.person_identity_check(
                person.id_number, None, day, basis, today=today
            )
            person.certified_birth_date = check.certified_birth_date
            person.certified_basis = check.certified_basis
        else:
            day = parse_date(value, field="value")
            check_work_start(day, person.certified_birth_date, today)
            person.work_start_date = day
        after = audit.snapshot(person)
        if after == before:
            return person
        try:
            with transaction.atomic():
                save(person)
        except IntegrityError:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "该公民身份号码已登记为另一人员", field="value"
            ) from None
        audit.record(
            actor=actor,
            operation="person_change_locked_field",
            records=[audit.change(person, before, audit.snapshot(person))],
            summary=f"变更锁定字段 {person.name}：{_FIELD_LABELS[field]}（理由：{reason}）"[
                :300
            ],
        )
    return person


def retirement_exception_record(
    *,
    actor: Actor,
    person,
    kind,
    doc_no,
    months,
    effective_from,
    basis: str = "",
    today: dt.date | None = None,
) -> RetirementException:
    """A recorded exception to the base retirement date (DOMAIN §3.5)."""
    require_office(actor, "记录退休例外情形")
    kind = str(kind or "").strip()
    labels = dict(RetirementExceptionKind.choices)
    kind = next((code for code, name in labels.items() if kind in (code, name)), kind)
    if months in (None, ""):
        months = None
    else:
        try:
            months = int(months)
        except (TypeError, ValueError):
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "延长月数应为整数", field="months"
            ) from None
    doc_no = clean_doc_no(doc_no)
    effective_from = parse_date(effective_from, field="effective_from")
    person = _person(person)
    retirement.check_exception(kind, person.gender, months)
    with transaction.atomic():
        person = lock_person(person.pk)
        exception = RetirementException(
            person=person,
            kind=kind,
            doc_no=doc_no,
            months=months,
            effective_from=effective_from,
            basis=(basis or "").strip(),
        )
        save(exception, exclude=["person"])
        audit.record(
            actor=actor,
            operation="retirement_exception_record",
            records=[audit.change(exception, None, audit.snapshot(exception))],
            doc_no=doc_no,
            summary=f"退休例外 {person.name}：{labels[kind]}"
            + (f"{months}个月" if months else "")
            + f"（退休时间{selectors.retirement_date_for(person):%Y年%m月}）",
        )
    return exception


# --- secondments ------------------------------------------------------------------


def secondment_record(
    *,
    actor: Actor,
    person,
    host_unit,
    start_date,
    end_date,
    doc_no,
    reason: str = "",
    today: dt.date | None = None,
) -> Secondment:
    """借调 (office-approved): the posting stays; the host unit explains payroll."""
    require_office(actor, "借调")
    doc_no = clean_doc_no(doc_no)
    start_date = parse_date(start_date, field="start_date")
    end_date = parse_date(end_date, field="end_date")
    if end_date < start_date:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"借调结束日期{end_date}早于开始日期{start_date}",
            field="end_date",
        )
    person = _person(person)
    host_id = pk_of(host_unit)
    with transaction.atomic():
        person = lock_person(person.pk)
        host = lock_units([host_id])[host_id]
        require_active(host, field="host_unit")
        posting = selectors.active_posting(person)
        if posting is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{person.name}当前不在编，不能借调",
                field="person",
            )
        if posting.unit_id == host.pk:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "借调单位不能是本人所在单位", field="host_unit"
            )
        if start_date < posting.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"借调开始日期{start_date}早于入编日期{posting.start_date}",
                field="start_date",
            )
        for other in Secondment.objects.filter(person=person, start_date__lt=end_date):
            if (other.ended_on or other.end_date) > start_date:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"与{other.start_date}至{other.ended_on or other.end_date}的借调重叠",
                    field="start_date",
                )
        secondment = Secondment(
            person=person,
            host_unit=host,
            start_date=start_date,
            end_date=end_date,
            doc_no=doc_no,
            reason=(reason or "").strip(),
        )
        save(secondment, exclude=["person", "host_unit"])
        audit.record(
            actor=actor,
            operation="secondment_record",
            records=[audit.change(secondment, None, audit.snapshot(secondment))],
            doc_no=doc_no,
            summary=f"借调 {person.name} → {host.name}（{start_date}至{end_date}）",
        )
    return secondment


def secondment_end(
    *,
    actor: Actor,
    secondment,
    ended_on,
    doc_no="",
    reason: str = "",
    today: dt.date | None = None,
) -> Secondment:
    """End a secondment before its approved end date."""
    today = today_or_default(today)
    require_office(actor, "结束借调")
    doc_no = clean_doc_no(doc_no, required=False)
    ended_on = date_arg(ended_on, field="ended_on", today=today, what="借调结束日期")
    found = Secondment.objects.filter(pk=pk_of(secondment)).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "借调记录不存在", field="secondment"
        )
    with transaction.atomic():
        person = lock_person(found.person_id)
        found = Secondment.objects.get(pk=found.pk)
        if found.ended_on is not None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该借调已于{found.ended_on}结束",
                field="secondment",
            )
        if not found.start_date <= ended_on <= found.end_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"结束日期应在{found.start_date}至{found.end_date}之间",
                field="ended_on",
            )
        before = audit.snapshot(found)
        found.ended_on = ended_on
        found.save(update_fields=["ended_on"])
        audit.record(
            actor=actor,
            operation="secondment_end",
            records=[audit.change(found, before, audit.snapshot(found))],
            doc_no=doc_no,
            summary=f"结束借调 {person.name}（{ended_on}）"
            + (f"：{reason.strip()}" if (reason or "").strip() else ""),
        )
    return found


# --- off-quota staff -----------------------------------------------------------------


def offquota_add(
    *,
    actor: Actor,
    unit,
    name: str,
    id_number: str,
    employment_form,
    funding_source,
    start_date,
    position: str = "",
    remarks: str = "",
    today: dt.date | None = None,
) -> OffQuotaStaff:
    """编外人员: recorded per unit with funding source; never occupies quota.

    Someone in post (在编) cannot be off-quota staff at the same time.
    """
    today = today_or_default(today)
    unit_id = pk_of(unit)
    require_unit_writer(actor, unit_id, "登记编外人员")
    name = require_name(name)
    try:
        number = parse_id_number(id_number, today=today).number
    except ApplicationError as exc:
        exc.field = "id_number"
        raise
    form = resolve(EMPLOYMENT_FORM, employment_form, field="employment_form")
    source = resolve(FUNDING_SOURCE, funding_source, field="funding_source")
    start_date = date_arg(start_date, field="start_date", today=today, what="起始日期")
    with transaction.atomic():
        unit = lock_units([unit_id])[unit_id]
        require_active(unit)
        posted = (
            Person.objects.filter(id_number=number, postings__end_date__isnull=True)
            .values_list("postings__unit__name", flat=True)
            .first()
        )
        if posted:
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                f"该人员在{posted}在编，不能同时登记为编外人员",
                field="id_number",
            )
        if OffQuotaStaff.objects.filter(
            unit=unit, id_number=number, end_date__isnull=True
        ).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该人员已是{unit.name}的编外人员",
                field="id_number",
            )
        staff = OffQuotaStaff(
            unit=unit,
            name=name,
            id_number=number,
            employment_form=form,
            funding_source=source,
            position=(position or "").strip(),
            start_date=start_date,
            remarks=(remarks or "").strip(),
        )
        save(staff, exclude=["unit"])
        audit.record(
            actor=actor,
            operation="offquota_add",
            records=[audit.change(staff, None, audit.snapshot(staff))],
            summary=f"登记编外人员 {name}（{unit.name}，{FUNDING_SOURCE.label(source)}）",
        )
    return staff


def offquota_end(
    *,
    actor: Actor,
    staff,
    end_date,
    end_reason: str = "",
    today: dt.date | None = None,
) -> OffQuotaStaff:
    today = today_or_default(today)
    found = OffQuotaStaff.objects.filter(pk=pk_of(staff)).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "编外人员记录不存在", field="staff"
        )
    require_unit_writer(actor, found.unit_id, "编外人员终止")
    end_date = date_arg(end_date, field="end_date", today=today, what="终止日期")
    with transaction.atomic():
        lock_units([found.unit_id])
        found = OffQuotaStaff.objects.get(pk=found.pk)
        if found.end_date is not None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该编外人员已于{found.end_date}终止",
                field="staff",
            )
        if end_date < found.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"终止日期{end_date}早于起始日期{found.start_date}",
                field="end_date",
            )
        before = audit.snapshot(found)
        found.end_date, found.end_reason = end_date, (end_reason or "").strip()[:200]
        found.save(update_fields=["end_date", "end_reason"])
        audit.record(
            actor=actor,
            operation="offquota_end",
            records=[audit.change(found, before, audit.snapshot(found))],
            summary=f"编外人员终止 {found.name}（{end_date}）",
        )
    return found
