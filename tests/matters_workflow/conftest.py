"""A district inside a city, with quota, units and the real roles.

示例省 990000 ── 示例市 990100 (city) ── 示例区 990102 (county)
示例区: 区财政局 (gov_dept 正科, in cap; administrative full 5 of 20 in the
district's control total), 区档案馆 (institution under 区财政局; institutional
full 3 of 10). The district's agency cap equals its in-cap count (1), so
establishing another in-cap organ there is beyond its authority.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client

from bianzhi.core.actor import Actor
from bianzhi.core.roles import Role
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from tests.approvals.conftest import _actor
from tests.roster.helpers import _ensure_categories

SYSTEM = Actor.system()
PAST = dt.date(2020, 1, 1)
OLD_DOC = "示编〔2020〕1号"


def _setup(**kw):
    return dict(actor=SYSTEM, doc_no=OLD_DOC, effective_date=PAST, reason="补录", **kw)


@pytest.fixture
def w(db):
    from bianzhi.accounts.approval_scope import approval_scope
    from bianzhi.approvals import engine
    from bianzhi.roster import selectors as roster_selectors

    engine.register_scope_resolver(approval_scope)
    roster_selectors.register_providers()
    _ensure_categories()
    province = orgs.region_create_local(
        actor=SYSTEM, code="990000", name="示例省", level="province"
    )
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city", parent=province
    )
    district = orgs.region_create_local(
        actor=SYSTEM, code="990102", name="示例区", level="county", parent=city
    )
    finance = orgs.unit_establish(
        region=district, name="示例区财政局", kind="gov_dept", rank="section",
        in_cap=True, **_setup(),
    )  # fmt: skip
    archive = orgs.unit_establish(
        region=district, name="示例区档案馆", kind="institution", rank="vice_section",
        parent=finance, institution_class="public_welfare_1", **_setup(),
    )  # fmt: skip
    orgs.agency_cap_set(region=district, cap=1, **_setup())
    for category, amount in (("administrative", 20), ("institutional", 10)):
        quota.quota_increase_total(
            region=district, category=category, funding="full", amount=amount,
            **_setup(),
        )  # fmt: skip
    quota.quota_grant(
        unit=finance, category="administrative", funding="full", amount=5, **_setup()
    )
    quota.quota_grant(
        unit=archive, category="institutional", funding="full", amount=3, **_setup()
    )
    ns = SimpleNamespace(
        province=province, city=city, district=district, finance=finance,
        archive=archive,
    )  # fmt: skip
    ns.office = _actor(Role.OFFICE_ADMIN, district, name="区编办科员")
    ns.leader = _actor(Role.OFFICE_LEADER, district, name="区编办主任")
    ns.city_office = _actor(Role.OFFICE_ADMIN, city, name="市编办科员")
    ns.city_leader = _actor(Role.OFFICE_LEADER, city, name="市编办主任")
    ns.hr = _actor(Role.UNIT_HR, finance, name="区财政局人事")
    ns.hr_archive = _actor(Role.UNIT_HR, archive, name="档案馆人事")
    ns.inspector = _actor(Role.INSPECTOR, district, name="区纪委")
    return ns


def client_for(actor) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(pk=actor.user_id))
    return client
