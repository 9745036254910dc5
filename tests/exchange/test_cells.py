"""cells.py: the pure parsers of single spreadsheet cells."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.exchange import cells

from .files import RARE_NAMES, make_id


def refused(code: ErrorCode, parser, value) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        parser(value)
    assert caught.value.code == code, caught.value.message
    return caught.value


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("  张三  ", "张三"),
        ("ＡＢＣ１２３", "ABC123"),
        ("（１）", "（1）"),  # Chinese punctuation stays full-width
        ("备注：见附件，共２页", "备注：见附件，共2页"),
        ("欧阳\u3000娜娜", "欧阳 娜娜"),
        ("\u200b王五\ufeff", "王五"),
        (12, "12"),
        (12.0, "12"),
        (3.5, "3.5"),
        (True, "是"),
        (dt.date(2026, 10, 1), "2026-10-01"),
        (dt.datetime(2026, 10, 1), "2026-10-01"),
    ],
)
def test_text(value, expected):
    assert cells.text(value) == expected


@pytest.mark.parametrize("name", [*RARE_NAMES, "\U0002f800祖", "\ufa10本"])
def test_text_keeps_rare_and_compatibility_ideographs_byte_for_byte(name):
    assert cells.text(name).encode("utf-8") == name.encode("utf-8")
    # What NFKC would have done to the compatibility ideographs:
    if name[0] in "\uf900\U0002f800\ufa10" or name[-1] == "\uf900":
        assert unicodedata.normalize("NFKC", name) != name


# --- ID numbers ------------------------------------------------------------------------

VALID = make_id("19900501", "123")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        (VALID, VALID),
        (f"  {VALID}  ", VALID),
        (VALID[:17] + "x", VALID[:17] + "X"),
        (VALID.translate({c: c + 0xFEE0 for c in range(0x30, 0x3A)}), VALID),
        (f"'{VALID}", VALID),
        (f"{VALID[:6]} {VALID[6:14]} {VALID[14:]}", VALID),
        (int("110101199005011230"), "110101199005011230"),  # 18-digit int as text
        ("12345", "12345"),  # wrong length is core.codes' business
    ],
)
def test_id_number_cell(value, expected):
    assert cells.id_number_cell(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        1.10105e17,
        110101199005011234.0,
        "1.10105E+17",
        "1.10105e+17",
        "1.101011990E+017",
        "110101199005011234.0",
        110101900501123,  # 15-digit number
        11010119900501123,  # 17 digits: the X (or a digit) was lost
    ],
)
def test_id_number_stored_as_a_number_is_refused(value):
    error = refused(ErrorCode.ID_INVALID, cells.id_number_cell, value)
    assert (
        error.detail == "身份证号以数字形式存储已丢失位数，请将该列设为文本后重新录入"
    )


def test_id_number_of_other_types_is_refused():
    refused(ErrorCode.ID_INVALID, cells.id_number_cell, dt.date(2020, 1, 1))
    refused(ErrorCode.ID_INVALID, cells.id_number_cell, True)


# --- dates -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        (dt.date(2026, 10, 1), dt.date(2026, 10, 1)),
        (dt.datetime(2026, 10, 1, 8, 30), dt.date(2026, 10, 1)),
        (46296, dt.date(2026, 10, 1)),  # Excel serial
        (46296.75, dt.date(2026, 10, 1)),  # serial with a time of day
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),
        ("46296", dt.date(2026, 10, 1)),  # a serial written out as text
        ("2026-10-01", dt.date(2026, 10, 1)),
        ("2026-10-01 00:00:00", dt.date(2026, 10, 1)),
        ("2026/10/1", dt.date(2026, 10, 1)),
        ("2026.10.01", dt.date(2026, 10, 1)),
        ("2026.10", dt.date(2026, 10, 1)),
        ("2026-10", dt.date(2026, 10, 1)),
        ("2026年10月1日", dt.date(2026, 10, 1)),
        ("2026年10月1号", dt.date(2026, 10, 1)),
        ("2026 年 10 月", dt.date(2026, 10, 1)),
        ("2026年10月", dt.date(2026, 10, 1)),
        ("202610", dt.date(2026, 10, 1)),
        (202610, dt.date(2026, 10, 1)),
        ("20261001", dt.date(2026, 10, 1)),
        (20261001, dt.date(2026, 10, 1)),
        ("２０２６－１０－０１", dt.date(2026, 10, 1)),
    ],
)
def test_date_cell(value, expected):
    assert cells.date_cell(value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2026-02-30", "2026年2月30日不存在"),
        ("2026-13-01", "不存在"),
        ("202613", ""),
        ("1850-01-01", "不在1900—2100之间"),
        ("明年", "应为日期"),
        ("10/01/2026", "应为日期"),
        (2026.1, "2026.1"),  # "2026.10" typed into a number cell
        (1990, "只有年份"),
        ("1990", "只有年份"),
        (0, ""),
        (-5, ""),
        (3_000_000, ""),
        (True, ""),
    ],
)
def test_date_cell_refuses(value, words):
    error = refused(ErrorCode.DATE_INVALID, cells.date_cell, value)
    assert words in error.message


# --- numbers and yes/no ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), (0, 0), (12, 12), (12.0, 12), ("１２", 12),
     (" 1,200 ", 1200), ("30.0", 30)],
)  # fmt: skip
def test_int_cell(value, expected):
    assert cells.int_cell(value) == expected


@pytest.mark.parametrize("value", [-1, 1.5, "1.5", "十", "-3", True, "3人"])
def test_int_cell_refuses(value):
    refused(ErrorCode.QUANTITY_INVALID, cells.int_cell, value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("是", True), ("否", False), ("Y", True), ("n", False),
     ("1", True), ("0", False), (1, True), (0.0, False), ("TRUE", True),
     ("false", False), (True, True), ("Ｙ", True)],
)  # fmt: skip
def test_bool_cell(value, expected):
    assert cells.bool_cell(value) is expected


@pytest.mark.parametrize("value", ["可能", 2, "是的"])
def test_bool_cell_refuses(value):
    error = refused(ErrorCode.VALUE_INVALID, cells.bool_cell, value)
    assert "是" in error.message and "否" in error.message
