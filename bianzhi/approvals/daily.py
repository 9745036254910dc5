"""The approvals part of `bianzhi daily`: overdue warnings and kinds' expiries.

Idempotent. A step that passed its due date is marked (warned_on) and
reported once as new; later runs only count it among the open overdue
steps. Each registered kind hook (engine.register_daily, e.g. permits that
expire and release their reservation) runs after, in registration order.
"""

from __future__ import annotations

import datetime as dt

from bianzhi.core.actor import Actor

from . import engine, selectors, services


def run(*, actor: Actor, today: dt.date) -> list[str]:
    lines: list[str] = []
    for stage in services.stages_mark_overdue(actor=actor, today=today):
        request = stage.request
        label = engine.step_label(request.kind, stage.step)
        lines.append(
            f"逾期：{request.serial}「{request.title}」{label}"
            f"（应于{stage.due_on}前办结）"
        )
    still = selectors.overdue(today).count()
    if still:
        lines.append(f"审批环节逾期共 {still} 个")
    for _kind, hook in engine.daily_hooks():
        lines += hook(actor=actor, today=today)
    return lines
