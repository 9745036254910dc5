"""The quota-use form through HTTP: field errors with nothing written, the
dependent account field, idempotent submission, the walk to the permit and
the 编制使用审批表 PDF, return-and-resubmit with the comments shown, scope."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bianzhi.approvals.models import Decision, Request
from bianzhi.core.models import AuditEvent
from bianzhi.documents.models import Document
from bianzhi.documents.services import document_path
from bianzhi.quota.models import Permit

from .conftest import quota_use_form, web

pytestmark = pytest.mark.django_db
NEW = "/approvals/new/quota_use/"


def _written() -> tuple[int, int]:
    return Request.objects.count(), AuditEvent.objects.count()


def test_index_lists_the_kinds_the_user_may_submit(world):
    page = web(world.hr).get(reverse("web:approval_new")).content.decode()
    for kind in ("quota_use", "recruitment_plan", "release_filing"):
        assert f'data-kind="{kind}"' in page
    assert web(world.leader).get(reverse("web:approval_new")).status_code == 403
    assert web(world.office).get(NEW).status_code == 403
    assert web(world.hr).get("/approvals/new/nosuchkind/").status_code == 404
    # Every registered form renders (the kinds of other apps too).
    for kind in ("quota_use", "recruitment_plan", "release_filing"):
        assert web(world.hr).get(f"/approvals/new/{kind}/").status_code == 200
    # The navigation offers it to submitters.
    assert (
        'href="/approvals/new/"'
        in web(world.hr).get("/approvals/mine/").content.decode()
    )


def test_form_renders_scoped_choices_and_refreshes_dependants(world):
    w = world
    page = web(w.hr).get(NEW).content.decode()
    # One unit in scope: chosen, and its accounts offered; never the school's.
    assert f'<option value="{w.bureau.pk}" selected>' in page
    assert f'<option value="{w.adm.pk}"' in page
    assert f'<option value="{w.ins.pk}"' not in page
    assert 'hx-trigger="change"' in page and "考录" in page
    assert "空编3名" in page  # the account notes above the form
    r = web(w.hr).post(
        NEW, {"unit_id": str(w.bureau.pk), "_op": "refresh"}, HTTP_HX_REQUEST="true"
    )
    body = r.content.decode()
    assert (
        r.status_code == 200 and body.startswith("<form") or 'id="intake-form"' in body
    )
    assert "<html" not in body and f'<option value="{w.adm.pk}"' in body
    # Adding a row of the positions table re-renders with one more row.
    r = web(w.hr).post(NEW, quota_use_form(w, _op="add:positions"))
    assert 'name="positions-1-title"' in r.content.decode()
    r = web(w.hr).post(NEW, quota_use_form(w, _op="remove:positions:0"))
    assert 'name="positions-0-title" value=""' in r.content.decode()


@pytest.mark.parametrize(
    ("over", "field", "text"),
    [
        ({"count": "0"}, "count", "申请用编数须为不小于1的整数"),
        ({"reason": ""}, "reason", "请填写用编理由"),
        ({"channel": "magic"}, "channel", "进入方式无效"),
        ({"count": "4"}, "count", "不足申请4名"),
        ({"positions-0-title": ""}, "positions", "第1行岗位名称"),
    ],
)
def test_bad_values_are_shown_at_the_field_and_nothing_is_written(
    world, over, field, text
):
    before = _written()
    r = web(world.hr).post(NEW, quota_use_form(world, **over))
    assert r.status_code in (400, 409)
    page = r.content.decode()
    assert f'id="error-{field}"' in page and text in page
    assert _written() == before


def test_an_account_of_another_unit_is_refused_at_its_field(world):
    w = world
    before = _written()
    r = web(w.hr).post(NEW, quota_use_form(w, account_id=str(w.ins.pk)))
    assert r.status_code == 400
    assert "编制账户不属于申请单位" in r.content.decode()
    assert _written() == before


def test_another_units_user_gets_404(world):
    w = world
    before = _written()
    r = web(w.school_hr).post(NEW, quota_use_form(w))
    assert r.status_code == 404
    assert _written() == before
    web(w.hr).post(NEW, quota_use_form(w))
    req = Request.objects.get()
    assert web(w.school_hr).get(f"/approvals/{req.pk}/").status_code == 404
    assert web(w.school_hr).get(f"/approvals/{req.pk}/edit/").status_code == 404


def test_double_submission_is_one_request(world):
    w = world
    first = web(w.hr).post(NEW, quota_use_form(w))
    again = web(w.hr).post(NEW, quota_use_form(w))
    req = Request.objects.get()
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"] == f"/approvals/{req.pk}/"
    assert Decision.objects.filter(request=req, action="submit").count() == 1


def _approve(actor, req, action="approve", **data):
    req.refresh_from_db()
    data.setdefault("step", req.current_step)
    r = web(actor).post(f"/approvals/{req.pk}/{action}/", data)
    assert r.status_code == 302, r.content.decode()[:2000]


def test_walk_to_permit_and_approval_form(world):
    import datetime as dt

    from bianzhi.core.actor import Actor
    from bianzhi.quota.leader_posts import leader_posts_set

    w = world
    leader_posts_set(
        actor=Actor.system(),
        unit=w.bureau,
        scope="unit",
        level="county",
        kind="chief",
        count=1,
        doc_no="示编〔2020〕3号",
        effective_date=dt.date(2020, 1, 1),
        reason="补录",
    )
    r = web(w.hr).post(NEW, quota_use_form(w))
    assert r.status_code == 302
    req = Request.objects.get()
    assert req.status == "submitted" and req.payload["reason"].startswith("退休")
    assert req.payload["positions"] == [
        {"title": "科员", "count": 2, "requirement": "本科及以上"}
    ]
    # The reviewer's page and inbox row carry the live numbers.
    inbox = web(w.office).get("/approvals/").content.decode()
    assert "空编" in inbox
    page = web(w.office).get(f"/approvals/{req.pk}/").content.decode()
    for label in (
        "空编数",
        "在编/核定",
        "本年逾期出编备案",
        "疑似问题",
        "有效用编核准件数",
    ):
        assert label in page
    _approve(w.office, req, comment="同意报领导审批")
    req.refresh_from_db()
    if req.current_step == "joint_review":
        _approve(w.org, req, "opinion", opinion="agree")
    _approve(w.leader, req, comment="同意")
    req.refresh_from_db()
    assert req.status == "approved"
    permit = Permit.objects.get(request_id=req.pk)
    assert permit.count == 2
    news = web(w.hr).get("/approvals/notifications/").content.decode()
    assert "领导审批 编办主任 同意：同意（已批准）" in news
    form = Document.objects.get(kind="approval_form", subject_id=req.pk)
    assert Document.objects.filter(kind="permit", subject_id=permit.pk).exists()
    assert document_path(form).read_bytes().startswith(b"%PDF")
    page = web(w.hr).get(f"/approvals/{req.pk}/").content.decode()
    assert 'id="approval-documents"' in page and form.serial in page
    r = web(w.hr).get(f"/documents/{form.pk}/pdf/")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    # Every step's opinion of the round is on the form.
    from bianzhi.documents.effects import opinions_of

    rows = opinions_of(req)
    assert rows[0]["step"] == "编办审核意见" and "同意报领导审批" in rows[0]["opinion"]
    assert rows[-1]["step"] == "领导审批意见" and rows[-1]["by"] == "编办主任"


def test_returned_request_is_corrected_and_resubmitted(world):
    w = world
    web(w.hr).post(NEW, quota_use_form(w))
    req = Request.objects.get()
    _approve(w.office, req, "return", comment="请核减为1名")
    page = web(w.hr).get(f"/approvals/{req.pk}/").content.decode()
    assert 'id="approval-edit"' in page
    page = web(w.hr).get(f"/approvals/{req.pk}/edit/").content.decode()
    assert 'id="reviewer-comments"' in page and "请核减为1名" in page
    assert 'name="count" value="2"' in page and "退休减员" in page
    # A bad correction stays at the field, the request unchanged.
    r = web(w.hr).post(
        f"/approvals/{req.pk}/edit/", quota_use_form(w, count="x", idempotency_key="k2")
    )
    assert r.status_code == 400 and 'id="error-count"' in r.content.decode()
    req.refresh_from_db()
    assert req.status == "returned" and req.payload["count"] == 2
    r = web(w.hr).post(
        f"/approvals/{req.pk}/edit/", quota_use_form(w, count="1", idempotency_key="k3")
    )
    assert r.status_code == 302
    req.refresh_from_db()
    assert req.status == "submitted" and req.round == 2 and req.payload["count"] == 1
    assert web(w.hr).get(f"/approvals/{req.pk}/edit/").status_code == 409


def test_draft_is_saved_then_submitted(world):
    w = world
    r = web(w.hr).post(NEW, quota_use_form(w, _op="draft"))
    req = Request.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/approvals/{req.pk}/edit/"
    assert req.status == "draft"
    r = web(w.hr).post(
        f"/approvals/{req.pk}/edit/", quota_use_form(w, idempotency_key="k9")
    )
    req.refresh_from_db()
    assert r.status_code == 302 and req.status == "submitted"


def test_same_key_after_a_draft_submits_that_draft_with_the_new_values(world):
    w = world
    web(w.hr).post(NEW, quota_use_form(w, _op="draft"))
    web(w.hr).post(NEW, quota_use_form(w, _op="draft"))  # double click
    r = web(w.hr).post(NEW, quota_use_form(w, count="1"))
    req = Request.objects.get()
    assert r.status_code == 302
    assert req.status == "submitted" and req.payload["count"] == 1


def test_plan_lines_are_read_back_for_editing(world):
    from django.utils import timezone

    w = world
    year = str(timezone.localdate().year)
    data = {
        "unit_id": str(w.bureau.pk),
        "year": year,
        "lines-n": "1",
        "lines-0-category": "administrative",
        "lines-0-funding": "full",
        "lines-0-channel": "exam_recruitment",
        "lines-0-count": "1",
        "idempotency_key": "p1",
        "_op": "draft",
    }
    r = web(w.hr).post("/approvals/new/recruitment_plan/", data)
    req = Request.objects.get()
    assert r["Location"] == f"/approvals/{req.pk}/edit/"
    page = web(w.hr).get(r["Location"]).content.decode()
    assert 'name="lines-0-count" value="1"' in page
    assert '<option value="exam_recruitment" selected>' in page
