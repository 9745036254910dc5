"""顶格协调事项清单 (挂账销号) through the web pages, the API and `bianzhi daily`."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bianzhi.core.models import AuditEvent
from bianzhi.matters import coordination
from bianzhi.matters.models import CoordinationItem

from .conftest import client_for
from .helpers import error_code, last_seq, operations, pdf

pytestmark = pytest.mark.django_db


def _items() -> list:
    return list(CoordinationItem.objects.order_by("pk").values())


def _create(w, actor=None, **over):
    data = {
        "region": "990102",
        "title": "推进乡镇综合执法改革",
        "owner_name": "示例区财政局",
        "owner_unit": str(w.finance.pk),
        "lead_person": "王副区长",
        "due_date": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
        "description": "区委常委会交办",
        "source_link": "区委常委会纪要〔2026〕5号",
    } | over
    return client_for(actor or w.office).post(reverse("web:coordination_new"), data)


def test_create_list_close_and_reopen(w):
    seq = last_seq()
    response = _create(w)
    assert response.status_code == 302, response.content.decode()[:2000]
    item = CoordinationItem.objects.get()
    assert item.status == "open" and item.owner_unit_id == w.finance.pk
    _create(w, title="编制资源统筹", due_date="2026-01-05")  # already overdue
    page = client_for(w.office).get(reverse("web:coordination") + "?status=overdue")
    text = page.content.decode()
    assert 'data-count="open">2<' in text and 'data-count="overdue">1<' in text
    assert "编制资源统筹" in text and "推进乡镇综合执法改革" not in text
    assert "逾期" in text and "个工作日" in text
    # 销号 needs a note; nothing changes without one.
    before = _items()
    url = reverse("web:coordination_close", args=[item.pk])
    response = client_for(w.office).post(url, {"closure_note": "  "})
    assert response.status_code == 400 and error_code(response) == "FIELD_REQUIRED"
    assert _items() == before
    response = client_for(w.office).post(
        url, {"closure_note": "改革方案已印发", "files": [pdf("方案.pdf")]}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "closed" and item.closure_note == "改革方案已印发"
    assert len(item.evidence_ids) == 1 and item.closed_by_name == "区编办科员"
    page = client_for(w.office).get(reverse("web:coordination") + "?status=closed")
    assert 'data-count="closed">1<' in page.content.decode()
    # Reopening needs a reason.
    response = client_for(w.office).post(url, {"action": "reopen", "reason": ""})
    assert response.status_code == 400
    response = client_for(w.office).post(
        url, {"action": "reopen", "reason": "方案未落实到位"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "open" and item.reopen_reason == "方案未落实到位"
    ops = operations(seq)
    for op in ("coordination_item_create", "attachment_store",
               "coordination_item_close", "coordination_item_reopen"):  # fmt: skip
        assert op in ops


def test_edit_form_and_bad_input(w):
    response = _create(w, title="", due_date="")
    assert response.status_code == 400 and error_code(response) == "FIELD_REQUIRED"
    response = _create(w, due_date="", due_in_working_days="5")
    assert response.status_code == 302
    item = CoordinationItem.objects.get()
    assert item.due_date > timezone.localdate()
    response = client_for(w.office).post(
        reverse("web:coordination_edit", args=[item.pk]),
        {"title": "推进综合执法改革", "owner_name": "示例区财政局", "owner_unit": "",
         "lead_person": "李副区长", "due_date": "2026-12-31", "description": "",
         "source_link": ""},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.title == "推进综合执法改革" and item.lead_person == "李副区长"
    assert item.owner_unit_id is None and item.due_date == dt.date(2026, 12, 31)


def test_scope_and_roles(w):
    from bianzhi.core.roles import Role
    from bianzhi.orgs import services as orgs
    from tests.approvals.conftest import _actor

    other = orgs.region_create_local(
        actor=w.office.__class__.system(), code="990103", name="另一区",
        level="county", parent=w.city,
    )  # fmt: skip
    other_office = _actor(Role.OFFICE_ADMIN, other, name="另一区编办")
    assert _create(w).status_code == 302
    item = CoordinationItem.objects.get()
    detail = reverse("web:coordination_item", args=[item.pk])
    # The city office sees the district's item; another district does not.
    assert client_for(w.city_office).get(detail).status_code == 200
    assert client_for(other_office).get(detail).status_code == 404
    assert (
        f'data-item="{item.pk}"'
        not in client_for(other_office)
        .get(reverse("web:coordination"))
        .content.decode()
    )
    # The owning unit's HR reads it; inspectors read; neither edits.
    assert client_for(w.hr).get(detail).status_code == 200
    assert client_for(w.hr_archive).get(detail).status_code == 404
    assert client_for(w.inspector).get(detail).status_code == 200
    before = _items()
    close = reverse("web:coordination_close", args=[item.pk])
    assert client_for(w.inspector).post(close, {"closure_note": "x"}).status_code == 403
    assert client_for(w.hr).post(close, {"closure_note": "x"}).status_code == 403
    assert _create(w, actor=w.hr).status_code == 403
    assert _create(w, actor=other_office).status_code == 404  # not its region
    assert _items() == before


def test_overdue_items_are_listed_by_daily_once(w):
    _create(w, title="编制资源统筹", due_date="2026-01-05")
    _create(w, title="按期事项")
    out = StringIO()
    call_command("daily", stdout=out)
    text = out.getvalue()
    assert "顶格协调事项逾期：编制资源统筹" in text and "按期事项" not in text
    assert "逾期未销号共 1 项" in text
    events = AuditEvent.objects.filter(operation="coordination_item_overdue").count()
    out = StringIO()
    call_command("daily", stdout=out)
    assert "顶格协调事项逾期：" not in out.getvalue()
    assert "逾期未销号共 1 项" in out.getvalue()
    assert (
        AuditEvent.objects.filter(operation="coordination_item_overdue").count()
        == events
        == 1
    )
    item = CoordinationItem.objects.get(title="编制资源统筹")
    assert coordination.days_late(item, timezone.localdate()) > 0


def test_api_list_create_close(w):
    api = client_for(w.office)
    response = api.post(
        "/api/coordination/",
        {"region": "990102", "title": "机构编制实名制数据治理", "owner_name": "区编办",
         "lead_person": "区编办主任", "due_in_working_days": 10},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    listed = api.get("/api/coordination/?status=open").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    response = api.post(
        f"/api/coordination/{pk}/close/", {"closure_note": ""},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400 and response.json()["code"] == "FIELD_REQUIRED"
    response = client_for(w.inspector).post(
        f"/api/coordination/{pk}/close/", {"closure_note": "已完成"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 403
    response = api.post(
        f"/api/coordination/{pk}/close/", {"closure_note": "数据已清理完毕"},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200 and response.json()["status"] == "closed"
    assert api.get("/api/coordination/?status=open").json()["results"] == []
