"""`run_import`: one file of units, roster or off-quota staff into the database.

The flow (EXCHANGE.md; one import of one file is one transaction):
1. open the file (readers.open_table: size limit, format, header) — a file
   that cannot be read is one file-level RowError (line 0);
2. a file whose sha256 was committed before for the same kind is refused
   (DUPLICATE_IMPORT) without reading further;
3. read: every row is parsed, every problem recorded (no writes);
4. apply, inside one transaction: the rows are written through the domain
   services exactly as single operations would be, which also finds the
   problems only the database can tell (quota, one person in two units …);
5. keep or roll back: a dry run (the default) always rolls back; a commit
   keeps the writes only when no row had a problem — or, with valid_only,
   keeps the valid rows (taken in file order: they compete for the same
   vacancies) and reports the others. When data is kept, the ImportRun is
   finished inside the same transaction: the unique index on committed runs
   then refuses a concurrent second commit of the same file as a whole.

Runs: with `run` (the web job) its status, progress and result are recorded
(progress only outside the transaction, so the page can poll it). Without
`run` (the CLI), a run is recorded only when data is written, so a dry run or
a refused file leaves the database exactly as it was.
"""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import import_offquota, import_roster, import_units
from .import_common import Context
from .models import ImportKind, ImportRun
from .readers import open_table
from .report import ImportResult, RowError, sorted_errors, write_error_report
from .schemas import SCHEMAS
from .services import (
    committed_run,
    file_digest,
    import_run_create,
    import_run_finish,
    import_run_progress,
    import_run_start,
)

__all__ = ["ImportResult", "RowError", "run_import", "IMPORTERS"]

log = logging.getLogger(__name__)

IMPORTERS: dict[str, ModuleType] = {
    "units": import_units,
    "roster": import_roster,
    "offquota": import_offquota,
}
SUMMARY_ERRORS = 200  # errors kept in the run's summary (the report has all)
REPORT_NAME = "错误报告.xlsx"


def default_report_path(run: ImportRun) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(run.pk) / REPORT_NAME


@contextlib.contextmanager
def _without_cycle_collector():
    """Pause Python's cyclic garbage collector for the import.

    A city file makes millions of long-lived objects (rows, persons, audit
    records); every full collection walks all of them, which cost ~17 % of a
    200,000-row import (bench/import_roster.py). Reference counting still frees
    what the import drops; the collector resumes (and runs) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def run_import(
    *,
    actor: Actor,
    kind: str,
    path,
    filename: str | None = None,
    commit: bool = False,
    valid_only: bool = False,
    accept_excess: bool = False,
    run: ImportRun | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    report_path=None,
    today=None,
) -> ImportResult:
    """Import `path` as `kind` (units / roster / offquota); see the module doc.

    Raises nothing for a bad file or bad rows: every problem is a RowError of
    the result. `report_path`: write the Chinese error report there (with a
    `run` and errors it goes to MEDIA_ROOT/imports/<run id>/错误报告.xlsx).
    `today`: the import (load) date, default today.
    """
    with _without_cycle_collector():
        return _run_import(
            actor=actor,
            kind=kind,
            path=path,
            filename=filename,
            commit=commit,
            valid_only=valid_only,
            accept_excess=accept_excess,
            run=run,
            progress=progress,
            report_path=report_path,
            today=today,
        )


def _run_import(
    *,
    actor: Actor,
    kind: str,
    path,
    filename: str | None,
    commit: bool,
    valid_only: bool,
    accept_excess: bool,
    run: ImportRun | None,
    progress: Callable[[int, int | None], None] | None,
    report_path,
    today,
) -> ImportResult:
    filename = filename or Path(str(path)).name
    today = today or timezone.localdate()
    mode = _mode(commit, valid_only, accept_excess)
    if run is not None:
        import_run_start(run=run)
    base = {"kind": kind, "filename": filename, "dry_run": not commit}
    if kind not in IMPORTERS:
        return _refused(
            base, run, actor, report_path, "", 0, mode,
            ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"导入类型应为 {'、'.join(ImportKind.values)}",
            ),
        )  # fmt: skip
    if not actor.is_office:
        return _refused(
            base, run, actor, report_path, "", 0, mode,
            ApplicationError(ErrorCode.ROLE_FORBIDDEN, "导入数据须由编办人员办理"),
        )  # fmt: skip
    try:
        table = open_table(path, SCHEMAS[kind])
    except ApplicationError as exc:
        sha, size = _digest_or_empty(path)
        return _refused(base, run, actor, report_path, sha, size, mode, exc)
    except Exception as exc:  # noqa: BLE001 — never a 500
        log.exception("import: cannot open %s", path)
        sha, size = _digest_or_empty(path)
        return _refused(
            base, run, actor, report_path, sha, size, mode,
            ApplicationError(ErrorCode.FILE_UNREADABLE, f"读取文件出错（{type(exc).__name__}）"),
        )  # fmt: skip
    prior = committed_run(kind, table.sha256)
    if prior is not None:
        when = timezone.localtime(prior.finished_at).strftime("%Y-%m-%d %H:%M")
        return _refused(
            base, run, actor, report_path, table.sha256, table.size, mode,
            ApplicationError(
                ErrorCode.DUPLICATE_IMPORT,
                f"已于{when}导入（导入人：{prior.created_by_name or '系统'}，"
                f"导入任务{prior.pk}，文件 {prior.filename}），本次未写入任何数据",
            ),
            duplicate=True,
        )  # fmt: skip
    if run is not None and table.total_hint is not None:
        import_run_progress(run=run, rows_done=0, rows_total=table.total_hint)

    def on_read(done: int, total: int | None) -> None:
        if run is not None:
            import_run_progress(run=run, rows_done=done, rows_total=total)
        if progress is not None:
            progress(done, total)

    ctx = Context(
        actor=actor,
        kind=kind,
        table=table,
        filename=filename,
        commit=commit,
        valid_only=valid_only,
        accept_excess=accept_excess,
        today=today,
        on_read=on_read,
        on_apply=progress,
    )
    module = IMPORTERS[kind]
    try:
        plan = module.read(ctx)
    except Exception as exc:  # noqa: BLE001 — a reader failing mid-file
        log.exception("import: reading %s failed", path)
        error = (
            exc
            if isinstance(exc, ApplicationError)
            else ApplicationError(
                ErrorCode.FILE_UNREADABLE, f"读取文件出错（{type(exc).__name__}）"
            )
        )
        return _refused(
            base, run, actor, report_path, table.sha256, table.size, mode, error
        )
    on_read(ctx.rows, ctx.rows)
    if ctx.rows == 0:
        ctx.add(0, None, "", "文件中没有数据行", ErrorCode.FILE_UNREADABLE)

    kept = False
    result: ImportResult | None = None
    report = None
    try:
        with transaction.atomic():
            accepted, batch_id = module.apply(ctx, plan)
            kept = bool(commit and accepted > 0 and (valid_only or not ctx.errors))
            result = _result(base, ctx, table, mode, kept, accepted, batch_id)
            report = _write_report(result, run, report_path)
            if kept:
                record = run or import_run_create(
                    actor=actor,
                    kind=kind,
                    filename=filename,
                    path=path,
                    commit=True,
                    valid_only=valid_only,
                    accept_excess=accept_excess,
                    sha256=table.sha256,
                    size=table.size,
                )
                import_run_finish(
                    actor=actor, run=record, result=result, report_path=report or ""
                )
                result.run_id = record.pk
            else:
                transaction.set_rollback(True)
    except ApplicationError as exc:
        # The whole transaction is gone (a concurrent import of the same file
        # or of the same persons): nothing of this file was kept.
        kept = False
        ctx.errors.append(RowError(0, "", "", exc.message, str(exc.code)))
        result = _result(base, ctx, table, mode, False, 0, "")
        result.duplicate = exc.code == ErrorCode.DUPLICATE_IMPORT
        report = _write_report(result, run, report_path)
    except Exception as exc:  # noqa: BLE001 — never a 500
        log.exception("import: applying %s failed", path)
        kept = False
        ctx.errors.append(
            RowError(
                0, "", "",
                f"导入时发生内部错误（{type(exc).__name__}），未写入任何数据",
                str(ErrorCode.VALUE_INVALID),
            )
        )  # fmt: skip
        result = _result(base, ctx, table, mode, False, 0, "")
        report = _write_report(result, run, report_path)
    assert result is not None
    if run is not None and not kept:
        import_run_finish(actor=actor, run=run, result=result, report_path=report or "")
        result.run_id = run.pk
    return result


# --- helpers --------------------------------------------------------------------------


def _mode(commit: bool, valid_only: bool, accept_excess: bool) -> str:
    text = "导入（写入）" if commit else "检查（不写入）"
    if valid_only:
        text += "，仅导入有效行"
    if accept_excess:
        text += "，允许超编导入"
    return text


def _digest_or_empty(path) -> tuple[str, int]:
    try:
        return file_digest(path)
    except OSError:
        return "", 0


def _summary(result: ImportResult, mode: str, size: int, extra: dict) -> dict:
    written = result.accepted if result.committed else 0
    if result.committed:
        outcome = f"已写入{written}行"
    elif result.dry_run:
        outcome = "检查完成，未写入" + (
            "（有错误）" if result.errors else "（全部有效）"
        )
    else:
        outcome = "有错误，未写入任何数据"
    return {
        "filename": result.filename,
        "sha256": result.sha256,
        "size": size,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        "mode": mode,
        "rows": result.rows,
        "accepted": result.accepted,
        "refused": result.refused,
        "written": written,
        "result": outcome,
        "by_code": result.counts_by_code(),
        "errors": [e.as_dict() for e in result.errors[:SUMMARY_ERRORS]],
        "error_count": len(result.errors),
        **extra,
    }


def _result(
    base: dict, ctx: Context, table, mode: str, kept: bool, accepted: int, batch_id: str
) -> ImportResult:
    errors = sorted_errors(ctx.errors)
    bad = ctx.bad_lines
    refused = len(bad)
    file_level = any(not e.line for e in errors)
    valid = 0 if file_level and not kept else max(ctx.rows - refused, 0)
    result = ImportResult(
        **base,
        sha256=table.sha256,
        committed=kept,
        duplicate=False,
        rows=ctx.rows,
        accepted=accepted if kept else valid,
        refused=refused,
        errors=errors,
    )
    extra = {
        "format": getattr(table, "format", ""),
        "header_line": getattr(table, "header_line", None),
        "ignored_headers": list(table.ignored_headers or []),
    }
    if batch_id and kept:
        extra["batch_id"] = batch_id
    result.summary = _summary(result, mode, table.size, extra)
    return result


def _write_report(
    result: ImportResult, run: ImportRun | None, report_path
) -> str | None:
    target = report_path
    if target is None and run is not None and result.errors:
        target = default_report_path(run)
    if target is None:
        return None
    title = (
        ImportKind(result.kind).label
        if result.kind in ImportKind.values
        else result.kind
    )
    write_error_report(result.errors, target, title=title, summary=result.summary)
    return str(target)


def _refused(
    base: dict,
    run: ImportRun | None,
    actor: Actor,
    report_path,
    sha: str,
    size: int,
    mode: str,
    exc: ApplicationError,
    *,
    duplicate: bool = False,
) -> ImportResult:
    """A file refused as a whole (unreadable, duplicate …): nothing read or written."""
    error = RowError(0, "", "", exc.message, str(exc.code))
    result = ImportResult(
        **base,
        sha256=sha,
        committed=False,
        duplicate=duplicate,
        rows=0,
        accepted=0,
        refused=0,
        errors=[error],
    )
    result.summary = _summary(result, mode, size, {})
    report = _write_report(result, run, report_path)
    if run is not None:
        import_run_finish(actor=actor, run=run, result=result, report_path=report or "")
        result.run_id = run.pk
    return result
