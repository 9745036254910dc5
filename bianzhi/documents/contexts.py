"""Data of the establishment certificate (机构编制管理证), read from the domains.

The web page (web/views/certificate.py) gathers the same facts for the screen;
documents sit below web and may not import it, so this module reads the
org/quota/roster selectors directly and returns plain values (what is printed
is what was true on `as_of`). Part 6 lists the people in post by name,
position and entry date only: the certificate is handed to the unit, and ID
numbers belong in the roster, not on paper.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs.models import Unit, UnitChange, UnitKind
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import leader_post_history, leader_posts_as_of
from bianzhi.quota.models import Funding, LeaderPostScope, QuotaEntry, QuotaMovement
from bianzhi.roster import selectors as roster_selectors

BASIC_KINDS = {
    UnitChange.Kind.ESTABLISH,
    UnitChange.Kind.RENAME,
    UnitChange.Kind.CHANGE_RANK,
    UnitChange.Kind.CHANGE_ATTRIBUTES,
    UnitChange.Kind.REVOKE,
    UnitChange.Kind.MERGE,
}


def office_name_for(unit: Unit) -> str:
    return f"{unit.region.name}机构编制委员会办公室"


def _funding_label(value: str) -> str:
    return Funding(value).label if value in Funding.values else value


def _accounts(unit: Unit, as_of: dt.date) -> list[dict[str, Any]]:
    rows = []
    for view in quota_selectors.unit_accounts(unit, as_of=as_of):
        rows.append(
            {
                "category": view.category.name,
                "funding": _funding_label(str(view.funding)),
                "approved": view.approved,
                "occupied": view.occupied,
                "reserved": view.reserved,
                "vacancy": view.vacancy,
                "over": view.over,
            }
        )
    return rows


def _changes(unit: Unit, as_of: dt.date, kinds: set) -> list[dict[str, Any]]:
    return [
        {
            "date": change.effective_date,
            "kind": change.get_kind_display(),
            "doc_no": change.doc_no,
        }
        for change in org_selectors.unit_lineage(unit)
        if change.kind in kinds
        and change.status == UnitChange.Status.APPLIED
        and change.effective_date <= as_of
    ]


def _posts(unit: Unit, as_of: dt.date) -> tuple[list[dict], list[dict]]:
    unit_posts, body_posts = [], []
    for view in leader_posts_as_of(unit, as_of):
        row = {
            "body": view.internal_body.name if view.internal_body else "",
            "level": view.level_label,
            "kind": view.kind_label,
            "count": view.count,
            "appointed": view.appointed,
            "doc_no": view.doc_no,
        }
        (unit_posts if view.scope == LeaderPostScope.UNIT else body_posts).append(row)
    return unit_posts, body_posts


def _post_history(unit: Unit, as_of: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "date": version.effective_date,
            "scope": version.get_scope_display(),
            "body": version.internal_body.name if version.internal_body else "",
            "level": version.get_level_display(),
            "kind": version.get_kind_display(),
            "count": version.count,
            "doc_no": version.doc_no,
        }
        for version in leader_post_history(unit)
        if version.effective_date <= as_of
    ]


def _quota_changes(unit: Unit, as_of: dt.date) -> list[dict[str, Any]]:
    """Applied movements that touched the unit's accounts, net per movement."""
    entries = (
        QuotaEntry.objects.filter(
            account__unit=unit,
            effective_date__lte=as_of,
            movement__status=QuotaMovement.Status.APPLIED,
        )
        .select_related("movement", "account__category")
        .order_by("effective_date", "movement_id")
    )
    by_movement: dict[int, dict[str, Any]] = {}
    legs: dict[int, list[str]] = defaultdict(list)
    for entry in entries:
        movement = entry.movement
        row = by_movement.setdefault(
            movement.pk,
            {
                "date": entry.effective_date,
                "kind": movement.get_kind_display(),
                "doc_no": movement.doc_no,
            },
        )
        sign = "+" if entry.amount > 0 else "−"
        legs[movement.pk].append(
            f"{entry.account.category.name}（{_funding_label(entry.account.funding)}）"
            f"{sign}{abs(entry.amount)}"
        )
        row["legs"] = "；".join(legs[movement.pk])
    return list(by_movement.values())


def _people(unit: Unit, as_of: dt.date) -> list[dict[str, Any]]:
    return [
        {
            "name": posting.person.name,
            "gender": posting.person.get_gender_display(),
            "category": posting.account.category.name,
            "position_title": posting.person.position_title,
            "start_date": posting.start_date,
        }
        for posting in roster_selectors.unit_people(unit, as_of)
    ]


def certificate_context(unit: Unit, as_of: dt.date) -> dict[str, Any]:
    """Parts 1–6 of the certificate of `unit` as they stood on `as_of`."""
    state = org_selectors.unit_as_of(unit, as_of)
    parent_name = ""
    if state is not None and state.parent_id:
        parent_name = (
            Unit.objects.filter(pk=state.parent_id)
            .values_list("name", flat=True)
            .first()
            or ""
        )
    mandate = org_selectors.mandate_as_of(unit, as_of)
    bodies = org_selectors.internal_bodies_as_of(unit, as_of)
    status = org_selectors.internal_bodies_status(unit, as_of)
    unit_posts, body_posts = _posts(unit, as_of)
    accounts = _accounts(unit, as_of)
    body_kinds = set(UnitChange.Kind) - BASIC_KINDS
    return {
        "office_name": office_name_for(unit),
        "unit_name": state.name if state else unit.name,
        "as_of": as_of,
        "cover": "机关" if unit.kind != UnitKind.INSTITUTION else "事业单位",
        "state": state,
        "parent_name": parent_name,
        "mandate_functions": mandate.functions if mandate else "",
        "mandate_doc_no": mandate.doc_no if mandate else "",
        "bodies": [
            {
                "name": body.name,
                "rank": body.get_rank_display(),
                "established_on": body.established_on,
                "doc_no": body.established_doc_no,
            }
            for body in bodies
        ],
        "bodies_approved": status.approved,
        "bodies_count": status.count,
        "basic_changes": _changes(unit, as_of, BASIC_KINDS),
        "body_changes": _changes(unit, as_of, body_kinds),
        "unit_posts": unit_posts,
        "body_posts": body_posts,
        "post_history": _post_history(unit, as_of),
        "accounts": accounts,
        "accounts_total": {
            key: sum(row[key] for row in accounts)
            for key in ("approved", "occupied", "reserved", "vacancy")
        },
        "quota_changes": _quota_changes(unit, as_of),
        "people": _people(unit, as_of),
    }
