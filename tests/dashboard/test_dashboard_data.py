"""dashboard_data and decision_data numbers against plain Python counts."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from bianzhi.quota.models import Funding, HolderKind, QuotaAccount, QuotaEntry
from bianzhi.roster import services as roster
from bianzhi.roster.models import Posting
from bianzhi.stats.base import Selection
from bianzhi.stats.dashboard import dashboard_data
from bianzhi.stats.dashboard_queries import AGE_BANDS, month_points
from bianzhi.stats.decision import decision_data, major_fits
from bianzhi.stats.scope import region_codes_under

from .conftest import DOC, OFFICE, enroll, grant, today

pytestmark = pytest.mark.django_db


def age(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def in_post(on: dt.date, regions=None, units=None) -> list[Posting]:
    found = []
    for p in Posting.objects.select_related("person", "unit"):
        if not (p.start_date <= on and (p.end_date is None or p.end_date > on)):
            continue
        if regions is not None and p.unit.region_id not in regions:
            continue
        if units is not None and p.unit_id not in units:
            continue
        found.append(p)
    return found


def test_headline_and_structure_equal_plain_counts(city, staffed):
    posting = staffed[0]
    roster.person_release(
        actor=OFFICE,
        posting=posting,
        reason_code="辞职",
        exit_date=today(),
        proof="批复",
        doc_no=DOC,
    )
    on = today()
    data = dashboard_data(Selection(as_of=on, region_code="990100", label="示例市"))
    regions = set(region_codes_under("990100"))
    accounts = [
        a
        for a in QuotaAccount.objects.filter(holder_kind=HolderKind.UNIT)
        if a.region_id in regions
    ]
    people = in_post(on, regions)
    h = data["headline"]
    assert h["units"] == 4
    assert h["approved"] == sum(a.approved for a in accounts)
    assert h["occupied"] == len(people) == 9
    assert h["vacancy"] == sum(
        max(a.approved - a.occupied - a.reserved, 0) for a in accounts
    )
    assert h["over"] == 0
    public = {Funding.FULL, Funding.PARTIAL}
    assert h["fiscal"] == sum(1 for p in people if p.account.funding in public)
    pyramid = data["age_pyramid"]
    assert sum(pyramid["male"]) + sum(pyramid["female"]) == len(people)
    women = sum(1 for p in people if p.person.gender == "F")
    assert sum(pyramid["female"]) == women == 2
    bands = Counter()
    for p in people:
        a = age(p.person.certified_birth_date, on)
        for label, low, high in AGE_BANDS:
            if (low is None or a >= low) and (high is None or a <= high):
                bands[label] += 1
    assert {
        b: m + f
        for b, m, f in zip(
            pyramid["bands"], pyramid["male"], pyramid["female"], strict=True
        )
        if m + f
    } == dict(bands)
    assert {r["code"]: r["n"] for r in data["education"]} == dict(
        Counter(p.person.education for p in people)
    )
    assert {r["code"]: r["n"] for r in data["identity"]} == dict(
        Counter(p.person.identity for p in people)
    )
    assert sum(r["n"] for r in data["rank"]) == len(people)
    combos = {
        (r["category"], r["funding"]): (r["approved"], r["occupied"])
        for r in data["category_funding"]
    }
    assert combos[("administrative", "full")] == (h["approved"], h["occupied"])
    # The grid: 示例市本级 and 示例区, summing to the headline.
    assert [t["region_code"] for t in data["grid"]] == ["990100", "990102"]
    assert sum(t["approved"] for t in data["grid"]) == h["approved"]
    assert sum(t["occupied"] for t in data["grid"]) == h["occupied"]


def test_trend_equals_counts_at_each_month_end(city, staffed):
    on = today()
    data = dashboard_data(Selection(as_of=on, region_code="990100"))
    trend = data["trend"]
    points = month_points(on)
    assert trend["points"] == [p.isoformat() for p in points]
    regions = set(region_codes_under("990100"))
    for point, approved, occupied in zip(
        points, trend["approved"], trend["occupied"], strict=True
    ):
        entries = QuotaEntry.objects.filter(
            account__holder_kind=HolderKind.UNIT, effective_date__lte=point
        ).select_related("account")
        assert approved == sum(
            e.amount for e in entries if e.account.region_id in regions
        )
        assert occupied == len(in_post(point, regions))
    assert trend["occupied"][-1] == data["headline"]["occupied"]
    assert trend["approved"][-1] == data["headline"]["approved"]


def test_past_date_and_unit_selection(city, staffed):
    past = dt.date(2024, 3, 1)  # before the second grant to 财政局
    data = dashboard_data(Selection(as_of=past, unit_id=city.finance.pk))
    assert data["headline"]["approved"] == 10 + 2  # first grant + the pool loan
    assert data["headline"]["occupied"] == 0
    assert data["headline"]["units"] == 2  # 财政局 and its 信息中心
    assert data["grid"] == []
    # The forward path of the trend (a past date): each point a plain count.
    regions = {city.finance.region_id}
    for point, occupied in zip(
        data["trend"]["points"], data["trend"]["occupied"], strict=True
    ):
        day = dt.date.fromisoformat(point)
        units = {city.finance.pk, city.centre.pk}
        assert occupied == len(in_post(day, regions, units))
    assert data["trend"]["approved"][-1] == 12
    now = dashboard_data(Selection(as_of=today(), unit_id=city.education.pk))
    assert now["headline"]["occupied"] == 4
    assert sum(now["age_pyramid"]["female"]) == 2


def test_top_over_lists_over_quota_units(city):
    from bianzhi.quota import services as quota

    from .conftest import SYSTEM

    for n in range(8):
        enroll(city.education, 30 + n)
    quota.quota_recall(
        actor=SYSTEM,
        unit=city.education,
        category="administrative",
        funding="full",
        amount=3,
        doc_no="示编〔2026〕40号",
        effective_date=today(),
        reason="机构改革核减",
        reform=True,
    )
    data = dashboard_data(Selection(as_of=today(), region_code="990100"))
    assert data["headline"]["over"] == 3
    (row,) = data["top_over"]
    assert (row["unit_id"], row["over"], row["occupied"], row["approved"]) == (
        city.education.pk,
        3,
        8,
        5,
    )


def test_decision_numbers(city):
    grant(city.education, 4)
    births = ["19680101", "19700101", "19720101", "19950101", "19980101", "20000101"]
    for n, birth in enumerate(births):
        enroll(city.education, 40 + n, birth=birth, major="汉语言文学" if n % 2 else "")
    enroll(city.finance, 60, birth="19990101", major="财政学")
    on = today()
    selection = Selection(as_of=on, unit_id=city.education.pk, label="教育局")
    data = decision_data(selection, city.city)
    people = in_post(on, units={city.education.pk})
    ages = [age(p.person.certified_birth_date, on) for p in people]
    a = data["ageing"]
    assert a["total"] == 6
    assert a["young"] == sum(1 for x in ages if x < 35)
    assert a["old"] == sum(1 for x in ages if x >= 50)
    if a["young"]:
        assert a["ageing_index"] == round(a["old"] / a["young"], 2)
    assert abs(a["average_age"] - sum(ages) / len(ages)) < 1
    # The city baseline has the 财政局 person too.
    assert data["city_ageing"]["total"] == 7
    # No sector on these gov_dept units: nothing measurable, never a mismatch.
    fit = data["specialist_fit"]
    assert fit["measured"] == 0 and fit["not_measured_no_sector"] == 6
    assert data["tilt"]["rows"][0]["region_code"] == "990100"
    shares = [r["tilted_share"] for r in data["tilt"]["rows"]]
    assert sum(shares) == pytest.approx(100, abs=0.2)


def test_specialist_fit_keywords():
    assert major_fits("Q", "临床医学") and major_fits("P", "小学教育")
    assert not major_fits("Q", "会计学") and not major_fits("", "临床医学")


def test_specialist_fit_counts_institutions_with_a_sector(city):
    from bianzhi.orgs import services as orgs
    from bianzhi.quota import services as quota

    from .conftest import REASON, SYSTEM

    hospital = orgs.unit_establish(
        actor=SYSTEM,
        region=city.city,
        name="示例市人民医院",
        kind="institution",
        rank="section",
        institution_class="public_welfare_2",
        sector="Q",
        doc_no=DOC,
        effective_date=dt.date(2020, 1, 1),
        reason=REASON,
    )
    quota.quota_increase_total(
        actor=SYSTEM,
        region=city.city,
        category="institutional",
        funding="partial",
        amount=5,
        doc_no=DOC,
        effective_date=today(),
        reason=REASON,
    )
    grant(hospital, 5, category="institutional", funding="partial")
    for n, major in enumerate(["临床医学", "护理学", "会计学", ""]):
        enroll(
            hospital,
            70 + n,
            category="institutional",
            funding="partial",
            identity="事业人员",
            post_type="专业技术",
            major=major,
        )
    fit = decision_data(Selection(as_of=today(), unit_id=hospital.pk), None)[
        "specialist_fit"
    ]
    assert (fit["measured"], fit["matched"], fit["not_measured_no_major"]) == (3, 2, 1)
    assert fit["share"] == pytest.approx(66.7)


def test_trend_of_a_past_date_counts_back_from_the_date(city, staffed):
    """A past date's occupied line runs backwards from the people in post on
    that date; each point must still equal a plain count."""
    on = today()
    enroll(city.finance, 61, start=on - dt.timedelta(days=300))
    enroll(city.education, 62, start=on - dt.timedelta(days=120))
    as_of = on - dt.timedelta(days=40)
    data = dashboard_data(Selection(as_of=as_of, region_code="990100"))
    regions = set(region_codes_under("990100"))
    trend = data["trend"]
    assert trend["occupied"][-1] == 2
    assert sum(data["age_pyramid"]["male"]) + sum(data["age_pyramid"]["female"]) == 2
    for point, occupied in zip(trend["points"], trend["occupied"], strict=True):
        assert occupied == len(in_post(dt.date.fromisoformat(point), regions))
