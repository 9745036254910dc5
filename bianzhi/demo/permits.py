"""Permits (用编核准) of the demo city: every intake after the initial load
through a channel that needs one (VALUES.md: 考录, 招聘, 调任/转任/调入, 选调生)
consumes a permit of the same unit, account and channel, as the roster's
permit hook requires (settings.ROSTER_PERMITS_REQUIRED).

Two ways, both through quota.permits' effect (the account's reservation is
right: + count at issue, − 1 per intake):

- History (`history_permit`): the generator's back-dated intakes since 2015
  get a one-intake permit each just before the intake, recorded by
  quota.permits.permit_record as the system actor (one audit event each), as
  an office migrating its paper approvals would: no approvals request, the
  paper approval's document number instead, a "（历史）" number. The intakes
  are entered today (the services' `today`), and the hook judges validity on
  that day, so these permits are dated today — used up at once, they never
  show as active.
- Today (`workflow_permits`): after the logins exist, 市教育局's HR applies for
  quota use through the real quota_use workflow (edu_hr → office → 组织部 joint
  review → leader): one application approved (the permit, its reservation and
  the signed permit document with the vacancy proof), one waiting for the
  leader, and one approved and then cancelled by the office (its reservation
  released, its document void), so the approval pages and the permit list
  have something to show.
"""

from __future__ import annotations

import datetime as dt

from bianzhi.roster.permit_hook import permits_required
from bianzhi.roster.values import CHANNEL, PermitNeed, channel_permit_need


def needs_permit(channel: str) -> bool:
    """The intake consumes a permit (with the hook switched off none is
    consumed, so none is issued: its reservation would stay behind)."""
    return channel_permit_need(channel) == PermitNeed.YES and permits_required()


def history_permit(events, slot, channel: str) -> str:
    """Record a one-intake permit for `slot`'s account; returns its number."""
    from bianzhi.quota.permits import permit_record

    events.counts["permits"] += 1
    n = events.counts["permits"]
    number = f"编准（历史）{n:05d}"
    permit_record(
        actor=events.actor,
        unit_id=slot.unit.pk,
        account_id=slot.account_id,
        channel=channel,
        count=1,
        doc_no=f"示例编办〔历史〕{n:05d}号",
        number=number,
        today=events.today,
        summary=f"补录用编核准{number}（{CHANNEL.label(channel)}1名，示例数据：实名制历史）",
    )
    return number


# --- the quota_use workflow, as the demo logins would walk it -----------------------


def _actor(username: str):
    from django.contrib.auth import get_user_model

    from bianzhi.accounts.access import actor_from, assignments

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        return None
    found = assignments(user)
    return actor_from(user, found[0]) if found else None


def _apply(hr, unit, account, count: int, today: dt.date):
    from bianzhi.approvals import services

    request = services.request_create(
        actor=hr,
        kind="quota_use",
        title=f"{unit.name}用编申请（公务员考录{count}名）",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="unit",
        subject_id=unit.pk,
        payload={
            "account_id": account.pk,
            "channel": "exam_recruitment",
            "count": count,
        },
    )
    return services.request_submit(actor=hr, request_id=request.pk, today=today)


def _can_sign() -> bool:
    from django.core.exceptions import ImproperlyConfigured

    from bianzhi.documents import keys

    try:
        keys.signing_files()
    except ImproperlyConfigured:
        return False
    return True


def workflow_permits(units: dict, today: dt.date) -> int:
    """Walk quota_use for 市教育局 (see the module doc); returns the requests made."""
    from bianzhi.approvals import review
    from bianzhi.quota.models import Permit, QuotaAccount
    from bianzhi.quota.permits import permit_cancel

    if not _can_sign():
        return 0  # no office certificate yet (`bianzhi setup`): no permit document
    unit = units.get("990100:市教育局")
    hr, office, leader, org = (
        _actor(name) for name in ("edu_hr", "office", "leader", "zuzhibu")
    )
    if unit is None or None in (hr, office, leader, org):
        return 0
    account = QuotaAccount.objects.filter(
        unit=unit, category_id="administrative", funding="full"
    ).first()
    if account is None or account.vacancy < 2:
        return 0
    made = 0
    plan = ((min(2, account.vacancy - 1), "approve"), (1, "wait"), (1, "cancel"))
    for count, ending in plan:
        account.refresh_from_db()
        if account.vacancy < count or count < 1:
            break
        request = _apply(hr, unit, account, count, today)
        made += 1
        review.request_approve(
            actor=office, request_id=request.pk, step="office_review", today=today
        )
        request.refresh_from_db()
        if request.current_step == "joint_review":
            review.request_opinion(
                actor=org,
                request_id=request.pk,
                step="joint_review",
                opinion="agree",
                today=today,
            )
        if ending == "wait":
            continue
        review.request_approve(
            actor=leader,
            request_id=request.pk,
            step="leader_approval",
            comment="同意",
            today=today,
        )
        if ending == "cancel":
            permit_cancel(
                actor=office,
                permit_id=Permit.objects.get(request_id=request.pk).pk,
                reason="招考计划调整，单位申请退回名额",
                today=today,
            )
    return made
