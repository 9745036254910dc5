"""Real test files for the exchange tests, written the way offices produce them.

openpyxl writes the xlsx variants (title rows, merged title, stacked headers,
totals row, hidden column, dates as serials and as text, IDs as numbers);
the csv module writes UTF-8, UTF-8 with BOM and GB18030; LibreOffice
(`soffice --headless --convert-to xlsx`) converts CSVs in ONE batched call per
test session (`soffice_dir` fixture, tests marked @pytest.mark.soffice).

Import the fixtures into a test module with `from .files import soffice_dir`.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from bianzhi.exchange.schemas import OFFQUOTA, ROSTER, UNITS

from ..roster.conftest import make_id

__all__ = [
    "OFFQUOTA",
    "ROSTER",
    "UNITS",
    "RARE_NAMES",
    "make_id",
    "person_row",
    "roster_rows",
    "write_xlsx",
    "write_csv",
    "soffice_dir",
    "SOFFICE_SOURCES",
]

# 生僻字: a supplementary-plane ideograph (𠮷, U+20BB7), CJK Ext-A (䶮), a
# common rare one (堃), and a CJK compatibility ideograph (U+F900, which NFKC
# would turn into U+8C48).
RARE_NAMES = ("𠮷明", "刘䶮", "王堃", "李\uf900")

ROSTER_HEADERS = list(ROSTER.headers)


def person_row(n: int, **over: object) -> dict[str, object]:
    """A roster row (column key -> cell) for person n, valid on its face."""
    female = n % 2 == 0
    birth = f"19{80 + n % 15:02d}0{1 + n % 9}1{n % 9}"
    row: dict[str, object] = {
        "seq": n,
        "unit_name": "示例市教育局",
        "uscc": "",
        "name": f"测试{n}",
        "id_number": make_id(birth, f"{n % 100:02d}{2 if female else 1}"),
        "gender": "女" if female else "男",
        "ethnicity": "汉族",
        "birth_date": f"{birth[:4]}-{birth[4:6]}-{birth[6:]}",
        "certified_basis": "",
        "political_status": "中共党员",
        "education": "大学本科",
        "degree": "学士",
        "major": "汉语言文学",
        "identity": "公务员",
        "category": "行政编制",
        "funding": "财政拨款",
        "position_title": "科员",
        "rank": "一级科员",
        "leader_level": "",
        "channel": "考录",
        "entered_unit_on": "2010-07-01",
        "work_start_date": "2008-07-01",
        "doc_no": "",
        "remarks": "",
    }
    row.update(over)
    return row


def roster_rows(count: int, start: int = 1) -> list[dict[str, object]]:
    return [person_row(n) for n in range(start, start + count)]


def as_lists(
    rows: list[dict[str, object]], keys: list[str] | None = None
) -> list[list[object]]:
    keys = keys or list(ROSTER.keys)
    return [[row.get(k) for k in keys] for row in rows]


def headers_for(keys: list[str], schema=ROSTER) -> list[str]:
    return [schema.header_of(k) for k in keys]


def write_xlsx(
    path: Path,
    rows: list[list[object]],
    *,
    merges: tuple[str, ...] = (),
    hidden_columns: tuple[str, ...] = (),
    text_columns: tuple[str, ...] = (),
    date_format_columns: tuple[str, ...] = (),
    sheets_before: tuple[tuple[str, list[list[object]]], ...] = (),
) -> Path:
    """Write `rows` to the first visible sheet (after `sheets_before`)."""
    workbook = openpyxl.Workbook()
    first = workbook.active
    for index, (title, content) in enumerate(sheets_before):
        sheet = first if index == 0 else workbook.create_sheet()
        sheet.title = title
        for line in content:
            sheet.append(line)
    sheet = workbook.create_sheet("名册") if sheets_before else first
    for line in rows:
        sheet.append(line)
    for area in merges:
        sheet.merge_cells(area)
    for letter in hidden_columns:
        sheet.column_dimensions[letter].hidden = True
    for letter in text_columns:
        for cell in sheet[letter]:
            cell.number_format = "@"
    for letter in date_format_columns:
        for cell in sheet[letter]:
            if isinstance(cell.value, int | float):
                cell.number_format = "yyyy-mm-dd"
    workbook.save(path)
    return path


def write_csv(
    path: Path, rows: list[list[object]], *, encoding: str = "utf-8", delimiter=","
) -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        for line in rows:
            writer.writerow(["" if v is None else v for v in line])
    return path


def excel_serial(day: dt.date) -> int:
    return (day - dt.date(1899, 12, 30)).days


def column_of(key: str, keys: list[str]) -> str:
    return get_column_letter(keys.index(key) + 1)


# --- LibreOffice -------------------------------------------------------------------

# Each source is written as CSV and converted by soffice in one batched call.
SOFFICE_COLUMNS = ["unit_name", "name", "id_number", "gender", "birth_date",
                   "identity", "category", "funding", "entered_unit_on"]  # fmt: skip


def _soffice_sources() -> dict[str, list[list[object]]]:
    headers = headers_for(SOFFICE_COLUMNS)
    people = [
        [r[k] for k in SOFFICE_COLUMNS]
        for r in roster_rows(3)
        + [person_row(4, name=RARE_NAMES[0]), person_row(5, name=RARE_NAMES[1])]
    ]
    # Column 3 (the ID) is imported as text (SOFFICE_FILTER); this file puts
    # the ID first, where LibreOffice makes an 18-digit number of it (1.1E+17).
    numeric_order = [2, 1, 0, *range(3, len(SOFFICE_COLUMNS))]
    numeric_ids = [[line[i] for i in numeric_order] for line in [headers, *people[:2]]]
    # With the zh-CN locale LibreOffice reads 1990年5月1日, 1990/5/1 and
    # 1990-05-01 as dates, 199005 as a whole number and 1990.05 as 1990.05.
    forms = ["1990年5月1日", "1990/5/1", "199005", "1990-05-01", "1990.05"]
    return {
        "plain": [headers, *people],
        "titled": [["2026年示例市实名制人员信息表"], ["填报单位：示例市教育局"],
                   headers, *people, ["合计", "", "", "", "", "", "", "", ""]],
        "numeric_ids": numeric_ids,
        "chinese_dates": [headers] + [
            [*row[:4], form, *row[5:8], form]
            for row, form in zip(people, forms, strict=True)
        ],
    }  # fmt: skip


def exported_rows() -> list[list[object]]:
    """Roster rows as export_roster writes them (labels, dates, text IDs),
    with the awkward cases: 生僻字, XML specials, line breaks, edge spaces."""
    rows = []
    for n, name in enumerate([*RARE_NAMES, "A&B<C>", "王　五 "], start=1):
        row = person_row(n, name=name)
        row["birth_date"] = dt.date.fromisoformat(str(row["birth_date"]))
        row["entered_unit_on"] = dt.date(2010, 7, 1)
        row["work_start_date"] = dt.date(2008, 7, 1)
        row["remarks"] = "第一行\n第二行" if n == 1 else ""
        rows.append([row.get(k) for k in ROSTER.keys])
    return rows


def write_exported(path: Path) -> Path:
    from bianzhi.exchange.xlsx_stream import XlsxStream

    keys = list(ROSTER.keys)
    stream = XlsxStream(
        path, sheet=ROSTER.title, text_columns={keys.index("id_number")}
    )
    stream.write_header(list(ROSTER.headers))
    for row in exported_rows():
        stream.write_row(row)
    stream.close()
    return path


# comma, '"', UTF-8 (76), from line 1, column 3 as text, locale zh-CN (2052).
SOFFICE_FILTER = "CSV:44,34,76,1,3/2,2052"
SOFFICE_SOURCES = _soffice_sources()


@pytest.fixture(scope="session")
def soffice_dir(tmp_path_factory) -> Path:
    """xlsx files made by LibreOffice from SOFFICE_SOURCES (one soffice call)."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        pytest.fail(
            "LibreOffice (soffice) is not installed; run tests with -m 'not soffice'"
        )
    source = tmp_path_factory.mktemp("soffice_src")
    out = tmp_path_factory.mktemp("soffice_out")
    paths = []
    for name, rows in SOFFICE_SOURCES.items():
        paths.append(str(write_csv(source / f"{name}.csv", rows, encoding="utf-8")))
    # Our own streamed xlsx (the export's writer), opened and re-saved by
    # LibreOffice in the same call (the CSV filter does not apply to it).
    paths.append(str(write_exported(source / "exported.xlsx")))
    profile = tmp_path_factory.mktemp("soffice_profile")
    subprocess.run(
        [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            f"--infilter={SOFFICE_FILTER}",
            "--outdir",
            str(out),
            *paths,
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    missing = [
        n for n in [*SOFFICE_SOURCES, "exported"] if not (out / f"{n}.xlsx").exists()
    ]
    assert not missing, f"soffice did not convert {missing}"
    return out
