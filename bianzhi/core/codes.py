"""Validators for national codes, built on python-stdnum.

ID numbers (GB 11643): stdnum's `ric.validate` also insists that the region
code was valid in the birth year, which rejects most staff over 40 (codes were
issued from the mid-1980s, DOMAIN §3.4). We therefore check the pieces
ourselves with stdnum's own parts: the check digit, the birth date, and the
region code against the national table at *any* time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass

from stdnum import numdb
from stdnum.cn import ric, uscc

from .errors import ApplicationError, ErrorCode

_BRACKETS = re.compile(r"^\[[0-9-]*\]")


def to_halfwidth(value: str) -> str:
    """Full-width letters, digits, brackets and spaces to their ASCII forms."""
    return unicodedata.normalize("NFKC", value)


@dataclass(frozen=True)
class NationalRegion:
    code: str
    name: str
    level: str  # province / city / county
    parent_code: str | None


def _loc_db():
    return numdb.get("cn/loc")


@functools.lru_cache(maxsize=8192)
def national_region(code: str) -> NationalRegion | None:
    """Look a GB/T 2260 code up in the national table (any era), or None.

    Cached: every ID number is checked against its region code, and stdnum's
    table walk was a third of an import's row parsing (bench/import_roster.py);
    the answer is an immutable NationalRegion, so sharing it is safe."""
    code = (code or "").strip()
    if not re.fullmatch(r"\d{6}", code):
        return None
    parts = _loc_db().info(code)
    if len(parts) != 2 or not parts[0][1] or not parts[1][1]:
        return None
    province_name = parts[0][1]["province"]
    # A renamed county reads "[-1991]东郊区,[1992-]东丽区": the last name is current.
    county_name = _BRACKETS.sub("", parts[1][1].get("county", "").split(",")[-1])
    if code.endswith("0000"):
        return NationalRegion(code, province_name, "province", None)
    if code.endswith("00"):
        return NationalRegion(code, county_name, "city", code[:2] + "0000")
    return NationalRegion(code, county_name, "county", code[:4] + "00")


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    gender: str  # "M" / "F"
    region_code: str


def _check_digit(first17: str) -> str:
    # stdnum's calc_check_digit expects the number *with* a check digit and
    # ignores its last character: given only 17 digits it would silently
    # checksum the first 16.
    return ric.calc_check_digit(first17 + "0")


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Normalise and validate a 公民身份号码; 15-digit numbers become 18 digits.

    Raises ApplicationError(ID_INVALID) naming what is wrong.
    """
    raw = to_halfwidth(str(value or "")).strip().replace(" ", "").upper()
    if re.fullmatch(r"\d{15}", raw):
        body = raw[:6] + "19" + raw[6:]
        raw = body + _check_digit(body)
    if re.fullmatch(r"\d(\.\d+)?E\+\d+", raw):
        raise ApplicationError(
            ErrorCode.ID_INVALID,
            "号码被存成了科学计数法数字，已丢失位数",
            params={"value": raw},
        )
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ApplicationError(
            ErrorCode.ID_INVALID, "应为18位（末位可为X）", params={"value": raw}
        )
    if _check_digit(raw[:17]) != raw[17]:
        raise ApplicationError(
            ErrorCode.ID_INVALID, "校验位错误", params={"value": raw}
        )
    try:
        birth = ric.get_birth_date(raw)
    except Exception:
        raise ApplicationError(
            ErrorCode.ID_INVALID, "出生日期无效", params={"value": raw}
        ) from None
    if birth > (today or dt.date.today()) or birth.year < 1900:
        raise ApplicationError(
            ErrorCode.ID_INVALID, "出生日期无效", params={"value": raw}
        )
    if national_region(raw[:6]) is None:
        raise ApplicationError(
            ErrorCode.ID_INVALID,
            "地址码不在国家行政区划代码表中",
            params={"value": raw},
        )
    gender = "M" if int(raw[16]) % 2 == 1 else "F"
    return IdNumber(raw, birth, gender, raw[:6])


def mask_id_number(number: str) -> str:
    """3701**********123X: region prefix and last four only."""
    if len(number) != 18:
        return "*" * len(number)
    return number[:4] + "*" * 10 + number[14:]


# USCC of organs registered by establishment offices: 1 + organ class.
USCC_ORGAN_CLASSES = {"1": "机关", "2": "事业单位", "3": "群团", "9": "其他"}


def parse_uscc(value: str) -> str:
    """Validate a 统一社会信用代码 (GB 32100-2015) issued by an establishment office."""
    raw = to_halfwidth(str(value or "")).strip().upper()
    try:
        code = uscc.validate(raw)
    except Exception:
        raise ApplicationError(
            ErrorCode.USCC_INVALID, "校验未通过", params={"value": raw}
        ) from None
    if code[0] != "1" or code[1] not in USCC_ORGAN_CLASSES:
        raise ApplicationError(
            ErrorCode.USCC_INVALID,
            "机构编制部门登记的代码应以11、12、13或19开头",
            params={"value": raw},
        )
    return code


_DOC_NO = re.compile(
    r"^(?P<agency>[\u4e00-\u9fff]{1,12})〔(?P<year>\d{4})〕(?P<n>\d{1,5})号$"
)
INITIAL_LOAD_DOC_NO = "初始化导入"


def normalise_doc_no(value: str) -> str:
    """Return the canonical 文号 `济编〔2024〕12号`, or raise DOC_NO_INVALID."""
    raw = to_halfwidth(str(value or "")).strip().replace(" ", "")
    if raw == INITIAL_LOAD_DOC_NO:
        return raw
    # NFKC already maps full-width () [] to ASCII; 【】 and 〔〕 survive it.
    for opening in "[(【［（":
        raw = raw.replace(opening, "〔")
    for closing in "])】］）":
        raw = raw.replace(closing, "〕")
    match = _DOC_NO.match(raw)
    if not match or not (1949 <= int(match["year"]) <= 2100):
        raise ApplicationError(
            ErrorCode.DOC_NO_INVALID,
            "应为「机关代字〔年份〕序号号」，例如 济编〔2024〕12号",
            params={"value": value},
        )
    return f"{match['agency']}〔{match['year']}〕{int(match['n'])}号"


def parse_quantity(value: object) -> int:
    """A positive whole number (编制数量), else QUANTITY_INVALID."""
    if isinstance(value, bool):
        raise ApplicationError(ErrorCode.QUANTITY_INVALID, params={"value": value})
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        # Spreadsheet readers hand numeric cells over as floats (3.0).
        if not value.is_integer():
            raise ApplicationError(ErrorCode.QUANTITY_INVALID, params={"value": value})
        number = int(value)
    else:
        text = to_halfwidth(str(value if value is not None else "")).strip()
        if not re.fullmatch(r"\d+", text):
            raise ApplicationError(ErrorCode.QUANTITY_INVALID, params={"value": value})
        number = int(text)
    if number <= 0:
        raise ApplicationError(ErrorCode.QUANTITY_INVALID, params={"value": value})
    return number
