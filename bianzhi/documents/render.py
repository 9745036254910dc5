"""HTML template → print-ready A4 PDF (WeasyPrint), with the vendored CJK font.

The font is loaded by @font-face from static/documents/fonts (see the README
there), never looked up on the machine: a fresh server without any CJK font
renders the same document. The QR code is an inline SVG (segno) of the public
verification URL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import segno
from django.template.loader import render_to_string
from django.utils import translation

from bianzhi.core import pdf

from .kinds import spec_for

# Custom PDF Info keys (WeasyPrint custom_metadata: <meta name> → /name; the
# HTML parser lowercases names, so they are lowercase here too).
META_SERIAL = "bianzhiserial"
META_KIND = "bianzhikind"


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
        **pdf.font_urls(),
    }
    # Documents are Chinese whatever language the requesting page runs in.
    with translation.override("zh-hans"):
        return render_to_string(spec.template, values)


def html_to_pdf(html: str) -> bytes:
    return pdf.html_to_pdf(html, custom_metadata=True)


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
