"""Open an uploaded spreadsheet as a stream of rows keyed by schema columns.

What real files look like (EXCHANGE.md): .xlsx from Excel/WPS/LibreOffice or
CSV in UTF-8, UTF-8 with BOM or GB18030/GBK; a title row or two above the
header, sometimes two stacked header rows under a merged group cell; columns
in any order, some hidden or unknown; blank rows; a totals row at the end.

`open_table` finds the header, maps it to the schema and hands back a Table
whose `rows` is a lazy iterator: CSV is streamed line by line (a province
file does not fit in memory); xlsx is read with python-calamine, which loads
one sheet at a time.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bianzhi.core.errors import ApplicationError, ErrorCode

from .schemas import Schema, normalise_header

HEADER_SCAN_ROWS = 20
_CHUNK = 1 << 20
_EXACT_FLOAT = 2**53  # floats below this that are whole numbers are exact ints

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BINARY_MAGIC = (
    b"%PDF",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
    b"MZ",
    b"\x7fELF",
)
_TOTALS = re.compile(r"^(合计|总计|小计|共计)[:：]?$")
_FOOTER = re.compile(
    r"^(填表人|制表人|填报人|审核人|负责人|单位负责人|填表日期|填报日期|制表日期)"
)


@dataclass
class SourceRow:
    line: int  # 1-based row number as the user sees it (Excel row / CSV line)
    values: dict[str, object]


@dataclass
class Table:
    schema: Schema
    headers: dict[str, str]  # key -> header text found in the file
    letters: dict[str, str]  # key -> column letter ("A", ...), also for CSV
    rows: Iterator[SourceRow]
    total_hint: int | None
    sha256: str
    size: int
    ignored_headers: list[str]
    format: str = "xlsx"  # "xlsx" or "csv"
    encoding: str | None = None  # CSV only
    sheet: str | None = None  # xlsx only
    header_line: int = 1  # the (last) header row's line


def column_letter(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unreadable(detail: str) -> ApplicationError:
    return ApplicationError(ErrorCode.FILE_UNREADABLE, detail)


# --- header resolution ---------------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class _Header:
    columns: dict[str, int] = field(default_factory=dict)  # key -> column index
    texts: dict[str, str] = field(default_factory=dict)  # key -> header text
    duplicates: dict[str, list[int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    rows: int = 1  # 1 = single header row, 2 = stacked

    def add(self, key: str, index: int, text: str) -> None:
        if key in self.columns:
            self.duplicates.setdefault(key, [self.columns[key]]).append(index)
            return
        self.columns[key] = index
        self.texts[key] = text


def _single(schema: Schema, row: list[object]) -> _Header:
    header = _Header()
    for index, value in enumerate(row):
        text = _cell_text(value)
        if not text:
            continue
        key = schema.match_header(text)
        if key is None:
            header.unknown.append(text)
        else:
            header.add(key, index, text)
    return header


def _stacked(schema: Schema, upper: list[object], lower: list[object]) -> _Header:
    """Two header rows: a group cell ("基本信息", merged across) over the
    columns' own names, and columns merged down whose name sits in the upper
    row only. "编制数" over "行政" resolves as 行政编制数 too."""
    header = _Header(rows=2)
    group = ""
    width = max(len(upper), len(lower))
    for index in range(width):
        top = _cell_text(upper[index]) if index < len(upper) else ""
        bottom = _cell_text(lower[index]) if index < len(lower) else ""
        if top:
            group = top
        elif not bottom:
            group = ""
        if bottom:
            candidates = [bottom, group + bottom, bottom + group]
            shown = f"{group}/{bottom}" if group else bottom
        elif top:
            candidates = [top]
            shown = top
        else:
            continue
        for candidate in candidates:
            key = schema.match_header(candidate)
            if key is not None:
                header.add(key, index, candidate)
                break
        else:
            header.unknown.append(shown)
    return header


def _passes(schema: Schema, header: _Header, threshold: int) -> bool:
    found = set(header.columns)
    score = sum(1 for key in schema.required_keys if key in found)
    score += sum(1 for group in schema.one_of if found.intersection(group))
    return score >= threshold


def _find_header(
    schema: Schema, head: list[list[object]]
) -> tuple[int, _Header] | None:
    """(index of the last header row in `head`, header) or None."""
    threshold = max(1, (schema.requirement_count() + 1) // 2)
    for index, row in enumerate(head[:HEADER_SCAN_ROWS]):
        single = _single(schema, row)
        below = head[index + 1] if index + 1 < len(head) else None
        stacked = _stacked(schema, row, below) if below is not None else None
        if stacked is not None and _passes(schema, stacked, threshold):
            following = _single(schema, below)  # type: ignore[arg-type]
            if len(stacked.columns) > max(len(single.columns), len(following.columns)):
                return index + 1, stacked
        if _passes(schema, single, threshold):
            return index, single
    return None


def _refuse_header(
    schema: Schema, head: list[list[object]], where: str
) -> ApplicationError:
    """HEADER_UNRESOLVED naming the missing required columns and the headers
    of the row that came closest that we could not resolve."""
    best: _Header | None = None
    for row in head[:HEADER_SCAN_ROWS]:
        candidate = _single(schema, row)
        if best is None or len(candidate.columns) > len(best.columns):
            best = candidate
    if best is None or not (best.columns or best.unknown):
        return ApplicationError(
            ErrorCode.HEADER_UNRESOLVED,
            f"{where}前{HEADER_SCAN_ROWS}行中未找到表头；应包含："
            + "、".join(schema.missing(set())),
        )
    detail = "缺少必填列：" + "、".join(schema.missing(best.columns))
    if best.unknown:
        detail += "；未识别的列：" + "、".join(best.unknown[:20])
    return ApplicationError(
        ErrorCode.HEADER_UNRESOLVED,
        detail,
        params={"missing": schema.missing(best.columns), "unknown": best.unknown},
    )


def _check_header(schema: Schema, header: _Header, offset: int = 0) -> None:
    if header.duplicates:
        key, indexes = next(iter(header.duplicates.items()))
        letters = "、".join(column_letter(i + offset) + "列" for i in indexes)
        raise ApplicationError(
            ErrorCode.HEADER_UNRESOLVED,
            f"「{schema.header_of(key)}」列出现了不止一次（{letters}），请删除多余的列",
            params={"column": schema.header_of(key)},
        )
    missing = schema.missing(header.columns)
    if missing:
        detail = "缺少必填列：" + "、".join(missing)
        if header.unknown:
            detail += "；未识别的列：" + "、".join(header.unknown[:20])
        raise ApplicationError(
            ErrorCode.HEADER_UNRESOLVED,
            detail,
            params={"missing": missing, "unknown": header.unknown},
        )


# --- rows --------------------------------------------------------------------------


def _is_skippable(cells: Iterable[object]) -> bool:
    """A totals or signature line (合计 / 填表人：…), judged by its first
    non-empty cell."""
    for value in cells:
        text = _cell_text(value)
        if text:
            compact = re.sub(r"\s+", "", text.replace("\u3000", ""))
            return bool(_TOTALS.match(compact) or _FOOTER.match(compact))
    return False


def _clean(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value.is_integer() and abs(value) < _EXACT_FLOAT:
        # Spreadsheets store every number as a float; a whole number that a
        # float holds exactly is an int. An 18-digit ID number is not exact
        # and stays a float, so cells.id_number_cell refuses it.
        return int(value)
    return value


def _source_rows(
    raw: Iterator[tuple[int, list[object]]], header: _Header
) -> Iterator[SourceRow]:
    columns = list(header.columns.items())
    header_words = {normalise_header(t) for t in header.texts.values()}
    first_key, first_index = columns[0]
    for line, cells in raw:
        values: dict[str, object] = {}
        empty = True
        for key, index in columns:
            value = _clean(cells[index]) if index < len(cells) else None
            values[key] = value
            if value is not None:
                empty = False
        if empty or _is_skippable(cells):
            continue
        # A header repeated mid-file (sheets pasted one under another).
        first = values[first_key]
        if isinstance(first, str) and normalise_header(first) in header_words:
            repeated = sum(
                1
                for key, _ in columns
                if isinstance(values[key], str)
                and normalise_header(values[key]) in header_words
            )
            if repeated * 2 >= len(columns):
                continue
        yield SourceRow(line, values)


# --- file level -----------------------------------------------------------------------


def _limit(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    from django.conf import settings

    return int(getattr(settings, "UPLOAD_MAX_BYTES", 200 * 1024 * 1024))


def _mb(size: int) -> str:
    """Bytes as MB for messages: 200, 1.5, 0.01."""
    value = size / (1024 * 1024)
    text = f"{value:.0f}" if value >= 100 else f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "0" else "0.01"


def open_table(
    path: str | Path, schema: Schema, *, max_bytes: int | None = None
) -> Table:
    """Open `path` (xlsx/xls/ods or CSV, detected by content) for `schema`.

    Raises FILE_TOO_LARGE, FILE_UNREADABLE or HEADER_UNRESOLVED.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise _unreadable("文件不存在或无法打开") from None
    limit = _limit(max_bytes)
    if size > limit:
        raise ApplicationError(
            ErrorCode.FILE_TOO_LARGE,
            f"文件大小 {_mb(size)} MB，上限为 {_mb(limit)} MB",
            params={"size": size, "limit": limit, "limit_mb": _mb(limit)},
        )
    if size == 0:
        raise _unreadable("文件为空")
    with path.open("rb") as handle:
        magic = handle.read(8)
    if magic.startswith(_ZIP) or magic.startswith(_OLE):
        from .readers_xlsx import open_workbook

        return open_workbook(path, schema, size=size)
    if any(magic.startswith(m) for m in _BINARY_MAGIC):
        raise _unreadable("不是电子表格文件，请上传 .xlsx 或 .csv 文件")
    from .readers_csv import open_csv

    return open_csv(path, schema, size=size)


def _sha256_and_lines(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            lines += chunk.count(b"\n")
    return digest.hexdigest(), lines


def _header_and_rows(
    schema: Schema, raw: Iterator[tuple[int, list[object]]], where: str = ""
) -> tuple[_Header, int, Iterator[tuple[int, list[object]]]]:
    """Read the first rows, find the header; (header, its line, rest of rows)."""
    head = list(itertools.islice(raw, HEADER_SCAN_ROWS + 1))
    found = _find_header(schema, [cells for _, cells in head])
    if found is None:
        raise _refuse_header(schema, [cells for _, cells in head], where)
    index, header = found
    rest = itertools.chain(head[index + 1 :], raw)
    return header, head[index][0], rest
