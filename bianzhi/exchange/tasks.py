"""Background jobs of the exchange layer (django-tasks, database backend).

`import_task(run_id)` runs one uploaded file through run_import as the user
who uploaded it (ImportRun.actor). run_import and the import_run_* services
record everything the run did; the job only adds what a polling page needs
while the import's single transaction hides the database from it:

- live progress: during a commit the import is one transaction, so counters
  written to the ImportRun row inside it stay invisible to the page until the
  end (and on SQLite no other connection may write meanwhile). The progress
  callback therefore writes a small sidecar file next to the report,
  MEDIA_ROOT/imports/<run_id>/progress.json, replaced atomically;

Whatever happens, a run never stays "running": an ApplicationError or any
other exception ends it as failed with a Chinese message (import_run_fail),
and `bianzhi daily` fails runs abandoned by a killed worker (exchange/daily.py).

`export_task(...)` writes a big export to MEDIA_ROOT/exports/<job>/ in the
background; the web layer decides when to use it (see web/views/exchange_export.py).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
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

from .imports import run_import
from .models import ImportRun
from .services import import_run_fail

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds): a 200,000-row import calls
# the callback for every batch, the page polls once a second.
PROGRESS_EVERY = 0.5

CRASH_MESSAGE = (
    "导入过程中发生系统错误，未写入任何数据。请稍后重试；如仍失败，请将本页编号"
    "（导入任务 {run_id}）告知系统管理员。"
)


# -- files of a run ----------------------------------------------------------------


def run_dir(run_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(int(run_id))


def report_file(run_id: int) -> Path:
    return run_dir(run_id) / "错误报告.xlsx"


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(temporary, path)  # readers see the old or the new file, never half


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class ProgressFile:
    """The progress callback run_import calls with (rows_done, total).

    run_import reports the reading pass (rows parsed and checked) and then the
    writing pass, each counting from the start again; a count that drops
    after the reading pass reached its end marks the second phase.
    """

    def __init__(self, run_id: int) -> None:
        self.path = run_dir(run_id) / "progress.json"
        self.last = 0.0
        self.phase = "read"
        self.rows_done = 0
        self.rows_total: int | None = None

    def __call__(self, rows_done: int, rows_total: int | None = None) -> None:
        done = int(rows_done or 0)
        if self.phase == "read" and done < self.rows_done:
            self.phase = "apply"
        self.rows_done = done
        if rows_total is not None:
            self.rows_total = int(rows_total)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY:
            self.last = now
            self.flush()

    def flush(self) -> None:
        try:
            _write_json(
                self.path,
                {
                    "phase": self.phase,
                    "rows_done": self.rows_done,
                    "rows_total": self.rows_total,
                    "at": time.time(),
                },
            )
        except OSError:  # progress is a courtesy: never fail an import over it
            logger.warning("import progress not written: %s", self.path)


def read_progress(run_id: int) -> dict | None:
    """{"phase": "read"|"apply", "rows_done", "rows_total", "at"} of a running import."""
    return _read_json(run_dir(run_id) / "progress.json")


# -- the jobs ----------------------------------------------------------------------


def _fail(run: ImportRun, actor: Actor, message: str) -> None:
    try:
        import_run_fail(actor=actor, run=run, message=message)
    except Exception:  # the database itself is gone: daily will retry the close
        logger.exception("import run %s could not be marked failed", run.pk)


@task()
def import_task(run_id: int) -> dict[str, Any]:
    """Run the import of one ImportRun (queued by the upload page)."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is None:
        return {"run_id": run_id, "status": "missing"}
    if run.status != ImportRun.Status.QUEUED:
        # Enqueued twice, or picked up again after a worker restart: the first
        # attempt owns the run (a crash there is closed by `bianzhi daily`).
        return {"run_id": run_id, "status": run.status}
    actor = run.actor
    progress = ProgressFile(run.pk)
    try:
        # The result is recorded on the run by run_import / import_run_finish.
        run_import(
            actor=actor,
            kind=run.kind,
            path=run.file_path,
            filename=run.filename,
            commit=run.commit,
            valid_only=run.valid_only,
            accept_excess=run.accept_excess,
            run=run,
            progress=progress,
        )
    except ApplicationError as exc:
        # run_import reports bad files and rows in its result; a refusal that
        # still escapes it (e.g. the database refusing the run itself) ends
        # the run with its message.
        _fail(run, actor, exc.message)
    except Exception:
        logger.exception("import run %s crashed", run_id)
        _fail(run, actor, CRASH_MESSAGE.format(run_id=run_id))
        raise  # the task result keeps the traceback for the operator
    finally:
        progress.flush()
    run.refresh_from_db()
    return {
        "run_id": run.pk,
        "status": run.status,
        "accepted": run.accepted,
        "refused": run.refused,
    }


def export_dir(job: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "exports" / job


def queue_export(
    *,
    what: str,
    filename: str,
    actor: Actor,
    as_of: dt.date | None = None,
    region_code: str | None = None,
    unit_ids: list[int] | None = None,
    full_id: bool = False,
) -> str:
    """Start a background export; the job id names its folder and page.

    The status file is written before the task is queued, so the job page
    finds its owner from the first poll on.
    """
    job = uuid.uuid4().hex
    _write_json(
        export_dir(job) / "status.json",
        {
            "job": job,
            "what": what,
            "filename": filename,
            "owner": actor.user_id,
            "state": "queued",
            "queued": time.time(),
        },
    )
    export_task.enqueue(
        job=job,
        what=what,
        filename=filename,
        actor=dataclasses.asdict(actor),
        as_of=as_of.isoformat() if as_of else None,
        region_code=region_code,
        unit_ids=unit_ids,
        full_id=full_id,
    )
    return job


@task()
def export_task(
    *,
    job: str,
    what: str,
    filename: str,
    actor: dict[str, Any],
    as_of: str | None = None,
    region_code: str | None = None,
    unit_ids: list[int] | None = None,
    full_id: bool = False,
) -> dict[str, Any]:
    """Write an export to MEDIA_ROOT/exports/<job>/<filename>; state in status.json.

    The web layer has already scoped everything (unit_ids, full_id) for the
    user; the Actor travels as a plain dict because task arguments are JSON.
    """
    from . import export

    directory = export_dir(job)
    status = directory / "status.json"
    base = {"job": job, "what": what, "filename": filename, "owner": actor["user_id"]}
    _write_json(status, {**base, "state": "running", "started": time.time()})
    who = Actor(**actor)
    day = dt.date.fromisoformat(as_of) if as_of else None
    target = directory / filename
    try:
        if what == "roster":
            rows = export.export_roster(
                actor=who,
                out=target,
                as_of=day,
                region_code=region_code,
                unit_ids=unit_ids,
                full_id=full_id,
            )
        else:
            rows = export.export_units(
                actor=who,
                out=target,
                as_of=day,
                region_code=region_code,
                unit_ids=unit_ids,
            )
    except ApplicationError as exc:
        _write_json(status, {**base, "state": "failed", "message": exc.message})
        return {**base, "state": "failed"}
    except Exception:
        logger.exception("export %s crashed", job)
        _write_json(
            status,
            {
                **base,
                "state": "failed",
                "message": "导出过程中发生系统错误，请稍后重试",
            },
        )
        raise
    _write_json(
        status,
        {**base, "state": "done", "rows": rows, "finished": time.time()},
    )
    return {**base, "state": "done", "rows": rows}


def read_export_status(job: str) -> dict | None:
    return _read_json(export_dir(job) / "status.json")
