"""系统管理 › 审计日志: read-only, for the audit administrator (三员分立).

ID numbers in summaries and before/after records are masked on these pages
for every viewer (templatetags/privacy.py): nobody needs a whole number to
audit who did what. The masking is display-only: the chain keeps the records
exactly as written, since the hashes cover them.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bianzhi.accounts.access import assignments, require
from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.core.roles import Permission
from bianzhi.web.context import ADMIN_ROLES
from bianzhi.web.errors import web_view

PAGE_SIZE = 50


@web_view
def system_home(request: HttpRequest) -> HttpResponse:
    mine = [a for a in assignments(request.user) if a.role in ADMIN_ROLES]
    if not mine:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "仅系统管理员、安全管理员、审计管理员可用"
        )
    return render(request, "web/system.html", {"assignments": mine})


@web_view
def audit_log(request: HttpRequest) -> HttpResponse:
    require(request.user, Permission.VIEW_AUDIT)
    events = AuditEvent.objects.order_by("-seq")
    operation = request.GET.get("operation", "").strip()
    doc_no = request.GET.get("doc_no", "").strip()
    actor = request.GET.get("actor", "").strip()
    if operation:
        events = events.filter(operation=operation)
    if doc_no:
        events = events.filter(doc_no__icontains=doc_no)
    if actor:
        events = events.filter(actor_name__icontains=actor)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    operations = (
        AuditEvent.objects.order_by("operation")
        .values_list("operation", flat=True)
        .distinct()
    )
    return render(
        request,
        "web/audit_log.html",
        {
            "page": page,
            "operations": list(operations),
            "filters": {"operation": operation, "doc_no": doc_no, "actor": actor},
        },
    )


@web_view
def audit_verify(request: HttpRequest) -> HttpResponse:
    require(request.user, Permission.VIEW_AUDIT)
    report = audit.verify_chain()
    template = (
        "web/partials/audit_verify.html"
        if request.headers.get("HX-Request")
        else "web/audit_verify.html"
    )
    return render(request, template, {"report": report})


@web_view
def audit_event(request: HttpRequest, seq: int) -> HttpResponse:
    require(request.user, Permission.VIEW_AUDIT)
    event = AuditEvent.objects.filter(seq=seq).first()
    if event is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return render(request, "web/audit_event.html", {"event": event})
