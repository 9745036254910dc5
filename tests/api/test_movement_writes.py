"""POST /api/movements/ (every kind) and POST /api/movements/{id}/reverse/."""

import datetime as dt

import pytest
from django.utils import timezone

from bianzhi.orgs import services as orgs
from bianzhi.quota.models import Loan, QuotaMovement

from .conftest import SYSTEM
from .helpers import approved, assert_refused, counts, reserve

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()
BASE = {"category": "administrative", "funding": "full", "doc_no": "示编〔2026〕30号",
        "effective_date": TODAY}  # fmt: skip


def post(client, data, url="/api/movements/"):
    return client.post(url, data, format="json")


def grant(world, **change):
    return {"kind": "grant", "unit": world.x.pk, "amount": 3, **BASE, **change}


def assert_written(response, kind: str, before: dict, movements: int = 1) -> dict:
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == kind
    assert sum(leg["amount"] for leg in body["legs"]) == 0
    after = counts()
    assert after["movements"] == before["movements"] + movements
    assert after["audit"] == before["audit"] + 1
    return body


# -- grant: success and every kind of bad input ----------------------------------------


def test_grant(world, cast, as_user):
    before = counts()
    response = post(as_user(cast.office_admin), grant(world))
    body = assert_written(response, "grant", before)
    assert body["doc_no"] == "示编〔2026〕30号"
    assert (approved(world.x), reserve(world.city)) == (13, 29)
    detail = as_user(cast.hr_x).get(f"/api/movements/{body['id']}/").json()
    assert detail["id"] == body["id"]


def test_future_dated_grant_is_pending(world, cast, as_user):
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    before = counts()
    response = post(as_user(cast.office_admin), grant(world, effective_date=later))
    body = assert_written(response, "grant", before)
    assert body["status"] == "pending"
    assert approved(world.x) == 10
    assert {leg["holder_kind"] for leg in body["legs"]} == {"unit", "reserve"}
    listed = as_user(cast.hr_x).get("/api/movements/?status=pending").json()
    assert [m["id"] for m in listed["results"]] == [body["id"]]


def test_grant_with_chinese_labels_and_loose_doc_no(world, cast, as_user):
    data = grant(world, category="行政编制", funding="财政拨款", doc_no="示编（２０２６）３０号",
                 amount="３")  # fmt: skip
    response = post(as_user(cast.office_admin), data)
    assert response.status_code == 201, response.content
    assert response.json()["doc_no"] == "示编〔2026〕30号"
    assert approved(world.x) == 13


@pytest.mark.parametrize(
    "change, code, status, field",
    [
        ({"amount": -1}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": 0}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": "abc"}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": 1.5}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": "1.0"}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": True}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": ""}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": [3]}, "QUANTITY_INVALID", 400, "amount"),
        ({"amount": None}, "FIELD_REQUIRED", 400, "amount"),
        ({"effective_date": "2026-02-29"}, "DATE_INVALID", 400, "effective_date"),
        ({"effective_date": "21/11/2026"}, "DATE_INVALID", 400, "effective_date"),
        ({"effective_date": -5}, "DATE_INVALID", 400, "effective_date"),
        ({"doc_no": "示编2026第30号"}, "DOC_NO_INVALID", 400, "doc_no"),
        ({"doc_no": ""}, "DOC_NO_INVALID", 400, "doc_no"),
        ({"unit": 999999}, "UNIT_UNKNOWN", 404, "unit"),
        ({"unit": "X"}, "UNIT_UNKNOWN", 404, "unit"),
        ({"unit": None}, "FIELD_REQUIRED", 400, "unit"),
        ({"category": "编制"}, "VALUE_INVALID", 400, "category"),
        ({"funding": "free"}, "VALUE_INVALID", 400, "funding"),
        ({"kind": "gift"}, "VALUE_INVALID", 400, "kind"),
        ({"kind": None}, "FIELD_REQUIRED", 400, "kind"),
        ({"reason": {"a": 1}}, "VALUE_INVALID", 400, "reason"),
        # Past-dated without a reason: the service's rule, passed through.
        ({"effective_date": "2025-06-01"}, "BACKDATE_REASON_REQUIRED", 400, "reason"),
        # More than the reserve holds.
        ({"amount": 100}, "QUOTA_NEGATIVE", 400, None),
    ],
)
def test_grant_bad_input(world, cast, as_user, change, code, status, field):
    before = counts()
    response = post(as_user(cast.office_admin), grant(world, **change))
    assert_refused(response, code, status, field=field)
    assert counts() == before
    assert (approved(world.x), reserve(world.city)) == (10, 32)


def test_grant_missing_kind(world, cast, as_user):
    data = {k: v for k, v in grant(world).items() if k != "kind"}
    assert_refused(
        post(as_user(cast.office_admin), data), "FIELD_REQUIRED", 400, "kind"
    )


def test_grant_out_of_scope_unit(world, cast, as_user):
    before = counts()
    response = post(as_user(cast.office_admin), grant(world, unit=world.w.pk))
    assert_refused(response, "OUT_OF_SCOPE", 404, field="unit")
    assert counts() == before


@pytest.mark.parametrize("who", ["hr_x", "hr_y", "inspector", "audit_admin"])
def test_grant_wrong_role(world, cast, as_user, who):
    before = counts()
    response = post(as_user(getattr(cast, who)), grant(world))
    assert_refused(response, "ROLE_FORBIDDEN", 403)
    assert counts() == before
    assert approved(world.x) == 10


def test_body_not_an_object(world, cast, as_user):
    client = as_user(cast.office_admin)
    assert_refused(post(client, [grant(world)]), "VALUE_INVALID", 400)
    response = client.post(
        "/api/movements/", "kind=grant", content_type="application/json"
    )
    assert_refused(response, "VALUE_INVALID", 400)


def test_english_client_still_gets_the_catalogue(world, cast, as_user):
    response = as_user(cast.office_admin).post(
        "/api/movements/", grant(world, amount="x"), format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    body = assert_refused(response, "QUANTITY_INVALID", 400, field="amount")
    assert body["message"].startswith("数量必须为正整数")


# -- the other kinds ---------------------------------------------------------------------


def test_recall(world, cast, as_user):
    before = counts()
    data = {"kind": "recall", "unit": world.x.pk, "amount": 2, **BASE}
    assert_written(post(as_user(cast.office_admin), data), "recall", before)
    assert (approved(world.x), reserve(world.city)) == (8, 34)


def test_reform_recall_needs_the_leader_role(world, cast, as_user):
    data = {"kind": "recall", "unit": world.x.pk, "amount": 2, "reform": True, **BASE}
    before = counts()
    assert_refused(post(as_user(cast.office_admin), data), "ROLE_FORBIDDEN", 403)
    assert counts() == before
    body = assert_written(post(as_user(cast.office_leader), data), "recall", before)
    assert body["reform"] is True
    assert approved(world.x) == 8


def test_transfer(world, cast, as_user):
    before = counts()
    data = {"kind": "transfer", "source_unit": world.x.pk, "target_unit": world.y.pk,
            "amount": 4, **BASE}  # fmt: skip
    assert_written(post(as_user(cast.office_admin), data), "transfer", before)
    assert (approved(world.x), approved(world.y)) == (6, 12)


def test_transfer_to_a_unit_out_of_scope(world, cast, as_user):
    before = counts()
    data = {"kind": "transfer", "source_unit": world.x.pk, "target_unit": world.w.pk,
            "amount": 4, **BASE}  # fmt: skip
    response = post(as_user(cast.office_admin), data)
    assert_refused(response, "OUT_OF_SCOPE", 404, field="target_unit")
    assert counts() == before


def test_pool_fund_loan_and_return(world, cast, as_user):
    admin = as_user(cast.office_admin)
    before = counts()
    data = {"kind": "pool_fund", "region": "990100", "amount": 5, **BASE}
    assert_written(post(admin, data), "pool_fund", before)
    assert reserve(world.city) == 27

    before = counts()
    data = {
        "kind": "loan",
        "unit": world.x.pk,
        "amount": 2,
        "due_date": "2027-06-30",
        **BASE,
    }
    body = assert_written(post(admin, data), "loan", before)
    assert body["due_date"] == "2027-06-30"
    assert approved(world.x) == 12
    loan = Loan.objects.get(movement_id=body["id"])

    before = counts()
    data = {"kind": "return", "loan": loan.pk, "amount": 1,
            "doc_no": "示编〔2026〕31号", "effective_date": TODAY}  # fmt: skip
    assert_written(post(admin, data), "return", before)
    loan.refresh_from_db()
    assert (loan.outstanding, approved(world.x)) == (1, 11)

    before = counts()
    data = {"kind": "pool_defund", "region": "990100", "amount": 3, **BASE}
    assert_written(post(admin, data), "pool_defund", before)
    assert reserve(world.city) == 30


@pytest.mark.parametrize(
    "data, code, status, field",
    [
        (
            {"kind": "loan", "amount": 1, "due_date": "2027-02-30"},
            "DATE_INVALID",
            400,
            "due_date",
        ),
        ({"kind": "return", "loan": 999999, "amount": 1}, "OUT_OF_SCOPE", 404, "loan"),
        ({"kind": "return", "loan": 1, "amount": 0}, "QUANTITY_INVALID", 400, "amount"),
        (
            {"kind": "pool_fund", "region": "999999", "amount": 1},
            "REGION_UNKNOWN",
            400,
            "region",
        ),
        (
            {"kind": "pool_fund", "region": "990200", "amount": 1},
            "OUT_OF_SCOPE",
            404,
            "region",
        ),
        (
            {"kind": "write_off", "region": "990100", "amount": "1e3"},
            "QUANTITY_INVALID",
            400,
            "amount",
        ),
    ],
)
def test_other_kinds_bad_input(world, cast, as_user, data, code, status, field):
    before = counts()
    body = {"unit": world.x.pk, **BASE, **data}
    response = post(as_user(cast.office_admin), body)
    assert_refused(response, code, status, field=field)
    assert counts() == before


def test_increase_total_and_write_off(world, cast, as_user):
    admin = as_user(cast.office_admin)
    before = counts()
    data = {"kind": "increase_total", "region": "990100", "amount": 10, **BASE}
    assert_written(post(admin, data), "increase_total", before)
    before = counts()
    data = {"kind": "write_off", "region": "990100", "amount": 4, **BASE}
    assert_written(post(admin, data), "write_off", before)
    detail = admin.get("/api/regions/990100/").json()
    totals = {(t["category"], t["funding"]): t for t in detail["control_totals"]}
    assert totals[("administrative", "full")]["total"] == 56
    assert reserve(world.city) == 38


def test_conversion(world, cast, as_user):
    before = counts()
    data = {"kind": "conversion", "unit": world.z.pk, "amount": 2,
            "category": "institutional", "funding": "full",
            "to_category": "institutional", "to_funding": "partial",
            "doc_no": "示编〔2026〕32号", "effective_date": TODAY}  # fmt: skip
    assert_written(post(as_user(cast.office_admin), data), "conversion", before)
    assert approved(world.z, "institutional", "full") == 4
    assert approved(world.z, "institutional", "partial") == 2


def test_conversion_unknown_target_category(world, cast, as_user):
    before = counts()
    data = {"kind": "conversion", "unit": world.z.pk, "amount": 2,
            "category": "institutional", "funding": "full",
            "to_category": "人才编制", "to_funding": "partial",
            "doc_no": "示编〔2026〕32号", "effective_date": TODAY}  # fmt: skip
    response = post(as_user(cast.office_admin), data)
    assert_refused(response, "VALUE_INVALID", 400, field="to_category")
    assert counts() == before


def test_cross_region(world, cast, as_user):
    district = orgs.region_create_local(
        actor=SYSTEM, code="990102", name="示例区", level="county", parent=world.city
    )
    before = counts()
    data = {"kind": "cross_region", "source_region": "990100", "target_region": "990102",
            "amount": 5, **BASE}  # fmt: skip
    body = assert_written(post(as_user(cast.office_admin), data), "write_off",
                          before, movements=2)  # fmt: skip
    assert body["region"] == "990100"
    other = QuotaMovement.objects.get(region=district)
    assert other.kind == "increase_total"
    assert body["linked"] == [other.pk]
    assert reserve(world.city) == 27
    assert reserve(district) == 5


def test_cross_region_to_a_region_out_of_scope(world, cast, as_user):
    before = counts()
    data = {"kind": "cross_region", "source_region": "990100", "target_region": "990200",
            "amount": 5, **BASE}  # fmt: skip
    response = post(as_user(cast.office_admin), data)
    assert_refused(response, "OUT_OF_SCOPE", 404, field="target_region")
    assert counts() == before


# -- reverse -----------------------------------------------------------------------------

REVERSE = {"doc_no": "示编〔2026〕40号", "reason": "录入错误"}


def test_reverse(world, cast, as_user):
    before = counts()
    url = f"/api/movements/{world.grant_x.pk}/reverse/"
    body = assert_written(
        post(as_user(cast.office_admin), REVERSE, url), "recall", before
    )
    assert body["related"] == world.grant_x.pk
    assert (approved(world.x), reserve(world.city)) == (0, 42)
    # A second reversal of the same movement is refused by the service.
    before = counts()
    response = post(
        as_user(cast.office_admin), {**REVERSE, "doc_no": "示编〔2026〕41号"}, url
    )
    assert response.status_code == 400
    assert counts() == before


@pytest.mark.parametrize(
    "data, code, field",
    [
        ({"doc_no": "示编〔2026〕40号"}, "FIELD_REQUIRED", "reason"),
        ({"doc_no": "示编〔2026〕40号", "reason": ""}, "FIELD_REQUIRED", "reason"),
        ({"doc_no": "四十号", "reason": "录入错误"}, "DOC_NO_INVALID", "doc_no"),
    ],
)
def test_reverse_bad_input(world, cast, as_user, data, code, field):
    before = counts()
    url = f"/api/movements/{world.grant_x.pk}/reverse/"
    assert_refused(post(as_user(cast.office_admin), data, url), code, 400, field=field)
    assert counts() == before


def test_reverse_scoping(world, cast, as_user):
    before = counts()
    url = f"/api/movements/{world.grant_x.pk}/reverse/"
    for user in (cast.hr_x, cast.inspector, cast.audit_admin):
        assert_refused(post(as_user(user), REVERSE, url), "ROLE_FORBIDDEN", 403)
    other = QuotaMovement.objects.filter(region_id="990200").first()
    admin = as_user(cast.office_admin)
    assert_refused(
        post(admin, REVERSE, f"/api/movements/{other.pk}/reverse/"), "OUT_OF_SCOPE", 404
    )
    assert_refused(
        post(admin, REVERSE, "/api/movements/999999/reverse/"), "OUT_OF_SCOPE", 404
    )
    assert counts() == before
