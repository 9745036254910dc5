"""Roles of DOMAIN §1 and what each may do.

The permission table is literal so that a reader sees at once who may do
what; the access module (accounts.access) is the only place that applies it.
"""

from django.db import models


class Role(models.TextChoices):
    OFFICE_ADMIN = "office_admin", "编办业务科室人员"
    OFFICE_LEADER = "office_leader", "编办主任/编委领导"
    UNIT_HR = "unit_hr", "用编单位人事干部"
    SUPERVISING_DEPT = "supervising_dept", "主管部门"
    PARTNER_REVIEWER = "partner_reviewer", "联审部门"
    INSPECTOR = "inspector", "纪检监察/审计/巡察"
    LIAISON = "liaison", "监督检查联络员"
    SYS_ADMIN = "sys_admin", "系统管理员"
    SEC_ADMIN = "sec_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


OFFICE_ROLES = frozenset({Role.OFFICE_ADMIN, Role.OFFICE_LEADER})


class Permission(models.TextChoices):
    VIEW_ORGS = "view_orgs", "查看机构编制"
    MANAGE_ORGS = "manage_orgs", "维护机构"
    MANAGE_QUOTA = "manage_quota", "编制变动"
    REFORM_REDUCTION = "reform_reduction", "改革核减"
    MANAGE_CALENDAR = "manage_calendar", "维护工作日历"
    VIEW_AUDIT = "view_audit", "查看审计日志"
    MANAGE_USERS = "manage_users", "管理用户"
    MANAGE_ROLES = "manage_roles", "分配角色"
    IMPORT_DATA = "import_data", "导入数据"
    EXPORT_DATA = "export_data", "导出数据"
    VIEW_FULL_ID = "view_full_id", "查看完整身份证号（留痕）"
    EDIT_PERSON = "edit_person", "维护人员非锁定信息"
    REQUEST_FIELD_CHANGE = "request_field_change", "申请变更锁定信息"
    DECIDE_FIELD_CHANGE = "decide_field_change", "审核锁定信息变更"
    VIEW_STATS = "view_stats", "查看统计报表"
    VIEW_WARNINGS = "view_warnings", "查看预警"
    MANAGE_WARNINGS = "manage_warnings", "设置预警阈值"
    RUN_RECONCILE = "run_reconcile", "数据比对"
    REVIEW_FINDING = "review_finding", "核查比对疑点"
    MANAGE_COORDINATION = "manage_coordination", "维护顶格协调事项"


_BUSINESS_READ = {Permission.VIEW_ORGS, Permission.VIEW_STATS}
# The office watches warnings, runs reconciliations and keeps the coordination list.
_OFFICE_WATCH = {
    Permission.VIEW_WARNINGS,
    Permission.RUN_RECONCILE,
    Permission.REVIEW_FINDING,
    Permission.MANAGE_COORDINATION,
}
# Office staff keep the roster: import, export, decide field changes, see IDs.
_OFFICE_ROSTER = {
    Permission.IMPORT_DATA,
    Permission.EXPORT_DATA,
    Permission.VIEW_FULL_ID,
    Permission.EDIT_PERSON,
    Permission.DECIDE_FIELD_CHANGE,
}
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OFFICE_ADMIN: frozenset(
        _BUSINESS_READ
        | _OFFICE_ROSTER
        | _OFFICE_WATCH
        | {Permission.MANAGE_ORGS, Permission.MANAGE_QUOTA, Permission.MANAGE_CALENDAR}
    ),
    Role.OFFICE_LEADER: frozenset(
        _BUSINESS_READ
        | _OFFICE_ROSTER
        | _OFFICE_WATCH
        | {
            Permission.MANAGE_ORGS,
            Permission.MANAGE_QUOTA,
            Permission.MANAGE_WARNINGS,
            Permission.REFORM_REDUCTION,
            Permission.MANAGE_CALENDAR,
        }
    ),
    # Unit HR maintains its own people (non-locked fields), requests locked
    # changes, exports its own roster (IDs masked) and sees full IDs of its
    # own people only through the audited view.
    Role.UNIT_HR: frozenset(
        _BUSINESS_READ
        | {
            Permission.EDIT_PERSON,
            Permission.REQUEST_FIELD_CHANGE,
            Permission.EXPORT_DATA,
            Permission.VIEW_FULL_ID,
        }
    ),
    Role.SUPERVISING_DEPT: frozenset(_BUSINESS_READ | {Permission.EXPORT_DATA}),
    Role.PARTNER_REVIEWER: frozenset(_BUSINESS_READ),
    # Inspectors need the real identity of the people they examine (audited).
    # Inspectors also see the warnings and the reconciliation findings.
    Role.INSPECTOR: frozenset(
        _BUSINESS_READ | {Permission.VIEW_FULL_ID, Permission.VIEW_WARNINGS}
    ),
    Role.LIAISON: frozenset(_BUSINESS_READ),
    # 三员分立: the three administrators do no business work and see no business data.
    Role.SYS_ADMIN: frozenset({Permission.MANAGE_USERS}),
    Role.SEC_ADMIN: frozenset({Permission.MANAGE_ROLES}),
    Role.AUDIT_ADMIN: frozenset({Permission.VIEW_AUDIT}),
}


def role_allows(role: str, permission: str) -> bool:
    return permission in PERMISSIONS.get(role, frozenset())
