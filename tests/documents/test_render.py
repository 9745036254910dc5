"""Each of the five documents renders as a print-ready A4 PDF in Chinese.

The PNGs land in /tmp/doc_pngs/ so a person can look at them (no tofu boxes:
the font is vendored, see static/documents/fonts/README.md).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bianzhi.documents.models import DocumentKind
from bianzhi.documents.services import certificate_issue

from .conftest import OFFICE, pages_png, pdf_bytes

pytestmark = pytest.mark.django_db

A4 = (595.28, 841.89)  # points
INK_SHARE = 0.01  # at least 1 % of the first page's pixels are not white


def font_names(pdf: bytes) -> set[str]:
    """BaseFont of every font the pages use (subset fonts: "ABCDEF+Name")."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    names = set()
    for index in range(reader.root["/Pages"]["/Count"]):
        page = reader.find_page_for_modification(index)[0].get_object()
        fonts = page["/Resources"].get_object()["/Font"].get_object()
        for font in fonts.values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def assert_print_ready(pdf: bytes, name: str, *must_read: str) -> list:
    pages = pages_png(pdf, name)
    assert pages
    for page in pages:
        width, height = page["size"]
        assert abs(width - A4[0]) < 1 and abs(height - A4[1]) < 1
    image = pages[0]["image"]
    histogram = image.histogram()
    ink = sum(histogram[:200])  # grey levels darker than near-white
    assert ink / (image.width * image.height) > INK_SHARE
    # Every glyph came from the vendored font: a character it lacked would
    # have been drawn from a system font (or as a box where there is none).
    assert all(
        name.endswith(("+BZ-Sans-SC", "+BZ-Sans-SC-Bold")) for name in font_names(pdf)
    ), font_names(pdf)
    text = "".join(page["text"] for page in pages)
    for words in must_read:
        assert words in text, words
    return pages


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (
            DocumentKind.APPROVAL_FORM,
            ("编制使用审批表", "用编理由", "编办领导审批意见"),
        ),
        (DocumentKind.PERMIT, ("用编核准通知书", "空编证明", "示编核〔2026〕17号")),
        (DocumentKind.ENROLLMENT_NOTICE, ("入编通知", "欧阳堃", "公开招聘")),
        (DocumentKind.STOP_PAY_NOTICE, ("停发工资通知", "示例市财政局", "退休")),
    ],
)
def test_documents_from_example_contexts_are_a4_and_readable(issue, kind, words):
    document = issue(kind)
    pages = assert_print_ready(pdf_bytes(document), kind, *words)
    text = "".join(page["text"] for page in pages)
    # The serial and the verification code are printed for the paper check.
    assert document.serial in text and document.verification_code in text


def test_establishment_certificate_from_the_database(staffed):
    document = certificate_issue(actor=OFFICE, unit=staffed.finance)
    assert document.serial.startswith("编证-")
    assert_print_ready(
        pdf_bytes(document),
        "certificate",
        "机构编制管理证",
        "示例市财政局",
        "第五部分",
        "欧阳堃",  # part 6; a rare character must survive
    )


def test_rendering_needs_no_font_installed_on_the_machine(tmp_path):
    """A fresh server has no CJK font: fontconfig sees none, the PDF still has one."""
    config = tmp_path / "fonts.conf"
    config.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig><cachedir>{tmp_path}/cache</cachedir></fontconfig>"
    )
    script = (
        "import datetime, django; django.setup();"
        "from bianzhi.documents import kinds, render;"
        "k = 'stop_pay_notice';"
        "pdf = render.render_pdf(k, kinds.check_context(k, kinds.example_context(k)),"
        " serial='停薪-2026-000009', verification_code='x', verify_url='http://h/verify/x/',"
        " issued_on=datetime.date(2026, 7, 1));"
        "import sys; sys.stdout.buffer.write(pdf)"
    )
    env = os.environ | {
        "FONTCONFIG_FILE": str(config),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=120,
    )
    assert font_names(done.stdout) and all(
        name.endswith(("+BZ-Sans-SC", "+BZ-Sans-SC-Bold"))
        for name in font_names(done.stdout)
    )
    assert_print_ready(done.stdout, "no-system-font", "停发工资通知", "刘建华")
