"""The roster's live numbers beside a request (issue 5 item 3), added to the
quota kinds' own (vacancy and reservations of the accounts applied for) and
to the release filing's: occupancy by category of the whole unit, leader
posts (核定 vs 已配备 per level), the unit's late release filings this year
and its open problems (疑似问题, roster/suspicious.py, for that unit).

Registered with engine.add_numbers (additive) by roster/intakes.register().
Also the inbox rows' short numbers for the release filing (late or not).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from bianzhi.approvals import engine
from bianzhi.core.workdays import working_days_between
from bianzhi.orgs.models import Unit
from bianzhi.quota.kinds import PLAN, QUOTA_USE
from bianzhi.quota.leader_posts import leader_posts_as_of
from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope, QuotaAccount

from . import kinds, rules
from .models import Posting
from .suspicious import find_suspicious


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def unit_numbers(request) -> list[tuple[str, object, str]]:
    if request.unit_id is None:
        return []
    unit = Unit.objects.filter(pk=request.unit_id).first()
    if unit is None:
        return []
    today = timezone.localdate()
    unit_url = reverse("web:unit", args=[unit.pk])
    rows: list[tuple[str, object, str]] = []
    accounts = QuotaAccount.objects.filter(unit=unit).select_related("category")
    for a in accounts.order_by("category__sort_order", "funding"):
        rows.append(
            (
                f"在编/核定·{a.category.name}·{a.get_funding_display()}",
                f"{a.occupied}/{a.approved}",
                unit_url,
            )
        )
    for post in leader_posts_as_of(unit, today):
        body = getattr(post, "internal_body", None)
        where = body.name if body is not None else _label(LeaderPostScope, post.scope)
        level = _label(LeaderLevel, post.level) + _label(LeaderKind, post.kind)
        rows.append(
            (
                f"领导职数 {where}·{level}（已配备/核定）",
                f"{post.appointed}/{post.count}",
                unit_url,
            )
        )
    late = Posting.objects.filter(
        unit=unit, late_release=True, end_date__year=today.year
    ).count()
    rows.append(("本年逾期出编备案", late, unit_url))
    found = find_suspicious(units=Unit.objects.filter(pk=unit.pk), limit=0)
    problems = reverse("web:roster_suspicious")
    for kind, result in found.items():
        rows.append(
            (f"疑似问题·{result.label}", result.total, f"{problems}?kind={kind}")
        )
    return rows


def release_rows(requests: list) -> dict[int, list[tuple[str, object, str]]]:
    """Inbox rows of release filings: working days since the exit, and late."""
    today = timezone.localdate()
    out: dict[int, list[tuple[str, object, str]]] = {}
    for r in requests:
        try:
            exit_date = dt.date.fromisoformat(str(r.payload.get("exit_date")))
        except ValueError:
            continue
        days = working_days_between(exit_date, today)
        late = "逾期" if rules.release_is_late(exit_date, today) else "未逾期"
        out[r.pk] = [("出编后工作日", days, ""), ("备案", late, "")]
    return out


def register() -> None:
    for kind in (QUOTA_USE, PLAN, kinds.RELEASE_FILING):
        engine.add_numbers(kind, unit_numbers)
    engine.register_row_numbers(kinds.RELEASE_FILING, release_rows)
