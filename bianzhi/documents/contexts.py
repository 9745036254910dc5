"""The establishment certificate (机构编制管理证): its facts, read once from the
domains, and the PDF's context made of them.

`certificate_facts` is the one selector of what the certificate states about
a unit on a date (parts 1–5: the unit as it stood, its mandate and internal
bodies, leader posts and their history, accounts, change records and the
applied quota movements). The web page (web/views/certificate.py) and the
signed PDF (`certificate_context`, documents.services.certificate_issue) both
start from it and only shape it for their templates, so the page and the PDF
show the same facts. It lives here, not in a domain app: it reads orgs, quota
and roster together, and documents sits above them (web may import it).

Part 6 lists the people in post by name, position and entry date only: the
certificate is handed to the unit, and ID numbers belong in the roster, not on
paper (the web page renders its part 6 with the roster's template tag).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from bianzhi.orgs import selectors as org_selectors
from bianzhi.orgs.models import InternalBody, Mandate, Unit, UnitChange, UnitKind
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.leader_posts import (
    LeaderPostView,
    leader_post_history,
    leader_posts_as_of,
)
from bianzhi.quota.models import (
    Funding,
    LeaderPostQuota,
    LeaderPostScope,
    QuotaEntry,
    QuotaMovement,
)
from bianzhi.roster import selectors as roster_selectors

# Part 1's change records; the others (internal bodies, mandate) are part 3's.
BASIC_KINDS = {
    UnitChange.Kind.ESTABLISH,
    UnitChange.Kind.RENAME,
    UnitChange.Kind.CHANGE_RANK,
    UnitChange.Kind.CHANGE_ATTRIBUTES,
    UnitChange.Kind.REVOKE,
    UnitChange.Kind.MERGE,
}
BODY_KINDS = {
    UnitChange.Kind.INTERNAL_BODY_ADD,
    UnitChange.Kind.INTERNAL_BODY_REMOVE,
    UnitChange.Kind.MANDATE,
}


@dataclass(frozen=True)
class CertificateFacts:
    """Parts 1–5 of the certificate of `unit` as they stood on `as_of`."""

    unit: Unit
    as_of: dt.date
    state: org_selectors.UnitState | None  # None: not yet established
    parent: Unit | None  # the parent the unit had on as_of
    mandate: Mandate | None
    bodies: list[InternalBody]
    bodies_status: org_selectors.BodiesStatus
    accounts: list[quota_selectors.AccountView]
    leader_posts: list[LeaderPostView]
    # Leader-post versions effective by as_of, in date order.
    post_history: list[LeaderPostQuota]
    # The unit's change records effective by as_of, in date order; pending
    # and flagged ones included (the page shows them marked, the PDF omits them).
    changes: list[UnitChange]
    # Applied movements that touched the unit's accounts by as_of, in date order.
    movements: list[QuotaMovement]


def certificate_facts(unit: Unit, as_of: dt.date) -> CertificateFacts:
    state = org_selectors.unit_as_of(unit, as_of)
    parent = None
    if state is not None and state.parent_id:
        parent = Unit.objects.filter(pk=state.parent_id).first()
    movements = quota_selectors.movements_queryset(unit=unit, date_to=as_of).filter(
        status=QuotaMovement.Status.APPLIED
    )
    return CertificateFacts(
        unit=unit,
        as_of=as_of,
        state=state,
        parent=parent,
        mandate=org_selectors.mandate_as_of(unit, as_of),
        bodies=org_selectors.internal_bodies_as_of(unit, as_of),
        bodies_status=org_selectors.internal_bodies_status(unit, as_of),
        accounts=quota_selectors.unit_accounts(unit, as_of=as_of),
        leader_posts=leader_posts_as_of(unit, as_of),
        post_history=[
            v for v in leader_post_history(unit) if v.effective_date <= as_of
        ],
        changes=[
            c for c in org_selectors.unit_lineage(unit) if c.effective_date <= as_of
        ],
        movements=list(movements.order_by("effective_date", "id")),
    )


# --- the PDF's context ---------------------------------------------------------


def office_name_for(unit: Unit) -> str:
    return f"{unit.region.name}机构编制委员会办公室"


def _funding_label(value: str) -> str:
    return Funding(value).label if value in Funding.values else value


def _account_rows(views) -> list[dict[str, Any]]:
    return [
        {
            "category": view.category.name,
            "funding": _funding_label(str(view.funding)),
            "approved": view.approved,
            "occupied": view.occupied,
            "reserved": view.reserved,
            "vacancy": view.vacancy,
            "over": view.over,
        }
        for view in views
    ]


def _accounts(unit: Unit, as_of: dt.date) -> list[dict[str, Any]]:
    return _account_rows(quota_selectors.unit_accounts(unit, as_of=as_of))


def _changes(facts: CertificateFacts, kinds: set) -> list[dict[str, Any]]:
    return [
        {
            "date": change.effective_date,
            "kind": change.get_kind_display(),
            "doc_no": change.doc_no,
        }
        for change in facts.changes
        if change.kind in kinds and change.status == UnitChange.Status.APPLIED
    ]


def _posts(views: list[LeaderPostView]) -> tuple[list[dict], list[dict]]:
    unit_posts, body_posts = [], []
    for view in views:
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


def _post_history(versions: list[LeaderPostQuota]) -> list[dict[str, Any]]:
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
        for version in versions
    ]


def _quota_changes(unit: Unit, movements: list[QuotaMovement]) -> list[dict[str, Any]]:
    """The movements with the unit's own legs, net per movement."""
    by_id = {movement.pk: movement for movement in movements}
    entries = (
        QuotaEntry.objects.filter(movement_id__in=list(by_id), account__unit=unit)
        .select_related("account__category")
        .order_by("effective_date", "movement_id", "id")
    )
    by_movement: dict[int, dict[str, Any]] = {}
    legs: dict[int, list[str]] = defaultdict(list)
    for entry in entries:
        movement = by_id[entry.movement_id]
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
    """Parts 1–6 of the certificate of `unit` as they stood on `as_of`, as the
    PDF template's plain values."""
    facts = certificate_facts(unit, as_of)
    state, mandate = facts.state, facts.mandate
    unit_posts, body_posts = _posts(facts.leader_posts)
    accounts = _account_rows(facts.accounts)
    return {
        "office_name": office_name_for(unit),
        "unit_name": state.name if state else unit.name,
        "as_of": as_of,
        "cover": "机关" if unit.kind != UnitKind.INSTITUTION else "事业单位",
        "state": state,
        "parent_name": facts.parent.name if facts.parent else "",
        "mandate_functions": mandate.functions if mandate else "",
        "mandate_doc_no": mandate.doc_no if mandate else "",
        "bodies": [
            {
                "name": body.name,
                "rank": body.get_rank_display(),
                "established_on": body.established_on,
                "doc_no": body.established_doc_no,
            }
            for body in facts.bodies
        ],
        "bodies_approved": facts.bodies_status.approved,
        "bodies_count": facts.bodies_status.count,
        "basic_changes": _changes(facts, BASIC_KINDS),
        "body_changes": _changes(facts, BODY_KINDS),
        "unit_posts": unit_posts,
        "body_posts": body_posts,
        "post_history": _post_history(facts.post_history),
        "accounts": accounts,
        "accounts_total": {
            key: sum(row[key] for row in accounts)
            for key in ("approved", "occupied", "reserved", "vacancy")
        },
        "quota_changes": _quota_changes(unit, facts.movements),
        "people": _people(unit, as_of),
    }
