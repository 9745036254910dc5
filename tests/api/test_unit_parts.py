"""Internal bodies (add / remove), mandates (三定) and leader posts of a unit."""

import pytest
from django.utils import timezone

from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import InternalBody, Mandate
from bianzhi.quota.models import LeaderPostQuota

from .conftest import SYSTEM
from .helpers import assert_refused, counts

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()
DOC = {"doc_no": "示编〔2026〕20号", "effective_date": TODAY}


def post(client, url, data):
    return client.post(url, data, format="json")


def _body(unit, name="综合科"):
    return orgs.internal_body_add(
        actor=SYSTEM, unit=unit, name=name, rank="section", **DOC
    )


# -- internal bodies -----------------------------------------------------------


def test_internal_body_add(world, cast, as_user):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.x.pk}/internal-bodies/",
        {"name": "综合科", "rank": "正科", **DOC},
    )
    assert response.status_code == 201, response.content
    body = InternalBody.objects.get(pk=response.json()["id"])
    assert (body.unit_id, body.name, body.rank) == (world.x.pk, "综合科", "section")
    assert counts()["audit"] == before["audit"] + 1
    detail = as_user(cast.hr_x).get(f"/api/units/{world.x.pk}/").json()
    assert [b["name"] for b in detail["internal_bodies"]] == ["综合科"]


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"name": ""}, "FIELD_REQUIRED", "name"),
        ({"rank": "处级"}, "VALUE_INVALID", "rank"),
        ({"doc_no": 12}, "DOC_NO_INVALID", "doc_no"),
        ({"effective_date": "2026-00-10"}, "DATE_INVALID", "effective_date"),
    ],
)
def test_internal_body_add_bad_input(world, cast, as_user, change, code, field):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.x.pk}/internal-bodies/",
        {"name": "综合科", **DOC, **change},
    )
    assert_refused(response, code, 400, field=field)
    assert counts() == before


def test_internal_body_add_beyond_mandate(world, cast, as_user):
    orgs.mandate_set(actor=SYSTEM, unit=world.x, internal_bodies_approved=1, **DOC)
    _body(world.x)
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.x.pk}/internal-bodies/",
        {"name": "规划科", **DOC},
    )
    assert_refused(response, "INTERNAL_BODIES_EXCEEDED", 400)
    assert counts() == before


def test_internal_body_add_wrong_role(world, cast, as_user):
    url = f"/api/units/{world.x.pk}/internal-bodies/"
    for user in (cast.hr_x, cast.inspector, cast.audit_admin):
        assert_refused(
            post(as_user(user), url, {"name": "综合科", **DOC}), "ROLE_FORBIDDEN", 403
        )
    assert not InternalBody.objects.exists()


def test_internal_body_remove(world, cast, as_user):
    body = _body(world.x)
    before = counts()
    response = post(
        as_user(cast.office_admin), f"/api/internal-bodies/{body.pk}/remove/", DOC
    )
    assert response.status_code == 200, response.content
    body.refresh_from_db()
    assert str(body.abolished_on) == TODAY
    assert body.abolished_doc_no == "示编〔2026〕20号"
    assert counts()["audit"] == before["audit"] + 1


def test_internal_body_remove_refusals(world, cast, as_user):
    body = _body(world.x)
    other = _body(world.w, "秘书科")
    before = counts()
    url = f"/api/internal-bodies/{body.pk}/remove/"
    assert_refused(post(as_user(cast.hr_x), url, DOC), "ROLE_FORBIDDEN", 403)
    admin = as_user(cast.office_admin)
    assert_refused(
        post(admin, f"/api/internal-bodies/{other.pk}/remove/", DOC),
        "OUT_OF_SCOPE",
        404,
    )
    assert_refused(
        post(admin, "/api/internal-bodies/999999/remove/", DOC), "OUT_OF_SCOPE", 404
    )
    assert_refused(
        post(admin, url, {**DOC, "effective_date": "2026-02-31"}), "DATE_INVALID", 400
    )
    assert_refused(
        post(admin, url, {"effective_date": TODAY}), "FIELD_REQUIRED", 400, "doc_no"
    )
    assert counts() == before
    body.refresh_from_db()
    assert body.abolished_on is None


# -- mandates ------------------------------------------------------------------------


def test_mandate(world, cast, as_user):
    data = {"internal_bodies_approved": 6, "functions": "拟订发展规划", **DOC}
    response = post(
        as_user(cast.office_leader), f"/api/units/{world.x.pk}/mandates/", data
    )
    assert response.status_code == 201, response.content
    mandate = Mandate.objects.get(unit=world.x)
    assert (mandate.internal_bodies_approved, mandate.functions) == (6, "拟订发展规划")
    detail = as_user(cast.hr_x).get(f"/api/units/{world.x.pk}/").json()
    assert detail["mandate"]["internal_bodies_approved"] == 6


def test_mandate_zero_internal_bodies(world, cast, as_user):
    data = {"internal_bodies_approved": "0", **DOC}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.z.pk}/mandates/", data
    )
    assert response.status_code == 201, response.content
    assert Mandate.objects.get(unit=world.z).internal_bodies_approved == 0


@pytest.mark.parametrize("value", [-1, "六", 2.5, True, None])
def test_mandate_bad_count(world, cast, as_user, value):
    before = counts()
    data = {"internal_bodies_approved": value, **DOC}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/mandates/", data
    )
    code = "FIELD_REQUIRED" if value is None else "QUANTITY_INVALID"
    assert_refused(response, code, 400, field="internal_bodies_approved")
    assert counts() == before


def test_mandate_scoping(world, cast, as_user):
    data = {"internal_bodies_approved": 6, **DOC}
    assert_refused(
        post(as_user(cast.hr_y), f"/api/units/{world.x.pk}/mandates/", data),
        "ROLE_FORBIDDEN",
        403,
    )
    assert_refused(
        post(as_user(cast.office_admin), f"/api/units/{world.w.pk}/mandates/", data),
        "OUT_OF_SCOPE",
        404,
    )
    assert not Mandate.objects.exists()


# -- leader posts ----------------------------------------------------------------------

POSTS = {"scope": "unit", "level": "county", "kind": "deputy", "count": 3, **DOC}


def test_leader_posts(world, cast, as_user):
    before = counts()
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/leader-posts/", POSTS
    )
    assert response.status_code == 201, response.content
    quota = LeaderPostQuota.objects.get(unit=world.x)
    assert (quota.level, quota.kind, quota.count) == ("county", "deputy", 3)
    assert counts()["audit"] == before["audit"] + 1
    detail = as_user(cast.hr_x).get(f"/api/units/{world.x.pk}/").json()
    assert detail["leader_posts"][0]["count"] == 3
    assert detail["leader_posts"][0]["appointed"] == 0


def test_leader_posts_for_an_internal_body(world, cast, as_user):
    body = _body(world.x)
    data = {**POSTS, "scope": "internal_body", "level": "township", "kind": "chief",
            "count": 1, "internal_body": body.pk}  # fmt: skip
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/leader-posts/", data
    )
    assert response.status_code == 201, response.content
    assert LeaderPostQuota.objects.get(unit=world.x).internal_body_id == body.pk


@pytest.mark.parametrize(
    "change, code, field",
    [
        ({"count": "three"}, "QUANTITY_INVALID", "count"),
        ({"count": -2}, "QUANTITY_INVALID", "count"),
        ({"level": "部级"}, "VALUE_INVALID", "level"),
        (
            {"scope": "internal_body", "internal_body": 999999},
            "VALUE_INVALID",
            "internal_body",
        ),
        ({"scope": "internal_body"}, "FIELD_REQUIRED", "internal_body"),
        ({"effective_date": "2026-1-32"}, "DATE_INVALID", "effective_date"),
        ({"doc_no": "示编〔2026〕"}, "DOC_NO_INVALID", "doc_no"),
    ],
)
def test_leader_posts_bad_input(world, cast, as_user, change, code, field):
    before = counts()
    response = post(
        as_user(cast.office_admin),
        f"/api/units/{world.x.pk}/leader-posts/",
        {**POSTS, **change},
    )
    assert_refused(response, code, 400, field=field)
    assert counts() == before


def test_leader_posts_body_of_another_unit(world, cast, as_user):
    body = _body(world.y)
    data = {**POSTS, "scope": "internal_body", "internal_body": body.pk}
    response = post(
        as_user(cast.office_admin), f"/api/units/{world.x.pk}/leader-posts/", data
    )
    assert_refused(response, "VALUE_INVALID", 400, field="internal_body")
    assert not LeaderPostQuota.objects.exists()


def test_leader_posts_wrong_role(world, cast, as_user):
    for user in (cast.hr_x, cast.inspector, cast.audit_admin):
        response = post(as_user(user), f"/api/units/{world.x.pk}/leader-posts/", POSTS)
        assert_refused(response, "ROLE_FORBIDDEN", 403)
    assert not LeaderPostQuota.objects.exists()
