"""Warning rules on workflows: permits about to expire, overdue workflow
steps, and overdue supervision cases (no supervision module yet)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Q

from bianzhi.approvals.models import Request
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import Permit

from .warning_rules import Context, Evidence, Hit, Rule, register

OPEN = (Request.Status.SUBMITTED, Request.Status.IN_REVIEW)


def find_expiring_permits(ctx: Context) -> list[Hit]:
    permits = (
        Permit.objects.filter(
            ctx.scope.units_q("unit__"),
            status=Permit.Status.ACTIVE,
        )
        .values(
            "id",
            "number",
            "count",
            "used",
            "valid_until",
            "request_id",
            "unit_id",
            "unit__name",
            "unit__region_id",
        )
        .order_by("valid_until", "id")
    )
    hits = []
    for permit in permits:
        if permit["used"] >= permit["count"]:
            continue
        region = permit["unit__region_id"]
        days = ctx.threshold(region) or Decimal(0)
        left = (permit["valid_until"] - ctx.today).days
        if left > days:
            continue
        when = (
            f"已过期{-left}天（待每日任务收回预留）" if left < 0 else f"{left}天后到期"
        )
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=region,
                unit_id=permit["unit_id"],
                unit_name=permit["unit__name"],
                subject=f"用编核准{permit['number']}：核准{permit['count']}名，"
                f"尚余{permit['count'] - permit['used']}名未使用，"
                f"有效期至{permit['valid_until']}，{when}",
                value=left,
                threshold=days,
                evidence=[
                    Evidence("request", str(permit["request_id"]), permit["number"]),
                    Evidence("unit", str(permit["unit_id"]), "单位"),
                ],
            )
        )
    return hits


def find_overdue_steps(ctx: Context) -> list[Hit]:
    scope = ctx.scope
    condition = Q(status__in=OPEN, due_on__lt=ctx.today)
    if scope.unit_ids is not None:
        condition &= Q(unit_id__in=sorted(scope.unit_ids))
    elif scope.region_codes is not None:
        condition &= Q(region_code__in=sorted(scope.region_codes))
    rows = list(
        Request.objects.filter(condition)
        .values(
            "id", "serial", "title", "region_code", "unit_id", "current_step", "due_on"
        )
        .order_by("due_on", "id")
    )
    names = dict(
        Unit.objects.filter(
            id__in={r["unit_id"] for r in rows if r["unit_id"]}
        ).values_list("id", "name")
    )
    hits = []
    for row in rows:
        late = (ctx.today - row["due_on"]).days
        threshold = ctx.threshold(row["region_code"])
        if late <= (threshold or 0):
            continue
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=row["region_code"],
                unit_id=row["unit_id"],
                unit_name=names.get(row["unit_id"], ""),
                subject=f"{row['serial'] or ''}「{row['title']}」当前环节应于"
                f"{row['due_on']}前办结，已逾期{late}天",
                value=late,
                threshold=threshold,
                evidence=[
                    Evidence("request", str(row["id"]), row["serial"] or "审批事项")
                ],
            )
        )
    return hits


def find_nothing(ctx: Context) -> list[Hit]:
    return []


register(
    Rule(
        code="permit_expiring",
        name="用编核准到期预警",
        text="有效的用编核准尚有名额未使用，距有效期届满不足 {threshold} 天或已过期",
        find=find_expiring_permits,
        unit="天",
        default=Decimal(30),
        order=55,
    )
)
register(
    Rule(
        code="overdue_step",
        name="审批环节逾期预警",
        text="审批事项当前环节超过办结期限 {threshold} 天以上仍未办结",
        find=find_overdue_steps,
        unit="天",
        default=Decimal(0),
        order=70,
    )
)
register(
    Rule(
        code="overdue_supervision",
        name="督查事项逾期预警",
        text="督查事项整改超过期限仍未办结",
        find=find_nothing,
        enabled=False,
        disabled_note="尚未启用（督查模块未上线）",
        order=80,
    )
)
