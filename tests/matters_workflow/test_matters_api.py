"""The matters over REST: created through the generic approvals endpoint (the
intake), then argued, decided and applied through /api/matters/."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bianzhi.quota.leader_posts import leader_post_count

from .conftest import client_for
from .helpers import DOC_NO

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_leader_posts_matter_over_the_api(w):
    hr = client_for(w.hr)
    response = hr.post(
        "/api/approvals/",
        {"kind": "matter_change_leader_posts", "submit": True,
         "idempotency_key": "api-1",
         "values": {"unit_id": str(w.finance.pk), "level": "township",
                    "leader_kind": "deputy", "count": "3", "reason": "新增副职"}},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code in (200, 201), response.content
    pk = response.json()["id"]
    office, leader = client_for(w.office), client_for(w.leader)
    assert hr.post(f"/api/matters/{pk}/argue/", {"hearing_notes": "x"},
                   content_type=JSON).status_code == 403  # fmt: skip
    response = office.post(
        f"/api/matters/{pk}/argue/",
        {"hearing_notes": "职数测算合理", "workload": {"annual_cases": 900}},
        content_type=JSON,
    )
    assert response.status_code == 200, response.content
    assert response.json()["current_step"] == "office_meeting"
    response = leader.post(
        f"/api/matters/{pk}/meeting/", {"decision": "approve", "minutes": "同意"},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code == 200
    response = leader.post(
        f"/api/matters/{pk}/committee/",
        {"decision": "approve", "decision_text": "同意", "doc_no": "示编2026-1"},
        content_type=JSON,
    )
    assert response.status_code == 400 and response.json()["code"] == "DOC_NO_INVALID"
    response = leader.post(
        f"/api/matters/{pk}/committee/",
        {"decision": "approve", "decision_text": "同意", "doc_no": DOC_NO,
         "effective_date": timezone.localdate().isoformat()},
        content_type=JSON,
    )  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "approved" and body["matter"]["state"] == "applied"
    count = leader_post_count(
        w.finance, scope="unit", level="township", kind="deputy",
        as_of=timezone.localdate(),
    )  # fmt: skip
    assert count == 3
    listed = office.get("/api/matters/").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    assert any(n["label"] == "本级审批权限" for n in listed["results"][0]["numbers"])
    assert client_for(w.hr_archive).get(f"/api/matters/{pk}/").status_code == 404
