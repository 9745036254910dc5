"""Every export format of a form: xlsx (headers, totals, footer, page setup),
csv, json and pdf; an empty selection exports a valid empty form."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from bianzhi.stats import export
from bianzhi.stats.base import Column, FormResult, Selection, get

from .conftest import TODAY

FORMS = ("overview", "unit_usage", "leader_posts", "ledger")


def compute(name, **selection):
    selection.setdefault("as_of", TODAY)
    return get(name).compute(Selection(label="示例市", **selection))


def sheet_of(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


def test_header_rows_merge_groups():
    columns = [
        Column("name", "单位", kind="text"),
        Column("a", "核定", group="行政编制"),
        Column("b", "实有", group="行政编制"),
        Column("c", "合计"),
    ]
    top, bottom = export.header_rows(columns)
    assert [(h.text, h.col, h.colspan, h.rowspan) for h in top] == [
        ("单位", 0, 1, 2),
        ("行政编制", 1, 2, 1),
        ("合计", 3, 1, 2),
    ]
    assert [h.text for h in bottom] == ["核定", "实有"]
    assert len(export.header_rows([Column("x", "甲")])) == 1


def test_xlsx_has_title_merged_headers_totals_and_footer(world):
    result = compute("overview", region_code="990100")
    ws = sheet_of(export.to_xlsx(result))
    assert ws["A1"].value == "机构编制总体情况表"
    assert "示例市" in ws["A2"].value
    values = [c.value for row in ws.iter_rows(min_row=2, max_row=2) for c in row]
    assert "截至日期：2026-06-15" in values
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A3:A4" in merged  # 区划/单位 spans both header rows
    # 机构数（个）over 合计 + 8 kinds = 9 columns (B..J)
    assert "B3:J3" in merged
    assert ws["B3"].value == "机构数（个）"
    assert ws["B4"].value == "合计"
    header_groups = {ws.cell(3, c).value for c in range(1, ws.max_column + 1)}
    assert "行政编制·财政拨款" in header_groups and "编制合计（名）" in header_groups
    # Rows start at row 5; the 合计 row right after them.
    total_row = 5 + len(result.rows)
    assert ws.cell(total_row, 1).value == "合计"
    keys = [c.key for c in result.columns]
    occupied_col = keys.index("occupied") + 1
    assert ws.cell(total_row, occupied_col).value == result.totals["occupied"]
    assert ws.cell(5, 1).value == result.rows[0].cells["name"]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("填表人") for t in texts)
    assert any(t.startswith("审核人") for t in texts)
    assert any(t.startswith("填报日期") for t in texts)
    # Print setup: A4 landscape, the header rows repeated, a print area.
    assert ws.page_setup.paperSize == 9
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$3:$4"
    assert ws.print_area


@pytest.mark.parametrize("name", FORMS)
def test_every_form_exports_to_xlsx_csv_json(world, name):
    result = compute(
        name, region_code="990100", period_start=TODAY.replace(month=1, day=1)
    )
    ws = sheet_of(export.to_xlsx(result))
    assert ws["A1"].value == result.title
    data = export.to_csv(result)
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == [
        f"{c.group}/{c.label}" if c.group else c.label for c in result.columns
    ]
    assert len(rows) == 1 + len(result.rows)
    records = json.loads(export.to_json(result))
    assert isinstance(records, list) and len(records) == len(result.rows)
    assert all(set(r) == {c.key for c in result.columns} for r in records)


def test_csv_and_json_values(world):
    result = compute("unit_usage", unit_id=world.bureau.pk)
    records = json.loads(export.to_json(result))
    first = records[0]
    assert first["name"] == "示例市财政局"
    assert first["approved"] == result.rows[0].cells["approved"]
    ledger = compute("ledger", region_code="990100")
    assert json.loads(export.to_json(ledger))[0]["effective_date"] == "2026-06-15"
    data = export.to_csv(result).decode("utf-8-sig")
    assert "编制账户/编制类型" in data.splitlines()[0]
    assert "示例市财政局" in data


@pytest.mark.parametrize("name", ["overview", "ledger"])
def test_pdf(world, name):
    result = compute(name, region_code="990100")
    data = export.to_pdf(result)
    assert data.startswith(b"%PDF") and len(data) > 2000


def test_empty_selection_exports(world):
    for name in FORMS:
        result = compute(name, region_code="990103")
        ws = sheet_of(export.to_xlsx(result))
        assert ws["A1"].value == result.title
        texts = [c.value for row in ws.iter_rows() for c in row]
        assert "合计" in texts
        assert json.loads(export.to_json(result)) == []
        assert export.to_csv(result).decode("utf-8-sig").count("\n") == 1
    assert export.to_pdf(compute("overview", region_code="990103")).startswith(b"%PDF")


def test_records_are_keyed_by_columns():
    result = FormResult(
        form="x",
        title="测试表",
        selection=Selection(as_of=TODAY),
        columns=[Column("a", "甲", kind="text"), Column("b", "乙")],
        rows=[],
        totals=None,
    )
    assert export.to_json(result) == b"[]"
    ws = sheet_of(export.to_xlsx(result))
    assert ws["A1"].value == "测试表"
