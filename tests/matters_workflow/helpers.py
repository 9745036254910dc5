"""HTTP steps of an establishment matter, as the real users click them."""

from __future__ import annotations

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from bianzhi.approvals.models import Request
from bianzhi.core.models import AuditEvent
from bianzhi.matters.models import Matter
from bianzhi.orgs.models import Unit, UnitChange
from bianzhi.quota.models import QuotaAccount, QuotaEntry, QuotaMovement

from .conftest import client_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DOC_NO = "示编〔2026〕21号"


def pdf(name="论证报告.pdf", data=PDF):
    return SimpleUploadedFile(name, data, content_type="application/pdf")


def submit_new(actor, kind: str, /, **values) -> Request:
    """Fill in the generic 新建申请 form of `kind` and submit it."""
    data = {"_op": "submit", "idempotency_key": uuid.uuid4().hex, **values}
    response = client_for(actor).post(
        reverse("web:approval_new_kind", args=[kind]), data
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Request.objects.filter(kind=kind).order_by("-pk").first()


def act(actor, req, action: str, **data):
    return client_for(actor).post(
        reverse("web:matter_act", args=[req.pk, action]), data
    )


def argue(actor, req, **data):
    data.setdefault("hearing_notes", "经论证，职能调整必要，听取了相关部门意见。")
    data.setdefault("annual_cases", "1500")
    data.setdefault("norm_per_capita", "300")
    return act(actor, req, "argue", **data)


def meeting(actor, req, decision="approve", **data):
    data.setdefault("minutes", "主任办公会研究同意，提请编委会审议。")
    return act(actor, req, "meeting", decision=decision, **data)


def committee(actor, req, decision="approve", **data):
    data.setdefault("decision_text", "编委会决定同意。")
    if decision == "approve":
        data.setdefault("doc_no", DOC_NO)
        data.setdefault("effective_date", timezone.localdate().isoformat())
    return act(actor, req, "committee", decision=decision, **data)


def walk(w, req, *, office=None, leader=None, **committee_data) -> Request:
    """Argumentation → meeting → committee approval, each answered 302."""
    office, leader = office or w.office, leader or w.leader
    for response in (
        argue(office, req),
        meeting(leader, req),
        committee(leader, req, **committee_data),
    ):
        assert response.status_code == 302, response.content.decode()[:3000]
    return Request.objects.get(pk=req.pk)


def world_state() -> dict:
    """Everything a matter may change."""
    return {
        "requests": list(Request.objects.order_by("pk").values()),
        "matters": list(Matter.objects.order_by("pk").values()),
        "units": list(Unit.objects.order_by("pk").values()),
        "changes": UnitChange.objects.count(),
        "accounts": list(
            QuotaAccount.objects.order_by("pk").values("pk", "approved", "occupied")
        ),
        "movements": QuotaMovement.objects.count(),
        "entries": QuotaEntry.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def operations(since: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=since)
        .order_by("seq")
        .values_list("operation", flat=True)
    )


def last_seq() -> int:
    event = AuditEvent.objects.order_by("-seq").first()
    return event.seq if event else 0


def error_code(response) -> str:
    text = response.content.decode()
    marker = 'data-code="'
    start = text.find(marker)
    return text[start + len(marker) : text.find('"', start + len(marker))]
