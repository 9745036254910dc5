"""机构编制事项: the list of matters in scope and one matter's page with the
form of its current step (论证 / 编办主任办公会 / 编委会 / 报上级).

Who sees a matter is the approvals engine's decision (visible_request: 404
outside scope); who acts is the step's role (the matters services answer 403
/ 409, and the page re-renders with the message inline, nothing changed).
Submitting, returning to the submitter and withdrawing are the generic
approvals actions on the request's own page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.accounts import approval_actors as actors
from bianzhi.approvals import engine
from bianzhi.approvals.models import Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.documents.attachments import attachment_store, attachments_for
from bianzhi.documents.models import Attachment, Document
from bianzhi.matters import analysis, authority
from bianzhi.matters import services_matters as steps
from bianzhi.matters.intake_matters import display_rows
from bianzhi.matters.kinds import (
    ARGUMENTATION,
    COMMITTEE,
    KINDS,
    OFFICE_MEETING,
    type_of,
)
from bianzhi.matters.models import Matter, MatterType
from bianzhi.orgs.models import Region
from bianzhi.web.errors import web_view

PAGE_SIZE = 50
FORM_OF_STEP = {
    ARGUMENTATION: "argue",
    OFFICE_MEETING: "meeting",
    COMMITTEE: "committee",
}


def visible_matters(user):
    """Matter requests any assignment of the user covers, or that they made."""
    from django.db.models import Q

    condition = Q(created_by_id=user.pk)
    for actor in actors.actors(user):
        condition |= engine.scope_of(actor).q()
    return Request.objects.filter(condition, kind__in=KINDS).exclude(
        status=Request.Status.DRAFT
    )


@web_view
def matter_list(request: HttpRequest) -> HttpResponse:
    if not actors.takes_part(request.user):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    qs = visible_matters(request.user)
    counts = dict(
        qs.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    matter_type = request.GET.get("type", "")
    if matter_type in MatterType.values:
        qs = qs.filter(kind=f"matter_{matter_type}")
    status = request.GET.get("status", "")
    if status in Request.Status.values:
        qs = qs.filter(status=status)
    routed = request.GET.get("routed") == "1"
    state = request.GET.get("state", "")
    if state in Matter.State.values:
        qs = qs.filter(matter__state=state)
    if routed:
        # Routed up: the request sits in another region than it came from.
        qs = qs.filter(matter__isnull=False).exclude(
            region_code=F("matter__origin_region_id")
        )
    page = Paginator(qs.order_by("-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    found = {
        m.request_id: m
        for m in Matter.objects.filter(request__in=list(page.object_list))
    }
    rows = [
        {
            "r": r,
            "m": found.get(r.pk),
            "kind": engine.kind_spec(r.kind).label,
            "step": engine.step_label(r.kind, r.current_step) if r.current_step else "",
        }
        for r in page.object_list
    ]
    return render(
        request,
        "web/matters/list.html",
        {
            "page": page,
            "rows": rows,
            "types": MatterType.choices,
            "type": matter_type,
            "statuses": Request.Status.choices,
            "status": status,
            "states": Matter.State.choices,
            "state": state,
            "routed": routed,
            "counts": [(v, label, counts.get(v, 0)) for v, label in Request.Status.choices
                       if v != Request.Status.DRAFT],
        },
    )  # fmt: skip


def _context(request: HttpRequest, found: Request, seen_by) -> dict:
    matter = Matter.objects.filter(request=found).first()
    step = found.current_step
    form = ""
    if step and any(a.role == found.current_role for a in seen_by):
        form = FORM_OF_STEP.get(step, "")
    attachments = []
    if matter and matter.attachment_ids:
        attachments = list(Attachment.objects.filter(pk__in=matter.attachment_ids))
    request_files = list(
        Attachment.objects.filter(
            pk__in=(found.payload or {}).get("attachment_ids") or []
        )
    ) + attachments_for("approval_request", found.pk)
    certificates = []
    if matter and matter.certificate_ids:
        certificates = list(Document.objects.filter(pk__in=matter.certificate_ids))
    region = Region.objects.filter(pk=found.region_code).first()
    beyond = ""
    if form == "argue" and region is not None:
        beyond = authority.beyond_authority(
            type_of(found.kind), found.payload or {}, deciding=region,
            today=timezone.localdate(),
        )  # fmt: skip
    return {
        "req": found,
        "region": region,
        "beyond": beyond,
        "matter": matter,
        "kind_label": engine.kind_spec(found.kind).label,
        "step_label": engine.step_label(found.kind, step) if step else "",
        "payload": display_rows(found.payload or {}),
        "numbers": engine.live_numbers(found),
        "snapshot": (
            analysis.numbers(matter.analysis, history=False)
            if matter and matter.analysis
            else []
        ),
        "form": form,
        "workload_fields": analysis.WORKLOAD_FIELDS.items(),
        "attachments": attachments,
        "request_files": {a.pk: a for a in request_files}.values(),
        "certificates": certificates,
        "history": engine_history(found),
    }  # fmt: skip


def engine_history(found: Request):
    from bianzhi.approvals import selectors

    return selectors.request_history(found)


@web_view
def matter_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found, seen_by = actors.visible_request(request.user, request_id)
    if found.kind not in KINDS:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return render(request, "web/matters/detail.html", _context(request, found, seen_by))


def _uploads(request: HttpRequest, actor, found: Request) -> list[int]:
    ids = []
    for upload in request.FILES.getlist("files"):
        stored = attachment_store(
            actor=actor, file=upload, owner_type="approval_request", owner_id=found.pk
        )
        ids.append(stored.pk)
    return ids


@require_POST
@web_view
def matter_act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    found, seen_by = actors.visible_request(request.user, request_id)
    if found.kind not in KINDS:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    post = request.POST
    step = {"argue": ARGUMENTATION, "route-up": ARGUMENTATION,
            "meeting": OFFICE_MEETING, "committee": COMMITTEE}.get(action)  # fmt: skip
    if step is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    actor = actors.acting_actor(request.user, found, "approve", step)
    try:
        if action == "argue":
            ids = [int(i) for i in post.getlist("attachment_ids") if i.isdigit()]
            ids += _uploads(request, actor, found)
            steps.matter_argue(
                actor=actor,
                request_id=found.pk,
                hearing_notes=post.get("hearing_notes", ""),
                workload={k: post.get(k, "") for k in analysis.WORKLOAD_FIELDS},
                attachment_ids=ids,
                comment=post.get("comment", ""),
            )
        elif action == "route-up":
            steps.matter_route_up(
                actor=actor, request_id=found.pk, reason=post.get("reason", "")
            )
        elif action == "meeting":
            steps.matter_meeting(
                actor=actor,
                request_id=found.pk,
                decision=post.get("decision", ""),
                minutes=post.get("minutes", ""),
                meeting_date=post.get("meeting_date") or None,
            )
        else:
            steps.matter_committee(
                actor=actor,
                request_id=found.pk,
                decision=post.get("decision", ""),
                decision_text=post.get("decision_text", ""),
                doc_no=post.get("doc_no", ""),
                effective_date=post.get("effective_date") or None,
                committee_date=post.get("committee_date") or None,
            )
    except ApplicationError as exc:
        if exc.code == ErrorCode.OUT_OF_SCOPE:
            raise
        found.refresh_from_db()
        context = _context(request, found, seen_by)
        context |= {"error": exc, "error_action": action, "values": post}
        return render(
            request, "web/matters/detail.html", context, status=exc.http_status
        )
    messages.success(request, _("已办理"))
    return redirect("web:matter", request_id=found.pk)
