"""GET /api/regions/, GET /api/regions/{code}/, POST …/agency-caps/."""

import pytest

from bianzhi.orgs.models import AgencyCap

from .helpers import assert_refused, counts

pytestmark = pytest.mark.django_db

TODAY_CAP = {"cap": 40, "doc_no": "示编〔2025〕3号", "effective_date": "2025-01-01",
             "reason": "省编委批复"}  # fmt: skip


def test_list_shows_regions_in_scope_only(world, cast, as_user):
    body = as_user(cast.office_admin).get("/api/regions/").json()
    assert [r["code"] for r in body["results"]] == ["990100"]
    for user in (cast.hr_x, cast.audit_admin):
        assert as_user(user).get("/api/regions/").json()["results"] == []


def test_detail_has_control_totals_and_system_accounts(world, cast, as_user):
    response = as_user(cast.office_admin).get("/api/regions/990100/")
    assert response.status_code == 200
    body = response.json()
    assert body["region"]["name"] == "示例市"
    totals = {(t["category"], t["funding"]): t for t in body["control_totals"]}
    admin = totals[("administrative", "full")]
    assert (admin["total"], admin["units"], admin["reserve"]) == (50, 18, 32)
    reserve = [
        a
        for a in body["accounts"]
        if a["holder_kind"] == "reserve" and a["category"] == "administrative"
    ]
    assert reserve and reserve[0]["approved"] == 32
    assert body["agency_cap"]["cap"] is None
    assert body["agency_cap"]["note"] == "限额未设置"


def test_detail_as_of_before_the_totals(world, cast, as_user):
    body = (
        as_user(cast.office_admin).get("/api/regions/990100/?as_of=2023-12-31").json()
    )
    totals = {(t["category"], t["funding"]): t["total"] for t in body["control_totals"]}
    assert totals.get(("administrative", "full"), 0) == 0


def test_detail_out_of_scope_is_404(world, cast, as_user):
    assert_refused(
        as_user(cast.office_admin).get("/api/regions/990200/"), "OUT_OF_SCOPE", 404
    )
    assert_refused(as_user(cast.hr_x).get("/api/regions/990100/"), "OUT_OF_SCOPE", 404)
    assert_refused(
        as_user(cast.audit_admin).get("/api/regions/990100/"), "OUT_OF_SCOPE", 404
    )
    assert_refused(
        as_user(cast.office_admin).get("/api/regions/123456/"), "OUT_OF_SCOPE", 404
    )


def test_detail_bad_as_of(world, cast, as_user):
    response = as_user(cast.office_admin).get("/api/regions/990100/?as_of=2024-02-30")
    assert_refused(response, "DATE_INVALID", 400, field="as_of")


def test_agency_cap_set(world, cast, as_user):
    before = counts()
    response = as_user(cast.office_admin).post(
        "/api/regions/990100/agency-caps/", TODAY_CAP, format="json"
    )
    assert response.status_code == 201, response.content
    cap = AgencyCap.objects.get(region=world.city)
    assert (cap.cap, cap.doc_no, str(cap.effective_date)) == (
        40,
        "示编〔2025〕3号",
        "2025-01-01",
    )
    assert response.json()["id"] == cap.pk
    after = counts()
    assert after["agency_caps"] == before["agency_caps"] + 1
    assert after["audit"] == before["audit"] + 1
    detail = as_user(cast.office_admin).get("/api/regions/990100/").json()
    assert detail["agency_cap"]["cap"] == 40


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"cap": -1}, "QUANTITY_INVALID", "cap"),
        ({"cap": "四十"}, "QUANTITY_INVALID", "cap"),
        ({"cap": 2.5}, "QUANTITY_INVALID", "cap"),
        ({"doc_no": "示编2025-3"}, "DOC_NO_INVALID", "doc_no"),
        ({"effective_date": "2025-13-01"}, "DATE_INVALID", "effective_date"),
        ({"doc_no": None}, "FIELD_REQUIRED", "doc_no"),
    ],
)
def test_agency_cap_bad_input(world, cast, as_user, change, code, field):
    before = counts()
    response = as_user(cast.office_admin).post(
        "/api/regions/990100/agency-caps/", {**TODAY_CAP, **change}, format="json"
    )
    assert_refused(response, code, 400, field=field)
    assert counts() == before


def test_agency_cap_missing_key(world, cast, as_user):
    data = {k: v for k, v in TODAY_CAP.items() if k != "effective_date"}
    response = as_user(cast.office_admin).post(
        "/api/regions/990100/agency-caps/", data, format="json"
    )
    assert_refused(response, "FIELD_REQUIRED", 400, field="effective_date")


@pytest.mark.parametrize("who", ["hr_x", "inspector", "audit_admin"])
def test_agency_cap_wrong_role(world, cast, as_user, who):
    before = counts()
    response = as_user(getattr(cast, who)).post(
        "/api/regions/990100/agency-caps/", TODAY_CAP, format="json"
    )
    assert_refused(response, "ROLE_FORBIDDEN", 403)
    assert counts() == before


def test_agency_cap_out_of_scope(world, cast, as_user):
    before = counts()
    response = as_user(cast.office_admin).post(
        "/api/regions/990200/agency-caps/", TODAY_CAP, format="json"
    )
    assert_refused(response, "OUT_OF_SCOPE", 404)
    assert counts() == before
