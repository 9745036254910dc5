"""National codes (DOMAIN §3.4, VALUES.md): ID numbers, USCC, doc_no, quantities."""

import datetime as dt

import pytest
from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError

from bianzhi.core.codes import (
    mask_id_number,
    national_region,
    normalise_doc_no,
    parse_id_number,
    parse_quantity,
    parse_uscc,
)
from bianzhi.core.errors import ApplicationError, ErrorCode

TODAY = dt.date(2026, 6, 1)


def make_id(first17: str) -> str:
    # stdnum's calc_check_digit ignores the last character it is given.
    return first17 + ric.calc_check_digit(first17 + "0")


def refused(code: ErrorCode, func, *args, **kwargs) -> ApplicationError:
    with pytest.raises(ApplicationError) as info:
        func(*args, **kwargs)
    assert info.value.code == code
    return info.value


# --- ID numbers -------------------------------------------------------------


def test_valid_18_digit_number():
    number = make_id("11010519491231002")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.region_code == "110105"
    assert ric.is_valid(number)  # our builder agrees with stdnum


def test_wrong_check_digit_refused():
    number = make_id("11010519491231002")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    error = refused(ErrorCode.ID_INVALID, parse_id_number, wrong, today=TODAY)
    assert "校验位" in error.message


def test_check_digit_covers_the_17th_digit():
    # Regression: stdnum's calc_check_digit(17 digits) checksums only 16.
    number = make_id("11010519491231002")
    changed = number[:16] + "4" + number[17]
    refused(ErrorCode.ID_INVALID, parse_id_number, changed, today=TODAY)


def test_impossible_birth_date_refused():
    number = make_id("11010519490230002")
    error = refused(ErrorCode.ID_INVALID, parse_id_number, number, today=TODAY)
    assert "出生日期" in error.message


def test_future_birth_date_refused():
    number = make_id("11010520300101002")
    error = refused(ErrorCode.ID_INVALID, parse_id_number, number, today=TODAY)
    assert "出生日期" in error.message


def test_lowercase_x_accepted():
    number = make_id("11010519491231002")
    assert number.endswith("X")
    assert parse_id_number(number.lower(), today=TODAY).number == number


def test_fullwidth_digits_and_spaces_normalised():
    number = make_id("11010519491231002")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number)
    assert parse_id_number(fullwidth, today=TODAY).number == number
    spaced = f" {number[:6]} {number[6:14]} {number[14:]} "
    assert parse_id_number(spaced, today=TODAY).number == number


def test_15_digit_number_converted_to_18():
    parsed = parse_id_number("110105491231002", today=TODAY)
    assert parsed.number == make_id("11010519491231002")
    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert ric.is_valid(parsed.number)


@pytest.mark.parametrize("value", ["1.10105E+17", "1.10105e+17", 1.1010519491231002e17])
def test_excel_scientific_notation_refused(value):
    error = refused(ErrorCode.ID_INVALID, parse_id_number, value, today=TODAY)
    assert "科学计数法" in error.message and "丢失位数" in error.message


@pytest.mark.parametrize(
    "value", ["", "12345", "11010519491231002Y", "A10105194912310021"]
)
def test_malformed_numbers_refused(value):
    refused(ErrorCode.ID_INVALID, parse_id_number, value, today=TODAY)


def test_region_code_of_a_later_era_accepted_for_older_person():
    # 370102 历下区 is listed [1983-]; numbers were issued from the mid-1980s,
    # so a person born in 1970 holds one (DOMAIN §3.4).
    number = make_id("37010219700101123")
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.region_code == "370102"
    assert parsed.birth_date == dt.date(1970, 1, 1)
    # Why we do not call stdnum's validate: it rejects this real-world number.
    with pytest.raises(ValidationError):
        ric.validate(number)
    assert not ric.is_valid(number)


def test_region_code_not_in_national_table_refused():
    number = make_id("99010219700101123")
    error = refused(ErrorCode.ID_INVALID, parse_id_number, number, today=TODAY)
    assert "地址码" in error.message


def test_gender_from_17th_digit():
    assert parse_id_number(make_id("11010519800101001"), today=TODAY).gender == "M"
    assert parse_id_number(make_id("11010519800101002"), today=TODAY).gender == "F"
    assert parse_id_number(make_id("11010519800101019"), today=TODAY).gender == "M"
    assert parse_id_number(make_id("11010519800101090"), today=TODAY).gender == "F"


def test_mask_id_number():
    assert mask_id_number("37010219700101123X") == "3701**********123X"
    assert mask_id_number("short") == "*****"


def test_national_region_lookup():
    assert national_region("370102").name == "历下区"  # era prefix stripped
    assert national_region("370102").parent_code == "370100"
    assert national_region("370100").level == "city"
    assert national_region("370000").level == "province"
    # A renamed county: the current name, not "东郊区,[1992-]东丽区".
    assert national_region("120110").name == "东丽区"
    assert national_region("990102") is None
    assert national_region("abc") is None


# --- USCC -------------------------------------------------------------------


def make_uscc(first17: str) -> str:
    return first17 + uscc.calc_check_digit(first17)


@pytest.mark.parametrize("prefix", ["11", "12", "13", "19"])
def test_uscc_of_establishment_office_accepted(prefix):
    code = make_uscc(prefix + "370100MB0001234")
    assert parse_uscc(code) == code
    assert parse_uscc(code.lower()) == code


@pytest.mark.parametrize("prefix", ["91", "51", "14", "21"])
def test_uscc_of_other_registrars_refused(prefix):
    code = make_uscc(prefix + "370100MB0001234")
    assert uscc.is_valid(code)
    error = refused(ErrorCode.USCC_INVALID, parse_uscc, code)
    assert "11、12、13或19" in error.message


def test_uscc_bad_check_digit_refused():
    code = make_uscc("11370100MB0001234")
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    refused(ErrorCode.USCC_INVALID, parse_uscc, wrong)
    refused(ErrorCode.USCC_INVALID, parse_uscc, "")


# --- doc_no -----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "济编〔2024〕12号",
        "济编[2024]12号",
        "济编(2024)12号",
        "济编（2024）12号",
        "济编【2024】12号",
        "济编［2024］12号",
        "济编〔２０２４〕１２号",
        " 济编〔2024〕012号 ",
    ],
)
def test_doc_no_normalised(value):
    assert normalise_doc_no(value) == "济编〔2024〕12号"


def test_initial_load_doc_no_accepted():
    assert normalise_doc_no("初始化导入") == "初始化导入"


@pytest.mark.parametrize(
    "value",
    ["", "abc", "济编2024年12号", "济编〔24〕12号", "〔2024〕12号", "济编〔2024〕号"],
)
def test_doc_no_garbage_refused_with_expected_format(value):
    error = refused(ErrorCode.DOC_NO_INVALID, normalise_doc_no, value)
    assert "济编〔2024〕12号" in error.message
    assert "机关代字〔年份〕序号号" in error.message


# --- quantities -------------------------------------------------------------


@pytest.mark.parametrize("value", ["3", 3, "３", " 3 ", 3.0])
def test_quantity_accepted(value):
    assert parse_quantity(value) == 3


@pytest.mark.parametrize("value", ["0", 0, "-1", -1, "1.5", 1.5, "abc", "", None, True])
def test_quantity_refused(value):
    refused(ErrorCode.QUANTITY_INVALID, parse_quantity, value)
