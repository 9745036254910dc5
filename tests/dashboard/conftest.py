"""The dashboard tests reuse the web tests' small city (tests/web/conftest.py):

示例市 990100 (agency cap) ── 财政局 (15 admin/full, a 2-slot pool loan past
due, one county chief post), 财政信息中心 (institution), 教育局 (8);
示例区 990102 (no cap) ── 民政局. People are added here through the roster
services only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.quota import services as quota
from bianzhi.roster import services as roster
from bianzhi.stats.scope import region_codes_under
from bianzhi.stats.warning_rules import WarningScope
from tests.conftest import grant_permit
from tests.roster.helpers import person_data
from tests.web.conftest import as_user, cast, city  # noqa: F401 (fixtures)

SYSTEM = Actor.system()
OFFICE = Actor(user_id=1, name="张科员", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕31号"
REASON = "历史数据补录"


def today() -> dt.date:
    return timezone.localdate()


def years_ago(years: int, days: int = 0) -> str:
    """A birth date (YYYYMMDD) making someone `years` old today, `days` past."""
    t = today()
    try:
        d = t.replace(year=t.year - years)
    except ValueError:
        d = t.replace(year=t.year - years, day=28)
    return (d - dt.timedelta(days=days)).strftime("%Y%m%d")


def grant(unit, amount: int, category="administrative", funding="full"):
    return quota.quota_grant(
        actor=SYSTEM,
        unit=unit,
        category=category,
        funding=funding,
        amount=amount,
        doc_no=DOC,
        effective_date=today(),
        reason=REASON,
    )


def enroll(unit, n: int, *, birth="19850607", start=None, female=False, **over):
    start = start or today()
    category = over.pop("category", "administrative")
    funding = over.pop("funding", "full")
    return roster.person_enroll(
        permit=grant_permit(unit, category=category, funding=funding),  # 考录
        actor=OFFICE,
        unit=unit,
        category=category,
        funding=funding,
        person=person_data(n, birth=birth, female=female, **over),
        channel="考录",
        start_date=start,
        doc_no=DOC,
        reason=REASON,
    )


def city_scope() -> WarningScope:
    return WarningScope(region_codes=frozenset(region_codes_under("990100")))


@pytest.fixture
def staffed(city):  # noqa: F811 (the imported fixture)
    """财政局: 5 people; 教育局: 4 people (2 women); the district: 1."""
    posts = [enroll(city.finance, n) for n in range(1, 6)]
    posts += [
        enroll(city.education, 10 + n, female=n % 2 == 0, education="研究生")
        for n in range(4)
    ]
    quota.quota_increase_total(
        actor=SYSTEM,
        region=city.district,
        category="administrative",
        funding="full",
        amount=10,
        doc_no=DOC,
        effective_date=today(),
        reason=REASON,
    )
    grant(city.district_unit, 4)
    posts.append(enroll(city.district_unit, 20, education="大学专科"))
    return posts
