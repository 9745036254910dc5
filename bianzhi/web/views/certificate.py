"""机构编制管理证, parts 1–6, as a printable A4 page.

Part 6 (the roster, with its change records) is rendered by the roster's
template tag (templatetags/roster_web.py). Red cover for party and government
organs (机关), blue for public institutions (事业单位).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bianzhi.accounts.access import access_unit
from bianzhi.core.roles import Permission
from bianzhi.orgs.models import UnitChange, UnitKind
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import leader_post_history
from bianzhi.quota.models import LeaderPostScope, QuotaMovement
from bianzhi.web.errors import web_view
from bianzhi.web.scoping import as_of_from
from bianzhi.web.views.movements import movement_rows
from bianzhi.web.views.units import unit_context

BASIC_KINDS = {
    UnitChange.Kind.ESTABLISH,
    UnitChange.Kind.RENAME,
    UnitChange.Kind.CHANGE_RANK,
    UnitChange.Kind.CHANGE_ATTRIBUTES,
    UnitChange.Kind.REVOKE,
    UnitChange.Kind.MERGE,
}
BODY_KINDS = {
    UnitChange.Kind.INTERNAL_BODY_ADD,
    UnitChange.Kind.INTERNAL_BODY_REMOVE,
    UnitChange.Kind.MANDATE,
}


@web_view
def certificate(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = access_unit(request.user, unit_id, Permission.VIEW_ORGS)
    as_of, _explicit = as_of_from(request)
    context = unit_context(unit, as_of, request.user)
    lineage = [
        row for row in context["lineage"] if row["change"].effective_date <= as_of
    ]
    history = [v for v in leader_post_history(unit) if v.effective_date <= as_of]
    posts = context["leader_posts"]
    movements = quota_selectors.movements_queryset(unit=unit, date_to=as_of).filter(
        status=QuotaMovement.Status.APPLIED
    )
    context |= {
        "cover": "blue" if unit.kind == UnitKind.INSTITUTION else "red",
        "basic_changes": [r for r in lineage if r["change"].kind in BASIC_KINDS],
        "body_changes": [r for r in lineage if r["change"].kind in BODY_KINDS],
        "unit_posts": [p for p in posts if p.scope == LeaderPostScope.UNIT],
        "body_posts": [p for p in posts if p.scope != LeaderPostScope.UNIT],
        "unit_post_history": [h for h in history if h.scope == LeaderPostScope.UNIT],
        "body_post_history": [h for h in history if h.scope != LeaderPostScope.UNIT],
        "quota_changes": movement_rows(movements.order_by("effective_date", "id")),
    }
    return render(request, "web/certificate.html", context)
