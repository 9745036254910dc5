"""Arrangement of the plan / permit tests: real users with real roles (the
approvals engine's scope resolver), units and quota through the services."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from bianzhi.approvals import review, services
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.core.roles import Role
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from bianzhi.quota.models import Permit, PlanLine, QuotaAccount, RecruitmentPlan
from bianzhi.roster import services as roster
from tests.approvals.conftest import _actor
from tests.roster.helpers import _ensure_categories, person_data

SYSTEM = Actor.system()
PAST = dt.date(2020, 1, 1)
ADM, INS = "administrative", "institutional"
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")


def today() -> dt.date:
    return timezone.localdate()


def _establish(region, name, kind="gov_dept", rank="division", **kw):
    return orgs.unit_establish(
        actor=SYSTEM,
        region=region,
        name=name,
        kind=kind,
        rank=rank,
        doc_no="示编〔2020〕1号",
        effective_date=PAST,
        reason="补录",
        today=PAST,
        **kw,
    )


def _give(target, category, funding, amount, *, region=False):
    common = dict(
        actor=SYSTEM,
        category=category,
        funding=funding,
        amount=amount,
        doc_no="示编〔2020〕2号",
        effective_date=PAST,
        reason="补录",
        today=PAST,
    )
    if region:
        return quota.quota_increase_total(region=target, **common)
    return quota.quota_grant(unit=target, **common)


def make_world(settings) -> SimpleNamespace:
    """Called by each test module's `world` fixture (with db and settings)."""
    settings.ROSTER_PERMITS_REQUIRED = True
    _ensure_categories()
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city"
    )
    _give(city, ADM, "full", 20, region=True)
    _give(city, INS, "full", 20, region=True)
    bureau = _establish(city, "示例市财政局")
    school = _establish(
        city,
        "示例市第一中学",
        kind="institution",
        rank="section",
        institution_class="public_welfare_1",
        sector="P",
        parent=bureau,
    )
    _give(bureau, ADM, "full", 3)
    _give(school, INS, "full", 2)
    w = SimpleNamespace(city=city, bureau=bureau, school=school)
    w.hr = _actor(Role.UNIT_HR, bureau, name="财政局人事")
    w.school_hr = _actor(Role.UNIT_HR, school, name="一中人事")
    w.supervisor = _actor(Role.SUPERVISING_DEPT, bureau, name="财政局主管")
    w.office = _actor(Role.OFFICE_ADMIN, city, name="编办审核员")
    w.leader = _actor(Role.OFFICE_LEADER, city, name="编办主任")
    w.org = _actor(Role.PARTNER_REVIEWER, city, department="组织部", name="组织部")
    w.hrss = _actor(Role.PARTNER_REVIEWER, city, department="人社局", name="人社局")
    w.adm = QuotaAccount.objects.get(unit=bureau, category_id=ADM, funding="full")
    w.ins = QuotaAccount.objects.get(unit=school, category_id=INS, funding="full")
    return w


def counters(account: QuotaAccount) -> tuple[int, int, int]:
    account.refresh_from_db()
    return account.approved, account.occupied, account.reserved


def submit(kind, actor, unit, payload, title="申请"):
    request = services.request_create(
        actor=actor,
        kind=kind,
        title=title,
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="unit",
        subject_id=unit.pk,
        payload=payload,
    )
    return services.request_submit(actor=actor, request_id=request.pk)


def approve(actor, request, step, **kw):
    return review.request_approve(actor=actor, request_id=request.pk, step=step, **kw)


def opinion(actor, request, text="agree"):
    return review.request_opinion(
        actor=actor,
        request_id=request.pk,
        step="joint_review",
        opinion=text,
    )


def permit_walk(w, *, count=2, channel="exam_recruitment", approve_on=None, **extra):
    """A quota-use application of the bureau through to the permit."""
    request = submit(
        "quota_use",
        w.hr,
        w.bureau,
        {"account_id": w.adm.pk, "channel": channel, "count": count, **extra},
    )
    approve(w.office, request, "office_review")
    request.refresh_from_db()
    if request.current_step == "joint_review":
        opinion(w.org, request)
    approve(w.leader, request, "leader_approval", today=approve_on)
    return Permit.objects.get(request_id=request.pk)


def enroll(unit, n, *, category=ADM, permit=None, channel="考录", on=None, **over):
    on = on or today()
    return roster.person_enroll(
        actor=OFFICE,
        unit=unit,
        category=category,
        funding="full",
        person=person_data(n, **over),
        channel=channel,
        start_date=on,
        today=on,
        doc_no="示编〔2026〕9号",
        permit=permit,
    )


def events(operation: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(operation=operation).order_by("seq"))


__all__ = [
    "PlanLine",
    "Permit",
    "RecruitmentPlan",
    "approve",
    "counters",
    "enroll",
    "events",
    "opinion",
    "permit_walk",
    "submit",
    "today",
    "make_world",
]
