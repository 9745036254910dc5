"""ID numbers over REST (issue 4 §5): masked in every answer for every role;
the whole number only from POST /api/persons/<id>/reveal-id/, one audit event
per call that does not itself contain the number."""

from __future__ import annotations

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.roster import services
from bianzhi.roster.services_privacy import OPERATION, person_id_reveal
from tests.conftest import grant_permit

from .helpers import assert_refused
from .test_roster_api import DOC, OFFICE, enroll_body, person, today

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system()


@pytest.fixture
def posted(world):
    return services.person_enroll(
        actor=OFFICE, unit=world.x, category="administrative", funding="full",
        person=person(1), channel="考录", start_date=today(), doc_no=DOC,
        permit=grant_permit(world.x),
    )  # fmt: skip


@pytest.fixture
def number(posted) -> str:
    return posted.person.id_number


@pytest.fixture
def others(world):
    def user(username, role, **scope):
        u = user_create(actor=SYSTEM, username=username, password="pw-123456")
        role_assign(actor=SYSTEM, user=u, role=role, **scope)
        return u

    return {
        "zuzhibu": user("zuzhibu", "partner_reviewer", region=world.city),
        "supervisor": user("sup", "supervising_dept", unit=world.x),
        "other_office": user("other", "office_admin", region=world.other_city),
    }


def url(posted) -> str:
    return f"/api/persons/{posted.person.pk}/reveal-id/"


def reveals() -> int:
    return AuditEvent.objects.filter(operation=OPERATION).count()


# -- masked everywhere ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office_admin", "office_leader", "hr_x", "inspector"])
def test_lists_and_details_are_masked_for_everyone(
    world, cast, as_user, posted, number, who
):
    client = as_user(getattr(cast, who))
    rows = client.get(f"/api/units/{world.x.pk}/people/").json()["results"]
    assert rows[0]["person"]["id_number"] == mask_id_number(number)
    detail = client.get(f"/api/persons/{posted.person.pk}/")
    assert detail.json()["id_number"] == mask_id_number(number)
    assert number not in detail.content.decode()


def test_write_answers_are_masked(world, cast, as_user):
    client = as_user(cast.office_admin)
    grant_permit(world.x)  # 考录: the API intake finds the unit's permit
    body = enroll_body(world.x, 2)
    response = client.post("/api/postings/", body, format="json")
    assert response.status_code == 201, response.content.decode()
    typed = body["person"]["id_number"]
    assert response.json()["person"]["id_number"] == mask_id_number(typed)
    staff = {
        "unit": world.x.pk, "name": "编外一", "id_number": person(30)["id_number"],
        "employment_form": "contract", "funding_source": "public",
        "start_date": today(),
    }  # fmt: skip
    response = client.post("/api/offquota/", staff, format="json")
    assert response.status_code == 201, response.content.decode()
    assert response.json()["id_number"] == mask_id_number(staff["id_number"])


# -- the reveal -------------------------------------------------------------------------


def test_reveal_returns_the_number_and_one_event_without_it(
    cast, as_user, posted, number
):
    before = AuditEvent.objects.count()
    response = as_user(cast.office_admin).post(
        url(posted), {"purpose": "核对档案"}, format="json"
    )
    assert response.status_code == 200, response.content.decode()
    assert response.json() == {"id": posted.person.pk, "id_number": number}
    assert response["Cache-Control"] == "no-store"
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.get(operation=OPERATION)
    assert (event.actor_id, event.role) == (cast.office_admin.pk, "office_admin")
    assert [r["pk"] for r in event.records] == [posted.person.pk]
    assert "核对档案" in event.summary
    stored = json.dumps([event.records, event.summary], ensure_ascii=False)
    assert mask_id_number(number) in stored and number not in stored
    assert audit.verify_chain().ok


@pytest.mark.parametrize("who", ["office_leader", "hr_x", "inspector"])
def test_other_roles_with_the_permission_may_reveal(cast, as_user, posted, number, who):
    response = as_user(getattr(cast, who)).post(url(posted))
    assert response.status_code == 200 and response.json()["id_number"] == number
    assert reveals() == 1


def test_token_auth_reveals_too(cast, posted, number):
    client = APIClient()
    token = Token.objects.create(user=cast.inspector)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post(url(posted)).json()["id_number"] == number
    assert reveals() == 1


def test_unit_hr_of_another_unit_gets_404(cast, as_user, posted, number):
    body = assert_refused(as_user(cast.hr_y).post(url(posted)), "OUT_OF_SCOPE", 404)
    assert number not in json.dumps(body)
    assert reveals() == 0


def test_former_unit_hr_gets_404_after_a_transfer(world, cast, as_user, posted):
    services.person_transfer(
        actor=OFFICE, person=posted.person, to_unit=world.y,
        category="administrative", funding="full", start_date=today(), doc_no=DOC,
        permit=grant_permit(world.y, channel="transfer_in"),
    )  # fmt: skip
    hr_x = as_user(cast.hr_x)
    assert hr_x.get(f"/api/persons/{posted.person.pk}/").status_code == 200
    assert_refused(hr_x.post(url(posted)), "OUT_OF_SCOPE", 404)
    assert as_user(cast.hr_y).post(url(posted)).status_code == 200
    assert reveals() == 1


def test_released_person_only_for_region_roles(world, cast, as_user, posted, number):
    """After a release the unit's HR no longer sees the number (the service
    decides: the access layer still resolves the person through that unit);
    the office over the region still does."""
    services.person_release(
        actor=OFFICE, posting=posted, reason_code="辞职", exit_date=today()
    )
    assert (
        as_user(cast.hr_x).get(f"/api/persons/{posted.person.pk}/").status_code == 200
    )
    assert_refused(as_user(cast.hr_x).post(url(posted)), "OUT_OF_SCOPE", 404)
    assert as_user(cast.office_admin).post(url(posted)).json()["id_number"] == number
    assert reveals() == 1


def test_the_service_refuses_the_system_actor(posted):
    with pytest.raises(ApplicationError) as refused:
        person_id_reveal(actor=SYSTEM, person=posted.person)
    assert refused.value.code == "ROLE_FORBIDDEN"
    assert reveals() == 0


@pytest.mark.parametrize("who", ["zuzhibu", "supervisor"])
def test_roles_without_the_permission_get_403(as_user, others, posted, number, who):
    response = as_user(others[who]).post(url(posted))
    body = assert_refused(response, "ROLE_FORBIDDEN", 403)
    assert number not in json.dumps(body, ensure_ascii=False)
    assert reveals() == 0


def test_out_of_scope_missing_and_administrators_get_404(cast, as_user, others, posted):
    assert_refused(
        as_user(others["other_office"]).post(url(posted)), "OUT_OF_SCOPE", 404
    )
    assert_refused(as_user(cast.audit_admin).post(url(posted)), "OUT_OF_SCOPE", 404)
    missing = as_user(cast.office_admin).post("/api/persons/999999/reveal-id/")
    assert_refused(missing, "OUT_OF_SCOPE", 404)
    assert reveals() == 0


def test_only_post(cast, as_user, posted):
    assert as_user(cast.office_admin).get(url(posted)).status_code == 405
    assert APIClient().post(url(posted)).status_code in (401, 403)
    assert reveals() == 0


def test_reveal_route_is_in_the_schema(as_user, cast):
    schema = as_user(cast.office_admin).get("/api/schema/?format=json").json()
    assert "/api/persons/{id}/reveal-id/" in schema["paths"]
