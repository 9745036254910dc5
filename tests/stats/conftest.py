"""A small city for the statistics tests, built through the services.

示例市 990100 (region quota from tests/roster/helpers.units)
├── 示例市财政局 bureau: administrative 5 (+1 on 2026-06-15), logistics 2
│   └── 示例市财政信息中心 centre (institution, parent bureau): institutional 2
├── 示例市审计局 other, 示例市中级人民法院 court, 示例市第一中学 school,
│   示例市机关事务服务中心 cs_inst, 示例市总工会 mass
└── 示例区 990102: 示例区民政局 district_unit (administrative 4)
示例县 990103: no units at all (the empty selection).

People: 3 enrolled 2025-03-01 (bureau 2, district 1), the rest on TODAY
(2026-06-15); one bureau person released on TODAY. Leader posts of the bureau:
county chief 1 (filled), county deputy 2 (2 appointed) lowered to 1 on TODAY
(one over), township deputy 1 (vacant). A grant scheduled 40 days after the
real today stays pending.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from tests.roster.helpers import (  # noqa: F401  (fixtures re-exported)
    ADM,
    INS,
    LOG,
    OFFICE,
    PAST,
    PL,
    TODAY,
    appoint,
    city,
    enroll,
    establish,
    give,
    person_data,
    providers,
    release,
    set_leader_posts,
    units,
)

EARLY = dt.date(2025, 3, 1)
PASSWORD = "ceshi-mima-2024"


def _user(username, role, **scope):
    user = user_create(
        actor=Actor.system(), username=username, password=PASSWORD, full_name=username
    )
    role_assign(actor=Actor.system(), user=user, role=role, **scope)
    return user


@pytest.fixture
def world(city, units):  # noqa: F811
    district = orgs.region_create_local(
        actor=OFFICE, code="990102", name="示例区", level="county", parent=city
    )
    county = orgs.region_create_local(
        actor=OFFICE, code="990103", name="示例县", level="county", parent=city
    )
    give(district, ADM, "full", 20, region=True)
    district_unit = establish(district, "示例区民政局", rank="section")
    give(district_unit, ADM, "full", 4)
    bureau = units["bureau"]
    centre = establish(
        city,
        "示例市财政信息中心",
        kind="institution",
        rank="section",
        parent=bureau,
        institution_class="public_welfare_1",
        sector="S",
    )
    give(centre, INS, "full", 2)
    n = iter(range(1, 99))
    early = dict(start_date=EARLY, reason="历史补录")
    chief = enroll(bureau, person_data(next(n)), **early)
    deputy1 = enroll(bureau, person_data(next(n)), **early)
    enroll(district_unit, person_data(next(n)), **early)
    deputy2 = enroll(bureau, person_data(next(n)))
    leaving = enroll(bureau, person_data(next(n)))
    enroll(
        bureau,
        person_data(next(n), identity="机关工勤人员"),
        category=LOG,
    )
    enroll(units["other"], person_data(next(n)))
    enroll(units["other"], person_data(next(n)))
    for _ in range(2):
        enroll(
            units["school"],
            person_data(next(n), identity="事业人员", post_type="专业技术"),
            category=INS,
        )
    enroll(
        units["school"],
        person_data(next(n), identity="事业人员", post_type="专业技术"),
        category=INS,
        funding="partial",
    )
    enroll(units["court"], person_data(next(n)), category=PL)
    enroll(district_unit, person_data(next(n)))
    enroll(
        centre,
        person_data(next(n), identity="事业人员", post_type="专业技术"),
        category=INS,
    )
    release(leaving, exit_date=TODAY)
    # A grant in the current year of TODAY (the ledger's default period).
    quota.quota_grant(
        actor=OFFICE,
        unit=bureau,
        category=ADM,
        funding="full",
        amount=1,
        doc_no="示编〔2026〕7号",
        effective_date=TODAY,
        reason="增编",
        today=TODAY,
    )
    # Scheduled after the real today: pending until `bianzhi daily`.
    real_today = timezone.localdate()
    future = real_today + dt.timedelta(days=40)
    quota.quota_grant(
        actor=OFFICE,
        unit=units["other"],
        category=ADM,
        funding="full",
        amount=1,
        doc_no="示编〔2026〕9号",
        effective_date=future,
        reason="计划增编",
        today=real_today,
    )
    set_leader_posts(bureau, 1, level="county", kind="chief")
    set_leader_posts(bureau, 2, level="county", kind="deputy")
    set_leader_posts(bureau, 1, level="township", kind="deputy")
    appoint(chief, level="county", kind="chief", start_date=EARLY, reason="补录")
    appoint(
        deputy1,
        level="county",
        kind="deputy",
        title="副局长",
        start_date=EARLY,
        reason="补录",
    )
    appoint(deputy2, level="county", kind="deputy", title="副局长")
    set_leader_posts(
        bureau,
        1,
        level="county",
        kind="deputy",
        doc_no="示编〔2026〕8号",
        effective_date=TODAY,
    )
    return SimpleNamespace(
        city=city,
        district=district,
        county=county,
        district_unit=district_unit,
        centre=centre,
        future=future,
        real_today=real_today,
        **units,
    )


@pytest.fixture
def cast(world):
    return SimpleNamespace(
        office=_user("office", "office_admin", region=world.city),
        hr_bureau=_user("hr_bureau", "unit_hr", unit=world.bureau),
        hr_other=_user("hr_other", "unit_hr", unit=world.other),
        auditor=_user("auditor", "audit_admin"),
    )
