"""The audited view of a whole 公民身份号码 (issue 4 §5).

Every page, list, API answer and log shows ID numbers masked
(3701**********123X). Roles that need the real number — office staff over
their region, a unit's own HR for the people currently posted there, and
inspectors within their scope (core.roles Permission.VIEW_FULL_ID) — ask for
it one person at a time, and each look is one audit event. The event names
the person (pk) and the masked number only: the audit chain must not become
a second copy of the ID numbers it guards.

Scope, decided here (the access layer fetched the person already, but a
service must not trust its caller): the person is judged by the unit they are
acted on through — the current posting, else the latest one for office staff
and other region-scoped roles. A unit-scoped role (unit HR, an inspector
assigned to one unit) sees the number only while the person is posted in that
very unit: a former employee's number is no longer theirs to look at.
"""

from __future__ import annotations

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.privacy import mask_text
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Region

from .models import Person, Posting

OPERATION = "person_id_reveal"
PURPOSE_MAX = 200


def _home_posting(person: Person) -> Posting | None:
    """The current posting, else the latest (the unit a person is acted on through)."""
    postings = Posting.objects.filter(person=person).select_related("unit")
    return postings.filter(end_date__isnull=True).first() or (
        postings.order_by("start_date", "id").last()
    )


def _region_covers(region_code: str, code: str | None) -> bool:
    # Walk up from the unit's region: three levels at most (GB/T 2260).
    seen: set[str] = set()
    while code and code not in seen:
        if code == region_code:
            return True
        seen.add(code)
        code = (
            Region.objects.filter(pk=code).values_list("parent_id", flat=True).first()
        )
    return False


def _in_scope(actor: Actor, person: Person) -> bool:
    kind, _, value = actor.scope.partition(":")
    posting = _home_posting(person)
    if posting is None or not value:
        return False
    if kind == "unit":
        return posting.end_date is None and str(posting.unit_id) == value
    if kind == "region":
        return _region_covers(value, posting.unit.region_id)
    return False


def person_id_reveal_check(*, actor: Actor, person: Person) -> None:
    """Raise unless `actor` may see `person`'s whole ID number.

    ROLE_FORBIDDEN for a role without VIEW_FULL_ID (the system actor
    included: nobody reads numbers on its behalf); OUT_OF_SCOPE for a person
    outside the actor's scope, exactly like a missing one.
    """
    if not role_allows(actor.role, Permission.VIEW_FULL_ID):
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            "查看完整公民身份号码须由编办人员、本单位人事干部或纪检监察人员办理",
        )
    if not _in_scope(actor, person):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)


def may_reveal_id(*, actor: Actor, person: Person) -> bool:
    """Whether to offer the 「显示完整号码」 button (no audit: nothing is shown)."""
    try:
        person_id_reveal_check(actor=actor, person=person)
    except ApplicationError:
        return False
    return True


def person_id_reveal(*, actor: Actor, person: Person, purpose: str = "") -> str:
    """Return the person's whole ID number and record that `actor` saw it."""
    # Free text typed by the user: an ID number in it is masked like any other.
    purpose = mask_text(" ".join(str(purpose or "").split())[:PURPOSE_MAX])
    with transaction.atomic():
        found = Person.objects.filter(pk=getattr(person, "pk", None)).first()
        if found is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        person_id_reveal_check(actor=actor, person=found)
        masked = mask_id_number(found.id_number)
        summary = f"查看完整公民身份号码 {found.name}（{masked}）"
        if purpose:
            summary += f"；事由：{purpose}"
        audit.record(
            actor=actor,
            operation=OPERATION,
            records=[
                {
                    **audit.change(found, None, None),
                    "id_number": masked,
                    "purpose": purpose,
                }
            ],
            summary=summary,
        )
    return found.id_number
