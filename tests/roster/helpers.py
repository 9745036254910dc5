"""Shared arrangement of the roster service tests, built through the orgs and
quota services (never the ORM). Fixtures are imported by the test modules."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from django.db import transaction

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.quota import leader_posts
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaAccount, QuotaCategory
from bianzhi.roster import selectors, services
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
    Secondment,
)
from bianzhi.roster.values import CHANNEL, PermitNeed, channel_permit_need, resolve
from tests.conftest import grant_permit

from .conftest import make_id

TODAY = dt.date(2026, 6, 15)  # a Monday
PAST = dt.date(2020, 1, 1)
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
LEADER = Actor(user_id=2, name="李四", role="office_leader", scope="region:990100")
DOC = "示编〔2026〕1号"
ADM, INS, LOG, PL = "administrative", "institutional", "logistics", "political_legal"


def hr(unit) -> Actor:
    return Actor(user_id=3, name="王五", role="unit_hr", scope=f"unit:{unit.pk}")


def person_data(n: int = 1, *, birth: str = "19850607", female: bool = False, **over):
    """A valid person dict; n makes the ID unique (sequence digits)."""
    seq = f"{n % 100:02d}{2 if female else 1}"
    region = over.pop("region", "110101" if n < 100 else "110102")
    data = {
        "id_number": make_id(birth, seq, region=region),
        "name": f"测试{n}",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "大学本科",
        "degree": "学士",
        "identity": "公务员",
        "work_start_date": "2008-07-01",
    }
    data.update(over)
    return data


def state() -> dict:
    """Everything a roster service may change."""
    models = (
        Person,
        Posting,
        Appointment,
        Secondment,
        OffQuotaStaff,
        RetirementException,
    )
    data = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    data["accounts"] = list(
        QuotaAccount.objects.order_by("pk").values(
            "id",
            "approved",
            "occupied",
            "reserved",
            "over_since",
            "intake_credits",
            "credits_year",
            "releases_toward_credit",
        )
    )
    data["audit"] = AuditEvent.objects.count()
    return data


@contextmanager
def refused(code):
    """The call inside raises `code` and changes nothing (rows, counters, audit)."""
    before = state()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    assert state() == before


def account(unit, category=ADM, funding="full") -> QuotaAccount:
    return QuotaAccount.objects.get(unit=unit, category_id=category, funding=funding)


def needs_permit(channel) -> bool:
    return channel_permit_need(resolve(CHANNEL, channel)) == PermitNeed.YES


def permit_for(unit, category=ADM, funding="full", channel="考录"):
    """A permit for one intake where the channel needs one, as the quota_use
    workflow would issue it (None: no permit needed, or no such account).

    A full account gets none: the issue is refused with QUOTA_FULL and the
    numbers, as the workflow's approval would be. Call it in the intake's
    transaction, so a refused intake leaves no permit behind."""
    if not needs_permit(channel):
        return None
    if not QuotaAccount.objects.filter(
        unit=unit, category_id=category, funding=funding
    ).exists():
        return None
    return grant_permit(unit, category=category, funding=funding, channel=channel)


def enroll(unit, data=None, *, category=ADM, funding="full", **kw) -> Posting:
    """An intake as units make it: through a permit where the channel needs one
    (issued in the same transaction, so a refused intake leaves no permit)."""
    kw.setdefault("actor", OFFICE)
    kw.setdefault("channel", "考录")
    kw.setdefault("start_date", TODAY)
    kw.setdefault("today", TODAY)
    kw.setdefault("doc_no", DOC)
    with transaction.atomic():
        if "permit" not in kw:
            kw["permit"] = permit_for(unit, category, funding, kw["channel"])
        return services.person_enroll(
            unit=unit,
            category=category,
            funding=funding,
            person=data if data is not None else person_data(),
            **kw,
        )


def release(posting, reason_code="退休", **kw) -> Posting:
    kw.setdefault("actor", OFFICE)
    kw.setdefault("exit_date", TODAY)
    kw.setdefault("today", TODAY)
    return services.person_release(posting=posting, reason_code=reason_code, **kw)


def _ensure_categories() -> None:
    if QuotaCategory.objects.filter(is_national=True).count() < 5:
        from django.apps import apps

        from tests.conftest import _seed_functions

        for function in _seed_functions():
            function(apps, None)


@pytest.fixture(autouse=False)
def providers():
    """Another app's test may have replaced the roster's quota providers."""
    selectors.register_providers()
    yield


@pytest.fixture
def city(db, providers):
    _ensure_categories()
    return orgs.region_create_local(
        actor=OFFICE, code="990100", name="示例市", level="city"
    )


def establish(region, name, kind="gov_dept", rank="division", **kw):
    kw.setdefault("doc_no", "示编〔2020〕1号")
    kw.setdefault("effective_date", PAST)
    kw.setdefault("reason", "补录")
    kw.setdefault("today", TODAY)
    return orgs.unit_establish(
        actor=OFFICE, region=region, name=name, kind=kind, rank=rank, **kw
    )


def give(unit_or_region, category, funding, amount, *, region=False):
    common = dict(
        actor=OFFICE,
        category=category,
        funding=funding,
        amount=amount,
        doc_no="示编〔2020〕2号",
        effective_date=PAST,
        reason="补录",
        today=TODAY,
    )
    if region:
        return quota.quota_increase_total(region=unit_or_region, **common)
    return quota.quota_grant(unit=unit_or_region, **common)


@pytest.fixture
def units(city):
    """Units of the kinds the identity rules tell apart, each with quota:
    bureau: administrative 5 + logistics 2; school: institutional full 3 +
    partial 2; cs_inst (参公 institution): institutional 2; mass (参公 群团):
    administrative 2; court: political_legal 2; other: administrative 3."""
    for category, funding, amount in (
        (ADM, "full", 100),
        (INS, "full", 50),
        (INS, "partial", 20),
        (LOG, "full", 10),
        (PL, "full", 10),
    ):
        give(city, category, funding, amount, region=True)
    made = {
        "bureau": establish(city, "示例市财政局"),
        "other": establish(city, "示例市审计局"),
        "court": establish(city, "示例市中级人民法院", kind="court"),
        "school": establish(
            city,
            "示例市第一中学",
            kind="institution",
            rank="section",
            institution_class="public_welfare_1",
            sector="P",
        ),
        "cs_inst": establish(
            city,
            "示例市机关事务服务中心",
            kind="institution",
            institution_class="administrative",
            sector="S",
            civil_service_managed=True,
        ),
        "mass": establish(
            city, "示例市总工会", kind="mass_org", civil_service_managed=True
        ),
    }
    for key, category, funding, amount in (
        ("bureau", ADM, "full", 5),
        ("bureau", LOG, "full", 2),
        ("other", ADM, "full", 3),
        ("court", PL, "full", 2),
        ("school", INS, "full", 3),
        ("school", INS, "partial", 2),
        ("cs_inst", INS, "full", 2),
        ("mass", ADM, "full", 2),
    ):
        give(made[key], category, funding, amount)
    return made


def set_leader_posts(unit, count, *, level="county", kind="chief", scope="unit", **kw):
    kw.setdefault("doc_no", "示编〔2020〕3号")
    kw.setdefault("effective_date", PAST)
    kw.setdefault("reason", "补录")
    kw.setdefault("today", TODAY)
    return leader_posts.leader_posts_set(
        actor=OFFICE, unit=unit, scope=scope, level=level, kind=kind, count=count, **kw
    )


def appoint(posting, *, level="county", kind="chief", scope="unit", **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("title", "局长")
    kw.setdefault("start_date", TODAY)
    kw.setdefault("doc_no", "示组〔2026〕5号")
    kw.setdefault("today", TODAY)
    return services.appointment_start(
        posting=posting, scope=scope, level=level, kind=kind, **kw
    )
