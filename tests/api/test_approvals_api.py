# ruff: noqa: F811 - the fixtures imported from approvals_helpers are used by name
"""审批 REST endpoints as the real roles, on the engine's test kind."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from bianzhi.approvals.models import Decision, Request
from bianzhi.core.models import AuditEvent
from bianzhi.orgs.models import Unit
from tests.web.approvals_helpers import (  # noqa: F401
    KIND,
    draft,
    state,
    test_kind,
    user_of,
    world,
)

pytestmark = pytest.mark.django_db


def _as(actor) -> APIClient:
    client = APIClient()
    client.force_authenticate(user_of(actor))
    return client


def _act(actor, req, action, **body):
    body.setdefault("step", Request.objects.get(pk=req.pk).current_step)
    return _as(actor).post(f"/api/approvals/{req.pk}/{action}/", body, format="json")


def test_walk_to_approval_with_audit(world):
    w = world
    req = draft(w)
    r = _act(w.hr, req, "submit", idempotency_key="a1")
    assert r.status_code == 200, r.json()
    assert r.json()["current_step"] == "office_review"
    inbox = _as(w.office).get("/api/approvals/inbox/").json()
    assert [row["id"] for row in inbox["results"]] == [req.pk]
    assert inbox["results"][0]["kind_label"] == "更名（测试）"
    detail = _as(w.office).get(f"/api/approvals/{req.pk}/").json()
    assert detail["actions"] == ["approve", "return", "reject"]
    assert detail["numbers"][0]["label"] == "在编人数"
    assert _act(w.office, req, "approve").status_code == 200
    assert _act(w.org, req, "opinion", opinion="agree").status_code == 200
    assert (
        _act(w.hrss, req, "opinion", opinion="disagree", comment="不同意").status_code
        == 200
    )
    events = AuditEvent.objects.count()
    r = _act(w.leader, req, "approve")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert AuditEvent.objects.count() == events + 1
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才发展中心"
    history = [h["action"] for h in r.json()["history"]]
    assert history == ["submit", "approve", "opinion", "opinion", "approve"]
    assert {o["opinion"] for o in r.json()["opinions"]} == {"agree", "disagree"}
    done = _as(w.leader).get("/api/approvals/completed/").json()
    assert [row["id"] for row in done["results"]] == [req.pk]


def test_return_resubmit_reject(world):
    w = world
    req = draft(w)
    _act(w.hr, req, "submit", idempotency_key="b1")
    r = _act(w.office, req, "return", comment="请补充")
    assert r.json()["status"] == "returned"
    mine = _as(w.hr).get("/api/approvals/mine/").json()
    assert mine["results"][0]["status"] == "returned"
    _act(w.hr, req, "submit", idempotency_key="b2")
    r = _act(w.office, req, "reject", comment="不符合条件")
    assert r.json()["status"] == "rejected"
    comments = [h["comment"] for h in r.json()["history"]]
    assert "请补充" in comments and "不符合条件" in comments


def test_refusals_change_nothing(world):
    w = world
    req = draft(w)
    _act(w.hr, req, "submit", idempotency_key="c1")
    before = state()
    r = _act(w.hr, req, "approve")
    assert r.status_code == 403 and r.json()["code"] == "ROLE_FORBIDDEN"
    r = _act(w.leader, req, "approve", step="leader_approval")
    assert r.status_code == 409 and r.json()["code"] == "STEP_OUT_OF_TURN"
    r = _act(w.hr_other, req, "approve")
    assert r.status_code == 404 and r.json()["code"] == "OUT_OF_SCOPE"
    assert _as(w.office_other).get(f"/api/approvals/{req.pk}/").status_code == 404
    r = _act(w.office, req, "return", comment="")
    assert r.status_code == 400 and r.json()["code"] == "FIELD_REQUIRED"
    r = _act(w.office, req, "fly")
    assert r.status_code == 400
    assert state() == before


def test_double_submit_idempotent(world):
    w = world
    req = draft(w)
    first = _act(w.hr, req, "submit", idempotency_key="d1")
    again = _act(w.hr, req, "submit", idempotency_key="d1")
    assert first.status_code == again.status_code == 200
    assert again.json()["serial"] == first.json()["serial"]
    assert Decision.objects.filter(request=req, action="submit").count() == 1


def test_lists_need_a_taking_part_role_and_filter(world):
    w = world
    _act(w.hr, draft(w), "submit", idempotency_key="e1")
    c = _as(w.office)
    assert c.get("/api/approvals/inbox/", {"kind": KIND}).json()["count"] == 1
    assert c.get("/api/approvals/inbox/", {"kind": "x"}).json()["count"] == 0
    assert _as(w.office_other).get("/api/approvals/inbox/").json()["count"] == 0
    assert APIClient().get("/api/approvals/inbox/").status_code in (401, 403)
