"""数据比对: runs list, new run (upload → background job → progress), exports.

Who sees what: only holders of RUN_RECONCILE or REVIEW_FINDING (office roles)
reach these pages; everyone else gets 403. A run is visible to the user who
started it, to office staff whose region scope covers the scope the run was
started in (a district's runs are seen by the city office), and — runs of the
command line (system actor, no scope) — to every office user with the
permission. Another region's run answers 404, like a missing one.

A run is stored only when it succeeded (reconcile.services.reconcile_run), so
the progress of a job lives in its status file (reconcile.tasks); the job page
is rendered from that file, survives a reload and polls a partial with htmx.
The uploaded files are removed once the job has finished: the run keeps their
names, sizes and SHA-256, and the files hold every ID number of the payroll.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from bianzhi.accounts.access import has_permission, region_codes_in_scope, require
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.reconcile import selectors, tasks
from bianzhi.reconcile.models import ReconcileRun
from bianzhi.reconcile.rules import RULE_ORDER
from bianzhi.reconcile.schemas import SOURCE_LABELS
from bianzhi.reconcile.services import parse_month
from bianzhi.reconcile.services_export import findings_export
from bianzhi.web.errors import web_view
from bianzhi.web.uploads import (
    discard_upload,
    install_limit,
    store_upload,
    too_large,
    upload_limit,
)

PAGE_SIZE = 30
UPLOAD_FOLDER = "reconcile-uploads"
# Form field → (queue_reconcile keyword, label); the roster is optional.
SOURCES = (
    ("payroll", gettext_lazy("工资统发数据")),
    ("social", gettext_lazy("社保缴费数据")),
    ("population", gettext_lazy("公安人口信息")),
    ("roster", gettext_lazy("实名制导出文件（可选）")),
)
SESSION_UPLOADS = "reconcile_uploads"
# A job still queued after this long gets a hint that the worker may not run.
QUEUED_HINT_SECONDS = 30


# -- access --------------------------------------------------------------------------


def reconcile_actor(user) -> Actor:
    """The Actor for these pages; 403 for roles holding neither permission."""
    for permission in (Permission.RUN_RECONCILE, Permission.REVIEW_FINDING):
        if has_permission(user, permission):
            return require(user, permission)
    raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "当前角色无权查看数据比对")


def visible_runs(user) -> QuerySet[ReconcileRun]:
    reconcile_actor(user)
    codes = region_codes_in_scope(user, Permission.RUN_RECONCILE) | (
        region_codes_in_scope(user, Permission.REVIEW_FINDING)
    )
    condition = Q(created_by_id=user.pk) | Q(created_by_role="system")
    if codes:
        condition |= Q(created_by_scope__in=[f"region:{c}" for c in codes])
    return selectors.runs().filter(condition)


def access_run(user, run_id) -> ReconcileRun:
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    run = visible_runs(user).filter(pk=pk).first()
    if run is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return run


def input_rows(run: ReconcileRun) -> list[dict]:
    return [
        {
            "label": SOURCE_LABELS.get(item.get("source"), item.get("source")),
            "filename": item.get("filename") or "",
            "sha": (item.get("sha256") or "")[:12],
            "sha256": item.get("sha256") or "",
            "rows": item.get("rows"),
        }
        for item in run.inputs or []
    ]


# -- runs list -----------------------------------------------------------------------


@web_view
def runs_page(request: HttpRequest) -> HttpResponse:
    runs = visible_runs(request.user)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for run in page.object_list:
        skipped = {s["rule"] for s in run.skipped or [] if not s.get("partial")}
        rows.append(
            {
                "run": run,
                "url": reverse("web:reconcile_run", args=[run.pk]),
                "inputs": input_rows(run),
                "counts": [
                    (rule, None if rule in skipped else (run.counts or {}).get(rule, 0))
                    for rule in RULE_ORDER
                ],
            }
        )
    return render(
        request,
        "web/reconcile/runs.html",
        {
            "page": page,
            "rows": rows,
            "rules": RULE_ORDER,
            "can_run": has_permission(request.user, Permission.RUN_RECONCILE),
            "runs_for_compare": list(runs[:50]),
        },
    )


# -- new run -------------------------------------------------------------------------


def _new_context(values: dict, error=None) -> dict:
    return {
        "values": values,
        "error": error,
        "sources": SOURCES,
        "limit_mb": upload_limit() // (1024 * 1024),
    }


@csrf_exempt  # the upload handler must be installed before CSRF reads the body
@web_view
def new_page(request: HttpRequest) -> HttpResponse:
    actor = require(request.user, Permission.RUN_RECONCILE)
    if request.method == "POST":
        handler = install_limit(request)
        return _new_post(request, actor, handler)
    return render(request, "web/reconcile/new.html", _new_context({"month": ""}))


@csrf_protect
def _new_post(request: HttpRequest, actor: Actor, handler) -> HttpResponse:
    values = {"month": request.POST.get("month", "").strip()}
    stored: list[Path] = []
    try:
        if handler.exceeded:
            raise too_large()
        month = parse_month(values["month"])
        files: dict[str, tuple[str, str]] = {}
        for field, _label in SOURCES:
            upload = request.FILES.get(field)
            if upload is None:
                continue
            if upload.size > upload_limit():
                raise too_large()
            if not upload.size:
                raise ApplicationError(
                    ErrorCode.FILE_UNREADABLE,
                    f"「{upload.name}」是空文件",
                    field=field,
                )
            path = store_upload(upload, UPLOAD_FOLDER)
            stored.append(path)
            files[field] = (str(path), upload.name or path.name)
        if not any(k in files for k in ("payroll", "social", "population")):
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED,
                "请至少上传工资统发、社保缴费、公安人口信息中的一个文件",
                field="payroll",
            )
        job = tasks.queue_reconcile(actor=actor, month=f"{month:%Y-%m}", **files)
    except ApplicationError as exc:
        for path in stored:
            discard_upload(path)
        if exc.http_status in (403, 404):
            raise
        return render(
            request, "web/reconcile/new.html", _new_context(values, exc), status=400
        )
    except BaseException:
        for path in stored:
            discard_upload(path)
        raise
    uploads = request.session.get(SESSION_UPLOADS, {})
    uploads[job] = [str(p) for p in stored]
    request.session[SESSION_UPLOADS] = uploads
    return redirect("web:reconcile_job", job=job)


# -- job progress ---------------------------------------------------------------------


def access_job(user, job: str) -> dict:
    reconcile_actor(user)
    status = tasks.read_status(job) if job.isalnum() else None
    if status is None or status.get("owner") != user.pk:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return status


def _finish_job(request: HttpRequest, job: str, status: dict) -> None:
    """Remove the job's uploaded files once it has finished (see module doc)."""
    if status.get("state") not in ("done", "failed"):
        return
    uploads = request.session.get(SESSION_UPLOADS, {})
    paths = uploads.pop(job, None)
    if paths is None:
        return
    for path in paths:
        discard_upload(Path(path))
    request.session[SESSION_UPLOADS] = uploads


def _waited(job: str) -> float:
    """Seconds since the status file was last written (0 if unknown)."""
    try:
        return time.time() - (tasks.job_dir(job) / "status.json").stat().st_mtime
    except OSError:
        return 0.0


def _job_context(job: str, status: dict) -> dict:
    run_id = status.get("run_id")
    return {
        "stuck_hint": status.get("state") == "queued"
        and _waited(job) > QUEUED_HINT_SECONDS,
        "job": job,
        "status": status,
        "finished": status.get("state") in ("done", "failed"),
        "poll_url": reverse("web:reconcile_job_progress", args=[job]),
        "run_url": reverse("web:reconcile_run", args=[run_id]) if run_id else "",
        "percent": int(status.get("percent") or 0),
    }


@web_view
def job_page(request: HttpRequest, job: str) -> HttpResponse:
    status = access_job(request.user, job)
    _finish_job(request, job, status)
    return render(request, "web/reconcile/job.html", _job_context(job, status))


@web_view
def job_progress(request: HttpRequest, job: str) -> HttpResponse:
    status = access_job(request.user, job)
    _finish_job(request, job, status)
    response = render(
        request, "web/reconcile/partials/job_status.html", _job_context(job, status)
    )
    response["Cache-Control"] = "no-store"
    return response


# -- exports -------------------------------------------------------------------------

_CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@web_view
def run_export(request: HttpRequest, run_id: int, fmt: str) -> HttpResponse:
    run = access_run(request.user, run_id)
    if fmt not in _CONTENT_TYPES:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    # A spooled temporary file: deleted when the response closes it.
    with tempfile.NamedTemporaryFile(suffix=f".{fmt}", delete=False) as handle:
        path = Path(handle.name)
    try:
        findings_export(
            actor=reconcile_actor(request.user), run=run, fmt=fmt, path=path
        )
        data = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open handle keeps the data readable
    response = FileResponse(
        data,
        as_attachment=True,
        filename=f"{run.month:%Y-%m}数据比对-{run.pk}.{fmt}",
        content_type=_CONTENT_TYPES[fmt],
    )
    response["Cache-Control"] = "private, no-store"
    return response
