# ruff: noqa: F811 - the fixtures imported from approvals_helpers are used by name
"""审批 pages through HTTP as the real roles, on the engine's test kind."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from bianzhi.approvals import services
from bianzhi.approvals.models import Decision, Request
from bianzhi.orgs.models import Unit

from .approvals_helpers import KIND, draft, login, state, test_kind, world  # noqa: F401

pytestmark = pytest.mark.django_db


def _as(actor) -> Client:
    return login(Client(), actor)


def _act(actor, req, action, **data):
    data.setdefault("step", Request.objects.get(pk=req.pk).current_step)
    return _as(actor).post(reverse("web:approval_act", args=[req.pk, action]), data)


def _submit(w, req, key="k1"):
    response = _act(w.hr, req, "submit", idempotency_key=key, step="")
    assert response.status_code == 302, response.content.decode()[:2000]
    return Request.objects.get(pk=req.pk)


def test_walk_from_submission_to_approval(world):
    w = world
    req = draft(w)
    page = _as(w.hr).get(reverse("web:approval", args=[req.pk]))
    assert page.status_code == 200
    assert 'id="form-submit"' in page.content.decode()
    req = _submit(w, req)
    assert req.current_step == "office_review"
    inbox = _as(w.office).get(reverse("web:approvals_inbox")).content.decode()
    assert f'data-request="{req.pk}"' in inbox and "更名（测试）" in inbox
    assert "编办审核" in inbox
    detail = _as(w.office).get(reverse("web:approval", args=[req.pk])).content.decode()
    assert "在编人数" in detail and 'id="form-approve"' in detail
    assert "示例市人才发展中心" in detail  # payload value
    assert _act(w.office, req, "approve").status_code == 302
    assert _act(w.org, req, "opinion", opinion="agree").status_code == 302
    r = _act(w.hrss, req, "opinion", opinion="conditional", comment="需补充方案")
    assert r.status_code == 302
    assert Request.objects.get(pk=req.pk).current_step == "leader_approval"
    assert _act(w.leader, req, "approve", comment="同意").status_code == 302
    req.refresh_from_db()
    assert req.status == Request.Status.APPROVED
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才发展中心"
    detail = _as(w.hr).get(reverse("web:approval", args=[req.pk])).content.decode()
    assert "需补充方案" in detail and "有条件同意" in detail
    done = _as(w.office).get(reverse("web:approvals_completed")).content.decode()
    assert f'data-request="{req.pk}"' in done


def test_return_and_resubmit_keeps_history(world):
    w = world
    req = _submit(w, draft(w))
    r = _act(w.office, req, "return", comment="请补充论证材料")
    assert r.status_code == 302
    assert Request.objects.get(pk=req.pk).status == Request.Status.RETURNED
    mine = _as(w.hr).get(reverse("web:approvals_mine")).content.decode()
    assert f'data-request="{req.pk}"' in mine and "退回修改" in mine
    _submit(w, req, key="k2")
    detail = _as(w.hr).get(reverse("web:approval", args=[req.pk])).content.decode()
    assert "请补充论证材料" in detail
    assert detail.count('data-action="submit"') == 2
    assert Request.objects.get(pk=req.pk).round == 2


def test_reject_and_comment_required_inline(world):
    w = world
    req = _submit(w, draft(w))
    before = state()
    r = _act(w.office, req, "reject", comment="")
    assert r.status_code == 400
    assert (
        'id="action-error"' in r.content.decode() and "须填写意见" in r.content.decode()
    )
    assert state() == before
    assert _act(w.office, req, "reject", comment="不符合条件").status_code == 302
    assert Request.objects.get(pk=req.pk).status == Request.Status.REJECTED


def test_wrong_role_403_out_of_turn_409_other_unit_404(world):
    w = world
    req = _submit(w, draft(w))
    before = state()
    r = _act(w.hr, req, "approve")  # the submitter is in scope, not the office
    assert r.status_code == 403 and "编办审核" in r.content.decode()
    r = _act(w.leader, req, "approve", step="leader_approval")
    assert r.status_code == 409 and "当前不在此环节" in r.content.decode()
    assert _act(w.hr_other, req, "approve").status_code == 404
    assert (
        _as(w.hr_other).get(reverse("web:approval", args=[req.pk])).status_code == 404
    )
    assert (
        _as(w.office_other).get(reverse("web:approval", args=[req.pk])).status_code
        == 404
    )
    assert state() == before


def test_double_submission_is_idempotent(world):
    w = world
    req = draft(w)
    _submit(w, req, key="same")
    count = Decision.objects.filter(request=req).count()
    r = _act(w.hr, req, "submit", idempotency_key="same", step="")
    assert r.status_code == 302
    assert Decision.objects.filter(request=req).count() == count


def test_inbox_badge_and_news(world):
    w = world
    for n in range(2):
        _submit(w, draft(w), key=f"key{n}")
    office = _as(w.office)
    page = office.get(reverse("web:approvals_inbox")).content.decode()
    # The page carries the slot htmx fills and the navigation's count target.
    assert 'id="approvals-badge-slot"' in page and 'id="approvals-nav-count"' in page
    badge = office.get(reverse("web:approvals_badge")).content.decode()
    assert 'id="approvals-waiting">2<' in badge
    assert 'id="approvals-nav-count" hx-swap-oob="true">（2）<' in badge
    hr = _as(w.hr)
    # Own submissions are not news.
    assert (
        'id="approvals-news"'
        not in hr.get(reverse("web:approvals_badge")).content.decode()
    )
    hr.get(reverse("web:approvals_mine"))
    badge = hr.get(reverse("web:approvals_badge")).content.decode()
    assert 'id="approvals-news"' not in badge
    assert 'id="approvals-waiting"' not in badge  # unit HR has no inbox
    req = Request.objects.filter(created_by_id=w.hr.user_id).first()
    _act(w.office, req, "return", comment="请补充")
    badge = hr.get(reverse("web:approvals_badge")).content.decode()
    assert 'id="approvals-news"' in badge
    hr.get(reverse("web:approvals_mine"))
    badge = hr.get(reverse("web:approvals_badge")).content.decode()
    assert 'id="approvals-news"' not in badge
    assert (
        office.get(reverse("web:approvals_badge"))
        .content.decode()
        .count('id="approvals-waiting">1<')
    )


def test_filters_and_overdue(world):
    w = world
    services.request_submit(
        actor=w.hr, request_id=draft(w).pk, today=dt.date(2025, 3, 3)
    )  # submitted long ago: its first step is overdue now
    c = _as(w.office)
    assert (
        "data-request"
        in c.get(reverse("web:approvals_inbox"), {"kind": KIND}).content.decode()
    )
    assert (
        "data-request"
        not in c.get(reverse("web:approvals_inbox"), {"kind": "none"}).content.decode()
    )
    page = c.get(reverse("web:approvals_inbox"), {"overdue": "1"}).content.decode()
    assert "超期" in page and "data-request" in page
