"""Background reconciliation (django-tasks, database backend).

The web layer saves the uploaded files, calls `queue_reconcile(...)` and
polls `read_status(job)`. Nothing is written to the database until the run
succeeds (services.reconcile_run stores run + findings in one transaction),
so progress and failures live in a status file,
MEDIA_ROOT/reconcile/<job>/status.json, replaced atomically:
{"job", "owner", "month", "state": queued|running|done|failed, "percent",
 "stage", "run_id" (done), "message" (failed)}.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django_tasks import task

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5
CRASH_MESSAGE = "比对过程中发生系统错误，未保存任何结果。请稍后重试；如仍失败，请将任务编号 {job} 告知系统管理员。"


def job_dir(job: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "reconcile" / job


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)


def read_status(job: str) -> dict | None:
    """The job's status dict, or None for an unknown job."""
    try:
        return json.loads((job_dir(job) / "status.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Progress:
    """engine progress callback -> status file, at most every PROGRESS_EVERY s."""

    def __init__(self, job: str, base: dict) -> None:
        self.path = job_dir(job) / "status.json"
        self.base = base
        self.last = 0.0

    def __call__(self, percent: int, stage: str) -> None:
        now = time.monotonic()
        if now - self.last < PROGRESS_EVERY and percent < 100:
            return
        self.last = now
        try:
            _write(
                self.path,
                {**self.base, "state": "running", "percent": percent, "stage": stage},
            )
        except OSError:  # progress is a courtesy
            logger.warning("reconcile progress not written: %s", self.path)


def queue_reconcile(
    *,
    actor: Actor,
    month: str,
    roster: tuple[str, str] | None = None,
    payroll: tuple[str, str] | None = None,
    social: tuple[str, str] | None = None,
    population: tuple[str, str] | None = None,
) -> str:
    """Queue a run; sources are (stored path, original filename). Returns the job id."""
    job = uuid.uuid4().hex
    _write(
        job_dir(job) / "status.json",
        {
            "job": job,
            "owner": actor.user_id,
            "month": month,
            "state": "queued",
            "percent": 0,
            "stage": "排队中",
        },
    )
    reconcile_task.enqueue(
        job=job,
        actor=dataclasses.asdict(actor),
        month=month,
        roster=list(roster) if roster else None,
        payroll=list(payroll) if payroll else None,
        social=list(social) if social else None,
        population=list(population) if population else None,
    )
    return job


@task()
def reconcile_task(
    *,
    job: str,
    actor: dict[str, Any],
    month: str,
    roster: list[str] | None = None,
    payroll: list[str] | None = None,
    social: list[str] | None = None,
    population: list[str] | None = None,
) -> dict[str, Any]:
    """Run services.reconcile_run for a queued job, reporting progress."""
    from .services import reconcile_run

    base = {"job": job, "owner": actor.get("user_id"), "month": month}
    status = job_dir(job) / "status.json"
    progress = _Progress(job, base)
    progress(0, "开始比对")
    try:
        run = reconcile_run(
            actor=Actor(**actor),
            month=month,
            roster_path=tuple(roster) if roster else None,
            payroll=tuple(payroll) if payroll else None,
            social=tuple(social) if social else None,
            population=tuple(population) if population else None,
            progress=progress,
        )
    except ApplicationError as exc:
        _write(
            status,
            {
                **base,
                "state": "failed",
                "percent": 100,
                "message": exc.message,
                "code": exc.code.value,
            },
        )
        return {**base, "state": "failed"}
    except Exception:
        logger.exception("reconcile job %s crashed", job)
        _write(
            status,
            {
                **base,
                "state": "failed",
                "percent": 100,
                "message": CRASH_MESSAGE.format(job=job),
            },
        )
        raise
    _write(
        status,
        {**base, "state": "done", "percent": 100, "stage": "完成", "run_id": run.pk},
    )
    return {**base, "state": "done", "run_id": run.pk}
