"""数据导出: the roster or the units in the import format, as of a date, scoped.

Who gets what (accounts.access decides everything):
- office staff export any region or unit of their scope with whole ID numbers
  (they hold VIEW_FULL_ID and an office role: the file round-trips into an
  import);
- unit HR and supervising departments export only their own unit(s), with
  masked ID numbers;
- a unit or region outside the scope answers 404, a role without EXPORT_DATA 403.

Small exports (a unit, the units list, up to SYNC_ROWS people) are written at
once and downloaded in the same request. Bigger ones — a city's 200,000 people
take longer than a web request should (the production server's worker
timeout) — run as exchange.tasks.export_task; the job page polls until the
file is ready. A job's files live under MEDIA_ROOT/exports/<job>/ and are
served only to the user who asked for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import shutil
import tempfile
from pathlib import Path

from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from bianzhi.accounts.access import (
    access_region,
    access_unit,
    assignments,
    region_codes_in_scope,
    region_subtree,
    require,
    units_in_scope,
)
from bianzhi.core.actor import Actor
from bianzhi.core.dates import parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import OFFICE_ROLES, Permission, role_allows
from bianzhi.exchange import tasks
from bianzhi.orgs.models import Region
from bianzhi.roster.models import Posting
from bianzhi.web.errors import web_view

# Up to this many people the file is written within the request. Measured
# here: xlsxwriter (constant memory) writes ~3,000 roster rows/s, so 10,000
# rows take ~3.5 s and a city's 200,000 over a minute — beyond a web request
# (the production server's worker timeout); CSV is ~25x faster.
SYNC_ROWS = 10_000
WHAT = {"roster": "实名制人员信息", "units": "机构编制台账"}
FORMATS = ("xlsx", "csv")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
_JOB = re.compile(r"[0-9a-f]{32}")


@dataclasses.dataclass
class ExportRequest:
    what: str
    fmt: str
    as_of: dt.date | None
    region_code: str | None
    unit_ids: list[int] | None
    full_id: bool
    actor: Actor
    scope_label: str

    @property
    def filename(self) -> str:
        day = (self.as_of or timezone.localdate()).strftime("%Y%m%d")
        return f"{WHAT[self.what]}-{self.scope_label}-{day}.{self.fmt}"


def full_id_allowed(user) -> bool:
    """Whole ID numbers only for office staff holding VIEW_FULL_ID."""
    return any(
        a.role in OFFICE_ROLES and role_allows(a.role, Permission.VIEW_FULL_ID)
        for a in assignments(user)
    )


def _region_choices(user) -> list[Region]:
    codes = region_codes_in_scope(user, Permission.EXPORT_DATA)
    return list(Region.objects.filter(code__in=codes).order_by("code"))


def _unit_choices(user):
    return units_in_scope(user, Permission.EXPORT_DATA).order_by("region_id", "name")


def parse_export(user, params) -> ExportRequest:
    """Validate the form and scope it; raises ApplicationError (400/403/404)."""
    what = params.get("what", "roster")
    if what not in WHAT:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "请选择导出内容", field="what")
    fmt = params.get("format", "xlsx")
    if fmt not in FORMATS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "文件格式应为 xlsx 或 csv", field="format"
        )
    as_of = parse_optional_date(params.get("as_of", "").strip() or None, field="as_of")
    if as_of and as_of > timezone.localdate():
        raise ApplicationError(
            ErrorCode.DATE_INVALID, "截止日期不能晚于今天", field="as_of"
        )
    unit_value = (params.get("unit") or "").strip()
    region_value = (params.get("region") or "").strip()
    region_code: str | None = None
    unit_ids: list[int] | None = None
    if unit_value:
        unit, actor = access_unit(user, unit_value, Permission.EXPORT_DATA)
        unit_ids, label = [unit.pk], unit.name
    elif region_value:
        region, actor = access_region(user, region_value, Permission.EXPORT_DATA)
        region_code, label = region.code, region.name
    else:
        actor = require(user, Permission.EXPORT_DATA)
        regions = _top_regions(user)
        if len(regions) == 1:
            region, actor = access_region(user, regions[0], Permission.EXPORT_DATA)
            region_code, label = region.code, region.name
        else:
            units = list(_unit_choices(user).values_list("pk", "name"))
            if not units:
                raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "没有可导出的单位")
            unit_ids = [pk for pk, _name in units]
            label = units[0][1] if len(units) == 1 else "本人所有单位"
    return ExportRequest(
        what=what,
        fmt=fmt,
        as_of=as_of,
        region_code=region_code,
        unit_ids=unit_ids,
        full_id=full_id_allowed(user) and what == "roster",
        actor=actor,
        scope_label=re.sub(r"[\\/:*?\"<>|\s]", "", label) or "导出",
    )


def _top_regions(user) -> list[str]:
    """Regions of the user's region-scoped EXPORT_DATA assignments, not nested."""
    codes = {
        a.region_id
        for a in assignments(user)
        if a.region_id and role_allows(a.role, Permission.EXPORT_DATA)
    }
    return sorted(
        c for c in codes if not any(c != o and c in region_subtree(o) for o in codes)
    )


def estimate_rows(req: ExportRequest) -> int:
    """People (postings) the export will hold, to choose sync or background."""
    if req.what != "roster":
        return 0
    day = req.as_of or timezone.localdate()
    postings = Posting.objects.filter(start_date__lte=day).filter(
        Q(end_date__isnull=True) | Q(end_date__gt=day)
    )
    if req.unit_ids is not None:
        postings = postings.filter(unit_id__in=req.unit_ids)
    else:
        postings = postings.filter(unit__region_id__in=region_subtree(req.region_code))
    return postings.count()


def _write(req: ExportRequest, target: Path) -> int:
    from bianzhi.exchange import export

    if req.what == "roster":
        return export.export_roster(
            actor=req.actor,
            out=target,
            as_of=req.as_of,
            region_code=req.region_code,
            unit_ids=req.unit_ids,
            full_id=req.full_id,
        )
    return export.export_units(
        actor=req.actor,
        out=target,
        as_of=req.as_of,
        region_code=req.region_code,
        unit_ids=req.unit_ids,
    )


def _download(path: Path, filename: str, fmt: str, *, unlink: bool) -> FileResponse:
    handle = open(path, "rb")  # noqa: SIM115 — FileResponse closes it
    if unlink:
        # The open handle keeps the data readable; nothing stays on disk.
        os.unlink(path)
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=CONTENT_TYPES[fmt]
    )
    response["Cache-Control"] = "private, no-store"
    return response


@web_view
def export_page(request: HttpRequest) -> HttpResponse:
    require(request.user, Permission.EXPORT_DATA)
    context = {
        "whats": list(WHAT.items()),
        "regions": _region_choices(request.user),
        "units": list(_unit_choices(request.user)[:2000]),
        "full_id": full_id_allowed(request.user),
        "values": {
            "what": request.GET.get("what", "roster"),
            "format": request.GET.get("format", "xlsx"),
            "as_of": request.GET.get("as_of", ""),
            "region": request.GET.get("region", ""),
            "unit": request.GET.get("unit", ""),
        },
        "sync_rows": SYNC_ROWS,
        "today": timezone.localdate(),
    }
    return render(request, "web/exchange/exports.html", context)


@web_view
def export_download(request: HttpRequest) -> HttpResponse:
    req = parse_export(request.user, request.GET)
    if estimate_rows(req) <= SYNC_ROWS:
        directory = Path(tempfile.mkdtemp(prefix="bianzhi-export-"))
        try:
            target = directory / f"export.{req.fmt}"
            _write(req, target)
            return _download(target, req.filename, req.fmt, unlink=True)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
    job = tasks.queue_export(
        what=req.what,
        filename=req.filename,
        actor=req.actor,
        as_of=req.as_of,
        region_code=req.region_code,
        unit_ids=req.unit_ids,
        full_id=req.full_id,
    )
    return redirect("web:export_job", job=job)


def access_job(user, job: str) -> dict:
    """A background export of this user (anyone else: 404, like a missing job)."""
    status = tasks.read_export_status(job) if _JOB.fullmatch(job or "") else None
    if status is None or status.get("owner") != user.pk:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return status


def _job_context(job: str, status: dict) -> dict:
    return {
        "job": job,
        "status": status,
        "finished": status.get("state") in ("done", "failed"),
        "poll_url": reverse("web:export_progress", args=[job]),
        "file_url": reverse("web:export_file", args=[job]),
    }


@web_view
def export_job(request: HttpRequest, job: str) -> HttpResponse:
    status = access_job(request.user, job)
    return render(request, "web/exchange/export_job.html", _job_context(job, status))


@web_view
def export_progress(request: HttpRequest, job: str) -> HttpResponse:
    status = access_job(request.user, job)
    response = render(
        request, "web/exchange/partials/export_status.html", _job_context(job, status)
    )
    response["Cache-Control"] = "no-store"
    return response


@web_view
def export_file(request: HttpRequest, job: str) -> HttpResponse:
    status = access_job(request.user, job)
    if status.get("state") != "done":
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    filename = Path(status["filename"]).name
    path = tasks.export_dir(job) / filename
    if not path.is_file():
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return _download(path, filename, path.suffix.lstrip("."), unlink=False)
