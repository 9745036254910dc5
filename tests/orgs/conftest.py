"""Fixtures of the orgs tests, built through the services (never the ORM)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services
from bianzhi.orgs.models import (
    AgencyCap,
    InternalBody,
    Mandate,
    Region,
    Unit,
    UnitChange,
)
from bianzhi.quota.models import LeaderPostQuota

TODAY = dt.date(2026, 6, 1)
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
LEADER = Actor(user_id=2, name="李四", role="office_leader", scope="region:990100")
UNIT_HR = Actor(user_id=3, name="王五", role="unit_hr", scope="unit:1")
DOC = "示编〔2026〕1号"


def _state() -> dict:
    models = (
        Region,
        Unit,
        UnitChange,
        InternalBody,
        Mandate,
        AgencyCap,
        LeaderPostQuota,
    )
    state = {m.__name__: list(m.objects.order_by("pk").values()) for m in models}
    state["AuditEvent"] = AuditEvent.objects.count()
    return state


@contextmanager
def refused(code):
    """The call inside raises `code` and changes nothing (rows, audit events)."""
    before = _state()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    assert _state() == before


@pytest.fixture
def regions(db):
    province = services.region_create_local(
        actor=OFFICE, code="990000", name="示例省", level="province"
    )
    city = services.region_create_local(
        actor=OFFICE, code="990100", name="示例市", level="city", parent=province
    )
    district = services.region_create_local(
        actor=OFFICE, code="990102", name="示例区", level="county", parent=city
    )
    return province, city, district


@pytest.fixture
def city(regions):
    return regions[1]


def establish(region, name, kind="gov_dept", rank="division", **kwargs):
    kwargs.setdefault("doc_no", DOC)
    kwargs.setdefault("effective_date", TODAY)
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("actor", OFFICE)
    return services.unit_establish(
        region=region, name=name, kind=kind, rank=rank, **kwargs
    )
