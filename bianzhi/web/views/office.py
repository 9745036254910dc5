"""业务办理: the office forms (office_admin / office_leader only).

GET shows the form, prefilled from the query string (links from unit and
region pages carry ?unit=…, ?region=…, ?movement=…). POST parses the inputs
and calls the operation's one service. Any refusal re-renders the form with
the Chinese message and code next to the input, HTTP 400, nothing written
(the service's transaction rolled back). The numbers panel is refreshed by
htmx from /office/<slug>/numbers/ whenever an input changes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext_noop

from bianzhi.accounts.access import access_unit, has_permission, require
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.web.errors import web_view
from bianzhi.web.forms import (
    ACCESS_CODES,
    NumbersInput,
    Operation,
    choices_for,
    initial_value,
    parse,
)
from bianzhi.web.operations import BY_SLUG, OPERATIONS
from bianzhi.web.roster_ops import ROSTER_OPERATIONS

SELECT_KINDS = frozenset(
    {"unit", "parent", "region", "category", "funding", "choice", "body", "loan"}
)


def _operation(slug: str) -> Operation:
    op = BY_SLUG.get(slug)
    if op is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return op


@web_view
def office_index(request: HttpRequest) -> HttpResponse:
    allowed = [
        p
        for p in (Permission.MANAGE_ORGS, Permission.MANAGE_QUOTA)
        if has_permission(request.user, p)
    ]
    if not allowed:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "业务办理仅限编办业务科室人员和编办领导"
        )
    groups = [
        {
            "title": gettext_noop("机构事项"),
            "ops": [
                o for o in OPERATIONS if o.group == "orgs" and o.permission in allowed
            ],
        },
        {
            "title": gettext_noop("编制变动"),
            "ops": [
                o for o in OPERATIONS if o.group == "quota" and o.permission in allowed
            ],
        },
        {
            "title": gettext_noop("实名制人员"),
            "ops": list(ROSTER_OPERATIONS),
        },
    ]
    return render(request, "web/office_index.html", {"groups": groups})


def _prefilled(op: Operation, request: HttpRequest) -> QueryDict:
    """Initial inputs: the query string, today's date, the subject's current values.

    A reload triggered by choosing another unit (`_refresh`) takes that unit's
    values over the ones the form carried for the previous unit.
    """
    data = request.GET.copy()
    data.pop("_refresh", None)
    data.pop("csrfmiddlewaretoken", None)
    refreshing = bool(request.GET.get("_refresh"))
    for f in op.fields:
        if f.name not in data:
            value = initial_value(f)
            if value:
                data[f.name] = value
    unit_id = request.GET.get("unit")
    if op.prefill and unit_id:
        try:
            unit, _actor = access_unit(request.user, unit_id, op.permission)
        except ApplicationError:
            return data
        for key, value in op.prefill(unit).items():
            if key in request.GET and not refreshing:
                continue
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
                else:
                    data.pop(key, None)
            else:
                data[key] = value or ""
    return data


def _bound_fields(
    op: Operation, request: HttpRequest, data: QueryDict, errors: dict
) -> list[dict[str, Any]]:
    bound = []
    for f in op.fields:
        value = data.get(f.name, "")
        bound.append(
            {
                "field": f,
                "id": f"f-{f.name}",
                "value": value,
                "checked": f.kind == "bool" and value in ("on", "1", "true", "True"),
                "is_select": f.kind in SELECT_KINDS,
                "choices": choices_for(f, op, request.user, data)
                if f.kind in SELECT_KINDS
                else [],
                "error": errors.get(f.name),
            }
        )
    return bound


def _numbers(op: Operation, request: HttpRequest, data: QueryDict) -> list[dict]:
    if op.numbers is None:
        return []
    return op.numbers(NumbersInput(request.user, data, op.permission))


def _render_form(
    request: HttpRequest,
    op: Operation,
    data: QueryDict,
    errors: dict[str, ApplicationError],
    error: ApplicationError | None = None,
    status: int = 200,
) -> HttpResponse:
    field_names = {f.name for f in op.fields}
    top_errors = [error] if error is not None and error.field not in field_names else []
    if error is not None and error.field in field_names:
        errors = {**errors, error.field: error}
    return render(
        request,
        "web/office_form.html",
        {
            "op": op,
            "fields": _bound_fields(op, request, data, errors),
            "numbers": _numbers(op, request, data),
            "errors": errors,
            "top_errors": top_errors,
            "any_error": bool(errors or top_errors),
        },
        status=status,
    )


@web_view
def office_form(request: HttpRequest, slug: str) -> HttpResponse:
    op = _operation(slug)
    require(request.user, op.permission)
    if request.method != "POST":
        return _render_form(request, op, _prefilled(op, request), {})
    parsed = parse(op, request.POST, request.user)
    if not parsed.ok:
        return _render_form(
            request, op, request.POST, parsed.errors, status=parsed.status
        )
    actor = parsed.actor or require(request.user, op.permission)
    try:
        message, url = op.run(parsed.values, actor)
    except ApplicationError as exc:
        if exc.code in ACCESS_CODES:
            raise
        return _render_form(request, op, request.POST, {}, exc, status=400)
    messages.success(request, message)
    return redirect(url)


@web_view
def office_numbers(request: HttpRequest, slug: str) -> HttpResponse:
    op = _operation(slug)
    require(request.user, op.permission)
    return render(
        request,
        "web/partials/numbers.html",
        {"numbers": _numbers(op, request, request.GET)},
    )
