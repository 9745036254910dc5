"""A matter's steps are passed by the office's step services (services_matters:
matter_argue, matter_meeting), which write the step's record and then approve
in the same transaction. This check, registered with the approvals engine,
refuses the generic approve button at those steps until this round's record
exists, so a matter cannot move on without its argumentation or minutes."""

from __future__ import annotations

import datetime as dt

from bianzhi.approvals.kinds import APPROVE
from bianzhi.approvals.models import Decision, Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from .kinds import ARGUMENTATION, OFFICE_MEETING
from .models import Matter


def _round_started(request: Request):
    submit = (
        Decision.objects.filter(
            request=request, round=request.round, action=Decision.Action.SUBMIT
        )
        .order_by("-pk")
        .values_list("created_at", flat=True)
        .first()
    )
    return submit


def records_before_passing(
    request: Request, step: str, action: str, actor: Actor, today: dt.date
) -> None:
    if action != APPROVE or step not in (ARGUMENTATION, OFFICE_MEETING):
        return
    # The matter row is made by its first step service: none yet = nothing recorded.
    matter = Matter.objects.filter(request=request).first()
    since = _round_started(request)
    argued = (
        matter is not None
        and matter.argued_at is not None
        and (since is None or matter.argued_at >= since)
    )
    if not argued:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "本轮尚未录入论证意见，请在机构编制事项页面的「论证」环节办理",
            field="hearing_notes",
        )
    if step == OFFICE_MEETING and not (matter and matter.meeting_minutes):
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "尚未录入编办主任办公会纪要，请在机构编制事项页面办理",
            field="minutes",
        )
