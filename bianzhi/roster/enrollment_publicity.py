"""Publicity (公示) and objections of an enrollment filing (DOMAIN §4 item 3).

Where it lives. The publicity comes first in DOMAIN's order (publicity →
application → review → entry): the unit publishes the list of a DRAFT
filing, the period runs for PUBLICITY_DAYS working days after the day of
publication (day 0, as the engine counts due dates; VALUES.md default 5),
and the application is submitted once the period is over. No roster model
is added (the roster's migrations are not ours): the publicity, each
objection and each ruling are append-only approvals Decision rows of the
request (actions "publicity", "objection", "obj_ruling"; comment = the
note), so that nothing the unit resubmits in the payload can rewrite them.

Who does what.
- publicity_start: the filing's creator (unit HR), on a draft or returned
  filing whose batch passes the review's checks. A new publicity replaces
  the previous one (e.g. after an objection returned the filing).
- objection_record: anyone whose approvals scope covers the filing (or its
  creator), from the first day of the publicity until the filing ends,
  with a note; about one listed person or the whole list.
- objection_rule: office staff (编办) decide each objection with a note:
  dismiss (不成立); remove (成立: the person leaves the batch); return
  (成立: the whole filing goes back to the unit — an open filing is returned
  as by the reviewer, and the publicity must be repeated).
Pending objections block the submission and the final approval.

Each is one service, atomic, with one audit event last.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from bianzhi.approvals import engine, flow
from bianzhi.approvals.kinds import PUBLICITY_DAYS
from bianzhi.approvals.models import Decision, Request
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.workdays import add_working_days

from .enrollment_batch import batch_of

ENROLLMENT_FILING = "enrollment_filing"
PUBLICITY, OBJECTION, RULING = "publicity", "objection", "obj_ruling"
DISMISS, REMOVE, RETURN = "dismiss", "remove", "return"
OUTCOMES = {
    DISMISS: "异议不成立",
    REMOVE: "异议成立，移出本批次",
    RETURN: "异议成立，退回",
}
Status = Request.Status


@dataclass
class Objection:
    id: int
    at: dt.datetime
    by: str
    id_number: str
    name: str
    note: str
    ruling: Decision | None = None

    @property
    def pending(self) -> bool:
        return self.ruling is None

    @property
    def outcome(self) -> str:
        return self.ruling.data.get("outcome", "") if self.ruling else ""

    @property
    def outcome_label(self) -> str:
        return OUTCOMES.get(self.outcome, "待核查")


@dataclass
class PublicityState:
    publicity: Decision | None = None
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None
    id_numbers: list[str] = field(default_factory=list)
    voided: bool = False  # a "return" ruling came after it
    objections: list[Objection] = field(default_factory=list)
    removed: set[str] = field(default_factory=set)

    @property
    def pending(self) -> list[Objection]:
        return [o for o in self.objections if o.pending]

    @property
    def running(self) -> bool:
        return self.publicity is not None and not self.voided

    def is_over(self, today: dt.date) -> bool:
        return self.running and self.ends_on is not None and today > self.ends_on


def publicity_state(request: Request) -> PublicityState:
    """Everything recorded about the filing's publicity, from its decisions."""
    state = PublicityState()
    rows = Decision.objects.filter(
        request=request, action__in=(PUBLICITY, OBJECTION, RULING)
    ).order_by("id")
    objections: dict[int, Objection] = {}
    for d in rows:
        if d.action == PUBLICITY:
            state.publicity, state.voided = d, False
            state.starts_on = dt.date.fromisoformat(d.data["starts_on"])
            state.ends_on = dt.date.fromisoformat(d.data["ends_on"])
            state.id_numbers = list(d.data.get("id_numbers") or [])
        elif d.action == OBJECTION:
            objections[d.pk] = Objection(
                id=d.pk,
                at=d.created_at,
                by=d.actor_name,
                id_number=d.data.get("id_number", ""),
                name=d.data.get("name", ""),
                note=d.comment,
            )
        else:
            found = objections.get(d.data.get("objection"))
            if found is not None:
                found.ruling = d
            outcome = d.data.get("outcome")
            if outcome == REMOVE and d.data.get("id_number"):
                state.removed.add(d.data["id_number"])
            if outcome == RETURN:
                state.voided = True
    state.objections = list(objections.values())
    return state


def _load(request_id, *, lock: bool = True) -> Request:
    request = flow.load(request_id, lock=lock)
    if request.kind != ENROLLMENT_FILING:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return request


def _touch(request: Request, **fields) -> dict:
    """Claim the request row (version UPDATE) so that two writes on one filing
    serialize; returns the request's audit change."""
    before = audit.snapshot(request)
    flow.move(request, expected_step=request.current_step, **fields)
    return audit.change(request, before, audit.snapshot(request))


def _summary(request: Request, text: str) -> str:
    return flow.summary(request, text)


def publicity_start(
    *, actor: Actor, request_id: int, place: str = "", today: dt.date | None = None
) -> Decision:
    """发布公示: the batch as it stands is published for PUBLICITY_DAYS working days."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = _load(request_id)
        flow.check_scope(actor, request)
        if not flow.is_creator(actor, request):
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅申请人本人可发布公示")
        if request.status not in (Status.DRAFT, Status.RETURNED):
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN,
                f"该备案{request.get_status_display()}，不能发布公示",
            )
        batch = batch_of(request, today)
        ends = add_working_days(today, PUBLICITY_DAYS)
        records = [_touch(request)]
        data = {
            "starts_on": today.isoformat(),
            "ends_on": ends.date.isoformat(),
            "provisional": ends.provisional,
            "id_numbers": [p.fields["id_number"] for p in batch.persons],
            "names": [p.fields["name"] for p in batch.persons],
        }
        records += flow.decide(
            request,
            actor=actor,
            step="",
            action=PUBLICITY,
            comment=(place or "").strip(),
            data=data,
        )
        audit.record(
            actor=actor,
            operation="enrollment_publicity_start",
            records=records,
            summary=_summary(
                request, f"公示{len(batch.persons)}人，{today}至{ends.date}"
            ),
        )
    return Decision.objects.filter(request=request, action=PUBLICITY).latest("id")


def objection_record(
    *,
    actor: Actor,
    request_id: int,
    note: str,
    id_number: str = "",
    today: dt.date | None = None,
) -> Decision:
    """提出异议: about one listed person (ID number) or the whole list."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = _load(request_id)
        flow.check_scope(actor, request)
        if request.status in flow.ENDED:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"该备案已{request.get_status_display()}"
            )
        state = publicity_state(request)
        if state.publicity is None and not flow.is_creator(actor, request):
            # An unpublished draft is its creator's alone.
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        if not state.running or today < state.starts_on:
            raise ApplicationError(ErrorCode.STEP_OUT_OF_TURN, "该备案尚未公示")
        note = flow.require_comment(note, "提出异议")
        id_number = (id_number or "").strip().upper()
        name = ""
        if id_number:
            if id_number not in state.id_numbers:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, "所指人员不在公示名单中", field="id_number"
                )
            name = state.publicity.data["names"][state.id_numbers.index(id_number)]
        records = [_touch(request)]
        records += flow.decide(
            request,
            actor=actor,
            step="",
            action=OBJECTION,
            comment=note,
            data={"id_number": id_number, "name": name},
        )
        audit.record(
            actor=actor,
            operation="enrollment_objection",
            records=records,
            summary=_summary(request, f"公示异议（{name or '整批'}）：{note}"),
        )
    return Decision.objects.filter(request=request, action=OBJECTION).latest("id")


def objection_rule(
    *,
    actor: Actor,
    request_id: int,
    objection_id: int,
    outcome: str,
    note: str,
    today: dt.date | None = None,
) -> Request:
    """核查异议 (office staff): dismiss, remove the person, or return the filing."""
    today = flow.today_or(today)
    with transaction.atomic():
        request = _load(request_id)
        flow.check_scope(actor, request)
        if not actor.is_office or actor.is_system:
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "异议由编办人员核查")
        if outcome not in OUTCOMES:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "核查结论应为不成立、移出本批次或退回",
                field="outcome",
            )
        note = flow.require_comment(note, "核查异议")
        if request.status in flow.ENDED:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"该备案已{request.get_status_display()}"
            )
        state = publicity_state(request)
        objection = next(
            (o for o in state.objections if str(o.id) == str(objection_id)), None
        )
        if objection is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "异议不存在")
        if not objection.pending:
            raise ApplicationError(ErrorCode.STEP_OUT_OF_TURN, "该异议已核查")
        if outcome == REMOVE and not objection.id_number:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "该异议针对整批名单，只能认定不成立或退回",
                field="outcome",
            )
        records, step, returned = _apply_ruling(request, objection, outcome, today)
        records += flow.decide(
            request,
            actor=actor,
            step=step,
            action=RULING,
            comment=note,
            data={
                "objection": objection.id,
                "outcome": outcome,
                "id_number": objection.id_number,
            },
        )
        if returned:
            # Told in the filing's history as the reviewer's return would be.
            records += flow.decide(
                request,
                actor=actor,
                step=step,
                action=Decision.Action.RETURN,
                comment=f"公示异议成立：{note}",
            )
        audit.record(
            actor=actor,
            operation="enrollment_objection_ruling",
            records=records,
            summary=_summary(
                request,
                f"异议（{objection.name or '整批'}）核查：{OUTCOMES[outcome]}；{note}",
            ),
        )
    return request


def _apply_ruling(
    request: Request, objection: Objection, outcome: str, today: dt.date
) -> tuple[list[dict], str, bool]:
    """The writes a ruling makes besides its decision → (records, the step
    it was made at, whether an open filing went back to the unit)."""
    step = request.current_step
    persons = list((request.payload or {}).get("persons") or [])
    if outcome == REMOVE:
        kept = [
            p
            for p in persons
            if str((p or {}).get("id_number") or "").strip().upper()
            != objection.id_number
        ]
        payload = dict(request.payload, persons=kept)
        if kept or request.status not in flow.OPEN:
            return [_touch(request, payload=payload)], step, False
        # Nobody left in an open filing: it goes back to the unit.
        request.payload = payload
    if outcome in (REMOVE, RETURN) and request.status in flow.OPEN:
        before = audit.snapshot(request)
        flow.move(
            request,
            expected_step=step,
            payload=request.payload,
            status=Status.RETURNED,
            current_step="",
            current_role="",
            due_on=None,
        )
        records = [audit.change(request, before, audit.snapshot(request))]
        records += flow.close_stage(request, today)
        return records, step, True
    return [_touch(request)], step, False


def publicity_filings(actor: Actor, *, today: dt.date | None = None):
    """Filings with a publicity the actor may see (its scope, or its own),
    newest first: the 公示名单 list."""
    scope = engine.scope_of(actor)
    condition = scope.q()
    qs = Request.objects.filter(kind=ENROLLMENT_FILING)
    if actor.user_id is not None:
        from django.db.models import Q

        condition |= Q(created_by_id=actor.user_id)
    with_publicity = Decision.objects.filter(action=PUBLICITY).values("request_id")
    return qs.filter(condition, pk__in=with_publicity).order_by("-updated_at", "-id")


def filing_for(actor: Actor, request_id) -> Request:
    """One filing the actor may see (404 otherwise), drafts in publicity included."""
    request = _load(request_id, lock=False)
    flow.check_scope(actor, request)
    if request.status == Status.DRAFT and not flow.is_creator(actor, request):
        if not Decision.objects.filter(request=request, action=PUBLICITY).exists():
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return request


def now_date() -> dt.date:
    return timezone.localdate()
