"""HTML template → print-ready A4 PDF (WeasyPrint), with the vendored CJK font.

The font is loaded by @font-face from static/documents/fonts (see the README
there), never looked up on the machine: a fresh server without any CJK font
renders the same document. The QR code is an inline SVG (segno) of the public
verification URL.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation

from .kinds import spec_for

FONT_DIR = Path(__file__).resolve().parent / "static" / "documents" / "fonts"
FONTS = {
    "font_regular": FONT_DIR / "NotoSansSC-Regular.woff2",
    "font_bold": FONT_DIR / "NotoSansSC-Bold.woff2",
}
# Custom PDF Info keys (WeasyPrint custom_metadata: <meta name> → /name; the
# HTML parser lowercases names, so they are lowercase here too).
META_SERIAL = "bianzhiserial"
META_KIND = "bianzhikind"
# fontconfig and Pango are not safe to drive from several threads at once
# (runserver and the task worker are threaded): one render at a time.
_RENDER_LOCK = threading.Lock()


def font_urls() -> dict[str, str]:
    """file:// URLs of the fonts, decompressed once per machine.

    WOFF2 keeps the repository small, but unpacking it costs ~0.7 s per font
    on every render; the plain OpenType file is kept in the temp directory
    (named by the source's size and mtime, so a rebuilt font replaces it) and
    made again if the temp directory was cleaned while the server ran.
    """
    cache = Path(tempfile.gettempdir()) / "bianzhi-fonts"
    urls = {}
    for key, source in FONTS.items():
        stat = source.stat()
        target = cache / f"{source.stem}-{stat.st_size}-{int(stat.st_mtime)}.otf"
        if not target.exists():
            _unpack(source, target)
        urls[key] = target.as_uri()
    return urls


def _unpack(source: Path, target: Path) -> None:
    from fontTools.ttLib import TTFont

    target.parent.mkdir(exist_ok=True)
    font = TTFont(source)
    font.flavor = None
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".otf")
    os.close(fd)
    font.save(tmp)
    os.replace(tmp, target)  # atomic: a racing process sees all or nothing


def qr_data_uri(url: str) -> str:
    # Error level M survives a crease or a stamp over a corner of the code.
    return segno.make(url, error="m", micro=False).svg_data_uri(scale=4, border=2)


def render_html(
    kind: str,
    context: dict[str, Any],
    *,
    serial: str,
    verification_code: str,
    verify_url: str,
    issued_on: dt.date,
) -> str:
    spec = spec_for(kind)
    values = {
        **context,
        "kind": kind,
        "title": spec.title,
        "serial": serial,
        "verification_code": verification_code,
        "verify_url": verify_url,
        "verify_page": verify_url.rsplit("/", 2)[0] + "/" if verify_url else "",
        "qr": qr_data_uri(verify_url),
        "issued_on": issued_on,
        "meta_serial": META_SERIAL,
        "meta_kind": META_KIND,
        **font_urls(),
    }
    # Documents are Chinese whatever language the requesting page runs in.
    with translation.override("zh-hans"):
        return render_to_string(spec.template, values)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    with _RENDER_LOCK, warnings.catch_warnings():
        # Without any system font fontconfig warns; the page only uses ours.
        warnings.filterwarnings("ignore", message="No fonts configured")
        document = HTML(string=html, base_url=str(FONT_DIR)).render()
        return document.write_pdf(custom_metadata=True)


def render_pdf(
    kind: str,
    context: dict[str, Any],
    *,
    serial: str,
    verification_code: str,
    verify_url: str,
    issued_on: dt.date,
) -> bytes:
    """The unsigned PDF of one document."""
    html = render_html(
        kind,
        context,
        serial=serial,
        verification_code=verification_code,
        verify_url=verify_url,
        issued_on=issued_on,
    )
    return html_to_pdf(html)
