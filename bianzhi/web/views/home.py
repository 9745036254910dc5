"""工作台: my role assignments and scope, quick search, recent movements in scope."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bianzhi.accounts.access import assignments, units_in_scope
from bianzhi.core.roles import Permission
from bianzhi.quota.models import QuotaMovement
from bianzhi.web.context import can_view_business
from bianzhi.web.errors import web_view
from bianzhi.web.scoping import restrict_movements
from bianzhi.web.views.movements import movement_rows

RECENT = 15
SEARCH_LIMIT = 50


@web_view
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_view_business(user):
        # The three administrators do no business work (三员分立).
        return redirect("web:system")
    recent = restrict_movements(
        user, QuotaMovement.objects.order_by("-recorded_at", "-id")
    )
    return render(
        request,
        "web/home.html",
        {
            "assignments": assignments(user),
            "recent": movement_rows(recent[:RECENT]),
            "unit_count": units_in_scope(user, Permission.VIEW_ORGS).count(),
        },
    )


@web_view
def search(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not can_view_business(user):
        return redirect("web:system")
    q = request.GET.get("q", "").strip()
    units, movements = [], []
    if q:
        units = list(
            units_in_scope(user, Permission.VIEW_ORGS)
            .filter(
                Q(name__icontains=q) | Q(short_name__icontains=q) | Q(uscc=q.upper())
            )
            .select_related("region")
            .order_by("region_id", "name")[:SEARCH_LIMIT]
        )
        found = restrict_movements(
            user, QuotaMovement.objects.filter(doc_no__icontains=q)
        ).order_by("-effective_date", "-id")
        movements = movement_rows(found[:SEARCH_LIMIT])
    return render(
        request,
        "web/search.html",
        {"q": q, "units": units, "movements": movements},
    )
