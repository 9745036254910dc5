"""The quantitative analysis of a matter's argumentation (论证: 定量分析).

Computed from data, never typed: the unit's approved / occupied / vacancy
today and at the last three year-ends (the ledger's as-of view), and from the
workload inputs the office types in the argumentation form (annual cases,
the per-capita norm), the cases per person in post and the staffing the
norm implies. The argumentation stores a snapshot (what the meeting saw);
the reviewer's live numbers are computed again on every view.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.utils import timezone

from bianzhi.orgs.models import Region, Unit
from bianzhi.orgs.selectors import agency_cap_status
from bianzhi.quota import selectors as quota_selectors

from . import authority
from .models import MatterType

WORKLOAD_FIELDS = {
    "annual_cases": "年业务量（件）",
    "norm_per_capita": "人均标准工作量（件/人·年）",
    "service_population": "服务对象人数",
}


def totals(unit: Unit, as_of: dt.date | None, today: dt.date) -> dict[str, int]:
    views = quota_selectors.unit_accounts(
        unit, as_of=as_of if as_of != today else None, today=today
    )
    approved = sum(v.approved for v in views)
    occupied = sum(v.occupied for v in views)
    return {"approved": approved, "occupied": occupied, "vacancy": approved - occupied}


def vacancy_history(unit: Unit, today: dt.date) -> list[dict[str, Any]]:
    """Year-end figures of the last three years, then today."""
    rows = []
    for year in range(today.year - 3, today.year):
        day = dt.date(year, 12, 31)
        if unit.established_on and unit.established_on > day:
            rows.append({"date": day.isoformat(), "established": False})
            continue
        rows.append(
            {"date": day.isoformat(), "established": True} | totals(unit, day, today)
        )
    rows.append(
        {"date": today.isoformat(), "established": True} | totals(unit, None, today)
    )
    return rows


def compute(
    matter_type: str,
    payload: dict,
    workload: dict,
    *,
    region_code: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    today = today or timezone.localdate()
    out: dict[str, Any] = {"as_of": today.isoformat()}
    unit = Unit.objects.filter(pk=payload.get("unit_id")).first()
    if unit is not None:
        out["unit"] = {"id": unit.pk, "name": unit.name}
        out["history"] = vacancy_history(unit, today)
        now = out["history"][-1]
        staff = now["occupied"]
        approved = now["approved"]
    else:
        staff = 0
        approved = int(payload.get("quota_amount") or 0)
    if matter_type == MatterType.CHANGE_QUOTA:
        amount = int(payload.get("amount") or 0)
        delta = amount if payload.get("operation") == "grant" else -amount
        out["approved_after"] = approved + delta
    cases = int(workload.get("annual_cases") or 0)
    norm = int(workload.get("norm_per_capita") or 0)
    if cases:
        out["annual_cases"] = cases
        if staff:
            out["cases_per_person"] = round(cases / staff, 1)
        if approved:
            out["cases_per_approved"] = round(cases / approved, 1)
        if norm:
            out["staff_by_norm"] = math.ceil(cases / norm)
            out["gap_by_norm"] = out["staff_by_norm"] - out.get(
                "approved_after", approved
            )
    if matter_type == MatterType.ESTABLISH and payload.get("in_cap"):
        region = Region.objects.filter(pk=payload.get("region_code")).first()
        if region is not None:
            status = agency_cap_status(region, today)
            out["cap"] = {"cap": status.cap, "count": status.count}
    deciding = Region.objects.filter(pk=region_code).first()
    if deciding is not None:
        out["beyond_authority"] = authority.beyond_authority(
            matter_type, payload, deciding=deciding, today=today
        )
    return out


def numbers(analysis: dict, *, history: bool = True) -> list[tuple[str, Any, str]]:
    """The analysis as reviewer rows (label, value, url of the rows behind it);
    history=False leaves out the year-end rows (a page shows them as a table)."""
    rows: list[tuple[str, Any, str]] = []
    unit = analysis.get("unit")
    base = f"/units/{unit['id']}/" if unit else ""
    for point in analysis.get("history", []) if history else []:
        label = (
            "当前" if point is analysis["history"][-1] else f"{point['date'][:4]}年末"
        )
        if not point.get("established"):
            rows.append((f"{label} 编制情况", "尚未设立", ""))
            continue
        url = f"{base}?as_of={point['date']}" if base else ""
        rows.append((f"{label} 核定编制数", point["approved"], url))
        rows.append((f"{label} 实有人数", point["occupied"], url))
        rows.append((f"{label} 空编数", point["vacancy"], url))
    if "approved_after" in analysis:
        rows.append(("调整后核定编制数", analysis["approved_after"], base))
    for key, label in (
        ("annual_cases", "年业务量（件）"),
        ("cases_per_person", "人均业务量（件/人，按实有人数）"),
        ("cases_per_approved", "人均业务量（件/人，按核定编制）"),
        ("staff_by_norm", "按人均标准测算需编制数"),
        ("gap_by_norm", "测算需编制数与核定数之差"),
    ):
        if key in analysis:
            rows.append((label, analysis[key], ""))
    cap = analysis.get("cap")
    if cap:
        shown = "未设置" if cap["cap"] is None else cap["cap"]
        rows.append(("机构限额", shown, "/units/?kind=party_dept"))
        rows.append(("已设计入限额机构", cap["count"], "/units/?kind=party_dept"))
    if "beyond_authority" in analysis:
        reason = analysis["beyond_authority"]
        rows.append(("本级审批权限", f"超出：{reason}" if reason else "本级可审批", ""))
    return rows
