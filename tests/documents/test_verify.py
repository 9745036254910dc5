"""Signing and verification: genuine, altered, unknown, revoked, forged."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.documents import kinds, render, services
from bianzhi.documents.models import Document
from bianzhi.documents.verify import Outcome, verify_code, verify_pdf

from .conftest import OFFICE, pdf_bytes, signed_unregistered

pytestmark = pytest.mark.django_db


def test_issue_registers_signs_stores_and_audits(issue):
    before = AuditEvent.objects.count()
    document = issue("permit")
    data = pdf_bytes(document)
    assert document.serial == "编准-2026-000001"
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.size == len(data)
    assert document.file == "documents/编准-2026-000001.pdf"
    assert len(document.verification_code) >= 16
    assert document.unit_name == "示例市第一中学"  # as the context prints it
    assert document.issued_by_name == OFFICE.name
    events = AuditEvent.objects.filter(seq__gt=before)
    assert [e.operation for e in events] == ["document_issue"]
    assert events[0].doc_no == document.serial
    # The QR and the printed address lead to the public page with the code.
    assert services.verify_url(document.verification_code).startswith(
        "http://bianzhi.example.gov.cn/verify/"
    )


def test_genuine_document_verifies(issue):
    document = issue("approval_form")
    result = verify_pdf(pdf_bytes(document))
    assert result.outcome == Outcome.GENUINE and result.genuine
    assert result.document == document
    assert result.signature.ok
    assert "编制管理平台系统验证签名" in result.signature.signer_name


def _content_stream_offset(data: bytes) -> int:
    """The offset of a byte inside the first page content stream."""
    match = re.search(rb"/Filter\s*/FlateDecode[^>]*>>\s*stream\r?\n", data)
    assert match
    return match.end() + 40


def test_one_changed_byte_in_the_content_fails(issue):
    data = bytearray(pdf_bytes(issue("permit")))
    data[_content_stream_offset(bytes(data))] ^= 0x01
    result = verify_pdf(bytes(data))
    assert result.outcome == Outcome.ALTERED
    assert result.document is not None  # the serial it claims is ours
    assert result.signature.present and not result.signature.intact


def test_one_changed_character_in_the_text_fails(issue):
    data = pdf_bytes(issue("permit"))
    # The producer line is plain text in the signed range: "70.0" → "71.0".
    at = data.index(b"WeasyPrint 70")
    changed = data[: at + 12] + b"1" + data[at + 13 :]
    assert len(changed) == len(data) and changed != data
    assert verify_pdf(changed).outcome == Outcome.ALTERED


def test_content_added_after_signing_fails(issue):
    """An incremental update drawing over the page keeps the old signature intact."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes(issue("permit"))))
    stream = generic.StreamObject(stream_data=b"1 1 1 rg 60 600 300 40 re f")
    writer.add_stream_to_page(0, writer.add_object(stream))
    out = io.BytesIO()
    writer.write(out)
    result = verify_pdf(out.getvalue())
    assert result.outcome == Outcome.ALTERED
    assert result.signature.intact and not result.signature.whole_file


def test_signed_by_us_but_never_registered_is_unknown():
    result = verify_pdf(signed_unregistered())
    assert result.outcome == Outcome.UNKNOWN
    assert result.signature.ok and result.document is None
    assert result.serial == "编准-2026-000999"


def test_registered_serial_with_other_bytes_is_altered(issue):
    document = issue("permit")
    # Same serial, signed by our key, but not the file we registered.
    result = verify_pdf(signed_unregistered(serial=document.serial))
    assert result.outcome == Outcome.ALTERED and result.document == document


def test_revoked_document(issue):
    document = issue("enrollment_notice")
    services.document_revoke(actor=OFFICE, document_id=document.pk, reason="录入错误")
    result = verify_pdf(pdf_bytes(document))
    assert result.outcome == Outcome.REVOKED and "录入错误" in result.detail
    assert verify_code(document.serial, document.verification_code).outcome == (
        Outcome.REVOKED
    )
    with pytest.raises(ApplicationError) as refused:
        services.document_revoke(actor=OFFICE, document_id=document.pk, reason="再次")
    assert refused.value.code == ErrorCode.STEP_OUT_OF_TURN


def test_revoke_needs_a_reason_and_the_office(issue):
    from bianzhi.core.actor import Actor

    document = issue("permit")
    with pytest.raises(ApplicationError) as refused:
        services.document_revoke(actor=OFFICE, document_id=document.pk, reason=" ")
    assert refused.value.code == ErrorCode.FIELD_REQUIRED
    hr = Actor(user_id=9, name="王人事", role="unit_hr", scope="unit:1")
    with pytest.raises(ApplicationError) as refused:
        services.document_revoke(actor=hr, document_id=document.pk, reason="x")
    assert refused.value.code == ErrorCode.ROLE_FORBIDDEN
    assert not Document.objects.get(pk=document.pk).revoked


def test_signature_under_another_ca_is_invalid(tmp_path, settings):
    """A forger with a certificate of their own: intact, but not our trust root."""
    from bianzhi.documents.keys import ensure_office_certificate

    ours = settings.KEY_DIR
    settings.KEY_DIR = tmp_path / "forger-keys"
    ensure_office_certificate()
    forged = signed_unregistered()
    settings.KEY_DIR = ours
    result = verify_pdf(forged)
    assert result.outcome == Outcome.SIGNATURE_INVALID
    assert result.signature.intact and not result.signature.trusted


def test_unsigned_pdf_and_non_pdf(issue):
    context = kinds.check_context("permit", kinds.example_context("permit"))
    unsigned = render.render_pdf(
        "permit",
        context,
        serial="编准-2026-000777",
        verification_code="c",
        verify_url="http://h/verify/c/",
        issued_on=dt.date(2026, 3, 10),
    )
    result = verify_pdf(unsigned)
    assert result.outcome == Outcome.SIGNATURE_INVALID
    assert "不含数字签名" in result.detail
    with pytest.raises(ApplicationError) as refused:
        verify_pdf(b"MZ\x90\x00 not a pdf")
    assert refused.value.code == ErrorCode.FILE_UNREADABLE


def test_code_lookup_does_not_reveal_serials(issue):
    document = issue("permit")
    assert verify_code(document.serial, document.verification_code).genuine
    assert verify_code("", document.verification_code).genuine  # the QR target
    wrong = verify_code(document.serial, "not-the-code")
    assert wrong.outcome == Outcome.UNKNOWN and wrong.document is None


def test_context_is_checked_before_anything_is_written(issue):
    with pytest.raises(ApplicationError) as refused:
        issue("permit", permit_no="")
    assert refused.value.code == ErrorCode.FIELD_REQUIRED
    with pytest.raises(ApplicationError) as refused:
        issue("permit", permit_number="typo")
    assert refused.value.code == ErrorCode.VALUE_INVALID
    with pytest.raises(ApplicationError) as refused:
        issue("permit", valid_until="2026-02-30")
    assert refused.value.code == ErrorCode.DATE_INVALID
    assert not Document.objects.exists()
    # A rejected issue used no number: the next one is still 000001.
    assert issue("permit").serial == "编准-2026-000001"
