"""POST /api/units/ and /api/units/{id}/rename|change-rank|change-attributes/."""

import pytest
from django.utils import timezone

from bianzhi.orgs.models import Unit, UnitChange

from .helpers import assert_refused, counts

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()

NEW_UNIT = {
    "region": "990100",
    "name": "示例市数据局",
    "kind": "gov_dept",
    "rank": "division",
    "doc_no": "示编〔2026〕10号",
    "effective_date": TODAY,
    "reason": "机构改革",
}


def post(client, url, data):
    return client.post(url, data, format="json")


def test_establish(world, cast, as_user):
    before = counts()
    data = {**NEW_UNIT, "kind": "政府部门", "doc_no": "示编(2026)10号"}
    response = post(as_user(cast.office_admin), "/api/units/", data)
    assert response.status_code == 201, response.content
    unit = Unit.objects.get(pk=response.json()["id"])
    assert (unit.name, unit.kind, unit.region_id) == (
        "示例市数据局",
        "gov_dept",
        "990100",
    )
    assert unit.established_doc_no == "示编〔2026〕10号"
    change = UnitChange.objects.get(unit=unit)
    assert change.kind == "establish"
    after = counts()
    assert after["units"] == before["units"] + 1
    assert after["audit"] == before["audit"] + 1


def test_establish_institution_under_a_parent(world, cast, as_user):
    data = {
        **NEW_UNIT,
        "name": "示例市价格监测中心",
        "kind": "institution",
        "institution_class": "公益一类",
        "parent": world.x.pk,
    }
    response = post(as_user(cast.office_leader), "/api/units/", data)
    assert response.status_code == 201, response.content
    unit = Unit.objects.get(pk=response.json()["id"])
    assert (unit.parent_id, unit.institution_class) == (world.x.pk, "public_welfare_1")


@pytest.mark.parametrize(
    "change, code, status, field",
    [
        ({"kind": "ministry"}, "VALUE_INVALID", 400, "kind"),
        ({"rank": 3}, "VALUE_INVALID", 400, "rank"),
        ({"doc_no": "数据局设立"}, "DOC_NO_INVALID", 400, "doc_no"),
        ({"effective_date": "2026-02-30"}, "DATE_INVALID", 400, "effective_date"),
        ({"effective_date": "明天"}, "DATE_INVALID", 400, "effective_date"),
        ({"name": ""}, "FIELD_REQUIRED", 400, "name"),
        ({"name": None}, "FIELD_REQUIRED", 400, "name"),
        ({"in_cap": "maybe"}, "VALUE_INVALID", 400, "in_cap"),
        ({"region": "123456"}, "REGION_UNKNOWN", 400, "region"),
        ({"region": "abc"}, "REGION_UNKNOWN", 400, "region"),
        ({"region": "990200"}, "OUT_OF_SCOPE", 404, "region"),
        ({"parent": 999999}, "UNIT_UNKNOWN", 404, "parent"),
        ({"parent": "abc"}, "UNIT_UNKNOWN", 404, "parent"),
        # A service rule (in-cap only for party/government organs) comes through as is.
        ({"kind": "institution", "in_cap": True}, "IN_CAP_KIND", 400, None),
    ],
)
def test_establish_bad_input(world, cast, as_user, change, code, status, field):
    before = counts()
    response = post(as_user(cast.office_admin), "/api/units/", {**NEW_UNIT, **change})
    assert_refused(response, code, status, field=field)
    assert counts() == before


def test_establish_parent_out_of_scope(world, cast, as_user):
    before = counts()
    data = {**NEW_UNIT, "parent": world.w.pk}
    response = post(as_user(cast.office_admin), "/api/units/", data)
    assert_refused(response, "OUT_OF_SCOPE", 404, field="parent")
    assert counts() == before


def test_establish_missing_key(world, cast, as_user):
    data = {k: v for k, v in NEW_UNIT.items() if k != "kind"}
    response = post(as_user(cast.office_admin), "/api/units/", data)
    assert_refused(response, "FIELD_REQUIRED", 400, field="kind")


def test_establish_not_a_json_object(world, cast, as_user):
    client = as_user(cast.office_admin)
    assert_refused(post(client, "/api/units/", [NEW_UNIT]), "VALUE_INVALID", 400)
    response = client.post("/api/units/", "{not json", content_type="application/json")
    assert_refused(response, "VALUE_INVALID", 400)


def test_messages_stay_chinese_for_english_clients(world, cast, as_user):
    client = as_user(cast.office_admin)
    response = client.post(
        "/api/units/",
        {**NEW_UNIT, "name": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert_refused(response, "FIELD_REQUIRED", 400, field="name")


@pytest.mark.parametrize("who", ["hr_x", "inspector", "audit_admin"])
def test_establish_wrong_role(world, cast, as_user, who):
    before = counts()
    response = post(as_user(getattr(cast, who)), "/api/units/", NEW_UNIT)
    assert_refused(response, "ROLE_FORBIDDEN", 403)
    assert counts() == before


# -- rename / change-rank / change-attributes ---------------------------------------

RENAME = {
    "name": "示例市发展改革委",
    "doc_no": "示编〔2026〕11号",
    "effective_date": TODAY,
}


def test_rename(world, cast, as_user):
    before = counts()
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/rename/", RENAME
    )
    assert response.status_code == 200, response.content
    world.x.refresh_from_db()
    assert world.x.name == "示例市发展改革委"
    assert response.json()["name"] == "示例市发展改革委"
    after = counts()
    assert after["unit_changes"] == before["unit_changes"] + 1
    assert after["audit"] == before["audit"] + 1


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"name": "  "}, "FIELD_REQUIRED", "name"),
        ({"doc_no": "示编〔26〕11号"}, "DOC_NO_INVALID", "doc_no"),
        ({"effective_date": 20261121.5}, "DATE_INVALID", "effective_date"),
        ({"effective_date": "2020-01-01"}, "BACKDATE_REASON_REQUIRED", "reason"),
    ],
)
def test_rename_bad_input(world, cast, as_user, change, code, field):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.x.pk}/rename/",
        {**RENAME, **change},
    )
    assert_refused(response, code, 400, field=field)
    assert counts() == before
    world.x.refresh_from_db()
    assert world.x.name == "示例市发展和改革委员会"


def test_rename_scoping(world, cast, as_user):
    before = counts()
    url = f"/api/units/{world.x.pk}/rename/"
    # unit HR may not write even its own unit; another unit's HR gets the same
    # answer as for an id that does not exist (nothing learned).
    assert_refused(post(as_user(cast.hr_x), url, RENAME), "ROLE_FORBIDDEN", 403)
    assert_refused(post(as_user(cast.hr_y), url, RENAME), "ROLE_FORBIDDEN", 403)
    assert_refused(
        post(as_user(cast.hr_y), "/api/units/999999/rename/", RENAME),
        "ROLE_FORBIDDEN",
        403,
    )
    assert_refused(post(as_user(cast.inspector), url, RENAME), "ROLE_FORBIDDEN", 403)
    admin = as_user(cast.office_admin)
    assert_refused(
        post(admin, f"/api/units/{world.w.pk}/rename/", RENAME), "OUT_OF_SCOPE", 404
    )
    assert_refused(
        post(admin, "/api/units/999999/rename/", RENAME), "OUT_OF_SCOPE", 404
    )
    assert counts() == before


def test_change_rank(world, cast, as_user):
    data = {"rank": "副厅", "doc_no": "示编〔2026〕12号", "effective_date": TODAY}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/change-rank/", data
    )
    assert response.status_code == 200, response.content
    world.x.refresh_from_db()
    assert world.x.rank == "vice_bureau"


def test_change_rank_bad_rank(world, cast, as_user):
    before = counts()
    data = {"rank": "正局", "doc_no": "示编〔2026〕12号", "effective_date": TODAY}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/change-rank/", data
    )
    assert_refused(response, "VALUE_INVALID", 400, field="rank")
    assert counts() == before


ATTRS = {"doc_no": "示编〔2026〕13号", "effective_date": TODAY}


def test_change_attributes(world, cast, as_user):
    data = {**ATTRS, "changes": {"parent": world.y.pk, "sector": "S"}}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.z.pk}/change-attributes/", data
    )
    assert response.status_code == 200, response.content
    world.z.refresh_from_db()
    assert (world.z.parent_id, world.z.sector) == (world.y.pk, "S")
    data = {**ATTRS, "changes": {"parent": None}}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.z.pk}/change-attributes/", data
    )
    assert response.status_code == 200, response.content
    world.z.refresh_from_db()
    assert world.z.parent_id is None


@pytest.mark.parametrize(
    "changes, code, status, field",
    [
        ({}, "FIELD_REQUIRED", 400, "changes"),
        ({"parent": 999999}, "UNIT_UNKNOWN", 404, "changes.parent"),
        (
            {"civil_service_managed": "perhaps"},
            "VALUE_INVALID",
            400,
            "changes.civil_service_managed",
        ),
        (
            {"institution_class": "三类"},
            "VALUE_INVALID",
            400,
            "changes.institution_class",
        ),
    ],
)
def test_change_attributes_bad_input(
    world, cast, as_user, changes, code, status, field
):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.z.pk}/change-attributes/",
        {**ATTRS, "changes": changes},
    )
    assert_refused(response, code, status, field=field)
    assert counts() == before


def test_change_attributes_changes_not_an_object(world, cast, as_user):
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.z.pk}/change-attributes/",
        {**ATTRS, "changes": ["sector"]},
    )
    assert_refused(response, "VALUE_INVALID", 400, field="changes")


def test_change_attributes_parent_out_of_scope(world, cast, as_user):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.z.pk}/change-attributes/",
        {**ATTRS, "changes": {"parent": world.w.pk}},
    )
    assert_refused(response, "OUT_OF_SCOPE", 404, field="changes.parent")
    assert counts() == before
