"""The enrollment filing (入编备案, DOMAIN §4 item 3), registered in
RosterConfig.ready() by register():

    publicity   the unit publishes the draft's list (enrollment_publicity.py):
                PUBLICITY_DAYS working days, objections recorded and ruled
    application unit_hr submits the persons against a permit once the period
                is over with no objection pending (validate_enrollment)
    review      office review (office_admin) → leader approval (office_leader);
                each may return or reject; the numbers beside the request are
                the permit's count left and the account's counters
    entry       the final approval's effect (apply_enrollment) enrolls every
                person through the roster's single enroll service
                (person_enroll, one "person_enroll" event each, as the release
                filing does), each intake consuming the permit with
                quota.permits.permit_use and converting its reservation into
                the posting — all in the approval's transaction: one refusal
                (QUOTA_FULL with the numbers, PERMIT_EXPIRED, PERMIT_EXHAUSTED,
                PERSON_ALREADY_POSTED, CATEGORY_MISMATCH …) refuses the
                approval and nothing is written. The documents app wraps this
                effect to issue the signed enrollment notice
                (documents/effects_enrollment.py).

The bulk path (roster/bulk.py) is the initial load's only; a filing is a few
to a few dozen people, so the single service runs once per person.

The permit. The installed roster hook consumes a permit only when
settings.ROSTER_PERMITS_REQUIRED is on (the older direct intakes pass none).
A filing always names its permit, so while its effect runs the hook is
told which permit to consume (a context variable, see filing_permit_hook);
every other intake goes to the hook installed before.

Channels that VALUES.md files "afterwards within 30 days" never call the
permit hook (services_intake.take_post): a filing on such a permit is
refused at the draft, since it could not convert the permit's reservation.
"""

from __future__ import annotations

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from bianzhi.approvals import engine
from bianzhi.approvals.kinds import APPROVED, REJECTED, RETURNED, KindSpec, Step
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role
from bianzhi.quota.models import Permit

from . import services_common
from .enrollment_batch import Batch, batch_of
from .enrollment_publicity import ENROLLMENT_FILING, PublicityState, publicity_state
from .permit_hook import consume
from .services_common import set_permit_hook
from .services_postings import person_enroll

_DECIDE = {"return": RETURNED, "reject": REJECTED}

ENROLLMENT_FILING_SPEC = KindSpec(
    kind=ENROLLMENT_FILING,
    label="入编备案",
    payload_labels={
        "permit": "用编核准编号",
        "permit_id": "用编核准（系统编号）",
        "account_id": "编制账户（系统编号）",
        "category": "编制类型",
        "funding": "经费形式",
        "channel": "进入方式",
        "doc_no": "文号",
        "persons": "入编人员名单",
        # The persons' row keys (the generic page labels inner keys too).
        "name": "姓名",
        "id_number": "公民身份号码",
        "gender": "性别",
        "birth_date": "出生日期",
        "ethnicity": "民族",
        "political_status": "政治面貌",
        "education": "学历",
        "degree": "学位",
        "position_title": "岗位",
        "post_type": "岗位类型",
        "work_start_date": "参加工作时间",
        "identity": "人员身份",
    },
    serial_prefix="入编备案",
    submitter_roles=(Role.UNIT_HR,),
    effect="enrollment_entry",
    steps=(
        Step("office_review", "编办审核", Role.OFFICE_ADMIN,
             {"approve": "leader_approval", **_DECIDE}),
        Step("leader_approval", "领导审批", Role.OFFICE_LEADER,
             {"approve": APPROVED, **_DECIDE}),
    ),
)  # fmt: skip


# --- the permit an effect consumes -----------------------------------------------


@dataclass
class _Entry:
    """The permit a filing's entry consumes, and how many intakes did."""

    permit: Permit
    consumed: int = 0


_filing_permit: ContextVar[_Entry | None] = ContextVar(
    "enrollment_filing_permit", default=None
)
_previous_hook: list = [services_common.permit_check]


def filing_permit_hook(*, channel, unit, category, funding, permit, start_date, today):
    """During a filing's entry: consume that filing's permit (one per person),
    converting its reservation. Otherwise: the hook installed before."""
    current = _filing_permit.get()
    if current is None:
        return _previous_hook[0](
            channel=channel,
            unit=unit,
            category=category,
            funding=funding,
            permit=permit,
            start_date=start_date,
            today=today,
        )
    found = current.permit
    account = found.account
    if (found.unit_id, account.category_id, account.funding, found.channel) != (
        unit.pk,
        category.pk,
        funding,
        channel,
    ):
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED,
            f"用编核准{found.number}与入编单位、编制类型、经费形式或进入方式不符",
            field="permit",
        )
    decision = consume(found, today)
    current.consumed += 1
    return decision


def install_hook() -> None:
    current = services_common._permit_hook
    if current is not filing_permit_hook:
        _previous_hook[0] = current
        set_permit_hook(filing_permit_hook)


# --- checks ------------------------------------------------------------------------


def check_publicity(state: PublicityState, today: dt.date) -> None:
    """The application comes after the publicity period, objections ruled."""
    if not state.running:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            "请先发布公示（异议成立退回的，须重新公示）",
            field="publicity",
        )
    if not state.is_over(today):
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            f"公示期{state.starts_on}至{state.ends_on}，期满后方可提交",
            field="publicity",
            params={"ends_on": state.ends_on.isoformat()},
        )
    check_no_pending(state)


def check_no_pending(state: PublicityState) -> None:
    if state.pending:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN,
            f"有{len(state.pending)}件公示异议尚未核查",
            field="publicity",
            params={"pending": len(state.pending)},
        )


def check_publicised(state: PublicityState, batch: Batch) -> None:
    """Everyone in the batch was on the published list and not removed."""
    for person in batch.persons:
        number, name = person.fields["id_number"], person.fields["name"]
        if number in state.removed:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{name}的公示异议经核查成立，已移出本批次",
                field="persons",
                params={"id_number": number},
            )
        if number not in state.id_numbers:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{name}未经公示，请重新发布公示",
                field="persons",
                params={"id_number": number},
            )


def _refuse_second_open_filing(request, batch: Batch) -> None:
    """A person in another open filing would only fail at its approval."""
    mine = {p.fields["id_number"] for p in batch.persons}
    others = Request.objects.filter(
        kind=ENROLLMENT_FILING,
        status__in=(Request.Status.SUBMITTED, Request.Status.IN_REVIEW),
    ).exclude(pk=request.pk)
    for other in others.only("pk", "serial", "payload"):
        for row in (other.payload or {}).get("persons") or []:
            number = str((row or {}).get("id_number") or "").strip().upper()
            if number in mine:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"{row.get('name', '')}已在入编备案{other.serial}中办理",
                    field="persons",
                    params={"id_number": number},
                )


def validate_enrollment(request, actor: Actor, today: dt.date) -> None:
    """Submit-time (the application): publicity over, the review's checks."""
    state = publicity_state(request)
    check_publicity(state, today)
    batch = batch_of(request, today)
    check_publicised(state, batch)
    _refuse_second_open_filing(request, batch)


# --- entry into the roster -----------------------------------------------------


def apply_enrollment(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect: every person enrolled as of the approval day against the permit.

    person_enroll records one event per person (module docstring); the
    approval's own event comes last. Returns no changes of its own."""
    state = publicity_state(request)
    check_no_pending(state)
    batch = batch_of(request, today)
    check_publicised(state, batch)
    account = batch.account
    serial = request.serial or str(request.pk)
    doc_no = str((request.payload or {}).get("doc_no") or "")
    # Someone may have installed another hook since startup (tests do).
    install_hook()
    entry = _Entry(batch.permit)
    token = _filing_permit.set(entry)
    try:
        for index, data in enumerate(batch.rows):
            try:
                person_enroll(
                    actor=actor,
                    unit=batch.unit.pk,
                    category=account.category_id,
                    funding=account.funding,
                    person=data,
                    channel=batch.permit.channel,
                    start_date=today,
                    doc_no=doc_no,
                    permit=batch.permit.number,
                    reason=f"入编备案{serial}",
                    today=today,
                )
            except ApplicationError as exc:
                raise ApplicationError(
                    exc.code,
                    f"第{index + 1}人（{data.get('name', '')}）：{exc.message}",
                    field=exc.field,
                    params={**exc.params, "row": index},
                ) from None
    finally:
        _filing_permit.reset(token)
    if entry.consumed != len(batch.rows):
        # Every intake must have converted one of the permit's slots.
        raise RuntimeError(f"permit {batch.permit.number} was not consumed")
    return []


def enrollment_numbers(request) -> list[tuple[str, object, str]]:
    """What the reviewers need: the permit's count left, the account, the batch,
    the publicity and its objections."""
    url = f"/enrollment/{request.pk}/"
    payload = request.payload or {}
    persons = payload.get("persons") or []
    rows: list[tuple[str, object, str]] = [("本批次人数", len(persons), url)]
    permit = (
        Permit.objects.select_related("account__category")
        .filter(unit_id=request.unit_id, number=str(payload.get("permit") or ""))
        .first()
    )
    if permit is not None:
        account = permit.account
        label = f"{account.category.name}·{account.get_funding_display()}"
        unit_url = f"/units/{request.unit_id}/"
        rows += [
            ("用编核准", permit.number, ""),
            ("核准名额", permit.count, ""),
            ("已使用名额", permit.used, ""),
            ("剩余名额", permit.count - permit.used, ""),
            ("核准有效期至", permit.valid_until.isoformat(), ""),
            (f"{label} 核定编制数", account.approved, unit_url),
            (f"{label} 实有人数", account.occupied, unit_url),
            (f"{label} 预留数", account.reserved, unit_url),
            (f"{label} 空编数", max(account.vacancy, 0), unit_url),
        ]
    state = publicity_state(request)
    if state.publicity is not None:
        rows += [
            ("公示期", f"{state.starts_on}至{state.ends_on}", url),
            ("公示异议", len(state.objections), url),
            ("待核查异议", len(state.pending), url),
        ]
    return rows


def register() -> None:
    engine.register_kind(ENROLLMENT_FILING_SPEC)
    engine.register_effect(ENROLLMENT_FILING, apply_enrollment)
    engine.register_validator(ENROLLMENT_FILING, validate_enrollment)
    engine.register_numbers(ENROLLMENT_FILING, enrollment_numbers)
    install_hook()
    from .enrollment_intake import register as register_intake

    register_intake()
