"""信息变更审核: the office reviews the units' locked-field change requests.

Office staff with DECIDE_FIELD_CHANGE see the requests of the units in their
scope. The detail page shows old → new beside the person's current record
and the live numbers the decision needs (for an account change: the target
account's vacancy now); approving applies the change in the same transaction
(field_change_decide), so a rule that refuses now shows its Chinese message
inline and the request stays pending. Unit HR answers 403 here; a request of
a unit outside the scope answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.accounts.access import access_unit, require, units_in_scope
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import MESSAGES, ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.roster import retirement, selectors, selectors_portal, services
from bianzhi.roster.models import (
    FieldChangeRequest,
    FieldChangeStatus,
    LockedField,
)
from bianzhi.web.errors import web_view
from bianzhi.web.portal_display import account_text, request_rows
from bianzhi.web.portal_forms import locked_rows
from bianzhi.web.roster_fields import object_id

PAGE_SIZE = 50
INLINE_FIELDS = frozenset({"note", "doc_no", "approval_ref"})


@web_view
def request_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Permission.DECIDE_FIELD_CHANGE)
    units = units_in_scope(request.user, Permission.DECIDE_FIELD_CHANGE)
    status = request.GET.get("status", FieldChangeStatus.PENDING)
    if status not in FieldChangeStatus.values:
        status = ""  # 全部
    field = request.GET.get("field", "")
    if field not in LockedField.values:
        field = ""
    q = request.GET.get("q", "").strip()
    requests = selectors_portal.requests_for_units(
        units.values("pk"), status=status, field=field
    )
    if q:
        requests = requests.filter(
            Q(unit__name__contains=q) | Q(person__name__contains=q)
        )
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/requests/list.html",
        {
            "page": page,
            "rows": request_rows(page.object_list),
            "status": status,
            "field": field,
            "q": q,
            "statuses": FieldChangeStatus.choices,
            "fields": LockedField.choices,
            "counts": selectors_portal.status_counts(units.values("pk")),
        },
    )


def _access(user, request_id) -> tuple[FieldChangeRequest, Any]:
    found = (
        FieldChangeRequest.objects.select_related("person", "unit__region")
        .filter(pk=object_id(request_id))
        .first()
    )
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _unit, actor = access_unit(user, found.unit_id, Permission.DECIDE_FIELD_CHANGE)
    return found, actor


def _numbers(found: FieldChangeRequest, posting) -> dict[str, Any]:
    """What the decision needs beside old → new, computed now."""
    person = found.person
    numbers: dict[str, Any] = {"posting": posting}
    if posting is not None:
        numbers["current_account"] = account_text(posting.account)
        numbers["current_vacancy"] = selectors.vacancy_for(posting.account)
    if found.field == LockedField.ACCOUNT:
        target = selectors_portal.target_account(found)
        numbers["target"] = target
        if target is not None:
            numbers["target_label"] = account_text(target)
            numbers["target_vacancy"] = vacancy = selectors.vacancy_for(target)
            if vacancy.refusal:
                numbers["target_refusal"] = MESSAGES[ErrorCode(vacancy.refusal)]
        numbers["moved"] = posting is None or posting.pk != found.extra.get(
            "posting_id"
        )
    if found.field == LockedField.CERTIFIED_BIRTH_DATE:
        numbers["retirement_now"] = selectors.retirement_date_for(person)
        try:
            new_birth = parse_date(found.new_value, field="new_value")
        except ApplicationError:
            new_birth = None
        if new_birth is not None:
            numbers["retirement_after"] = retirement.retirement_date(
                new_birth,
                person.gender,
                person.identity,
                person.post_type,
                list(person.retirement_exceptions.all()),
            )
    if found.field == LockedField.ID_NUMBER:
        numbers["id_gender"] = found.extra.get("gender", "")
        numbers["id_birth"] = found.extra.get("birth_date", "")
        numbers["gender_changes"] = found.extra.get("gender_changes", False)
    return numbers


def _detail(
    request: HttpRequest,
    found: FieldChangeRequest,
    *,
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    posting = selectors.active_posting(found.person)
    row = request_rows([found])[0]
    return render(
        request,
        "web/requests/detail.html",
        {
            "row": row,
            "req": found,
            "person": found.person,
            "locked": locked_rows(found.person, posting, {}) if posting else [],
            "numbers": _numbers(found, posting),
            "today": timezone.localdate(),
            "error": error,
            "error_field": error.field
            if error and error.field in INLINE_FIELDS
            else "",
            "values": {
                "note": request.POST.get("note", ""),
                "doc_no": request.POST.get("doc_no", found.extra.get("doc_no", "")),
                "approval_ref": request.POST.get(
                    "approval_ref", found.extra.get("approval_ref", "")
                ),
            },
            "is_account": found.field == LockedField.ACCOUNT,
            "others": request_rows(
                FieldChangeRequest.objects.filter(person=found.person)
                .exclude(pk=found.pk)
                .order_by("-requested_at")[:10]
            ),
        },
        status=status,
    )


@web_view
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    found, _actor = _access(request.user, request_id)
    if request.method != "POST":
        return _detail(request, found)
    action = request.POST.get("action", "")
    if action not in ("approve", "refuse"):
        error = ApplicationError(ErrorCode.VALUE_INVALID, "请选择批准或驳回")
        return _detail(request, found, error=error, status=400)
    try:
        decided = services.field_change_decide(
            actor=_actor,
            request=found,
            approve=action == "approve",
            note=request.POST.get("note", ""),
            doc_no=request.POST.get("doc_no", ""),
            approval_ref=request.POST.get("approval_ref", ""),
        )
    except ApplicationError as exc:
        if exc.http_status in (403, 404):
            raise
        found.refresh_from_db()
        return _detail(request, found, error=exc, status=exc.http_status)
    if decided.status == FieldChangeStatus.APPROVED:
        text = _("变更申请第%(n)s号已批准并生效")
    else:
        text = _("变更申请第%(n)s号已驳回")
    messages.success(request, text % {"n": decided.pk})
    return redirect("web:requests")
