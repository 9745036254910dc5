"""Resolve ids in paths, query strings and bodies through accounts.access.

Order of refusals for a write: first "may this user's roles do this kind of
write anywhere at all?" (403 ROLE_FORBIDDEN, the same answer for every id, so
it tells nothing about which objects exist), then the object's scope (404
OUT_OF_SCOPE), then the covering role (403). Reads go straight to scope, so
a user sees 404 for anything outside theirs.

Ids named in a request *body* of a write (target unit, parent, region of a
new unit) distinguish a malformed or non-existent id (UNIT_UNKNOWN /
REGION_UNKNOWN, with the field) from an existing one outside the user's scope
(OUT_OF_SCOPE). Only a user who may write somewhere gets that far, i.e. office
staff. In a read's query string only a malformed id is UNIT_UNKNOWN /
REGION_UNKNOWN; a well-formed id that does not exist answers OUT_OF_SCOPE like
one outside the scope, so a unit's HR cannot probe which ids exist.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, QuerySet

from bianzhi.accounts.access import (
    access_region,
    access_unit,
    region_codes_in_scope,
    require,
    units_in_scope,
)
from bianzhi.core.actor import Actor
from bianzhi.core.codes import to_halfwidth
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.orgs.models import InternalBody, Region, Unit
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.models import Loan, QuotaCategory, QuotaMovement


def _relabel(exc: ApplicationError, field: str | None) -> ApplicationError:
    if not field or exc.field:
        return exc
    return ApplicationError(exc.code, exc.detail, field=field, params=exc.params)


def may_write(user, permission: str) -> Actor:
    """403 before any lookup when no role of the user allows the write."""
    return require(user, permission)


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        # Outside a BIGINT no row can match; don't send it to the database.
        return value if 0 < value < 2**63 else None
    text = to_halfwidth(str(value if value is not None else "")).strip()
    return int(text) if re.fullmatch(r"\d{1,18}", text) else None


def unit_ref(
    user,
    value: Any,
    *,
    field: str,
    permission: str = Permission.VIEW_ORGS,
    name_unknown: bool = True,
) -> tuple[Unit, Actor]:
    """A unit named in a body (name_unknown) or a query string."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "缺少单位编号", field=field)
    pk = _as_int(value)
    if pk is None or (name_unknown and not Unit.objects.filter(pk=pk).exists()):
        raise ApplicationError(
            ErrorCode.UNIT_UNKNOWN,
            f"编号 {value}",
            field=field,
            params={"value": value},
        )
    try:
        return access_unit(user, pk, permission)
    except ApplicationError as exc:
        raise _relabel(exc, field) from None


def region_ref(
    user,
    value: Any,
    *,
    field: str,
    permission: str = Permission.VIEW_ORGS,
    name_unknown: bool = True,
) -> tuple[Region, Actor]:
    """A region code named in a body (name_unknown) or a query string."""
    code = to_halfwidth(str(value if value is not None else "")).strip()
    if not code:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "缺少行政区划代码", field=field
        )
    exists = Region.objects.filter(pk=code).exists() or not name_unknown
    if not re.fullmatch(r"\d{6}", code) or not exists:
        raise ApplicationError(
            ErrorCode.REGION_UNKNOWN, code, field=field, params={"value": value}
        )
    try:
        return access_region(user, code, permission)
    except ApplicationError as exc:
        raise _relabel(exc, field) from None


def unit_path(user, pk: Any, permission: str = Permission.VIEW_ORGS):
    """A unit named in the URL: anything not visible is simply not found."""
    unit_id = _as_int(pk)
    if unit_id is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return access_unit(user, unit_id, permission)


def region_path(user, code: Any, permission: str = Permission.VIEW_ORGS):
    return access_region(user, code, permission)


def internal_body_path(
    user, pk: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[InternalBody, Actor]:
    body_id = _as_int(pk)
    body = InternalBody.objects.filter(pk=body_id).first() if body_id else None
    if body is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _, actor = access_unit(user, body.unit_id, permission)
    return body, actor


def internal_body_ref(unit: Unit, value: Any, *, field: str) -> InternalBody | None:
    """An internal body of `unit` (already access-checked), or None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    body_id = _as_int(value)
    body = (
        InternalBody.objects.filter(pk=body_id, unit=unit).first() if body_id else None
    )
    if body is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"内设机构 {value} 不属于{unit.name}",
            field=field,
            params={"value": value},
        )
    return body


def loan_ref(user, value: Any, *, field: str, permission: str) -> tuple[Loan, Actor]:
    loan_id = _as_int(value)
    loan = (
        Loan.objects.select_related("account").filter(pk=loan_id).first()
        if loan_id
        else None
    )
    if loan is None or loan.account.unit_id is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "借出记录不存在", field=field)
    try:
        _, actor = access_unit(user, loan.account.unit_id, permission)
    except ApplicationError as exc:
        raise _relabel(exc, field) from None
    return loan, actor


def category_ref(value: Any, *, field: str) -> QuotaCategory:
    """A 编制类型 by code, name or alias (VALUES.md: aliases accepted)."""
    text = to_halfwidth(str(value if value is not None else "")).strip()
    if not text:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "缺少编制类型", field=field)
    for category in QuotaCategory.objects.all():
        if text in (category.code, category.name) or text in (category.aliases or []):
            return category
    known = "、".join(f"{c.code}（{c.name}）" for c in QuotaCategory.objects.all())
    raise ApplicationError(
        ErrorCode.VALUE_INVALID,
        f"编制类型「{text}」不存在，应为以下之一：{known}",
        field=field,
        params={"value": value},
    )


# -- movements: who sees which ------------------------------------------------


def visible_movements(user, **filters: Any) -> QuerySet[QuotaMovement]:
    """Movements of the regions the user sees whole, plus those touching the
    units they see through unit-scoped assignments (a unit HR sees its own)."""
    codes = region_codes_in_scope(user)
    units = units_in_scope(user)
    if codes:
        units = units.exclude(region_id__in=codes)
    unit_list = list(units)
    if not unit_list:
        if not codes:
            return QuotaMovement.objects.none()
        return quota_selectors.movements_queryset(region_codes=codes, **filters)
    condition = Q()
    if codes:
        condition |= Q(
            pk__in=quota_selectors.movements_queryset(
                region_codes=codes, **filters
            ).values("pk")
        )
    for unit in unit_list:
        condition |= Q(
            pk__in=quota_selectors.movements_queryset(unit=unit, **filters).values("pk")
        )
    return QuotaMovement.objects.filter(condition).order_by("-effective_date", "-id")


def movement_path(user, pk: Any) -> QuotaMovement:
    movement_id = _as_int(pk)
    movement = (
        visible_movements(user).filter(pk=movement_id).first() if movement_id else None
    )
    if movement is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return movement
