"""实名制 endpoints: reads scoped like the web, every write through its service,
refusals with the catalogue's exact code and nothing written."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.models import AuditEvent
from bianzhi.quota.leader_posts import leader_posts_set
from bianzhi.quota.models import QuotaAccount
from bianzhi.roster import services
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
    Secondment,
)
from tests.conftest import grant_permit

from .helpers import assert_refused

pytestmark = pytest.mark.django_db
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕41号"


def today() -> str:
    return timezone.localdate().isoformat()


def make_id(birth: str, seq: str, region: str = "110101") -> str:
    body = f"{region}{birth}{seq}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def person(n: int, **over) -> dict:
    data = {
        "id_number": make_id("19850607", f"{n:02d}1"),
        "name": f"测试{n}",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "大学本科",
        "identity": "公务员",
        "work_start_date": "2008-07-01",
    }
    data.update(over)
    return data


def enroll_body(unit, n: int = 1, **over) -> dict:
    body = {
        "unit": unit.pk,
        "category": "行政编制",
        "funding": "full",
        "person": person(n),
        "channel": "考录",
        "start_date": today(),
        "doc_no": DOC,
    }
    body.update(over)
    return body


def state() -> tuple:
    models = (
        Person,
        Posting,
        Appointment,
        Secondment,
        OffQuotaStaff,
        RetirementException,
    )
    return (
        *(m.objects.count() for m in models),
        list(QuotaAccount.objects.order_by("pk").values_list("occupied", flat=True)),
        AuditEvent.objects.count(),
    )


def post(client, url, data):
    return client.post(url, data, format="json")


@pytest.fixture
def posted(world):
    return services.person_enroll(
        actor=OFFICE, unit=world.x, category="administrative", funding="full",
        person=person(1), channel="考录", start_date=today(), doc_no=DOC,
        permit=grant_permit(world.x),
    )  # fmt: skip


def refused(client, url, data, code, http_status=400, field=None):
    before = state()
    body = assert_refused(post(client, url, data), code, http_status, field)
    assert state() == before
    return body


# -- reads -----------------------------------------------------------------------------


def test_unit_people_and_as_of(world, cast, as_user, posted):
    client = as_user(cast.office_admin)
    data = client.get(f"/api/units/{world.x.pk}/people/").json()
    assert data["count"] == 1
    row = data["results"][0]
    assert row["person"]["name"] == "测试1"
    # Masked for office staff too; the whole number only by reveal-id.
    assert row["person"]["id_number"] == mask_id_number(posted.person.id_number)
    assert (row["category"], row["funding"], row["channel_label"]) == (
        "administrative",
        "full",
        "考录",
    )
    before = client.get(f"/api/units/{world.x.pk}/people/?as_of=2024-01-01").json()
    assert before["count"] == 0


def test_unit_hr_sees_masked_ids_and_404_elsewhere(world, cast, as_user, posted):
    hr_x, hr_y = as_user(cast.hr_x), as_user(cast.hr_y)
    row = hr_x.get(f"/api/units/{world.x.pk}/people/").json()["results"][0]
    assert row["person"]["id_number"] == mask_id_number(posted.person.id_number)
    detail = hr_x.get(f"/api/persons/{posted.person.pk}/")
    assert detail.status_code == 200
    assert detail.json()["current_posting"]["unit"] == world.x.pk
    assert_refused(hr_y.get(f"/api/persons/{posted.person.pk}/"), "OUT_OF_SCOPE", 404)
    assert_refused(hr_y.get(f"/api/units/{world.x.pk}/people/"), "OUT_OF_SCOPE", 404)
    assert_refused(hr_x.get("/api/persons/999999/"), "OUT_OF_SCOPE", 404)


def test_person_detail(world, cast, as_user, posted):
    data = as_user(cast.office_admin).get(f"/api/persons/{posted.person.pk}/").json()
    assert data["name"] == "测试1" and data["retirement_date"]
    assert [p["id"] for p in data["postings"]] == [posted.pk]
    assert data["appointments"] == [] and data["secondments"] == []


# -- postings ------------------------------------------------------------------------------


def test_enroll_by_office_and_own_hr(world, cast, as_user):
    grant_permit(world.x, count=2)  # 考录: the API intakes find the unit's permit
    response = post(as_user(cast.office_admin), "/api/postings/", enroll_body(world.x))
    assert response.status_code == 201, response.content
    assert response.json()["person"]["name"] == "测试1"
    response = post(as_user(cast.hr_x), "/api/postings/", enroll_body(world.x, 2))
    assert response.status_code == 201, response.content
    assert (
        QuotaAccount.objects.get(unit=world.x, category_id="administrative").occupied
        == 2
    )


def test_enroll_refusals(world, cast, as_user, posted):
    office = as_user(cast.office_admin)
    grant_permit(world.x)  # refused for other reasons than a permit
    refused(office, "/api/postings/", enroll_body(world.x, 1), "PERSON_ALREADY_POSTED")
    wrong = person(2)["id_number"][:-1] + "0"
    if wrong == person(2)["id_number"]:
        wrong = wrong[:-1] + "1"
    refused(
        office,
        "/api/postings/",
        enroll_body(world.x, 2, person=person(2, id_number=wrong)),
        "ID_INVALID",
        field="id_number",
    )
    institution = person(3, identity="事业人员", post_type="管理")
    refused(
        office,
        "/api/postings/",
        enroll_body(world.x, person=institution),
        "CATEGORY_MISMATCH",
    )
    # Y: 8 approved; fill it, the ninth is refused.
    for n in range(10, 18):
        services.person_enroll(
            actor=OFFICE, unit=world.y, category="administrative", funding="full",
            person=person(n), channel="考录", start_date=today(), doc_no=DOC,
            permit=grant_permit(world.y),
        )  # fmt: skip
    # Capacity through a channel filed afterwards (考录 has no permit to find).
    full = enroll_body(world.y, 20, channel="军转干部安置")
    refused(office, "/api/postings/", full, "QUOTA_FULL")
    # Out of scope: another city's unit; the HR of Y may not enroll into X.
    refused(office, "/api/postings/", enroll_body(world.w, 21), "OUT_OF_SCOPE", 404)
    refused(
        as_user(cast.hr_y),
        "/api/postings/",
        enroll_body(world.x, 22),
        "OUT_OF_SCOPE",
        404,
    )
    refused(as_user(cast.inspector), "/api/postings/", enroll_body(world.x, 23),
            "ROLE_FORBIDDEN", 403)  # fmt: skip


def test_release(world, cast, as_user, posted):
    url = f"/api/postings/{posted.pk}/release/"
    refused(as_user(cast.hr_y), url, {"reason_code": "辞职", "exit_date": today()},
            "OUT_OF_SCOPE", 404)  # fmt: skip
    refused(as_user(cast.hr_x), url, {"reason_code": "跳槽", "exit_date": today()},
            "VALUE_INVALID", field="reason_code")  # fmt: skip
    response = post(
        as_user(cast.hr_x), url, {"reason_code": "辞职", "exit_date": today()}
    )
    assert response.status_code == 200, response.content
    assert response.json()["end_reason"] == "resignation"
    assert (
        QuotaAccount.objects.get(unit=world.x, category_id="administrative").occupied
        == 0
    )


def test_transfer(world, cast, as_user, posted):
    url = f"/api/persons/{posted.person.pk}/transfer/"
    body = {"to_unit": world.y.pk, "category": "administrative", "funding": "full",
            "start_date": today(), "doc_no": DOC}  # fmt: skip
    refused(as_user(cast.hr_x), url, body, "ROLE_FORBIDDEN", 403)
    refused(as_user(cast.office_admin), url, {**body, "category": "institutional"},
            "ACCOUNT_UNKNOWN", 404)  # fmt: skip
    grant_permit(world.y, channel="transfer_in")  # 调入: the intake finds it
    response = post(as_user(cast.office_admin), url, body)
    assert response.status_code == 201, response.content
    assert response.json()["unit"] == world.y.pk
    assert Posting.objects.get(pk=posted.pk).end_date is not None


# -- appointments, secondments, off-quota, locked fields ------------------------------------


def test_appointments(world, cast, as_user, posted):
    leader_posts_set(
        actor=Actor.system(), unit=world.x, scope="unit", level="county", kind="chief",
        count=1, doc_no="初始化导入", effective_date=posted.start_date, reason="初始化",
    )  # fmt: skip
    office = as_user(cast.office_admin)
    body = {"posting": posted.pk, "scope": "unit", "level": "county", "kind": "正职",
            "title": "主任", "start_date": today(), "doc_no": DOC}  # fmt: skip
    refused(as_user(cast.hr_x), "/api/appointments/", body, "ROLE_FORBIDDEN", 403)
    response = post(office, "/api/appointments/", body)
    assert response.status_code == 201, response.content
    appointment_id = response.json()["id"]
    second = services.person_enroll(
        actor=OFFICE, unit=world.x, category="administrative", funding="full",
        person=person(2), channel="考录", start_date=today(), doc_no=DOC,
        permit=grant_permit(world.x),
    )  # fmt: skip
    refused(office, "/api/appointments/", {**body, "posting": second.pk},
            "LEADER_POSTS_FULL")  # fmt: skip
    end = f"/api/appointments/{appointment_id}/end/"
    response = post(office, end, {"end_date": today(), "doc_no": DOC})
    assert response.status_code == 200, response.content
    assert response.json()["end_date"] == today()


def test_secondment_offquota_and_locked_field(world, cast, as_user, posted):
    office = as_user(cast.office_admin)
    body = {"person": posted.person.pk, "host_unit": world.y.pk, "start_date": today(),
            "end_date": "2099-12-31", "doc_no": DOC}  # fmt: skip
    response = post(office, "/api/secondments/", body)
    assert response.status_code == 201, response.content
    url = f"/api/secondments/{response.json()['id']}/end/"
    response = post(office, url, {"ended_on": today()})
    assert response.status_code == 200, response.content

    staff = {"unit": world.x.pk, "name": "编外一", "id_number": person(30)["id_number"],
             "employment_form": "聘用", "funding_source": "财政资金",
             "start_date": today()}  # fmt: skip
    refused(as_user(cast.hr_x), "/api/offquota/",
            {**staff, "id_number": posted.person.id_number}, "PERSON_ALREADY_POSTED")  # fmt: skip
    response = post(as_user(cast.hr_x), "/api/offquota/", staff)
    assert response.status_code == 201, response.content
    url = f"/api/offquota/{response.json()['id']}/end/"
    assert post(as_user(cast.hr_x), url, {"end_date": today()}).status_code == 200

    locked = f"/api/persons/{posted.person.pk}/locked-field/"
    refused(office, locked, {"field": "name", "value": "测试甲"}, "FIELD_REQUIRED",
            field="reason")  # fmt: skip
    response = post(
        office, locked, {"field": "name", "value": "测试甲", "reason": "更正"}
    )
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=posted.person.pk).name == "测试甲"


def test_bad_json_and_missing_fields(world, cast, as_user, posted):
    office = as_user(cast.office_admin)
    refused(office, "/api/postings/", {"unit": world.x.pk}, "FIELD_REQUIRED")
    refused(office, "/api/postings/", enroll_body(world.x, 5, start_date="昨天"),
            "DATE_INVALID", field="start_date")  # fmt: skip
