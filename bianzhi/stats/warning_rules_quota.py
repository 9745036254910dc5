"""Warning rules on the quota ledger: over-quota accounts, over-appointed
leader posts, low remaining quota per region and pool loans falling due."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum

from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import (
    Funding,
    HolderKind,
    LeaderKind,
    LeaderLevel,
    LeaderPostQuota,
    LeaderPostScope,
    Loan,
    QuotaAccount,
)
from bianzhi.roster.models import Appointment

from .warning_rules import Context, Evidence, Hit, Rule, pct, register

FUNDING = dict(Funding.choices)
LEVEL = dict(LeaderLevel.choices)
KIND = dict(LeaderKind.choices)
SCOPE = dict(LeaderPostScope.choices)


def _in_force(today: dt.date) -> Q:
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gt=today))


def find_over_quota(ctx: Context) -> list[Hit]:
    rows = (
        QuotaAccount.objects.filter(
            ctx.scope.units_q("unit__"),
            holder_kind=HolderKind.UNIT,
            occupied__gt=F("approved"),
        )
        .values(
            "id",
            "unit_id",
            "unit__name",
            "unit__region_id",
            "category_id",
            "category__name",
            "funding",
            "approved",
            "occupied",
            "over_since",
        )
        .order_by("unit__region_id", "unit_id", "id")
    )
    hits = []
    for row in rows:
        over = row["occupied"] - row["approved"]
        threshold = ctx.threshold(row["unit__region_id"])
        if threshold is not None and over <= threshold:
            continue
        since = f"，自{row['over_since']}起" if row["over_since"] else ""
        label = f"{row['category__name']}·{FUNDING.get(row['funding'], row['funding'])}"
        persons = urlencode({"unit": row["unit_id"], "category": row["category_id"]})
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=row["unit__region_id"],
                unit_id=row["unit_id"],
                unit_name=row["unit__name"],
                subject=f"{label}：核定{row['approved']}名，实有{row['occupied']}名，"
                f"超编{over}名{since}",
                value=over,
                threshold=threshold,
                evidence=[
                    Evidence("account", f"{row['unit_id']}:{row['id']}", "编制账户"),
                    Evidence("persons", persons, f"在编人员{row['occupied']}名"),
                ],
            )
        )
    return hits


def find_leader_over(ctx: Context) -> list[Hit]:
    today = ctx.today
    unit_q = ctx.scope.units_q("unit__")
    appointed = (
        Appointment.objects.filter(_in_force(today), unit_q)
        .values_list("unit_id", "scope", "internal_body_id", "level", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    used = {tuple(row[:5]): row[5] for row in appointed}
    if not used:
        return []
    counts: dict[tuple, int] = {}
    versions = (
        LeaderPostQuota.objects.filter(
            unit_q,
            unit_id__in=sorted({k[0] for k in used}),
            effective_date__lte=today,
        )
        .values_list("unit_id", "scope", "internal_body_id", "level", "kind", "count")
        .order_by("effective_date", "id")
    )
    for *key, count in versions:  # the latest version per key wins
        counts[tuple(key)] = count
    units = {
        u["id"]: u
        for u in Unit.objects.filter(id__in={k[0] for k in used}).values(
            "id", "name", "region_id"
        )
    }
    hits = []
    for key, n in sorted(used.items(), key=lambda kv: (kv[0][0], str(kv[0][1:]))):
        count = counts.get(key, 0)
        over = n - count
        unit = units[key[0]]
        threshold = ctx.threshold(unit["region_id"])
        if over <= (threshold or 0):
            continue
        post = f"{SCOPE.get(key[1], key[1])}{LEVEL.get(key[3], key[3])}{KIND.get(key[4], key[4])}"
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=unit["region_id"],
                unit_id=unit["id"],
                unit_name=unit["name"],
                subject=f"{post}：核定{count}名，已配备{n}名，超出{over}名",
                value=over,
                threshold=threshold,
                evidence=[Evidence("posts", str(unit["id"]), "领导职数")],
            )
        )
    return hits


def find_low_remaining(ctx: Context) -> list[Hit]:
    """余量 of a region's own ledger: its unallocated quota (未分配编制) plus
    the vacancies of its units' accounts, as a share of the quota it holds
    (units + reserve + pool). Regions without any quota are skipped."""
    if not ctx.scope.regional:
        return []
    accounts = QuotaAccount.objects.filter(ctx.scope.regions_q()).exclude(
        holder_kind=HolderKind.EXTERNAL
    )
    held = dict(
        accounts.values_list("region_id").annotate(n=Sum("approved")).order_by()
    )
    reserve = dict(
        accounts.filter(holder_kind=HolderKind.RESERVE)
        .values_list("region_id")
        .annotate(n=Sum("approved"))
        .order_by()
    )
    vacant = dict(
        accounts.filter(
            holder_kind=HolderKind.UNIT,
            approved__gt=F("occupied") + F("reserved"),
        )
        .values_list("region_id")
        .annotate(n=Sum(F("approved") - F("occupied") - F("reserved")))
        .order_by()
    )
    names = dict(Region.objects.filter(code__in=list(held)).values_list("code", "name"))
    hits = []
    for code in sorted(held):
        total = held[code] or 0
        if total <= 0:
            continue
        remaining = (reserve.get(code) or 0) + (vacant.get(code) or 0)
        share = pct(remaining, total)
        threshold = ctx.threshold(code)
        if threshold is not None and share >= threshold:
            continue
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=code,
                unit_name=names.get(code, code),
                subject=f"余量{remaining}名（未分配{reserve.get(code) or 0}名 + "
                f"单位空编{vacant.get(code) or 0}名），占所持编制{total}名的{share}%",
                value=share,
                threshold=threshold,
                evidence=[Evidence("region", code, "区划编制总量")],
            )
        )
    return hits


def find_expiring_loans(ctx: Context) -> list[Hit]:
    loans = (
        Loan.objects.filter(ctx.scope.units_q("account__unit__"), outstanding__gt=0)
        .values(
            "id",
            "movement_id",
            "movement__doc_no",
            "amount",
            "outstanding",
            "due_date",
            "account__unit_id",
            "account__unit__name",
            "account__region_id",
        )
        .order_by("due_date", "id")
    )
    hits = []
    for loan in loans:
        region = loan["account__region_id"]
        days = ctx.threshold(region) or Decimal(0)
        left = (loan["due_date"] - ctx.today).days
        if left > days:
            continue
        when = f"已逾期{-left}天" if left < 0 else f"{left}天后到期"
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=region,
                unit_id=loan["account__unit_id"],
                unit_name=loan["account__unit__name"],
                subject=f"周转池借编{loan['amount']}名（未还{loan['outstanding']}名），"
                f"归还期限{loan['due_date']}，{when}",
                value=left,
                threshold=days,
                evidence=[
                    Evidence(
                        "movement", str(loan["movement_id"]), loan["movement__doc_no"]
                    ),
                    Evidence("region", region, "周转池"),
                ],
            )
        )
    return hits


register(
    Rule(
        code="over_quota",
        name="超编预警",
        text="单位编制账户实有人数超过核定编制数，超编人数大于 {threshold} 名",
        find=find_over_quota,
        unit="名",
        default=Decimal(0),
        order=10,
    )
)
register(
    Rule(
        code="leader_over",
        name="超职数配备预警",
        text="领导职务在任人数超过核定职数，超出人数大于 {threshold} 名",
        find=find_leader_over,
        unit="名",
        default=Decimal(0),
        order=20,
    )
)
register(
    Rule(
        code="low_remaining",
        name="编制余量不足预警",
        text="区划编制余量（未分配编制 + 单位空编）占所持编制的比例低于 {threshold}%",
        find=find_low_remaining,
        unit="%",
        default=Decimal(5),
        order=30,
    )
)
register(
    Rule(
        code="loan_due",
        name="周转池借编到期预警",
        text="周转池借出编制未归还，距归还期限不足 {threshold} 天或已逾期",
        find=find_expiring_loans,
        unit="天",
        default=Decimal(30),
        order=60,
    )
)
