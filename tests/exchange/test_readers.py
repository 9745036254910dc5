"""readers.open_table on real files written by openpyxl, the csv module and
LibreOffice: every reading-related bad input of issue 4."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import hashlib
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.exchange import cells
from bianzhi.exchange.readers import Table, column_letter, open_table
from bianzhi.exchange.schemas import OFFQUOTA, ROSTER, UNITS

from .files import (
    RARE_NAMES,
    SOFFICE_SOURCES,
    as_lists,
    excel_serial,
    exported_rows,
    headers_for,
    person_row,
    roster_rows,
    soffice_dir,  # noqa: F401  (fixture)
    write_csv,
    write_exported,
    write_xlsx,
)

KEYS = list(ROSTER.keys)
HEADERS = headers_for(KEYS)


def refused(code: ErrorCode, path: Path, schema=ROSTER, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        table = open_table(path, schema, **kwargs)
        list(table.rows)
    assert caught.value.code == code, caught.value.message
    return caught.value


def read(path: Path, schema=ROSTER, **kwargs) -> tuple[Table, list]:
    table = open_table(path, schema, **kwargs)
    return table, list(table.rows)


# --- plain files ----------------------------------------------------------------------


def test_plain_xlsx_reads_every_column_with_row_numbers(tmp_path):
    people = roster_rows(3)
    path = write_xlsx(tmp_path / "r.xlsx", [HEADERS, *as_lists(people)])
    table, rows = read(path)
    assert table.format == "xlsx"
    assert table.headers == dict(zip(KEYS, HEADERS, strict=True))
    assert table.letters["seq"] == "A" and table.letters["remarks"] == "Y"
    assert table.ignored_headers == []
    assert [r.line for r in rows] == [2, 3, 4]
    assert rows[0].values["name"] == "测试1"
    assert rows[0].values["id_number"] == people[0]["id_number"]
    assert rows[0].values["seq"] == 1 and isinstance(rows[0].values["seq"], int)
    assert rows[0].values["remarks"] is None  # empty cells are None
    assert table.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert table.size == path.stat().st_size
    assert table.total_hint == 3


def test_rows_are_a_lazy_iterator(tmp_path):
    path = write_csv(tmp_path / "r.csv", [HEADERS, *as_lists(roster_rows(2))])
    table = open_table(path, ROSTER)
    assert iter(table.rows) is table.rows
    assert next(table.rows).line == 2


def test_title_rows_blank_rows_totals_and_signature_are_skipped(tmp_path):
    people = roster_rows(3)
    width = len(HEADERS)
    content = [
        ["2026年示例市实名制人员信息表"],
        ["填报单位：示例市教育局", None, None, "截至2026年6月30日"],
        [],
        HEADERS,
        *as_lists(people[:2]),
        [],
        *as_lists(people[2:]),
        ["合计", None, None, "3人"],
        ["填表人：张三", None, None, "审核人：李四"],
    ]
    path = write_xlsx(
        tmp_path / "titled.xlsx", content, merges=(f"A1:{column_letter(width - 1)}1",)
    )
    table, rows = read(path)
    assert table.header_line == 4
    assert [r.line for r in rows] == [5, 6, 8]
    assert [r.values["name"] for r in rows] == ["测试1", "测试2", "测试3"]


def test_stacked_header_rows_are_flattened(tmp_path):
    # Row 1 title; rows 2-3 header: 单位名称/序号 merged down, group cells
    # merged across; "领导职务" over "层次" only resolves concatenated.
    upper = ["序号", "单位名称", "基本信息", None, None, "编制信息", None, None,
             "领导职务", "备注"]  # fmt: skip
    lower = [None, None, "姓名", "公民身份号码", "性别", "人员身份", "编制类型",
             "经费形式", "层次", None]  # fmt: skip
    person = person_row(1, leader_level="乡科级副职")
    data = [person[k] for k in ("seq", "unit_name", "name", "id_number", "gender",
                                "identity", "category", "funding", "leader_level",
                                "remarks")]  # fmt: skip
    path = write_xlsx(
        tmp_path / "stacked.xlsx",
        [["人员名册"], upper, lower, data],
        merges=("A1:J1", "A2:A3", "B2:B3", "C2:E2", "F2:H2", "J2:J3"),
    )
    table, rows = read(path)
    assert table.header_line == 3
    assert table.letters == {
        "seq": "A", "unit_name": "B", "name": "C", "id_number": "D", "gender": "E",
        "identity": "F", "category": "G", "funding": "H", "leader_level": "I",
        "remarks": "J",
    }  # fmt: skip
    assert table.headers["leader_level"] == "领导职务层次"
    assert [r.line for r in rows] == [4]
    assert rows[0].values["name"] == "测试1"
    assert rows[0].values["leader_level"] == "乡科级副职"


def test_stacked_header_in_csv_without_merges(tmp_path):
    upper = ["单位名称", "基本信息", "", "编制信息", "", ""]
    lower = ["", "姓名", "公民身份号码", "人员身份", "编制类型", "经费形式"]
    row = person_row(1)
    data = [row[k] for k in ("unit_name", "name", "id_number", "identity",
                             "category", "funding")]  # fmt: skip
    table, rows = read(write_csv(tmp_path / "s.csv", [upper, lower, data]))
    assert table.header_line == 2
    assert rows[0].line == 3 and rows[0].values["id_number"] == row["id_number"]


def test_columns_in_any_order_with_aliases_and_full_width_headers(tmp_path):
    header = ["身份证号码", "　姓　名　", "单位", "经费形式（必填）", "*人员身份",
              "编制类型*", "出生年月", "ＸＹＺ备用"]  # fmt: skip
    row = person_row(7, name="ＡＢＣ　张三")
    data = [row["id_number"], row["name"], row["unit_name"], row["funding"],
            row["identity"], row["category"], "1987.07", "x"]  # fmt: skip
    table, rows = read(write_xlsx(tmp_path / "a.xlsx", [header, data]))
    assert table.letters == {
        "id_number": "A", "name": "B", "unit_name": "C", "funding": "D",
        "identity": "E", "category": "F", "birth_date": "G",
    }  # fmt: skip
    assert table.headers["id_number"] == "身份证号码"
    assert table.ignored_headers == ["ＸＹＺ备用"]
    values = rows[0].values
    assert cells.text(values["name"]) == "ABC 张三"
    assert cells.date_cell(values["birth_date"]) == dt.date(1987, 7, 1)


def test_hidden_and_unknown_columns_are_ignored(tmp_path):
    header = ["单位名称", "内部编号", "姓名", "公民身份号码", "人员身份", "编制类型",
              "经费形式", "联系电话"]  # fmt: skip
    row = person_row(2)
    data = [row["unit_name"], "N-001", row["name"], row["id_number"],
            row["identity"], row["category"], row["funding"], "13800000000"]  # fmt: skip
    path = write_xlsx(tmp_path / "h.xlsx", [header, data], hidden_columns=("B",))
    table, rows = read(path)
    assert table.ignored_headers == ["内部编号", "联系电话"]
    assert set(rows[0].values) == {
        "unit_name", "name", "id_number", "identity", "category", "funding"
    }  # fmt: skip


def test_first_visible_sheet_with_a_header_is_used(tmp_path):
    path = write_xlsx(
        tmp_path / "two.xlsx",
        [HEADERS, *as_lists(roster_rows(1))],
        sheets_before=(
            ("填表说明", [["1. 身份证号请设为文本格式"], ["2. 日期如2026-10-01"]]),
        ),
    )
    table, rows = read(path)
    assert table.sheet == "名册" and len(rows) == 1


def test_hidden_sheets_are_not_read(tmp_path):
    import openpyxl

    path = write_xlsx(
        tmp_path / "hidden.xlsx",
        [HEADERS, *as_lists(roster_rows(2, start=5))],
        sheets_before=(("旧模板", [HEADERS, *as_lists(roster_rows(1))]),),
    )
    workbook = openpyxl.load_workbook(path)
    workbook["旧模板"].sheet_state = "hidden"
    workbook.save(path)
    table, rows = read(path)
    assert table.sheet == "名册"
    assert [r.values["name"] for r in rows] == ["测试5", "测试6"]


def test_sheet_not_starting_at_a1_keeps_excel_rows_and_letters(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    keys = ["unit_name", "name", "id_number", "identity", "category", "funding"]
    row = person_row(3)
    for offset, line in enumerate([headers_for(keys), [row[k] for k in keys]]):
        for col, value in enumerate(line):
            sheet.cell(row=3 + offset, column=3 + col, value=value)
    path = tmp_path / "offset.xlsx"
    workbook.save(path)
    table, rows = read(path)
    assert table.letters["unit_name"] == "C" and table.letters["funding"] == "H"
    assert table.header_line == 3 and rows[0].line == 4


def test_repeated_header_mid_file_is_skipped(tmp_path):
    people = as_lists(roster_rows(2))
    table, rows = read(
        write_csv(tmp_path / "rep.csv", [HEADERS, people[0], HEADERS, people[1]])
    )
    assert [r.line for r in rows] == [2, 4]


# --- cells as spreadsheets store them ------------------------------------------------------


def test_id_stored_as_excel_number_is_refused_with_a_clear_message(tmp_path):
    row = person_row(1)
    keys = ["unit_name", "name", "id_number", "identity", "category", "funding"]
    data = [row[k] for k in keys]
    data[2] = (
        int(row["id_number"][:17] + "0")
        if row["id_number"][-1] == "X"
        else int(row["id_number"])
    )
    path = write_xlsx(tmp_path / "num.xlsx", [headers_for(keys), data])
    _, rows = read(path)
    raw = rows[0].values["id_number"]
    assert isinstance(raw, float)  # what Excel keeps: 15 significant digits
    with pytest.raises(ApplicationError) as caught:
        cells.id_number_cell(raw)
    assert caught.value.code == ErrorCode.ID_INVALID
    assert "以数字形式存储已丢失位数" in caught.value.message
    assert "设为文本" in caught.value.message


def test_scientific_notation_id_in_csv_is_refused(tmp_path):
    keys = ["unit_name", "name", "id_number", "identity", "category", "funding"]
    row = person_row(1, id_number="1.10105E+17")
    _, rows = read(
        write_csv(tmp_path / "sci.csv", [headers_for(keys), [row[k] for k in keys]])
    )
    with pytest.raises(ApplicationError) as caught:
        cells.id_number_cell(rows[0].values["id_number"])
    assert caught.value.code == ErrorCode.ID_INVALID


def test_dates_as_date_cells_serials_and_text(tmp_path):
    keys = ["unit_name", "name", "id_number", "identity", "category", "funding",
            "birth_date", "entered_unit_on", "work_start_date"]  # fmt: skip
    row = person_row(1)
    lines = []
    forms = [
        (dt.date(1990, 5, 1), excel_serial(dt.date(2010, 7, 1)), "2008年7月1日"),
        (dt.datetime(1990, 5, 1, 0, 0), excel_serial(dt.date(2010, 7, 1)), "2008.07"),
        ("1990/5/1", "2010-07-01", "200807"),
        ("19900501", "2010年7月", "2008-7-1"),
    ]
    for birth, entered, work in forms:
        lines.append([*(row[k] for k in keys[:6]), birth, entered, work])
    path = write_xlsx(
        tmp_path / "d.xlsx", [headers_for(keys), *lines], date_format_columns=("G",)
    )
    _, rows = read(path)
    for source in rows:
        assert cells.date_cell(source.values["birth_date"]) == dt.date(1990, 5, 1)
        assert cells.date_cell(source.values["entered_unit_on"]) in (
            dt.date(2010, 7, 1),
        )
        assert cells.date_cell(source.values["work_start_date"]) == dt.date(2008, 7, 1)
    assert isinstance(rows[0].values["birth_date"], dt.date)
    assert rows[0].values["entered_unit_on"] == excel_serial(dt.date(2010, 7, 1))


def test_year_month_stored_as_number_is_refused(tmp_path):
    keys = [
        "unit_name",
        "name",
        "id_number",
        "identity",
        "category",
        "funding",
        "birth_date",
    ]
    row = person_row(1)
    path = write_xlsx(
        tmp_path / "ym.xlsx",
        [headers_for(keys), [*(row[k] for k in keys[:6]), 1990.10]],
    )
    _, rows = read(path)
    with pytest.raises(ApplicationError) as caught:
        cells.date_cell(rows[0].values["birth_date"])
    assert caught.value.code == ErrorCode.DATE_INVALID
    assert "2026.1" in caught.value.message


# --- CSV encodings ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_encodings_keep_rare_characters_exactly(tmp_path, encoding):
    people = [person_row(n, name=name) for n, name in enumerate(RARE_NAMES, start=1)]
    people.append(person_row(9, name="欧阳　娜娜", unit_name="示例市教育局"))
    path = write_csv(
        tmp_path / f"{encoding}.csv", [HEADERS, *as_lists(people)], encoding=encoding
    )
    table, rows = read(path)
    assert table.format == "csv"
    assert table.encoding == encoding
    names = [r.values["name"] for r in rows]
    assert names[:4] == list(RARE_NAMES)
    for name in names[:4]:
        assert cells.text(name).encode("utf-8") == name.encode("utf-8")
    assert "\uf900" in cells.text(names[3])  # a compatibility ideograph, not NFKC'd
    assert cells.text(names[4]) == "欧阳 娜娜"
    assert table.headers["name"] == "姓名"


def test_gbk_file_reads_as_gb18030(tmp_path):
    path = write_csv(
        tmp_path / "gbk.csv", [HEADERS, *as_lists(roster_rows(2))], encoding="gbk"
    )
    table, rows = read(path)
    assert table.encoding == "gb18030" and rows[1].values["name"] == "测试2"


def test_gb18030_bytes_late_in_the_file_are_detected(tmp_path):
    # The first rows are pure ASCII-compatible digits; the Chinese comes late.
    people = [
        person_row(n, name=f"P{n}", unit_name="U", identity="1") for n in range(1, 3000)
    ]
    people.append(person_row(3000, name="𠮷田"))
    path = write_csv(
        tmp_path / "late.csv", [HEADERS, *as_lists(people)], encoding="gb18030"
    )
    table, rows = read(path)
    assert table.encoding == "gb18030" and rows[-1].values["name"] == "𠮷田"


def test_csv_line_numbers_count_physical_lines(tmp_path):
    people = roster_rows(3)
    people[0]["remarks"] = "第一行\n第二行"
    path = write_csv(tmp_path / "ml.csv", [HEADERS, *as_lists(people)])
    table, rows = read(path)
    assert [r.line for r in rows] == [2, 4, 5]
    assert rows[0].values["remarks"] == "第一行\n第二行"
    assert table.total_hint == 4  # a hint: physical lines after the header


def test_tab_separated_csv(tmp_path):
    path = write_csv(
        tmp_path / "t.csv", [HEADERS, *as_lists(roster_rows(2))], delimiter="\t"
    )
    _, rows = read(path)
    assert rows[1].values["id_number"] == person_row(2)["id_number"]


def test_undecodable_csv_is_unreadable(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(",".join(HEADERS).encode("utf-8") + b"\n\x80\x80\xff\xff,\xfe\n")
    error = refused(ErrorCode.FILE_UNREADABLE, path)
    assert "编码" in error.message


# --- refused files -------------------------------------------------------------------------


def test_unresolvable_header_names_missing_and_unknown_columns(tmp_path):
    header = ["单位名称", "姓名", "身份证", "类别X", "编制", "经费"]
    path = write_xlsx(tmp_path / "bad.xlsx", [header, ["a", "b", "c", "d", "e", "f"]])
    error = refused(ErrorCode.HEADER_UNRESOLVED, path)
    assert "缺少必填列：人员身份、编制类型、经费形式" in error.message
    assert "未识别的列：类别X、编制、经费" in error.message


def test_header_without_the_unit_columns_names_the_alternatives(tmp_path):
    keys = ["name", "id_number", "identity", "category", "funding"]
    path = write_csv(tmp_path / "nounit.csv", [headers_for(keys), ["a"] * 5])
    error = refused(ErrorCode.HEADER_UNRESOLVED, path)
    assert "单位名称或统一社会信用代码" in error.message


def test_no_header_at_all(tmp_path):
    path = write_csv(tmp_path / "data.csv", [["张三", "110"], ["李四", "120"]])
    error = refused(ErrorCode.HEADER_UNRESOLVED, path)
    assert "姓名" in error.message


def test_duplicate_header_for_the_same_column_is_refused(tmp_path):
    header = [
        "单位名称",
        "姓名",
        "公民身份号码",
        "人员身份",
        "编制类型",
        "经费形式",
        "身份证号",
    ]
    path = write_xlsx(tmp_path / "dup.xlsx", [header, ["a"] * 7])
    error = refused(ErrorCode.HEADER_UNRESOLVED, path)
    assert "「公民身份号码」列出现了不止一次（C列、G列）" in error.message


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        bytes(range(256)) * 40,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    ],
    ids=["pdf", "random", "png"],
)
def test_not_a_spreadsheet_renamed_xlsx(tmp_path, content):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(content)
    refused(ErrorCode.FILE_UNREADABLE, path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "doc.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    error = refused(ErrorCode.FILE_UNREADABLE, path)
    assert "不是有效的 Excel 文件" in error.message


@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \r\n"], ids=["zero", "bom", "blank"]
)
def test_empty_file_is_unreadable(tmp_path, content):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    error = refused(ErrorCode.FILE_UNREADABLE, path)
    assert "为空" in error.message


def test_empty_workbook_is_unreadable(tmp_path):
    path = write_xlsx(tmp_path / "empty.xlsx", [])
    error = refused(ErrorCode.FILE_UNREADABLE, path)
    assert "没有数据" in error.message


def test_file_over_the_size_limit(tmp_path):
    people = [person_row(n, remarks="备注" * 200) for n in range(1, 1000)]
    path = write_csv(tmp_path / "big.csv", [HEADERS, *as_lists(people)])
    assert path.stat().st_size > 1024 * 1024
    error = refused(ErrorCode.FILE_TOO_LARGE, path, max_bytes=1024 * 1024)
    assert "上限为 1 MB" in error.message
    with override_settings(UPLOAD_MAX_BYTES=1024 * 1024):
        refused(ErrorCode.FILE_TOO_LARGE, path)
    assert len(read(path, max_bytes=2 * 1024 * 1024)[1]) == 999


# --- the other schemas ------------------------------------------------------------------------


def test_units_schema_aliases(tmp_path):
    header = ["机构名称", "行政区划代码", "上级单位(主管部门)", "机构类别", "编制类型",
              "经费形式", "编制数", "文号", "批准日期"]  # fmt: skip
    data = ["示例市教育局", "370100", "", "政府部门", "行政编制", "财政拨款", 30,
            "济编〔2024〕12号", "2024-03-01"]  # fmt: skip
    table, rows = read(
        write_xlsx(tmp_path / "u.xlsx", [["机构编制台账"], header, data]), UNITS
    )
    assert table.letters["parent_name"] == "C" and table.letters["doc_no"] == "H"
    assert (
        rows[0].values["approved"] == 30 and rows[0].values["region_code"] == "370100"
    )


def test_offquota_schema(tmp_path):
    keys = list(OFFQUOTA.keys)
    row = person_row(1)
    data = [row["unit_name"], "", row["name"], row["id_number"], "劳务派遣", "财政",
            "2024-01-01", ""]  # fmt: skip
    _, rows = read(
        write_csv(tmp_path / "o.csv", [headers_for(keys, OFFQUOTA), data]), OFFQUOTA
    )
    assert rows[0].values["employment_form"] == "劳务派遣"
    assert rows[0].values["end_date"] is None


# --- LibreOffice ---------------------------------------------------------------------------------


@pytest.mark.soffice
def test_libreoffice_plain_and_rare_characters(soffice_dir):
    table, rows = read(soffice_dir / "plain.xlsx")
    source = SOFFICE_SOURCES["plain"]
    assert [r.values["name"] for r in rows] == [line[1] for line in source[1:]]
    assert [r.values["name"] for r in rows][3:] == list(RARE_NAMES[:2])
    ids = [cells.id_number_cell(r.values["id_number"]) for r in rows]
    assert ids == [line[2] for line in source[1:]]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6]


@pytest.mark.soffice
def test_libreoffice_title_and_totals(soffice_dir):
    table, rows = read(soffice_dir / "titled.xlsx")
    assert table.header_line == 3
    assert [r.line for r in rows] == [4, 5, 6, 7, 8]


@pytest.mark.soffice
def test_libreoffice_numeric_ids_are_refused(soffice_dir):
    table, rows = read(soffice_dir / "numeric_ids.xlsx")
    assert table.letters["id_number"] == "A"
    assert len(rows) == 2
    for row in rows:
        assert isinstance(row.values["id_number"], float)
        with pytest.raises(ApplicationError) as caught:
            cells.id_number_cell(row.values["id_number"])
        assert caught.value.code == ErrorCode.ID_INVALID
        assert "以数字形式存储已丢失位数" in caught.value.message


@pytest.mark.soffice
def test_libreoffice_chinese_dates(soffice_dir):
    _, rows = read(soffice_dir / "chinese_dates.xlsx")
    values = [r.values["birth_date"] for r in rows]
    assert isinstance(values[0], dt.date) and values[2] == 199005
    for value in values[:4]:
        assert cells.date_cell(value) == dt.date(1990, 5, 1)
    # "1990.05" became the number 1990.05: the month is no longer certain.
    assert values[4] == pytest.approx(1990.05)
    with pytest.raises(ApplicationError) as caught:
        cells.date_cell(values[4])
    assert caught.value.code == ErrorCode.DATE_INVALID


def test_streamed_xlsx_reads_back_exactly(tmp_path):
    import openpyxl

    path = write_exported(tmp_path / "exported.xlsx")
    table, rows = read(path)
    expected = exported_rows()
    keys = list(ROSTER.keys)
    for row, line in zip(rows, expected, strict=True):
        assert [row.values[k] for k in keys] == [None if v == "" else v for v in line]
    sheet = openpyxl.load_workbook(path).active
    assert sheet.title == ROSTER.title
    assert sheet["E2"].number_format == "@" and sheet["H2"].is_date
    assert sheet.freeze_panes == "A2"


@pytest.mark.soffice
def test_libreoffice_opens_and_resaves_our_export(soffice_dir, tmp_path):
    ours = read(write_exported(tmp_path / "exported.xlsx"))[1]
    resaved = read(soffice_dir / "exported.xlsx")[1]
    assert [r.values for r in resaved] == [r.values for r in ours]
    assert resaved[0].values["name"] == RARE_NAMES[0]


def test_streamed_xlsx_drops_characters_xml_cannot_hold(tmp_path):
    from bianzhi.exchange.xlsx_stream import XlsxStream

    keys = [
        "unit_name",
        "name",
        "id_number",
        "identity",
        "category",
        "funding",
        "remarks",
    ]
    path = tmp_path / "ctl.xlsx"
    stream = XlsxStream(path, sheet="名册<1>", text_columns={2})
    stream.write_header(headers_for(keys))
    row = person_row(1, remarks="备\x01注\x1f")
    stream.write_row([row[k] for k in keys])
    stream.close()
    _, rows = read(path)
    assert rows[0].values["remarks"] == "备注"
