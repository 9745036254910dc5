"""区划编制总量: control totals, system accounts, agency cap and pool loans of a region."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bianzhi.accounts.access import access_region, region_codes_in_scope
from bianzhi.core.errors import ApplicationError
from bianzhi.core.roles import Permission
from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs.models import IN_CAP_KINDS, Region, Unit
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.models import HolderKind
from bianzhi.web.errors import web_view
from bianzhi.web.labels import (
    account_row,
    category_code,
    category_name,
    funding_label,
    movements_url,
)
from bianzhi.web.scoping import as_of_from


@web_view
def region_list(request: HttpRequest) -> HttpResponse:
    codes = region_codes_in_scope(request.user, Permission.VIEW_ORGS)
    regions = Region.objects.filter(code__in=codes).order_by("code")
    return render(request, "web/region_list.html", {"regions": regions})


@web_view
def region_detail(request: HttpRequest, code: str) -> HttpResponse:
    region, _actor = access_region(request.user, code, Permission.VIEW_ORGS)
    as_of, explicit = as_of_from(request)
    today = timezone.localdate()
    totals = []
    for line in quota_selectors.control_totals(region, as_of=as_of):
        cat = category_code(line.category)
        funding = str(getattr(line.funding, "value", line.funding))
        totals.append(
            {
                "category_name": category_name(line.category),
                "funding_label": funding_label(line.funding),
                "total": line.total,
                "units": line.units,
                "reserve": line.reserve,
                "pool": line.pool,
                "url": movements_url(region=region.code, category=cat, funding=funding),
            }
        )
    system_accounts = [
        account_row(v) for v in quota_selectors.region_accounts(region, as_of=as_of)
    ]
    order = {HolderKind.RESERVE: 0, HolderKind.POOL: 1, HolderKind.EXTERNAL: 2}
    system_accounts.sort(key=lambda r: (order.get(r["holder_kind"], 9), r["category"]))
    cap_status = org_selectors.agency_cap_status(region, as_of)
    in_cap_units = [
        s
        for s in org_selectors.units_as_of(
            Unit.objects.filter(region=region, kind__in=IN_CAP_KINDS), as_of
        )
        if s.in_cap and s.is_active
    ]
    loans = []
    for loan in quota_selectors.loans_outstanding(region=region).select_related(
        "account__unit", "account__category", "movement"
    ):
        loans.append(
            {
                "loan": loan,
                "unit": loan.account.unit,
                "category_name": category_name(loan.account.category),
                "funding_label": funding_label(loan.account.funding),
                "past_due": loan.due_date < today,
            }
        )
    can_manage = True
    try:
        access_region(request.user, region.code, Permission.MANAGE_QUOTA)
    except ApplicationError:
        can_manage = False
    return render(
        request,
        "web/region_detail.html",
        {
            "region": region,
            "as_of": as_of,
            "explicit_as_of": explicit,
            "today": today,
            "totals": totals,
            "system_accounts": system_accounts,
            "cap": cap_status,
            "in_cap_units": in_cap_units,
            "loans": loans,
            "children": region.children.filter(
                code__in=region_codes_in_scope(request.user)
            ).order_by("code"),
            "can_manage": can_manage,
        },
    )
