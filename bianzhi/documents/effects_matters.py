"""Documents for establishment matters (issue 5, DOMAIN §4 item 5).

- After a matter's changes are applied (at the committee's approval or by
  `bianzhi daily` on its effective date), the establishment certificate
  (机构编制管理证) of every unit it changed that is still active is re-issued,
  in the same transaction: a rendering or signing failure refuses the
  approval (or flags the scheduled matter) and nothing changes. A revoked or
  merged unit keeps its last certificate (the register shows its status).
- Argumentation and closure evidence name uploaded files (attachments belong
  to this app): they must exist and be the actor's own uploads or already
  belong to the request.

The matters app (below) cannot import documents: it offers hooks
(matters.hooks) and this module registers into them from DocumentsConfig.ready().
"""

from __future__ import annotations

import datetime as dt

from bianzhi.approvals import engine
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.matters import hooks
from bianzhi.matters.kinds import KINDS as MATTER_KINDS
from bianzhi.orgs.models import Unit

from .models import Attachment
from .services import certificate_issue


def reissue_certificates(matter, unit_ids: list[int], actor: Actor, today: dt.date):
    issued = []
    units = Unit.objects.select_related("region").filter(pk__in=unit_ids)
    for unit in units.order_by("pk"):
        if not unit.is_active:
            continue
        document = certificate_issue(actor=actor, unit=unit, as_of=today)
        issued.append(document.pk)
    matter.certificate_ids = [*matter.certificate_ids, *issued]


def check_attachments(actor: Actor, ids: list[int], request) -> None:
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "附件编号格式不正确", field="attachment_ids"
        )
    request_id = getattr(request, "pk", None)
    owned = {
        a.pk
        for a in Attachment.objects.filter(pk__in=ids)
        if a.uploaded_by_id == actor.user_id
        or (
            request_id
            and a.owner_type == "approval_request"
            and a.owner_id == request_id
        )
    }
    missing = [i for i in ids if i not in owned]
    if missing:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"附件不存在：{'、'.join(map(str, missing))}",
            field="attachment_ids",
        )


def check_request_attachments(request, actor: Actor, today: dt.date) -> None:
    """Submit-time: the files named on a matter's request are real uploads."""
    check_attachments(actor, list(request.payload.get("attachment_ids") or []), request)


def register() -> None:
    for kind in MATTER_KINDS:
        engine.register_validator(kind, check_request_attachments)
    hooks.register_after_apply(reissue_certificates)
    hooks.register_attachment_check(check_attachments)
