"""Pure rules of units and regions (DOMAIN §3.1, §3.6).

Functions here take plain values, decide, and raise ApplicationError with a
VALUES.md code; they never touch the database, so services, the daily job and
imports apply exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from bianzhi.core.actor import Actor
from bianzhi.core.codes import INITIAL_LOAD_DOC_NO, parse_uscc, to_halfwidth
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import (
    CS_MANAGED_KINDS,
    IN_CAP_KINDS,
    SECTORS,
    InstitutionClass,
    UnitKind,
    UnitRank,
)

UNIT_KINDS = frozenset(UnitKind.values)
UNIT_RANKS = frozenset(UnitRank.values)
INSTITUTION_CLASSES = frozenset(InstitutionClass.values)
_IN_CAP = frozenset(str(k) for k in IN_CAP_KINDS)
_CS_MANAGED = frozenset(str(k) for k in CS_MANAGED_KINDS)
LEVEL_ORDER = {"province": 1, "city": 2, "county": 3}


def require_office(actor: Actor) -> None:
    """Only the establishment office (or the system acting for it) writes orgs data."""
    if not actor.is_office:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "机构、三定、限额和职数只能由编办人员维护"
        )


def check_backdate(
    *,
    actor: Actor,
    effective_date: dt.date,
    today: dt.date,
    reason: str,
    doc_no: str = "",
) -> None:
    """A write effective before today needs office staff and a reason.

    The initial load (文号「初始化导入」) is back-dated by nature and says why in
    its doc_no, so it needs no separate reason.
    """
    if effective_date >= today:
        return
    if not actor.is_office or (
        not (reason or "").strip() and doc_no != INITIAL_LOAD_DOC_NO
    ):
        raise ApplicationError(
            ErrorCode.BACKDATE_REASON_REQUIRED,
            f"生效日期{effective_date}早于今天{today}",
            field="reason",
        )


def require_name(value: str, *, field: str = "name", label: str = "名称") -> str:
    name = (value or "").strip()
    if not name:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, f"{label}不能为空", field=field
        )
    return name


def require_choice(
    value: str, allowed: Iterable[str], *, field: str, label: str
) -> str:
    value = (value or "").strip() if isinstance(value, str) else value
    if value not in set(allowed):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"{label}「{value}」不在允许范围内",
            field=field,
            params={"value": value},
        )
    return value


def clean_uscc(value: str) -> str:
    """Empty (pending registration) or a valid organ USCC."""
    raw = (value or "").strip()
    if not raw:
        return ""
    try:
        return parse_uscc(raw)
    except ApplicationError as exc:
        exc.field = "uscc"
        raise


def clean_sector(value: str) -> str:
    sector = (value or "").strip().upper()
    if sector and sector not in SECTORS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"行业门类「{value}」应为GB/T 4754的A–T之一",
            field="sector",
        )
    return sector


def check_unit_attributes(
    *,
    kind: str,
    rank: str,
    institution_class: str,
    sector: str,
    civil_service_managed: bool,
    in_cap: bool,
    uscc: str,
) -> None:
    """The combinations DOMAIN §3.1 allows, on one (possibly future) unit state."""
    require_choice(kind, UNIT_KINDS, field="kind", label="机构类别")
    require_choice(rank, UNIT_RANKS, field="rank", label="机构规格")
    is_institution = kind == UnitKind.INSTITUTION
    if institution_class:
        require_choice(
            institution_class,
            INSTITUTION_CLASSES,
            field="institution_class",
            label="事业单位类别",
        )
        if not is_institution:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "只有事业单位才有事业单位类别",
                field="institution_class",
            )
    if sector:
        clean_sector(sector)
        if not is_institution:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "只有事业单位才填写行业", field="sector"
            )
    if civil_service_managed and kind not in _CS_MANAGED:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "参照公务员法管理仅适用于事业单位和群团机关",
            field="civil_service_managed",
        )
    if in_cap and kind not in _IN_CAP:
        raise ApplicationError(
            ErrorCode.IN_CAP_KIND, f"机构类别为{UnitKind(kind).label}", field="in_cap"
        )
    if uscc and kind == UnitKind.COORDINATION:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "议事协调机构不登记统一社会信用代码",
            field="uscc",
        )


def check_agency_cap(
    *, region_name: str, on: dt.date, cap: int | None, count_with_new: int
) -> None:
    """Active in-cap units ≤ cap at every date; no cap recorded → nothing refused."""
    if cap is not None and count_with_new > cap:
        raise ApplicationError(
            ErrorCode.AGENCY_CAP_EXCEEDED,
            f"{region_name}{on}起机构限额{cap}个，计入限额的机构将达{count_with_new}个",
            field="in_cap",
            params={"cap": cap, "count": count_with_new, "date": on.isoformat()},
        )


def check_internal_bodies(
    *, unit_name: str, on: dt.date, approved: int | None, count_with_new: int
) -> None:
    """Internal bodies ≤ the mandate in force; no mandate → nothing refused."""
    if approved is not None and count_with_new > approved:
        raise ApplicationError(
            ErrorCode.INTERNAL_BODIES_EXCEEDED,
            f"{unit_name}{on}起核定内设机构{approved}个，将达{count_with_new}个",
            params={
                "approved": approved,
                "count": count_with_new,
                "date": on.isoformat(),
            },
        )


def check_not_before_establishment(
    *, effective_date: dt.date, established_on: dt.date
) -> None:
    if effective_date < established_on:
        raise ApplicationError(
            ErrorCode.DATE_INVALID,
            f"生效日期{effective_date}早于单位设立日期{established_on}",
            field="effective_date",
        )


def check_region_levels(*, level: str, parent_level: str | None) -> None:
    """A region sits below a region of a higher level (province > city > county)."""
    require_choice(level, LEVEL_ORDER, field="level", label="层级")
    if parent_level is None:
        return
    if LEVEL_ORDER[parent_level] >= LEVEL_ORDER[level]:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "上级行政区划的层级必须高于本级",
            field="parent",
        )


def non_negative_int(value, *, field: str, label: str) -> int:
    """A whole number ≥ 0 (approved internal bodies and leader posts may be 0)."""
    if isinstance(value, bool):
        raise ApplicationError(ErrorCode.QUANTITY_INVALID, label, field=field)
    if isinstance(value, int):
        number = value
    else:
        text = to_halfwidth(str(value if value is not None else "")).strip()
        if not re.fullmatch(r"\d+", text):
            raise ApplicationError(
                ErrorCode.QUANTITY_INVALID,
                f"{label}应为不小于0的整数",
                field=field,
                params={"value": value},
            )
        number = int(text)
    if number < 0:
        raise ApplicationError(
            ErrorCode.QUANTITY_INVALID, f"{label}应为不小于0的整数", field=field
        )
    return number
