"""Who may read or cancel which quota-use permit (用编核准), shared by the page
and the API: a permit is read under VIEW_ORGS over its unit and cancelled
under MANAGE_QUOTA (the office); outside the user's scope it does not exist
(404), in scope without the role it is refused (403)."""

from __future__ import annotations

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.quota.models import Permit

from .access import access_unit


def readable_permit(user, permit_id) -> Permit:
    return _permit(user, permit_id, Permission.VIEW_ORGS)[0]


def cancelling_actor(user, permit_id) -> tuple[Permit, Actor]:
    """The permit and the office actor who may cancel it (MANAGE_QUOTA over
    its unit; access_unit answers 404 outside the scope, 403 without the role)."""
    return _permit(user, permit_id, Permission.MANAGE_QUOTA)


def _permit(user, permit_id, permission: str) -> tuple[Permit, Actor]:
    permit = (
        Permit.objects.select_related("unit", "account__category", "plan_line")
        .filter(pk=permit_id)
        .first()
    )
    if permit is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _unit, actor = access_unit(user, permit.unit_id, permission)
    return permit, actor
