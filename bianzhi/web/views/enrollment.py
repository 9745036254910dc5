"""入编备案 pages the generic 审批 pages do not cover: the publicity list
(公示名单) and one filing's publicity with its objections.

Scoping and roles are the services' (roster.enrollment_publicity): a filing
outside every assignment of the user answers 404; acting without the role
(a unit user ruling on an objection) re-renders the page with the reason
and 403; out of turn (objecting before the publicity) 409. The user's
assignment for each action is chosen here the way approval_actors does for
the engine's actions.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.accounts.enrollment_actors import (
    acting,
    person_number,
    published_pairs,
    visible_filing,
)
from bianzhi.accounts.enrollment_actors import (
    filings as visible_filings,
)
from bianzhi.approvals import flow
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import OFFICE_ROLES
from bianzhi.orgs.models import Unit
from bianzhi.roster import enrollment_publicity as publicity
from bianzhi.roster.enrollment_batch import person_rows_for_display
from bianzhi.web.errors import web_view

PAGE_SIZE = 50


def _context(user, filing: Request, seen_by: list[Actor]) -> dict:
    today = timezone.localdate()
    state = publicity.publicity_state(filing)
    creator = filing.created_by_id == user.pk
    open_ = filing.status not in flow.ENDED
    office = any(a.role in OFFICE_ROLES for a in seen_by)
    unit = Unit.objects.filter(pk=filing.unit_id).first()
    return {
        "filing": filing,
        "unit": unit,
        "state": state,
        "persons": person_rows_for_display(filing, published_pairs(state)),
        "today": today,
        "in_period": state.running
        and state.starts_on <= today <= (state.ends_on or today),
        "can_publish": creator
        and filing.status in (Request.Status.DRAFT, Request.Status.RETURNED),
        "can_object": open_ and state.running,
        "can_rule": open_ and office,
        "outcomes": list(publicity.OUTCOMES.items()),
        # The generic page shows drafts to their creators only.
        "approval_link": creator or filing.status != Request.Status.DRAFT,
    }


@web_view
def filings(request: HttpRequest) -> HttpResponse:
    """公示名单: filings with a publicity in the user's scope."""
    qs = visible_filings(request.user)
    status = request.GET.get("status", "")
    if status in Request.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    units = dict(
        Unit.objects.filter(
            pk__in={r.unit_id for r in page.object_list if r.unit_id}
        ).values_list("pk", "name")
    )
    rows = []
    for r in page.object_list:
        state = publicity.publicity_state(r)
        rows.append(
            {
                "r": r,
                "unit": units.get(r.unit_id, ""),
                "persons": len((r.payload or {}).get("persons") or []),
                "state": state,
            }
        )
    return render(
        request,
        "web/enrollment/list.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "statuses": Request.Status.choices,
            "today": timezone.localdate(),
        },
    )


@web_view
def filing(request: HttpRequest, request_id: int) -> HttpResponse:
    found, seen_by = visible_filing(request.user, request_id)
    return render(
        request,
        "web/enrollment/filing.html",
        _context(request.user, found, seen_by),
    )


def _act(request: HttpRequest, request_id: int, what: str, call) -> HttpResponse:
    found, seen_by = visible_filing(request.user, request_id)
    actor = acting(request.user, found, what)
    try:
        call(actor, found)
    except ApplicationError as exc:
        if exc.code == ErrorCode.OUT_OF_SCOPE:
            raise
        context = _context(request.user, found, seen_by)
        context |= {"error": exc, "error_action": what, "form": request.POST}
        return render(
            request, "web/enrollment/filing.html", context, status=exc.http_status
        )
    done = {
        "publish": _("已发布公示"),
        "object": _("已记录异议"),
        "rule": _("已核查异议"),
    }
    messages.success(request, done[what])
    return redirect("web:enrollment_filing", request_id=found.pk)


@require_POST
@web_view
def publish(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        "publish",
        lambda actor, f: publicity.publicity_start(
            actor=actor, request_id=f.pk, place=request.POST.get("place", "")
        ),
    )


@require_POST
@web_view
def object_(request: HttpRequest, request_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        "object",
        lambda actor, f: publicity.objection_record(
            actor=actor,
            request_id=f.pk,
            id_number=person_number(
                publicity.publicity_state(f), request.POST.get("person", "")
            ),
            note=request.POST.get("note", ""),
        ),
    )


@require_POST
@web_view
def rule(request: HttpRequest, request_id: int, objection_id: int) -> HttpResponse:
    return _act(
        request,
        request_id,
        "rule",
        lambda actor, f: publicity.objection_rule(
            actor=actor,
            request_id=f.pk,
            objection_id=objection_id,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
        ),
    )
