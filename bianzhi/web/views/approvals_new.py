"""新建申请: the kinds the user may submit, and one generic form per kind drawn
from its Intake (approvals/intake.py).

One POST handler does everything the form can ask for, named by `_op`:
  refresh            a field others depend on changed (htmx re-renders the form)
  add:<f> / remove:<f>:<i>   a row of a table field
  draft / submit     save (approvals/submission.py: build, create or update,
                     submit — one transaction, idempotent by the hidden key)
Errors from build or the engine are shown at their field (ApplicationError.
field) or above the form; out of scope answers 404 like every page.
A returned request is edited here too, with the reviewers' comments above.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from bianzhi.accounts import approval_actors
from bianzhi.accounts.approval_intake import submittable_kinds
from bianzhi.approvals import engine, intake, selectors, submission
from bianzhi.approvals.models import Decision, Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.web.errors import web_view

from . import approvals_fields as fields


@web_view
def new_index(request: HttpRequest) -> HttpResponse:
    kinds = submittable_kinds(request.user)
    if not kinds:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "您没有可以提出的申请事项")
    return render(request, "web/approvals/new_index.html", {"kinds": kinds})


def _spec(user, kind: str) -> intake.Intake:
    if kind not in {k for k, _, _ in submittable_kinds(user)}:
        if intake.intake_for(kind) is None or not engine.is_registered(kind):
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "当前角色不能提出该申请")
    return intake.intake_for(kind)


def _comments(found: Request) -> list:
    """The reviewers' returns and rejections of earlier rounds, newest first."""
    return [
        h
        for h in reversed(selectors.request_history(found))
        if h.action in (Decision.Action.RETURN, Decision.Action.REJECT)
    ]


def _render(
    request: HttpRequest,
    spec: intake.Intake,
    values: dict,
    *,
    errors: dict[str, str] | None = None,
    error: str = "",
    found: Request | None = None,
    key: str = "",
    status: int = 200,
) -> HttpResponse:
    actors = fields.submitter_actors(request.user, spec.kind)
    actor = fields.actor_for(actors, values, spec) if actors else None
    units = [(str(u.pk), u.name) for u in fields.units_for(actors)]
    unit_field = next((f for f in spec.fields if f.type == "unit"), None)
    if unit_field and not values.get(unit_field.name) and len(units) == 1:
        values[unit_field.name] = units[0][0]
    context = {
        "spec": spec,
        "kind_label": engine.kind_spec(spec.kind).label,
        "fields": fields.field_rows(
            spec, actor, values, errors or {}, units, request.user.pk
        ),
        "notes": list(spec.explain(actor, values)) if spec.explain and actor else [],
        "error": error,
        "found": found,
        "comments": _comments(found) if found is not None else [],
        "idempotency_key": key or approval_actors.new_key(),
    }
    template = "web/approvals/new_form.html"
    if request.headers.get("HX-Request"):
        template = "web/approvals/_intake_form.html"
    return render(request, template, context, status=status)


def _post(
    request: HttpRequest, spec: intake.Intake, found: Request | None
) -> HttpResponse:
    values = fields.read_values(request, spec)
    op = request.POST.get("_op", "")
    key = request.POST.get("idempotency_key", "")
    actors = fields.submitter_actors(request.user, spec.kind)
    actor = fields.actor_for(actors, values, spec)
    if op.startswith(("add:", "remove:")):
        fields.apply_op(op, spec, values)
    if op not in ("draft", "submit"):
        return _render(request, spec, values, found=found, key=key)
    errors = fields.store_uploads(request, spec, actor, values)
    if errors:
        return _render(
            request, spec, values, errors=errors, found=found, key=key, status=400
        )
    try:
        saved = submission.save_from_intake(
            actor=actor,
            kind=spec.kind,
            values=values,
            submit=op == "submit",
            idempotency_key=key,
            request_id=found.pk if found is not None else None,
        )
    except ApplicationError as exc:
        if exc.code == ErrorCode.OUT_OF_SCOPE:
            raise
        field, message = fields.error_of(exc, spec)
        return _render(
            request,
            spec,
            values,
            errors={field: message} if field else None,
            error="" if field else message,
            found=found,
            key=key,
            status=exc.http_status,
        )
    if op == "submit":
        messages.success(
            request, _("已提交，编号%(serial)s") % {"serial": saved.serial}
        )
        return redirect("web:approval", request_id=saved.pk)
    messages.success(request, _("草稿已保存"))
    return redirect("web:approval_edit", request_id=saved.pk)


@web_view
def new_form(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(request.user, kind)
    if request.method == "POST":
        return _post(request, spec, None)
    values = {f.name: f.initial for f in spec.fields if f.type != "rows"}
    for name in ("unit_id",):
        if request.GET.get(name, "").isdigit():
            values[name] = request.GET[name]
    return _render(request, spec, values)


@web_view
def edit_form(request: HttpRequest, request_id: int) -> HttpResponse:
    """Correct a draft or a returned request (its creator only)."""
    found, _seen = approval_actors.visible_request(request.user, request_id)
    if found.created_by_id != request.user.pk:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅申请人本人可修改申请")
    if found.status not in (Request.Status.DRAFT, Request.Status.RETURNED):
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN, "仅草稿或退回修改的申请可以修改"
        )
    spec = _spec(request.user, found.kind)
    if request.method == "POST":
        return _post(request, spec, found)
    return _render(request, spec, spec.values_of(found), found=found)
