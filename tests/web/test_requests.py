"""信息变更审核 (the office's review of field-change requests), by a cast of users.

Office staff of the city review the requests of its units; the unit's HR
gets 403 on these pages, an office of another region 404. Approving applies
the change now (a rule that refuses now is shown inline, the request stays
pending, nothing is written); refusing needs a note the unit then sees.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bianzhi.accounts.services import role_assign, user_create
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.models import AuditEvent
from bianzhi.quota import services as quota
from bianzhi.roster import selectors
from bianzhi.roster.models import FieldChangeRequest, Person
from tests.conftest import grant_permit

from .portal_helpers import DOC, ask, enroll, make_id, name_of, text, today, written

pytestmark = pytest.mark.django_db
NEW_ID = make_id("19850607", "551")


def detail(request) -> str:
    return reverse("web:request", args=[request.pk])


@pytest.fixture
def pending(city, cast):
    person = enroll(city.finance, 1).person
    return ask(cast.hr_finance, city.finance, person, "name", "王小明")


def test_list_shows_pending_requests_in_scope(city, cast, as_user, pending):
    other = enroll(city.education, 2).person
    ask(cast.hr_education, city.education, other, "work_start_date", "2007-09-01")
    response = as_user(cast.office).get(reverse("web:requests"))
    assert response.status_code == 200
    page = text(response)
    assert (
        "王小明" in page
        and name_of(city.finance) in page
        and name_of(city.education) in page
    )
    assert response.context["counts"]["pending"] == 2
    response = as_user(cast.office).get(
        reverse("web:requests"), {"field": "name", "status": "pending"}
    )
    assert [r["request"].pk for r in response.context["rows"]] == [pending.pk]
    response = as_user(cast.office).get(reverse("web:requests"), {"status": "refused"})
    assert response.context["rows"] == []


@pytest.mark.parametrize("who", ["hr_finance", "hr_education", "inspector"])
def test_list_is_office_only(cast, as_user, pending, who):
    response = as_user(getattr(cast, who)).get(reverse("web:requests"))
    assert response.status_code == 403


def test_detail_scope(city, cast, as_user, pending):
    district_office = user_create(
        actor=Actor.system(), username="district", password="ceshi-mima-2024"
    )
    role_assign(
        actor=Actor.system(),
        user=district_office,
        role="office_admin",
        region=city.district,
    )
    for who, status in (
        (cast.office, 200),
        (cast.leader, 200),
        (cast.hr_finance, 403),
        (cast.hr_education, 404),
        (cast.inspector, 403),
        (district_office, 404),
    ):
        assert as_user(who).get(detail(pending)).status_code == status
    assert (
        as_user(cast.office).get(reverse("web:request", args=[99999])).status_code
        == 404
    )


def test_unit_hr_cannot_decide_its_own_request(cast, as_user, pending):
    before = written()
    response = as_user(cast.hr_finance).post(detail(pending), {"action": "approve"})
    assert response.status_code == 403
    assert written() == before


def test_approve_applies_the_change(cast, as_user, pending):
    page = text(as_user(cast.office).get(detail(pending)))
    assert "测试1" in page and "王小明" in page and "批准并办理" in page
    response = as_user(cast.office).post(
        detail(pending), {"action": "approve", "note": "同意"}
    )
    assert response.status_code == 302
    assert Person.objects.get(pk=pending.person_id).name == "王小明"
    found = FieldChangeRequest.objects.get(pk=pending.pk)
    assert (found.status, found.decided_by_name, found.decision_note) == (
        "approved",
        "张科员",
        "同意",
    )
    operations = list(
        AuditEvent.objects.order_by("-seq").values_list("operation", flat=True)[:2]
    )
    assert operations == ["field_change_decide", "person_change_locked_field"]


def test_refusal_needs_a_note_and_the_unit_sees_it(city, cast, as_user, pending):
    before = written()
    response = as_user(cast.office).post(detail(pending), {"action": "refuse"})
    assert response.status_code == 400
    page = text(response)
    assert "驳回须填写审核意见" in page and 'id="d-note-error"' in page
    assert written() == before
    response = as_user(cast.office).post(
        detail(pending), {"action": "refuse", "note": "请提供户籍证明"}
    )
    assert response.status_code == 302
    assert FieldChangeRequest.objects.get(pk=pending.pk).status == "refused"
    assert Person.objects.get(pk=pending.person_id).name == "测试1"
    page = text(
        as_user(cast.hr_finance).get(
            reverse("web:portal_requests", args=[city.finance.pk])
        )
    )
    assert "已驳回" in page and "请提供户籍证明" in page
    # Decided: no form any more; a second decision is out of turn.
    response = as_user(cast.office).post(detail(pending), {"action": "approve"})
    assert response.status_code == 409


def test_rule_refusing_at_decision_time_is_inline_and_writes_nothing(
    city, cast, as_user
):
    person = enroll(city.finance, 1).person
    request = ask(cast.hr_finance, city.finance, person, "id_number", NEW_ID)
    page = text(as_user(cast.office).get(detail(request)))
    assert NEW_ID not in page and mask_id_number(NEW_ID) in page
    enroll(city.education, 2, id_number=NEW_ID)  # the number is taken meanwhile
    before = written()
    response = as_user(cast.office).post(detail(request), {"action": "approve"})
    assert response.status_code == 400
    page = text(response)
    assert "该公民身份号码已登记为另一人员" in page and "VALUE_INVALID" in page
    assert "申请仍待审核" in page
    assert written() == before


def test_account_change_shows_target_vacancy_and_needs_a_doc_no(city, cast, as_user):
    """财政信息中心 (an institution) holds institutional quota, full and partial."""
    system = Actor.system()
    for funding, amount in (("full", 2), ("partial", 1)):
        common = {
            "actor": system,
            "category": "institutional",
            "funding": funding,
            "doc_no": "示编〔2026〕40号",
            "effective_date": today(),
        }
        quota.quota_increase_total(region=city.city, amount=5, **common)
        quota.quota_grant(unit=city.centre, amount=amount, **common)
    hr_centre = user_create(
        actor=system, username="hr_centre", password="ceshi-mima-2024"
    )
    role_assign(actor=system, user=hr_centre, role="unit_hr", unit=city.centre)
    person = enroll(
        city.centre,
        1,
        category="institutional",
        identity="事业人员",
        post_type="专业技术",
    ).person
    request = ask(hr_centre, city.centre, person, "account", "institutional:partial")
    response = as_user(cast.office).get(detail(request))
    numbers = response.context["numbers"]
    assert (numbers["target_vacancy"].approved, numbers["target_vacancy"].vacancy) == (
        1,
        1,
    )
    assert "目标账户" in text(response)
    # The account change is an intake into the target account (调入: a permit).
    grant_permit(city.centre, category="institutional", funding="partial",
                 channel="transfer_in")  # fmt: skip
    before = written()
    response = as_user(cast.office).post(detail(request), {"action": "approve"})
    assert response.status_code == 400
    assert "变更占用的编制账户须填写文号" in text(response)
    assert written() == before
    response = as_user(cast.office).post(
        detail(request), {"action": "approve", "doc_no": DOC}
    )
    assert response.status_code == 302
    assert selectors.active_posting(person).account.funding == "partial"
