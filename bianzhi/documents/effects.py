"""Documents issued by approval effects (issue 5): the permit PDF.

Layering: quota (below) registers the quota_use effect permits.permit_issue;
documents (above quota) cannot be imported by it. The engine keeps ONE
effect per kind and has no chaining, so this module replaces the effect of
"quota_use" with a wrapper: the quota effect first (the permit and its
reservation), then the signed 用编核准通知书 with the vacancy proof, in the
same transaction — a rendering or signing failure refuses the approval and
nothing changes.

Decision (to be confirmed by the lead): document_issue is its own business
operation and records its own "document_issue" audit event (the document
register). It runs inside the approval's transaction, before the approval's
event, which stays the last write; the effect's own changes (permit, account)
still join the approval's event as the engine requires.

register() must run after QuotaConfig.ready() (documents is installed after
quota): DocumentsConfig.ready() is the place (requested from the lead; not
yet wired, so in this tree the permit is issued without its PDF).
"""

from __future__ import annotations

import datetime as dt

from bianzhi.approvals import engine
from bianzhi.core.actor import Actor
from bianzhi.orgs.models import Unit
from bianzhi.quota import permits
from bianzhi.quota.kinds import QUOTA_USE
from bianzhi.quota.models import Funding, Permit
from bianzhi.roster.values import Channel

from .contexts import _accounts
from .kinds import ACCOUNT_ROW
from .models import Document
from .services import document_issue


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def permit_context(permit: Permit, request, today: dt.date) -> dict:
    account = permit.account
    return {
        "permit_no": permit.number,
        "request_no": request.serial or str(request.pk),
        "category": account.category.name,
        "funding": _label(Funding, account.funding),
        "channel": _label(Channel, permit.channel),
        "count": permit.count,
        "approved_on": permit.valid_from,
        "valid_until": permit.valid_until,
        "vacancy_as_of": today,
        "accounts": [
            {k: row[k] for k in ACCOUNT_ROW} for row in _accounts(permit.unit, today)
        ],
        "unit_name": permit.unit.name,
        "unit_uscc": permit.unit.uscc or "",
    }


def permit_issue_with_document(request, actor: Actor, today: dt.date) -> list[dict]:
    changes = permits.permit_issue(request, actor, today)
    permit = Permit.objects.select_related("account__category", "unit__region").get(
        request_id=request.pk
    )
    document_issue(
        actor=actor,
        kind="permit",
        subject_type="permit",
        subject_id=permit.pk,
        context=permit_context(permit, request, today),
        unit=Unit.objects.select_related("region").get(pk=permit.unit_id),
        issued_on=today,
    )
    return changes


def permit_document(permit: Permit) -> Document | None:
    return (
        Document.objects.filter(subject_type="permit", subject_id=permit.pk)
        .order_by("-pk")
        .first()
    )


def register() -> None:
    engine.register_effect(QUOTA_USE, permit_issue_with_document)


def unregister() -> None:
    """Back to the plain quota effect (tests)."""
    engine.register_effect(QUOTA_USE, permits.permit_issue)
