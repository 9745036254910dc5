"""The 新建申请 forms walked as the real roles (tests/quota/permit_world.py:
财政局 (gov_dept, 3 administrative) with its HR, 一中 (institution under it, 2
institutional) with its HR, the office, its leader and the partners)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from tests.quota.permit_world import make_world


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_VERIFY_BASE_URL = "http://bianzhi.example.gov.cn"


@pytest.fixture
def world(db, settings):
    return make_world(settings)


def user_of(actor):
    return get_user_model().objects.get(pk=actor.user_id)


def web(actor) -> Client:
    client = Client()
    client.force_login(user_of(actor))
    return client


def api(actor) -> APIClient:
    client = APIClient()
    client.force_authenticate(user_of(actor))
    return client


def quota_use_form(w, **over) -> dict:
    data = {
        "unit_id": str(w.bureau.pk),
        "account_id": str(w.adm.pk),
        "channel": "exam_recruitment",
        "count": "2",
        "plan_line_id": "",
        "reason": "退休减员，补充业务骨干",
        "positions-n": "1",
        "positions-0-title": "科员",
        "positions-0-count": "2",
        "positions-0-requirement": "本科及以上",
        "idempotency_key": "k-quota-1",
        "_op": "submit",
    }
    data.update(over)
    return data
