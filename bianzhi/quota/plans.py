"""Recruitment plans (年度用编进人计划, DOMAIN §4 item 1): the lines of a
plan, the check that holds an over-quota account to its intake credits, the
effect of the final approval (each line reserves its count, or none when
planned against credits) and the year-end lapse of what no permit converted.

Permits drawn on a plan line (quota.permits.plan_line_for) convert the line's
reservation; this module knows them only by the credits they hold.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Sum

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import occupancy
from .models import PlanLine, QuotaAccount, RecruitmentPlan
from .permits import capacity_backing, credits_free, positive_count, unit_account


def plan_lines(payload: dict) -> list[dict]:
    lines = payload.get("lines") or []
    if not isinstance(lines, list) or not lines:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "计划明细", field="lines")
    out = []
    for i, line in enumerate(lines):
        if not isinstance(line, dict) or not line.get("channel"):
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, f"第{i + 1}行进入方式", field="lines"
            )
        out.append(
            {
                "account_id": line.get("account_id"),
                "channel": str(line["channel"]),
                "count": positive_count(line.get("count"), "lines"),
            }
        )
    return out


def plan_year(payload: dict) -> int:
    try:
        return int(payload.get("year"))
    except (TypeError, ValueError):
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "计划年度", field="year"
        ) from None


def credits_unplanned(account: QuotaAccount, today: dt.date) -> int:
    """The credits of this year free for a new plan line: not planned by an
    approved line of this year (less what its permits took) nor promised to
    an active permit."""
    planned = (
        PlanLine.objects.filter(
            account=account,
            by_credit=True,
            plan__year=today.year,
            plan__status=RecruitmentPlan.Status.APPROVED,
        ).aggregate(left=Sum(F("count") - F("converted")))["left"]
        or 0
    )
    return max(credits_free(account, today) - planned, 0)


def check_plan_line(account: QuotaAccount, count: int, today: dt.date) -> bool:
    """True when the line is planned against intake credits (no reservation).

    An over-quota (or full-by-occupation) account may plan only up to the
    intake credits earned this year under the region's N-out-1-in policy and
    not yet planned or promised (credits_unplanned)."""
    return capacity_backing(
        account,
        count=count,
        fresh=count,
        credits=lambda: credits_unplanned(account, today),
        credit_allowed=True,
        action="计划",
        shortfall=f"不足计划{count}名",
        field="lines",
    )


def plan_approve(request, actor: Actor, today: dt.date) -> list[dict]:
    """Effect of "recruitment_plan": the plan, its lines and their reservations."""
    year = plan_year(request.payload)
    lines = plan_lines(request.payload)
    plan = RecruitmentPlan.objects.create(
        unit_id=request.unit_id, year=year, request_id=request.pk, approved_on=today
    )
    changes = [audit.change(plan, None, audit.snapshot(plan))]
    # Lock accounts in id order: two plans of one unit never deadlock.
    for line in sorted(lines, key=lambda x: int(x["account_id"] or 0)):
        account = unit_account(request.unit_id, line["account_id"], lock=True)
        by_credit = check_plan_line(account, line["count"], today)
        row = PlanLine.objects.create(
            plan=plan,
            account=account,
            channel=line["channel"],
            count=line["count"],
            reserved=0 if by_credit else line["count"],
            by_credit=by_credit,
        )
        changes.append(audit.change(row, None, audit.snapshot(row)))
        if not by_credit:
            changes.append(occupancy.reserve(account, amount=line["count"]))
    return changes


def plan_lapse(*, actor: Actor, today: dt.date) -> list[str]:
    """Daily: a plan's reservation not converted by the end of its year is
    released (the next year's plan reserves afresh); one audit event."""
    with transaction.atomic():
        lines = list(
            PlanLine.objects.select_for_update()
            .filter(plan__year__lt=today.year, reserved__gt=0)
            .order_by("account_id", "pk")
        )
        if not lines:
            return []
        changes: list[dict] = []
        out: list[str] = []
        for line in lines:
            before = audit.snapshot(line)
            held, line.reserved = line.reserved, 0
            line.save(update_fields=["reserved"])
            changes.append(audit.change(line, before, audit.snapshot(line)))
            account = QuotaAccount.objects.select_for_update().get(pk=line.account_id)
            changes.append(
                occupancy.unreserve(account, amount=min(held, account.reserved))
            )
            out.append(f"用编计划明细{line.pk}年度已过，释放预留{held}名")
        audit.record(
            actor=actor,
            operation="plan_lapse",
            records=changes,
            summary=f"年度用编计划到期释放预留{len(lines)}项",
        )
    return out
