"""Rules for accounts and role assignments (DOMAIN §1), as pure functions."""

from __future__ import annotations

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role

# 三员分立: the administrators act on the system, never on a region's business.
ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})
# Roles that sit inside one unit: its HR, its supervising department, its liaison.
UNIT_SCOPED_ROLES = frozenset({Role.UNIT_HR, Role.SUPERVISING_DEPT, Role.LIAISON})
# The office manages a region's ledger; a unit scope would grant it a slice only.
REGION_SCOPED_ROLES = frozenset({Role.OFFICE_ADMIN, Role.OFFICE_LEADER})


def check_assignment_scope(*, role: str, has_region: bool, has_unit: bool) -> None:
    """Which scope a role may be assigned over; VALUE_INVALID otherwise."""
    if role not in Role.values:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"未知角色：{role}", field="role"
        )
    label = Role(role).label
    if has_region and has_unit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "一个角色只能指定一个范围（行政区划或单位）",
            field="scope",
        )
    if role in ADMIN_ROLES:
        if has_region or has_unit:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{label}不处理业务数据，不得指定行政区划或单位范围",
                field="scope",
            )
        return
    if role in UNIT_SCOPED_ROLES and not has_unit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}的范围应为一个单位", field="scope"
        )
    if role in REGION_SCOPED_ROLES and not has_region:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}的范围应为一个行政区划", field="scope"
        )
    if not (has_region or has_unit):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}须指定行政区划或单位范围", field="scope"
        )


def can_manage_users(role: str, *, is_system: bool = False) -> bool:
    return is_system or role == Role.SYS_ADMIN


def can_manage_roles(role: str, *, is_system: bool = False) -> bool:
    return is_system or role == Role.SEC_ADMIN
