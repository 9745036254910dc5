"""Workbook side of readers.open_table (xlsx, and xls/ods that calamine reads).

python-calamine is the fastest reader available (Rust); it loads one sheet
into memory. Numbers arrive as floats and dates as date/datetime objects when
the cell is formatted as a date. The first visible sheet whose header
resolves is used, so a leading 说明 (instructions) sheet does no harm.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import python_calamine as calamine

from bianzhi.core.errors import ApplicationError

from .readers import (
    Table,
    _check_header,
    _header_and_rows,
    _sha256_and_lines,
    _source_rows,
    _unreadable,
    column_letter,
)
from .schemas import Schema


def _sheet_rows(sheet: calamine.CalamineSheet) -> Iterator[tuple[int, list[object]]]:
    # iter_rows starts at row 0 of the sheet (leading empty rows are padded),
    # but only from the first used column, so letters need sheet.start[1].
    for index, cells in enumerate(sheet.iter_rows()):
        yield index + 1, cells


def _has_data(sheet: calamine.CalamineSheet) -> bool:
    for index, cells in enumerate(sheet.iter_rows()):
        if any(c not in ("", None) for c in cells):
            return True
        if index > 1000:
            break
    return False


def open_workbook(path: Path, schema: Schema, *, size: int) -> Table:
    sha, _ = _sha256_and_lines(path)
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
    except calamine.PasswordError:
        raise _unreadable("文件设有打开密码，请取消密码后再上传") from None
    except Exception:
        raise _unreadable(
            "不是有效的 Excel 文件，可能已损坏或只是改了扩展名；请上传 .xlsx 或 .csv 文件"
        ) from None
    first_error: ApplicationError | None = None
    seen_data = False
    for meta in workbook.sheets_metadata:
        if str(meta.visible) != str(calamine.SheetVisibleEnum.Visible):
            continue
        if str(meta.typ) != str(calamine.SheetTypeEnum.WorkSheet):
            continue
        try:
            sheet = workbook.get_sheet_by_name(meta.name)
        except Exception:
            raise _unreadable(f"工作表「{meta.name}」无法读取") from None
        if not _has_data(sheet):
            continue
        seen_data = True
        where = f"工作表「{meta.name}」"
        try:
            header, header_line, rest = _header_and_rows(
                schema, _sheet_rows(sheet), where
            )
            offset = sheet.start[1] if sheet.start else 0
            _check_header(schema, header, offset)
        except ApplicationError as exc:
            first_error = first_error or exc
            continue
        end_row = (sheet.end[0] + 1) if sheet.end else header_line
        return Table(
            schema=schema,
            headers=dict(header.texts),
            letters={
                key: column_letter(i + offset) for key, i in header.columns.items()
            },
            rows=_source_rows(rest, header),
            total_hint=max(0, end_row - header_line),
            sha256=sha,
            size=size,
            ignored_headers=list(header.unknown),
            format="xlsx",
            sheet=meta.name,
            header_line=header_line,
        )
    if not seen_data:
        raise _unreadable("文件中没有数据")
    assert first_error is not None
    raise first_error
