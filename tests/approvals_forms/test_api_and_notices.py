"""The API's create / update from the kind's form (same build, same roles
and scope, errors with their field, idempotent) and the notifications."""

from __future__ import annotations

import pytest

from bianzhi.approvals.models import Decision, NoticeSeen, Request
from bianzhi.core.models import AuditEvent

from .conftest import api, quota_use_form, web

pytestmark = pytest.mark.django_db


def _values(w, **over) -> dict:
    return {
        "unit_id": w.bureau.pk,
        "account_id": w.adm.pk,
        "channel": "exam_recruitment",
        "count": 1,
        "reason": "补充人员",
        "positions": [{"title": "科员", "count": "1", "requirement": ""}],
    } | over


def test_create_and_submit_is_idempotent(world):
    w = world
    body = {
        "kind": "quota_use",
        "values": _values(w),
        "submit": True,
        "idempotency_key": "api-1",
    }
    r = api(w.hr).post("/api/approvals/", body, format="json")
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["status"] == "submitted" and data["serial"]
    assert any(n["label"].endswith("空编数") for n in data["numbers"])
    again = api(w.hr).post("/api/approvals/", body, format="json")
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert Request.objects.count() == 1
    assert Decision.objects.filter(action="submit").count() == 1


def test_errors_name_their_field_and_write_nothing(world):
    w = world
    before = Request.objects.count(), AuditEvent.objects.count()
    r = api(w.hr).post(
        "/api/approvals/",
        {"kind": "quota_use", "values": _values(w, count=0), "submit": True},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["code"] == "VALUE_INVALID" and r.json()["field"] == "count"
    r = api(w.hr).post(
        "/api/approvals/",
        {"kind": "quota_use", "values": _values(w, count=9), "submit": True},
        format="json",
    )
    assert r.json()["code"] == "QUOTA_FULL" and r.json()["field"] == "count"
    r = api(w.hr).post("/api/approvals/", {"kind": "nope", "values": {}}, format="json")
    assert r.status_code == 400 and r.json()["field"] == "kind"
    # Wrong role: 403; another unit: 404.
    r = api(w.office).post(
        "/api/approvals/", {"kind": "quota_use", "values": _values(w)}, format="json"
    )
    assert r.status_code == 403
    r = api(w.school_hr).post(
        "/api/approvals/", {"kind": "quota_use", "values": _values(w)}, format="json"
    )
    assert r.status_code == 404
    assert (Request.objects.count(), AuditEvent.objects.count()) == before


def test_draft_patched_then_submitted_and_scope(world):
    w = world
    r = api(w.hr).post(
        "/api/approvals/", {"kind": "quota_use", "values": _values(w)}, format="json"
    )
    pk = r.json()["id"]
    assert r.json()["status"] == "draft"
    assert (
        api(w.school_hr)
        .patch(f"/api/approvals/{pk}/", {"values": {"count": 2}}, format="json")
        .status_code
        == 404
    )
    r = api(w.hr).patch(
        f"/api/approvals/{pk}/", {"values": {"count": 2}, "submit": True}, format="json"
    )
    assert r.status_code == 200, r.json()
    assert r.json()["status"] == "submitted" and r.json()["payload"]["count"] == 2
    assert r.json()["payload"]["reason"] == "补充人员"
    # Submitted: no more corrections (409), until returned.
    r = api(w.hr).put(f"/api/approvals/{pk}/", {"values": _values(w)}, format="json")
    assert r.status_code == 409
    step = Request.objects.get(pk=pk).current_step
    api(w.office).post(
        f"/api/approvals/{pk}/return/",
        {"step": step, "comment": "改为1名"},
        format="json",
    )
    r = api(w.hr).put(
        f"/api/approvals/{pk}/",
        {"values": _values(w, count=1), "submit": True, "idempotency_key": "re-1"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["round"] == 2


def test_kinds_lists_the_forms(world):
    kinds = api(world.hr).get("/api/approvals/kinds/").json()["results"]
    quota_use = next(k for k in kinds if k["kind"] == "quota_use")
    assert [f["name"] for f in quota_use["fields"]][:3] == [
        "unit_id",
        "account_id",
        "channel",
    ]


def test_notifications_appear_and_clear(world):
    w = world
    web(w.hr).post("/approvals/new/quota_use/", quota_use_form(w))
    req = Request.objects.get()
    # The office sees a new item in its inbox; the submitter nothing yet.
    office = api(w.office).get("/api/approvals/notifications/").json()
    assert [(n["event"], n["request_id"]) for n in office["results"]] == [
        ("waiting", req.pk)
    ]
    assert api(w.hr).get("/api/approvals/notifications/").json()["count"] == 0
    badge = web(w.office).get("/approvals/badge/").content.decode()
    assert 'id="approvals-notices">1<' in badge
    web(w.office).post(
        f"/approvals/{req.pk}/return/",
        {"step": req.current_step, "comment": "请补充材料"},
    )
    found = api(w.hr).get("/api/approvals/notifications/").json()
    assert found["count"] == 1
    assert found["results"][0]["event"] == "decided"
    assert "退回修改：请补充材料" in found["results"][0]["text"]
    page = web(w.hr).get("/approvals/notifications/").content.decode()
    assert 'data-event="decided"' in page and "请补充材料" in page
    r = web(w.hr).post("/approvals/notifications/seen/")
    assert r.status_code == 302
    assert NoticeSeen.objects.filter(user_id=w.hr.user_id).exists()
    assert api(w.hr).get("/api/approvals/notifications/").json()["count"] == 0
    assert (
        "data-event=" not in web(w.hr).get("/approvals/notifications/").content.decode()
    )
    # The API marks seen too.
    assert api(w.office).post("/api/approvals/notifications/").status_code == 200
    assert api(w.office).get("/api/approvals/notifications/").json()["count"] == 0


def test_overdue_step_is_a_notice(world):
    import datetime as dt

    from django.utils import timezone

    from bianzhi.approvals import services

    w = world
    past = timezone.localdate() - dt.timedelta(days=20)
    req = services.request_create(
        actor=w.hr,
        kind="quota_use",
        title="用编申请",
        region_code=w.bureau.region_id,
        unit_id=w.bureau.pk,
        payload={"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 1},
    )
    # Submitted 20 days ago: its first step is long overdue.
    services.request_submit(actor=w.hr, request_id=req.pk, today=past)
    found = api(w.office).get("/api/approvals/notifications/").json()["results"]
    assert ("overdue", req.pk) in {(n["event"], n["request_id"]) for n in found}


def test_attachments_are_uploaded_with_the_form(world):
    import io

    from PIL import Image

    w = world
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    png = io.BytesIO(out.getvalue())
    png.name = "论证材料.png"
    fake = io.BytesIO(b"MZ\x90\x00 not a pdf")
    fake.name = "论证报告.pdf"
    before = Request.objects.count()
    r = web(w.hr).post(
        "/approvals/new/quota_use/",
        quota_use_form(w, **{"attachment_ids-file": fake, "idempotency_key": "f1"}),
    )
    assert r.status_code == 400 and 'id="error-attachment_ids"' in r.content.decode()
    assert Request.objects.count() == before
    r = web(w.hr).post(
        "/approvals/new/quota_use/",
        quota_use_form(w, **{"attachment_ids-file": png, "idempotency_key": "f2"}),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    (attachment_id,) = Request.objects.get().payload["attachment_ids"]
    from bianzhi.documents.models import Attachment

    assert Attachment.objects.get(pk=attachment_id).filename == "论证材料.png"
