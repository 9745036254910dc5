"""A FormResult as a file: xlsx (the printable official form), csv, json, pdf.

- xlsx: title, scope and as-of date, the two-level Chinese header
  (Column.group merged over its columns; a column without a group spans both
  header rows), the rows (indented by level, subtotals bold), the 合计 row,
  the notes and the 填表人/审核人/填报日期 footer; print area, A4 (landscape
  when wide), fit to one page wide, header rows repeated on every page.
- csv: UTF-8 with BOM (Excel opens it as UTF-8), one header row whose cells
  are "group/label", then the rows — the data only, no totals or notes.
- json: FormResult.records(), a list of objects keyed by column key.
- pdf: the same table as HTML through WeasyPrint (stats/pdf.py).

An empty selection gives a valid form with no rows and a 合计 row of zeros.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from .base import Column, FormResult

FORMATS = ("xlsx", "csv", "json", "pdf")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}
# More columns than this print in landscape.
WIDE = 9


@dataclass(frozen=True)
class HeaderCell:
    text: str
    col: int  # first column (0-based)
    colspan: int = 1
    rowspan: int = 1


def header_rows(columns: list[Column]) -> list[list[HeaderCell]]:
    """The header as rows of cells: one row when no column has a group, else
    two — the groups (merged over consecutive columns) above the labels, and
    ungrouped labels spanning both rows."""
    if not any(c.group for c in columns):
        return [[HeaderCell(c.label, i) for i, c in enumerate(columns)]]
    top: list[HeaderCell] = []
    bottom: list[HeaderCell] = []
    i = 0
    while i < len(columns):
        group = columns[i].group
        if not group:
            top.append(HeaderCell(columns[i].label, i, rowspan=2))
            i += 1
            continue
        j = i
        while j < len(columns) and columns[j].group == group:
            bottom.append(HeaderCell(columns[j].label, j))
            j += 1
        top.append(HeaderCell(group, i, colspan=j - i))
        i = j
    return [top, bottom]


def flat_header(column: Column) -> str:
    return f"{column.group}/{column.label}" if column.group else column.label


def plain(value: Any) -> Any:
    """A JSON-safe value: dates as ISO text, decimals as numbers."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def display(value: Any, kind: str) -> str:
    """A cell as printed (web page, PDF)."""
    if value is None or value == "":
        return ""
    if kind == "pct" and isinstance(value, (int, float, Decimal)):
        return f"{float(value) * 100:.1f}%"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def totals_cells(result: FormResult) -> list[Any]:
    """The 合计 row's cells: the first cell says 合计 unless the form wrote there."""
    totals = result.totals or {}
    cells = [totals.get(c.key) for c in result.columns]
    if cells and cells[0] in (None, ""):
        cells[0] = "合计"
    return cells


def scope_line(result: FormResult) -> str:
    label = result.selection.label or "全部"
    return f"填报范围：{label}"


def as_of_line(result: FormResult) -> str:
    return f"截至日期：{result.selection.as_of.isoformat()}"


# --- csv / json ----------------------------------------------------------------


def to_csv(result: FormResult) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([flat_header(c) for c in result.columns])
    for record in result.records():
        writer.writerow(["" if v is None else plain(v) for v in record.values()])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_json(result: FormResult) -> bytes:
    records = [{k: plain(v) for k, v in r.items()} for r in result.records()]
    return json.dumps(records, ensure_ascii=False, indent=1).encode("utf-8")


# --- xlsx ----------------------------------------------------------------------


def _width(column: Column, values: list[Any]) -> float:
    # Numbers are narrow; their labels wrap in the header (two CJK characters
    # a line), so a wide form still prints legibly on one page width.
    if column.kind != "text":
        longest = max([len(display(v, column.kind)) for v in values] + [3])
        return min(max(longest + 2, 5), 12)
    longest = max([len(str(v or "")) for v in values[:2000]] + [len(column.label)])
    return min(max(longest * 2 + 2, 8), 36)


def to_xlsx(
    result: FormResult,
    *,
    filled_by: str = "",
    reviewed_by: str = "",
    filled_on: dt.date | None = None,
) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "default_date_format": "yyyy-mm-dd"}
    )
    sheet = book.add_worksheet(result.title[:31])
    font = {"font_name": "宋体", "font_size": 10}
    fmt = {
        "title": book.add_format(
            {
                **font,
                "bold": True,
                "font_size": 16,
                "align": "center",
                "valign": "vcenter",
            }
        ),
        "info": book.add_format({**font}),
        "info_right": book.add_format({**font, "align": "right"}),
        "head": book.add_format(
            {
                **font,
                "bold": True,
                "border": 1,
                "align": "center",
                "valign": "vcenter",
                "text_wrap": True,
                "bg_color": "#F2F2F2",
            }
        ),
        "note": book.add_format(
            {**font, "font_size": 9, "text_wrap": True, "valign": "top"}
        ),
        "footer": book.add_format({**font}),
    }
    cache: dict[tuple, Any] = {}

    def cell_format(kind: str, *, bold: bool = False, indent: int = 0):
        key = (kind, bold, indent)
        if key not in cache:
            spec: dict[str, Any] = {**font, "border": 1, "valign": "vcenter"}
            if bold:
                spec["bold"] = True
            if kind == "pct":
                spec["num_format"] = "0.0%"
            elif kind == "decimal":
                spec["num_format"] = "0.00"
            elif kind == "date":
                spec["num_format"] = "yyyy-mm-dd"
                spec["align"] = "center"
            elif kind == "int":
                spec["num_format"] = "0"
            if kind == "text":
                spec["text_wrap"] = False
                if indent:
                    spec["indent"] = indent
            cache[key] = book.add_format(spec)
        return cache[key]

    columns = result.columns
    last = max(len(columns) - 1, 0)
    sheet.set_row(0, 30)
    if last:
        sheet.merge_range(0, 0, 0, last, result.title, fmt["title"])
    else:
        sheet.write(0, 0, result.title, fmt["title"])
    half = max(last // 2, 0)
    sheet.write(1, 0, scope_line(result), fmt["info"])
    sheet.write(1, max(half, 1) if last else 0, as_of_line(result), fmt["info"])
    if last > 1:
        sheet.write(1, last, "单位：个、名", fmt["info_right"])
    header = header_rows(columns)
    first_header = 2
    for offset, cells in enumerate(header):
        sheet.set_row(
            first_header + offset, 30 if offset == 0 and len(header) > 1 else 58
        )
        for cell in cells:
            top = first_header + offset
            bottom = top + cell.rowspan - 1
            right = cell.col + cell.colspan - 1
            if bottom > top or right > cell.col:
                sheet.merge_range(top, cell.col, bottom, right, cell.text, fmt["head"])
            else:
                sheet.write(top, cell.col, cell.text, fmt["head"])
    row_no = first_header + len(header)
    first_data = row_no

    def write_value(r: int, c: int, value: Any, column: Column, f) -> None:
        if value is None or value == "":
            sheet.write_blank(r, c, None, f)
        elif isinstance(value, (dt.date, dt.datetime)):
            sheet.write_datetime(
                r,
                c,
                dt.datetime.combine(value, dt.time())
                if not isinstance(value, dt.datetime)
                else value,
                f,
            )
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            sheet.write_number(r, c, float(value), f)
        else:
            sheet.write_string(r, c, str(value), f)

    for row in result.rows:
        for c, column in enumerate(columns):
            indent = row.level if c == 0 and column.kind == "text" else 0
            f = cell_format(column.kind, bold=row.subtotal, indent=indent)
            write_value(row_no, c, row.cells.get(column.key), column, f)
        row_no += 1
    if result.totals is not None:
        for c, (column, value) in enumerate(
            zip(columns, totals_cells(result), strict=True)
        ):
            f = cell_format(column.kind if c else "text", bold=True)
            write_value(row_no, c, value, column, f)
        row_no += 1
    for note in result.notes:
        if last:
            sheet.merge_range(row_no, 0, row_no, last, note, fmt["note"])
        else:
            sheet.write(row_no, 0, note, fmt["note"])
        sheet.set_row(row_no, 28)
        row_no += 1
    row_no += 1
    filled_on = filled_on or timezone.localdate()
    footer = [
        f"填表人：{filled_by}",
        f"审核人：{reviewed_by}",
        f"填报日期：{filled_on.isoformat()}",
    ]
    spots = [0, max(last // 3, 1), max(2 * last // 3, 2)] if last >= 2 else [0, 0, 0]
    if last >= 2:
        for spot, text in zip(spots, footer, strict=True):
            sheet.write(row_no, spot, text, fmt["footer"])
    else:
        sheet.write(row_no, 0, "　　".join(footer), fmt["footer"])
    for c, column in enumerate(columns):
        values = [row.cells.get(column.key) for row in result.rows]
        sheet.set_column(c, c, _width(column, values))
    # Printing: A4, landscape when wide, one page wide, header repeated.
    sheet.set_paper(9)
    if len(columns) > WIDE:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.center_horizontally()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(first_header, first_data - 1)
    sheet.print_area(0, 0, row_no, last)
    sheet.freeze_panes(first_data, 1 if len(columns) > 1 else 0)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    book.close()
    return buffer.getvalue()


# --- the table as printed (web page and PDF) ------------------------------------


def table(result: FormResult, link=None) -> dict:
    """Header and body cells ready for a template. `link(row, column)` gives the
    drill-down URL of a numeric cell (the web page); None prints plain text."""
    body = []
    for row in result.rows:
        cells = []
        for i, column in enumerate(result.columns):
            value = row.cells.get(column.key)
            text = display(value, column.kind)
            url = None
            # A count links to the rows it counts; a zero counts nothing. The
            # row's name links to the same level as its numbers.
            counted = column.kind in ("int", "decimal") and value not in (None, 0)
            if link is not None and (counted or (i == 0 and text)):
                url = link(row, column)
            indent = ""
            if i == 0 and column.kind == "text":
                stripped = text.lstrip("　")
                indent, text = text[: len(text) - len(stripped)], stripped
            cells.append(
                {
                    "text": text,
                    "indent": indent,
                    "url": url,
                    "num": column.kind != "text",
                    "zero": value == 0 and column.kind != "text",
                }
            )
        body.append({"cells": cells, "level": row.level, "subtotal": row.subtotal})
    totals = None
    if result.totals is not None:
        totals = [
            {"text": display(v, c.kind) if i else str(v), "num": c.kind != "text"}
            for i, (c, v) in enumerate(
                zip(result.columns, totals_cells(result), strict=True)
            )
        ]
    return {"header": header_rows(result.columns), "rows": body, "totals": totals}


# --- pdf and dispatch ------------------------------------------------------------


def to_pdf(result: FormResult) -> bytes:
    from .pdf import form_pdf

    return form_pdf(result)


def render(result: FormResult, fmt: str) -> bytes:
    fmt = fmt.lower().lstrip(".")
    if fmt == "xlsx":
        return to_xlsx(result)
    if fmt == "csv":
        return to_csv(result)
    if fmt == "json":
        return to_json(result)
    if fmt == "pdf":
        return to_pdf(result)
    raise ValueError(f"unknown export format {fmt!r}")


def write(result: FormResult, path: str | Path) -> Path:
    """Write the form to `path`; the format is the file's suffix."""
    target = Path(path)
    data = render(result, target.suffix)
    target.write_bytes(data)
    return target


def filename(result: FormResult, fmt: str) -> str:
    return f"{result.title}_{result.selection.as_of.isoformat()}.{fmt}"
