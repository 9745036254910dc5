"""The xlsx of every form opens in LibreOffice and converts to PDF (one
batched soffice call; runs in CI phase 3 with -m soffice)."""

from __future__ import annotations

import shutil
import subprocess

import pypdfium2
import pytest

from bianzhi.stats import export
from bianzhi.stats.base import Selection, all_forms

from .conftest import TODAY


@pytest.mark.soffice
def test_every_form_xlsx_converts_to_pdf(world, tmp_path):
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.fail("LibreOffice (soffice) is not installed; run with -m 'not soffice'")
    source = tmp_path / "src"
    out = tmp_path / "out"
    source.mkdir()
    out.mkdir()
    titles = {}
    for form in all_forms():
        result = form.compute(
            Selection(as_of=TODAY, region_code="990100", label="示例市")
        )
        (source / f"{form.name}.xlsx").write_bytes(export.to_xlsx(result))
        titles[form.name] = result.title
    profile = tmp_path / "profile"
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *sorted(str(p) for p in source.iterdir()),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    for name, title in titles.items():
        pdf = out / f"{name}.pdf"
        assert pdf.exists(), name
        assert pdf.read_bytes().startswith(b"%PDF")
        document = pypdfium2.PdfDocument(str(pdf))
        assert len(document) >= 1
        page = document[0]
        width, height = page.get_size()
        if name == "overview":
            assert width > height  # a wide form prints in landscape
        text = page.get_textpage().get_text_range()
        assert title in text.replace(" ", ""), name
