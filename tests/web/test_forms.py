"""Every office form: succeeds through its service, refuses bad input with the
code inline (HTTP 400) and writes nothing, and shows the live numbers."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import InternalBody, Unit
from bianzhi.quota.models import Loan, QuotaAccount, QuotaMovement
from bianzhi.web.operations import OPERATIONS

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def today() -> str:
    return timezone.localdate().isoformat()


def valid_inputs(city) -> dict[str, dict]:
    """One acceptable submission per form, against the conftest city."""
    finance, education = city.finance.pk, city.education.pk
    account = {"category": "administrative", "funding": "full", "amount": "1"}
    body = InternalBody.objects.get(unit=city.finance, name="办公室").pk
    loan = Loan.objects.get().pk
    grant = QuotaMovement.objects.get(doc_no="示编〔2024〕9号").pk
    return {
        "unit_establish": {"region": "990100", "name": "示例市数据局", "kind": "gov_dept", "rank": "division", "in_cap": "on"},
        "unit_rename": {"unit": finance, "name": "示例市财政和金融局"},
        "unit_change_rank": {"unit": finance, "rank": "vice_bureau"},
        "unit_change_attributes": {"unit": city.centre.pk, "institution_class": "public_welfare_1", "sector": "S", "parent": finance},
        "internal_body_add": {"unit": finance, "name": "预算科", "rank": "section"},
        "internal_body_remove": {"unit": finance, "internal_body": body},
        "mandate_set": {"unit": finance, "internal_bodies_approved": "5", "functions": "负责财政收支"},
        "agency_cap_set": {"region": "990100", "cap": "42"},
        "leader_posts_set": {"unit": finance, "scope": "unit", "level": "county", "kind": "deputy", "count": "3"},
        "quota_grant": {"unit": education, **account},
        "quota_recall": {"unit": finance, **account},
        "quota_transfer": {"source_unit": finance, "target_unit": education, **account},
        "quota_pool_fund": {"region": "990100", **account},
        "quota_pool_defund": {"region": "990100", **account},
        "quota_loan": {"unit": education, **account, "due_date": "2030-01-01"},
        "quota_return": {"loan": loan, "amount": "1"},
        "quota_increase_total": {"region": "990100", **account},
        "quota_write_off": {"region": "990100", **account},
        "quota_transfer_between_regions": {"source_region": "990100", "target_region": "990102", **account},
        "quota_conversion": {"unit": finance, **account, "to_category": "logistics", "to_funding": "full"},
        "movement_reverse": {"movement": grant, "reason": "录入差错"},
    }  # fmt: skip


def submit(client, slug, data, doc_no="示编〔2026〕21号"):
    payload = {"doc_no": doc_no, "effective_date": today(), **data}
    return client.post(f"/office/{slug}/", payload)


def test_every_service_has_a_form(city):
    assert set(valid_inputs(city)) == {op.slug for op in OPERATIONS}


@pytest.mark.parametrize("slug", [op.slug for op in OPERATIONS])
def test_form_renders_for_office(slug, city, cast, as_user):
    client = as_user(cast.office)
    page = client.get(f"/office/{slug}/")
    assert page.status_code == 200
    body = text(page)
    assert "办理依据（实时数据）" in body and "打印" in body
    # Every input has a label (UI.md: labels on inputs).
    for name in re.findall(r'<(?:input|select|textarea)[^>]*\bid="(f-[^"]+)"', body):
        assert f'for="{name}"' in body, (slug, name)


@pytest.mark.parametrize("slug", [op.slug for op in OPERATIONS])
def test_form_refuses_bad_doc_no_and_writes_nothing(
    slug, city, cast, as_user, audit_count
):
    client = as_user(cast.office)
    data = valid_inputs(city)[slug]
    before = audit_count()
    response = submit(client, slug, data, doc_no="随手写的文号")
    assert response.status_code == 400
    assert "DOC_NO_INVALID" in text(response) and "文号格式不正确" in text(response)
    assert audit_count() == before


@pytest.mark.parametrize("slug", [op.slug for op in OPERATIONS])
def test_form_refuses_empty_input(slug, city, cast, as_user, audit_count):
    client = as_user(cast.office)
    before = audit_count()
    response = client.post(f"/office/{slug}/", {})
    assert response.status_code == 400
    assert "FIELD_REQUIRED" in text(response)
    assert audit_count() == before


@pytest.mark.parametrize("slug", [op.slug for op in OPERATIONS])
def test_form_succeeds_through_its_service(slug, city, cast, as_user, audit_count):
    client = as_user(cast.office)
    before = audit_count()
    response = submit(client, slug, valid_inputs(city)[slug])
    assert response.status_code == 302, text(response)
    # One business operation, one audit event (the cross-region transfer is one too).
    assert audit_count() == before + 1
    followed = client.get(response["Location"])
    assert followed.status_code == 200
    assert "alert-success" in text(followed)


def test_recall_beyond_vacancy_is_refused_inline(city, cast, as_user, audit_count):
    client = as_user(cast.office)
    before = audit_count()
    response = submit(
        client,
        "quota_recall",
        {"unit": city.finance.pk, "category": "administrative", "funding": "full",
         "amount": "100"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "QUOTA_NEGATIVE" in text(response) and "编制余额不足" in text(response)
    # The input is kept, and the numbers the decision needs are on the page.
    assert 'value="100"' in text(response) and "空编数" in text(response)
    assert audit_count() == before


def test_rule_refusals_show_their_codes(city, cast, as_user, audit_count):
    client = as_user(cast.office)
    cases = [
        ("quota_grant", {"unit": city.centre.pk, "category": "administrative",
                         "funding": "full", "amount": "1"}, "CATEGORY_NOT_ALLOWED"),
        ("quota_grant", {"unit": city.education.pk, "category": "administrative",
                         "funding": "full", "amount": "1000"}, "QUOTA_NEGATIVE"),
        ("quota_grant", {"unit": city.education.pk, "category": "administrative",
                         "funding": "full", "amount": "abc"}, "QUANTITY_INVALID"),
        ("quota_grant", {"unit": city.education.pk, "category": "administrative",
                         "funding": "full", "amount": "1",
                         "effective_date": "2023-01-01"}, "BACKDATE_REASON_REQUIRED"),
        ("quota_grant", {"unit": city.education.pk, "category": "administrative",
                         "funding": "full", "amount": "1",
                         "effective_date": "2023-02-30"}, "DATE_INVALID"),
        ("quota_grant", {"unit": city.education.pk, "category": "no_such",
                         "funding": "full", "amount": "1"}, "VALUE_INVALID"),
        ("unit_establish", {"region": "990100", "name": "示例市某中心",
                            "kind": "institution", "rank": "section",
                            "in_cap": "on"}, "IN_CAP_KIND"),
        ("unit_change_attributes", {"unit": city.finance.pk, "in_cap": "on"},
         "FIELD_REQUIRED"),
        ("movement_reverse", {"movement": "abc", "reason": "录入差错"}, "VALUE_INVALID"),
    ]  # fmt: skip
    for slug, data, code in cases:
        before = audit_count()
        response = submit(client, slug, data)
        assert response.status_code == 400, (slug, code)
        assert code in text(response), (slug, code)
        assert audit_count() == before, (slug, code)


def test_agency_cap_refusal(city, cast, as_user, audit_count):
    client = as_user(cast.office)
    assert (
        submit(client, "agency_cap_set", {"region": "990100", "cap": "1"}).status_code
        == 302
    )
    before = audit_count()
    response = submit(
        client,
        "unit_establish",
        {"region": "990100", "name": "示例市数据局", "kind": "gov_dept",
         "rank": "division", "in_cap": "on"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "AGENCY_CAP_EXCEEDED" in text(response)
    assert audit_count() == before
    assert not Unit.objects.filter(name="示例市数据局").exists()


def test_out_of_scope_unit_in_a_post_is_404(city, cast, as_user, audit_count):
    other = orgs.region_create_local(
        actor=Actor.system(), code="990200", name="另一市", level="city",
        parent=city.province,
    )  # fmt: skip
    stranger = orgs.unit_establish(
        actor=Actor.system(), region=other, name="另一市教育局", kind="gov_dept",
        rank="division", doc_no="示编〔2026〕1号", effective_date=timezone.localdate(),
    )  # fmt: skip
    client = as_user(cast.office)
    before = audit_count()
    response = submit(
        client,
        "quota_grant",
        {"unit": stranger.pk, "category": "administrative", "funding": "full",
         "amount": "1"},
    )  # fmt: skip
    assert response.status_code == 404
    assert "另一市教育局" not in text(response)
    assert "OUT_OF_SCOPE" in text(response) and 'value="示编〔2026〕21号"' in text(
        response
    )
    assert audit_count() == before
    missing = submit(
        client, "movement_reverse", {"movement": "99999", "reason": "差错"}
    )
    assert missing.status_code == 404 and "OUT_OF_SCOPE" in text(missing)
    # Nor is it offered in the unit select.
    assert "另一市教育局" not in text(client.get("/office/quota_grant/"))


def test_reform_reduction_needs_the_office_leader(city, cast, as_user, audit_count):
    data = {"unit": city.finance.pk, "category": "administrative", "funding": "full",
            "amount": "5", "reform": "on", "reason": "机构改革核减"}  # fmt: skip
    before = audit_count()
    refused = submit(as_user(cast.office), "quota_recall", data)
    assert refused.status_code == 400
    assert "REFORM_LEVEL_REQUIRED" in text(refused)
    assert 'id="f-reform-error"' in text(refused)  # shown next to the checkbox
    assert audit_count() == before
    done = submit(as_user(cast.leader), "quota_recall", data)
    assert done.status_code == 302
    assert QuotaMovement.objects.filter(kind="recall", reform=True).count() == 1
    assert QuotaAccount.objects.get(unit=city.finance).approved == 12


def test_numbers_partial_follows_the_inputs(city, cast, as_user):
    client = as_user(cast.office)
    empty = text(client.get("/office/quota_recall/numbers/"))
    assert "选择单位、编制类型和经费形式" in empty
    filled = text(
        client.get(
            "/office/quota_recall/numbers/",
            {"unit": city.finance.pk, "category": "administrative", "funding": "full"},
            HTTP_HX_REQUEST="true",
        )
    )
    assert "<html" not in filled
    assert "空编数" in filled and ">17<" in filled
    grant = text(
        client.get(
            "/office/quota_grant/numbers/",
            {
                "unit": city.education.pk,
                "category": "administrative",
                "funding": "full",
            },
        )
    )
    assert "未分配编制（可核定）" in grant and ">72<" in grant
    establish = text(
        client.get("/office/unit_establish/numbers/", {"region": "990100"})
    )
    assert "机构限额" in establish and ">40<" in establish and ">1<" in establish
    district = text(client.get("/office/agency_cap_set/numbers/", {"region": "990102"}))
    assert "限额未设置" in district
    loan = Loan.objects.get()
    returned = text(client.get("/office/quota_return/numbers/", {"loan": loan.pk}))
    assert "未归还" in returned and "2022-01-01" in returned


def test_form_page_wires_htmx_refresh(city, cast, as_user):
    page = text(as_user(cast.office).get("/office/quota_grant/"))
    assert 'hx-get="/office/quota_grant/numbers/"' in page
    assert 'hx-include="#op-form"' in page


def test_attribute_form_is_prefilled_with_current_values(city, cast, as_user):
    client = as_user(cast.office)
    page = text(client.get(f"/office/unit_change_attributes/?unit={city.finance.pk}"))
    assert re.search(r'name="in_cap" id="f-in_cap"\s+checked', page)
    centre = text(client.get(f"/office/unit_change_attributes/?unit={city.centre.pk}"))
    assert not re.search(r'name="in_cap" id="f-in_cap"\s+checked', centre)


def test_internal_body_choices_follow_the_unit(city, cast, as_user):
    client = as_user(cast.office)
    page = text(client.get(f"/office/internal_body_remove/?unit={city.finance.pk}"))
    assert "办公室" in page
    other = text(client.get(f"/office/internal_body_remove/?unit={city.education.pk}"))
    assert ">办公室<" not in other


def test_prefilled_links_from_pages(city, cast, as_user):
    client = as_user(cast.office)
    movement = QuotaMovement.objects.get(doc_no="示编〔2024〕9号")
    detail = text(client.get(f"/movements/{movement.pk}/"))
    assert f"/office/movement_reverse/?movement={movement.pk}" in detail
    form = text(client.get(f"/office/movement_reverse/?movement={movement.pk}"))
    assert "示编〔2024〕9号" in form  # the legs of the movement to reverse


def test_web_never_writes_models_directly():
    root = Path(__file__).resolve().parents[2] / "bianzhi" / "web"
    pattern = re.compile(
        r"\.save\(|objects\.create|\.update\(|\.delete\(|bulk_create|get_or_create"
    )
    offenders = [
        f"{path}:{n}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_back_dated_grant_with_reason_changes_the_as_of_view(
    city, cast, as_user, audit_count
):
    client = as_user(cast.office)
    response = submit(
        client,
        "quota_grant",
        {"unit": city.education.pk, "category": "administrative", "funding": "full",
         "amount": "2", "effective_date": "2022-01-01", "reason": "补录历史文件"},
    )  # fmt: skip
    assert response.status_code == 302
    url = f"/units/{city.education.pk}/"
    assert '">10</a>' in text(client.get(url + "?as_of=2022-06-01"))
    assert '">8</a>' in text(client.get(url + "?as_of=2021-06-01"))
    assert dt.date(2022, 1, 1) <= timezone.localdate()
