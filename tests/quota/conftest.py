"""Fixtures of the quota tests.

Regions and units are created with the ORM (arrangement only: the orgs
services were written in parallel); every quota change goes through the
quota services.
"""

from __future__ import annotations

import datetime as dt
import importlib
from contextlib import contextmanager

import pytest
from django.apps import apps

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota import services
from bianzhi.quota.models import (
    Loan,
    QuotaAccount,
    QuotaCategory,
    QuotaEntry,
    QuotaMovement,
)

TODAY = dt.date(2026, 6, 15)
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
LEADER = Actor(user_id=2, name="李四", role="office_leader", scope="region:990100")
UNIT_HR = Actor(user_id=3, name="王五", role="unit_hr", scope="unit:1")
DOC = "示编〔2026〕1号"
ADM, INS, LOG, PL = "administrative", "institutional", "logistics", "political_legal"


def state() -> dict:
    """Everything a quota service may change."""
    return {
        "accounts": list(QuotaAccount.objects.order_by("pk").values()),
        "movements": list(QuotaMovement.objects.order_by("pk").values()),
        "entries": QuotaEntry.objects.count(),
        "loans": list(Loan.objects.order_by("pk").values()),
        "audit": AuditEvent.objects.count(),
    }


@contextmanager
def refused(code):
    """The call inside raises `code` and changes nothing (rows, audit events)."""
    before = state()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    assert state() == before


def approved(unit_or_region, category=ADM, funding="full", holder="unit") -> int:
    qs = QuotaAccount.objects.filter(category_id=category, funding=funding)
    if holder == "unit":
        qs = qs.filter(unit=unit_or_region)
    else:
        qs = qs.filter(region=unit_or_region, holder_kind=holder)
    account = qs.first()
    return account.approved if account else 0


def account(unit, category=ADM, funding="full") -> QuotaAccount:
    return QuotaAccount.objects.get(unit=unit, category_id=category, funding=funding)


def common(**kwargs) -> dict:
    kwargs.setdefault("actor", OFFICE)
    kwargs.setdefault("doc_no", DOC)
    kwargs.setdefault("effective_date", TODAY)
    kwargs.setdefault("today", TODAY)
    return kwargs


def make_unit(region, name, kind, **kwargs) -> Unit:
    kwargs.setdefault("rank", "division")
    kwargs.setdefault("established_on", dt.date(2020, 1, 1))
    kwargs.setdefault("established_doc_no", "示编〔2020〕1号")
    return Unit.objects.create(region=region, name=name, kind=kind, **kwargs)


def ensure_national_categories() -> None:
    """A transactional test elsewhere may have flushed the seeded categories."""
    if QuotaCategory.objects.filter(is_national=True).count() < 5:
        seed = importlib.import_module("bianzhi.quota.migrations.0002_seed_categories")
        QuotaCategory.objects.filter(is_national=True).delete()
        seed.seed(apps, None)


@pytest.fixture
def city(db):
    ensure_national_categories()
    return Region.objects.create(
        code="990100", name="示例市", level="city", is_local=True
    )


@pytest.fixture
def district(city):
    return Region.objects.create(
        code="990102", name="示例区", level="county", parent=city, is_local=True
    )


@pytest.fixture
def units(city):
    """A cast of units of different kinds in the city."""
    return {
        "finance": make_unit(city, "示例市财政局", "gov_dept"),
        "audit": make_unit(city, "示例市审计局", "gov_dept"),
        "party": make_unit(city, "示例市委组织部", "party_dept"),
        "court": make_unit(city, "示例市中级人民法院", "court"),
        "school": make_unit(city, "示例市第一中学", "institution", rank="section"),
        "town": make_unit(city, "示例镇", "township", rank="section"),
        "group": make_unit(city, "示例市某领导小组", "coordination", rank="unranked"),
        "gone": make_unit(
            city,
            "示例市已撤销局",
            "gov_dept",
            status="revoked",
            revoked_on=dt.date(2025, 1, 1),
            revoked_doc_no="示编〔2025〕1号",
        ),
        "new": make_unit(
            city, "示例市新设局", "gov_dept", established_on=dt.date(2026, 6, 1)
        ),
    }


@pytest.fixture
def funded(city, units):
    """City reserve: 100 administrative + 50 institutional (full); finance holds 20,
    audit 10, school 10 institutional; the pool holds 10 administrative."""
    services.quota_increase_total(
        **common(region=city, category=ADM, funding="full", amount=100)
    )
    services.quota_increase_total(
        **common(region=city, category=INS, funding="full", amount=50)
    )
    services.quota_grant(
        **common(unit=units["finance"], category=ADM, funding="full", amount=20)
    )
    services.quota_grant(
        **common(unit=units["audit"], category=ADM, funding="full", amount=10)
    )
    services.quota_grant(
        **common(unit=units["school"], category=INS, funding="full", amount=10)
    )
    services.quota_pool_fund(
        **common(region=city, category=ADM, funding="full", amount=10)
    )
    return units
