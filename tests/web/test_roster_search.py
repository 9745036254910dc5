"""The roster search, person history and suspicious-records pages: filters in
the URL, htmx partials, paging and sorting, masked IDs, scoping (404) and
roles (403), with the cast of tests/web/conftest.py."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.roster import services
from bianzhi.roster.models import Posting
from tests.conftest import grant_permit

pytestmark = pytest.mark.django_db

OFFICE = Actor(user_id=1, name="张科员", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕41号"
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张"


def make_id(birth: str, seq: str, region: str = "110101") -> str:
    body = f"{region}{birth}{seq}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def enroll(unit, n: int, *, name: str | None = None, birth: str = "19850607"):
    return services.person_enroll(
        actor=OFFICE,
        unit=unit,
        category="administrative",
        funding="full",
        person={
            "id_number": make_id(birth, f"{n:02d}1"),
            "name": name or f"{SURNAMES[n % len(SURNAMES)]}测{n}",
            "ethnicity": "汉族",
            "political_status": "中共党员",
            "education": "大学本科",
            "identity": "公务员",
            "work_start_date": "2008-07-01",
        },
        channel="考录",
        start_date=timezone.localdate(),
        doc_no=DOC,
        permit=grant_permit(unit),
    )


@pytest.fixture
def people(city):
    """14 people in 财政局 (15 approved) and 7 in 教育局 (8 approved)."""
    finance = [enroll(city.finance, n) for n in range(1, 15)]
    education = [enroll(city.education, n) for n in range(20, 27)]
    return finance, education


def text(response) -> str:
    return response.content.decode()


def person_links(response) -> list[int]:
    return [int(x) for x in re.findall(r'href="/persons/(\d+)/"', text(response))]


def test_office_searches_the_city_with_masked_ids(as_user, cast, people):
    finance, education = people
    response = as_user(cast.office).get("/roster/search/")
    assert response.status_code == 200
    page = text(response)
    assert "<html" in page and "人员查询" in page
    assert "共 21 人" in page
    first = finance[0].person
    assert mask_id_number(first.id_number) in page
    assert first.id_number not in page
    assert len(person_links(response)) == 21


def test_filters_travel_in_the_url(as_user, cast, people):
    finance, _education = people
    client = as_user(cast.office)
    target = finance[2].person
    response = client.get("/roster/search/", {"name": target.name})
    assert person_links(response) == [target.pk]
    assert f'value="{target.name}"' in text(response)
    by_id = client.get("/roster/search/", {"id_number": target.id_number[-4:]})
    assert target.pk in person_links(by_id)
    unit = client.get("/roster/search/", {"unit": str(_education[0].unit_id)})
    assert len(person_links(unit)) == 7
    assert "示例市教育局" in text(unit)
    initials = client.get("/roster/search/", {"initials": "z"})
    names = re.findall(r'href="/persons/\d+/">([^<]+)<', text(initials))
    assert names and all(n[0] in "赵周郑张朱" for n in names)


def test_htmx_gets_only_the_results(as_user, cast, people):
    response = as_user(cast.office).get(
        "/roster/search/", {"name": "测1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page and 'id="search-table"' in page


def test_paging_and_sorting(as_user, cast, people):
    client = as_user(cast.office)
    first = client.get("/roster/search/", {"size": "20", "sort": "-birth"})
    second = client.get(
        "/roster/search/", {"size": "20", "sort": "-birth", "page": "2"}
    )
    assert len(person_links(first)) == 20 and len(person_links(second)) == 1
    assert "第 1 / 2 页" in text(first)
    assert "page=2" in text(first) and "sort=-birth" in text(first)
    assert set(person_links(first)).isdisjoint(person_links(second))
    by_name = client.get("/roster/search/", {"sort": "name", "size": "50"})
    names = re.findall(r'href="/persons/\d+/">([^<]+)<', text(by_name))
    assert names == sorted(names)
    # The header of the active column links to the reverse order.
    assert "sort=-name" in text(by_name)


def test_unit_hr_sees_only_their_unit(as_user, cast, people):
    finance, education = people
    client = as_user(cast.hr_finance)
    response = client.get("/roster/search/")
    assert response.status_code == 200
    assert sorted(person_links(response)) == sorted(p.person_id for p in finance)
    # Another unit's id answers 404, like a missing one.
    assert (
        client.get("/roster/search/", {"unit": str(education[0].unit_id)}).status_code
        == 404
    )
    assert client.get("/roster/search/", {"unit": "999999"}).status_code == 404


def test_wrong_filter_is_shown_not_crashed(as_user, cast, people):
    response = as_user(cast.office).get("/roster/search/", {"age": "old"})
    assert response.status_code == 200
    assert "年龄段无效" in text(response) and "VALUE_INVALID" in text(response)
    bad_date = as_user(cast.office).get("/roster/search/", {"as_of": "2026-13-01"})
    assert bad_date.status_code == 200 and "DATE_INVALID" in text(bad_date)


def test_administrators_are_refused(as_user, cast, people):
    for user in (cast.auditor, cast.sysadmin):
        client = as_user(user)
        assert client.get("/roster/search/").status_code == 403
        assert client.get("/roster/suspicious/").status_code == 403


def test_navigation_for_office_and_inspectors_only(as_user, cast, people):
    for user in (cast.office, cast.inspector):
        page = text(as_user(user).get("/"))
        assert 'href="/roster/search/"' in page and 'href="/roster/suspicious/"' in page
    page = text(as_user(cast.hr_finance).get("/"))
    assert 'href="/roster/search/"' not in page


def test_person_history_page(as_user, cast, people):
    finance, _education = people
    posting = finance[0]
    services.person_update_fields(
        actor=OFFICE,
        person=posting.person_id,
        changes={"education": "研究生"},
    )
    person_page = as_user(cast.office).get(f"/persons/{posting.person_id}/")
    assert f'href="/persons/{posting.person_id}/history/"' in text(person_page)
    response = as_user(cast.office).get(f"/persons/{posting.person_id}/history/")
    assert response.status_code == 200
    page = text(response)
    # The roster part at once; the audit part (field changes) loads by htmx.
    assert "变动历史" in page and "示例市财政局" in page
    assert "大学本科 → 研究生" not in page
    assert f'hx-get="/persons/{posting.person_id}/history/?audit=1"' in page
    part = as_user(cast.office).get(
        f"/persons/{posting.person_id}/history/", {"audit": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "<html" not in text(part) and "大学本科 → 研究生" in text(part)
    assert "张科员" in text(part)  # who recorded the enrollment
    full = as_user(cast.office).get(f"/persons/{posting.person_id}/history/?audit=1")
    assert "<html" in text(full) and "大学本科 → 研究生" in text(full)
    assert mask_id_number(posting.person.id_number) in page
    assert posting.person.id_number not in page
    # The history is read like the person page: 404 outside the scope.
    assert (
        as_user(cast.hr_education)
        .get(f"/persons/{posting.person_id}/history/")
        .status_code
        == 404
    )
    assert (
        as_user(cast.hr_finance)
        .get(f"/persons/{posting.person_id}/history/")
        .status_code
        == 200
    )
    assert as_user(cast.office).get("/persons/999999/history/").status_code == 404


def test_suspicious_page(as_user, cast, people):
    finance, education = people
    # The same name and birth date in 财政局 and 教育局, different IDs.
    a = enroll(finance[0].unit, 15, name="重名人", birth="19800101")
    b = enroll(education[0].unit, 28, name="重名人", birth="19800101")
    assert Posting.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    client = as_user(cast.office)
    response = client.get("/roster/suspicious/")
    assert response.status_code == 200
    page = text(response)
    for label in ("同名同出生日期", "认定出生日期与身份证不一致", "已到退休时间仍在编"):
        assert label in page
    assert (
        f'href="/persons/{a.person_id}/"' in page
        and f'href="/persons/{b.person_id}/"' in page
    )
    assert mask_id_number(a.person.id_number) in page and a.person.id_number not in page
    assert 'id="count-same_name_birth">1<' in page
    one_kind = client.get("/roster/suspicious/", {"kind": "same_name_birth"})
    assert one_kind.status_code == 200 and "重名人" in text(one_kind)
    assert client.get("/roster/suspicious/", {"kind": "nope"}).status_code == 400
    # Unit HR may not use the city-wide finder; inspectors may.
    assert as_user(cast.hr_finance).get("/roster/suspicious/").status_code == 403
    assert as_user(cast.inspector).get("/roster/suspicious/").status_code == 200
    past = client.get(
        "/roster/suspicious/",
        {"as_of": (timezone.localdate() + dt.timedelta(days=1)).isoformat()},
    )
    assert past.status_code == 200
