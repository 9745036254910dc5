"""The steps of an establishment matter (DOMAIN §4 item 5), one service each:

matter_argue      论证: hearing notes, workload inputs, attachments; the
                  quantitative analysis is computed and stored as seen; then
                  the argumentation step is passed.
matter_meeting    编办主任办公会: minutes and the meeting's decision
                  (approve → committee, return, reject).
matter_committee  编委会: the decision, a valid doc_no and the effective date;
                  approving applies the effect (matters_effects) in the same
                  transaction, or schedules it for `bianzhi daily`.
matter_route_up   报上级: a matter beyond the deciding region's authority
                  moves to the parent region's office and starts again at its
                  argumentation; one within authority may not be sent up.

Each is one transaction: the engine's checks first (scope 404, turn 409,
role 403 — flow.check_turn, nothing changed on refusal), the matter's record
with its own audit event ("matter_argumentation" …), then the engine's
decision service, whose event stays the last write (the same precedent as
documents.effects: two business operations, one transaction, so a refused
approval leaves no record behind). matter_route_up moves the request itself
with the engine's flow helpers and records one event.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bianzhi.approvals import engine, flow
from bianzhi.approvals import services as approvals
from bianzhi.approvals.kinds import APPROVE, REJECT, RETURN
from bianzhi.approvals.models import Request
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import normalise_doc_no
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Region

from . import analysis, authority, hooks
from .kinds import ARGUMENTATION, COMMITTEE, OFFICE_MEETING, is_matter_kind, type_of
from .models import Matter

DECISIONS = {"approve": APPROVE, "return": RETURN, "reject": REJECT}
ROUTE_UP = "route_up"  # Decision.action of a routing (requested as a choice)


def _open(actor: Actor, request_id, step: str, action: str) -> Request:
    request = flow.load(request_id)
    flow.check_scope(actor, request)
    if not is_matter_kind(request.kind):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    spec = engine.kind_spec(request.kind)
    flow.check_turn(actor, request, spec, step, action)
    # The creator always sees the request (flow.check_scope), but acts at a
    # step only where its own scope covers it: a district office that made a
    # matter since routed up to the city does not argue it for the city.
    if not engine.scope_of(actor).covers(
        region_code=request.region_code, unit_id=request.unit_id
    ):
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            f"该事项已报上级（{request.region_code}），由上级机构编制部门办理",
        )
    return request


def matter_of(request: Request) -> Matter:
    """The matter row of a request (created at its first step), locked."""
    found = Matter.objects.select_for_update().filter(request=request).first()
    if found is not None:
        return found
    payload = request.payload or {}
    origin = str(payload.get("region_code") or request.region_code)
    matter = Matter(
        request=request,
        matter_type=type_of(request.kind),
        origin_region_id=origin,
        unit_id=payload.get("unit_id"),
    )
    matter.save()
    return Matter.objects.select_for_update().get(pk=matter.pk)


def check_authority(request: Request, today: dt.date) -> None:
    deciding = Region.objects.get(pk=request.region_code)
    problem = authority.beyond_authority(
        type_of(request.kind), request.payload or {}, deciding=deciding, today=today
    )
    if problem:
        raise ApplicationError(
            ErrorCode.MATTER_BEYOND_AUTHORITY,
            f"{problem}；请在「论证」环节报上级",
            field="decision",
        )


def _decision(value: str) -> str:
    action = DECISIONS.get((value or "").strip())
    if action is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "决定须为同意、退回或不予批准", field="decision"
        )
    return action


def _pass(actor, request_id, step, action, comment, today) -> Request:
    if action == APPROVE:
        return approvals.request_approve(
            actor=actor, request_id=request_id, step=step, comment=comment, today=today
        )
    if action == RETURN:
        return approvals.request_return(
            actor=actor, request_id=request_id, step=step, comment=comment, today=today
        )
    return approvals.request_reject(
        actor=actor, request_id=request_id, step=step, comment=comment, today=today
    )


def _workload(values: dict | None) -> dict[str, int]:
    out = {}
    for key, label in analysis.WORKLOAD_FIELDS.items():
        raw = (values or {}).get(key)
        if raw in (None, ""):
            continue
        try:
            number = int(str(raw).strip())
        except ValueError:
            number = -1
        if number < 0:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{label}须为非负整数", field=key
            )
        out[key] = number
    return out


def matter_argue(
    *,
    actor: Actor,
    request_id: int,
    hearing_notes: str,
    workload: dict | None = None,
    attachment_ids: list[int] | None = None,
    comment: str = "",
    today: dt.date | None = None,
) -> Matter:
    today = flow.today_or(today)
    with transaction.atomic():
        request = _open(actor, request_id, ARGUMENTATION, APPROVE)
        notes = (hearing_notes or "").strip()
        if not notes:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, "论证意见（听证记录）", field="hearing_notes"
            )
        loads = _workload(workload)
        ids = [int(i) for i in (attachment_ids or [])]
        hooks.check_attachments(actor, ids, request)
        check_authority(request, today)
        matter = matter_of(request)
        before = audit.snapshot(matter)
        matter.hearing_notes = notes
        matter.workload = loads
        matter.attachment_ids = ids
        matter.analysis = analysis.compute(
            matter.matter_type,
            request.payload or {},
            loads,
            region_code=request.region_code,
            today=today,
        )
        matter.argued_by_name = actor.name
        matter.argued_at = timezone.now()
        # A new argumentation (after a return) voids the later steps' records
        # of the previous round: the meeting and committee decide again.
        matter.meeting_date, matter.meeting_minutes, matter.meeting_by_name = (
            None,
            "",
            "",
        )
        matter.committee_date, matter.committee_decision = None, ""
        matter.doc_no, matter.committee_by_name, matter.effective_date = "", "", None
        matter.save()
        audit.record(
            actor=actor,
            operation="matter_argumentation",
            records=[audit.change(matter, before, audit.snapshot(matter))],
            summary=flow.summary(request, "论证意见已录入"),
        )
        _pass(actor, request.pk, ARGUMENTATION, APPROVE, comment or notes, today)
    matter.request.refresh_from_db()
    return matter


def matter_meeting(
    *,
    actor: Actor,
    request_id: int,
    decision: str,
    minutes: str,
    meeting_date=None,
    today: dt.date | None = None,
) -> Matter:
    today = flow.today_or(today)
    action = _decision(decision)
    with transaction.atomic():
        request = _open(actor, request_id, OFFICE_MEETING, action)
        text = (minutes or "").strip()
        if not text:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, "会议纪要", field="minutes"
            )
        on = parse_date(meeting_date, field="meeting_date") if meeting_date else today
        if action == APPROVE:
            check_authority(request, today)
        matter = matter_of(request)
        before = audit.snapshot(matter)
        matter.meeting_date = on
        matter.meeting_minutes = text
        matter.meeting_by_name = actor.name
        matter.save()
        audit.record(
            actor=actor,
            operation="matter_office_meeting",
            records=[audit.change(matter, before, audit.snapshot(matter))],
            summary=flow.summary(request, f"编办主任办公会纪要（{on}）"),
        )
        _pass(actor, request.pk, OFFICE_MEETING, action, text, today)
    matter.request.refresh_from_db()
    return matter


def matter_committee(
    *,
    actor: Actor,
    request_id: int,
    decision: str,
    decision_text: str,
    doc_no: str = "",
    effective_date=None,
    committee_date=None,
    today: dt.date | None = None,
) -> Matter:
    today = flow.today_or(today)
    action = _decision(decision)
    with transaction.atomic():
        request = _open(actor, request_id, COMMITTEE, action)
        text = (decision_text or "").strip()
        if not text:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, "编委会决定", field="decision_text"
            )
        on = (
            parse_date(committee_date, field="committee_date")
            if committee_date
            else today
        )
        matter = matter_of(request)
        before = audit.snapshot(matter)
        matter.committee_date = on
        matter.committee_decision = text
        matter.committee_by_name = actor.name
        if action == APPROVE:
            try:
                matter.doc_no = normalise_doc_no(doc_no)
            except ApplicationError as exc:
                exc.field = "doc_no"
                raise
            if not effective_date:
                raise ApplicationError(
                    ErrorCode.FIELD_REQUIRED, "生效日期", field="effective_date"
                )
            matter.effective_date = parse_date(effective_date, field="effective_date")
            check_authority(request, today)
        matter.save()
        audit.record(
            actor=actor,
            operation="matter_committee_decision",
            records=[audit.change(matter, before, audit.snapshot(matter))],
            doc_no=matter.doc_no if action == APPROVE else "",
            summary=flow.summary(request, f"编委会决定：{text[:60]}"),
        )
        # Approving applies the effect (matters_effects.apply_on_approval).
        _pass(actor, request.pk, COMMITTEE, action, text, today)
    matter.refresh_from_db()
    return matter


def matter_route_up(
    *, actor: Actor, request_id: int, reason: str = "", today: dt.date | None = None
) -> Request:
    """报上级: the request leaves this region's office for the parent's."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = _open(actor, request_id, ARGUMENTATION, APPROVE)
        deciding = Region.objects.select_related("parent").get(pk=request.region_code)
        problem = authority.beyond_authority(
            type_of(request.kind), request.payload or {}, deciding=deciding, today=today
        )
        if not problem:
            raise ApplicationError(
                ErrorCode.MATTER_WITHIN_AUTHORITY,
                f"{deciding.name}可审批此事项，请在本级办理",
            )
        parent = deciding.parent
        if parent is None:
            raise ApplicationError(
                ErrorCode.MATTER_BEYOND_AUTHORITY,
                f"{problem}；{deciding.name}在本系统中无上级区划，请按规定报送",
            )
        matter = matter_of(request)
        matter_before = audit.snapshot(matter)
        hop = {
            "from": deciding.pk,
            "from_name": deciding.name,
            "to": parent.pk,
            "to_name": parent.name,
            "reason": problem,
            "note": (reason or "").strip(),
            "by": actor.name,
            "on": today.isoformat(),
            "hearing_notes": matter.hearing_notes,
        }
        matter.route = [*matter.route, hop]
        matter.hearing_notes, matter.argued_at, matter.argued_by_name = "", None, ""
        matter.save()
        spec = engine.kind_spec(request.kind)
        entry = flow.resolve(spec, request, ARGUMENTATION, today)
        before = audit.snapshot(request)
        flow.move(
            request,
            expected_step=ARGUMENTATION,
            region_code=parent.pk,
            **flow.entry_fields(entry, Request.Status.IN_REVIEW),
        )
        records = [audit.change(request, before, audit.snapshot(request))]
        records += flow.close_stage(request, today)
        records += flow.open_stage(request, entry, today)
        records += flow.decide(
            request,
            actor=actor,
            step=ARGUMENTATION,
            action=ROUTE_UP,
            comment=f"报{parent.name}：{problem}"
            + (f"（{hop['note']}）" if hop["note"] else ""),
            data={"from": deciding.pk, "to": parent.pk},
        )
        records.append(audit.change(matter, matter_before, audit.snapshot(matter)))
        audit.record(
            actor=actor,
            operation="matter_route_up",
            records=records,
            summary=flow.summary(request, f"超出本级权限，报{parent.name}审批"),
        )
    return request
