"""A small city for the web tests, built through the services (never the ORM).

示例省 990000
└── 示例市 990100 (agency cap 40)
    ├── 示例市财政局 (gov_dept, in cap; renamed from 示例市财政委员会 on 2024-01-01)
    │   └── 示例市财政信息中心 (institution, parent 财政局)
    ├── 示例市教育局 (gov_dept)
    └── 示例区 990102: 示例区民政局
Quota of 示例市: 100 administrative/full from above; 财政局 granted 10 on
2020-01-01 and 5 more on 2024-06-01; 5 into the pool, 2 lent to 财政局 and
past due. The cast: an office admin of the city, the HR officers of 财政局
and of 教育局, an inspector of the city and the audit administrator.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from bianzhi.quota.leader_posts import leader_posts_set

SYSTEM = Actor.system()
START = dt.date(2020, 1, 1)
RENAMED = dt.date(2024, 1, 1)
SECOND_GRANT = dt.date(2024, 6, 1)
REASON = "历史数据补录"
PASSWORD = "ceshi-mima-2024"


def _unit(region, name, kind="gov_dept", rank="division", **kwargs):
    return orgs.unit_establish(
        actor=SYSTEM,
        region=region,
        name=name,
        kind=kind,
        rank=rank,
        doc_no="初始化导入",
        effective_date=START,
        reason=REASON,
        **kwargs,
    )


def _user(username, full_name, role, **scope):
    user = user_create(
        actor=SYSTEM, username=username, password=PASSWORD, full_name=full_name
    )
    role_assign(actor=SYSTEM, user=user, role=role, **scope)
    return user


@pytest.fixture
def city(db):
    province = orgs.region_create_local(
        actor=SYSTEM, code="990000", name="示例省", level="province"
    )
    city = orgs.region_create_local(
        actor=SYSTEM, code="990100", name="示例市", level="city", parent=province
    )
    district = orgs.region_create_local(
        actor=SYSTEM, code="990102", name="示例区", level="county", parent=city
    )
    orgs.agency_cap_set(
        actor=SYSTEM,
        region=city,
        cap=40,
        doc_no="示编〔2019〕3号",
        effective_date=START,
        reason=REASON,
    )
    finance = _unit(city, "示例市财政委员会", in_cap=True)
    orgs.unit_rename(
        actor=SYSTEM,
        unit=finance,
        name="示例市财政局",
        doc_no="示编〔2024〕2号",
        effective_date=RENAMED,
        reason=REASON,
    )
    centre = _unit(
        city, "示例市财政信息中心", kind="institution", rank="section", parent=finance
    )
    education = _unit(city, "示例市教育局")
    district_unit = _unit(district, "示例区民政局", rank="section")
    orgs.internal_body_add(
        actor=SYSTEM,
        unit=finance,
        name="办公室",
        rank="section",
        doc_no="初始化导入",
        effective_date=START,
    )
    leader_posts_set(
        actor=SYSTEM,
        unit=finance,
        scope="unit",
        level="county",
        kind="chief",
        count=1,
        doc_no="初始化导入",
        effective_date=START,
        reason=REASON,
    )
    common = {"category": "administrative", "funding": "full", "reason": REASON}
    quota.quota_increase_total(
        actor=SYSTEM,
        region=city,
        amount=100,
        doc_no="初始化导入",
        effective_date=START,
        **common,
    )
    quota.quota_grant(
        actor=SYSTEM,
        unit=finance,
        amount=10,
        doc_no="示编〔2020〕5号",
        effective_date=START,
        **common,
    )
    quota.quota_grant(
        actor=SYSTEM,
        unit=finance,
        amount=5,
        doc_no="示编〔2024〕9号",
        effective_date=SECOND_GRANT,
        **common,
    )
    quota.quota_grant(
        actor=SYSTEM,
        unit=education,
        amount=8,
        doc_no="示编〔2020〕6号",
        effective_date=START,
        **common,
    )
    quota.quota_pool_fund(
        actor=SYSTEM,
        region=city,
        amount=5,
        doc_no="示编〔2020〕7号",
        effective_date=START,
        **common,
    )
    quota.quota_loan(
        actor=SYSTEM,
        unit=finance,
        amount=2,
        doc_no="示编〔2021〕8号",
        effective_date=dt.date(2021, 1, 1),
        due_date=dt.date(2022, 1, 1),
        **common,
    )
    return SimpleNamespace(
        province=province,
        city=city,
        district=district,
        finance=finance,
        centre=centre,
        education=education,
        district_unit=district_unit,
    )


@pytest.fixture
def cast(city):
    return SimpleNamespace(
        office=_user("office", "张科员", "office_admin", region=city.city),
        leader=_user("leader", "李主任", "office_leader", region=city.city),
        hr_finance=_user("hr_finance", "王人事", "unit_hr", unit=city.finance),
        hr_education=_user("hr_edu", "赵人事", "unit_hr", unit=city.education),
        inspector=_user("inspector", "钱监察", "inspector", region=city.city),
        auditor=_user("auditor", "孙审计", "audit_admin"),
        sysadmin=_user("sysadmin", "周系统", "sys_admin"),
    )


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def audit_count():
    return lambda: AuditEvent.objects.count()
