"""A form as a print-ready PDF: the HTML table through WeasyPrint, with the
CJK font vendored with the documents app.

The fonts and the one render lock are core/pdf.py's, shared with documents.
A4 portrait, landscape when the form has more than export.WIDE columns; the
header rows repeat on every page (thead), the footer carries 填表人/审核人.
"""

from __future__ import annotations

import datetime as dt

from django.template.loader import render_to_string
from django.utils import timezone, translation

from bianzhi.core import pdf

from .base import FormResult


def form_html(result: FormResult, *, filled_on: dt.date | None = None) -> str:
    from .export import WIDE, as_of_line, scope_line, table

    wide = len(result.columns) > WIDE
    context = {
        "result": result,
        "table": table(result),
        "scope_line": scope_line(result),
        "as_of_line": as_of_line(result),
        "landscape": wide,
        "small": len(result.columns) > 24,
        "filled_on": (filled_on or timezone.localdate()).isoformat(),
        **pdf.font_urls(),
    }
    with translation.override("zh-hans"):
        return render_to_string("stats/form_pdf.html", context)


def form_pdf(result: FormResult) -> bytes:
    return pdf.html_to_pdf(form_html(result))
