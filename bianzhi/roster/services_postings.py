"""Enrollment, release and transfer (DOMAIN §3.4): who occupies which post.

Each service is one transaction: rules that need no database first, then the
locks (person → units → accounts), the rules on the locked rows, the writes
(the counters only through quota.occupancy, whose conditional UPDATE is the
real guard), and one audit event as the last write.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import INITIAL_LOAD_DOC_NO
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import rules
from .models import (
    Appointment,
    MoveKind,
    Posting,
    PostingEnd,
)
from .services_common import (
    account_id_for,
    check_backdate,
    clean_doc_no,
    date_arg,
    label,
    lock_account_for,
    lock_accounts,
    lock_person,
    lock_units,
    optional_date,
    parse_funding,
    parse_person,
    pk_of,
    require_office,
    require_reason,
    require_unit_writer,
    resolve_category,
    save,
    today_or_default,
)
from .services_intake import (
    check_not_overlapping,
    end_appointments,
    end_off_quota,
    end_posting,
    end_secondments,
    prepare_person,
    take_post,
    upsert_person,
    vacate,
)
from .values import (
    CHANNEL,
    IDENTITY,
    RELEASE_REASON,
    Channel,
    ReleaseReason,
    resolve,
)

TRANSFER_CHANNELS = (
    Channel.TRANSFER_IN,
    Channel.APPOINTMENT_TRANSFER,
    Channel.LATERAL_TRANSFER,
)


def person_enroll(
    *,
    actor: Actor,
    unit,
    category,
    funding,
    person: dict,
    channel,
    start_date,
    doc_no="",
    permit=None,
    entered_unit_on=None,
    reason: str = "",
    today: dt.date | None = None,
) -> Posting:
    """入编: a person (created or updated by ID number) takes a post in the
    unit's (category, funding) account."""
    today = today_or_default(today)
    unit_id = pk_of(unit)
    require_unit_writer(actor, unit_id, "入编")
    channel = resolve(CHANNEL, channel, field="channel")
    if channel == Channel.INITIAL_LOAD:
        require_office(actor, "初始化导入")
    start_date = date_arg(start_date, field="start_date", today=today, what="入编日期")
    entered = optional_date(entered_unit_on, field="entered_unit_on") or start_date
    if entered > start_date:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"进入本单位时间{entered}不能晚于入编日期{start_date}",
            field="entered_unit_on",
        )
    doc_no = clean_doc_no(doc_no, required=False)
    check_backdate(
        actor,
        on=start_date,
        today=today,
        reason=reason,
        doc_no=INITIAL_LOAD_DOC_NO if channel == Channel.INITIAL_LOAD else doc_no,
        field="reason",
        what="入编日期",
    )
    data = parse_person(person, today=today)
    category = resolve_category(category)
    funding = parse_funding(funding)
    prepared = prepare_person(data)
    with transaction.atomic():
        person_obj, person_change = upsert_person(data, prepared=prepared)
        new_person = person_change is not None and person_change["before"] is None
        check_not_overlapping(person_obj, start_date, new_person=new_person)
        unit = lock_units([unit_id])[unit_id]
        account = lock_account_for(unit, category, funding)
        posting, changes = take_post(
            person=person_obj,
            unit=unit,
            account=account,
            channel=channel,
            move_kind=MoveKind.ENROLL,
            start_date=start_date,
            entered_unit_on=entered,
            doc_no=doc_no,
            permit=permit,
            approval_ref="",
            previous=None,
            today=today,
            new_person=new_person,
        )
        if person_change:
            changes.insert(0, person_change)
        changes += end_off_quota(person_obj, on=start_date)
        flag = "（已过退休时间，已标记）" if posting.flagged_past_retirement else ""
        audit.record(
            actor=actor,
            operation="person_enroll",
            records=changes,
            doc_no=doc_no,
            summary=f"入编 {person_obj.name} → {label(account)}"
            f"（{CHANNEL.label(channel)}，{start_date}）{flag}",
        )
    return posting


# --- release -------------------------------------------------------------------------


def check_destination(reason_code: str, destination: str) -> str:
    """The cleaned destination of a release; a transfer out names one outside
    the system. Public: the release filing (roster.kinds.reason_of) applies
    the same check as person_release."""
    destination = (destination or "").strip()
    if reason_code != ReleaseReason.TRANSFER_OUT:
        return destination
    if not destination:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "调出须填写调往单位；调往本系统内单位的，请办理调动",
            field="destination",
        )
    inside = Unit.objects.filter(name=destination, status=Unit.Status.ACTIVE).first()
    if inside is not None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"调往{inside.name}属本系统内调动，请办理调动（出编与入编同时办理），不作出编",
            field="reason_code",
        )
    return destination


def person_release(
    *,
    actor: Actor,
    posting,
    reason_code,
    exit_date,
    proof: str = "",
    doc_no="",
    reason: str = "",
    destination: str = "",
    today: dt.date | None = None,
) -> Posting:
    """出编: the posting ends on the exit date (the first day out of post)."""
    today = today_or_default(today)
    posting_id = pk_of(posting)
    current = Posting.objects.filter(pk=posting_id).first()
    if current is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "在编记录不存在", field="posting"
        )
    require_unit_writer(actor, current.unit_id, "出编备案")
    reason_code = resolve(RELEASE_REASON, reason_code, field="reason_code")
    destination = check_destination(reason_code, destination)
    exit_date = date_arg(exit_date, field="exit_date", today=today, what="出编日期")
    doc_no = clean_doc_no(doc_no, required=False)
    late = rules.release_is_late(exit_date, today)
    if late and not (actor.is_office and (reason or "").strip()):
        # Beyond the filing window the release is a back-dated write.
        raise ApplicationError(
            ErrorCode.BACKDATE_REASON_REQUIRED,
            f"出编日期{exit_date}距今已超过{rules.RELEASE_FILING_WORKING_DAYS}个工作日，"
            "逾期备案须由编办人员填写理由",
            field="reason",
        )
    with transaction.atomic():
        person = lock_person(current.person_id)
        current = Posting.objects.select_for_update().get(pk=posting_id)
        if current.end_date is not None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该在编记录已于{current.end_date}结束",
                field="posting",
            )
        if exit_date < current.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"出编日期{exit_date}早于入编日期{current.start_date}",
                field="exit_date",
            )
        unit = lock_units([current.unit_id])[current.unit_id]
        account = lock_accounts([current.account_id], units={unit.pk: unit})[
            current.account_id
        ]
        changes = end_appointments(current, on=exit_date, doc_no=doc_no)
        changes += end_secondments(person, on=exit_date)
        proof = (proof or "").strip()
        if destination:
            proof = f"调往{destination}" + (f"；{proof}" if proof else "")
        changes.insert(
            0,
            end_posting(
                current,
                end_date=exit_date,
                ended_by=PostingEnd.RELEASE,
                end_reason=reason_code,
                end_doc_no=doc_no,
                end_proof=proof[:200],
                end_filed_on=today,
                late_release=late,
            ),
        )
        changes.append(vacate(account, unit, on=exit_date, today=today))
        audit.record(
            actor=actor,
            operation="person_release",
            records=changes,
            doc_no=doc_no,
            summary=f"出编 {person.name} ← {label(account)}（{RELEASE_REASON.label(reason_code)}，"
            f"{exit_date}）" + ("（逾期备案）" if late else ""),
        )
    return current


# --- transfer -----------------------------------------------------------------------


def person_transfer(
    *,
    actor: Actor,
    person,
    to_unit,
    category,
    funding,
    start_date,
    doc_no,
    approval_ref: str = "",
    reason: str = "",
    today: dt.date | None = None,
    channel=Channel.TRANSFER_IN,
    permit=None,
    identity=None,
    from_posting=None,
) -> Posting:
    """调动: release (调出) + enroll (调任/转任/调入) in one transaction.

    Within the same unit it is the change of the locked field "occupied
    account" (an in-unit transfer with every intake check; a reason is
    required). `identity` changes the person's identity with the move (e.g.
    参公 → 公务员, a reverse flow). `from_posting`: the posting the caller saw;
    if the person has moved since, the transfer is refused.
    """
    today = today_or_default(today)
    require_office(actor, "调动")
    doc_no = clean_doc_no(doc_no)
    start_date = date_arg(start_date, field="start_date", today=today, what="调动日期")
    check_backdate(
        actor, on=start_date, today=today, reason=reason, doc_no=doc_no, what="调动日期"
    )
    channel = resolve(CHANNEL, channel, field="channel")
    if channel not in TRANSFER_CHANNELS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "调动的进入方式应为调任、转任或调入",
            field="channel",
        )
    new_identity = resolve(IDENTITY, identity, field="identity") if identity else None
    approval_ref = (approval_ref or "").strip()
    if len(approval_ref) > 120:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "特别审批依据不得超过120字", field="approval_ref"
        )
    category = resolve_category(category)
    funding = parse_funding(funding)
    to_unit_id = pk_of(to_unit)
    with transaction.atomic():
        person = lock_person(pk_of(person))
        old = (
            Posting.objects.select_for_update()
            .filter(person=person, end_date__isnull=True)
            .first()
        )
        if old is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{person.name}当前不在编，请办理入编",
                field="person",
            )
        if from_posting is not None and pk_of(from_posting) != old.pk:
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                f"{person.name}的在编情况已变化，请刷新后重试",
                field="person",
            )
        units = lock_units([old.unit_id, to_unit_id])
        target_unit = units[to_unit_id]
        target_id = account_id_for(target_unit, category, funding)
        if target_id == old.account_id:
            raise ApplicationError(
                ErrorCode.PERSON_ALREADY_POSTED,
                f"{person.name}已在该编制账户在编",
                field="category",
            )
        same_unit = to_unit_id == old.unit_id
        if same_unit:
            require_reason(reason, "变更占用的编制账户（锁定字段）")
        accounts = lock_accounts([old.account_id, target_id], units=units)
        source, target = accounts[old.account_id], accounts[target_id]
        if start_date < old.start_date:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"调动日期{start_date}早于现入编日期{old.start_date}",
                field="start_date",
            )
        to_identity = new_identity or person.identity
        rules.check_reverse_flow(
            from_category_rank=source.category.rank,
            from_funding=source.funding,
            to_category_rank=target.category.rank,
            to_funding=target.funding,
            from_identity=person.identity,
            to_identity=to_identity,
            approval_ref=approval_ref,
        )
        changes = [
            end_posting(
                old,
                end_date=start_date,
                ended_by=PostingEnd.TRANSFER,
                end_reason=ReleaseReason.TRANSFER_OUT,
                end_doc_no=doc_no,
                end_filed_on=today,
            )
        ]
        moving = list(Appointment.objects.filter(posting=old, end_date__isnull=True))
        if not same_unit:
            changes += end_appointments(old, on=start_date, doc_no=doc_no)
        changes.append(vacate(source, units[old.unit_id], on=start_date, today=today))
        if to_identity != person.identity:
            before = audit.snapshot(person)
            person.identity = to_identity
            rules.rank_fits(person.identity, person.post_type, person.rank)
            save(person)
            changes.append(audit.change(person, before, audit.snapshot(person)))
        posting, taken = take_post(
            person=person,
            unit=target_unit,
            account=target,
            channel=channel,
            move_kind=MoveKind.TRANSFER,
            start_date=start_date,
            entered_unit_on=old.entered_unit_on if same_unit else start_date,
            doc_no=doc_no,
            permit=permit,
            approval_ref=approval_ref,
            previous=old,
            today=today,
        )
        changes += taken
        if same_unit:
            # The leader posts belong to the unit: they follow the person.
            for appointment in moving:
                before = audit.snapshot(appointment)
                appointment.posting = posting
                appointment.save(update_fields=["posting"])
                changes.append(
                    audit.change(appointment, before, audit.snapshot(appointment))
                )
        what = "变更编制账户" if same_unit else "调动"
        audit.record(
            actor=actor,
            operation="person_transfer",
            records=changes,
            doc_no=doc_no,
            summary=f"{what} {person.name}：{label(source)} → {label(target)}（{start_date}）"
            + (f"（逆向流动，{approval_ref}）" if approval_ref else ""),
        )
    return posting
