"""信息变更申请: unit HR asks, the office decides (DOMAIN §3.4 locked fields).

Locked fields (name, ID number, identity, certified birth date, work start
date, occupied account) change only by office staff with a reason. A unit's
HR asks for the change here; the office approves or refuses with a note.

Decisions written down here (DOMAIN leaves them open):
- Who asks: the HR of the person's current unit, or office staff. A person
  not in post has no unit to ask for them (VALUE_INVALID).
- The new value is parsed and checked at request time with the rules the
  change itself applies (ID checksum, identity fits the current account,
  birth date needs a basis when it differs from the ID's, work start date
  after birth and not in the future, target account in the same unit with
  room for an intake), so a request that could never be approved is refused
  early with the rule's code. A value equal to the current one is refused.
- At most one pending request per (person, field): the partial unique index
  is the real guard; the person row lock serializes concurrent requests. A
  second one is refused with STEP_OUT_OF_TURN (409), as is withdrawing or
  deciding a request that is no longer pending.
- Deciding: office staff (Permission.DECIDE_FIELD_CHANGE) whose region scope
  covers the request's unit. A refusal needs a note. An approval applies the
  change in the same transaction through person_change_locked_field, or for
  `account` through person_transfer within the unit (every intake check,
  today, with a 文号 from the office or the request); a rule that refuses
  now refuses the approval and the request stays pending.
- Audit: the request and the withdrawal write one event each. An approval
  writes two events in one transaction: the change's own event (by the
  service that applies it) and then `field_change_decide` for the request's
  status, the last write. A refusal writes only `field_change_decide`.
- Withdrawing: the HR of the request's unit or office staff, while pending.

The checks of the new value live in field_change_values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import QuotaAccount

from . import selectors
from .field_change_values import check_new_value
from .models import (
    FieldChangeRequest,
    FieldChangeStatus,
    LockedField,
    Person,
)
from .services_common import (
    clean_doc_no,
    lock_person,
    pk_of,
    require_reason,
    require_unit_writer,
    today_or_default,
)
from .services_people import person_change_locked_field
from .services_postings import person_transfer

# Keys a requester may put in `extra` (the rest is filled by the service).
EXTRA_KEYS = frozenset({"certified_basis", "doc_no", "approval_ref"})


def _label(field: str) -> str:
    return LockedField(field).label


def _request(value) -> FieldChangeRequest:
    found = FieldChangeRequest.objects.filter(pk=pk_of(value)).first()
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "变更申请不存在", field="request"
        )
    return found


def _require_pending(request: FieldChangeRequest, what: str) -> None:
    if request.status != FieldChangeStatus.PENDING:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            f"该申请{FieldChangeStatus(request.status).label}，不能{what}",
            field="request",
        )


def _clean_extra(extra: Any) -> dict:
    if extra in (None, ""):
        return {}
    if not isinstance(extra, dict):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "附加信息格式错误", field="extra"
        )
    unknown = sorted(set(extra) - EXTRA_KEYS)
    if unknown:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"未知的附加信息：{'、'.join(unknown)}",
            field=unknown[0],
        )
    return {k: str(v).strip() for k, v in extra.items() if str(v or "").strip()}


# --- request ---------------------------------------------------------------------------


def field_change_request(
    *,
    actor: Actor,
    person,
    field: str,
    new_value,
    reason: str,
    extra: dict | None = None,
    today: dt.date | None = None,
) -> FieldChangeRequest:
    """The HR of the person's unit (or the office) asks to change a locked field."""
    today = today_or_default(today)
    field = str(field or "").strip()
    if field not in LockedField.values:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"「{field}」不是可申请变更的锁定字段；可申请："
            + "、".join(LockedField.labels),
            field="field",
        )
    found = Person.objects.filter(pk=pk_of(person)).first()
    if found is None:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "人员不存在", field="person")
    posting = selectors.active_posting(found)
    if posting is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"{found.name}当前不在编，无所在单位可申请变更",
            field="person",
        )
    require_unit_writer(actor, posting.unit_id, "申请变更锁定信息")
    if not (
        actor.is_office or role_allows(actor.role, Permission.REQUEST_FIELD_CHANGE)
    ):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "当前角色不能申请变更")
    reason = require_reason(reason, "申请变更")
    extra = _clean_extra(extra)
    if "doc_no" in extra:
        extra["doc_no"] = clean_doc_no(extra["doc_no"])
    with transaction.atomic():
        # The person lock serializes requests for the same person (one pending
        # per field); the partial unique index is the last guard.
        found = lock_person(found.pk)
        posting = selectors.active_posting(found)
        if posting is None or not posting.unit_id:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{found.name}当前不在编", field="person"
            )
        pending = FieldChangeRequest.objects.filter(
            person=found, field=field, status=FieldChangeStatus.PENDING
        ).first()
        if pending is not None:
            raise _already_pending(found, field, pending.pk)
        old, new = check_new_value(found, posting, field, new_value, extra, today)
        if old == new:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"申请的{_label(field)}与现值相同",
                field="new_value",
            )
        request = FieldChangeRequest(
            person=found,
            unit_id=posting.unit_id,
            field=field,
            old_value=old,
            new_value=new,
            extra=extra,
            reason=reason,
            requested_by_id=actor.user_id,
            requested_by_name=actor.name,
            requested_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                request.save(force_insert=True)
        except IntegrityError:
            raise _already_pending(found, field, None) from None
        audit.record(
            actor=actor,
            operation="field_change_request",
            records=[audit.change(request, None, audit.snapshot(request))],
            summary=f"申请变更 {found.name}：{_label(field)}（理由：{reason}）"[:300],
        )
    return request


def _already_pending(person: Person, field: str, pk: int | None) -> ApplicationError:
    number = f"（第{pk}号）" if pk else ""
    return ApplicationError(
        ErrorCode.STEP_OUT_OF_TURN,
        f"{person.name}的{_label(field)}已有待审核的变更申请{number}，"
        "请等待编办审核或撤回后再申请",
        field="field",
    )


# --- withdraw ----------------------------------------------------------------------------


def field_change_withdraw(*, actor: Actor, request) -> FieldChangeRequest:
    """The requesting unit (or the office) takes a pending request back."""
    found = _request(request)
    require_unit_writer(actor, found.unit_id, "撤回变更申请")
    with transaction.atomic():
        lock_person(found.person_id)
        found = FieldChangeRequest.objects.select_for_update().get(pk=found.pk)
        _require_pending(found, "撤回")
        before = audit.snapshot(found)
        found.status = FieldChangeStatus.WITHDRAWN
        found.decided_by_id, found.decided_by_name = actor.user_id, actor.name
        found.decided_at = timezone.now()
        found.save()
        audit.record(
            actor=actor,
            operation="field_change_withdraw",
            records=[audit.change(found, before, audit.snapshot(found))],
            summary=f"撤回变更申请第{found.pk}号：{_label(found.field)}",
        )
    return found


# --- decide ------------------------------------------------------------------------------


def _region_chain(code: str) -> set[str]:
    """The region and every region above it."""
    chain: set[str] = set()
    while code and code not in chain:
        chain.add(code)
        code = (
            Region.objects.filter(pk=code).values_list("parent_id", flat=True).first()
        )
    return chain


def require_decider(actor: Actor, unit: Unit) -> None:
    """Office staff whose scope covers the unit (defence in depth: the pages
    fetch the request through accounts.access already)."""
    if actor.is_system:
        return
    if not role_allows(actor.role, Permission.DECIDE_FIELD_CHANGE):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "锁定信息变更须由编办人员审核")
    kind, _, value = actor.scope.partition(":")
    if kind == "region" and value in _region_chain(unit.region_id):
        return
    if kind == "unit" and value == str(unit.pk):
        return
    raise ApplicationError(ErrorCode.OUT_OF_SCOPE)


def _apply(
    actor: Actor,
    request: FieldChangeRequest,
    *,
    note: str,
    doc_no: str,
    approval_ref: str,
    today: dt.date,
) -> None:
    """The change itself, through the service that owns it (its own audit event)."""
    reason = f"{request.reason}（信息变更申请第{request.pk}号）"
    if note:
        reason += f"；审核意见：{note}"
    if request.field != LockedField.ACCOUNT:
        person_change_locked_field(
            actor=actor,
            person=request.person_id,
            field=request.field,
            value=request.new_value,
            reason=reason,
            basis=request.extra.get("certified_basis", ""),
            today=today,
        )
        return
    target = (
        QuotaAccount.objects.select_related("category")
        .filter(pk=pk_of(request.new_value), unit_id=request.unit_id)
        .first()
    )
    if target is None:
        raise ApplicationError(
            ErrorCode.ACCOUNT_UNKNOWN, "申请的编制账户已不存在", field="new_value"
        )
    person_transfer(
        actor=actor,
        person=request.person_id,
        to_unit=request.unit_id,
        category=target.category,
        funding=target.funding,
        start_date=today,
        doc_no=doc_no,
        approval_ref=approval_ref or request.extra.get("approval_ref", ""),
        reason=reason,
        today=today,
        from_posting=request.extra.get("posting_id"),
    )


def field_change_decide(
    *,
    actor: Actor,
    request,
    approve: bool,
    note: str = "",
    doc_no: str = "",
    approval_ref: str = "",
    today: dt.date | None = None,
) -> FieldChangeRequest:
    """The office approves (the change applies now) or refuses (with a note)."""
    today = today_or_default(today)
    found = _request(request)
    unit = Unit.objects.get(pk=found.unit_id)
    require_decider(actor, unit)
    _require_pending(found, "审核")
    if found.requested_by_id is not None and found.requested_by_id == actor.user_id:
        # Four eyes: whoever asked for a locked change may not decide it.
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "不得审核本人提交的变更申请", field="request"
        )
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "驳回须填写审核意见", field="note"
        )
    doc_no = clean_doc_no(doc_no, required=False)
    if approve and found.field == LockedField.ACCOUNT:
        # An in-unit transfer is recorded under a document of the office.
        doc_no = doc_no or found.extra.get("doc_no", "")
        if not doc_no:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED,
                "变更占用的编制账户须填写文号",
                field="doc_no",
            )
    with transaction.atomic():
        lock_person(found.person_id)
        found = FieldChangeRequest.objects.select_for_update().get(pk=found.pk)
        _require_pending(found, "审核")
        before = audit.snapshot(found)
        if approve:
            _apply(
                actor,
                found,
                note=note,
                doc_no=doc_no,
                approval_ref=approval_ref,
                today=today,
            )
        found.status = (
            FieldChangeStatus.APPROVED if approve else FieldChangeStatus.REFUSED
        )
        found.decided_by_id, found.decided_by_name = actor.user_id, actor.name
        found.decided_at = timezone.now()
        found.decision_note = note
        found.save()
        person_name = (
            Person.objects.filter(pk=found.person_id)
            .values_list("name", flat=True)
            .first()
        )
        what = "批准" if approve else "驳回"
        audit.record(
            actor=actor,
            operation="field_change_decide",
            records=[audit.change(found, before, audit.snapshot(found))],
            doc_no=doc_no if approve else "",
            summary=f"{what}变更申请第{found.pk}号 {person_name}：{_label(found.field)}"
            + (f"（{note}）" if note else ""),
        )
    return found
