"""The live numbers a decision needs, shown next to the form's inputs (UI.md).

Each function returns panels: {"title", "rows": [{"label", "value", "url",
"css"}], "note", "empty"}. They read through the domain selectors only and
never raise for incomplete input: a panel that cannot be computed yet says
what to choose.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import leader_posts_as_of
from bianzhi.quota.models import Funding, HolderKind, Loan, QuotaCategory

from .forms import NumbersInput
from .labels import category_code, movements_url


def _row(label: str, value: Any, url: str = "", css: str = "") -> dict:
    if isinstance(value, dt.date):
        value = value.isoformat()
    return {"label": label, "value": value, "url": url, "css": css}


def _choose(text: str) -> dict:
    return {"title": text, "rows": [], "empty": True}


def _label(category: QuotaCategory | None, funding: str | None) -> str:
    name = category.name if category else ""
    return f"{name}·{Funding(funding).label}" if funding else name


def unit_account_panel(
    unit: Unit | None,
    category: QuotaCategory | None,
    funding: str | None,
    title: str = "",
) -> dict:
    if unit is None or category is None or funding is None:
        return _choose(_("选择单位、编制类型和经费形式后显示该账户的编制数"))
    heading = title or _("单位账户")
    view = None
    for candidate in quota_selectors.unit_accounts(unit):
        if category_code(candidate.category) == category.code and str(
            candidate.funding
        ) == str(funding):
            view = candidate
            break
    header = f"{heading}：{unit.name}·{_label(category, funding)}"
    if view is None:
        return {
            "title": header,
            "rows": [],
            "note": _("该单位尚无此编制账户（核定数为0）"),
        }
    account_id = getattr(view.account, "pk", view.account)
    rows = [
        _row(_("核定编制数"), view.approved, movements_url(account=account_id)),
        _row(_("实有人数"), view.occupied),
        _row(_("预留数"), view.reserved),
        _row(_("空编数"), view.vacancy, css="fw-bold"),
    ]
    if view.over:
        rows.append(_row(_("超编数"), view.over, css="bz-over"))
    if getattr(view, "borrowed", 0):
        rows.append(
            _row(
                _("其中借用周转编制"),
                view.borrowed,
                movements_url(unit=unit.pk, kind="loan"),
            )
        )
    return {"title": header, "rows": rows}


def _system_account(region: Region, holder: str, category, funding):
    for view in quota_selectors.region_accounts(region):
        account = view.account
        if (
            getattr(account, "holder_kind", None) == holder
            and category_code(view.category) == category.code
            and str(view.funding) == str(funding)
        ):
            return view
    return None


def region_panel(
    region: Region | None, category: QuotaCategory | None, funding: str | None
) -> dict:
    if region is None or category is None or funding is None:
        return _choose(_("选择区划、编制类型和经费形式后显示未分配编制与周转池余额"))
    rows = []
    total = None
    for line in quota_selectors.control_totals(region):
        if category_code(line.category) == category.code and str(line.funding) == str(
            funding
        ):
            total = line
    for holder, label in (
        (HolderKind.RESERVE, _("未分配编制（可核定）")),
        (HolderKind.POOL, _("周转池余额")),
    ):
        view = _system_account(region, holder, category, funding)
        balance = view.approved if view is not None else 0
        url = ""
        if view is not None:
            url = movements_url(account=getattr(view.account, "pk", view.account))
        rows.append(_row(label, balance, url, "fw-bold"))
    if total is not None:
        rows.insert(0, _row(_("控制总数"), total.total))
        rows.insert(1, _row(_("已核定到单位"), total.units))
    return {
        "title": f"{region.name}·{_label(category, funding)}",
        "rows": rows,
        "note": "" if total is not None else _("该区划尚无此类编制总量"),
    }


def cap_panel(region: Region | None, on: dt.date) -> dict:
    if region is None:
        return _choose(_("选择区划后显示机构限额使用情况"))
    status = org_selectors.agency_cap_status(region, on)
    rows = [
        _row(_("机构限额"), status.cap if status.cap is not None else _("限额未设置")),
        _row(_("已计入限额的党政机构"), status.count, css="fw-bold"),
    ]
    if status.cap is not None:
        rows.append(_row(_("剩余可设"), max(status.cap - status.count, 0)))
    return {
        "title": f"{region.name}·{_('机构限额')}（{on}）",
        "rows": rows,
        "note": status.note,
    }


def unit_state_panel(unit: Unit | None) -> dict:
    if unit is None:
        return _choose(_("选择单位后显示其现状"))
    today = timezone.localdate()
    state = org_selectors.unit_as_of(unit, today)
    if state is None:
        return {"title": unit.name, "rows": [], "note": _("该单位尚未设立")}
    rows = [
        _row(_("名称"), state.name, reverse("web:unit", args=[unit.pk])),
        _row(_("简称"), state.short_name or "—"),
        _row(_("机构类别"), state.kind_label),
        _row(_("机构规格"), state.rank_label),
        _row(_("事业单位类别"), state.institution_class_label or "—"),
        _row(_("行业"), state.sector_label or "—"),
        _row(
            _("参照公务员法管理"), _("是") if state.civil_service_managed else _("否")
        ),
        _row(_("计入机构限额"), _("是") if state.in_cap else _("否")),
        _row(_("状态"), state.status_label),
    ]
    return {"title": f"{_('单位现状')}（{today}）", "rows": rows}


def bodies_panel(unit: Unit | None, on: dt.date) -> dict:
    if unit is None:
        return _choose(_("选择单位后显示内设机构数与三定核定数"))
    status = org_selectors.internal_bodies_status(unit, on)
    rows = [
        _row(
            _("三定核定内设机构数"),
            status.approved if status.approved is not None else _("三定未录入"),
        ),
        _row(_("现有内设机构数"), status.count, css="fw-bold"),
    ]
    if status.approved is not None:
        rows.append(_row(_("尚可增设"), max(status.approved - status.count, 0)))
    names = [b.name for b in org_selectors.internal_bodies_as_of(unit, on)]
    return {
        "title": f"{unit.name}·{_('内设机构')}（{on}）",
        "rows": rows,
        "note": status.note,
        "list": names,
    }


def leader_posts_panel(unit: Unit | None) -> dict:
    if unit is None:
        return _choose(_("选择单位后显示领导职数"))
    today = timezone.localdate()
    rows = []
    for post in leader_posts_as_of(unit, today):
        body = getattr(post, "internal_body", None)
        where = body.name if body is not None else post_scope_label(post.scope)
        label = f"{where}·{level_label(post.level)}{kind_label(post.kind)}"
        css = "bz-over" if getattr(post, "over", 0) else ""
        rows.append(_row(label, f"{post.appointed} / {post.count}", css=css))
    return {
        "title": f"{unit.name}·{_('领导职数（已配备/核定）')}",
        "rows": rows,
        "note": "" if rows else _("尚未核定领导职数"),
    }


def post_scope_label(value: str) -> str:
    from bianzhi.quota.models import LeaderPostScope

    return LeaderPostScope(value).label if value in LeaderPostScope.values else value


def level_label(value: str) -> str:
    from bianzhi.quota.models import LeaderLevel

    return LeaderLevel(value).label if value in LeaderLevel.values else value


def kind_label(value: str) -> str:
    from bianzhi.quota.models import LeaderKind

    return LeaderKind(value).label if value in LeaderKind.values else value


def loan_panel(loan: Loan | None) -> dict:
    if loan is None:
        return _choose(_("选择借用记录后显示未还数量与期限"))
    today = timezone.localdate()
    account = loan.account
    rows = [
        _row(_("借用单位"), account.unit.name if account.unit_id else "—"),
        _row(_("编制类型"), f"{account.category.name}·{account.get_funding_display()}"),
        _row(
            _("借用数"),
            loan.amount,
            reverse("web:movement", args=[loan.movement_id]),
        ),
        _row(_("未归还"), loan.outstanding, css="fw-bold"),
        _row(
            _("归还期限"),
            loan.due_date,
            css="bz-over" if loan.due_date < today else "",
        ),
    ]
    return {"title": _("借用记录"), "rows": rows}


def movement_panel(movement) -> dict:
    if movement is None:
        return _choose(_("输入变动编号后显示其分录"))
    from .views.movements import movement_legs

    rows = [
        _row(
            f"{leg['holder']}·{leg['category']}·{leg['funding']}",
            leg["amount"],
        )
        for leg in movement_legs(movement)
    ]
    return {
        "title": f"{movement.get_kind_display()} {movement.doc_no}（{movement.effective_date}）",
        "rows": rows,
        "note": movement.get_status_display(),
    }


# -- per-form panels -------------------------------------------------------------


def for_unit_account(n: NumbersInput) -> list[dict]:
    return [unit_account_panel(n.unit(), n.category(), n.funding())]


def for_grant(n: NumbersInput) -> list[dict]:
    unit = n.unit()
    region = unit.region if unit else None
    return [
        region_panel(region, n.category(), n.funding()),
        unit_account_panel(unit, n.category(), n.funding()),
    ]


def for_transfer(n: NumbersInput) -> list[dict]:
    category, funding = n.category(), n.funding()
    return [
        unit_account_panel(n.unit("source_unit"), category, funding, _("划出单位")),
        unit_account_panel(n.unit("target_unit"), category, funding, _("划入单位")),
    ]


def for_region(n: NumbersInput) -> list[dict]:
    return [region_panel(n.region(), n.category(), n.funding())]


def for_loan(n: NumbersInput) -> list[dict]:
    unit = n.unit()
    return [
        region_panel(unit.region if unit else None, n.category(), n.funding()),
        unit_account_panel(unit, n.category(), n.funding()),
    ]


def for_return(n: NumbersInput) -> list[dict]:
    return [loan_panel(n.loan())]


def for_cross_region(n: NumbersInput) -> list[dict]:
    category, funding = n.category(), n.funding()
    return [
        region_panel(n.region("source_region"), category, funding),
        region_panel(n.region("target_region"), category, funding),
    ]


def for_conversion(n: NumbersInput) -> list[dict]:
    unit = n.unit()
    return [
        unit_account_panel(unit, n.category(), n.funding(), _("调出账户")),
        unit_account_panel(
            unit, n.category("to_category"), n.funding("to_funding"), _("调入账户")
        ),
    ]


def for_reverse(n: NumbersInput) -> list[dict]:
    return [movement_panel(n.movement())]


def for_establish(n: NumbersInput) -> list[dict]:
    panels = [cap_panel(n.region(), n.date())]
    parent = n.unit("parent")
    if parent is not None:
        panels.append(unit_state_panel(parent))
    return panels


def for_unit_state(n: NumbersInput) -> list[dict]:
    return [unit_state_panel(n.unit())]


def for_bodies(n: NumbersInput) -> list[dict]:
    return [bodies_panel(n.unit(), n.date())]


def for_cap(n: NumbersInput) -> list[dict]:
    return [cap_panel(n.region(), n.date())]


def for_leader_posts(n: NumbersInput) -> list[dict]:
    return [leader_posts_panel(n.unit())]
