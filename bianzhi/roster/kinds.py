"""The release filing (出编备案, DOMAIN §4 item 4), registered in RosterConfig.ready():

release_filing  unit_hr submits → office review (office_admin) → effect
                person_release (the posting ends with the reason, the account's
                occupied counter drops). VALUES.md names no leader step for it.

Payload (what the unit's form sends):
    person_id               the person in post in the request's unit
    exit_date               ISO date, the first day out of post; not after today
    reason_code             a release reason (VALUES.md), code or Chinese label
    destination             where the person goes (required for 调出)
    proof                   optional text naming the proof (e.g. 辞职批复)
    proof_attachment_ids    optional ids of uploaded proofs (checked by the
                            documents app, which owns attachments)
    doc_no                  optional 文号
    note                    optional remark

Late filings (more than 10 working days after the exit date, day 0 = exit
date) are accepted and flagged, not refused: the filing IS the way a late
exit reaches the office. The office reviewer sees the flag among the live
numbers, and the approval is the office's reasoned decision that
person_release requires for a late release.

Audit. The engine's contract is that an effect returns its changes and does
not record an event. person_release is the roster's one release service and
records its own "person_release" event; duplicating its body here would
split the release rules in two. Following the precedent of the documents
app's permit effect (document_issue records its own event inside the
approval's transaction), the effect calls person_release inside the
approval's transaction: its event comes first, the approval's event stays
the last write, and a refusal there refuses the approval with nothing
changed. The effect therefore returns no changes of its own.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bianzhi.approvals import engine
from bianzhi.approvals.kinds import (
    APPROVED,
    REJECTED,
    RETURNED,
    KindSpec,
    Step,
)
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role
from bianzhi.core.workdays import working_days_between

from . import rules
from .models import Posting
from .services_common import date_arg, pk_of
from .services_postings import check_destination, person_release
from .values import RELEASE_REASON, resolve

RELEASE_FILING = "release_filing"

RELEASE_FILING_SPEC = KindSpec(
    kind=RELEASE_FILING,
    label="出编备案",
    payload_labels={
        "person_id": "人员",
        "exit_date": "出编日期",
        "reason_code": "出编原因",
        "destination": "去向",
        "proof": "证明材料",
        "proof_attachment_ids": "附件",
        "doc_no": "文号",
        "note": "备注",
    },
    serial_prefix="出编",
    submitter_roles=(Role.UNIT_HR,),
    effect="person_release",
    steps=(
        Step("office_review", "编办审核", Role.OFFICE_ADMIN,
             {"approve": APPROVED, "return": RETURNED, "reject": REJECTED}),
    ),
)  # fmt: skip


def current_posting(request) -> Posting:
    """The person's active posting, which must be in the request's unit."""
    person_id = pk_of(request.payload.get("person_id"))
    if person_id is None:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "出编人员", field="person_id")
    rows = Posting.objects.select_related("person", "account__category", "unit")
    posting = rows.filter(person_id=person_id, end_date__isnull=True).first()
    if posting is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该人员当前不在编", field="person_id"
        )
    if posting.unit_id != request.unit_id:
        # Not one of the submitting unit's people: told as out of scope, so
        # that nothing is revealed about where the person is.
        raise ApplicationError(
            ErrorCode.OUT_OF_SCOPE, "该人员不在本单位在编", field="person_id"
        )
    return posting


def exit_date_of(request, today: dt.date) -> dt.date:
    return date_arg(
        request.payload.get("exit_date"),
        field="exit_date",
        today=today,
        what="出编日期",
    )


def reason_of(request) -> tuple[str, str]:
    """(reason code, destination) with person_release's own checks."""
    code = resolve(
        RELEASE_REASON, request.payload.get("reason_code"), field="reason_code"
    )
    destination = check_destination(code, str(request.payload.get("destination") or ""))
    return code, destination


def is_late(exit_date: dt.date, on: dt.date) -> bool:
    return rules.release_is_late(exit_date, on)


def validate_release_filing(request, actor: Actor, today: dt.date) -> None:
    """At submit: the person is in post in the unit, the reason is valid (with
    its destination), the exit date is not in the future and not before the
    posting began. A late exit date is allowed: it is flagged, not refused."""
    reason_of(request)
    exit_date = exit_date_of(request, today)
    posting = current_posting(request)
    _refuse_second_open_filing(request, posting.person_id)
    if exit_date < posting.start_date:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"出编日期{exit_date}早于入编日期{posting.start_date}",
            field="exit_date",
        )


def _refuse_second_open_filing(request, person_id: int) -> None:
    """One open filing per person: a second one (another tab, another HR
    user of the unit) would only fail at approval."""
    open_ones = Request.objects.filter(
        kind=RELEASE_FILING,
        unit_id=request.unit_id,
        status__in=(Request.Status.SUBMITTED, Request.Status.IN_REVIEW),
    ).exclude(pk=request.pk)
    for other in open_ones.only("pk", "serial", "payload"):
        if pk_of(other.payload.get("person_id")) == person_id:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该人员已有出编备案{other.serial}在办理中",
                field="person_id",
            )


def apply_release(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect: the roster's release, as of the approval day (which decides
    the late flag). person_release records its own event (module docstring)."""
    code, destination = reason_of(request)
    posting = current_posting(request)
    exit_date = exit_date_of(request, today)
    serial = request.serial or str(request.pk)
    proof = str(request.payload.get("proof") or "").strip()
    proof = f"出编备案{serial}" + (f"；{proof}" if proof else "")
    late = is_late(exit_date, today)
    note = str(request.payload.get("note") or "").strip()
    reason = ""
    if late:
        # The office's approval of the filing is the reason a late release
        # needs (DOMAIN §3.4: office staff with a reason).
        reason = f"逾期出编备案，经{serial}编办审核同意" + (f"：{note}" if note else "")
    person_release(
        actor=actor,
        posting=posting.pk,
        reason_code=code,
        exit_date=exit_date,
        proof=proof,
        doc_no=str(request.payload.get("doc_no") or ""),
        reason=reason,
        destination=destination,
        today=today,
    )
    return []


def release_numbers(request) -> list[tuple[str, object, str]]:
    """What the office reviewer needs: the posting, the account, the late flag."""
    person_id = pk_of(request.payload.get("person_id"))
    posting = (
        Posting.objects.select_related("person", "account__category", "unit")
        .filter(person_id=person_id, end_date__isnull=True)
        .first()
        if person_id is not None
        else None
    )
    rows: list[tuple[str, object, str]] = []
    person_url = f"/persons/{person_id}/" if person_id else ""
    unit_url = f"/units/{request.unit_id}/"
    if posting is None or posting.unit_id != request.unit_id:
        rows.append(("在编情况", "当前不在本单位在编", person_url))
    else:
        account = posting.account
        label = f"{account.category.name}·{account.get_funding_display()}"
        rows += [
            ("出编人员", posting.person.name, person_url),
            (
                "在编情况",
                f"{posting.unit.name} {label}，{posting.start_date}入编",
                person_url,
            ),
            (f"{label} 核定编制数", account.approved, unit_url),
            (f"{label} 实有人数", account.occupied, unit_url),
        ]
    try:
        exit_date = dt.date.fromisoformat(str(request.payload.get("exit_date")))
    except ValueError:
        return rows
    today = timezone.localdate()
    days = working_days_between(exit_date, today)
    rows += [
        ("距出编日期工作日数", days, ""),
        ("逾期备案", "是" if is_late(exit_date, today) else "否", ""),
    ]
    return rows


def register() -> None:
    engine.register_kind(RELEASE_FILING_SPEC)
    engine.register_effect(RELEASE_FILING, apply_release)
    engine.register_validator(RELEASE_FILING, validate_release_filing)
    engine.register_numbers(RELEASE_FILING, release_numbers)
