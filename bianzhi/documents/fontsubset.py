"""Rebuild the vendored PDF font (static/documents/fonts/NotoSansSC-*.woff2).

The machines have no CJK font (ARCHITECTURE.md), and `make run` must not need
root, so the documents carry their own: the Simplified Chinese face of Noto
Sans CJK (SIL OFL 1.1, see OFL.txt beside the fonts), cut down to the code
points an official document can contain — Latin, punctuation, CJK symbols,
every CJK ideograph the face maps (URO, Ext. A, compatibility, the Ext. B+
characters it has: rare characters in names must not turn into boxes) — and
stored as WOFF2 (~8 MB per weight instead of ~20 MB for the collection).

Run once on a machine that has fonts-noto-cjk (takes several minutes):
    python -m bianzhi.documents.fontsubset /usr/share/fonts/opentype/noto OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

RANGES = [
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x2000, 0x206F),
    (0x2100, 0x22FF),
    (0x2460, 0x26FF),
    (0x3000, 0x33FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF),
    (0x20000, 0x2FA1F),
]
SC_INDEX = 2  # the collection's order: JP, KR, SC, TC, HK, then the Mono faces


def build(source_dir: Path, out_dir: Path) -> list[Path]:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    written = []
    for weight in ("Regular", "Bold"):
        font = TTCollection(source_dir / f"NotoSansCJK-{weight}.ttc").fonts[SC_INDEX]
        assert "SC" in font["name"].getDebugName(4)
        wanted = [u for u in font.getBestCmap() if any(a <= u <= b for a, b in RANGES)]
        options = subset.Options()
        options.layout_features = ["*"]
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.hinting = False
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=wanted)
        subsetter.subset(font)
        font.flavor = "woff2"
        out = out_dir / f"NotoSansSC-{weight}.woff2"
        font.save(out)
        written.append(out)
    return written


if __name__ == "__main__":
    for path in build(Path(sys.argv[1]), Path(sys.argv[2])):
        print(path)
