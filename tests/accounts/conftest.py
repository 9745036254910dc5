"""A small province for scope tests.

示例省 990000
├── 示例市 990100: 市人社局 (gov_dept) ── 市人才中心 (institution, parent 市人社局)
│   └── 示例区 990102: 区财政局 (gov_dept)
└── 另一市 990200: 另一市教育局 (gov_dept)
Regions and units are created through the orgs services, as the office would.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.orgs import services as orgs

SYSTEM = Actor.system()
DOC = "示编〔2024〕1号"
ON = dt.date(2024, 1, 1)
TODAY = ON


def _unit(region, name, kind="gov_dept", parent=None, rank="division"):
    return orgs.unit_establish(
        actor=SYSTEM,
        region=region,
        name=name,
        kind=kind,
        rank=rank,
        doc_no=DOC,
        effective_date=ON,
        parent=parent,
        today=TODAY,
    )


@pytest.fixture
def province(db):
    p = orgs.region_create_local(
        actor=SYSTEM, code="990000", name="示例省", level="province"
    )
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city", parent=p
    )
    district = orgs.region_create_local(
        actor=SYSTEM, code="990102", name="示例区", level="county", parent=city
    )
    other = orgs.region_create_local(
        actor=SYSTEM, code="990200", name="另一市", level="city", parent=p
    )
    bureau = _unit(city, "示例市人力资源和社会保障局")
    centre = _unit(
        city, "示例市人才服务中心", kind="institution", parent=bureau, rank="section"
    )
    district_unit = _unit(district, "示例区财政局", rank="section")
    other_unit = _unit(other, "另一市教育局")
    return SimpleNamespace(
        province=p,
        city=city,
        district=district,
        other=other,
        bureau=bureau,
        centre=centre,
        district_unit=district_unit,
        other_unit=other_unit,
    )


_counter = iter(range(1, 10_000))


@pytest.fixture
def make_user(db):
    """make_user((role, scope), ...) — scope is a Region, a Unit or None."""
    from bianzhi.orgs.models import Region

    def make(*grants, name: str | None = None):
        username = name or f"user{next(_counter)}"
        user = user_create(actor=SYSTEM, username=username, password="pw-123456")
        for role, scope in grants:
            role_assign(
                actor=SYSTEM,
                user=user,
                role=role,
                region=scope if isinstance(scope, Region) else None,
                unit=None if scope is None or isinstance(scope, Region) else scope,
            )
        return user

    return make
