# ruff: noqa: F811 - the fixtures imported from approvals_forms are used by name
"""Approval pages in English; the records of an English user's write stay Chinese.

An English-language HR officer submits a quota-use application through the
web form: the audit event (summary and records, in the hash chain) is the
same Chinese text a Chinese user's submission writes. The office's inbox and
the request page show the kind, the step and the payload keys in English.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from bianzhi.approvals.models import Request
from bianzhi.core import audit
from bianzhi.core.models import AuditEvent
from tests.approvals_forms.conftest import _media, quota_use_form, user_of, world  # noqa: F401

pytestmark = pytest.mark.django_db
NEW = "/approvals/new/quota_use/"


def english(actor) -> Client:
    client = Client()
    client.force_login(user_of(actor))
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    return client


def test_english_submission_writes_chinese_audit_and_pages_show_english(world):
    w = world
    hr = english(w.hr)
    form = hr.get(NEW).content.decode()
    assert "Quota-use application" in form and "Reason for using quota" in form
    assert "用编理由" not in form
    response = hr.post(NEW, quota_use_form(w))
    assert response.status_code == 302, response.content.decode()[:2000]
    req = Request.objects.get()

    event = AuditEvent.objects.filter(operation="approval_submit").get()
    assert event.summary.startswith("用编申请 ") and event.summary.endswith("提交")
    stored = json.dumps(event.records, ensure_ascii=False)
    for english_word in ("Quota-use", "Establishment office review", "Submitted"):
        assert english_word not in event.summary + stored
    # The chain verifies under either language: no hash depends on it.
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert audit.verify_chain().ok, language

    office = english(w.office)
    inbox = office.get(reverse("web:approvals_inbox")).content.decode()
    assert f'data-request="{req.pk}"' in inbox
    assert "Quota-use application" in inbox and "Establishment office review" in inbox
    # (编办审核员 is the office user's name: data, shown as it is.)
    assert "<td>用编申请</td>" not in inbox and "<td>编办审核</td>" not in inbox
    detail = office.get(reverse("web:approval", args=[req.pk])).content.decode()
    for word in ("Quota-use application", "Establishment office review",
                 "Places requested", "Quota accounts"):  # fmt: skip
        assert word in detail, word
    for word in (">编办审核<", ">申请名额<", ">编制账户<"):
        assert word not in detail, word
    # The request's own title and free text are records: shown as written.
    assert "退休减员，补充业务骨干" in detail


def test_default_language_keeps_the_chinese_labels(world):
    w = world
    client = Client()
    client.force_login(user_of(w.hr))
    assert client.post(NEW, quota_use_form(w)).status_code == 302
    client.force_login(user_of(w.office))
    inbox = client.get(reverse("web:approvals_inbox")).content.decode()
    assert "用编申请" in inbox and "编办审核" in inbox
    assert "Quota-use application" not in inbox


def test_refusal_page_shows_the_code_title_in_english(world):
    w = world
    hr = english(w.hr)
    assert hr.post(NEW, quota_use_form(w)).status_code == 302
    req = Request.objects.get()
    # The submitter may not approve at the office's step: ROLE_FORBIDDEN.
    response = hr.post(
        reverse("web:approval_act", args=[req.pk, "approve"]),
        {"step": req.current_step},
    )
    assert response.status_code == 403
    text = response.content.decode()
    assert "Your role may not perform this action" in text
    assert "当前角色无权执行此操作" not in text


def test_api_json_keeps_the_chinese_labels_for_an_english_user(world):
    """API clients rely on the values: the language switch does not touch them."""
    w = world
    hr = english(w.hr)
    assert hr.post(NEW, quota_use_form(w)).status_code == 302
    req = Request.objects.get()
    office = english(w.office)
    response = office.get(
        reverse("api-approval", args=[req.pk]),
        HTTP_ACCEPT="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200, response.content[:500]
    data = response.json()
    assert data["kind_label"] == "用编申请"
    assert data["current_step_label"] == "编办审核"
