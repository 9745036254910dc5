"""Identity × category (DOMAIN §3.4), ranks, and the person identity check."""

import datetime as dt

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.rules import (
    identity_fits_category,
    person_identity_check,
    rank_fits,
)

from .conftest import make_id

CS, CSM, IS, LW = "civil_servant", "cs_managed", "institution_staff", "logistics_worker"
# accepted_identities as seeded by quota/0002_seed_categories: the DOMAIN rule
# must hold for the national categories whatever the list says.
SEEDED = {
    "administrative": [CS, CSM],
    "political_legal": [CS],
    "institutional": [IS, CSM],
    "logistics": [LW],
    "veteran_cadre": [CS, IS],
}

# (category, unit kind, unit civil-service-managed) → identities that fit
MATRIX = [
    ("administrative", "gov_dept", False, {CS}),
    ("administrative", "party_dept", False, {CS}),
    ("administrative", "mass_org", True, {CS, CSM}),  # 参公 群团机关
    ("administrative", "mass_org", False, {CS}),
    ("administrative", "democratic_party", False, {CS}),
    ("administrative", "township", False, {CS}),
    ("political_legal", "court", False, {CS}),
    ("political_legal", "gov_dept", False, {CS}),
    ("institutional", "institution", True, {IS, CSM}),  # 参公事业单位
    ("institutional", "institution", False, {IS}),
    ("institutional", "township", False, {IS}),
    ("logistics", "gov_dept", False, {LW}),
    ("logistics", "mass_org", True, {LW}),
    ("veteran_cadre", "party_dept", False, {CS, IS}),
]


@pytest.mark.parametrize("category,unit_kind,cs_managed,fits", MATRIX)
@pytest.mark.parametrize("identity", [CS, CSM, IS, LW])
def test_identity_category_matrix(category, unit_kind, cs_managed, fits, identity):
    args = (identity, category, SEEDED[category], unit_kind, cs_managed)
    if identity in fits:
        identity_fits_category(*args)
        return
    with pytest.raises(ApplicationError) as error:
        identity_fits_category(*args)
    assert error.value.code == ErrorCode.CATEGORY_MISMATCH
    assert error.value.field == "account"


def test_cs_managed_in_a_non_cs_managed_institution_says_why():
    with pytest.raises(ApplicationError) as error:
        identity_fits_category(
            CSM, "institutional", SEEDED["institutional"], "institution", False
        )
    assert "参公人员" in error.value.message
    assert "参照公务员法管理的事业单位" in error.value.message


def test_local_category_accepts_what_it_declares():
    identity_fits_category(IS, "talent_institutional", [IS], "institution", False)
    with pytest.raises(ApplicationError) as error:
        identity_fits_category(
            CS,
            "talent_institutional",
            [IS],
            "institution",
            False,
            category_name="人才专项事业编制",
        )
    assert error.value.code == ErrorCode.CATEGORY_MISMATCH
    assert "人才专项事业编制" in error.value.message
    assert "事业人员" in error.value.message


def test_unknown_identity_is_a_value_error():
    with pytest.raises(ApplicationError) as error:
        identity_fits_category("soldier", "administrative", [CS], "gov_dept", False)
    assert error.value.code == ErrorCode.VALUE_INVALID


@pytest.mark.parametrize(
    "identity,post_type,rank,ok",
    [
        (CS, "", "principal_clerk_1", True),
        (CSM, "", "clerk_2", True),
        (CS, "", "management_8", False),
        (IS, "management", "management_8", True),
        (IS, "professional", "professional_12", True),
        (IS, "professional", "management_8", False),
        (IS, "skilled_worker", "general_worker", True),
        (LW, "", "skilled_3", True),
        (LW, "", "inspector_1", False),
        (CS, "", "", True),
    ],
)
def test_rank_fits(identity, post_type, rank, ok):
    if ok:
        rank_fits(identity, post_type, rank)
    else:
        with pytest.raises(ApplicationError) as error:
            rank_fits(identity, post_type, rank)
        assert error.value.code == ErrorCode.VALUE_INVALID


# --- person identity -----------------------------------------------------


def test_valid_id_gender_and_birth_date():
    number = make_id("19800115", "031")
    check = person_identity_check(number, "男", dt.date(1980, 1, 15))
    assert check.id_number == number
    assert check.gender == "M"
    assert check.certified_birth_date == dt.date(1980, 1, 15)
    assert not check.birth_date_certified


def test_empty_gender_and_birth_date_come_from_the_id():
    check = person_identity_check(make_id("19900305", "042"), "", None)
    assert check.gender == "F"
    assert check.certified_birth_date == dt.date(1990, 3, 5)


def test_gender_disagreeing_with_the_id():
    with pytest.raises(ApplicationError) as error:
        person_identity_check(make_id("19800115", "031"), "F", None)
    assert error.value.code == ErrorCode.ID_MISMATCH
    assert error.value.field == "gender"


def test_bad_check_digit_is_id_invalid():
    number = make_id("19800115", "031")
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ApplicationError) as error:
        person_identity_check(wrong, "M", None)
    assert error.value.code == ErrorCode.ID_INVALID
    assert error.value.field == "id_number"


def test_region_code_newer_than_the_birth_year_is_accepted():
    # 370102 (济南市历下区) was assigned in the 1980s; staff born earlier hold it.
    check = person_identity_check(make_id("19650302", "011", "370102"), "M", None)
    assert check.birth_date == dt.date(1965, 3, 2)


def test_fifteen_digit_number_is_converted():
    check = person_identity_check("110101800115031", "M", None)
    assert check.id_number == make_id("19800115", "031")


def test_birth_date_differing_needs_a_basis():
    number = make_id("19800115", "031")
    with pytest.raises(ApplicationError) as error:
        person_identity_check(number, "M", dt.date(1979, 11, 2))
    assert error.value.code == ErrorCode.BIRTH_DATE_MISMATCH
    check = person_identity_check(
        number, "M", dt.date(1979, 11, 2), "干部档案最早记载（1998年招干登记表）"
    )
    assert check.birth_date == dt.date(1980, 1, 15)
    assert check.certified_birth_date == dt.date(1979, 11, 2)
    assert check.birth_date_certified
    assert check.certified_basis.startswith("干部档案")


def test_month_precision_birth_date_compares_year_and_month():
    number = make_id("19800115", "031")
    check = person_identity_check(
        number, "M", dt.date(1980, 1, 1), month_precision=True
    )
    assert check.certified_birth_date == dt.date(1980, 1, 15)
    with pytest.raises(ApplicationError) as error:
        person_identity_check(number, "M", dt.date(1980, 2, 1), month_precision=True)
    assert error.value.code == ErrorCode.BIRTH_DATE_MISMATCH
