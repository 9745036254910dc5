"""Plain Python counts over every row (the independent side of the form tests)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import (
    LeaderPostQuota,
    QuotaAccount,
    QuotaEntry,
    QuotaMovement,
)
from bianzhi.roster.models import Appointment, Posting


def live(row, day: dt.date) -> bool:
    return row.start_date <= day and (row.end_date is None or row.end_date > day)


def region_units(code: str, day: dt.date) -> list[Unit]:
    codes, frontier = {code}, [code]
    while frontier:
        frontier = [r.code for r in Region.objects.all() if r.parent_id in frontier]
        codes.update(frontier)
    return [
        u
        for u in Unit.objects.all()
        if u.region_id in codes
        and u.established_on <= day
        and (u.revoked_on is None or u.revoked_on > day)
    ]


def account_numbers(day: dt.date, today: dt.date) -> dict[int, dict]:
    """Every unit account: approved / occupied / reserved / vacancy / over."""
    approved: dict[int, int] = defaultdict(int)
    for entry in QuotaEntry.objects.all():
        if entry.effective_date <= day:
            approved[entry.account_id] += entry.amount
    if day > today:
        for movement in QuotaMovement.objects.filter(status="pending"):
            if movement.effective_date <= day:
                for leg in movement.legs:
                    approved[leg["account"]] += leg["amount"]
    occupied: dict[int, int] = defaultdict(int)
    for posting in Posting.objects.all():
        if live(posting, day):
            occupied[posting.account_id] += 1
    result = {}
    for account in QuotaAccount.objects.filter(holder_kind="unit"):
        a, o = approved[account.id], occupied[account.id]
        r = account.reserved if day >= today else 0
        result[account.id] = {
            "unit": account.unit_id,
            "category": account.category_id,
            "funding": account.funding,
            "approved": a,
            "occupied": o,
            "reserved": r,
            "vacancy": max(a - o - r, 0),
            "over": max(o - a, 0),
        }
    return result


def sums(numbers: dict[int, dict], unit_ids: set[int]) -> dict[str, int]:
    total = defaultdict(int)
    for values in numbers.values():
        if values["unit"] in unit_ids:
            for key in ("approved", "occupied", "reserved", "vacancy", "over"):
                total[key] += values[key]
    return dict(total)


def leader_posts(unit: Unit, day: dt.date) -> dict[str, int]:
    counts: dict[tuple, tuple[dt.date, int, int]] = {}
    for version in LeaderPostQuota.objects.filter(unit=unit):
        key = (version.scope, version.internal_body_id, version.level, version.kind)
        if version.effective_date <= day:
            best = counts.get(key)
            if best is None or (version.effective_date, version.id) > best[:2]:
                counts[key] = (version.effective_date, version.id, version.count)
    used: dict[tuple, int] = defaultdict(int)
    for appointment in Appointment.objects.filter(unit=unit):
        if live(appointment, day):
            key = (
                appointment.scope,
                appointment.internal_body_id,
                appointment.level,
                appointment.kind,
            )
            used[key] += 1
    out = {"approved": 0, "appointed": 0, "over": 0, "vacant": 0}
    for key in set(counts) | set(used):
        c = counts[key][2] if key in counts else 0
        u = used.get(key, 0)
        out["approved"] += c
        out["appointed"] += u
        out["over"] += max(u - c, 0)
        out["vacant"] += max(c - u, 0)
    return out
