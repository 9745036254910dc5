"""Establishment matters walked through HTTP as the real roles: the unit's HR
or the district office submits on the generic form, the office argues, the
director's meeting and the committee decide, and the unit and ledger change."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from bianzhi.approvals.models import Decision, Request
from bianzhi.documents.models import Attachment, Document
from bianzhi.matters.models import Matter
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount

from .conftest import client_for
from .helpers import (
    DOC_NO,
    argue,
    committee,
    error_code,
    last_seq,
    meeting,
    operations,
    pdf,
    submit_new,
    walk,
    world_state,
)

pytestmark = pytest.mark.django_db


def _rename(w, **extra):
    values = {
        "unit_id": str(w.finance.pk),
        "new_name": "示例区财政事务局",
        "reason": "职能调整，名称与职责不符",
    }
    return submit_new(w.hr, "matter_rename", **(values | extra))


def test_rename_from_unit_request_to_renamed_unit_and_certificate(w):
    seq = last_seq()
    req = _rename(w, **{"attachments-file": pdf("请示.pdf")})
    assert req.status == Request.Status.SUBMITTED
    assert req.current_step == "argumentation" and req.region_code == "990102"
    assert len(req.payload["attachment_ids"]) == 1
    inbox = client_for(w.office).get(reverse("web:approvals_inbox")).content.decode()
    assert f'data-request="{req.pk}"' in inbox
    page = client_for(w.office).get(reverse("web:matter", args=[req.pk]))
    text = page.content.decode()
    assert page.status_code == 200 and 'id="form-argue"' in text
    assert "空编数" in text and "年末" in text and "请示.pdf" in text
    response = argue(w.office, req, files=[pdf()])
    assert response.status_code == 302, response.content.decode()[:2000]
    matter = Matter.objects.get(request=req)
    assert matter.analysis["cases_per_approved"] == 300.0  # 1500 cases / 5 approved
    assert matter.analysis["staff_by_norm"] == 5
    assert [
        a.filename for a in Attachment.objects.filter(pk__in=matter.attachment_ids)
    ] == ["论证报告.pdf"]
    assert meeting(w.leader, req).status_code == 302
    assert committee(w.leader, req, doc_no="示编[2026]21号").status_code == 302
    req.refresh_from_db()
    matter.refresh_from_db()
    assert req.status == Request.Status.APPROVED
    assert matter.state == Matter.State.APPLIED and matter.doc_no == DOC_NO
    assert Unit.objects.get(pk=w.finance.pk).name == "示例区财政事务局"
    (certificate,) = Document.objects.filter(pk__in=matter.certificate_ids)
    assert certificate.kind == "certificate" and certificate.unit_id == w.finance.pk
    ops = operations(seq)
    assert ops.count("approval_approve") == 3
    for op in ("approval_submit", "matter_argumentation", "matter_office_meeting",
               "matter_committee_decision", "unit_rename", "document_issue"):  # fmt: skip
        assert op in ops, ops
    assert ops[-1] == "approval_approve"
    page = client_for(w.hr).get(reverse("web:matter", args=[req.pk])).content.decode()
    assert "已生效" in page and DOC_NO in page


def test_establish_by_the_office_with_its_quota(w):
    reserve_before = QuotaAccount.objects.get(
        region_id="990102", holder_kind="reserve", category_id="institutional"
    ).approved
    req = submit_new(
        w.office, "matter_establish",
        region_code="990102", name="示例区财政票据中心", kind="institution",
        rank="vice_section", parent_id=str(w.finance.pk),
        institution_class="public_welfare_1", in_cap="否", civil_service_managed="否",
        quota_category="institutional", quota_funding="full", quota_amount="2",
        reason="票据管理职能需要专门机构承担",
    )  # fmt: skip
    walk(w, req)
    unit = Unit.objects.get(name="示例区财政票据中心")
    assert unit.parent_id == w.finance.pk and unit.established_doc_no == DOC_NO
    assert Matter.objects.get(request=req).unit_id == unit.pk
    account = QuotaAccount.objects.get(unit=unit, category_id="institutional")
    assert account.approved == 2
    reserve = QuotaAccount.objects.get(
        region_id="990102", holder_kind="reserve", category_id="institutional"
    )
    assert reserve.approved == reserve_before - 2
    assert Document.objects.filter(kind="certificate", unit=unit).count() == 1


def test_change_quota_over_the_reserve_is_refused_then_corrected(w):
    req = submit_new(
        w.hr, "matter_change_quota",
        unit_id=str(w.finance.pk), operation="grant", category="administrative",
        funding="full", amount="50", reason="新增职能",
    )  # fmt: skip
    assert argue(w.office, req).status_code == 302
    assert meeting(w.leader, req).status_code == 302
    before = world_state()
    response = committee(w.leader, req)
    assert response.status_code == 400 and error_code(response) == "QUOTA_NEGATIVE"
    assert world_state() == before  # not even the committee's record
    # The committee sends it back; the unit asks for what the reserve holds.
    response = committee(
        w.leader, req, decision="return", decision_text="超出未分配编制"
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.RETURNED
    edit = client_for(w.hr).post(
        reverse("web:approval_edit", args=[req.pk]),
        {"_op": "submit", "idempotency_key": "resubmit-1", "unit_id": str(w.finance.pk),
         "operation": "grant", "category": "administrative", "funding": "full",
         "amount": "3", "reason": "新增职能（按可用编制调整）"},
    )  # fmt: skip
    assert edit.status_code == 302, edit.content.decode()[:2000]
    req.refresh_from_db()
    assert req.round == 2 and req.current_step == "argumentation"
    walk(w, req)
    account = QuotaAccount.objects.get(unit=w.finance, category_id="administrative")
    assert account.approved == 8
    detail = (
        client_for(w.hr).get(reverse("web:approval", args=[req.pk])).content.decode()
    )
    assert "超出未分配编制" in detail  # the return's comment stays in the history


def test_revoke_is_refused_while_people_are_posted(w):
    from bianzhi.roster import services as roster
    from tests.roster.helpers import person_data

    posting = roster.person_enroll(
        actor=w.office, unit=w.archive, category="institutional", funding="full",
        person=person_data(7, identity="事业人员", post_type="专业技术"), channel="初始化导入", start_date="2021-03-01",
        doc_no="初始化导入",
    )  # fmt: skip
    req = submit_new(w.office, "matter_revoke", unit_id=str(w.archive.pk),
                     reason="职能划入财政局")  # fmt: skip
    assert argue(w.office, req).status_code == 302
    assert meeting(w.leader, req).status_code == 302
    before = world_state()
    response = committee(w.leader, req)
    assert response.status_code == 400 and error_code(response) == "UNIT_HAS_POSTINGS"
    assert world_state() == before
    roster.person_release(
        actor=w.office, posting=posting, reason_code="调出", exit_date="2026-01-05",
        destination="外省", reason="测试",
    )  # fmt: skip
    assert committee(w.leader, req).status_code == 302
    archive = Unit.objects.get(pk=w.archive.pk)
    assert archive.status == Unit.Status.REVOKED
    assert QuotaAccount.objects.get(unit=archive).approved == 0
    matter = Matter.objects.get(request=req)
    assert matter.state == Matter.State.APPLIED and matter.certificate_ids == []


def test_reject_changes_nothing_and_needs_a_reason(w):
    req = _rename(w)
    assert argue(w.office, req).status_code == 302
    response = meeting(w.leader, req, decision="reject", minutes="")
    assert response.status_code == 400 and error_code(response) == "FIELD_REQUIRED"
    response = meeting(w.leader, req, decision="reject", minutes="名称变更依据不足")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.REJECTED
    assert Unit.objects.get(pk=w.finance.pk).name == "示例区财政局"
    assert Decision.objects.filter(request=req, action="reject").count() == 1


def test_merge_and_mandate(w):
    from bianzhi.orgs import services as orgs
    from bianzhi.orgs.selectors import mandate_as_of

    from .conftest import SYSTEM, _setup

    target = orgs.unit_establish(
        region=w.district, name="示例区综合档案中心", kind="institution",
        rank="vice_section", institution_class="public_welfare_1", **_setup(),
    )  # fmt: skip
    req = submit_new(
        w.office, "matter_merge", unit_id=str(w.archive.pk),
        into_unit_id=str(target.pk), reason="整合档案机构",
    )  # fmt: skip
    walk(w, req)
    assert Unit.objects.get(pk=w.archive.pk).status == Unit.Status.MERGED
    assert (
        QuotaAccount.objects.get(unit=target, category_id="institutional").approved == 3
    )
    assert Document.objects.filter(kind="certificate", unit=target).count() == 1
    req = submit_new(
        w.hr, "matter_change_mandate", unit_id=str(w.finance.pk),
        functions="负责全区财政收支管理", internal_bodies_approved="6",
        reason="三定调整",
    )  # fmt: skip
    walk(w, req)
    mandate = mandate_as_of(Unit.objects.get(pk=w.finance.pk), timezone.localdate())
    assert mandate.internal_bodies_approved == 6 and mandate.doc_no == DOC_NO
    assert SYSTEM.is_system
