"""The exchange part of `bianzhi daily`: close import runs nobody is working on,
and remove files with personal data that have served their purpose.

A run whose worker was killed (restart, out of memory) would otherwise show
「正在处理」 forever. Its transaction died with the worker, so nothing was
written; the run is closed as failed with that explanation. A run still
queued after a day means no worker is running at all (`bianzhi db_worker`).
Running it twice does nothing the second time (import_run_fail leaves a
finished run alone).

Files: background exports (MEDIA_ROOT/exports/<job>/) are deleted after
EXPORT_KEEP, the uploaded file of a run UPLOAD_KEEP after it finished (the
run, its summary and its error report stay).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import time
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from bianzhi.core.actor import Actor

from .models import ImportRun
from .services import import_run_fail

# A city's initial load takes about a minute; six hours is surely abandoned.
RUNNING_STALE = dt.timedelta(hours=6)
QUEUED_STALE = dt.timedelta(hours=24)
EXPORT_KEEP = dt.timedelta(days=2)
UPLOAD_KEEP = dt.timedelta(days=30)
_JOB = re.compile(r"[0-9a-f]{32}")

RUNNING_MESSAGE = (
    "导入任务长时间未完成（后台任务进程可能已重启），已终止；"
    "本次导入未写入任何数据，请重新上传。"
)
QUEUED_MESSAGE = (
    "导入任务排队超过一天仍未开始，已取消；请联系系统管理员确认后台任务进程"
    "（bianzhi db_worker）正在运行后重新上传。"
)


def run(*, actor: Actor, today: dt.date | None = None) -> list[str]:
    # Ages are measured from now, not from `today`: `--today` replays the
    # calendar of a day, it does not make a running job older.
    now = timezone.now()
    messages = []
    stale = [
        (ImportRun.Status.RUNNING, RUNNING_STALE, RUNNING_MESSAGE, "长时间未完成"),
        (ImportRun.Status.QUEUED, QUEUED_STALE, QUEUED_MESSAGE, "排队超过一天"),
    ]
    for status, age, message, why in stale:
        runs = ImportRun.objects.filter(status=status, created_at__lt=now - age)
        for run_obj in runs.order_by("id"):
            import_run_fail(actor=actor, run=run_obj, message=message)
            messages.append(f"导入任务 {run_obj.pk}（{run_obj.filename}）{why}，已终止")
    exports = prune_exports(time.time() - EXPORT_KEEP.total_seconds())
    if exports:
        messages.append(f"已删除过期的导出文件 {exports} 份")
    uploads = prune_uploads(now - UPLOAD_KEEP)
    if uploads:
        messages.append(f"已删除已完成导入任务的上传文件 {uploads} 份")
    return messages


def prune_exports(before: float) -> int:
    """Delete background export folders last written before `before` (epoch s)."""
    root = Path(settings.MEDIA_ROOT) / "exports"
    if not root.is_dir():
        return 0
    removed = 0
    for job in root.iterdir():
        if job.is_dir() and _JOB.fullmatch(job.name) and job.stat().st_mtime < before:
            shutil.rmtree(job, ignore_errors=True)
            removed += 1
    return removed


def prune_uploads(before: dt.datetime) -> int:
    """Delete uploaded files whose every run finished before `before`."""
    root = (Path(settings.MEDIA_ROOT) / "uploads").resolve()
    still_needed = set(
        ImportRun.objects.filter(
            Q(finished_at__isnull=True) | Q(finished_at__gte=before)
        ).values_list("file_path", flat=True)
    )
    removed = 0
    paths = (
        ImportRun.objects.filter(finished_at__lt=before)
        .exclude(file_path="")
        .values_list("file_path", flat=True)
        .distinct()
    )
    for text in paths:
        path = Path(text).resolve()
        # Only files the web upload stored (uploads/<uuid>/<name>), never a
        # path a command-line import was given.
        if text in still_needed or path.parent.parent != root or not path.is_file():
            continue
        path.unlink()
        try:
            path.parent.rmdir()
        except OSError:
            pass
        removed += 1
    return removed
