"""Live numbers beside the roster's office forms (UI.md: vacancy before
enrolling, leader posts before appointing). Like numbers.py: read through the
selectors only, never raise for incomplete input, and show roster objects
only inside the user's scope (roster_fields)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from bianzhi.core.errors import ApplicationError
from bianzhi.quota.models import QuotaAccount
from bianzhi.roster import selectors
from bianzhi.roster.models import Person

from .forms import NumbersInput
from .numbers import _choose, _row, leader_posts_panel
from .roster_fields import ACCESSORS, shown_id


def person_url(person: Person) -> str:
    return reverse("web:person", args=[person.pk])


def _lookup(n: NumbersInput, kind: str, name: str | None = None):
    raw = n.text(name or kind)
    if not raw:
        return None
    try:
        return ACCESSORS[kind](n.user, raw)[0]
    except ApplicationError:
        return None


def vacancy_panel(unit, category, funding, title: str = "") -> dict:
    if unit is None or category is None or funding is None:
        return _choose(_("选择单位、编制类型和经费形式后显示空编数"))
    account = QuotaAccount.objects.filter(
        unit=unit, category=category, funding=funding
    ).first()
    header = f"{title or _('入编账户')}：{unit.name}·{category.name}"
    if account is None:
        return {
            "title": header,
            "rows": [],
            "note": _("该单位尚无此编制账户（核定数为0），入编将被拒绝 [QUOTA_FULL]"),
        }
    v = selectors.vacancy_for(account)
    rows = [
        _row(_("核定编制数"), v.approved),
        _row(_("实有人数"), v.occupied),
        _row(_("预留数"), v.reserved),
        _row(_("空编数"), v.vacancy, css="fw-bold"),
    ]
    if v.over:
        rows.append(_row(_("超编数"), v.over, css="bz-over"))
    if v.releases_per_intake:
        rows.append(_row(_("出N进一：每出编人数"), v.releases_per_intake))
        rows.append(_row(_("可用进人额度"), v.credits))
        rows.append(_row(_("已累计出编（未满一额度）"), v.releases_toward_credit))
    if v.refusal:
        note = _("现在入编将被拒绝 [%(code)s]") % {"code": v.refusal}
    else:
        note = ""
    return {"title": header, "rows": rows, "note": note}


def person_panel(person: Person | None, user, title: str = "") -> dict:
    if person is None:
        return _choose(_("填写人员编号后显示其在编情况"))
    history = selectors.person_history(person)
    current = history.current_posting
    rows = [
        _row(_("姓名"), person.name, person_url(person)),
        _row(_("公民身份号码"), shown_id(person.id_number)),
        _row(_("人员身份"), person.get_identity_display()),
        _row(_("退休时间"), history.retirement_date or "—"),
    ]
    if current is not None:
        rows.append(_row(_("现在编单位"), current.unit.name))
        rows.append(
            _row(
                _("编制账户"),
                f"{current.account.category.name}·{current.account.get_funding_display()}",
            )
        )
        rows.append(_row(_("入编日期"), current.start_date))
    active = [a for a in history.appointments if a.end_date is None]
    for a in active:
        rows.append(_row(_("现任职务"), f"{a.title}（{a.start_date}）"))
    note = "" if current is not None else _("该人员目前不在编")
    return {"title": title or _("人员"), "rows": rows, "note": note}


def for_enroll(n: NumbersInput) -> list[dict]:
    panels = [vacancy_panel(n.unit(), n.category(), n.funding())]
    number = n.text("id_number").upper()
    if number:
        existing = Person.objects.filter(id_number=number).first()
        if existing is not None and selectors.active_posting(existing) is not None:
            panels.append(
                {
                    "title": _("该身份证号已有在编记录"),
                    "rows": [],
                    "note": _("入编将被拒绝 [PERSON_ALREADY_POSTED]"),
                }
            )
    return panels


def for_posting(n: NumbersInput) -> list[dict]:
    posting = _lookup(n, "posting")
    if posting is None:
        return [_choose(_("填写在编记录编号后显示人员和账户"))]
    account = posting.account
    return [
        person_panel(posting.person, n.user),
        vacancy_panel(posting.unit, account.category, account.funding, _("所在账户")),
    ]


def for_transfer(n: NumbersInput) -> list[dict]:
    return [
        person_panel(_lookup(n, "person"), n.user),
        vacancy_panel(n.unit("to_unit"), n.category(), n.funding(), _("调入账户")),
    ]


def for_appointment(n: NumbersInput) -> list[dict]:
    posting = _lookup(n, "posting")
    person = posting.person if posting is not None else None
    return [leader_posts_panel(n.unit()), person_panel(person, n.user)]


def for_appointment_end(n: NumbersInput) -> list[dict]:
    appointment = _lookup(n, "appointment")
    if appointment is None:
        return [_choose(_("填写任职记录编号后显示职务"))]
    panel = person_panel(appointment.person, n.user)
    panel["rows"].append(_row(_("免去职务"), appointment.title))
    return [panel, leader_posts_panel(appointment.unit)]


def for_person(n: NumbersInput) -> list[dict]:
    return [person_panel(_lookup(n, "person"), n.user)]


def for_secondment_end(n: NumbersInput) -> list[dict]:
    secondment = _lookup(n, "secondment")
    if secondment is None:
        return [_choose(_("填写借调记录编号后显示借调情况"))]
    panel = person_panel(secondment.person, n.user)
    panel["rows"] += [
        _row(_("借调单位"), secondment.host_unit.name),
        _row(_("借调期间"), f"{secondment.start_date} 至 {secondment.end_date}"),
    ]
    return [panel]


def for_offquota(n: NumbersInput) -> list[dict]:
    unit = n.unit()
    if unit is None:
        return [_choose(_("选择单位后显示编外人员数"))]
    count = selectors.off_quota_staff(unit).count()
    return [{"title": unit.name, "rows": [_row(_("现有编外人员"), count)]}]


def for_offquota_end(n: NumbersInput) -> list[dict]:
    staff = _lookup(n, "offquota")
    if staff is None:
        return [_choose(_("填写编外人员记录编号后显示"))]
    return [
        {
            "title": _("编外人员"),
            "rows": [
                _row(_("姓名"), staff.name),
                _row(_("岗位"), staff.position or "—"),
                _row(_("起始日期"), staff.start_date),
            ],
        }
    ]
