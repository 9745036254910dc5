"""本单位 (unit self-service): a cast of users against the portal pages.

The HR officer of 财政局 sees and edits 财政局 only; the HR officer of 教育局
gets 404 for anything of 财政局; an inspector in scope gets 403; office staff
may look. Refusals come back inline in Chinese and write nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bianzhi.accounts.services import role_assign
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.models import AuditEvent
from bianzhi.roster.models import FieldChangeRequest, Person
from bianzhi.web.views import portal

from .portal_helpers import ask, enroll, name_of, text, written

pytestmark = pytest.mark.django_db


def unit_url(name, unit, *args):
    return reverse(f"web:{name}", args=[unit.pk, *args])


# --- navigation and the chooser ---------------------------------------------------------


def test_navigation_shows_the_portal_to_unit_hr_and_the_review_to_the_office(
    cast, as_user
):
    page = text(as_user(cast.hr_finance).get("/"))
    assert "本单位" in page and "信息变更审核" not in page
    page = text(as_user(cast.office).get("/"))
    assert "信息变更审核" in page and reverse("web:portal") not in page


def test_portal_home_redirects_to_the_only_unit(city, cast, as_user):
    response = as_user(cast.hr_finance).get(reverse("web:portal"))
    assert response.status_code == 302
    assert response.url == unit_url("portal_unit", city.finance)


def test_portal_home_offers_a_chooser_for_several_units(city, cast, as_user):
    role_assign(
        actor=Actor.system(), user=cast.hr_finance, role="unit_hr", unit=city.centre
    )
    response = as_user(cast.hr_finance).get(reverse("web:portal"))
    assert response.status_code == 200
    page = text(response)
    assert "选择单位" in page
    assert name_of(city.finance) in page and name_of(city.centre) in page
    assert name_of(city.education) not in page


@pytest.mark.parametrize("who", ["office", "inspector", "leader"])
def test_portal_home_is_for_unit_hr(cast, as_user, who):
    response = as_user(getattr(cast, who)).get(reverse("web:portal"))
    assert response.status_code == 403
    assert "用编单位人事干部" in text(response)


# --- the unit page -----------------------------------------------------------------------


def test_unit_page_shows_accounts_leader_posts_people_and_pending(city, cast, as_user):
    posting = enroll(city.finance, 1)
    enroll(city.education, 2)
    ask(cast.hr_finance, city.finance, posting.person, "name", "王小明")
    response = as_user(cast.hr_finance).get(unit_url("portal_unit", city.finance))
    assert response.status_code == 200
    page = text(response)
    assert name_of(city.finance) in page
    assert 'id="portal-accounts"' in page
    # 17 approved (10 + 5 + 2 lent), 1 occupied: vacancy 16.
    accounts = response.context["accounts"]
    assert [(a["approved"], a["occupied"], a["vacancy"]) for a in accounts] == [
        (17, 1, 16)
    ]
    assert response.context["people_total"] == 1
    assert response.context["pending_total"] == 1
    assert "王小明" in page  # the pending request, old → new
    assert len(response.context["leader_posts"]) == 1
    # The occupied count links to the rows it counts.
    people_link = unit_url("portal_people", city.finance) + "?account="
    assert people_link in page


def test_unit_page_as_of_a_past_date(city, cast, as_user):
    response = as_user(cast.hr_finance).get(
        unit_url("portal_unit", city.finance), {"as_of": "2023-01-01"}
    )
    # 10 granted in 2020 + 2 lent in 2021; the 2024 grant came later.
    assert [a["approved"] for a in response.context["accounts"]] == [12]


@pytest.mark.parametrize(
    ("who", "status"),
    [("hr_finance", 200), ("office", 200), ("hr_education", 404), ("inspector", 403)],
)
def test_unit_pages_scope(city, cast, as_user, who, status):
    person = enroll(city.finance, 1).person
    request = ask(cast.hr_finance, city.finance, person, "name", "王小明")
    client = as_user(getattr(cast, who))
    for url in (
        unit_url("portal_unit", city.finance),
        unit_url("portal_people", city.finance),
        unit_url("portal_requests", city.finance),
        unit_url("portal_person", city.finance, person.pk),
    ):
        assert client.get(url).status_code == status, url
    if status != 200:
        page = text(client.get(unit_url("portal_requests", city.finance)))
        assert "王小明" not in page and request.reason not in page


def test_a_person_of_another_unit_is_404_even_through_my_unit(city, cast, as_user):
    other = enroll(city.education, 2).person
    client = as_user(cast.hr_finance)
    for url in (
        unit_url("portal_person", city.finance, other.pk),
        unit_url("portal_request", city.finance, other.pk) + "?field=name",
    ):
        assert client.get(url).status_code == 404


# --- people --------------------------------------------------------------------------


def test_people_list_masks_ids_filters_and_pages(city, cast, as_user, monkeypatch):
    people = [enroll(city.finance, n).person for n in (1, 2, 3)]
    client = as_user(cast.hr_finance)
    response = client.get(unit_url("portal_people", city.finance))
    page = text(response)
    for person in people:
        assert person.id_number not in page
        assert mask_id_number(person.id_number) in page
    response = client.get(unit_url("portal_people", city.finance), {"q": "测试2"})
    assert [r["person"].pk for r in response.context["rows"]] == [people[1].pk]
    monkeypatch.setattr(portal, "PAGE_SIZE", 2)
    response = client.get(unit_url("portal_people", city.finance), {"page": 2})
    assert response.context["page"].paginator.count == 3
    assert len(response.context["rows"]) == 1


# --- editing the non-locked fields ---------------------------------------------------


def person_form(person, **over) -> dict:
    data = {
        "ethnicity": person.ethnicity,
        "political_status": person.political_status,
        "education": person.education,
        "degree": person.degree,
        "major": person.major,
        "position_title": person.position_title,
        "rank": person.rank,
        "post_type": person.post_type,
        "phone": person.phone,
        "remarks": person.remarks,
    }
    data.update(over)
    return data


def test_unit_hr_edits_non_locked_fields_with_audit(city, cast, as_user):
    person = enroll(city.finance, 1).person
    client = as_user(cast.hr_finance)
    page = text(client.get(unit_url("portal_person", city.finance, person.pk)))
    assert "申请变更" in page and mask_id_number(person.id_number) in page
    before = AuditEvent.objects.count()
    response = client.post(
        unit_url("portal_person", city.finance, person.pk),
        person_form(person, education="postgraduate", phone="0531-1234567"),
    )
    assert response.status_code == 302
    updated = Person.objects.get(pk=person.pk)
    assert (updated.education, updated.phone) == ("postgraduate", "0531-1234567")
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.operation == "person_update_fields"
    assert event.actor_name == "王人事"
    record = event.records[0]
    assert (record["before"]["education"], record["after"]["education"]) == (
        "undergraduate",
        "postgraduate",
    )


def test_person_form_refuses_bad_values_inline_and_writes_nothing(city, cast, as_user):
    person = enroll(city.finance, 1).person
    client = as_user(cast.hr_finance)
    before = written()
    response = client.post(
        unit_url("portal_person", city.finance, person.pk),
        person_form(person, ethnicity="火星族"),
    )
    assert response.status_code == 400
    page = text(response)
    assert "取值不在允许范围内" in page and "VALUE_INVALID" in page
    assert 'id="pf-ethnicity-error"' in page
    assert written() == before
    # A locked field posted to the edit form is not a field of it: ignored.
    response = client.post(
        unit_url("portal_person", city.finance, person.pk),
        person_form(person, name="改名"),
    )
    assert response.status_code == 302
    assert written() == before


def test_other_unit_hr_cannot_edit(city, cast, as_user):
    person = enroll(city.finance, 1).person
    before = written()
    response = as_user(cast.hr_education).post(
        unit_url("portal_person", city.finance, person.pk),
        person_form(person, education="postgraduate"),
    )
    assert response.status_code == 404
    assert written() == before


# --- requesting a locked-field change ----------------------------------------------------


def test_request_form_shows_live_vacancy_for_the_account(city, cast, as_user):
    person = enroll(city.finance, 1).person
    response = as_user(cast.hr_finance).get(
        unit_url("portal_request", city.finance, person.pk), {"field": "account"}
    )
    assert response.status_code == 200
    page = text(response)
    assert "行政编制·财政拨款" in page and "现占用" in page
    (option,) = response.context["accounts"]
    assert (option["numbers"].approved, option["numbers"].vacancy) == (17, 16)


def test_request_refusals_are_inline_in_chinese_and_write_nothing(city, cast, as_user):
    person = enroll(city.finance, 1).person
    client = as_user(cast.hr_finance)
    url = unit_url("portal_request", city.finance, person.pk)
    bad_id = person.id_number[:17] + ("0" if person.id_number[17] != "0" else "1")
    before = written()
    cases = [
        ({"field": "id_number", "new_value": bad_id}, "公民身份号码无效：校验位错误"),
        (
            {"field": "certified_birth_date", "new_value": "1984-03-01"},
            "出生日期与公民身份号码不一致",
        ),
        (
            {"field": "identity", "new_value": "logistics_worker"},
            "人员身份与编制类型不符",
        ),
        ({"field": "work_start_date", "new_value": "明天"}, "日期格式不正确"),
        ({"field": "name", "new_value": "王小明", "reason": ""}, "申请变更须填写理由"),
    ]
    for data, message in cases:
        data.setdefault("reason", "档案核实有误")
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in text(response), data
        assert written() == before


def test_request_then_withdraw(city, cast, as_user):
    person = enroll(city.finance, 1).person
    client = as_user(cast.hr_finance)
    response = client.post(
        unit_url("portal_request", city.finance, person.pk),
        {
            "field": "certified_birth_date",
            "new_value": "1984-03-01",
            "certified_basis": "干部档案最早记载",
            "reason": "以档案为准",
        },
    )
    assert response.status_code == 302
    request = FieldChangeRequest.objects.get()
    assert (request.status, request.extra["certified_basis"]) == (
        "pending",
        "干部档案最早记载",
    )
    assert AuditEvent.objects.order_by("-seq").first().operation == (
        "field_change_request"
    )
    page = text(client.get(unit_url("portal_person", city.finance, person.pk)))
    assert "待审核" in page
    # The same field again: refused while one is pending.
    response = client.post(
        unit_url("portal_request", city.finance, person.pk),
        {"field": "certified_birth_date", "new_value": "1984-04-01", "reason": "x"},
    )
    assert response.status_code == 409
    assert "已有待审核的变更申请" in text(response)
    # Another unit's HR cannot withdraw it; the own HR can.
    withdraw = unit_url("portal_withdraw", city.finance, request.pk)
    assert as_user(cast.hr_education).post(withdraw).status_code == 404
    assert FieldChangeRequest.objects.get().status == "pending"
    response = as_user(cast.hr_finance).post(withdraw)
    assert response.status_code == 302
    assert FieldChangeRequest.objects.get().status == "withdrawn"
    page = text(as_user(cast.hr_finance).get(unit_url("portal_requests", city.finance)))
    assert "已撤回" in page


def test_office_and_inspector_cannot_use_the_request_form(city, cast, as_user):
    person = enroll(city.finance, 1).person
    url = unit_url("portal_request", city.finance, person.pk)
    before = written()
    for who in (cast.office, cast.inspector):
        response = as_user(who).post(
            url, {"field": "name", "new_value": "王小明", "reason": "x"}
        )
        assert response.status_code == 403
    assert written() == before
