"""The cast and the little city every API test runs against.

Built only through services (orgs, quota, accounts) with Actor.system():
示例省 990000 ⊃ 示例市 990100 (X 发改委, Y 财政局, Z 事业单位) and 示例市二 990200
(W, out of every city user's scope). Ledger of 990100 as of 2024-01-01:
行政编制·财政拨款 total 50 → X 10, Y 8, reserve 32; 事业编制·财政拨款 total 20 → Z 6.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from rest_framework.test import APIClient

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import (
    Region,
    Unit,
)
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaMovement

SYSTEM = Actor.system()
START = dt.date(2024, 1, 1)
INIT = "初始化导入"


@dataclass
class World:
    province: Region
    city: Region
    other_city: Region
    x: Unit
    y: Unit
    z: Unit
    w: Unit
    grant_x: QuotaMovement
    grant_y: QuotaMovement


def _unit(region, name, kind="gov_dept", rank="division", **extra) -> Unit:
    return orgs.unit_establish(
        actor=SYSTEM,
        region=region,
        name=name,
        kind=kind,
        rank=rank,
        doc_no=INIT,
        effective_date=START,
        **extra,
    )


def _total(region, category, amount):
    return quota.quota_increase_total(
        actor=SYSTEM,
        region=region,
        category=category,
        funding="full",
        amount=amount,
        doc_no=INIT,
        effective_date=START,
        reason="初始化导入",
    )


def _grant(unit, category, amount):
    return quota.quota_grant(
        actor=SYSTEM,
        unit=unit,
        category=category,
        funding="full",
        amount=amount,
        doc_no=INIT,
        effective_date=START,
        reason="初始化导入",
    )


@pytest.fixture
def world(db) -> World:
    province = orgs.region_create_local(
        actor=SYSTEM, code="990000", name="示例省", level="province"
    )
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city", parent=province
    )
    other = orgs.region_create_local(
        actor=SYSTEM, code="990200", name="示例市二", level="city", parent=province
    )
    x = _unit(city, "示例市发展和改革委员会")
    y = _unit(city, "示例市财政局")
    z = _unit(
        city, "示例市档案馆", kind="institution", institution_class="public_welfare_1"
    )
    w = _unit(other, "示例市二财政局")
    _total(city, "administrative", 50)
    _total(city, "institutional", 20)
    _total(other, "administrative", 30)
    grant_x = _grant(x, "administrative", 10)
    grant_y = _grant(y, "administrative", 8)
    _grant(z, "institutional", 6)
    _grant(w, "administrative", 5)
    return World(province, city, other, x, y, z, w, grant_x, grant_y)


def _user(username: str, role: str | None, **scope):
    user = user_create(
        actor=SYSTEM, username=username, password="pw-123456", full_name=username
    )
    if role:
        role_assign(actor=SYSTEM, user=user, role=role, **scope)
    return user


@dataclass
class Cast:
    office_admin: object
    office_leader: object
    hr_x: object
    hr_y: object
    inspector: object
    audit_admin: object


@pytest.fixture
def cast(world) -> Cast:
    return Cast(
        office_admin=_user("admin", "office_admin", region=world.city),
        office_leader=_user("leader", "office_leader", region=world.city),
        hr_x=_user("hr_x", "unit_hr", unit=world.x),
        hr_y=_user("hr_y", "unit_hr", unit=world.y),
        inspector=_user("inspector", "inspector", region=world.city),
        audit_admin=_user("auditor", "audit_admin"),
    )


@pytest.fixture
def as_user():
    """as_user(user) → an APIClient logged in (session) as that user."""

    def login(user) -> APIClient:
        client = APIClient()
        client.force_login(user)
        return client

    return login
