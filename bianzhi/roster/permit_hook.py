"""The roster's permit hook, switched on (DOMAIN §3.4, issue 5).

An intake through a channel that needs a permit (VALUES.md; take_post calls
the hook only for those — the initial load needs none) must name or find an
active, unexpired permit of the same unit, account (category × funding) and
channel with a count left; it consumes one with quota.permits.permit_use in
the enrollment's transaction, and the intake converts the permit's
reservation into the posting (PermitDecision.converts_reservation).

settings.ROSTER_PERMITS_REQUIRED switches the check; it is on in base
settings (every intake through such a channel, from the forms, the API,
imports other than the initial load, transfers and in-unit account changes,
needs its permit). Tests about something else get a permit as the workflow
would issue it (tests/conftest.py grant_permit); a test may switch the
setting off only to test the roster without permits. Installed by
RosterConfig.ready(), which also gives the quota kinds the channel → partner
department table.

Validity is judged on the enrolling service's `today` (the day the intake is
entered), not on its start date: a back-dated intake is entered now, against
a permit in force now (an expired permit has released its reservation).

A permit backed by intake credits (Permit.by_credit) holds no reservation:
its intake takes a vacancy if one has opened since, else one of the
account's credits (roster.rules.can_take_intake).
"""

from __future__ import annotations

from django.conf import settings

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota import kinds as quota_kinds
from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.permits import permit_use, usable_permit

from .services_common import PermitDecision, set_permit_hook
from .values import joint_review_department


def permits_required() -> bool:
    return bool(getattr(settings, "ROSTER_PERMITS_REQUIRED", False))


def permit_hook(*, channel, unit, category, funding, permit, start_date, today):
    if not permits_required():
        return None
    account = QuotaAccount.objects.filter(
        unit_id=unit.pk, category_id=category.pk, funding=funding
    ).first()
    found = None
    if account is not None:
        found = usable_permit(
            unit_id=unit.pk,
            account_id=account.pk,
            channel=channel,
            today=today,
            ref=permit,
        )
    if found is None:
        named = f"（{permit}）" if permit else ""
        raise ApplicationError(
            ErrorCode.PERMIT_REQUIRED,
            f"{unit.name}无与编制类型、经费形式和进入方式相符的有效用编核准{named}",
            field="permit",
        )
    return consume(found, today)


def consume(permit, today) -> PermitDecision:
    """One intake on `permit` (quota.permits.permit_use): a reserving permit's
    slot becomes the posting; a credit permit's intake takes a vacancy or a
    credit. Also the enrollment filing's hook (kinds_enrollment)."""
    change = permit_use(permit=permit, count=1, today=today)
    return PermitDecision(
        converts_reservation=not permit.by_credit, changes=[change], ref=permit.number
    )


def register() -> None:
    set_permit_hook(permit_hook)
    quota_kinds.set_channel_rules(joint_review_department)
