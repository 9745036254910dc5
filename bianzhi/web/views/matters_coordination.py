"""顶格协调事项清单 (挂账销号): list with filters and counts, detail, create,
edit, close (销号) and reopen.

Reading needs VIEW_ORGS: a region-scoped user sees the items of its regions
(with their sub-regions), a unit user the items its unit owns. Writing needs
MANAGE_COORDINATION over the item's region (404 outside the scope, 403 for a
role that may only read). Refusals re-render the form inline.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.accounts.access import (
    access_region,
    has_permission,
    region_codes_in_scope,
    units_in_scope,
)
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.documents.attachments import attachment_store
from bianzhi.documents.models import Attachment
from bianzhi.matters import coordination
from bianzhi.matters.models import CoordinationItem
from bianzhi.orgs.models import Region
from bianzhi.web.errors import web_view

PAGE_SIZE = 50
FIELDS = ("title", "description", "owner_name", "owner_unit", "lead_person",
          "due_date", "due_in_working_days", "source_link")  # fmt: skip


def visible_items(user):
    if not has_permission(user, Permission.VIEW_ORGS):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    codes = region_codes_in_scope(user)
    units = units_in_scope(user).values("pk")
    return CoordinationItem.objects.filter(
        Q(region_id__in=sorted(codes)) | Q(owner_unit__in=units)
    )


def _item(user, pk) -> CoordinationItem:
    item = visible_items(user).select_related("owner_unit", "region").filter(pk=pk)
    found = item.first()
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return found


def _writer(user, region_code: str):
    if not has_permission(user, Permission.MANAGE_COORDINATION):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅编办人员可维护顶格协调事项")
    _region, actor = access_region(user, region_code, Permission.MANAGE_COORDINATION)
    return actor


@web_view
def item_list(request: HttpRequest) -> HttpResponse:
    qs = visible_items(request.user)
    today = timezone.localdate()
    counts = {
        "open": qs.filter(status="open").count(),
        "closed": qs.filter(status="closed").count(),
        "overdue": coordination.overdue(qs, today).count(),
    }
    which = request.GET.get("status", "open")
    if which == "overdue":
        qs = coordination.overdue(qs, today)
    elif which in CoordinationItem.Status.values:
        qs = qs.filter(status=which)
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(Q(title__icontains=text) | Q(owner_name__icontains=text))
    page = Paginator(qs.select_related("region"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [{"i": i, "late": coordination.days_late(i, today)} for i in page]
    return render(
        request,
        "web/matters/coordination_list.html",
        {
            "page": page,
            "rows": rows,
            "counts": counts,
            "which": which,
            "q": text,
            "can_edit": has_permission(request.user, Permission.MANAGE_COORDINATION),
        },
    )


@web_view
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request.user, item_id)
    return render(
        request, "web/matters/coordination_detail.html", _detail(request, item)
    )


def _detail(request, item) -> dict:
    today = timezone.localdate()
    return {
        "item": item,
        "late": coordination.days_late(item, today),
        "evidence": list(Attachment.objects.filter(pk__in=item.evidence_ids or [])),
        "can_edit": has_permission(request.user, Permission.MANAGE_COORDINATION),
    }


def _regions(user):
    codes = region_codes_in_scope(user, Permission.MANAGE_COORDINATION)
    return Region.objects.filter(pk__in=sorted(codes)).order_by("code")


@web_view
def item_new(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.MANAGE_COORDINATION):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    context = {"regions": _regions(request.user), "values": request.POST}
    if request.method == "POST":
        try:
            actor = _writer(request.user, request.POST.get("region", ""))
            item = coordination.coordination_item_create(
                actor=actor,
                region=request.POST.get("region", ""),
                **{k: request.POST.get(k, "") for k in FIELDS},
            )
        except ApplicationError as exc:
            if exc.code == ErrorCode.OUT_OF_SCOPE:
                raise
            context["error"] = exc
            return render(
                request, "web/matters/coordination_form.html", context,
                status=exc.http_status,
            )  # fmt: skip
        messages.success(request, _("已挂账"))
        return redirect("web:coordination_item", item_id=item.pk)
    return render(request, "web/matters/coordination_form.html", context)


@web_view
def item_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _item(request.user, item_id)
    actor = _writer(request.user, item.region_id)
    context = {"item": item, "values": request.POST or None}
    if request.method == "POST":
        changes = {k: request.POST.get(k, "") for k in FIELDS}
        try:
            coordination.coordination_item_update(
                actor=actor, item_id=item.pk, **changes
            )
        except ApplicationError as exc:
            context["error"] = exc
            return render(
                request, "web/matters/coordination_form.html", context,
                status=exc.http_status,
            )  # fmt: skip
        messages.success(request, _("已保存"))
        return redirect("web:coordination_item", item_id=item.pk)
    return render(request, "web/matters/coordination_form.html", context)


@web_view
def item_close(request: HttpRequest, item_id: int) -> HttpResponse:
    """POST: 销号 (close) or, with action=reopen, 重新挂账."""
    item = _item(request.user, item_id)
    actor = _writer(request.user, item.region_id)
    if request.method != "POST":
        return redirect("web:coordination_item", item_id=item.pk)
    try:
        if request.POST.get("action") == "reopen":
            coordination.coordination_item_reopen(
                actor=actor,
                item_id=item.pk,
                reason=request.POST.get("reason", ""),
                due_date=request.POST.get("due_date") or None,
            )
            messages.success(request, _("已重新挂账"))
        else:
            ids = [
                attachment_store(
                    actor=actor, file=f, owner_type="coordination_item",
                    owner_id=item.pk,
                ).pk
                for f in request.FILES.getlist("files")
            ]  # fmt: skip
            coordination.coordination_item_close(
                actor=actor,
                item_id=item.pk,
                closure_note=request.POST.get("closure_note", ""),
                evidence_ids=ids,
            )
            messages.success(request, _("已销号"))
    except ApplicationError as exc:
        if exc.code == ErrorCode.OUT_OF_SCOPE:
            raise
        item.refresh_from_db()
        context = _detail(request, item) | {"error": exc, "values": request.POST}
        return render(
            request, "web/matters/coordination_detail.html", context,
            status=exc.http_status,
        )  # fmt: skip
    return redirect("web:coordination_item", item_id=item.pk)
