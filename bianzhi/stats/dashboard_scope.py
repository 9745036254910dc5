"""Who sees which dashboard, decision display and warnings.

Region-scoped readers (the office, inspectors, partner departments) start at
the top region of their scope and may pick any region or unit inside it;
unit readers see their own unit (and, for a supervising department, its
sub-units). Anything outside answers OUT_OF_SCOPE (404), through
accounts.access like every other page.
"""

from __future__ import annotations

import datetime as dt
from types import ModuleType

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Region, Unit

from .base import Selection
from .warning_rules import WarningScope


def top_regions(codes: set[str]) -> list[str]:
    if not codes:
        return []
    parents = dict(
        Region.objects.filter(code__in=codes).values_list("code", "parent_id")
    )
    return sorted(c for c in codes if parents.get(c) not in codes)


def selection_for(
    access: ModuleType,
    user,
    *,
    as_of: dt.date,
    region: str = "",
    unit: str = "",
    permission: str = Permission.VIEW_STATS,
) -> Selection:
    """The selection a request names (or the user's default), checked."""
    if unit:
        found, _actor = access.access_unit(user, unit, permission)
        return Selection(as_of=as_of, unit_id=found.pk, label=found.name)
    if region:
        found, _actor = access.access_region(user, region, permission)
        return Selection(as_of=as_of, region_code=found.code, label=found.name)
    tops = top_regions(access.region_codes_in_scope(user, permission))
    if tops:
        found = Region.objects.get(pk=tops[0])
        return Selection(as_of=as_of, region_code=found.code, label=found.name)
    for assignment in access.assignments(user):
        if assignment.unit_id and role_allows(assignment.role, permission):
            return Selection(
                as_of=as_of, unit_id=assignment.unit_id, label=assignment.unit.name
            )
    raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)


def visible_units(
    access: ModuleType,
    user,
    selection: Selection,
    permission: str = Permission.VIEW_STATS,
) -> frozenset[int] | None:
    """None when the reader sees the selection's whole subtree (a region
    scope covers it); else the units of their scope, which may be narrower
    than a unit's subtree (unit HR: the unit only; 主管部门: it and its
    direct sub-units)."""
    if selection.unit_id is None:
        return None  # region selections are checked whole by access_region
    unit = selection.unit_id
    region_codes = access.region_codes_in_scope(user, permission)
    region = Unit.objects.filter(pk=unit).values_list("region_id", flat=True).first()
    if region in region_codes:
        return None
    return frozenset(
        access.units_in_scope(user, permission).values_list("id", flat=True)
    )


def region_choices(
    access: ModuleType, user, permission: str = Permission.VIEW_STATS
) -> list[tuple[str, str]]:
    codes = access.region_codes_in_scope(user, permission)
    return list(
        Region.objects.filter(code__in=codes)
        .order_by("code")
        .values_list("code", "name")
    )


def warning_scope_for(access: ModuleType, user, *, region: str = "") -> WarningScope:
    """The warnings a user may see: regions of VIEW_WARNINGS assignments,
    else the units of unit-scoped ones; `region` narrows it (404 outside)."""
    permission = Permission.VIEW_WARNINGS
    if not any(role_allows(a.role, permission) for a in access.assignments(user)):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    codes = access.region_codes_in_scope(user, permission)
    if region:
        found, _actor = access.access_region(user, region, permission)
        from .scope import region_codes_under

        return WarningScope(
            region_codes=frozenset(region_codes_under(found.code)) & codes
        )
    if codes:
        return WarningScope(region_codes=frozenset(codes))
    units = access.units_in_scope(user, permission).values_list("id", flat=True)
    return WarningScope(unit_ids=frozenset(units))
