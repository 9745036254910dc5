"""What an import found (RowError, ImportResult) and the Chinese error report.

The report is an .xlsx with two sheets: 「错误清单」 (one line per problem:
行号, 列, 值, 问题, 错误代码, sorted by row) and 「汇总」 (file, time, counts,
and how many problems of each kind). Values are written as the user typed
them — it is their own file, and the report is downloadable only by the
importer and the office (the web layer enforces that) — always as text, so an
ID number keeps its digits and a value starting with "=" is never a formula.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import timezone

from bianzhi.core.errors import MESSAGES, ErrorCode

# One sheet holds 1,048,576 rows; keep room for the header.
MAX_REPORT_ROWS = 1_000_000


@dataclass
class RowError:
    line: int  # the row number the user sees in Excel / the CSV line; 0 = the file
    column: str  # the Chinese header ("" when the problem is the whole row/file)
    value: str  # the cell as the user typed it
    problem: str  # Chinese description
    code: str  # an ErrorCode value

    @property
    def text(self) -> str:
        """行 12 列「公民身份号码」: 公民身份号码无效：校验位错误"""
        if not self.line:
            return self.problem
        where = f"行 {self.line}"
        if self.column:
            where += f" 列「{self.column}」"
        return f"{where}: {self.problem}"

    def as_dict(self) -> dict:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "problem": self.problem,
            "code": self.code,
        }


@dataclass
class ImportResult:
    kind: str
    filename: str
    sha256: str
    dry_run: bool
    committed: bool
    duplicate: bool
    rows: int
    accepted: int  # rows valid (dry run) or written (commit)
    refused: int  # rows with at least one problem
    errors: list[RowError] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    run_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts_by_code(self) -> dict[str, int]:
        return dict(Counter(e.code for e in self.errors).most_common())


def sorted_errors(errors: list[RowError]) -> list[RowError]:
    """By row; within a row in the order found (file-level problems first)."""
    return sorted(errors, key=lambda e: e.line)


def _code_label(code: str) -> str:
    try:
        return MESSAGES[ErrorCode(code)]
    except ValueError:
        return ""


_SUMMARY_LABELS = (
    ("title", "导入类型"),
    ("filename", "文件名"),
    ("sha256", "文件SHA-256"),
    ("size", "文件大小（字节）"),
    ("time", "检查时间"),
    ("mode", "方式"),
    ("rows", "数据行数"),
    ("accepted", "有效行数"),
    ("refused", "错误行数"),
    ("written", "已写入行数"),
    ("result", "结果"),
)


def write_error_report(
    errors: list[RowError], path, *, title: str, summary: dict
) -> None:
    """Write the report to `path` (.xlsx). `summary` may hold the keys of
    _SUMMARY_LABELS (others are listed after them under their own names)."""
    import xlsxwriter

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted_errors(errors)
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
        heading = book.add_format({"bold": True, "font_size": 14})
        sheet = book.add_worksheet("错误清单")
        for col, (header, width) in enumerate(
            (("行号", 8), ("列", 18), ("值", 24), ("问题", 70), ("错误代码", 24))
        ):
            sheet.write_string(0, col, header, bold)
            sheet.set_column(col, col, width)
        sheet.freeze_panes(1, 0)
        shown = ordered[:MAX_REPORT_ROWS]
        for n, error in enumerate(shown, start=1):
            if error.line:
                sheet.write_number(n, 0, error.line)
            else:
                sheet.write_string(n, 0, "文件")
            sheet.write_string(n, 1, error.column or "")
            sheet.write_string(n, 2, error.value or "")
            sheet.write_string(n, 3, error.problem or "")
            sheet.write_string(n, 4, error.code or "")
        if shown:
            sheet.autofilter(0, 0, len(shown), 4)

        info = book.add_worksheet("汇总")
        info.set_column(0, 0, 22)
        info.set_column(1, 1, 60)
        info.set_column(2, 2, 12)
        info.write_string(0, 0, f"{title}导入错误报告", heading)
        row = 2
        data = {"title": title, **summary}
        data.setdefault("time", timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"))
        known = {key for key, _ in _SUMMARY_LABELS}
        items = [(label, data[key]) for key, label in _SUMMARY_LABELS if key in data]
        items += [
            (str(key), value)
            for key, value in data.items()
            if key not in known and not isinstance(value, dict | list)
        ]
        for label, value in items:
            info.write_string(row, 0, label, bold)
            _write_value(info, row, 1, value)
            row += 1
        if len(ordered) > len(shown):
            info.write_string(row, 0, "说明", bold)
            info.write_string(
                row,
                1,
                f"错误过多，错误清单只列出前{len(shown)}条（共{len(ordered)}条）",
            )
            row += 1
        row += 1
        info.write_string(row, 0, "错误代码", bold)
        info.write_string(row, 1, "问题", bold)
        info.write_string(row, 2, "条数", bold)
        row += 1
        by_code = Counter(e.code for e in ordered)
        for code, count in by_code.most_common():
            info.write_string(row, 0, code)
            info.write_string(row, 1, _code_label(code))
            info.write_number(row, 2, count)
            row += 1
        if not ordered:
            info.write_string(row, 0, "（无错误）")
            row += 1
        row += 1
        info.write_string(row, 0, "列", bold)
        info.write_string(row, 1, "问题", bold)
        info.write_string(row, 2, "条数", bold)
        row += 1
        by_problem = Counter(
            (e.column or "（整行）", _code_label(e.code)) for e in ordered
        )
        for (column, label), count in by_problem.most_common():
            info.write_string(row, 0, column)
            info.write_string(row, 1, label)
            info.write_number(row, 2, count)
            row += 1
    finally:
        book.close()


def _write_value(sheet, row: int, col: int, value) -> None:
    if isinstance(value, bool):
        sheet.write_string(row, col, "是" if value else "否")
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value)
    elif isinstance(value, dt.datetime):
        sheet.write_string(
            row, col, timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
        )
    else:
        sheet.write_string(row, col, "" if value is None else str(value))
