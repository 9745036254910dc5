"""Attachments: type by content, size limit, checksum, one audit event."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.documents.attachments import (
    attachment_path,
    attachment_store,
    attachments_for,
    max_bytes,
)
from bianzhi.documents.models import Attachment

from .conftest import OFFICE

pytestmark = pytest.mark.django_db


def _zip(*names: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


def _image(fmt: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, fmt)
    return out.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    out = io.BytesIO()
    book = Workbook()
    book.active["A1"] = "工作量测算"
    book.save(out)
    return out.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


def store(name: str, data: bytes, **kw):
    return attachment_store(
        actor=OFFICE,
        file=SimpleUploadedFile(name, data),
        owner_type="approval_request",
        owner_id=7,
        **kw,
    )


@pytest.mark.parametrize(
    ("name", "data", "file_type"),
    [
        ("论证报告.pdf", b"%PDF-1.7\n% argumentation\n%%EOF\n", "pdf"),
        ("论证报告.docx", _zip("[Content_Types].xml", "word/document.xml"), "docx"),
        ("测算表.xlsx", _xlsx(), "xlsx"),
        ("旧版报告.doc", OLE, "doc"),
        ("旧版测算.xls", OLE, "xls"),
        ("听证笔录.jpg", _image("JPEG"), "jpg"),
        ("会议照片.png", _image("PNG"), "png"),
        ("批复.ofd", _zip("OFD.xml", "Doc_0/Document.xml"), "ofd"),
        # The content decides, not the name: a PDF called .docx is a PDF.
        ("其实是PDF.docx", b"%PDF-1.4\n%%EOF\n", "pdf"),
    ],
)
def test_allowed_types_are_stored_with_their_checksum(name, data, file_type):
    before = AuditEvent.objects.count()
    attachment = store(name, data)
    assert attachment.file_type == file_type
    assert attachment.filename == name and attachment.size == len(data)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment_path(attachment).read_bytes() == data
    assert attachment.path.startswith("attachments/")
    events = AuditEvent.objects.filter(seq__gt=before)
    assert [e.operation for e in events] == ["attachment_store"]
    assert attachments_for("approval_request", 7) == [attachment]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200),  # an .exe
        ("报告.docx", _zip("payload.bin")),  # a zip, but no Office document
        ("安装包.pdf", OLE),  # an OLE container not named as a document (e.g. .msi)
        ("脚本.png", b"#!/bin/sh\nrm -rf /\n"),
        ("网页.pdf", b"<html><script>alert(1)</script></html>"),
    ],
)
def test_disguised_files_are_refused(name, data, settings):
    with pytest.raises(ApplicationError) as refused:
        store(name, data)
    assert refused.value.code == ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED
    assert name in refused.value.message
    assert not Attachment.objects.exists()
    assert not [
        p for p in (settings.MEDIA_ROOT / "attachments").rglob("*") if p.is_file()
    ]


def test_size_limit(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    assert max_bytes() == 1024
    store("刚好.pdf", b"%PDF-" + b"0" * 1019)
    with pytest.raises(ApplicationError) as refused:
        store("超限.pdf", b"%PDF-" + b"0" * 1020)
    assert refused.value.code == ErrorCode.FILE_TOO_LARGE
    assert refused.value.params == {"limit": 1024}
    assert Attachment.objects.count() == 1


def test_default_limit_is_20_mb_and_never_above_the_upload_limit(settings):
    del settings.ATTACHMENT_MAX_BYTES
    assert max_bytes() == 20 * 1024 * 1024
    settings.UPLOAD_MAX_BYTES = 5 * 1024 * 1024
    assert max_bytes() == 5 * 1024 * 1024


def test_empty_file_is_unreadable():
    with pytest.raises(ApplicationError) as refused:
        store("空.pdf", b"")
    assert refused.value.code == ErrorCode.FILE_UNREADABLE


def test_a_windows_path_keeps_only_the_file_name():
    attachment = attachment_store(
        actor=OFFICE,
        file=io.BytesIO(b"%PDF-1.7\n%%EOF\n"),
        filename="C:\\Users\\王五\\桌面\\论证报告.pdf",
        owner_type="matter",
        owner_id=1,
    )
    assert attachment.filename == "论证报告.pdf"
    assert attachment.uploaded_by_name == OFFICE.name
