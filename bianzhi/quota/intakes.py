"""The forms of the two quota kinds (approvals/intake.py), registered in
QuotaConfig.ready(): the recruitment plan (rows of lines) and the quota-use
application. `build` turns the raw form values into the payload the kinds'
validators and effects read (quota/kinds.py, quota/permits.py); the deeper
checks (vacancy, intake credits) stay in those validators, which run at
submission inside the same transaction.

Channels are the roster's values (a layer above): the roster installs their
choices through set_channel_choices() at startup, as it does the channel's
joint-review rule (kinds.set_channel_rules).

The unit helpers here are shared with the roster's intakes (roster/intakes.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils import timezone

from bianzhi.approvals import engine
from bianzhi.approvals.intake import Draft, Field, Intake, register_intake
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import permits
from .kinds import PLAN, QUOTA_USE
from .models import Funding, PlanLine, QuotaAccount, QuotaCategory, RecruitmentPlan

_channels: list[Callable[[], Sequence[tuple[str, str]]]] = [lambda: ()]


def set_channel_choices(fn: Callable[[], Sequence[tuple[str, str]]]) -> None:
    _channels[0] = fn


def channel_choices(actor: Actor | None = None, values: dict | None = None):
    return list(_channels[0]())


def channel_label(code: str) -> str:
    return dict(channel_choices()).get(code, code)


# --- shared parsing ----------------------------------------------------------------


def text(values: dict, name: str) -> str:
    value = values.get(name)
    return "" if value is None else str(value).strip()


def required_text(values: dict, name: str, label: str, limit: int = 500) -> str:
    found = text(values, name)
    if not found:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=name)
    if len(found) > limit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}过长（{limit}字以内）", field=name
        )
    return found


def whole(values: dict, name: str, label: str, *, minimum: int = 1) -> int:
    found = text(values, name)
    if not found:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=name)
    try:
        number = int(found)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}须为不小于{minimum}的整数", field=name
        )
    return number


def optional_id(values: dict, name: str, label: str) -> int | None:
    found = text(values, name)
    if not found:
        return None
    if not found.isdigit():
        raise ApplicationError(ErrorCode.VALUE_INVALID, f"{label}无效", field=name)
    return int(found)


def unit_of(actor: Actor, values: dict, name: str = "unit_id") -> Unit:
    """The chosen unit: active and inside the actor's scope (else 404)."""
    unit_id = optional_id(values, name, "单位")
    if unit_id is None:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "单位", field=name)
    unit = Unit.objects.select_related("region").filter(pk=unit_id).first()
    if unit is None or not engine.scope_of(actor).covers(
        region_code=unit.region_id, unit_id=unit.pk
    ):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE, field=name)
    if not unit.is_active:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "该单位已撤销", field=name)
    return unit


def attachment_ids(values: dict, name: str) -> list[int]:
    raw = values.get(name) or []
    if not isinstance(raw, list):
        raw = [raw]
    out = []
    for item in raw:
        if isinstance(item, bool) or not str(item).strip().isdigit():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "附件编号格式不正确", field=name
            )
        out.append(int(item))
    return list(dict.fromkeys(out))


def account_label(account: QuotaAccount) -> str:
    return f"{account.category.name}·{account.get_funding_display()}"


# --- quota use ---------------------------------------------------------------------


def _plan_lines(actor: Actor, values: dict) -> list[tuple[str, str]]:
    account_id = optional_id(values, "account_id", "编制账户")
    if account_id is None:
        return []
    lines = PlanLine.objects.filter(
        account_id=account_id,
        plan__status=RecruitmentPlan.Status.APPROVED,
        plan__year=timezone.localdate().year,
        reserved__gt=0,
    ).select_related("plan")
    return [
        (
            str(line.pk),
            f"{line.plan.year}年计划·{channel_label(line.channel)}"
            f"（尚预留{line.reserved}名）",
        )
        for line in lines
    ]


def _positions(values: dict) -> list[dict]:
    rows = values.get("positions") or []
    if not isinstance(rows, list):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "拟招聘岗位格式不正确", field="positions"
        )
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not any(text(row, k) for k in row):
            continue
        title = text(row, "title")
        if not title:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, f"第{i}行岗位名称", field="positions"
            )
        count = text(row, "count") or "1"
        if not count.isdigit() or int(count) < 1:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"第{i}行人数须为正整数", field="positions"
            )
        out.append(
            {
                "title": title,
                "count": int(count),
                "requirement": text(row, "requirement"),
            }
        )
    return out


def build_quota_use(actor: Actor, values: dict[str, Any]) -> Draft:
    unit = unit_of(actor, values)
    account_id = optional_id(values, "account_id", "编制账户")
    if account_id is None:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "编制账户", field="account_id")
    account = permits.unit_account(unit.pk, account_id, lock=False)
    channel = text(values, "channel")
    if not channel:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "进入方式", field="channel")
    if channel not in dict(channel_choices()):
        raise ApplicationError(ErrorCode.VALUE_INVALID, "进入方式无效", field="channel")
    count = whole(values, "count", "申请用编数")
    payload: dict[str, Any] = {
        "account_id": account.pk,
        "channel": channel,
        "count": count,
        "reason": required_text(values, "reason", "用编理由", 2000),
    }
    line = optional_id(values, "plan_line_id", "对应计划明细")
    if line is not None:
        permits.plan_line_for(
            account=account,
            channel=channel,
            ref=line,
            today=timezone.localdate(),
            lock=False,
        )
        payload["plan_line_id"] = line
    positions = _positions(values)
    if positions:
        payload["positions"] = positions
    ids = attachment_ids(values, "attachment_ids")
    if ids:
        payload["attachment_ids"] = ids
    return Draft(
        title=f"{unit.name}用编申请（{account_label(account)} {count}名）",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="unit",
        subject_id=unit.pk,
        payload=payload,
    )


def account_notes(actor: Actor, values: dict) -> list[str]:
    """Each account of the chosen unit with its numbers, and what it may do."""
    try:
        unit_id = optional_id(values, "unit_id", "单位")
    except ApplicationError:
        return []
    if unit_id is None:
        return []
    today = timezone.localdate()
    notes = []
    accounts = QuotaAccount.objects.filter(unit_id=unit_id).select_related(
        "category", "region"
    )
    for account in accounts.order_by("category__sort_order", "funding"):
        notes.append(
            f"{account_label(account)}：{permits.numbers(account)}。{_why(account, today)}"
        )
    return notes


def _why(account: QuotaAccount, today: dt.date) -> str:
    vacancy = account.approved - account.occupied - account.reserved
    if vacancy > 0:
        return f"可在空编{vacancy}名内申请。"
    policy = account.region.over_quota_policy if account.region_id else ""
    credits = account.intake_credits if account.credits_year == today.year else 0
    if account.occupied >= account.approved and policy == "n_out_1_in":
        return (
            f"已超编或满编：按本地区“出N进1”政策，本年度仅可凭出编换得的进人额度"
            f"计划{credits}名（不预留空编）。"
        )
    if account.occupied > account.approved:
        return f"超编{account.occupied - account.approved}名：消化超编前不得计划或申请进人。"
    return "无空编：不能计划或申请进人。"


QUOTA_USE_INTAKE = Intake(
    kind=QUOTA_USE,
    intro="用编单位申请使用空编进人；编办审核（事业单位先经主管部门），"
    "需要时由组织部或人社局联审，领导审批后核发用编核准通知书与编制使用审批表。",
    fields=(
        Field("unit_id", "用编单位", "unit"),
        Field("account_id", "编制账户", "account", depends_on="unit_id"),
        Field("channel", "进入方式", "choice", choices=channel_choices),
        Field("count", "申请用编数", "int"),
        Field(
            "plan_line_id",
            "对应计划明细",
            "choice",
            required=False,
            choices=_plan_lines,
            depends_on="account_id",
            help="有本年度已批准计划的，选择后转用计划预留，不再另占空编",
        ),
        Field("reason", "用编理由", "textarea"),
        Field(
            "positions",
            "拟招聘岗位",
            "rows",
            required=False,
            columns=(
                Field("title", "岗位名称"),
                Field("count", "人数", "int"),
                Field("requirement", "资格条件", required=False),
            ),
        ),
        Field("attachment_ids", "附件", "attachments", required=False),
    ),
    build=build_quota_use,
    explain=account_notes,
)


# --- recruitment plan --------------------------------------------------------------


def _categories(actor: Actor, values: dict) -> list[tuple[str, str]]:
    unit_id = text(values, "unit_id")
    qs = QuotaCategory.objects.order_by("sort_order", "code")
    if unit_id.isdigit():
        qs = qs.filter(accounts__unit_id=int(unit_id)).distinct()
    return [(c.code, c.name) for c in qs]


def _fundings(actor: Actor, values: dict) -> list[tuple[str, str]]:
    return list(Funding.choices)


def _plan_rows(unit: Unit, values: dict) -> list[dict]:
    rows = values.get("lines") or []
    if not isinstance(rows, list):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "计划明细格式不正确", field="lines"
        )
    accounts = {
        (a.category_id, a.funding): a
        for a in QuotaAccount.objects.filter(unit=unit).select_related("category")
    }
    out = []
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict) or not any(text(row, k) for k in row):
            continue
        category, funding = text(row, "category"), text(row, "funding")
        account = accounts.get((category, funding))
        if account is None:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"第{i}行：本单位没有该编制类型与经费形式的编制账户",
                field="lines",
            )
        channel = text(row, "channel")
        if channel not in dict(channel_choices()):
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, f"第{i}行进入方式", field="lines"
            )
        count = text(row, "count")
        if not count.isdigit() or int(count) < 1:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"第{i}行计划数须为正整数", field="lines"
            )
        out.append(
            {
                "account_id": account.pk,
                "category": category,
                "funding": funding,
                "channel": channel,
                "count": int(count),
            }
        )
    if not out:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "计划明细", field="lines")
    return out


def build_plan(actor: Actor, values: dict[str, Any]) -> Draft:
    unit = unit_of(actor, values)
    year = whole(values, "year", "计划年度", minimum=2000)
    this_year = timezone.localdate().year
    if year not in (this_year, this_year + 1):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"计划年度应为{this_year}或{this_year + 1}",
            field="year",
        )
    lines = _plan_rows(unit, values)
    total = sum(line["count"] for line in lines)
    return Draft(
        title=f"{unit.name}{year}年度用编进人计划（{total}名）",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="unit",
        subject_id=unit.pk,
        payload={
            "year": year,
            "lines": lines,
            "note": text(values, "note"),
        },
    )


PLAN_INTAKE = Intake(
    kind=PLAN,
    intro="年度用编进人计划经编办审核、领导审批后，按明细为本年度预留空编；"
    "超编或满编的账户只能按出编换得的进人额度计划，不预留空编。",
    fields=(
        Field("unit_id", "用编单位", "unit"),
        Field("year", "计划年度", "int", initial=str(timezone.localdate().year)),
        Field(
            "lines",
            "计划明细",
            "rows",
            columns=(
                Field("category", "编制类型", "choice", choices=_categories),
                Field("funding", "经费形式", "choice", choices=_fundings),
                Field("channel", "进入方式", "choice", choices=channel_choices),
                Field("count", "计划数", "int"),
            ),
        ),
        Field("note", "说明", "textarea", required=False),
    ),
    build=build_plan,
    explain=account_notes,
)


def register() -> None:
    # The keys these forms add to the payload, labelled on the request page.
    engine.kind_spec(QUOTA_USE).payload_labels.update(
        {"reason": "用编理由", "positions": "拟招聘岗位", "attachment_ids": "附件"}
    )
    engine.kind_spec(PLAN).payload_labels.update({"note": "说明"})
    register_intake(QUOTA_USE_INTAKE)
    register_intake(PLAN_INTAKE)
    from .numbers import register as register_numbers

    register_numbers()  # the further live numbers and the inbox rows' numbers
