"""DOMAIN §3.5 against the rows of the official tables (附件1–3 of
《国务院关于渐进式提高法定退休年龄的办法》, 2024): 出生时间 → 改革后法定退休年龄
→ 改革后退休时间. The retirement date is the first day of the retirement month."""

import datetime as dt

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.retirement import (
    MEN,
    WOMEN_CADRES,
    WOMEN_WORKERS,
    Adjustment,
    check_exception,
    format_age,
    retirement,
    retirement_date,
    scheme_for,
)

MAN = ("M", "civil_servant", "")
WOMAN_CADRE = ("F", "civil_servant", "")
WOMAN_WORKER = ("F", "logistics_worker", "")

# (birth year-month, person, statutory age, retirement year-month)
OFFICIAL = [
    # 附件1 男职工 (原60周岁)
    ((1964, 12), MAN, "60岁", (2024, 12)),  # before the reform
    ((1965, 1), MAN, "60岁1个月", (2025, 2)),  # first row
    ((1965, 4), MAN, "60岁1个月", (2025, 5)),
    ((1965, 5), MAN, "60岁2个月", (2025, 7)),
    ((1965, 8), MAN, "60岁2个月", (2025, 10)),
    ((1965, 12), MAN, "60岁3个月", (2026, 3)),
    ((1976, 5), MAN, "62岁11个月", (2039, 4)),
    ((1976, 8), MAN, "62岁11个月", (2039, 7)),
    ((1976, 9), MAN, "63岁", (2039, 9)),  # cap reached
    ((1976, 12), MAN, "63岁", (2039, 12)),
    ((1995, 12), MAN, "63岁", (2058, 12)),
    # 附件2 原法定退休年龄55周岁的女职工
    ((1969, 12), WOMAN_CADRE, "55岁", (2024, 12)),
    ((1970, 1), WOMAN_CADRE, "55岁1个月", (2025, 2)),
    ((1970, 4), WOMAN_CADRE, "55岁1个月", (2025, 5)),
    ((1970, 5), WOMAN_CADRE, "55岁2个月", (2025, 7)),
    ((1971, 4), WOMAN_CADRE, "55岁4个月", (2026, 8)),
    ((1981, 5), WOMAN_CADRE, "57岁11个月", (2039, 4)),
    ((1981, 9), WOMAN_CADRE, "58岁", (2039, 9)),  # cap reached
    ((2000, 12), WOMAN_CADRE, "58岁", (2058, 12)),
    # 附件3 原法定退休年龄50周岁的女职工
    ((1974, 12), WOMAN_WORKER, "50岁", (2024, 12)),
    ((1975, 1), WOMAN_WORKER, "50岁1个月", (2025, 2)),
    ((1975, 2), WOMAN_WORKER, "50岁1个月", (2025, 3)),
    ((1975, 3), WOMAN_WORKER, "50岁2个月", (2025, 5)),
    ((1975, 4), WOMAN_WORKER, "50岁2个月", (2025, 6)),
    ((1984, 9), WOMAN_WORKER, "54岁11个月", (2039, 8)),
    ((1984, 10), WOMAN_WORKER, "54岁11个月", (2039, 9)),
    ((1984, 11), WOMAN_WORKER, "55岁", (2039, 11)),  # cap reached
    ((1995, 12), WOMAN_WORKER, "55岁", (2050, 12)),
]


@pytest.mark.parametrize("birth,person,age,retires", OFFICIAL)
def test_official_table_rows(birth, person, age, retires):
    # The day of birth plays no part: try the first and the last day.
    for day in (1, 28):
        result = retirement(dt.date(*birth, day), *person)
        assert result.statutory_age == age
        assert result.date == dt.date(*retires, 1)
        assert retirement_date(dt.date(*birth, day), *person) == dt.date(*retires, 1)


def test_every_birth_month_steps_by_one_month_until_the_cap():
    for scheme, first, step, cap in (
        (MEN, (1965, 1), 4, 36),
        (WOMEN_CADRES, (1970, 1), 4, 36),
        (WOMEN_WORKERS, (1975, 1), 2, 60),
    ):
        person = {"men": MAN, "women_cadres": WOMAN_CADRE}.get(scheme.key, WOMAN_WORKER)
        for m in range(-3, 160):
            index = first[0] * 12 + first[1] - 1 + m
            birth = dt.date(index // 12, index % 12 + 1, 10)
            delay = 0 if m < 0 else min(m // step + 1, cap)
            result = retirement(birth, *person)
            assert result.statutory_age_months == scheme.base_years * 12 + delay


@pytest.mark.parametrize(
    "gender,identity,post_type,scheme",
    [
        ("M", "logistics_worker", "", MEN),
        ("M", "institution_staff", "skilled_worker", MEN),
        ("F", "civil_servant", "", WOMEN_CADRES),
        ("F", "cs_managed", "", WOMEN_CADRES),
        ("F", "institution_staff", "management", WOMEN_CADRES),
        ("F", "institution_staff", "professional", WOMEN_CADRES),
        ("F", "institution_staff", "skilled_worker", WOMEN_WORKERS),
        ("F", "logistics_worker", "", WOMEN_WORKERS),
    ],
)
def test_scheme_by_identity_and_post_type(gender, identity, post_type, scheme):
    assert scheme_for(gender, identity, post_type) is scheme


def test_woman_institution_staff_needs_a_post_type():
    with pytest.raises(ApplicationError) as error:
        scheme_for("F", "institution_staff", "")
    assert error.value.code == ErrorCode.VALUE_INVALID
    assert error.value.field == "post_type"


def test_format_age():
    assert format_age(720) == "60岁"
    assert format_age(757) == "63岁1个月"


# --- recorded exceptions -------------------------------------------------


def test_senior_female_cadre_retires_at_60():
    birth = dt.date(1970, 1, 20)
    exception = Adjustment("senior_female_cadre_60")
    assert retirement_date(birth, *WOMAN_CADRE) == dt.date(2025, 2, 1)
    assert retirement_date(birth, *WOMAN_CADRE, [exception]) == dt.date(2030, 1, 1)
    result = retirement(birth, *WOMAN_CADRE, [exception])
    assert result.statutory_age == "60岁"
    assert result.applied == ("senior_female_cadre_60",)


def test_flexible_delay_adds_months_to_the_statutory_date():
    birth = dt.date(1965, 1, 5)
    delay = Adjustment("flexible_delay", months=36)
    assert retirement_date(birth, *MAN, [delay]) == dt.date(2028, 2, 1)


def test_extensions_do_not_add_up_the_latest_wins():
    birth = dt.date(1965, 1, 5)
    exceptions = [
        Adjustment("flexible_delay", months=12),
        Adjustment("senior_expert_extension", months=60),
    ]
    assert retirement_date(birth, *MAN, exceptions) == dt.date(2030, 2, 1)


def test_nothing_goes_beyond_age_70():
    birth = dt.date(1990, 6, 1)  # statutory 63
    extension = Adjustment("senior_expert_extension", months=120)
    assert retirement_date(birth, *MAN, [extension]) == dt.date(2060, 6, 1)


def test_senior_female_cadre_and_flexible_delay_combine():
    birth = dt.date(1975, 6, 1)
    exceptions = [
        Adjustment("senior_female_cadre_60"),
        Adjustment("flexible_delay", months=6),
    ]
    assert retirement_date(birth, *WOMAN_CADRE, exceptions) == dt.date(2035, 12, 1)


def test_only_exceptions_in_force_count():
    birth = dt.date(1965, 1, 5)
    ended = Adjustment(
        "flexible_delay",
        months=24,
        effective_from=dt.date(2024, 6, 1),
        ended_on=dt.date(2024, 12, 1),
    )
    future = Adjustment(
        "flexible_delay", months=12, effective_from=dt.date(2024, 12, 1)
    )
    base = dt.date(2025, 2, 1)
    assert retirement_date(birth, *MAN, [ended]) == base
    assert retirement_date(birth, *MAN, [ended], as_of=dt.date(2024, 7, 1)) == dt.date(
        2027, 2, 1
    )
    assert retirement_date(birth, *MAN, [future], as_of=dt.date(2024, 11, 30)) == base
    assert retirement_date(
        birth, *MAN, [future], as_of=dt.date(2024, 12, 1)
    ) == dt.date(2026, 2, 1)


@pytest.mark.parametrize(
    "kind,gender,months",
    [
        ("senior_female_cadre_60", "M", None),
        ("senior_female_cadre_60", "F", 3),
        ("flexible_delay", "M", 37),
        ("flexible_delay", "M", 0),
        ("flexible_delay", "F", None),
        ("senior_expert_extension", "M", 121),
        ("early_retirement", "M", 12),
    ],
)
def test_check_exception_refuses(kind, gender, months):
    with pytest.raises(ApplicationError) as error:
        check_exception(kind, gender, months)
    assert error.value.code == ErrorCode.VALUE_INVALID


@pytest.mark.parametrize(
    "kind,gender,months",
    [
        ("senior_female_cadre_60", "F", None),
        ("flexible_delay", "M", 36),
        ("senior_expert_extension", "F", 60),
    ],
)
def test_check_exception_accepts(kind, gender, months):
    check_exception(kind, gender, months)
