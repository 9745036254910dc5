"""数据导入: upload → background job → progress → result page with the error report.

Office staff with IMPORT_DATA upload a file (units, roster or off-quota
staff). The view stores it under MEDIA_ROOT/uploads/<uuid>/, records the run
(import_run_create) and queues exchange.tasks.import_task, then redirects to
the run page. That page survives a reload: it is rendered from the ImportRun
row (plus the job's progress file while it runs) and polls a partial every
second with htmx until the run has finished.

Runs and reports are visible to the uploader and to office staff whose
region scope covers the uploader's; everyone else gets the same 404 as for a
missing run (a run names files and people of the office). The report is
served by a view that checks this, never as public media.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as _noop
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from bianzhi.accounts.access import has_permission, region_codes_in_scope, require
from bianzhi.core.errors import MESSAGES, ApplicationError, ErrorCode
from bianzhi.core.privacy import mask_text
from bianzhi.core.roles import Permission
from bianzhi.exchange import tasks
from bianzhi.exchange.models import ImportKind, ImportRun
from bianzhi.exchange.services import import_run_create
from bianzhi.web.errors import web_view
from bianzhi.web.uploads import (
    discard_upload,
    install_limit,
    store_upload,
    too_large,
    upload_limit,
)

PAGE_SIZE = 30
# Problems listed on the result page; the report has them all.
PAGE_ERRORS = 50
# A queued run older than this gets a hint that the worker may not be running.
QUEUED_HINT_SECONDS = 30


# -- access --------------------------------------------------------------------------


def _missing() -> ApplicationError:
    return ApplicationError(ErrorCode.OUT_OF_SCOPE)


def visible_runs(user):
    """The runs a user may see: their own, and those of office colleagues in scope."""
    if not has_permission(user, Permission.IMPORT_DATA):
        return ImportRun.objects.none()
    codes = region_codes_in_scope(user, Permission.IMPORT_DATA)
    condition = Q(created_by_id=user.pk)
    if codes:
        condition |= Q(created_by_scope__in=[f"region:{c}" for c in codes])
    return ImportRun.objects.filter(condition)


def access_run(user, run_id) -> ImportRun:
    try:
        pk = int(run_id)
    except (TypeError, ValueError):
        raise _missing() from None
    run = visible_runs(user).filter(pk=pk).first()
    if run is None:
        raise _missing()
    return run


# -- pages ---------------------------------------------------------------------------


def _form_context(request: HttpRequest, values: dict, error=None) -> dict:
    runs = visible_runs(request.user).order_by("-created_at", "-id")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "kinds": ImportKind.choices,
        "values": values,
        "error": error,
        "limit_mb": upload_limit() // (1024 * 1024),
        "page": page,
        "runs": [_row(run) for run in page.object_list],
    }


def _row(run: ImportRun) -> dict:
    return {
        "run": run,
        "mode": mode_label(run),
        "url": reverse("web:import_run", args=[run.pk]),
    }


@csrf_exempt  # the upload handler must be installed before CSRF reads the body
@web_view
def import_page(request: HttpRequest) -> HttpResponse:
    # The role is checked before a byte of the body is read.
    actor = require(request.user, Permission.IMPORT_DATA)
    if request.method == "POST":
        # The size limit counts bytes as they arrive (see web/uploads.py).
        handler = install_limit(request)
        return _import_post(request, actor, handler)
    values = {"kind": request.GET.get("kind", "roster"), "mode": "dry"}
    return render(request, "web/exchange/imports.html", _form_context(request, values))


@csrf_protect
def _import_post(request: HttpRequest, actor, handler) -> HttpResponse:
    values = {
        "kind": request.POST.get("kind", ""),
        "mode": request.POST.get("mode", "dry"),
        "valid_only": bool(request.POST.get("valid_only")),
        "accept_excess": bool(request.POST.get("accept_excess")),
    }
    try:
        if values["kind"] not in ImportKind.values:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "请选择导入类型", field="kind"
            )
        if values["mode"] not in ("dry", "commit"):
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "请选择试运行或正式导入", field="mode"
            )
        upload = request.FILES.get("file")
        if handler.exceeded or (upload is not None and upload.size > upload_limit()):
            raise too_large()
        if upload is None or not upload.size:
            raise ApplicationError(
                ErrorCode.FILE_UNREADABLE,
                "请选择要上传的文件（文件不能为空）",
                field="file",
            )
        path = store_upload(upload)
        try:
            with transaction.atomic():
                run = import_run_create(
                    actor=actor,
                    kind=values["kind"],
                    filename=upload.name or path.name,
                    path=path,
                    commit=values["mode"] == "commit",
                    valid_only=values["valid_only"],
                    accept_excess=values["accept_excess"],
                )
                # Queued in the same transaction: a worker never sees a task
                # whose run does not exist, a failed create leaves no task.
                tasks.import_task.enqueue(run.pk)
        except BaseException:
            discard_upload(path)  # no run refers to it
            raise
    except ApplicationError as exc:
        if exc.http_status in (403, 404):
            raise
        context = _form_context(request, values, error=exc)
        return render(request, "web/exchange/imports.html", context, status=400)
    return redirect("web:import_run", run_id=run.pk)


def _progress(run: ImportRun) -> dict:
    """Rows done and the bar: the reading pass fills the first half, writing the
    second (the job's progress file tells the phase while the run is running)."""
    rows_done, rows_total, phase = run.rows_done, run.rows_total, "read"
    if run.status == ImportRun.Status.RUNNING:
        live = tasks.read_progress(run.pk) or {}
        phase = live.get("phase") or phase
        if phase == "apply":
            rows_done = int(live.get("rows_done") or 0)
        else:
            rows_done = max(rows_done, int(live.get("rows_done") or 0))
        rows_total = live.get("rows_total") or rows_total
    if run.is_finished:
        percent = 100
    elif rows_total:
        share = min(1.0, rows_done / rows_total)
        percent = min(99, int((share + (1 if phase == "apply" else 0)) * 50))
    else:
        percent = 0
    waited = (timezone.now() - run.created_at).total_seconds()
    return {
        "phase": phase,
        "rows_done": rows_done,
        "rows_total": rows_total,
        "percent": percent,
        "stuck_hint": run.status == ImportRun.Status.QUEUED
        and waited > QUEUED_HINT_SECONDS,
    }


def _report_available(run: ImportRun) -> bool:
    path = run.report_path
    return bool(path) and media_path_ok(path) and Path(path).is_file()


def asked_commit(run: ImportRun) -> bool | None:
    """Whether the user asked for 正式导入. A finished run keeps commit=True only
    when it wrote data; the mode it ran in is in its summary (None: unknown,
    e.g. a run closed by `bianzhi daily` before it started)."""
    if not run.is_finished or run.commit:
        return run.commit
    mode = str((run.summary or {}).get("mode", ""))
    return mode.startswith("导入") if mode else None


def mode_label(run: ImportRun) -> str:
    commit = asked_commit(run)
    if commit is None:
        return ""
    return _("正式导入") if commit else _("试运行（只检查，不写入）")


def _errors(run: ImportRun) -> dict:
    """The first problems for the page, values masked like every list (privacy:
    the full values are in the report the uploader downloads)."""
    summary = run.summary or {}
    if not run.is_finished:
        return {"total": 0, "errors": []}
    listed = summary.get("errors") or []
    errors = [
        {**e, "value": mask_text(str(e.get("value") or ""))}
        for e in listed[:PAGE_ERRORS]
    ]
    return {"total": summary.get("error_count", len(listed)), "errors": errors}


# Figures of the summary shown on the result page, in this order.
_SUMMARY_FIGURES = (
    ("result", _noop("结果")),
    ("written", _noop("已写入行数")),
    ("format", _noop("文件格式")),
    ("header_line", _noop("表头所在行")),
    ("ignored_headers", _noop("未使用的列")),
)


def _summary_items(run: ImportRun) -> list[tuple[str, object]]:
    summary = run.summary or {}
    items = []
    for key, label in _SUMMARY_FIGURES:
        value = summary.get(key)
        if value in (None, "", []):
            continue
        if isinstance(value, list):
            value = "、".join(str(v) for v in value)
        items.append((_(label), value))
    return items


def _by_code(run: ImportRun) -> list[dict]:
    counts = (run.summary or {}).get("by_code") or {}
    rows = []
    for code, count in counts.items():
        try:
            label = MESSAGES[ErrorCode(code)]
        except ValueError:
            label = ""
        rows.append({"code": code, "label": label, "count": count})
    return rows


def _status_context(request: HttpRequest, run: ImportRun) -> dict:
    finished = run.is_finished
    file_kept = bool(run.file_path) and Path(run.file_path).is_file()
    return {
        "run": run,
        "mode": mode_label(run),
        "progress": _progress(run),
        "errors": _errors(run),
        "by_code": _by_code(run) if finished else [],
        "report": _report_available(run),
        "summary_items": _summary_items(run) if finished else [],
        # A dry run (done without commit; a commit that wrote nothing ends
        # failed) with valid rows can be imported for real from the stored file.
        "can_commit": finished
        and run.status == ImportRun.Status.DONE
        and not run.commit
        and run.accepted > 0
        and (run.refused == 0 or run.valid_only)
        and file_kept,
        "poll_url": reverse("web:import_progress", args=[run.pk]),
    }


@web_view
def import_run(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_run(request.user, run_id)
    return render(request, "web/exchange/run.html", _status_context(request, run))


@web_view
def import_progress(request: HttpRequest, run_id: int) -> HttpResponse:
    """The polled partial: status, bar and, once finished, the result."""
    run = access_run(request.user, run_id)
    response = render(
        request, "web/exchange/partials/run_status.html", _status_context(request, run)
    )
    response["Cache-Control"] = "no-store"
    return response


@web_view
def import_report(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_run(request.user, run_id)
    if not _report_available(run):
        raise _missing()
    stem = Path(run.filename).stem or "导入"
    response = FileResponse(
        open(run.report_path, "rb"),  # noqa: SIM115 — FileResponse closes it
        as_attachment=True,
        filename=f"{stem}-错误报告.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@web_view
def import_commit(request: HttpRequest, run_id: int) -> HttpResponse:
    """正式导入 a file whose dry run came back clean (POST from the run page)."""
    run = access_run(request.user, run_id)
    actor = require(request.user, Permission.IMPORT_DATA)
    if request.method != "POST":
        return redirect("web:import_run", run_id=run.pk)
    if not _status_context(request, run)["can_commit"]:
        raise ApplicationError(
            ErrorCode.STEP_OUT_OF_TURN, "仅试运行已完成且有有效行的文件可以正式导入"
        )
    with transaction.atomic():
        new = import_run_create(
            actor=actor,
            kind=run.kind,
            filename=run.filename,
            path=run.file_path,
            commit=True,
            valid_only=run.valid_only,
            accept_excess=run.accept_excess,
        )
        tasks.import_task.enqueue(new.pk)
    return redirect("web:import_run", run_id=new.pk)


def media_path_ok(path: str) -> bool:
    """Only files under MEDIA_ROOT are ever served (a tampered row cannot name /etc)."""
    try:
        Path(path).resolve().relative_to(Path(settings.MEDIA_ROOT).resolve())
    except ValueError:
        return False
    return True
