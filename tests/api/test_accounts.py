"""GET /api/accounts/?unit= | ?region= [&as_of=]."""

import pytest

from .helpers import assert_refused

pytestmark = pytest.mark.django_db


def by_key(response) -> dict:
    assert response.status_code == 200, response.content
    return {(a["holder_kind"], a["category"], a["funding"]): a for a in response.json()}


def test_unit_accounts(world, cast, as_user):
    for user in (cast.office_admin, cast.hr_x, cast.inspector):
        rows = by_key(as_user(user).get(f"/api/accounts/?unit={world.x.pk}"))
        row = rows[("unit", "administrative", "full")]
        assert (row["approved"], row["occupied"], row["vacancy"], row["over"]) == (
            10,
            0,
            10,
            0,
        )
        assert row["unit"] == world.x.pk
        assert row["category_name"] == "行政编制"
        assert row["loans"] == []


def test_unit_accounts_as_of(world, cast, as_user):
    rows = by_key(
        as_user(cast.office_admin).get(
            f"/api/accounts/?unit={world.x.pk}&as_of=2023-12-31"
        )
    )
    assert rows[("unit", "administrative", "full")]["approved"] == 0


def test_region_accounts(world, cast, as_user):
    rows = by_key(as_user(cast.office_admin).get("/api/accounts/?region=990100"))
    assert rows[("reserve", "administrative", "full")]["approved"] == 32
    assert rows[("external", "administrative", "full")]["approved"] == -50
    assert all(r["holder_kind"] != "unit" for r in rows.values())


def test_accounts_scoping(world, cast, as_user):
    for user in (cast.hr_y, cast.audit_admin):
        response = as_user(user).get(f"/api/accounts/?unit={world.x.pk}")
        assert_refused(response, "OUT_OF_SCOPE", 404, field="unit")
    for user in (cast.hr_x, cast.audit_admin):
        response = as_user(user).get("/api/accounts/?region=990100")
        assert_refused(response, "OUT_OF_SCOPE", 404, field="region")
    admin = as_user(cast.office_admin)
    assert_refused(admin.get(f"/api/accounts/?unit={world.w.pk}"), "OUT_OF_SCOPE", 404)
    assert_refused(admin.get("/api/accounts/?region=990200"), "OUT_OF_SCOPE", 404)


def test_accounts_bad_parameters(world, cast, as_user):
    admin = as_user(cast.office_admin)
    assert_refused(admin.get("/api/accounts/"), "FIELD_REQUIRED", 400, field="unit")
    assert_refused(
        admin.get("/api/accounts/?unit=abc"), "UNIT_UNKNOWN", 404, field="unit"
    )
    assert_refused(
        admin.get("/api/accounts/?unit=999999"), "OUT_OF_SCOPE", 404, field="unit"
    )
    assert_refused(
        admin.get("/api/accounts/?region=99"), "REGION_UNKNOWN", 400, field="region"
    )
    assert_refused(
        admin.get(f"/api/accounts/?unit={world.x.pk}&as_of=2024-02-30"),
        "DATE_INVALID",
        400,
        field="as_of",
    )


def test_reads_do_not_tell_which_ids_exist(world, cast, as_user):
    """A unit's HR gets the same answer for another unit and for no unit."""
    client = as_user(cast.hr_y)
    existing = client.get(f"/api/accounts/?unit={world.x.pk}").json()
    missing = client.get("/api/accounts/?unit=999999").json()
    assert existing == missing
    assert existing["code"] == "OUT_OF_SCOPE"
