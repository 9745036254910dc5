"""Who a user acts as on an enrollment filing's publicity (shared by the web
pages and the API, like approval_actors for the engine's actions).

The roster services decide (404 out of scope, 403 wrong role, 409 out of
turn); this module only picks the user's assignment for each action and
finds the filings the user may see.
"""

from __future__ import annotations

from bianzhi.approvals import engine
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import OFFICE_ROLES
from bianzhi.roster import enrollment_publicity as publicity

from . import approval_actors


def actors(user) -> list[Actor]:
    found = approval_actors.actors(user)
    if not found:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    return found


def visible_filing(user, request_id) -> tuple[Request, list[Actor]]:
    """The filing if any assignment of the user may see it (else 404)."""
    seen_by, found = [], None
    for actor in actors(user):
        try:
            found = publicity.filing_for(actor, request_id)
        except ApplicationError as exc:
            if exc.code != ErrorCode.OUT_OF_SCOPE:
                raise
            continue
        seen_by.append(actor)
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return found, seen_by


def filings(user):
    """Filings with a publicity that any assignment of the user may see."""
    qs = Request.objects.none()
    for actor in actors(user):
        qs = qs | publicity.publicity_filings(actor)
    return qs.distinct().order_by("-updated_at", "-id")


def acting(user, filing: Request, what: str) -> Actor:
    """publish: the creator's assignment; rule: an office one covering the
    filing; object: any covering it. Else the first, which the service refuses."""
    mine = actors(user)
    covering = [
        a
        for a in mine
        if engine.scope_of(a).covers(
            region_code=filing.region_code, unit_id=filing.unit_id
        )
    ]
    if what == "publish":
        for a in mine:
            if (a.role, a.scope) == (filing.created_by_role, filing.created_by_scope):
                return a
    if what == "rule":
        for a in covering:
            if a.role in OFFICE_ROLES:
                return a
    return covering[0] if covering else mine[0]


def published_pairs(state) -> list[tuple[str, str]] | None:
    """(name, ID number) of the published list, None before any publicity."""
    if state.publicity is None:
        return None
    names = state.publicity.data.get("names") or []
    return list(zip(names, state.id_numbers, strict=False))


def person_number(state, value) -> str:
    """The objection's person: an index into the published list ("" = the
    whole list); an ID number is passed through for the service to check."""
    text = str(value if value is not None else "").strip()
    if text.isdigit() and int(text) < len(state.id_numbers):
        return state.id_numbers[int(text)]
    return text if len(text) > 6 else ""
