"""The enrollment filing end to end through HTTP as the real roles: unit HR
drafts (the generic 新建申请 API) and publishes, the office records and rules
objections, unit HR submits, the office reviews (returns once), the leader
approves; the roster, the permit, the notice and the audit events after."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from bianzhi.approvals.models import Decision, Request
from bianzhi.core import audit
from bianzhi.core.models import AuditEvent
from bianzhi.documents.effects_enrollment import enrollment_notice
from bianzhi.quota.models import Permit
from bianzhi.roster.models import Posting
from tests.quota.permit_world import counters

from .conftest import last_seq, publish, row

pytestmark = pytest.mark.django_db


def client_for(actor) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.get(pk=actor.user_id))
    return client


def create(w, persons) -> dict:
    response = client_for(w.hr).post(
        reverse("api-approvals-create"),
        {
            "kind": "enrollment_filing",
            "values": {
                "unit_id": str(w.bureau.pk),
                "permit": w.permit.number,
                "doc_no": "示人〔2026〕3号",
                "persons": persons,
            },
            "submit": False,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content.decode()
    return response.json()


def act(actor, pk, action, **body):
    return client_for(actor).post(
        reverse("api-approval-action", args=[pk, action]),
        body,
        content_type="application/json",
    )


def api(actor, name, *args, **body):
    return client_for(actor).post(
        reverse(name, args=args), body, content_type="application/json"
    )


def test_filing_walks_from_publicity_to_the_roster(world):
    w = world
    seq = last_seq()
    filing = create(w, [row(1), row(2)])
    pk = filing["id"]
    assert filing["status"] == "draft"
    assert filing["payload"]["permit"] == w.permit.number
    assert filing["payload"]["channel"] == "考录"

    # Publicity: published today, seen by the office, not by another unit.
    response = api(w.hr, "api-enrollment-publicity", pk, place="单位门户网站")
    assert response.status_code == 200, response.content.decode()
    assert response.json()["publicity"]["running"] is True
    seen = client_for(w.office).get(reverse("api-enrollment-publicity", args=[pk]))
    assert seen.status_code == 200
    names = [p["name"] for p in seen.json()["persons"]]
    assert names == ["测试1", "测试2"]
    assert all("*" in p["id_masked"] for p in seen.json()["persons"])
    other = client_for(w.school_hr).get(reverse("api-enrollment-publicity", args=[pk]))
    assert other.status_code == 404
    listed = client_for(w.office).get(reverse("api-enrollment")).json()["results"]
    assert [(f["id"], f["persons_count"]) for f in listed] == [(pk, 2)]
    listed = client_for(w.school_hr).get(reverse("api-enrollment")).json()["results"]
    assert listed == []

    # An objection about 测试2; nobody submits while it is pending or the
    # period runs; the unit may not rule on it.
    response = api(w.office, "api-enrollment-objections", pk, person=1, note="学历存疑")
    assert response.status_code == 201
    objection = response.json()["objections"][0]
    assert (objection["name"], objection["pending"]) == ("测试2", True)
    response = act(w.hr, pk, "submit")
    assert response.status_code == 409
    response = api(
        w.hr,
        "api-enrollment-ruling",
        pk,
        objection["id"],
        outcome="dismiss",
        note="自查无问题",
    )
    assert response.status_code == 403
    response = api(
        w.office,
        "api-enrollment-ruling",
        pk,
        objection["id"],
        outcome="remove",
        note="核查属实，学历不符",
    )
    assert response.status_code == 200
    assert response.json()["persons_count"] == 1
    assert response.json()["objections"][0]["outcome"] == "remove"

    # The period is over (the publicity is arranged as started two weeks ago).
    publish(w, Request.objects.get(pk=pk))
    response = act(w.hr, pk, "submit", idempotency_key="filing-1")
    assert response.status_code == 200, response.content.decode()
    again = act(w.hr, pk, "submit", idempotency_key="filing-1")
    assert again.status_code == 200
    assert again.json()["serial"] == response.json()["serial"]
    assert Decision.objects.filter(request_id=pk, action="submit").count() == 1
    assert response.json()["current_step"] == "office_review"

    # Out of turn and wrong role: nothing changes.
    assert act(w.leader, pk, "approve", step="leader_approval").status_code == 409
    assert act(w.hr, pk, "approve", step="office_review").status_code == 403

    # Returned once with a comment, corrected and resubmitted.
    response = act(w.office, pk, "return", step="office_review", comment="补充文号")
    assert response.json()["status"] == "returned"
    assert act(w.hr, pk, "submit").json()["round"] == 2
    response = act(w.office, pk, "approve", step="office_review", comment="符合规定")
    assert response.json()["current_step"] == "leader_approval"
    numbers = dict(
        (n["label"], n["value"])
        for n in client_for(w.leader)
        .get(reverse("api-approval", args=[pk]))
        .json()["numbers"]
    )
    assert numbers["剩余名额"] == 2 and numbers["本批次人数"] == 1
    response = act(w.leader, pk, "approve", step="leader_approval")
    assert response.status_code == 200
    assert response.json()["status"] == "approved"

    # The roster, the ledger, the permit, the notice.
    postings = Posting.objects.filter(unit=w.bureau)
    assert [p.person.name for p in postings] == ["测试1"]
    assert counters(w.adm) == (3, 1, 1)
    permit = Permit.objects.get(pk=w.permit.pk)
    assert (permit.used, permit.status) == (1, Permit.Status.ACTIVE)
    request = Request.objects.get(pk=pk)
    notice = enrollment_notice(request)
    assert notice is not None and notice.kind == "enrollment_notice"
    page = client_for(w.hr).get(reverse("web:approval", args=[pk])).content.decode()
    assert 'data-kind="enrollment_notice"' in page

    operations = list(
        AuditEvent.objects.filter(seq__gt=seq)
        .order_by("seq")
        .values_list("operation", flat=True)
    )
    for expected in (
        "approval_create",
        "enrollment_publicity_start",
        "enrollment_objection",
        "enrollment_objection_ruling",
        "approval_submit",
        "approval_return",
        "approval_approve",
        "person_enroll",
        "document_issue",
    ):
        assert expected in operations, expected
    assert operations[-3:] == ["person_enroll", "document_issue", "approval_approve"]
    assert audit.verify_chain().ok


def test_rejection_leaves_the_roster_and_the_permit(world):
    w = world
    pk = create(w, [row(1)])["id"]
    publish(w, Request.objects.get(pk=pk))
    assert act(w.hr, pk, "submit").status_code == 200
    assert act(w.office, pk, "approve", step="office_review").status_code == 200
    response = act(w.leader, pk, "reject", step="leader_approval", comment="不予备案")
    assert response.json()["status"] == "rejected"
    assert not Posting.objects.filter(unit=w.bureau).exists()
    assert counters(w.adm) == (3, 0, 2)
    # A rejected filing takes no more objections.
    response = api(w.office, "api-enrollment-objections", pk, note="迟到的异议")
    assert response.status_code == 409


def test_publicity_pages(world):
    w = world
    pk = create(w, [row(1)])["id"]
    office, hr = client_for(w.office), client_for(w.hr)
    # Before the publicity the draft is its creator's alone.
    assert office.get(reverse("web:enrollment_filing", args=[pk])).status_code == 404
    page = hr.get(reverse("web:enrollment_filing", args=[pk]))
    assert page.status_code == 200 and "发布公示" in page.content.decode()
    response = hr.post(
        reverse("web:enrollment_publish", args=[pk]), {"place": "公告栏"}
    )
    assert response.status_code == 302

    listing = office.get(reverse("web:enrollment_filings"))
    assert listing.status_code == 200
    assert f'data-request="{pk}"' in listing.content.decode()
    page = office.get(reverse("web:enrollment_filing", args=[pk]))
    text = page.content.decode()
    assert "测试1" in text and "公示中" in text
    assert Request.objects.get(pk=pk).payload["persons"][0]["id_number"] not in text

    response = office.post(reverse("web:enrollment_object", args=[pk]), {"note": ""})
    assert response.status_code == 400
    assert 'id="action-error"' in response.content.decode()
    response = office.post(
        reverse("web:enrollment_object", args=[pk]), {"person": "0", "note": "年龄不符"}
    )
    assert response.status_code == 302
    objection = Decision.objects.get(request_id=pk, action="objection")
    assert objection.data["name"] == "测试1"
    response = hr.post(
        reverse("web:enrollment_rule", args=[pk, objection.pk]),
        {"outcome": "dismiss", "note": "无"},
    )
    assert response.status_code == 403
    response = office.post(
        reverse("web:enrollment_rule", args=[pk, objection.pk]),
        {"outcome": "dismiss", "note": "经核查年龄符合"},
    )
    assert response.status_code == 302
    text = office.get(reverse("web:enrollment_filing", args=[pk])).content.decode()
    assert "异议不成立" in text
    assert (
        client_for(w.school_hr)
        .get(reverse("web:enrollment_filing", args=[pk]))
        .status_code
        == 404
    )
    nav = office.get(reverse("web:enrollment_filings")).content.decode()
    assert reverse("web:enrollment_filings") in nav
    # The generic request page links its numbers to the publicity page.
    text = hr.get(reverse("web:approval", args=[pk])).content.decode()
    assert reverse("web:enrollment_filing", args=[pk]) in text
    form = hr.get(reverse("web:approval_new_kind", args=["enrollment_filing"]))
    assert form.status_code == 200 and "用编核准" in form.content.decode()
