"""Rules of the quota ledger (DOMAIN §3.2) as pure functions over plain values.

Nothing here touches the database: the ledger and the services read the rows,
then ask these functions, which raise ApplicationError with a VALUES.md code
and a Chinese message carrying the numbers. The conditional UPDATEs in
quota.ledger are the last line of defence; these give the readable refusal.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from bianzhi.core.codes import INITIAL_LOAD_DOC_NO, normalise_doc_no, parse_quantity
from bianzhi.core.dates import add_months, parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode

# Plain strings (the values of models.HolderKind / MovementKind / Funding) so
# that this module stays importable without the app registry.
UNIT, RESERVE, POOL, EXTERNAL = "unit", "reserve", "pool", "external"
FUNDING_RANK = {"self": 1, "partial": 2, "full": 3}
FUNDING_LABELS = {"full": "财政拨款", "partial": "财政补贴", "self": "经费自理"}
HOLDER_LABELS = {
    UNIT: "单位",
    RESERVE: "未分配编制",
    POOL: "周转池",
    EXTERNAL: "上级",
}
LOAN_MONTHS = 12  # VALUES.md: pool loan 12 months (default)
APPROVAL_REF_MAX = 120
FUNDING_ALIASES = {label: value for value, label in FUNDING_LABELS.items()} | {
    "全额拨款": "full",
    "全额": "full",
    "差额拨款": "partial",
    "差额补贴": "partial",
    "差额": "partial",
    "自收自支": "self",
    "自筹": "self",
}

# kind -> (holder giving, holder receiving). Conversion is unit -> same unit.
KIND_FLOW: dict[str, tuple[str, str]] = {
    "grant": (RESERVE, UNIT),
    "recall": (UNIT, RESERVE),
    "transfer": (UNIT, UNIT),
    "pool_fund": (RESERVE, POOL),
    "pool_defund": (POOL, RESERVE),
    "loan": (POOL, UNIT),
    "return": (UNIT, POOL),
    "increase_total": (EXTERNAL, RESERVE),
    "write_off": (RESERVE, EXTERNAL),
    "conversion": (UNIT, UNIT),
}
KIND_LABELS = {
    "grant": "核定",
    "recall": "收回",
    "transfer": "划转",
    "pool_fund": "注入周转池",
    "pool_defund": "周转池收回",
    "loan": "借出",
    "return": "归还",
    "increase_total": "核增总量",
    "write_off": "核销",
    "conversion": "编制性质/经费形式调整",
}
# A reversing movement has the shape of the opposite kind (a reversed grant
# is a recall-shaped movement citing the grant).
OPPOSITE_KIND = {
    "grant": "recall",
    "recall": "grant",
    "transfer": "transfer",
    "pool_fund": "pool_defund",
    "pool_defund": "pool_fund",
    "loan": "return",
    "return": "loan",
    "increase_total": "write_off",
    "write_off": "increase_total",
    "conversion": "conversion",
}


@dataclass(frozen=True)
class Leg:
    """One planned leg: which holder, which (category, funding), how much (±)."""

    holder_kind: str
    category: str
    funding: str
    amount: int
    unit_id: int | None = None


class Timing(StrEnum):
    PAST = "past"  # back-dated: office role + reason, history re-checked
    TODAY = "today"
    FUTURE = "future"  # stored as pending, applied by `bianzhi daily`


def classify(effective_date: dt.date, today: dt.date) -> Timing:
    if effective_date < today:
        return Timing.PAST
    if effective_date > today:
        return Timing.FUTURE
    return Timing.TODAY


def check_office(is_office: bool) -> None:
    """Only the establishment office moves quota."""
    if not is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "只有编办人员可以办理编制变动")


def check_backdate(
    timing: Timing, *, is_office: bool, reason: str, doc_no: str = ""
) -> None:
    """Back-dated: office staff with a reason. The initial load (文号「初始化导入」)
    is back-dated by nature and its doc_no says why (as in orgs.rules)."""
    if timing is not Timing.PAST:
        return
    has_reason = bool((reason or "").strip()) or doc_no == INITIAL_LOAD_DOC_NO
    if not is_office or not has_reason:
        raise ApplicationError(
            ErrorCode.BACKDATE_REASON_REQUIRED,
            "生效日期早于今天，须由编办人员填写追溯理由",
            field="reason",
        )


def check_reform(reform: bool, *, is_office_leader: bool, doc_no: str) -> None:
    """A reform reduction may cut below use: office-leader level with a doc_no."""
    if not reform:
        return
    if not is_office_leader:
        raise ApplicationError(
            ErrorCode.REFORM_LEVEL_REQUIRED,
            "改革核减可核减至在用编制以下，须由编办领导及以上决定",
            field="reform",
        )
    if not (doc_no or "").strip():
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "改革核减须引用文号", field="doc_no"
        )


def check_unit_active(status: str, unit_name: str) -> None:
    if status != "active":
        raise ApplicationError(
            ErrorCode.UNIT_INACTIVE, f"{unit_name}已撤销或合并，不得变动编制"
        )


def check_established(
    established_on: dt.date, effective_date: dt.date, unit_name: str
) -> None:
    if effective_date < established_on:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"生效日期{effective_date}早于{unit_name}设立日期{established_on}",
            field="effective_date",
        )


def check_unit_may_hold(
    *,
    unit_kind: str,
    unit_name: str,
    category_code: str,
    category_name: str,
    allowed_unit_kinds: Sequence[str],
    full_funding_only: bool,
    funding: str,
) -> None:
    """VALUES.md unit kind × category; admin/political_legal only full funding.

    Coordination bodies (议事协调机构) hold no quota: no category lists them.
    """
    if unit_kind == "coordination" or unit_kind not in allowed_unit_kinds:
        raise ApplicationError(
            ErrorCode.CATEGORY_NOT_ALLOWED,
            f"{unit_name}不得核定{category_name}",
            field="category",
        )
    check_funding(
        category_name=category_name,
        full_funding_only=full_funding_only,
        funding=funding,
    )


def check_funding(*, category_name: str, full_funding_only: bool, funding: str) -> None:
    if funding not in FUNDING_RANK:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "经费形式应为财政拨款、财政补贴或经费自理",
            field="funding",
        )
    if full_funding_only and funding != "full":
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"{category_name}的经费形式只能为财政拨款",
            field="funding",
        )


def check_approval_ref(approval_ref: str) -> None:
    if len(approval_ref or "") > APPROVAL_REF_MAX:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"审批依据不得超过{APPROVAL_REF_MAX}字",
            field="approval_ref",
        )


def check_balanced(legs: Iterable[Leg]) -> None:
    """Legs sum to zero per (category, funding); no zero legs."""
    totals: dict[tuple[str, str], int] = defaultdict(int)
    count = 0
    for leg in legs:
        if leg.amount == 0:
            raise ApplicationError(ErrorCode.QUOTA_UNBALANCED, "分录金额不能为0")
        totals[(leg.category, leg.funding)] += leg.amount
        count += 1
    if count < 2:
        raise ApplicationError(ErrorCode.QUOTA_UNBALANCED, "至少需要借贷两方")
    off = {key: total for key, total in totals.items() if total}
    if off:
        detail = "；".join(
            f"{cat}·{FUNDING_LABELS.get(fund, fund)}差额{total:+d}"
            for (cat, fund), total in sorted(off.items())
        )
        raise ApplicationError(ErrorCode.QUOTA_UNBALANCED, detail)


def check_leg_shape(kind: str, legs: Sequence[Leg]) -> None:
    """The legs have the holders the movement kind prescribes (DOMAIN §3.2).

    Conversion: one unit account to another account of the same unit, plus the
    two matching legs on the region's external account (see services.quota_conversion).
    """
    if kind not in KIND_FLOW:
        raise ApplicationError(ErrorCode.MOVEMENT_INVALID, f"未知的变动类型{kind}")
    giver, receiver = KIND_FLOW[kind]
    if kind == "conversion":
        unit_legs = [leg for leg in legs if leg.holder_kind == UNIT]
        ext_legs = [leg for leg in legs if leg.holder_kind == EXTERNAL]
        ok = (
            len(legs) == 4
            and len(unit_legs) == 2
            and len(ext_legs) == 2
            and unit_legs[0].unit_id == unit_legs[1].unit_id
            and {leg.amount for leg in unit_legs}
            == {-abs(unit_legs[0].amount), abs(unit_legs[0].amount)}
            and (unit_legs[0].category, unit_legs[0].funding)
            != (unit_legs[1].category, unit_legs[1].funding)
        )
        if not ok:
            raise ApplicationError(
                ErrorCode.MOVEMENT_INVALID, "调整须在同一单位的两个不同编制账户之间进行"
            )
        return
    debits = [leg for leg in legs if leg.amount < 0]
    credits = [leg for leg in legs if leg.amount > 0]
    if (
        len(debits) != 1
        or len(credits) != 1
        or debits[0].holder_kind != giver
        or credits[0].holder_kind != receiver
    ):
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"{KIND_LABELS[kind]}应从{HOLDER_LABELS[giver]}转入{HOLDER_LABELS[receiver]}",
        )
    if kind == "transfer" and debits[0].unit_id == credits[0].unit_id:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID, "划转的转出单位与转入单位不能相同"
        )


def is_reverse_flow(
    *, from_rank: int, from_funding: str, to_rank: int, to_funding: str
) -> bool:
    """Towards a higher category rank or a higher funding rank (DOMAIN §3.4)."""
    return to_rank > from_rank or FUNDING_RANK[to_funding] > FUNDING_RANK[from_funding]


def check_reverse_flow(
    *,
    from_rank: int,
    from_funding: str,
    to_rank: int,
    to_funding: str,
    approval_ref: str,
    description: str,
) -> None:
    if (
        is_reverse_flow(
            from_rank=from_rank,
            from_funding=from_funding,
            to_rank=to_rank,
            to_funding=to_funding,
        )
        and not (approval_ref or "").strip()
    ):
        raise ApplicationError(
            ErrorCode.REVERSE_FLOW,
            f"{description}属逆向调整，须填写特别审批依据",
            field="approval_ref",
        )


def check_reduction(
    *,
    label: str,
    approved: int,
    occupied: int,
    reserved: int,
    amount: int,
    reform: bool,
    on: dt.date | None = None,
) -> None:
    """Reductions take vacancy only; a reform reduction may cut below use, never below 0.

    `amount` is the size of the reduction (positive).
    """
    when = f"于{on}" if on else ""
    if reform:
        if approved < amount:
            raise ApplicationError(
                ErrorCode.QUOTA_NEGATIVE,
                f"{label}{when}核定{approved}名，不足核减{amount}名",
                params={"approved": approved, "amount": amount},
            )
        return
    vacancy = approved - occupied - reserved
    if vacancy < amount:
        raise ApplicationError(
            ErrorCode.QUOTA_NEGATIVE,
            f"{label}{when}空编{vacancy}名（核定{approved}、实有{occupied}、预留{reserved}），"
            f"不足核减{amount}名；核减只能使用空编，改革核减须由编办领导决定",
            params={
                "approved": approved,
                "occupied": occupied,
                "reserved": reserved,
                "amount": amount,
            },
        )


@dataclass(frozen=True)
class BalancePoint:
    """The state of one account at one date (for back-dated and projected checks)."""

    on: dt.date
    approved: int
    occupied: int = 0
    reserved: int = 0


def check_series(
    *, label: str, points: Iterable[BalancePoint], amount: int, reform: bool
) -> None:
    """A reduction of `amount` from the first point on must hold at every point."""
    for point in points:
        check_reduction(
            label=label,
            approved=point.approved,
            occupied=point.occupied,
            reserved=point.reserved,
            amount=amount,
            reform=reform,
            on=point.on,
        )


def check_return(*, outstanding: int, amount: int) -> None:
    if amount > outstanding:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"归还{amount}名超过该笔借用未归还数{outstanding}名",
            field="amount",
            params={"outstanding": outstanding, "amount": amount},
        )


def default_due_date(effective_date: dt.date) -> dt.date:
    return add_months(effective_date, LOAN_MONTHS)


def check_due_date(due_date: dt.date, effective_date: dt.date) -> None:
    if due_date <= effective_date:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"归还期限{due_date}应晚于借出生效日期{effective_date}",
            field="due_date",
        )


def check_reversible(
    *, status: str, is_reversal: bool, already_reversed: bool, description: str
) -> None:
    if status == "flagged":
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID, f"{description}未能入账，无需冲销"
        )
    if is_reversal:
        raise ApplicationError(
            ErrorCode.MOVEMENT_INVALID,
            f"{description}本身是冲销记录，不能再冲销；请按正确内容重新办理",
        )
    if already_reversed:
        raise ApplicationError(ErrorCode.MOVEMENT_INVALID, f"{description}已被冲销")


def check_reason(reason: str, *, what: str) -> None:
    if not (reason or "").strip():
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, f"{what}须填写理由", field="reason"
        )


def parse_funding(value) -> str:
    """A Funding value ("full" / "partial" / "self") or one of its labels."""
    text = str(value or "").strip()
    funding = text if text in FUNDING_RANK else FUNDING_ALIASES.get(text)
    if funding is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "经费形式应为财政拨款、财政补贴或经费自理",
            field="funding",
        )
    return funding


def _with_field(fn, value, field: str):
    try:
        return fn(value)
    except ApplicationError as exc:
        exc.field = field
        raise


_UNSET = object()


@dataclass(frozen=True)
class MovementArgs:
    """The common arguments of a movement, normalised and checked."""

    actor: object  # core.actor.Actor
    doc_no: str
    effective_date: dt.date
    today: dt.date
    timing: Timing
    reason: str
    reform: bool
    approval_ref: str
    funding: str
    amount: int


def movement_args(
    *,
    actor,
    doc_no,
    effective_date,
    today: dt.date,
    reason: str = "",
    reform: bool = False,
    approval_ref: str = "",
    funding=_UNSET,
    amount=_UNSET,
) -> MovementArgs:
    """Check everything that needs no database, in the order users fix them."""
    check_office(actor.is_office)
    doc_no = _with_field(normalise_doc_no, doc_no, "doc_no")
    effective_date = parse_date(effective_date, field="effective_date")
    timing = classify(effective_date, today)
    reason = (reason or "").strip()
    check_backdate(timing, is_office=actor.is_office, reason=reason, doc_no=doc_no)
    check_reform(reform, is_office_leader=actor.is_office_leader, doc_no=doc_no)
    check_approval_ref(approval_ref)
    return MovementArgs(
        actor=actor,
        doc_no=doc_no,
        effective_date=effective_date,
        today=today,
        timing=timing,
        reason=reason,
        reform=bool(reform),
        approval_ref=(approval_ref or "").strip(),
        funding=parse_funding(funding) if funding is not _UNSET else "",
        amount=_with_field(parse_quantity, amount, "amount")
        if amount is not _UNSET
        else 0,
    )
