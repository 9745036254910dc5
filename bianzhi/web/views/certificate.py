"""机构编制管理证, parts 1–6, as a printable A4 page.

The facts come from documents.contexts.certificate_facts, the selector the
signed PDF is made from too, so the page and the PDF state the same facts;
this view only shapes them for the page's tables (the lineage table also shows
pending and flagged change records, marked). Part 6 (the roster, with its
change records) is rendered by the roster's template tag
(templatetags/roster_web.py). Red cover for party and government organs (机关),
blue for public institutions (事业单位).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bianzhi.accounts.access import access_unit
from bianzhi.core.roles import Permission
from bianzhi.documents.contexts import BASIC_KINDS, BODY_KINDS, certificate_facts
from bianzhi.orgs.models import UnitKind
from bianzhi.quota.models import LeaderPostScope
from bianzhi.web.errors import web_view
from bianzhi.web.labels import account_row
from bianzhi.web.scoping import as_of_from
from bianzhi.web.views.movements import movement_rows
from bianzhi.web.views.units import account_totals, lineage_rows


@web_view
def certificate(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = access_unit(request.user, unit_id, Permission.VIEW_ORGS)
    as_of, _explicit = as_of_from(request)
    facts = certificate_facts(unit, as_of)
    accounts = [account_row(view) for view in facts.accounts]
    lineage = lineage_rows(facts.changes)
    posts, history = facts.leader_posts, facts.post_history
    context = {
        "unit": unit,
        "state": facts.state,
        "parent": facts.parent,
        "as_of": as_of,
        "today": timezone.localdate(),
        "accounts": accounts,
        "totals": account_totals(accounts),
        "bodies": facts.bodies,
        "bodies_status": facts.bodies_status,
        "mandate": facts.mandate,
        "cover": "blue" if unit.kind == UnitKind.INSTITUTION else "red",
        "basic_changes": [r for r in lineage if r["change"].kind in BASIC_KINDS],
        "body_changes": [r for r in lineage if r["change"].kind in BODY_KINDS],
        "unit_posts": [p for p in posts if p.scope == LeaderPostScope.UNIT],
        "body_posts": [p for p in posts if p.scope != LeaderPostScope.UNIT],
        "unit_post_history": [h for h in history if h.scope == LeaderPostScope.UNIT],
        "body_post_history": [h for h in history if h.scope != LeaderPostScope.UNIT],
        "quota_changes": movement_rows(facts.movements),
    }
    return render(request, "web/certificate.html", context)
