"""Pure rules of the real-name roster (DOMAIN §3.4–3.5).

Functions take plain values, decide, and raise ApplicationError with a
VALUES.md code; they never query the database (release_is_late reads the
working-day table only through the function it is given or core.workdays), so
services, the bulk path and imports apply exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

from bianzhi.core.codes import parse_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota.models import FUNDING_RANK

from .values import GENDER, IDENTITY, POST_TYPE, RANK, Identity, resolve

ADMINISTRATIVE = "administrative"
POLITICAL_LEGAL = "political_legal"
INSTITUTIONAL = "institutional"
LOGISTICS = "logistics"
# The national categories whose identities DOMAIN §3.4 fixes; veteran_cadre
# and local categories accept the identities they declare.
FIXED_CATEGORIES = frozenset(
    {ADMINISTRATIVE, POLITICAL_LEGAL, INSTITUTIONAL, LOGISTICS}
)
_CATEGORY_LABELS = {
    ADMINISTRATIVE: "行政编制",
    POLITICAL_LEGAL: "政法专项编制",
    INSTITUTIONAL: "事业编制",
    LOGISTICS: "工勤编制",
    "veteran_cadre": "老干编制",
}

MIN_ENTRY_AGE = 18
RELEASE_FILING_WORKING_DAYS = 10


# ---------------------------------------------------------------------------
# Identity × category
# ---------------------------------------------------------------------------


def identity_fits_category(
    identity: str,
    category_code: str,
    category_accepted_identities: Iterable[str],
    unit_kind: str,
    unit_cs_managed: bool,
    *,
    category_name: str = "",
) -> None:
    """CATEGORY_MISMATCH (混编混岗) unless the identity may hold this quota.

    civil_servant → administrative / political_legal; cs_managed → institutional
    quota of a civil-service-managed institution, or administrative quota of a
    civil-service-managed mass_org unit; institution_staff → institutional;
    logistics_worker → logistics; other categories → their declared list.
    """
    if identity not in IDENTITY:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"人员身份「{identity}」无效", field="identity"
        )
    name = category_name or _CATEGORY_LABELS.get(category_code, category_code)
    who = IDENTITY.label(identity)
    if category_code not in FIXED_CATEGORIES:
        accepted = list(category_accepted_identities)
        if identity in accepted:
            return
        allowed = "、".join(IDENTITY.label(i) for i in accepted) or "无"
        raise ApplicationError(
            ErrorCode.CATEGORY_MISMATCH,
            f"{who}不能占用{name}；{name}接收：{allowed}",
            field="account",
            params={"identity": identity, "category": category_code},
        )

    fits = {
        Identity.CIVIL_SERVANT: category_code in (ADMINISTRATIVE, POLITICAL_LEGAL),
        Identity.INSTITUTION_STAFF: category_code == INSTITUTIONAL,
        Identity.LOGISTICS_WORKER: category_code == LOGISTICS,
        Identity.CS_MANAGED: unit_cs_managed
        and (
            (category_code == INSTITUTIONAL and unit_kind == "institution")
            or (category_code == ADMINISTRATIVE and unit_kind == "mass_org")
        ),
    }[Identity(identity)]
    if fits:
        return
    hints = {
        Identity.CIVIL_SERVANT: "公务员只能占用行政编制或政法专项编制",
        Identity.INSTITUTION_STAFF: "事业人员只能占用事业编制",
        Identity.LOGISTICS_WORKER: "机关工勤人员只能占用工勤编制",
        Identity.CS_MANAGED: (
            "参公人员只能占用参照公务员法管理的事业单位的事业编制，"
            "或参照公务员法管理的群团机关的行政编制"
        ),
    }
    raise ApplicationError(
        ErrorCode.CATEGORY_MISMATCH,
        f"{who}不能占用该单位的{name}：{hints[Identity(identity)]}",
        field="account",
        params={
            "identity": identity,
            "category": category_code,
            "unit_kind": unit_kind,
            "unit_cs_managed": unit_cs_managed,
        },
    )


def rank_fits(identity: str, post_type: str, rank: str) -> None:
    """VALUE_INVALID when a 职级 belongs to another rank system than the person's."""
    if not rank:
        return
    if rank not in RANK:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"职级「{rank}」无效", field="rank"
        )
    group = RANK.get(rank).extra.get("group")
    if identity in (Identity.CIVIL_SERVANT, Identity.CS_MANAGED):
        expected = {"civil_servant"}
    elif identity == Identity.LOGISTICS_WORKER:
        expected = {"skilled_worker"}
    else:
        expected = (
            {post_type}
            if post_type
            else {"management", "professional", "skilled_worker"}
        )
    if group not in expected:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"职级「{RANK.label(rank)}」与人员身份「{IDENTITY.label(identity)}」"
            + (f"、岗位类型「{POST_TYPE.label(post_type)}」" if post_type else "")
            + "不符",
            field="rank",
        )


# ---------------------------------------------------------------------------
# Age
# ---------------------------------------------------------------------------


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Full years (周岁) on `day`. Born 29 Feb: a year older from 1 Mar in common years."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_allows_entry(
    birth_date: dt.date, start_date: dt.date, retirement_date: dt.date
) -> None:
    """AGE_OUT_OF_RANGE: under 18 at start, or start on/after the retirement date.

    `birth_date` is the certified birth date; `retirement_date` the first day
    of the retirement month (retirement.py).
    """
    age = age_on(birth_date, start_date)
    if age < MIN_ENTRY_AGE:
        raise ApplicationError(
            ErrorCode.AGE_OUT_OF_RANGE,
            f"入编时未满{MIN_ENTRY_AGE}周岁（{start_date:%Y-%m-%d}时{age}周岁）",
            field="start_date",
            params={"age": age},
        )
    if start_date >= retirement_date:
        raise ApplicationError(
            ErrorCode.AGE_OUT_OF_RANGE,
            f"已到退休时间（{retirement_date:%Y年%m月}），不得入编",
            field="start_date",
            params={"retirement_date": retirement_date.isoformat()},
        )


def past_retirement(on: dt.date, retirement_date: dt.date) -> bool:
    """For the initial load: loaded but flagged when already past retirement."""
    return on >= retirement_date


# ---------------------------------------------------------------------------
# Reverse flow
# ---------------------------------------------------------------------------


def reverse_flow_reasons(
    from_category_rank: int,
    from_funding: str,
    to_category_rank: int,
    to_funding: str,
    from_identity: str,
    to_identity: str,
) -> list[str]:
    """Why a move counts as reverse flow (逆向流动); empty when it does not."""
    reasons = []
    if FUNDING_RANK[to_funding] > FUNDING_RANK[from_funding]:
        reasons.append("经费形式由低向高（经费自理 < 财政补贴 < 财政拨款）")
    if to_category_rank > from_category_rank:
        reasons.append("编制类型由低向高（工勤 < 事业 < 行政/政法专项）")
    if from_identity == Identity.CS_MANAGED and to_identity == Identity.CIVIL_SERVANT:
        reasons.append("参公人员转为公务员")
    return reasons


def reverse_flow(
    from_category_rank: int,
    from_funding: str,
    to_category_rank: int,
    to_funding: str,
    from_identity: str,
    to_identity: str,
) -> bool:
    """True when the move needs a special approval (DOMAIN §3.4)."""
    return bool(
        reverse_flow_reasons(
            from_category_rank,
            from_funding,
            to_category_rank,
            to_funding,
            from_identity,
            to_identity,
        )
    )


def check_reverse_flow(
    *,
    from_category_rank: int,
    from_funding: str,
    to_category_rank: int,
    to_funding: str,
    from_identity: str,
    to_identity: str,
    approval_ref: str = "",
) -> bool:
    """REVERSE_FLOW when the move needs a special approval and none is cited.

    Returns whether the approval reference was needed.
    """
    reasons = reverse_flow_reasons(
        from_category_rank,
        from_funding,
        to_category_rank,
        to_funding,
        from_identity,
        to_identity,
    )
    if reasons and not (approval_ref or "").strip():
        raise ApplicationError(
            ErrorCode.REVERSE_FLOW,
            "；".join(reasons) + "，请填写特别审批依据",
            field="approval_ref",
        )
    return bool(reasons)


# ---------------------------------------------------------------------------
# Capacity and the over-quota policy
# ---------------------------------------------------------------------------

IntakeResource = Literal["vacancy", "permit_reservation", "credit"]
POLICY_NONE = "none"
POLICY_N_OUT_1_IN = "n_out_1_in"


def can_take_intake(
    approved: int,
    occupied: int,
    reserved: int,
    policy: str,
    credits: int,
    own_permit_reservation: bool,
) -> IntakeResource:
    """Which resource an intake into this account consumes, or a refusal.

    - "permit_reservation": the account is the subject of the person's own
      permit; its reservation becomes the posting (occupied +1, reserved −1).
      Only while the reservation is still backed (reserved ≥ 1 and occupied <
      approved): a reform cut that made the account over quota suspends it.
    - "vacancy": approved − occupied − reserved ≥ 1.
    - "credit": the account is full or over by occupation (occupied ≥
      approved), the region's policy is N-out-1-in and an intake credit earned
      this year is left (`credits` = credits still valid, see credits_valid).
    Else QUOTA_OVER_NO_INTAKE (over quota, policy none) or QUOTA_FULL.
    """
    vacancy = approved - occupied - reserved
    numbers = (
        f"核定{approved}名，实有{occupied}名，预留{reserved}名，空编{max(vacancy, 0)}名"
    )
    if own_permit_reservation and reserved >= 1 and occupied < approved:
        return "permit_reservation"
    if vacancy >= 1:
        return "vacancy"
    over = occupied - approved
    if policy == POLICY_N_OUT_1_IN and occupied >= approved and credits >= 1:
        return "credit"
    if over > 0 and policy != POLICY_N_OUT_1_IN:
        raise ApplicationError(
            ErrorCode.QUOTA_OVER_NO_INTAKE,
            f"{numbers}，超编{over}名",
            field="account",
            params={"approved": approved, "occupied": occupied, "over": over},
        )
    detail = numbers
    if over > 0:
        detail += f"，超编{over}名，尚无出编换得的进人额度"
    elif reserved and vacancy <= 0:
        detail += "（空编已被用编计划或核准预留）"
    raise ApplicationError(
        ErrorCode.QUOTA_FULL,
        detail,
        field="account",
        params={
            "approved": approved,
            "occupied": occupied,
            "reserved": reserved,
            "credits": credits,
        },
    )


class CreditUpdate(NamedTuple):
    releases_toward_credit: int  # new counter value
    credits_earned: int  # 0 or 1, to add to the account's intake credits


def credit_after_release(
    releases_per_intake: int | None, releases_toward_credit: int, over: int | bool
) -> CreditUpdate:
    """Count a release toward the N-out-1-in credit (DOMAIN §3.4).

    `releases_per_intake` is the region's N, None under policy none; `over` is
    the account's excess (occupied − approved, or a bool) just before this
    release: only releases recorded while over quota count. Every N of them
    earn one intake credit. A release outside over-quota clears a partial count.
    """
    if not releases_per_intake or not over or over < 0:
        return CreditUpdate(0, 0)
    count = releases_toward_credit + 1
    if count >= releases_per_intake:
        return CreditUpdate(0, 1)
    return CreditUpdate(count, 0)


def credits_valid(credits: int, credits_year: int | None, today: dt.date) -> int:
    """Credits are valid to the end of the year they were earned in."""
    return credits if credits_year == today.year else 0


# ---------------------------------------------------------------------------
# Release filing
# ---------------------------------------------------------------------------


def release_is_late(
    exit_date: dt.date,
    filed_date: dt.date,
    working_days_between: Callable[[dt.date, dt.date], int] | None = None,
    *,
    limit: int = RELEASE_FILING_WORKING_DAYS,
) -> bool:
    """Filed more than `limit` working days after the exit date (day 0 = exit).

    Within the window unit HR files it as a normal write; a late one needs
    office staff with a reason (DOMAIN §3.4). `working_days_between(a, b)`
    counts working days after a up to and including b (core.workdays).
    """
    if filed_date <= exit_date:
        return False
    if working_days_between is None:
        from bianzhi.core.workdays import working_days_between as count

        working_days_between = count
    return working_days_between(exit_date, filed_date) > limit


# ---------------------------------------------------------------------------
# Person identity
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdentityCheck:
    id_number: str  # normalised 18 characters
    gender: str  # "M" / "F", from the ID
    birth_date: dt.date  # from the ID
    certified_birth_date: dt.date
    certified_basis: str

    @property
    def birth_date_certified(self) -> bool:
        """The flagged, approved mismatch state of DOMAIN §3.4."""
        return self.certified_birth_date != self.birth_date


def person_identity_check(
    id_number: str,
    gender: str | None,
    birth_date: dt.date | None,
    certified_basis: str = "",
    *,
    month_precision: bool = False,
    today: dt.date | None = None,
) -> IdentityCheck:
    """Validate a person's ID number against the gender and birth date given.

    ID_INVALID (core.codes.parse_id_number); ID_MISMATCH when the gender
    disagrees with the ID; BIRTH_DATE_MISMATCH when the birth date differs
    from the ID's without a certified basis (以档案最先记载的出生时间为准).
    Empty gender / birth date take the ID's. `month_precision`: the birth date
    came as 出生年月, so only year and month are compared. Returns the certified
    birth date with the normalised parts.
    """
    try:
        parsed = parse_id_number(id_number, today=today)
    except ApplicationError as error:
        error.field = error.field or "id_number"
        raise
    if gender:
        code = resolve(GENDER, gender, field="gender")
        if code != parsed.gender:
            raise ApplicationError(
                ErrorCode.ID_MISMATCH,
                f"填写为{GENDER.label(code)}，身份证号码为{GENDER.label(parsed.gender)}性",
                field="gender",
            )
    basis = (certified_basis or "").strip()
    certified = parsed.birth_date
    if birth_date is not None:
        same = (
            (birth_date.year, birth_date.month)
            == (parsed.birth_date.year, parsed.birth_date.month)
            if month_precision
            else birth_date == parsed.birth_date
        )
        if not same:
            if not basis:
                raise ApplicationError(
                    ErrorCode.BIRTH_DATE_MISMATCH,
                    f"填写{birth_date:%Y-%m-%d}，身份证号码为{parsed.birth_date:%Y-%m-%d}",
                    field="birth_date",
                )
            certified = birth_date
    return IdentityCheck(
        parsed.number,
        parsed.gender,
        parsed.birth_date,
        certified,
        basis if certified != parsed.birth_date else "",
    )
