"""GET /api/movements/ (filters, scoping) and /api/movements/{id}/ (legs)."""

import pytest

from bianzhi.quota.models import QuotaMovement

from .helpers import assert_refused

pytestmark = pytest.mark.django_db


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {m["id"] for m in response.json()["results"]}


def city_movements() -> set[int]:
    return set(
        QuotaMovement.objects.filter(region_id="990100").values_list("pk", flat=True)
    )


def test_list_scoping(world, cast, as_user):
    assert ids(as_user(cast.office_admin).get("/api/movements/")) == city_movements()
    assert ids(as_user(cast.inspector).get("/api/movements/")) == city_movements()
    # A unit's HR sees the movements that touch its unit, nothing else.
    assert ids(as_user(cast.hr_x).get("/api/movements/")) == {world.grant_x.pk}
    assert ids(as_user(cast.hr_y).get("/api/movements/")) == {world.grant_y.pk}
    assert ids(as_user(cast.audit_admin).get("/api/movements/")) == set()


def test_list_filters(world, cast, as_user):
    admin = as_user(cast.office_admin)
    grants = {world.grant_x.pk, world.grant_y.pk}
    all_grants = ids(admin.get("/api/movements/?kind=grant"))
    assert grants <= all_grants and len(all_grants) == 3  # X, Y and Z
    assert ids(admin.get("/api/movements/?kind=核定")) == all_grants
    assert ids(admin.get(f"/api/movements/?unit={world.x.pk}")) == {world.grant_x.pk}
    assert ids(admin.get("/api/movements/?region=990100")) == city_movements()
    assert ids(admin.get("/api/movements/?doc_no=初始化")) == city_movements()
    assert ids(admin.get("/api/movements/?date_from=2024-01-02")) == set()
    assert ids(admin.get("/api/movements/?date_to=2024-01-01")) == city_movements()
    assert ids(admin.get("/api/movements/?status=pending")) == set()


def test_list_doc_no_is_normalised(world, cast, as_user):
    from bianzhi.quota import services as quota

    from .conftest import SYSTEM

    movement = quota.quota_pool_fund(
        actor=SYSTEM,
        region=world.city,
        category="administrative",
        funding="full",
        amount=2,
        doc_no="示编〔2026〕7号",
        effective_date=world.grant_x.effective_date,
        reason="测试",
    )
    admin = as_user(cast.office_admin)
    assert ids(admin.get("/api/movements/?doc_no=示编(2026)7号")) == {movement.pk}
    assert ids(admin.get("/api/movements/?doc_no=示编【2026】")) == {movement.pk}


@pytest.mark.parametrize(
    "query, code, status, field",
    [
        ("kind=gift", "VALUE_INVALID", 400, "kind"),
        ("status=done", "VALUE_INVALID", 400, "status"),
        ("date_from=2024-02-30", "DATE_INVALID", 400, "date_from"),
        ("date_to=someday", "DATE_INVALID", 400, "date_to"),
        ("unit=abc", "UNIT_UNKNOWN", 404, "unit"),
        ("region=990200", "OUT_OF_SCOPE", 404, "region"),
    ],
)
def test_list_bad_filters(world, cast, as_user, query, code, status, field):
    response = as_user(cast.office_admin).get(f"/api/movements/?{query}")
    assert_refused(response, code, status, field=field)


def test_list_filter_on_a_unit_out_of_scope(world, cast, as_user):
    response = as_user(cast.hr_y).get(f"/api/movements/?unit={world.x.pk}")
    assert_refused(response, "OUT_OF_SCOPE", 404, field="unit")


def test_detail_with_legs(world, cast, as_user):
    response = as_user(cast.hr_x).get(f"/api/movements/{world.grant_x.pk}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["kind"], body["doc_no"]) == ("grant", "初始化导入")
    legs = {leg["holder_kind"]: leg for leg in body["legs"]}
    assert legs["unit"]["amount"] == 10 and legs["unit"]["unit"] == world.x.pk
    assert legs["reserve"]["amount"] == -10
    assert sum(leg["amount"] for leg in body["legs"]) == 0


def test_detail_out_of_scope(world, cast, as_user):
    url = f"/api/movements/{world.grant_x.pk}/"
    for user in (cast.hr_y, cast.audit_admin):
        assert_refused(as_user(user).get(url), "OUT_OF_SCOPE", 404)
    other = QuotaMovement.objects.filter(region_id="990200").first()
    admin = as_user(cast.office_admin)
    assert_refused(admin.get(f"/api/movements/{other.pk}/"), "OUT_OF_SCOPE", 404)
    assert_refused(admin.get("/api/movements/999999/"), "OUT_OF_SCOPE", 404)
    assert_refused(admin.get("/api/movements/x/"), "OUT_OF_SCOPE", 404)
