"""审批: inbox (待办), my requests (我的申请), completed (已办) and the request page.

Generic over kinds: labels, steps and roles come from the engine's registry,
the numbers beside a request from engine.live_numbers. Every action goes
through the engine services (accounts/approval_actors.perform), which check scope
(404), turn (409) and role (403); a refused action re-renders the page with
the service's message inline and the matching status code.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bianzhi.accounts import approval_actors as forms
from bianzhi.approvals import engine, intake, selectors
from bianzhi.approvals.models import JointReview, Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.documents.effects import request_documents
from bianzhi.orgs.models import Unit
from bianzhi.web import context_approvals
from bianzhi.web.errors import web_view

PAGE_SIZE = 50
ACTION_LABELS = {
    "submit": gettext_lazy("提交"),
    "approve": gettext_lazy("同意"),
    "return": gettext_lazy("退回修改"),
    "reject": gettext_lazy("不予批准"),
    "withdraw": gettext_lazy("撤回"),
    "opinion": gettext_lazy("提出联审意见"),
}


def _kind_label(kind: str) -> str:
    return engine.kind_spec(kind).label if engine.is_registered(kind) else kind


def rows(requests) -> list[dict]:
    """Table rows with kind/step labels and unit names (one query for units)."""
    requests = list(requests)
    units = dict(
        Unit.objects.filter(
            pk__in={r.unit_id for r in requests if r.unit_id}
        ).values_list("pk", "name")
    )
    numbers = engine.row_numbers(requests)
    return [
        {
            "r": r,
            "numbers": numbers.get(r.pk, []),
            "kind": _kind_label(r.kind),
            "step": engine.step_label(r.kind, r.current_step) if r.current_step else "",
            "unit": units.get(r.unit_id, ""),
            "overdue": getattr(r, "is_overdue", False),
        }
        for r in requests
    ]


def _list(request: HttpRequest, qs, *, title: str, which: str) -> HttpResponse:
    if not forms.takes_part(request.user):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    overdue = request.GET.get("overdue") == "1"
    if overdue:
        qs = qs.filter(due_on__lt=timezone.localdate())
    status = request.GET.get("status", "")
    if status in Request.Status.values and which != "inbox":
        qs = qs.filter(status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/approvals/list.html",
        {
            "title": title,
            "which": which,
            "page": page,
            "rows": rows(page.object_list),
            "kinds": sorted((k, s.label) for k, s in engine.kinds().items()),
            "kind": kind,
            "overdue": overdue,
            "status": status,
            "statuses": Request.Status.choices,
        },
    )


@web_view
def inbox(request: HttpRequest) -> HttpResponse:
    return _list(request, forms.inbox(request.user), title=_("待办"), which="inbox")


@web_view
def badge(request: HttpRequest) -> HttpResponse:
    """The top-bar counts (and the navigation's 待办 count), loaded by htmx."""
    return render(
        request,
        "web/approvals/_badge_counts.html",
        {"badge": context_approvals.counts(request)},
    )


@web_view
def mine(request: HttpRequest) -> HttpResponse:
    # The top-bar count of "decided since I last looked" restarts from now
    # (set before rendering so that this page already shows none).
    request.session[forms.SEEN_KEY] = timezone.now().isoformat()
    return _list(
        request, forms.my_requests(request.user), title=_("我的申请"), which="mine"
    )


@web_view
def completed(request: HttpRequest) -> HttpResponse:
    return _list(
        request, forms.completed(request.user), title=_("已办"), which="completed"
    )


def _detail_context(request: HttpRequest, found: Request, seen_by) -> dict:
    spec = engine.kind_spec(found.kind) if engine.is_registered(found.kind) else None
    found.is_overdue = bool(found.due_on and found.due_on < timezone.localdate())
    stages = list(selectors.request_stages(found))
    unit = Unit.objects.filter(pk=found.unit_id).first() if found.unit_id else None
    current = (
        spec.step(found.current_step)
        if spec is not None and found.current_step
        else None
    )
    return {
        "req": found,
        "spec": spec,
        "kind_label": _kind_label(found.kind),
        "unit": unit,
        "current": current,
        "payload": forms.payload_rows(found),
        "numbers": engine.live_numbers(found),
        "stages": [
            {
                "s": s,
                "label": engine.step_label(found.kind, s.step),
                "joint": list(s.joint_reviews.all()),
            }
            for s in stages
        ],
        "history": selectors.request_history(found),
        "actions": forms.available_actions(request.user, found, seen_by),
        "action_labels": ACTION_LABELS,
        "opinions": [c for c in JointReview.Opinion.choices if c[0]],
        "idempotency_key": forms.new_key(),
        "documents": request_documents(found),
        "editable": found.created_by_id == request.user.pk
        and found.status in (Request.Status.DRAFT, Request.Status.RETURNED)
        and intake.intake_for(found.kind) is not None,
    }


@web_view
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found, seen_by = forms.visible_request(request.user, request_id)
    return render(
        request, "web/approvals/detail.html", _detail_context(request, found, seen_by)
    )


@require_POST
@web_view
def act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    found, seen_by = forms.visible_request(request.user, request_id)
    try:
        forms.perform(request.user, found, action, request.POST)
    except ApplicationError as exc:
        if exc.code == ErrorCode.OUT_OF_SCOPE:
            raise
        context = _detail_context(request, found, seen_by)
        context |= {
            "error": exc,
            "error_action": action,
            "form_values": {
                "comment": request.POST.get("comment", ""),
                "opinion": request.POST.get("opinion", ""),
            },
        }
        return render(
            request, "web/approvals/detail.html", context, status=exc.http_status
        )
    messages.success(
        request, _("已%(action)s") % {"action": ACTION_LABELS.get(action, action)}
    )
    return redirect("web:approval", request_id=found.pk)
