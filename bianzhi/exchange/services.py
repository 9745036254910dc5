"""Writes of ImportRun rows (the only module that writes them).

import_run_create and import_run_finish / import_run_fail are business
operations: each appends one audit event (who uploaded which file; what the
import did). import_run_start and import_run_progress are job bookkeeping —
a status flip and a counter the progress bar polls — written as plain
conditional UPDATEs without an audit event, like a task queue's own rows:
they change no business state and would otherwise flood the audit chain.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import ImportKind, ImportRun
from .report import ImportResult

# Fields of a run an audit event lists (not the summary: it repeats the
# report, user values included, and is not the business record).
_AUDITED = (
    "kind",
    "filename",
    "sha256",
    "size",
    "status",
    "commit",
    "valid_only",
    "accept_excess",
    "rows_total",
    "accepted",
    "refused",
    "message",
    "batch_id",
    "created_by_id",
    "created_by_name",
    "finished_at",
)


def file_digest(path) -> tuple[str, int]:
    """(sha256 hex, size) of a file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _kind(kind: str) -> str:
    if kind not in ImportKind.values:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"导入类型应为 {'、'.join(ImportKind.values)}",
            field="kind",
        )
    return kind


def _require_office(actor: Actor) -> None:
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "导入数据须由编办人员办理")


def _snap(run: ImportRun) -> dict:
    return audit.snapshot(run, fields=_AUDITED)


def import_run_create(
    *,
    actor: Actor,
    kind: str,
    filename: str,
    path,
    commit: bool,
    valid_only: bool = False,
    accept_excess: bool = False,
    sha256: str | None = None,
    size: int | None = None,
) -> ImportRun:
    """Record an uploaded file about to be imported (status queued)."""
    _require_office(actor)
    kind = _kind(kind)
    if sha256 is None or size is None:
        sha256, size = file_digest(path)
    name = (filename or Path(str(path)).name).strip()[:255]
    with transaction.atomic():
        run = ImportRun(
            kind=kind,
            filename=name,
            file_path=str(path)[:500],
            sha256=sha256,
            size=size,
            commit=bool(commit),
            valid_only=bool(valid_only),
            accept_excess=bool(accept_excess),
            created_by_id=actor.user_id,
            created_by_name=actor.name[:150],
            created_by_role=actor.role[:32],
            created_by_scope=actor.scope[:80],
        )
        run.save()
        mode = "导入" if commit else "检查（不写入）"
        audit.record(
            actor=actor,
            operation="import_run_create",
            records=[audit.change(run, None, _snap(run))],
            summary=f"上传{ImportKind(kind).label}文件 {name}，{mode}",
        )
    return run


def import_run_start(*, run: ImportRun, rows_total: int | None = None) -> bool:
    """queued → running (bookkeeping, no audit). False when the run is not queued."""
    changed = ImportRun.objects.filter(
        pk=run.pk, status=ImportRun.Status.QUEUED
    ).update(status=ImportRun.Status.RUNNING, rows_total=rows_total, rows_done=0)
    if changed:
        run.status, run.rows_total, run.rows_done = (
            ImportRun.Status.RUNNING,
            rows_total,
            0,
        )
    return bool(changed)


def import_run_progress(
    *, run: ImportRun, rows_done: int, rows_total: int | None = None
) -> None:
    """Move the progress counter of a running run (bookkeeping, no audit):
    one conditional UPDATE that never lowers it and never touches a run that
    has finished."""
    updates: dict = {"rows_done": max(0, int(rows_done))}
    if rows_total is not None:
        updates["rows_total"] = rows_total
    ImportRun.objects.filter(
        Q(rows_done__lte=rows_done),
        pk=run.pk,
        status=ImportRun.Status.RUNNING,
    ).update(**updates)
    run.rows_done = updates["rows_done"]
    if rows_total is not None:
        run.rows_total = rows_total


def import_run_finish(
    *,
    actor: Actor,
    run: ImportRun,
    result: ImportResult,
    report_path: str = "",
) -> ImportRun:
    """Record what the import did; one audit event.

    Called inside the import's own transaction when it wrote data, so that the
    partial unique index `importrun_committed_once` refuses a concurrent second
    commit of the same file together with everything it wrote.
    """
    wrote = result.committed
    status = (
        ImportRun.Status.DONE if (wrote or result.dry_run) else ImportRun.Status.FAILED
    )
    try:
        with transaction.atomic():
            fresh = ImportRun.objects.select_for_update().get(pk=run.pk)
            before = _snap(fresh)
            fresh.status = status
            fresh.commit = wrote if not result.dry_run else False
            fresh.rows_total = result.rows
            fresh.rows_done = result.rows
            fresh.accepted = result.accepted
            fresh.refused = result.refused
            fresh.summary = audit.jsonable(result.summary)
            fresh.report_path = str(report_path or "")[:500]
            fresh.message = _message(result)
            fresh.batch_id = str(result.summary.get("batch_id", ""))[:64]
            fresh.finished_at = timezone.now()
            fresh.save()
            audit.record(
                actor=actor,
                operation="import_run_finish",
                records=[audit.change(fresh, before, _snap(fresh))],
                batch_id=fresh.batch_id,
                summary=f"{ImportKind(fresh.kind).label} {fresh.filename}：{fresh.message}",
            )
    except IntegrityError:
        raise ApplicationError(
            ErrorCode.DUPLICATE_IMPORT,
            f"文件 {run.filename} 已由其他导入任务写入",
            field="file",
        ) from None
    _copy(fresh, run)
    return run


def import_run_fail(*, actor: Actor, run: ImportRun, message: str) -> ImportRun:
    """An import that could not finish (unexpected error, abandoned job):
    status failed with the reason; one audit event. A finished run is left as
    it is."""
    with transaction.atomic():
        fresh = ImportRun.objects.select_for_update().get(pk=run.pk)
        if fresh.is_finished:
            _copy(fresh, run)
            return run
        before = _snap(fresh)
        fresh.status = ImportRun.Status.FAILED
        fresh.commit = False
        fresh.message = (message or "导入失败").strip()[:2000]
        fresh.finished_at = timezone.now()
        fresh.save()
        audit.record(
            actor=actor,
            operation="import_run_fail",
            records=[audit.change(fresh, before, _snap(fresh))],
            summary=f"{ImportKind(fresh.kind).label} {fresh.filename} 未导入：{fresh.message}"[
                :300
            ],
        )
    _copy(fresh, run)
    return run


def committed_run(kind: str, sha256: str) -> ImportRun | None:
    """The earlier run that committed this file, if any."""
    return (
        ImportRun.objects.filter(
            kind=kind, sha256=sha256, status=ImportRun.Status.DONE, commit=True
        )
        .order_by("finished_at")
        .first()
    )


def _message(result: ImportResult) -> str:
    if result.duplicate:
        return "该文件已导入，不重复导入"
    if result.dry_run:
        if result.errors:
            return (
                f"检查完成（未写入）：共{result.rows}行，有效{result.accepted}行，"
                f"有错误{result.refused}行，问题{len(result.errors)}处"
            )
        return f"检查完成（未写入）：共{result.rows}行，全部有效"
    if result.committed:
        text = f"已导入{result.accepted}行（共{result.rows}行）"
        if result.refused:
            text += f"，未导入有错误的{result.refused}行"
        return text
    return (
        f"未写入任何数据：共{result.rows}行，有错误{result.refused}行，"
        f"问题{len(result.errors)}处"
    )


def _copy(source: ImportRun, target: ImportRun) -> None:
    for f in ImportRun._meta.concrete_fields:
        setattr(target, f.attname, getattr(source, f.attname))


__all__ = [
    "committed_run",
    "file_digest",
    "import_run_create",
    "import_run_fail",
    "import_run_finish",
    "import_run_progress",
    "import_run_start",
]
