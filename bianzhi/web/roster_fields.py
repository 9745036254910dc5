"""Scoped lookups of roster objects for the pages, the office forms and the API.

A person belongs to the units of their postings: the person is visible to a
user who sees the unit of any of them (current or past), and acted on
through the unit of the current posting (else the latest one). A posting,
appointment or off-quota record belongs to its unit; a secondment to the unit
of the seconded person. Anything else answers OUT_OF_SCOPE, exactly like a
missing id, so nothing about other units' people is revealed.
"""

from __future__ import annotations

import re
from typing import Any

from bianzhi.accounts.access import access_unit, units_in_scope
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number, to_halfwidth
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.roster import services_privacy
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    Secondment,
)

ROSTER_KINDS = frozenset({"person", "posting", "appointment", "secondment", "offquota"})


def object_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**63 else None
    text = to_halfwidth(str(value if value is not None else "")).strip()
    return int(text) if re.fullmatch(r"\d{1,18}", text) else None


def _missing() -> ApplicationError:
    return ApplicationError(ErrorCode.OUT_OF_SCOPE)


def home_unit_id(person: Person) -> int | None:
    """The unit a person is acted on through: current posting, else the latest."""
    postings = Posting.objects.filter(person=person)
    posting = postings.filter(end_date__isnull=True).first() or (
        postings.order_by("start_date", "id").last()
    )
    return posting.unit_id if posting else None


def access_person(
    user, value: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[Person, Actor]:
    pk = object_id(value)
    person = Person.objects.filter(pk=pk).first() if pk else None
    if person is None:
        raise _missing()
    unit_ids = set(
        Posting.objects.filter(person=person).values_list("unit_id", flat=True)
    )
    visible = list(
        units_in_scope(user).filter(pk__in=unit_ids).values_list("pk", flat=True)
    )
    if not visible:
        raise _missing()
    # Reading needs any of the person's units; acting needs the current one.
    unit_id = visible[0] if permission == Permission.VIEW_ORGS else home_unit_id(person)
    _unit, actor = access_unit(user, unit_id, permission)
    return person, actor


def access_posting(
    user, value: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[Posting, Actor]:
    pk = object_id(value)
    posting = (
        Posting.objects.select_related("person", "unit", "account__category")
        .filter(pk=pk)
        .first()
        if pk
        else None
    )
    if posting is None:
        raise _missing()
    _unit, actor = access_unit(user, posting.unit_id, permission)
    return posting, actor


def access_appointment(
    user, value: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[Appointment, Actor]:
    pk = object_id(value)
    found = (
        Appointment.objects.select_related("person", "unit").filter(pk=pk).first()
        if pk
        else None
    )
    if found is None:
        raise _missing()
    _unit, actor = access_unit(user, found.unit_id, permission)
    return found, actor


def access_secondment(
    user, value: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[Secondment, Actor]:
    pk = object_id(value)
    found = (
        Secondment.objects.select_related("person", "host_unit").filter(pk=pk).first()
        if pk
        else None
    )
    if found is None:
        raise _missing()
    unit_id = home_unit_id(found.person) or found.host_unit_id
    _unit, actor = access_unit(user, unit_id, permission)
    return found, actor


def access_offquota(
    user, value: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[OffQuotaStaff, Actor]:
    pk = object_id(value)
    found = OffQuotaStaff.objects.filter(pk=pk).first() if pk else None
    if found is None:
        raise _missing()
    _unit, actor = access_unit(user, found.unit_id, permission)
    return found, actor


ACCESSORS = {
    "person": access_person,
    "posting": access_posting,
    "appointment": access_appointment,
    "secondment": access_secondment,
    "offquota": access_offquota,
}


def parse_roster_field(kind: str, raw: str, user, permission: str, remember) -> Any:
    """An office-form input naming a roster object (forms._parse_one delegates)."""
    found, actor = ACCESSORS[kind](user, raw, permission)
    remember(actor)
    return found


# -- ID numbers (issue 4 §5) -------------------------------------------------------
#
# The policy, in one place for the pages (the API applies the same in
# api/roster_io.py, exports in exchange/export.py's full_id):
# - Lists show masked numbers (3701**********123X) to everyone, office staff
#   included: the unit page's people, certificate part 6, search results, the
#   live panels beside the office forms.
#   The certificate's part 6 too, for the office as well: it is a GET page that
#   every role in scope opens (and prints) at will, so whole numbers there would
#   be an unaudited bulk view of a unit's people; the certificate identifies
#   people by name, masked number and posting. An office that needs the whole
#   numbers on paper takes the export (full_id, itself an audit event).
# - A single person's page shows the masked number and, to a user holding
#   VIEW_FULL_ID over that person (office over the region, the unit's own HR
#   while the person is posted there, an inspector in scope), a button that
#   posts to the audited reveal (roster.services_privacy.person_id_reveal):
#   one audit event per look.
# - Forms that take an ID number as input take it whole.


def shown_id(number: str) -> str:
    """An ID number as pages show it: masked (see the policy above)."""
    return mask_id_number(number)


def may_reveal_id(user, person: Person) -> bool:
    """Whether the person page offers 「显示完整号码」 to this user."""
    try:
        _person, actor = access_person(user, person.pk, Permission.VIEW_FULL_ID)
    except ApplicationError:
        return False
    return services_privacy.may_reveal_id(actor=actor, person=person)
