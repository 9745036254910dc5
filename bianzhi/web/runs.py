"""The service call behind each office form (see operations.py for the forms).

`run` receives parsed values and the Actor of the role assignment that
allowed the action, calls the service (which checks the rules, writes and
audits in one transaction) and answers (message, where to go next).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs import services as org_services
from bianzhi.orgs.models import InternalBody, Unit, UnitRank
from bianzhi.quota import leader_posts
from bianzhi.quota import services as quota_services


def unit_url(unit: Unit) -> str:
    return reverse("web:unit", args=[unit.pk])


def region_url(region) -> str:
    return reverse("web:region", args=[region.code])


def movement_url(movement) -> str:
    return reverse("web:movement", args=[movement.pk])


def _common(v: dict[str, Any]) -> dict[str, Any]:
    return {"doc_no": v["doc_no"], "effective_date": v["effective_date"]}


def _reason(v: dict[str, Any]) -> str:
    return v.get("reason") or ""


def _done(movement, verb: str) -> tuple[str, str]:
    return _("已登记%(what)s：%(doc_no)s") % {
        "what": _(verb),
        "doc_no": movement.doc_no,
    }, movement_url(movement)


# -- orgs ----------------------------------------------------------------------


def run_establish(v: dict, actor: Actor) -> tuple[str, str]:
    unit = org_services.unit_establish(
        actor=actor,
        region=v["region"],
        name=v["name"],
        kind=v["kind"],
        rank=v["rank"],
        short_name=v["short_name"] or "",
        uscc=v["uscc"] or "",
        parent=v["parent"],
        institution_class=v["institution_class"] or "",
        sector=v["sector"] or "",
        civil_service_managed=v["civil_service_managed"],
        in_cap=v["in_cap"],
        reason=_reason(v),
        **_common(v),
    )
    return _("已设立 %(name)s") % {"name": unit.name}, unit_url(unit)


def run_rename(v: dict, actor: Actor) -> tuple[str, str]:
    unit = org_services.unit_rename(
        actor=actor,
        unit=v["unit"],
        name=v["name"],
        short_name=v["short_name"],
        reason=_reason(v),
        **_common(v),
    )
    return _("已更名为 %(name)s") % {"name": v["name"]}, unit_url(unit)


def run_change_rank(v: dict, actor: Actor) -> tuple[str, str]:
    unit = org_services.unit_change_rank(
        actor=actor, unit=v["unit"], rank=v["rank"], reason=_reason(v), **_common(v)
    )
    return _("已调整规格：%(rank)s") % {"rank": UnitRank(v["rank"]).label}, unit_url(
        unit
    )


ATTRIBUTE_KEYS = (
    "parent",
    "institution_class",
    "sector",
    "civil_service_managed",
    "in_cap",
    "short_name",
    "uscc",
)


def attribute_prefill(unit: Unit) -> dict[str, Any]:
    state = org_selectors.unit_as_of(unit, timezone.localdate())
    source = state if state is not None else unit
    return {
        "parent": str(source.parent_id or ""),
        "institution_class": source.institution_class,
        "sector": source.sector,
        "civil_service_managed": source.civil_service_managed,
        "in_cap": source.in_cap,
        "short_name": source.short_name,
        "uscc": source.uscc,
    }


def run_change_attributes(v: dict, actor: Actor) -> tuple[str, str]:
    unit: Unit = v["unit"]
    current = attribute_prefill(unit)
    changes: dict[str, Any] = {}
    for key in ATTRIBUTE_KEYS:
        new = v[key]
        if key == "parent":
            if str(new.pk if new else "") != current["parent"]:
                changes[key] = new
        elif isinstance(current[key], bool):
            if bool(new) != current[key]:
                changes[key] = bool(new)
        elif (new or "") != (current[key] or ""):
            changes[key] = new or ""
    if not changes:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "未修改任何属性", field="short_name"
        )
    org_services.unit_change_attributes(
        actor=actor, unit=unit, changes=changes, reason=_reason(v), **_common(v)
    )
    return _("已调整属性"), unit_url(unit)


def run_body_add(v: dict, actor: Actor) -> tuple[str, str]:
    body = org_services.internal_body_add(
        actor=actor, unit=v["unit"], name=v["name"], rank=v["rank"], **_common(v)
    )
    return _("已增设内设机构 %(name)s") % {"name": body.name}, unit_url(v["unit"])


def run_body_remove(v: dict, actor: Actor) -> tuple[str, str]:
    body: InternalBody = v["internal_body"]
    if body.unit_id != v["unit"].pk:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该内设机构不属于所选单位", field="internal_body"
        )
    org_services.internal_body_remove(actor=actor, body=body, **_common(v))
    return _("已撤销内设机构 %(name)s") % {"name": body.name}, unit_url(v["unit"])


def run_mandate(v: dict, actor: Actor) -> tuple[str, str]:
    org_services.mandate_set(
        actor=actor,
        unit=v["unit"],
        internal_bodies_approved=v["internal_bodies_approved"],
        functions=v["functions"] or "",
        staffing_note=v["staffing_note"] or "",
        **_common(v),
    )
    return _("已录入三定规定"), unit_url(v["unit"])


def run_agency_cap(v: dict, actor: Actor) -> tuple[str, str]:
    org_services.agency_cap_set(
        actor=actor, region=v["region"], cap=v["cap"], reason=_reason(v), **_common(v)
    )
    return _("已设定机构限额 %(cap)s 个") % {"cap": v["cap"]}, region_url(v["region"])


def run_leader_posts(v: dict, actor: Actor) -> tuple[str, str]:
    body = v["internal_body"]
    if body is not None and body.unit_id != v["unit"].pk:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该内设机构不属于所选单位", field="internal_body"
        )
    leader_posts.leader_posts_set(
        actor=actor,
        unit=v["unit"],
        scope=v["scope"],
        level=v["level"],
        kind=v["kind"],
        count=v["count"],
        internal_body=body,
        reason=_reason(v),
        **_common(v),
    )
    return _("已核定领导职数"), unit_url(v["unit"])


# -- quota ---------------------------------------------------------------------


def _account_args(v: dict) -> dict[str, Any]:
    return {
        "category": v["category"],
        "funding": v["funding"],
        "amount": v["amount"],
        **_common(v),
    }


def run_grant(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_grant(
        actor=actor,
        unit=v["unit"],
        reason=_reason(v),
        approval_ref=v["approval_ref"] or "",
        **_account_args(v),
    )
    return _done(movement, gettext_noop("核定编制"))


def run_recall(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_recall(
        actor=actor, unit=v["unit"], reason=_reason(v), reform=v["reform"],
        **_account_args(v),
    )  # fmt: skip
    return _done(movement, gettext_noop("收回编制"))


def run_transfer(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_transfer(
        actor=actor,
        source_unit=v["source_unit"],
        target_unit=v["target_unit"],
        reason=_reason(v),
        reform=v["reform"],
        **_account_args(v),
    )
    return _done(movement, gettext_noop("划转编制"))


def run_pool_fund(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_pool_fund(
        actor=actor, region=v["region"], reason=_reason(v), **_account_args(v)
    )
    return _done(movement, gettext_noop("注入周转池"))


def run_pool_defund(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_pool_defund(
        actor=actor, region=v["region"], reason=_reason(v), reform=v["reform"],
        **_account_args(v),
    )  # fmt: skip
    return _done(movement, gettext_noop("周转池收回"))


def run_loan(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_loan(
        actor=actor,
        unit=v["unit"],
        due_date=v["due_date"],
        reason=_reason(v),
        **_account_args(v),
    )
    return _done(movement, gettext_noop("借出周转编制"))


def run_return(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_return(
        actor=actor,
        loan=v["loan"],
        amount=v["amount"],
        reason=_reason(v),
        reform=v["reform"],
        **_common(v),
    )
    return _done(movement, gettext_noop("归还周转编制"))


def run_increase_total(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_increase_total(
        actor=actor, region=v["region"], reason=_reason(v), **_account_args(v)
    )
    return _done(movement, gettext_noop("核增总量"))


def run_write_off(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_write_off(
        actor=actor, region=v["region"], reason=_reason(v), reform=v["reform"],
        **_account_args(v),
    )  # fmt: skip
    return _done(movement, gettext_noop("核销编制"))


def run_cross_region(v: dict, actor: Actor) -> tuple[str, str]:
    write_off, _increase = quota_services.quota_transfer_between_regions(
        actor=actor,
        source_region=v["source_region"],
        target_region=v["target_region"],
        reason=_reason(v),
        **_account_args(v),
    )
    return _done(write_off, gettext_noop("跨区划划转编制"))


def run_conversion(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.quota_conversion(
        actor=actor,
        unit=v["unit"],
        to_category=v["to_category"],
        to_funding=v["to_funding"],
        reason=_reason(v),
        approval_ref=v["approval_ref"] or "",
        reform=v["reform"],
        **_account_args(v),
    )
    return _done(movement, gettext_noop("编制性质/经费形式调整"))


def run_reverse(v: dict, actor: Actor) -> tuple[str, str]:
    movement = quota_services.movement_reverse(
        actor=actor, movement=v["movement"], doc_no=v["doc_no"], reason=v["reason"]
    )
    return _done(movement, gettext_noop("冲正"))
