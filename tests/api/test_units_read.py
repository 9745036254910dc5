"""GET /api/units/, /api/units/{id}/?as_of=, /api/units/{id}/lineage/."""

import datetime as dt

import pytest
from django.utils import timezone

from bianzhi.orgs import services as orgs

from .conftest import SYSTEM
from .helpers import assert_refused

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [u["id"] for u in response.json()["results"]]


def test_list_scoping(world, cast, as_user):
    assert ids(as_user(cast.office_admin).get("/api/units/")) == [
        world.x.pk,
        world.y.pk,
        world.z.pk,
    ]
    assert ids(as_user(cast.hr_x).get("/api/units/")) == [world.x.pk]
    assert ids(as_user(cast.hr_y).get("/api/units/")) == [world.y.pk]
    assert ids(as_user(cast.inspector).get("/api/units/")) == [
        world.x.pk,
        world.y.pk,
        world.z.pk,
    ]
    assert ids(as_user(cast.audit_admin).get("/api/units/")) == []


def test_list_filters(world, cast, as_user):
    client = as_user(cast.office_admin)
    assert ids(client.get("/api/units/?kind=institution")) == [world.z.pk]
    assert ids(client.get("/api/units/?kind=事业单位")) == [world.z.pk]
    assert ids(client.get("/api/units/?q=财政")) == [world.y.pk]
    assert ids(client.get("/api/units/?status=revoked")) == []
    assert ids(client.get("/api/units/?region=990100")) == [
        world.x.pk,
        world.y.pk,
        world.z.pk,
    ]
    # A region outside the scope filters to nothing, it does not widen the scope.
    assert ids(client.get("/api/units/?region=990200")) == []
    assert ids(as_user(cast.hr_y).get("/api/units/?q=发展")) == []


def test_list_bad_filter(world, cast, as_user):
    response = as_user(cast.office_admin).get("/api/units/?kind=ministry")
    assert_refused(response, "VALUE_INVALID", 400, field="kind")


def test_detail(world, cast, as_user):
    response = as_user(cast.hr_x).get(f"/api/units/{world.x.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["unit"]["name"] == "示例市发展和改革委员会"
    assert body["state"]["kind"] == "gov_dept"
    assert body["as_of"] == str(timezone.localdate())
    accounts = {(a["category"], a["funding"]): a for a in body["accounts"]}
    assert accounts[("administrative", "full")]["approved"] == 10
    assert accounts[("administrative", "full")]["vacancy"] == 10
    assert body["internal_bodies"] == []
    assert body["mandate"] is None
    assert body["leader_posts"] == []


def test_detail_as_of_shows_the_old_name(world, cast, as_user):
    today = timezone.localdate()
    orgs.unit_rename(
        actor=SYSTEM,
        unit=world.x,
        name="示例市发展改革委",
        doc_no="示编〔2026〕5号",
        effective_date=today,
    )
    client = as_user(cast.office_admin)
    yesterday = today - dt.timedelta(days=1)
    old = client.get(f"/api/units/{world.x.pk}/?as_of={yesterday}").json()
    assert old["state"]["name"] == "示例市发展和改革委员会"
    assert old["unit"]["name"] == "示例市发展改革委"
    new = client.get(f"/api/units/{world.x.pk}/").json()
    assert new["state"]["name"] == "示例市发展改革委"


def test_detail_as_of_before_establishment(world, cast, as_user):
    response = as_user(cast.office_admin).get(
        f"/api/units/{world.x.pk}/?as_of=2023-06-01"
    )
    assert_refused(response, "OUT_OF_SCOPE", 404, field="as_of")


def test_detail_accounts_as_of(world, cast, as_user):
    body = as_user(cast.office_admin).get(f"/api/units/{world.x.pk}/?as_of=2023-12-31")
    # X did not exist yet on that day.
    assert body.status_code == 404
    body = as_user(cast.office_admin).get(f"/api/units/{world.x.pk}/?as_of=2024-01-01")
    accounts = {(a["category"], a["funding"]): a for a in body.json()["accounts"]}
    assert accounts[("administrative", "full")]["approved"] == 10


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024/13/01"])
def test_detail_bad_as_of(world, cast, as_user, value):
    response = as_user(cast.office_admin).get(f"/api/units/{world.x.pk}/?as_of={value}")
    assert_refused(response, "DATE_INVALID", 400, field="as_of")


def test_detail_out_of_scope(world, cast, as_user):
    for user in (cast.hr_y, cast.audit_admin):
        for url in (f"/api/units/{world.x.pk}/", f"/api/units/{world.x.pk}/lineage/"):
            assert_refused(as_user(user).get(url), "OUT_OF_SCOPE", 404)
    client = as_user(cast.office_admin)
    assert_refused(client.get(f"/api/units/{world.w.pk}/"), "OUT_OF_SCOPE", 404)
    assert_refused(client.get("/api/units/999999/"), "OUT_OF_SCOPE", 404)
    assert_refused(client.get("/api/units/abc/"), "OUT_OF_SCOPE", 404)
    assert_refused(
        client.get("/api/units/99999999999999999999999/"), "OUT_OF_SCOPE", 404
    )


def test_lineage(world, cast, as_user):
    orgs.unit_change_rank(
        actor=SYSTEM,
        unit=world.x,
        rank="vice_bureau",
        doc_no="示编〔2026〕6号",
        effective_date=timezone.localdate(),
    )
    response = as_user(cast.hr_x).get(f"/api/units/{world.x.pk}/lineage/")
    assert response.status_code == 200
    body = response.json()
    assert [c["kind"] for c in body] == ["establish", "change_rank"]
    assert body[1]["before"] == {"rank": "division"}
    assert body[1]["after"] == {"rank": "vice_bureau"}
    assert body[1]["doc_no"] == "示编〔2026〕6号"
