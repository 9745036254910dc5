"""驾驶舱 (/dashboard/) and 辅助决策 (/dashboard/decision/).

Both read one dict from the stats app (stats.dashboard / stats.decision)
for the selection the query string names (?region= or ?unit=, ?as_of=),
checked by stats.dashboard_scope (404 outside the reader's scope). The
charts are drawn by static/web/dashboard.js from the same numbers the
tables show, so the table view and the CSV export are the chart's data.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from bianzhi.accounts import access
from bianzhi.accounts.access import has_permission, region_codes_in_scope
from bianzhi.core.roles import Permission
from bianzhi.orgs.models import Region
from bianzhi.stats.dashboard import dashboard_data
from bianzhi.stats.dashboard_scope import (
    region_choices,
    selection_for,
    top_regions,
    visible_units,
)
from bianzhi.stats.decision import decision_data
from bianzhi.web.errors import web_view
from bianzhi.web.scoping import as_of_from


def _selection(request: HttpRequest):
    as_of, explicit = as_of_from(request)
    selection = selection_for(
        access,
        request.user,
        as_of=as_of,
        region=request.GET.get("region", "").strip(),
        unit=request.GET.get("unit", "").strip(),
    )
    return selection, explicit


def _keep(selection) -> dict:
    if selection.unit_id is not None:
        return {"unit": selection.unit_id}
    return {"region": selection.region_code}


def _links(request: HttpRequest, selection, data: dict) -> dict:
    """Where each headline number leads (UI.md: every count links to its rows)."""
    as_of = data["as_of"]
    links: dict[str, str] = {}
    if selection.unit_id is not None:
        unit_url = reverse("web:unit", args=[selection.unit_id]) + f"?as_of={as_of}"
        links = dict.fromkeys(
            ("units", "approved", "vacancy", "over", "fiscal"), unit_url + "#h-accounts"
        )
        links["units"] = unit_url
        links["occupied"] = unit_url
    else:
        region_q = urlencode({"region": selection.region_code, "as_of": as_of})
        links["units"] = reverse("web:unit_tree") + "?" + region_q
        links["approved"] = (
            reverse("web:region", args=[selection.region_code])
            + "?"
            + urlencode({"as_of": as_of})
        )
        links["vacancy"] = links["approved"]
        links["fiscal"] = links["approved"]
        if has_permission(request.user, Permission.VIEW_WARNINGS):
            links["over"] = (
                reverse("web:warnings")
                + "?"
                + urlencode({"rule": "over_quota", "region": selection.region_code})
            )
        else:
            links["over"] = links["approved"]
        links["occupied"] = links["units"]
    return links


@web_view
def dashboard(request: HttpRequest) -> HttpResponse:
    selection, explicit = _selection(request)
    data = dashboard_data(
        selection, unit_ids=visible_units(access, request.user, selection)
    )
    for row in data["top_over"]:
        row["url"] = reverse("web:unit", args=[row["unit_id"]]) + "#h-accounts"
    for tile in data["grid"]:
        if tile["region_code"] != selection.region_code:
            tile["url"] = (
                reverse("web:dashboard")
                + "?"
                + urlencode({"region": tile["region_code"], "as_of": data["as_of"]})
            )
        else:
            tile["url"] = reverse("web:region", args=[tile["region_code"]])
    return render(
        request,
        "web/dashboard/index.html",
        {
            "data": data,
            "selection": selection,
            "as_of": selection.as_of,
            "explicit_as_of": explicit,
            "keep": _keep(selection),
            "regions": region_choices(access, request.user),
            "links": _links(request, selection, data),
            "trend_rows": list(
                zip(
                    data["trend"]["points"],
                    data["trend"]["approved"],
                    data["trend"]["occupied"],
                    strict=True,
                )
            ),
            "pyramid_rows": list(
                zip(
                    data["age_pyramid"]["bands"],
                    data["age_pyramid"]["male"],
                    data["age_pyramid"]["female"],
                    strict=True,
                )
            ),
        },
    )


@web_view
def decision(request: HttpRequest) -> HttpResponse:
    selection, explicit = _selection(request)
    tops = top_regions(region_codes_in_scope(request.user, Permission.VIEW_STATS))
    baseline = Region.objects.filter(pk=tops[0]).first() if tops else None
    data = decision_data(
        selection,
        baseline,
        unit_ids=visible_units(access, request.user, selection),
    )
    as_of = data["as_of"]
    if data["tilt"]:
        for row in data["tilt"]["rows"]:
            row["url"] = (
                reverse("web:dashboard_decision")
                + "?"
                + urlencode({"region": row["region_code"], "as_of": as_of})
            )
    tool = has_permission(request.user, Permission.VIEW_WARNINGS)
    persons = {}
    if selection.unit_id is not None and tool:
        base = (
            reverse("web:roster_search") + "?" + urlencode({"unit": selection.unit_id})
        )
        persons = {
            "all": base,
            "young": base + "&age=lt35",
            "old55": base + "&age=ge55",
        }
    return render(
        request,
        "web/dashboard/decision.html",
        {
            "data": data,
            "selection": selection,
            "as_of": selection.as_of,
            "explicit_as_of": explicit,
            "keep": _keep(selection),
            "regions": region_choices(access, request.user),
            "persons": persons,
        },
    )
