"""Retirement date (DOMAIN §3.5): 渐进式延迟法定退休年龄, in force since 2025-01-01.

Source: 《国务院关于渐进式提高法定退休年龄的办法》 (approved by the NPC Standing
Committee on 2024-09-13) and its three tables (附件1–3), each listing
出生时间 → 改革后法定退休年龄 → 改革后退休时间 by birth month.

The tables work in months only: the retirement month is the birth month plus
the statutory age, e.g. a man born in 1965-01 retires at 60岁1个月 in 2025-02,
whatever his day of birth. **Convention:** the retirement "date" is the first
day of that retirement month. A person counts as at retirement from that day
on, so nobody is enrolled in, or carried past, the month they retire in; the
day of birth plays no part (as in the official tables).

Schemes (birth month index m = months since the first affected birth month):
- men: 60, from births in 1965-01 one month more per 4 birth months, ≤ 63;
- women cadres (公务员, 参公人员, 事业人员 in 管理/专业技术 posts): 55, from
  1970-01, one month per 4, ≤ 58;
- women workers (机关工勤人员, 事业人员 in 工勤技能 posts): 50, from 1975-01, one
  month per 2, ≤ 55.
delay = 0 if m < 0 else min(m // step + 1, max_delay).

Recorded exceptions (models.RetirementException) adjust the base:
- senior_female_cadre_60: 县处级及以上女干部 / 高级职称女性专业技术人员 retire at
  60 (组通字〔2015〕14号). Recording it is the woman's choice; without it she
  keeps the base age. Applied as max(base, 60 years), so it never retires
  anyone earlier.
- flexible_delay (弹性延迟退休, by agreement, ≤ 36 months) and
  senior_expert_extension (高级专家延长退休) add months to the statutory
  date; several extensions do not add up — the latest resulting date wins.
- Nothing goes beyond age 70 (the longest expert extension).
Only exceptions in force on `as_of` count when `as_of` is given.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from bianzhi.core.errors import ApplicationError, ErrorCode

from .values import Gender, Identity, PostType, RetirementExceptionKind


@dataclass(frozen=True)
class Scheme:
    key: str
    label: str
    base_years: int
    first_birth: tuple[int, int]  # (year, month) of the first delayed birth month
    step_months: int  # birth months per one month of delay
    max_delay_months: int


MEN = Scheme("men", "男职工", 60, (1965, 1), 4, 36)
WOMEN_CADRES = Scheme(
    "women_cadres", "原法定退休年龄55周岁的女职工", 55, (1970, 1), 4, 36
)
WOMEN_WORKERS = Scheme(
    "women_workers", "原法定退休年龄50周岁的女职工", 50, (1975, 1), 2, 60
)

SENIOR_FEMALE_CADRE_AGE_MONTHS = 60 * 12
FLEXIBLE_DELAY_MAX_MONTHS = 36
SENIOR_EXPERT_MAX_MONTHS = 120
ABSOLUTE_MAX_AGE_MONTHS = 70 * 12


ExceptionKind = RetirementExceptionKind


class RetirementAdjustment(Protocol):
    """What retirement_date needs of an exception (the model satisfies it)."""

    kind: str
    months: int | None
    effective_from: dt.date
    ended_on: dt.date | None


@dataclass(frozen=True)
class Adjustment:
    """A plain RetirementAdjustment, for tests and imports."""

    kind: str
    months: int | None = None
    effective_from: dt.date = dt.date(1900, 1, 1)
    ended_on: dt.date | None = None


def _month_index(year: int, month: int) -> int:
    return year * 12 + month - 1


def _month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def scheme_for(gender: str, identity: str, post_type: str = "") -> Scheme:
    """Which table of the 办法 applies (DOMAIN §3.5)."""
    if gender == Gender.MALE:
        return MEN
    if gender != Gender.FEMALE:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"性别「{gender}」无效", field="gender"
        )
    if identity in (Identity.CIVIL_SERVANT, Identity.CS_MANAGED):
        return WOMEN_CADRES
    if identity == Identity.LOGISTICS_WORKER:
        return WOMEN_WORKERS
    if identity == Identity.INSTITUTION_STAFF:
        if post_type in (PostType.MANAGEMENT, PostType.PROFESSIONAL):
            return WOMEN_CADRES
        if post_type == PostType.SKILLED_WORKER:
            return WOMEN_WORKERS
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "事业人员须填写岗位类型（管理、专业技术、工勤技能），才能确定退休年龄",
            field="post_type",
        )
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, f"人员身份「{identity}」无效", field="identity"
    )


def statutory_age_months(birth_date: dt.date, scheme: Scheme) -> int:
    """改革后法定退休年龄 in months for a birth month under a scheme."""
    m = _month_index(birth_date.year, birth_date.month) - _month_index(
        *scheme.first_birth
    )
    delay = 0 if m < 0 else min(m // scheme.step_months + 1, scheme.max_delay_months)
    return scheme.base_years * 12 + delay


def date_at_age(birth_date: dt.date, age_months: int) -> dt.date:
    """First day of the month in which a person born on birth_date reaches age."""
    return _month_start(_month_index(birth_date.year, birth_date.month) + age_months)


def format_age(age_months: int) -> str:
    """60岁1个月 / 63岁, as the official tables write it."""
    years, months = divmod(age_months, 12)
    return f"{years}岁{months}个月" if months else f"{years}岁"


@dataclass(frozen=True)
class Retirement:
    scheme: Scheme
    statutory_age_months: int  # after senior_female_cadre_60, before extensions
    date: dt.date  # first day of the retirement month, exceptions applied
    applied: tuple[str, ...]  # kinds of the exceptions in force that count

    @property
    def statutory_age(self) -> str:
        return format_age(self.statutory_age_months)


def in_force(adjustment: RetirementAdjustment, as_of: dt.date | None) -> bool:
    if as_of is None:
        return adjustment.ended_on is None
    return adjustment.effective_from <= as_of and (
        adjustment.ended_on is None or as_of < adjustment.ended_on
    )


def retirement(
    birth_date: dt.date,
    gender: str,
    identity: str,
    post_type: str = "",
    exceptions: Iterable[RetirementAdjustment] = (),
    *,
    as_of: dt.date | None = None,
) -> Retirement:
    """The full computation; retirement_date() returns its date.

    `birth_date` is the certified birth date (DOMAIN §3.4). Without `as_of`,
    every exception not ended counts.
    """
    scheme = scheme_for(gender, identity, post_type)
    age = statutory_age_months(birth_date, scheme)
    active = [e for e in exceptions if in_force(e, as_of)]
    applied: list[str] = []
    for e in active:
        if (
            e.kind == ExceptionKind.SENIOR_FEMALE_CADRE_60
            and age < SENIOR_FEMALE_CADRE_AGE_MONTHS
        ):
            age = SENIOR_FEMALE_CADRE_AGE_MONTHS
            applied.append(e.kind)
    final = age
    for e in active:
        if (
            e.kind
            in (
                ExceptionKind.FLEXIBLE_DELAY,
                ExceptionKind.SENIOR_EXPERT_EXTENSION,
            )
            and (e.months or 0) > 0
        ):
            candidate = min(age + int(e.months or 0), ABSOLUTE_MAX_AGE_MONTHS)
            if candidate > final:
                final = candidate
            applied.append(e.kind)
    return Retirement(scheme, age, date_at_age(birth_date, final), tuple(applied))


def retirement_date(
    birth_date: dt.date,
    gender: str,
    identity: str,
    post_type: str = "",
    exceptions: Iterable[RetirementAdjustment] = (),
    *,
    as_of: dt.date | None = None,
) -> dt.date:
    """First day of the retirement month (see the module docstring)."""
    return retirement(
        birth_date, gender, identity, post_type, exceptions, as_of=as_of
    ).date


def check_exception(kind: str, gender: str, months: int | None) -> None:
    """Refuse an exception that cannot apply (VALUE_INVALID), before recording it."""
    if kind == ExceptionKind.SENIOR_FEMALE_CADRE_60:
        if gender != Gender.FEMALE:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "县处级及以上女干部、高级职称女性60周岁退休只适用于女性",
                field="kind",
            )
        if months:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "该情形退休年龄固定为60周岁，不填月数",
                field="months",
            )
        return
    limits = {
        ExceptionKind.FLEXIBLE_DELAY: (
            FLEXIBLE_DELAY_MAX_MONTHS,
            "弹性延迟退休最长3年（36个月）",
        ),
        ExceptionKind.SENIOR_EXPERT_EXTENSION: (
            SENIOR_EXPERT_MAX_MONTHS,
            "高级专家延长退休最长120个月，且不超过70周岁",
        ),
    }
    if kind not in limits:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"退休例外情形「{kind}」无效", field="kind"
        )
    limit, rule = limits[kind]
    if months is None or not 1 <= months <= limit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"延长月数应为1至{limit}：{rule}",
            field="months",
            params={"months": months},
        )
