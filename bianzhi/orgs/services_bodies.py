"""Writes of internal bodies and mandates (三定). Part of orgs.services (re-exported there).

The rows carry their own dates, so they are written at once whatever the
effective date; the UnitChange is marked pending when the date is in the
future only so that the lineage shows 「待生效」 until `bianzhi daily` flips it.
"""

from __future__ import annotations

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .models import InternalBody, Mandate, UnitChange
from .selectors import BodyTimeline
from .services_common import clean_and_save, lock_unit, prepare, require_active


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


def _dated_change(
    *, unit, kind, doc_no, effective_date, actor, reason, today, before, after
):
    return UnitChange.objects.create(
        unit=unit,
        kind=kind,
        effective_date=effective_date,
        doc_no=doc_no,
        actor_name=actor.name,
        reason=reason,
        before=before,
        after=after,
        status=(
            UnitChange.Status.PENDING
            if effective_date > today
            else UnitChange.Status.APPLIED
        ),
    )


def internal_body_add(
    *,
    actor: Actor,
    unit,
    name: str,
    rank: str,
    doc_no: str,
    effective_date,
    reason: str = "",
    today=None,
) -> InternalBody:
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    name = rules.require_name(name, label="内设机构名称")
    rules.require_choice(
        rank, InternalBody.Rank.values, field="rank", label="内设机构规格"
    )
    with transaction.atomic():
        unit = lock_unit(unit, with_region=False)
        require_active(unit)
        rules.check_not_before_establishment(
            effective_date=effective_date, established_on=unit.established_on
        )
        if InternalBody.objects.filter(
            unit=unit, name=name, abolished_on__isnull=True
        ).exists():
            raise ApplicationError(
                ErrorCode.NAME_TAKEN, f"{unit.name}已有内设机构「{name}」", field="name"
            )
        excess = BodyTimeline.load(unit).first_excess_with_new(effective_date)
        if excess:
            when, approved, count = excess
            rules.check_internal_bodies(
                unit_name=unit.name, on=when, approved=approved, count_with_new=count
            )
        body = InternalBody(
            unit=unit,
            name=name,
            rank=rank,
            established_on=effective_date,
            established_doc_no=doc_no,
        )
        clean_and_save(body)
        change = _dated_change(
            unit=unit,
            kind=UnitChange.Kind.INTERNAL_BODY_ADD,
            doc_no=doc_no,
            effective_date=effective_date,
            actor=actor,
            reason=reason,
            today=today,
            before={},
            after={"internal_body": _body_json(body)},
        )
        audit.record(
            actor=actor,
            operation="internal_body_add",
            records=[
                audit.change(body, None, audit.snapshot(body)),
                audit.change(change, None, audit.snapshot(change)),
            ],
            doc_no=doc_no,
            summary=f"{unit.name}增设内设机构 {name}（{effective_date}）",
        )
    return body


def internal_body_remove(
    *, actor: Actor, body, doc_no: str, effective_date, reason: str = "", today=None
) -> InternalBody:
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    body_id = body.pk if isinstance(body, InternalBody) else body
    unit_id = (
        InternalBody.objects.filter(pk=body_id)
        .values_list("unit_id", flat=True)
        .first()
    )
    if unit_id is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, "内设机构不存在", field="body")
    with transaction.atomic():
        unit = lock_unit(unit_id, with_region=False)
        body = InternalBody.objects.select_for_update().get(pk=body_id)
        if body.abolished_on is not None:
            raise ApplicationError(
                ErrorCode.UNIT_INACTIVE,
                f"内设机构{body.name}已于{body.abolished_on}撤销",
            )
        if effective_date < body.established_on:
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                f"撤销日期{effective_date}早于设立日期{body.established_on}",
                field="effective_date",
            )
        before_row, before_json = audit.snapshot(body), _body_json(body)
        body.abolished_on, body.abolished_doc_no = effective_date, doc_no
        clean_and_save(body)
        change = _dated_change(
            unit=unit,
            kind=UnitChange.Kind.INTERNAL_BODY_REMOVE,
            doc_no=doc_no,
            effective_date=effective_date,
            actor=actor,
            reason=reason,
            today=today,
            before={"internal_body": before_json},
            after={"internal_body": _body_json(body)},
        )
        audit.record(
            actor=actor,
            operation="internal_body_remove",
            records=[
                audit.change(body, before_row, audit.snapshot(body)),
                audit.change(change, None, audit.snapshot(change)),
            ],
            doc_no=doc_no,
            summary=f"{unit.name}撤销内设机构 {body.name}（{effective_date}）",
        )
    return body


def _mandate_json(mandate: Mandate | None) -> dict | None:
    if mandate is None:
        return None
    return audit.jsonable(
        {
            "id": mandate.pk,
            "effective_date": mandate.effective_date,
            "doc_no": mandate.doc_no,
            "internal_bodies_approved": mandate.internal_bodies_approved,
        }
    )


def mandate_set(
    *,
    actor: Actor,
    unit,
    doc_no: str,
    effective_date,
    internal_bodies_approved,
    functions: str = "",
    staffing_note: str = "",
    reason: str = "",
    today=None,
) -> Mandate:
    """A new 三定 version. Approving fewer internal bodies than exist is allowed
    (a reform); the excess shows in internal_bodies_status and checks.warnings,
    and internal_body_add refuses until it is digested."""
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    approved = rules.non_negative_int(
        internal_bodies_approved,
        field="internal_bodies_approved",
        label="核定内设机构数",
    )
    with transaction.atomic():
        unit = lock_unit(unit, with_region=False)
        require_active(unit)
        rules.check_not_before_establishment(
            effective_date=effective_date, established_on=unit.established_on
        )
        versions = Mandate.objects.filter(unit=unit)
        if versions.filter(effective_date=effective_date).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{unit.name}{effective_date}已有三定规定版本",
                field="effective_date",
            )
        previous = (
            versions.filter(effective_date__lt=effective_date)
            .order_by("-effective_date", "-id")
            .first()
        )
        mandate = Mandate(
            unit=unit,
            effective_date=effective_date,
            doc_no=doc_no,
            functions=functions or "",
            internal_bodies_approved=approved,
            staffing_note=staffing_note or "",
        )
        clean_and_save(mandate)
        change = _dated_change(
            unit=unit,
            kind=UnitChange.Kind.MANDATE,
            doc_no=doc_no,
            effective_date=effective_date,
            actor=actor,
            reason=reason,
            today=today,
            before={"mandate": _mandate_json(previous)},
            after={"mandate": _mandate_json(mandate)},
        )
        count = BodyTimeline.load(unit).count(effective_date)
        note = (
            f"（现有{count}个，超出{count - approved}个）" if count > approved else ""
        )
        audit.record(
            actor=actor,
            operation="mandate_set",
            records=[
                audit.change(mandate, None, audit.snapshot(mandate)),
                audit.change(change, None, audit.snapshot(change)),
            ],
            doc_no=doc_no,
            summary=f"{unit.name}三定规定：核定内设机构{approved}个{note}（{effective_date}）",
        )
    return mandate
