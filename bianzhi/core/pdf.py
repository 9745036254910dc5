"""HTML → PDF with WeasyPrint and the vendored CJK font, shared by the signed
documents (documents/render.py) and the statistical forms (stats/pdf.py).

The font is loaded by @font-face from the static files (documents/fonts: see
the README there), never looked up on the machine: a fresh server without any
CJK font renders the same pages. fontconfig and Pango are not safe to drive
from several threads at once (runserver and the task worker are threaded), so
one render runs at a time, whichever app asks.
"""

from __future__ import annotations

import os
import tempfile
import threading
import warnings
from pathlib import Path

from django.contrib.staticfiles import finders

FONT_FILES = {
    "font_regular": "documents/fonts/NotoSansSC-Regular.woff2",
    "font_bold": "documents/fonts/NotoSansSC-Bold.woff2",
}
_RENDER_LOCK = threading.Lock()


def font_path(name: str) -> Path:
    found = finders.find(name)
    if not found:
        raise RuntimeError(f"vendored font {name} not found in the static files")
    return Path(found if isinstance(found, str) else found[0])


def font_urls() -> dict[str, str]:
    """file:// URLs of the fonts, decompressed once per machine.

    WOFF2 keeps the repository small, but unpacking it costs ~0.7 s per font
    on every render; the plain OpenType file is kept in the temp directory
    (named by the source's size and mtime, so a rebuilt font replaces it) and
    made again if the temp directory was cleaned while the server ran.
    """
    cache = Path(tempfile.gettempdir()) / "bianzhi-fonts"
    urls = {}
    for key, name in FONT_FILES.items():
        source = font_path(name)
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


def html_to_pdf(html: str, *, custom_metadata: bool = False) -> bytes:
    """The PDF of a page whose fonts come from font_urls()."""
    from weasyprint import HTML

    with _RENDER_LOCK, warnings.catch_warnings():
        # Without any system font fontconfig warns; the page only uses ours.
        warnings.filterwarnings("ignore", message="No fonts configured")
        base_url = str(font_path(FONT_FILES["font_regular"]).parent)
        document = HTML(string=html, base_url=base_url).render()
        return document.write_pdf(custom_metadata=custom_metadata)
