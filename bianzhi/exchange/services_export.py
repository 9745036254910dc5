"""The audit record of an export: who took which data out, how much of it,
and whether the ID numbers in it were complete (issue 4, privacy)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent

KIND_LABELS = {
    "roster": "实名制人员信息",
    "units": "机构编制台账",
    "offquota": "编外人员",
}


def export_record(
    *,
    actor: Actor,
    kind: str,
    rows: int,
    full_id: bool,
    as_of: dt.date | None,
    scope: str,
) -> AuditEvent:
    """One audit event for one export (operation "data_export")."""
    details = {
        "kind": kind,
        "rows": rows,
        "full_id": full_id,
        "as_of": as_of.isoformat() if as_of else None,
        "scope": scope,
    }
    label = KIND_LABELS.get(kind, kind)
    ids = "含完整身份证号" if full_id else "身份证号已脱敏"
    when = f"（截至{as_of:%Y-%m-%d}）" if as_of else ""
    with transaction.atomic():
        return audit.record(
            actor=actor,
            operation="data_export",
            records=[
                {
                    "model": "exchange.export",
                    "pk": None,
                    "before": None,
                    "after": details,
                }
            ],
            summary=f"导出{label}{when}{rows}行，{ids}，范围 {scope}",
        )
