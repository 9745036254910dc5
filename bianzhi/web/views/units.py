"""机构编制 › unit tree and unit page, both as of a date carried in the URL."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bianzhi.accounts.access import access_unit, units_in_scope
from bianzhi.core.errors import ApplicationError
from bianzhi.core.roles import Permission
from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs.models import Region, Unit, UnitChange, UnitKind
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import leader_posts_as_of
from bianzhi.web.errors import web_view
from bianzhi.web.labels import account_row, movements_url
from bianzhi.web.scoping import as_of_from
from bianzhi.web.views.movements import movement_rows

RECENT_MOVEMENTS = 20


def _tree(states: list) -> list[dict]:
    """Parent → children by the parent each unit had on the date."""
    by_id = {s.id: s for s in states}
    children: dict[int, list] = defaultdict(list)
    roots = []
    for state in states:
        if state.parent_id in by_id and state.parent_id != state.id:
            children[state.parent_id].append(state)
        else:
            roots.append(state)
    seen: set[int] = set()

    def node(state) -> dict:
        seen.add(state.id)
        kids = [node(c) for c in children.get(state.id, []) if c.id not in seen]
        return {"state": state, "children": kids}

    nodes = [node(s) for s in roots]
    nodes += [node(s) for s in states if s.id not in seen]
    return nodes


@web_view
def unit_tree(request: HttpRequest) -> HttpResponse:
    as_of, _explicit = as_of_from(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    region_code = request.GET.get("region", "")
    units = units_in_scope(request.user, Permission.VIEW_ORGS).select_related("region")
    if region_code:
        units = units.filter(region_id=region_code)
    states = org_selectors.units_as_of(units.order_by("region_id", "id"), as_of)
    if kind:
        states = [s for s in states if s.kind == kind]
    if status:
        states = [s for s in states if s.status == status]
    by_region: dict[str, list] = defaultdict(list)
    for state in states:
        by_region[state.region_id].append(state)
    regions = Region.objects.in_bulk(list(by_region))
    groups = [
        {"region": regions[code], "tree": _tree(by_region[code]), "count": len(items)}
        for code, items in sorted(by_region.items())
    ]
    all_regions = Region.objects.filter(
        code__in=units_in_scope(request.user).values("region_id")
    ).order_by("code")
    return render(
        request,
        "web/unit_tree.html",
        {
            "groups": groups,
            "as_of": as_of,
            "total": len(states),
            "kinds": UnitKind.choices,
            "statuses": Unit.Status.choices,
            "regions": all_regions,
            "filters": {"kind": kind, "status": status, "region": region_code},
        },
    )


def lineage_rows(changes: list[UnitChange]) -> list[dict]:
    """Change records with their before/after described (the lineage table)."""
    rows = []
    for change in changes:
        rows.append(
            {
                "change": change,
                "before": _describe(change.before),
                "after": _describe(change.after),
                "pending": change.status != UnitChange.Status.APPLIED,
            }
        )
    return rows


FIELD_LABELS = {
    "name": "名称",
    "short_name": "简称",
    "uscc": "统一社会信用代码",
    "kind": "机构类别",
    "rank": "机构规格",
    "institution_class": "事业单位类别",
    "sector": "行业",
    "civil_service_managed": "参公",
    "in_cap": "计入限额",
    "parent": "上级单位",
    "established_on": "设立日期",
    "established_doc_no": "设立文号",
    "internal_body": "内设机构",
    "mandate": "三定规定",
}


def _describe(values: dict | None) -> str:
    if not values:
        return ""
    parts = []
    for key, value in values.items():
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, dict):
            value = _describe_record(value)
        elif isinstance(value, bool):
            value = "是" if value else "否"
        elif key == "kind" and value in UnitKind.values:
            value = UnitKind(value).label
        elif key == "rank":
            from bianzhi.orgs.models import UnitRank

            value = UnitRank(value).label if value in UnitRank.values else value
        parts.append(f"{label}：{value if value not in (None, '') else '—'}")
    return "；".join(parts)


def _describe_record(value: dict) -> str:
    """An internal body or mandate carried in a change record, in a few words."""
    if "name" in value:
        closed = value.get("abolished_on")
        return f"{value['name']}" + (f"（撤销于{closed}）" if closed else "")
    if "internal_bodies_approved" in value:
        return f"{value.get('doc_no', '')} 核定内设机构{value['internal_bodies_approved']}个"
    return "、".join(f"{k}={v}" for k, v in value.items())


def account_totals(accounts: list[dict]) -> dict[str, int]:
    """The sums under the accounts table (accounts: web.labels.account_row's)."""
    return {
        key: sum(row[key] for row in accounts)
        for key in ("approved", "occupied", "reserved", "vacancy", "over", "borrowed")
    }


def unit_context(unit: Unit, as_of: dt.date, user) -> dict:
    """Everything the unit page shows, as of `as_of`."""
    state = org_selectors.unit_as_of(unit, as_of)
    parent = None
    if state is not None and state.parent_id:
        parent = Unit.objects.filter(pk=state.parent_id).first()
    accounts = [
        account_row(v) for v in quota_selectors.unit_accounts(unit, as_of=as_of)
    ]
    visible_children = (
        units_in_scope(user).filter(parent=unit).order_by("id") if user else []
    )
    return {
        "unit": unit,
        "state": state,
        "parent": parent,
        "as_of": as_of,
        "today": timezone.localdate(),
        "accounts": accounts,
        "totals": account_totals(accounts),
        "leader_posts": leader_posts_as_of(unit, as_of),
        "bodies": org_selectors.internal_bodies_as_of(unit, as_of),
        "bodies_status": org_selectors.internal_bodies_status(unit, as_of),
        "mandate": org_selectors.mandate_as_of(unit, as_of),
        "lineage": lineage_rows(org_selectors.unit_lineage(unit)),
        "children": visible_children,
    }


def _may(user, unit: Unit, permission: str) -> bool:
    """Whether the office buttons for this unit would be accepted."""
    try:
        access_unit(user, unit.pk, permission)
    except ApplicationError:
        return False
    return True


@web_view
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = access_unit(request.user, unit_id, Permission.VIEW_ORGS)
    as_of, explicit = as_of_from(request)
    context = unit_context(unit, as_of, request.user)
    # An explicit date shows the ledger as it stood then; today also shows scheduled ones.
    movements = quota_selectors.movements_queryset(
        unit=unit, date_to=as_of if explicit else None
    )
    context |= {
        "explicit_as_of": explicit,
        "movements": movement_rows(movements[:RECENT_MOVEMENTS]),
        "movements_total": movements.count(),
        "movements_url": movements_url(
            unit=unit.pk, date_to=as_of.isoformat() if explicit else None
        ),
        "can_manage_orgs": _may(request.user, unit, Permission.MANAGE_ORGS),
        "can_manage_quota": _may(request.user, unit, Permission.MANAGE_QUOTA),
    }
    return render(request, "web/unit_detail.html", context)
