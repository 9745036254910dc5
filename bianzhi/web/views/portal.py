"""本单位: the unit self-service portal of unit HR (issue 4 §3).

Shows only the user's own unit(s): accounts with live vacancy, people (IDs
masked), leader posts, pending items; the non-locked person fields are edited
here (person_update_fields) and locked ones are requested from the office
(field_change_request). Every page fetches the unit through accounts.access:
another unit answers 404, a role that may not edit people (an inspector) 403.
Office staff over the unit may open the pages too (they hold EDIT_PERSON);
they change locked fields directly through the office form, so the request
form is for the unit's HR only (REQUEST_FIELD_CHANGE).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from bianzhi.accounts.access import access_unit, assignments
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Unit
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import leader_posts_as_of
from bianzhi.roster import selectors, selectors_portal, services
from bianzhi.roster.models import FieldChangeRequest, FieldChangeStatus
from bianzhi.web.errors import web_view
from bianzhi.web.labels import account_row
from bianzhi.web.portal_display import request_rows
from bianzhi.web.portal_forms import (
    FREE_FORM_FIELDS,
    free_changes,
    free_form_rows,
    locked_rows,
    request_form_context,
)
from bianzhi.web.roster_fields import access_person, object_id, shown_id
from bianzhi.web.scoping import as_of_from

PAGE_SIZE = 50
PENDING_SHOWN = 10


def portal_units(user) -> list[Unit]:
    """The units of the user's unit-HR assignments (the chooser's list)."""
    found = {
        a.unit_id: a.unit
        for a in assignments(user)
        if a.unit_id and role_allows(a.role, Permission.REQUEST_FIELD_CHANGE)
    }
    return sorted(found.values(), key=lambda u: u.pk)


def _unit(request: HttpRequest, unit_id: int, permission=Permission.EDIT_PERSON):
    return access_unit(request.user, unit_id, permission)


def _person_in_unit(request: HttpRequest, unit: Unit, person_id, permission):
    """The person, if posted in this unit now; anyone else is 404."""
    person, actor = access_person(request.user, person_id, permission)
    posting = selectors.active_posting(person)
    if posting is None or posting.unit_id != unit.pk:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return person, posting, actor


def _may_request(user, unit: Unit) -> bool:
    try:
        access_unit(user, unit.pk, Permission.REQUEST_FIELD_CHANGE)
    except ApplicationError:
        return False
    return True


def _page(request: HttpRequest, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- the unit -----------------------------------------------------------------------


@web_view
def portal_home(request: HttpRequest) -> HttpResponse:
    units = portal_units(request.user)
    if not units:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            "「本单位」供用编单位人事干部使用；编办人员请在机构树中查看单位",
        )
    if len(units) == 1:
        return redirect("web:portal_unit", unit_id=units[0].pk)
    ids = [u.pk for u in units]
    pending = selectors_portal.pending_by_unit(ids)
    rows = [
        {
            "unit": u,
            "people": selectors.unit_people(u).count(),
            "pending": pending.get(u.pk, 0),
        }
        for u in units
    ]
    return render(request, "web/portal/choose.html", {"rows": rows})


@web_view
def portal_unit(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = _unit(request, unit_id)
    as_of, explicit = as_of_from(request)
    today = timezone.localdate()
    views = quota_selectors.unit_accounts(unit, as_of=as_of if explicit else None)
    accounts = [account_row(v) for v in views]
    totals = {
        key: sum(row[key] for row in accounts)
        for key in ("approved", "occupied", "reserved", "vacancy", "over", "borrowed")
    }
    pending = selectors_portal.requests_for_units(
        [unit.pk], status=FieldChangeStatus.PENDING
    )
    context = {
        "unit": unit,
        "as_of": as_of,
        "today": today,
        "explicit_as_of": explicit,
        "accounts": accounts,
        "totals": totals,
        "leader_posts": leader_posts_as_of(unit, as_of),
        "people_total": selectors.unit_people(unit, as_of).count(),
        "pending_rows": request_rows(pending[:PENDING_SHOWN]),
        "pending_total": pending.count(),
        "late_releases": list(selectors_portal.late_releases(unit, today=today)[:20]),
        "over_accounts": [a for a in accounts if a["over"]],
        "past_retirement": list(selectors_portal.past_retirement(unit)[:20]),
        "can_request": _may_request(request.user, unit),
    }
    return render(request, "web/portal/unit.html", context)


@web_view
def portal_people(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = _unit(request, unit_id)
    as_of, explicit = as_of_from(request)
    q = request.GET.get("q", "").strip()
    account_id = object_id(request.GET.get("account", ""))
    postings = selectors_portal.unit_postings(
        unit, as_of=as_of, q=q, account_id=account_id
    )
    page = _page(request, postings)
    rows = [
        {
            "posting": p,
            "person": p.person,
            "id_number": shown_id(p.person.id_number),
            "account": f"{p.account.category.name}·{p.account.get_funding_display()}",
        }
        for p in page.object_list
    ]
    return render(
        request,
        "web/portal/people.html",
        {
            "unit": unit,
            "as_of": as_of,
            "explicit_as_of": explicit,
            "today": timezone.localdate(),
            "page": page,
            "rows": rows,
            "q": q,
            "account_id": account_id,
            "accounts": selectors_portal.account_choices(unit),
            "keep": {"q": q, "account": account_id or ""},
        },
    )


# --- one person: non-locked fields, locked fields read-only ---------------------------


@web_view
def portal_person(request: HttpRequest, unit_id: int, person_id: int) -> HttpResponse:
    unit, _actor = _unit(request, unit_id)
    person, posting, actor = _person_in_unit(
        request, unit, person_id, Permission.EDIT_PERSON
    )
    errors: dict = {}
    data = None
    status = 200
    if request.method == "POST":
        data = request.POST
        changes = free_changes(person, data)
        if not changes:
            messages.info(request, "未作修改")
            return redirect("web:portal_person", unit_id=unit.pk, person_id=person.pk)
        try:
            services.person_update_fields(actor=actor, person=person, changes=changes)
        except ApplicationError as exc:
            if exc.http_status in (403, 404):
                raise
            errors[exc.field if exc.field in FREE_FORM_FIELDS else "__all__"] = exc
            status = exc.http_status
        else:
            messages.success(request, "已保存，修改已记入审计日志")
            return redirect("web:portal_person", unit_id=unit.pk, person_id=person.pk)
    pending = selectors_portal.pending_by_field(person.pk)
    history = request_rows(
        FieldChangeRequest.objects.filter(person=person).order_by("-requested_at")[:20]
    )
    return render(
        request,
        "web/portal/person.html",
        {
            "unit": unit,
            "person": person,
            "posting": posting,
            "fields": free_form_rows(person, data, errors),
            "top_error": errors.get("__all__"),
            "errors": errors,
            "locked": locked_rows(person, posting, pending),
            "can_request": _may_request(request.user, unit),
            "history": history,
        },
        status=status,
    )


# --- asking for a locked-field change ----------------------------------------------------


@web_view
def portal_request(request: HttpRequest, unit_id: int, person_id: int) -> HttpResponse:
    unit, actor = _unit(request, unit_id, Permission.REQUEST_FIELD_CHANGE)
    person, posting, _ = _person_in_unit(
        request, unit, person_id, Permission.REQUEST_FIELD_CHANGE
    )
    error = None
    source = request.POST if request.method == "POST" else request.GET
    if request.method == "POST":
        field = source.get("field", "")
        extra = {
            key: source.get(key, "")
            for key in ("certified_basis", "doc_no")
            if source.get(key, "").strip()
        }
        try:
            made = services.field_change_request(
                actor=actor,
                person=person,
                field=field,
                new_value=source.get("new_value", ""),
                reason=source.get("reason", ""),
                extra=extra,
            )
        except ApplicationError as exc:
            if exc.http_status in (403, 404):
                raise
            error = exc
        else:
            messages.success(
                request,
                f"已提交变更申请第{made.pk}号（{made.get_field_display()}），等待编办审核",
            )
            return redirect("web:portal_person", unit_id=unit.pk, person_id=person.pk)
    context = request_form_context(unit, person, posting, source, error)
    return render(
        request,
        "web/portal/request_form.html",
        context,
        status=error.http_status if error else 200,
    )


# --- the unit's requests ---------------------------------------------------------------


@web_view
def portal_requests(request: HttpRequest, unit_id: int) -> HttpResponse:
    unit, _actor = _unit(request, unit_id)
    status = request.GET.get("status", "")
    if status not in FieldChangeStatus.values:
        status = ""
    page = _page(request, selectors_portal.requests_for_units([unit.pk], status=status))
    return render(
        request,
        "web/portal/requests.html",
        {
            "unit": unit,
            "page": page,
            "rows": request_rows(page.object_list),
            "status": status,
            "statuses": FieldChangeStatus.choices,
            "counts": selectors_portal.status_counts([unit.pk]),
            "can_request": _may_request(request.user, unit),
        },
    )


@web_view
@require_POST
def portal_withdraw(
    request: HttpRequest, unit_id: int, request_id: int
) -> HttpResponse:
    unit, actor = _unit(request, unit_id, Permission.REQUEST_FIELD_CHANGE)
    found = FieldChangeRequest.objects.filter(
        pk=object_id(request_id), unit=unit
    ).first()
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    try:
        services.field_change_withdraw(actor=actor, request=found)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤回变更申请第{found.pk}号")
    return redirect("web:portal_requests", unit_id=unit.pk)
