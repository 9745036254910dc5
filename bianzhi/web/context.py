"""Navigation and the top bar: a role sees only what it may use (UI.md)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from bianzhi.accounts.access import assignments, has_permission
from bianzhi.core.roles import Permission, Role, role_allows

ADMIN_ROLES = frozenset({Role.SYS_ADMIN, Role.SEC_ADMIN, Role.AUDIT_ADMIN})


def can_view_business(user) -> bool:
    return has_permission(user, Permission.VIEW_ORGS)


def can_manage(user) -> bool:
    return has_permission(user, Permission.MANAGE_QUOTA) or has_permission(
        user, Permission.MANAGE_ORGS
    )


def _item(label: str, url_name: str, path: str, prefix: str | None = None) -> dict:
    url = reverse(url_name)
    active_prefix = prefix or url
    if active_prefix == "/":
        active = path == "/"
    else:
        active = path.startswith(active_prefix)
    return {"label": label, "url": url, "active": active}


def build_navigation(request: HttpRequest) -> list[dict]:
    user = request.user
    path = request.path
    sections: list[dict] = []
    if can_view_business(user):
        sections.append(
            {"label": _("工作台"), "items": [_item(_("工作台"), "web:home", path, "/")]}
        )
        sections.append(
            {
                "label": _("机构编制"),
                "items": [
                    _item(_("机构树"), "web:unit_tree", path, "/units/"),
                    _item(_("编制变动台账"), "web:movements", path, "/movements/"),
                    _item(_("区划编制总量"), "web:regions", path, "/regions/"),
                ],
            }
        )
    roster_items: list[dict] = []
    # nav:portal (unit_hr: 本单位)
    if has_permission(user, Permission.REQUEST_FIELD_CHANGE):
        roster_items.append(_item(_("本单位"), "web:portal", path, "/portal/"))
    # nav:search (roster search, duplicates)
    if any(
        a.role in (Role.OFFICE_ADMIN, Role.OFFICE_LEADER, Role.INSPECTOR)
        for a in assignments(user)
    ):
        roster_items.append(
            _item(_("人员查询"), "web:roster_search", path, "/roster/search/")
        )
        roster_items.append(
            _item(_("疑似问题"), "web:roster_suspicious", path, "/roster/suspicious/")
        )
    # nav:requests (field-change requests)
    if has_permission(user, Permission.DECIDE_FIELD_CHANGE):
        roster_items.append(
            _item(_("信息变更审核"), "web:requests", path, "/requests/")
        )
    # nav:exchange (imports, exports)
    if has_permission(user, Permission.IMPORT_DATA):
        roster_items.append(_item(_("数据导入"), "web:imports", path, "/imports/"))
    if has_permission(user, Permission.EXPORT_DATA):
        roster_items.append(_item(_("数据导出"), "web:exports", path, "/exports/"))
    if roster_items:
        sections.append({"label": _("实名制"), "items": roster_items})
    # nav:approvals (审批: inbox, its count filled in by the top-bar badge)
    from django.utils.html import format_html

    from bianzhi.web.context_approvals import roles as approval_roles

    approvals = approval_roles(request)
    if approvals is not None:
        items = []
        if approvals["reviewer"]:
            waiting = _item(_("待办"), "web:approvals_inbox", path)
            waiting["active"] = path == waiting["url"] or (
                path.startswith(waiting["url"]) and path.split("/")[2].isdigit()
            )
            waiting["label"] = format_html(
                '{}<span id="approvals-nav-count"></span>', _("待办")
            )
            items.append(waiting)
        if approvals["submitter"]:
            items.append(_item(_("我的申请"), "web:approvals_mine", path))
        if approvals["reviewer"]:
            items.append(_item(_("已办"), "web:approvals_completed", path))
        # nav:approvals-new (new request per kind) — items.append(...) here
        if approvals["submitter"]:
            items.append(_item(_("新建申请"), "web:approval_new", path))
        if can_view_business(user):
            items.append(_item(_("用编核准"), "web:permits", path, "/permits/"))
        # nav:enrollment (入编备案 batches, publicity)
        items.append(
            _item(_("入编公示"), "web:enrollment_filings", path, "/enrollment/")
        )
        # nav:matters (机构编制事项, 顶格协调事项)
        items.append(_item(_("机构编制事项"), "web:matters", path, "/matters/"))
        if can_view_business(user):
            items.append(
                _item(_("顶格协调事项"), "web:coordination", path, "/coordination/")
            )
        sections.append({"label": _("审批"), "items": items})
    # nav:stats (统计报表) — stats_items.append(...) under this anchor
    stats_items: list[dict] = []
    if has_permission(user, Permission.VIEW_STATS):
        stats_items.append(_item(_("统计报表"), "web:stats", path, "/stats/"))
    # nav:dashboard (驾驶舱, 预警, 决策分析)
    if has_permission(user, Permission.VIEW_STATS):
        stats_items.append(_item(_("驾驶舱"), "web:dashboard", path, "/dashboard/"))
        stats_items.append(
            _item(_("辅助决策"), "web:dashboard_decision", path, "/dashboard/decision/")
        )
        if path.startswith("/dashboard/decision/"):
            stats_items[-2]["active"] = False
    if has_permission(user, Permission.VIEW_WARNINGS):
        stats_items.append(_item(_("预警"), "web:warnings", path, "/warnings/"))
    # nav:reconcile (比对)
    if has_permission(user, Permission.RUN_RECONCILE) or has_permission(
        user, Permission.REVIEW_FINDING
    ):
        stats_items.append(
            _item(_("数据比对"), "web:reconcile_runs", path, "/reconcile/")
        )
        stats_items.append(
            _item(
                _("待移交督查"), "web:reconcile_handover", path, "/reconcile/handover/"
            )
        )
        if path.startswith("/reconcile/handover/"):
            stats_items[-2]["active"] = False
    if stats_items:
        sections.append({"label": _("统计分析"), "items": stats_items})
    if can_manage(user):
        sections.append(
            {
                "label": _("业务办理"),
                "items": [_item(_("机构编制业务"), "web:office", path, "/office/")],
            }
        )
    admin_items = []
    if any(a.role in ADMIN_ROLES for a in assignments(user)):
        admin_items.append(_item(_("系统管理首页"), "web:system", path, "/system/"))
    if has_permission(user, Permission.VIEW_AUDIT):
        admin_items.append(_item(_("审计日志"), "web:audit_log", path, "/audit/"))
    if admin_items:
        sections.append({"label": _("系统管理"), "items": admin_items})
    return sections


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = []
    for a in assignments(user):
        url = None
        if role_allows(a.role, Permission.VIEW_ORGS):
            if a.region_id:
                url = reverse("web:region", args=[a.region_id])
            elif a.unit_id:
                url = reverse("web:unit", args=[a.unit_id])
        roles.append({"role": a.get_role_display(), "scope": a.scope_label, "url": url})
    return {
        "nav_sections": build_navigation(request),
        "my_roles": roles,
        "can_manage": can_manage(user),
        "can_view_business": can_view_business(user),
    }
