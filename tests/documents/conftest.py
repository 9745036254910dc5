"""Documents tests: the web tests' small city and cast, a few people in it,
and helpers to issue, render and look at PDFs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.documents import kinds, render, services
from bianzhi.documents.keys import ensure_office_certificate
from bianzhi.documents.kinds import example_context
from bianzhi.documents.signing import PadesSigner
from bianzhi.roster import services as roster
from tests.conftest import grant_permit
from tests.web.conftest import as_user, cast, city  # noqa: F401 - fixtures

OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
PNG_DIR = Path("/tmp/doc_pngs")


@pytest.fixture(scope="session", autouse=True)
def _office_certificate(_keys):
    """`bianzhi setup` creates it at install; the test key directory likewise."""
    ensure_office_certificate()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_VERIFY_BASE_URL = "http://bianzhi.example.gov.cn"


def make_id(n: int) -> str:
    body = f"11010119850607{n:02d}1"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.fixture
def staffed(city):  # noqa: F811 - the imported fixture
    """The city with two people in post at 财政局 (part 6 of the certificate)."""
    for n, name in ((1, "陈思远"), (2, "欧阳堃")):
        roster.person_enroll(
            actor=OFFICE,
            unit=city.finance,
            category="administrative",
            funding="full",
            person={
                "id_number": make_id(n),
                "name": name,
                "ethnicity": "汉族",
                "political_status": "中共党员",
                "education": "大学本科",
                "identity": "公务员",
                "work_start_date": "2008-07-01",
            },
            channel="考录",
            start_date=timezone.localdate(),
            doc_no="示编〔2026〕31号",
            permit=grant_permit(city.finance),
        )
    return city


@pytest.fixture
def issue(city):  # noqa: F811
    """Issue a document of `kind` from its example context, for 财政局."""

    def make(kind: str = "permit", **over):
        context = example_context(kind) | over
        return services.document_issue(
            actor=OFFICE,
            kind=kind,
            subject_type="test",
            subject_id=1,
            context=context,
            unit=city.finance,
            issued_on=dt.date(2026, 3, 10),
        )

    return make


def pdf_bytes(document) -> bytes:
    return services.document_path(document).read_bytes()


def pages_png(pdf: bytes, name: str) -> list:
    """Render every page to PNG (saved under /tmp/doc_pngs/ to be looked at)."""
    import pypdfium2 as pdfium

    PNG_DIR.mkdir(parents=True, exist_ok=True)
    document = pdfium.PdfDocument(pdf)
    pages = []
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = page.get_size()
            # Letter-spaced titles come out as "编 制 …": compare without spaces.
            text = "".join(page.get_textpage().get_text_range().split())
            image = page.render(scale=1.5).to_pil().convert("L")
            image.save(PNG_DIR / f"{name}-{index + 1}.png")
            pages.append({"size": (width, height), "text": text, "image": image})
    finally:
        document.close()
    return pages


def signed_unregistered(serial: str = "编准-2026-000999") -> bytes:
    """A permit rendered and signed with our key but never registered."""
    context = kinds.check_context("permit", kinds.example_context("permit"))
    pdf = render.render_pdf(
        "permit",
        context,
        serial=serial,
        verification_code="unregistered-code",
        verify_url="http://h/verify/unregistered-code/",
        issued_on=dt.date(2026, 3, 10),
    )
    return PadesSigner().sign(pdf, reason="test", location="test")
