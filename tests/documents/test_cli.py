"""`bianzhi verify-document FILE.pdf`: Chinese answer, exit 0 only when genuine."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bianzhi.cli import ALIASES
from bianzhi.documents import services

from .conftest import OFFICE, pdf_bytes, signed_unregistered

pytestmark = pytest.mark.django_db


def run(path) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_document", str(path), stdout=out)
    except SystemExit as exc:
        return int(exc.code), out.getvalue()
    return 0, out.getvalue()


def test_the_command_name_maps_to_the_management_command():
    assert ALIASES["verify-document"] == "verify_document"


def test_genuine(issue, tmp_path):
    document = issue("permit")
    path = tmp_path / "permit.pdf"
    path.write_bytes(pdf_bytes(document))
    code, out = run(path)
    assert code == 0
    assert "结果：真实有效" in out
    assert f"编号：{document.serial}" in out and "用编核准通知书" in out


def test_altered_unknown_revoked_and_unreadable(issue, tmp_path):
    document = issue("stop_pay_notice")
    data = bytearray(pdf_bytes(document))
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / "altered.pdf"
    altered.write_bytes(bytes(data))
    assert run(altered)[0] == 1 and "已被篡改" in run(altered)[1]

    unknown = tmp_path / "unknown.pdf"
    unknown.write_bytes(signed_unregistered())
    code, out = run(unknown)
    assert code == 1 and "结果：未登记" in out

    services.document_revoke(actor=OFFICE, document_id=document.pk, reason="停发有误")
    revoked = tmp_path / "revoked.pdf"
    revoked.write_bytes(pdf_bytes(document))
    code, out = run(revoked)
    assert code == 1 and "结果：已作废" in out and "停发有误" in out

    exe = tmp_path / "invoice.pdf"
    exe.write_bytes(b"MZ\x90\x00" + b"\x00" * 64)
    code, out = run(exe)
    assert code == 1 and "无法读取文件" in out
    code, out = run(tmp_path / "missing.pdf")
    assert code == 1 and "文件不存在" in out
