"""Routing up beyond local authority, acting out of turn or without the role,
bad doc_no, disguised attachments, the generic approve that skips the
records, and matters scheduled for a later effective date (`bianzhi daily`)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bianzhi.approvals import services as approvals
from bianzhi.approvals.models import Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.matters.models import Matter
from bianzhi.orgs.models import Unit

from .conftest import client_for
from .helpers import (
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


def _raise_rank(w):
    return submit_new(
        w.office, "matter_change_rank", unit_id=str(w.finance.pk),
        new_rank="vice_division", reason="承担全区财政体制改革任务",
    )  # fmt: skip


def test_beyond_authority_is_routed_up_to_the_city_and_decided_there(w):
    req = _raise_rank(w)
    before = world_state()
    response = argue(w.office, req)  # approving locally is refused
    assert response.status_code == 409
    assert error_code(response) == "MATTER_BEYOND_AUTHORITY"
    assert world_state() == before
    page = client_for(w.office).get(reverse("web:matter", args=[req.pk]))
    assert (
        "超出" in page.content.decode()
        and 'id="form-route-up"' in page.content.decode()
    )
    seq = last_seq()
    response = client_for(w.office).post(
        reverse("web:matter_act", args=[req.pk, "route-up"]), {"reason": "规格调整"}
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.region_code == "990100" and req.current_step == "argumentation"
    assert operations(seq) == ["matter_route_up"]
    # Gone from the district office's inbox, waiting in the city office's.
    district = client_for(w.office).get(reverse("web:approvals_inbox")).content.decode()
    city = (
        client_for(w.city_office).get(reverse("web:approvals_inbox")).content.decode()
    )
    assert f'data-request="{req.pk}"' not in district
    assert f'data-request="{req.pk}"' in city
    assert "示例区报" in city  # the inbox row says where it came from
    page = client_for(w.city_office).get(reverse("web:matter", args=[req.pk]))
    assert "由示例区报示例市审批" in page.content.decode()
    generic = client_for(w.city_office).get(reverse("web:approval", args=[req.pk]))
    assert "示例区 → 示例市" in generic.content.decode()  # the request's numbers
    routed = client_for(w.city_office).get(reverse("web:matters") + "?routed=1")
    assert f'data-request="{req.pk}"' in routed.content.decode()
    # The district office (its creator) still sees it but no longer acts on it.
    before = world_state()
    response = argue(w.office, req)
    assert response.status_code == 403 and error_code(response) == "ROLE_FORBIDDEN"
    assert world_state() == before
    # Nor through the engine's generic buttons: creatorship is not scope.
    with pytest.raises(ApplicationError) as refused:
        approvals.request_reject(
            actor=w.office, request_id=req.pk, step="argumentation", comment="不同意"
        )
    assert refused.value.code == ErrorCode.ROLE_FORBIDDEN
    assert world_state() == before
    walk(w, req, office=w.city_office, leader=w.city_leader)
    assert Unit.objects.get(pk=w.finance.pk).rank == "vice_division"
    matter = Matter.objects.get(request=req)
    assert matter.route[0]["from"] == "990102" and matter.route[0]["to"] == "990100"
    assert matter.origin_region_id == "990102"


def test_establishing_over_the_cap_goes_up_and_raises_the_cap(w):
    from bianzhi.orgs.selectors import agency_cap_status

    req = submit_new(
        w.office, "matter_establish", region_code="990102", name="示例区数据局",
        kind="gov_dept", rank="section", in_cap="是", civil_service_managed="否",
        reason="数字政府建设",
    )  # fmt: skip
    assert error_code(argue(w.office, req)) == "MATTER_BEYOND_AUTHORITY"
    response = client_for(w.office).post(
        reverse("web:matter_act", args=[req.pk, "route-up"]), {}
    )
    assert response.status_code == 302
    walk(w, req, office=w.city_office, leader=w.city_leader)
    unit = Unit.objects.get(name="示例区数据局")
    assert unit.in_cap and unit.region_id == "990102"
    status = agency_cap_status(w.district, timezone.localdate())
    assert (status.cap, status.count) == (2, 2)


def test_routing_up_a_matter_within_authority_is_refused(w):
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    before = world_state()
    response = client_for(w.office).post(
        reverse("web:matter_act", args=[req.pk, "route-up"]), {"reason": "请示"}
    )
    assert response.status_code == 409
    assert error_code(response) == "MATTER_WITHIN_AUTHORITY"
    assert world_state() == before


def test_out_of_turn_and_wrong_roles_change_nothing(w):
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    before = world_state()
    assert argue(w.hr, req).status_code == 403  # unit HR may not argue
    assert meeting(w.leader, req).status_code == 409  # not yet at the meeting
    assert committee(w.leader, req).status_code == 409
    assert argue(w.leader, req).status_code == 403  # argumentation is the clerk's
    assert argue(w.hr_archive, req).status_code == 404  # another unit sees nothing
    assert world_state() == before
    assert argue(w.office, req).status_code == 302
    assert meeting(w.office, req).status_code == 403
    assert meeting(w.leader, req).status_code == 302
    before = world_state()
    for bad in ("示编2026第3号", ""):
        response = committee(w.leader, req, doc_no=bad)
        assert response.status_code == 400 and error_code(response) == "DOC_NO_INVALID"
    response = committee(w.leader, req, effective_date="")
    assert error_code(response) == "FIELD_REQUIRED"
    assert world_state() == before
    assert committee(w.leader, req).status_code == 302
    assert committee(w.leader, req).status_code == 409  # decided already


def test_disguised_and_oversized_attachments_are_refused(w, settings):
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    response = argue(w.office, req, files=[pdf("报告.pdf", b"MZ\x90\x00fake exe")])
    assert response.status_code == 400
    assert error_code(response) == "ATTACHMENT_TYPE_NOT_ALLOWED"
    settings.ATTACHMENT_MAX_BYTES = 10
    response = argue(w.office, req, files=[pdf()])
    assert error_code(response) == "FILE_TOO_LARGE"
    assert Request.objects.get(pk=req.pk).current_step == "argumentation"
    assert not Matter.objects.filter(request=req).exists()


def test_generic_approvals_cannot_skip_the_records(w):
    """The engine's own approve button refuses to pass the argumentation and
    the office meeting until this round's record exists (matters registers a
    step check with the engine); nothing moves, nothing is written."""
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    before, seq = world_state(), last_seq()
    response = client_for(w.office).post(
        reverse("web:approval_act", args=[req.pk, "approve"]),
        {"step": "argumentation"},
    )
    assert response.status_code in (302, 400)
    req.refresh_from_db()
    assert req.current_step == "argumentation"
    assert world_state() == before and last_seq() == seq
    with pytest.raises(ApplicationError) as refused:
        approvals.request_approve(
            actor=w.office, request_id=req.pk, step="argumentation"
        )
    assert refused.value.code == ErrorCode.FIELD_REQUIRED
    # With the argumentation recorded, the meeting's generic approve is refused
    # in turn until the minutes exist.
    assert argue(w.office, req).status_code == 302
    req.refresh_from_db()
    assert req.current_step == "office_meeting"
    with pytest.raises(ApplicationError) as refused:
        approvals.request_approve(
            actor=w.leader, request_id=req.pk, step="office_meeting"
        )
    assert refused.value.code == ErrorCode.FIELD_REQUIRED
    req.refresh_from_db()
    assert req.current_step == "office_meeting"
    assert Unit.objects.get(pk=w.finance.pk).name == "示例区财政局"


def test_a_later_effective_date_is_applied_by_daily_once(w):
    req = submit_new(
        w.hr, "matter_rename", unit_id=str(w.finance.pk), new_name="示例区财政事务局",
        reason="更名",
    )  # fmt: skip
    on = timezone.localdate() + dt.timedelta(days=10)
    walk(w, req, effective_date=on.isoformat())
    matter = Matter.objects.get(request=req)
    assert matter.state == Matter.State.SCHEDULED
    assert Unit.objects.get(pk=w.finance.pk).name == "示例区财政局"
    out = StringIO()
    call_command("daily", today=(on - dt.timedelta(days=1)).isoformat(), stdout=out)
    assert "机构编制事项已生效" not in out.getvalue()
    seq = last_seq()
    out = StringIO()
    call_command("daily", today=on.isoformat(), stdout=out)
    assert "机构编制事项已生效" in out.getvalue()
    matter.refresh_from_db()
    assert matter.state == Matter.State.APPLIED and len(matter.certificate_ids) == 1
    assert Unit.objects.get(pk=w.finance.pk).name == "示例区财政事务局"
    assert {"unit_rename", "document_issue", "matter_apply"} <= set(operations(seq))
    seq = last_seq()
    call_command("daily", today=on.isoformat(), stdout=StringIO())
    assert "matter_apply" not in operations(seq)  # idempotent


def test_a_scheduled_matter_a_rule_now_refuses_is_flagged(w):
    from bianzhi.roster import services as roster
    from tests.roster.helpers import person_data

    req = submit_new(w.office, "matter_revoke", unit_id=str(w.archive.pk),
                     reason="职能划入财政局")  # fmt: skip
    on = timezone.localdate() + dt.timedelta(days=5)
    walk(w, req, effective_date=on.isoformat())
    roster.person_enroll(
        actor=w.office, unit=w.archive, category="institutional", funding="full",
        person=person_data(8, identity="事业人员", post_type="专业技术"),
        channel="初始化导入", start_date="2021-03-01", doc_no="初始化导入",
    )  # fmt: skip
    out = StringIO()
    call_command("daily", today=on.isoformat(), stdout=out)
    assert "未能生效" in out.getvalue()
    matter = Matter.objects.get(request=req)
    assert matter.state == Matter.State.FAILED
    assert "在编人员" in matter.apply_error
    assert Unit.objects.get(pk=w.archive.pk).is_active


def test_quota_transfer_to_another_district_is_decided_by_the_city(w):
    from bianzhi.orgs import services as orgs
    from bianzhi.quota.models import QuotaAccount

    from .conftest import _setup

    other = orgs.region_create_local(
        actor=w.office.__class__.system(), code="990103", name="另一区",
        level="county", parent=w.city,
    )  # fmt: skip
    target = orgs.unit_establish(
        region=other, name="另一区财政局", kind="gov_dept", rank="section", **_setup()
    )
    req = submit_new(
        w.office, "matter_change_quota", unit_id=str(w.finance.pk),
        operation="transfer", category="administrative", funding="full",
        amount="2", target_unit_id=str(target.pk), reason="职能划转",
    )  # fmt: skip
    assert error_code(argue(w.office, req)) == "MATTER_BEYOND_AUTHORITY"
    client_for(w.office).post(reverse("web:matter_act", args=[req.pk, "route-up"]))
    walk(w, req, office=w.city_office, leader=w.city_leader)
    assert QuotaAccount.objects.get(unit=w.finance).approved == 3
    assert QuotaAccount.objects.get(unit=target).approved == 2
    external = {
        a.region_id: a.approved
        for a in QuotaAccount.objects.filter(
            holder_kind="external", category_id="administrative"
        )
    }
    assert external == {"990102": -18, "990103": -2}
