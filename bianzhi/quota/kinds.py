"""The two quota workflow kinds (DOMAIN §4 items 1–2), registered in
QuotaConfig.ready():

recruitment_plan  unit_hr submits → office review → leader approval → effect
                  plan_approve (the plan's lines reserve vacancies).
quota_use         unit_hr submits → supervising dept (institutions only) →
                  office review → joint review by the partner department the
                  channel needs (VALUES.md; none: skipped) → leader approval →
                  effect permit_issue (the permit, converting the plan line).

Channels and their partner departments are the roster's values (a layer
above): the roster installs them through set_channel_rules() at startup.
Until then no channel needs a joint review.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from bianzhi.approvals import engine
from bianzhi.approvals.kinds import (
    APPROVED,
    JOINT_REVIEW_DAYS,
    REJECTED,
    RETURNED,
    KindSpec,
    Step,
)
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role
from bianzhi.orgs.models import Unit, UnitKind

from . import permits, plans

PLAN, QUOTA_USE = "recruitment_plan", "quota_use"

# (channel, identity) -> partner department ("" = no joint review)
_partner_rule: list[Callable[[str, str], str]] = [lambda channel, identity: ""]


def set_channel_rules(fn: Callable[[str, str], str]) -> None:
    _partner_rule[0] = fn


def _identity(request) -> str:
    identity = str(request.payload.get("identity") or "")
    if identity:
        return identity
    account = (
        permits.QuotaAccount.objects.select_related("category")
        .filter(pk=request.payload.get("account_id"))
        .first()
    )
    accepted = account.category.accepted_identities if account else []
    return accepted[0] if accepted else ""


def quota_use_partners(request) -> list[str]:
    channel = str(request.payload.get("channel") or "")
    department = _partner_rule[0](channel, _identity(request)) if channel else ""
    return [department] if department else []


def _supervised(request) -> bool:
    unit = Unit.objects.filter(pk=request.unit_id).only("kind", "parent_id").first()
    return bool(unit and unit.kind == UnitKind.INSTITUTION and unit.parent_id)


_DECIDE = {"return": RETURNED, "reject": REJECTED}

RECRUITMENT_PLAN = KindSpec(
    kind=PLAN,
    label="年度用编进人计划",
    payload_labels={"year": "计划年度", "lines": "计划明细"},
    serial_prefix="编计",
    submitter_roles=(Role.UNIT_HR,),
    effect="plan_approve",
    steps=(
        Step("office_review", "编办审核", Role.OFFICE_ADMIN,
             {"approve": "leader_approval", **_DECIDE}),
        Step("leader_approval", "领导审批", Role.OFFICE_LEADER,
             {"approve": APPROVED, **_DECIDE}),
    ),
)  # fmt: skip

QUOTA_USE_SPEC = KindSpec(
    kind=QUOTA_USE,
    label="用编申请",
    payload_labels={
        "account_id": "编制账户",
        "channel": "进入方式",
        "count": "申请名额",
        "plan_line_id": "对应计划明细",
        "identity": "人员身份",
    },
    serial_prefix="编准",
    submitter_roles=(Role.UNIT_HR,),
    effect="permit_issue",
    steps=(
        Step("supervisor_review", "主管部门审核", Role.SUPERVISING_DEPT,
             {"approve": "office_review", **_DECIDE}, when=_supervised),
        Step("office_review", "编办审核", Role.OFFICE_ADMIN,
             {"approve": "joint_review", **_DECIDE}),
        Step("joint_review", "联审", Role.PARTNER_REVIEWER,
             {"opinion": "leader_approval"}, days=JOINT_REVIEW_DAYS, joint=True,
             partners=quota_use_partners),
        Step("leader_approval", "领导审批", Role.OFFICE_LEADER,
             {"approve": APPROVED, **_DECIDE}),
    ),
)  # fmt: skip


# --- submit-time checks and live numbers -------------------------------------------


def validate_plan(request, actor: Actor, today: dt.date) -> None:
    plans.plan_year(request.payload)
    for line in plans.plan_lines(request.payload):
        account = permits.unit_account(request.unit_id, line["account_id"], lock=False)
        plans.check_plan_line(account, line["count"], today)


def validate_quota_use(request, actor: Actor, today: dt.date) -> None:
    payload = request.payload
    if not payload.get("channel"):
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "进入方式", field="channel")
    count = permits.positive_count(payload.get("count"), "count")
    account = permits.unit_account(
        request.unit_id, payload.get("account_id"), lock=False
    )
    line = permits.plan_line_for(
        account=account,
        channel=str(payload["channel"]),
        ref=payload.get("plan_line_id"),
        today=today,
        lock=False,
    )
    # The effect's own decision, read without locks: the effect decides again
    # at the final approval on the locked account.
    permits.permit_backing(
        account, count, min(count, line.reserved if line else 0), today
    )


def _numbers(request) -> list[tuple[str, object, str]]:
    ids = [request.payload.get("account_id")] + [
        line.get("account_id")
        for line in request.payload.get("lines") or []
        if isinstance(line, dict)
    ]
    rows = []
    for account in permits.QuotaAccount.objects.filter(
        pk__in=[i for i in ids if i], unit_id=request.unit_id
    ).select_related("category"):
        url = f"/units/{request.unit_id}/"
        label = f"{account.category.name}·{account.get_funding_display()}"
        rows += [
            (f"{label} 核定编制数", account.approved, url),
            (f"{label} 实有人数", account.occupied, url),
            (f"{label} 预留数", account.reserved, url),
            (f"{label} 空编数", max(account.vacancy, 0), url),
        ]
    return rows


def register() -> None:
    engine.register_kind(RECRUITMENT_PLAN)
    engine.register_effect(PLAN, plans.plan_approve)
    engine.register_validator(PLAN, validate_plan)
    engine.register_numbers(PLAN, _numbers)
    engine.register_kind(QUOTA_USE_SPEC)
    engine.register_effect(QUOTA_USE, permits.permit_issue)
    engine.register_validator(QUOTA_USE, validate_quota_use)
    engine.register_numbers(QUOTA_USE, _numbers)
    engine.register_daily(QUOTA_USE, permits.permit_expire)
    engine.register_daily(PLAN, plans.plan_lapse)
