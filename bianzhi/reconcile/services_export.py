"""The download of a run's findings: full ID numbers leave the system, so
each export is recorded in the audit trail (who, which run, how many rows)."""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows

from .models import ReconcileRun
from .report import write_csv, write_xlsx

WRITERS = {"xlsx": write_xlsx, "csv": write_csv}


def findings_export(*, actor: Actor, run: ReconcileRun, fmt: str, path: Path) -> int:
    """Write the run's findings to `path` (.xlsx: one sheet per rule and a
    per-unit summary; .csv: one finding per row); rows written."""
    if not (
        actor.is_system
        or role_allows(actor.role, Permission.RUN_RECONCILE)
        or role_allows(actor.role, Permission.REVIEW_FINDING)
    ):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "当前角色无权导出比对结果")
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "导出格式应为 xlsx 或 csv")
    rows = writer(run, path)
    with transaction.atomic():
        audit.record(
            actor=actor,
            operation="reconcile_export",
            records=[
                {
                    "model": "reconcile.export",
                    "pk": None,
                    "before": None,
                    "after": {
                        "run": run.pk,
                        "month": f"{run.month:%Y-%m}",
                        "format": fmt,
                        "rows": rows,
                        "full_id": True,
                    },
                }
            ],
            summary=f"导出{run.month:%Y-%m}数据比对结果（第{run.pk}次，{rows}行，含完整身份证号）",
        )
    return rows
