"""Pure parsers of single spreadsheet cells (EXCHANGE.md, VALUES.md).

Each takes the raw value a reader produced (str, int, float, bool, date,
datetime or None) and returns a clean Python value, or raises ApplicationError
with a Chinese description of the problem. They know nothing of rows or
columns: the importer adds 行/列 to the message.

Width normalisation here is a fixed table (full-width ASCII and the
ideographic space), never NFKC: NFKC also rewrites CJK compatibility
ideographs (U+F900..U+FAFF, U+2F800..) to their unified twins, which changes a
person's name. Rare characters (生僻字, e.g. 𠮷 䶮 堃) must come out byte for
byte as they went in.
"""

from __future__ import annotations

import datetime as dt
import re

from bianzhi.core.errors import ApplicationError, ErrorCode

# Full-width ASCII U+FF01..U+FF5E -> U+0021..U+007E; ideographic space and
# no-break space -> space. Zero-width characters pasted from web pages vanish.
_WIDTH: dict[int, int | None] = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = 0x20
_WIDTH[0x00A0] = 0x20
for _invisible in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF):
    _WIDTH[_invisible] = None

# The 1900 date system of Excel: serial 1 is 1900-01-01 and the (non-existent)
# 1900-02-29 is serial 60, so serials from 61 on count from 1899-12-30.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MAX_SERIAL = 2958465  # 9999-12-31
_YEARS = range(1900, 2101)

# For free text only letters, digits and spaces are narrowed: full-width
# punctuation （）：，；is the correct form in Chinese prose (备注, 认定依据).
_TEXT_WIDTH: dict[int, int | None] = {
    code: target
    for code, target in _WIDTH.items()
    if target is None or target == 0x20 or chr(target).isalnum()
}

ID_AS_NUMBER = "身份证号以数字形式存储已丢失位数，请将该列设为文本后重新录入"


def halfwidth(value: str) -> str:
    """Full-width ASCII (letters, digits, punctuation) and spaces to
    half-width; everything else untouched. For parsing codes and dates."""
    return value.translate(_WIDTH)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not halfwidth(value).strip())


def _number_text(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    return repr(value)


def text(value: object) -> str:
    """A cell as trimmed text: None -> "", 12.0 -> "12", full-width letters,
    digits and spaces -> half-width (Chinese punctuation （），stays)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).translate(_TEXT_WIDTH).strip()


_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?E[+-]?\d+$")
_DECIMAL = re.compile(r"^\d+\.\d*$")


def _id_lost_digits(value: object) -> ApplicationError:
    return ApplicationError(
        ErrorCode.ID_INVALID, ID_AS_NUMBER, params={"value": text(value)}
    )


def id_number_cell(value: object) -> str:
    """An ID number as text: "" when empty, else normalised (upper-case X).

    Refuses what a spreadsheet has already damaged: a number cell with 18
    digits cannot be exact in a float (Excel keeps 15 significant digits), so
    any float, any "1.10105E+17" string and any "110105199003071234.0" string is
    refused, never guessed; a whole number of 15 or 17 digits is refused too
    (an ID typed into a number cell, its X or leading digits gone). The checksum
    is checked later by core.codes.parse_id_number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        raise ApplicationError(
            ErrorCode.ID_INVALID, "应为18位（末位可为X）", params={"value": str(value)}
        )
    if isinstance(value, float):
        raise _id_lost_digits(value)
    if isinstance(value, int):
        digits = str(abs(value))
        if len(digits) in (15, 17):
            raise _id_lost_digits(value)
        return digits
    if isinstance(value, dt.date):
        raise ApplicationError(
            ErrorCode.ID_INVALID, "应为18位（末位可为X）", params={"value": text(value)}
        )
    raw = re.sub(r"\s+", "", halfwidth(str(value))).upper()
    # A leading apostrophe is how Excel users force text; CSV keeps it literally.
    raw = raw.lstrip("'‘’`")
    if _SCIENTIFIC.match(raw) or _DECIMAL.match(raw):
        raise _id_lost_digits(raw)
    return raw


# --- dates ----------------------------------------------------------------------

_DATE_PATTERNS = (
    # 2026-10-01, 2026/10/1, 2026.10.1, 2026年10月1日 (号), with an optional time.
    re.compile(
        r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*[日号]?"
        r"(?:[T\s]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
    ),
    # 2026-10, 2026/10, 2026.10, 2026年10月 (month precision).
    re.compile(r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?$"),
    # 20261001
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
    # 202610
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})$"),
)


def _expected() -> str:
    return "应为日期，如 2026-10-01、2026/10/1、2026年10月1日、2026.10 或 202610"


def _build(year: int, month: int, day: int, raw: object) -> dt.date:
    if year not in _YEARS:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"年份{year}不在1900—2100之间",
            params={"value": text(raw)},
        )
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"{year}年{month}月{day}日不存在",
            params={"value": text(raw)},
        ) from None


def _from_serial(serial: int, raw: object) -> dt.date:
    if serial < 1 or serial > _MAX_SERIAL:
        raise ApplicationError(
            ErrorCode.DATE_INVALID, _expected(), params={"value": text(raw)}
        )
    if serial < 61:
        return dt.date(1899, 12, 31) + dt.timedelta(days=serial)
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def _from_number(value: int | float, raw: object) -> dt.date:
    if isinstance(value, float) and not value.is_integer():
        if int(value) in _YEARS:
            # 2026.10 typed into a number cell is stored as 2026.1: the month
            # is ambiguous, so refuse rather than guess October or January.
            raise ApplicationError(
                ErrorCode.DATE_INVALID,
                "年月被存成了数字（如2026.10会变成2026.1），请将该列设为文本或日期后重新录入",
                params={"value": text(raw)},
            )
        return _from_serial(int(value), raw)
    number = int(value)
    digits = str(number)
    if number in _YEARS:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            "只有年份，请填写到月，如 2026.10 或 2026年10月",
            params={"value": digits},
        )
    if len(digits) == 8:
        return _build(int(digits[:4]), int(digits[4:6]), int(digits[6:]), raw)
    if len(digits) == 6 and int(digits[:4]) in _YEARS and 1 <= int(digits[4:]) <= 12:
        return _build(int(digits[:4]), int(digits[4:]), 1, raw)
    return _from_serial(number, raw)


def date_cell(value: object) -> dt.date | None:
    """A date: date/datetime objects, Excel serials and the Chinese text forms.

    Month-only forms (2026.10, 2026年10月, 202610) give the first of the month.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ApplicationError(ErrorCode.DATE_INVALID, _expected())
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float):
        return _from_number(value, value)
    raw = halfwidth(str(value)).strip()
    if not raw:
        return None
    for pattern in _DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            parts = match.groupdict()
            return _build(
                int(parts["y"]), int(parts["m"]), int(parts.get("d") or 1), value
            )
    # A serial written out as text (a CSV saved from a sheet showing numbers).
    if re.fullmatch(r"\d{1,7}(\.\d+)?", raw):
        number = float(raw)
        return _from_number(int(number) if number.is_integer() else number, value)
    raise ApplicationError(ErrorCode.DATE_INVALID, _expected(), params={"value": raw})


# --- numbers and yes/no -------------------------------------------------------------


def int_cell(value: object) -> int | None:
    """A non-negative whole number ("12", 12, 12.0, "1,200"), None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ApplicationError(
            ErrorCode.QUANTITY_INVALID, "应为整数", params={"value": text(value)}
        )
    number: int | None = None
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if value.is_integer():
            number = int(value)
    elif isinstance(value, str):
        raw = re.sub(r"[\s,]", "", halfwidth(value))
        if not raw:
            return None
        if re.fullmatch(r"\d+(\.0*)?", raw):
            number = int(raw.split(".")[0])
    if number is None or number < 0:
        raise ApplicationError(
            ErrorCode.QUANTITY_INVALID,
            "应为不小于0的整数",
            params={"value": text(value)},
        )
    return number


_TRUE = {"是", "y", "yes", "1", "true", "t", "√", "✓"}
_FALSE = {"否", "n", "no", "0", "false", "f", "×", "✗"}


def bool_cell(value: object) -> bool | None:
    """是/否 (Y/N, 1/0, true/false), None when empty."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    raw = re.sub(r"\s+", "", halfwidth(str(value))).casefold()
    if not raw:
        return None
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, "应填「是」或「否」", params={"value": text(value)}
    )
