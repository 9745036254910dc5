"""The public verification page (anonymous) and the office's document pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bianzhi.core.models import AuditEvent
from bianzhi.documents import kinds, render, services
from bianzhi.documents.models import Document

from .conftest import OFFICE, pdf_bytes, signed_unregistered

pytestmark = pytest.mark.django_db


def upload(client, data: bytes, name: str = "文书.pdf"):
    return client.post(
        "/verify/",
        {"file": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def outcome(response) -> str:
    body = response.content.decode()
    marker = 'data-outcome="'
    return body.split(marker, 1)[1].split('"', 1)[0] if marker in body else ""


def test_verify_page_is_public(client):
    response = client.get("/verify/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "文书核验" in body and 'name="file"' in body and 'name="code"' in body


def test_genuine_upload_shows_kind_serial_unit_and_date(client, issue):
    document = issue("enrollment_notice")
    response = upload(client, pdf_bytes(document))
    assert response.status_code == 200 and outcome(response) == "genuine"
    body = response.content.decode()
    for shown in (
        "真实有效",
        "入编通知",
        document.serial,
        "示例市第一中学",
        "2026-03-10",
    ):
        assert shown in body
    # Nothing beyond what the document shows; not even its masked ID numbers.
    assert "欧阳堃" not in body and "0025" not in body


def test_altered_upload(client, issue):
    data = bytearray(pdf_bytes(issue("permit")))
    data[len(data) // 3] ^= 0x20
    response = upload(client, bytes(data))
    assert outcome(response) == "altered" and "已被篡改" in response.content.decode()


def test_unknown_and_revoked_uploads(client, issue):
    assert outcome(upload(client, signed_unregistered())) == "unknown"
    document = issue("stop_pay_notice")
    services.document_revoke(actor=OFFICE, document_id=document.pk, reason="重复签发")
    response = upload(client, pdf_bytes(document))
    assert outcome(response) == "revoked" and "重复签发" in response.content.decode()


def test_not_a_pdf_is_refused_with_a_message(client):
    response = upload(client, b"MZ\x90\x00" + b"\x00" * 100, "setup.pdf")
    assert response.status_code == 400
    assert "无法读取文件" in response.content.decode()


def test_serial_and_code_form(client, issue):
    document = issue("permit")
    form = {"serial": document.serial, "code": document.verification_code}
    assert outcome(client.post("/verify/", form)) == "genuine"
    wrong = client.post("/verify/", form | {"code": "guess"})
    assert outcome(wrong) == "unknown"
    # Whether the serial exists is not revealed: no details of any document.
    assert "文书类型" not in wrong.content.decode()
    empty = client.post("/verify/", {"serial": document.serial})
    assert empty.status_code == 400 and "FIELD_REQUIRED" not in outcome(empty)


def test_qr_target(client, issue):
    document = issue("approval_form")
    response = client.get(f"/verify/{document.verification_code}/")
    assert (
        outcome(response) == "genuine" and document.serial in response.content.decode()
    )
    assert outcome(client.get("/verify/nonsense-code/")) == "unknown"
    services.document_revoke(actor=OFFICE, document_id=document.pk, reason="作废")
    assert outcome(client.get(f"/verify/{document.verification_code}/")) == "revoked"


def test_office_issues_and_downloads_a_certificate(city, cast, as_user):
    client = as_user(cast.office)
    page = client.get(f"/units/{city.finance.pk}/certificate/")
    assert f"/units/{city.finance.pk}/documents/" in page.content.decode()
    before = AuditEvent.objects.count()
    response = client.post(f"/units/{city.finance.pk}/documents/", {"as_of": ""})
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.kind == "certificate" and document.unit == city.finance
    assert AuditEvent.objects.count() == before + 1
    listing = client.get(f"/units/{city.finance.pk}/documents/").content.decode()
    assert document.serial in listing
    pdf = client.get(f"/documents/{document.pk}/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content) == pdf_bytes(document)
    revoke = client.post(f"/documents/{document.pk}/revoke/", {"reason": "单位更名"})
    assert revoke.status_code == 302
    assert Document.objects.get().revoked


def test_unit_hr_downloads_own_but_may_not_issue(city, cast, as_user, issue):
    document = issue("permit")  # a document of 财政局
    hr = as_user(cast.hr_finance)
    assert hr.get(f"/documents/{document.pk}/pdf/").status_code == 200
    listing = hr.get(f"/units/{city.finance.pk}/documents/")
    assert listing.status_code == 200 and "issue-certificate-form" not in (
        listing.content.decode()
    )
    assert hr.post(f"/units/{city.finance.pk}/documents/").status_code == 403
    assert (
        hr.post(f"/documents/{document.pk}/revoke/", {"reason": "x"}).status_code == 403
    )
    assert Document.objects.count() == 1 and not Document.objects.get().revoked


def test_other_unit_sees_nothing(city, cast, as_user, issue):
    document = issue("permit")
    other = as_user(cast.hr_education)
    assert other.get(f"/documents/{document.pk}/pdf/").status_code == 404
    assert other.get(f"/units/{city.finance.pk}/documents/").status_code == 404
    assert other.get("/documents/999999/pdf/").status_code == 404


def test_office_pages_need_a_login(client, city):
    response = client.get(f"/units/{city.finance.pk}/documents/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_unsigned_upload_is_signature_invalid(client, issue):
    context = kinds.check_context("permit", kinds.example_context("permit"))
    unsigned = render.render_pdf(
        "permit",
        context,
        serial="编准-2026-000555",
        verification_code="c",
        verify_url="http://h/verify/c/",
        issued_on=dt.date(2026, 3, 10),
    )
    response = upload(client, unsigned)
    assert outcome(response) == "signature_invalid"
    assert "签名无效" in response.content.decode()
