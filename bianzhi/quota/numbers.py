"""More of the quota's live numbers beside a plan or quota-use request (issue 5
item 3), added to quota/kinds.py's per-account numbers: what this year's
plans still reserve, the unit's active permits (and what they still hold),
the intake credits of an over-quota account; and the inbox rows' short
numbers (vacancy and reservations of the accounts applied for), one query
per page. Registered by quota/intakes.register().
"""

from __future__ import annotations

from django.db.models import F, Sum
from django.utils import timezone

from bianzhi.approvals import engine

from .kinds import PLAN, QUOTA_USE
from .models import Permit, PlanLine, QuotaAccount, RecruitmentPlan


def _account_ids(request) -> list[int]:
    payload = request.payload or {}
    ids = [payload.get("account_id")] + [
        line.get("account_id")
        for line in payload.get("lines") or []
        if isinstance(line, dict)
    ]
    return [int(i) for i in ids if str(i or "").isdigit()]


def more_numbers(request) -> list[tuple[str, object, str]]:
    if request.unit_id is None:
        return []
    today = timezone.localdate()
    url = f"/units/{request.unit_id}/"
    planned = PlanLine.objects.filter(
        plan__unit_id=request.unit_id,
        plan__year=today.year,
        plan__status=RecruitmentPlan.Status.APPROVED,
    ).aggregate(count=Sum("count"), reserved=Sum("reserved"))
    active = Permit.objects.filter(
        unit_id=request.unit_id, status=Permit.Status.ACTIVE, valid_until__gte=today
    )
    permits = active.aggregate(left=Sum(F("count") - F("used")))
    rows: list[tuple[str, object, str]] = [
        ("本年度计划数", planned["count"] or 0, url),
        ("本年度计划尚预留", planned["reserved"] or 0, url),
        ("有效用编核准件数", active.count(), url),
        ("有效用编核准尚余名额", permits["left"] or 0, url),
    ]
    for account in QuotaAccount.objects.filter(
        pk__in=_account_ids(request), unit_id=request.unit_id
    ).select_related("category"):
        if account.occupied >= account.approved:
            credits = (
                account.intake_credits if account.credits_year == today.year else 0
            )
            label = f"{account.category.name}·{account.get_funding_display()}"
            rows.append((f"{label} 超编/满编，本年度进人额度", credits, url))
    return rows


def row_numbers(requests: list) -> dict[int, list[tuple[str, object, str]]]:
    wanted = {r.pk: _account_ids(r) for r in requests}
    accounts = QuotaAccount.objects.in_bulk({i for ids in wanted.values() for i in ids})
    out: dict[int, list[tuple[str, object, str]]] = {}
    for r in requests:
        found = [accounts[i] for i in wanted[r.pk] if i in accounts]
        found = [a for a in found if a.unit_id == r.unit_id]
        if not found:
            continue
        vacancy = sum(max(a.approved - a.occupied - a.reserved, 0) for a in found)
        reserved = sum(a.reserved for a in found)
        url = f"/units/{r.unit_id}/"
        out[r.pk] = [("空编", vacancy, url), ("预留", reserved, url)]
    return out


def register() -> None:
    for kind in (QUOTA_USE, PLAN):
        engine.add_numbers(kind, more_numbers)
        engine.register_row_numbers(kind, row_numbers)
