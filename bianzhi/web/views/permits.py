"""用编核准 (quota-use permits): the list a unit's HR and the office read —
count, used, left, validity, how each is backed (reserved vacancies or
N-out-1-in credits) and where it came from (the approval request, or the
paper approval it was recorded from) — and one permit with its document and
the intakes that used it.

Reading needs VIEW_ORGS over the permit's unit (404 outside the scope);
the office (MANAGE_QUOTA) may cancel an active permit with a reason, which
releases what it holds and voids its PDF (quota.permits.permit_cancel).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bianzhi.accounts.access import has_permission, units_in_scope
from bianzhi.accounts.permit_access import cancelling_actor, readable_permit
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError
from bianzhi.core.roles import Permission
from bianzhi.documents.models import Document
from bianzhi.quota.models import Permit
from bianzhi.quota.permits import permit_cancel
from bianzhi.quota.selectors_permits import (
    PermitFilter,
    permits_in,
    state_counts,
    state_on,
)
from bianzhi.roster.selectors import postings_by_permit
from bianzhi.roster.values import CHANNEL
from bianzhi.web.errors import web_view

PAGE_SIZE = 50


def permit_row(permit: Permit, today) -> dict:
    account = permit.account
    state = state_on(permit, today)
    return {
        "p": permit,
        "state": state,
        "state_label": Permit.Status(state).label,
        "account": f"{account.category.name}·{account.get_funding_display()}",
        "channel": CHANNEL.label(permit.channel),
    }


@web_view
def permit_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    units = units_in_scope(request.user)
    selected = PermitFilter.from_params(request.GET, default_state="active")
    page = Paginator(permits_in(units, selected, today), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "web/permits/list.html",
        {
            "page": page,
            "rows": [permit_row(p, today) for p in page],
            "counts": state_counts(units, today),
            "which": selected.state or "all",
            "selected": selected,
            "channels": CHANNEL.choices(),
            "today": today,
        },
    )


@web_view
def permit_detail(request: HttpRequest, permit_id: int) -> HttpResponse:
    return _detail(request, readable_permit(request.user, permit_id))


@web_view
@require_POST
def permit_cancel_view(request: HttpRequest, permit_id: int) -> HttpResponse:
    permit, actor = cancelling_actor(request.user, permit_id)
    try:
        permit_cancel(
            actor=actor,
            permit_id=permit.pk,
            reason=request.POST.get("reason", ""),
            today=timezone.localdate(),
        )
    except ApplicationError as exc:
        permit.refresh_from_db(fields=["status"])
        response = _detail(request, permit, exc)
        response.status_code = exc.http_status
        return response
    messages.success(request, _("已撤销用编核准 %(no)s") % {"no": permit.number})
    return redirect("web:permit", permit_id=permit.pk)


def _detail(request, permit: Permit, error: ApplicationError | None = None):
    today = timezone.localdate()
    intakes = [
        {"posting": p, "id_masked": mask_id_number(p.person.id_number)}
        for p in postings_by_permit(permit)
    ]
    return render(
        request,
        "web/permits/detail.html",
        {
            "row": permit_row(permit, today),
            "intakes": intakes,
            "documents": Document.objects.filter(
                subject_type="permit", subject_id=permit.pk
            ).order_by("pk"),
            "can_cancel": permit.status == Permit.Status.ACTIVE
            and permit.valid_until >= today
            and has_permission(request.user, Permission.MANAGE_QUOTA),
            "error": error,
            "reason": request.POST.get("reason", ""),
        },
    )
