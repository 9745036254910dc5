"""实名制: the person page, and the people parts of the unit page and certificate.

ID numbers are masked (3701**********123X) in every list, for every role; a
person's page offers the audited 「显示完整号码」 to users with VIEW_FULL_ID over
the person (policy: roster_fields). A person is visible to whoever sees a unit
of any of their postings, current or past (roster_fields).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from bianzhi.accounts.access import access_unit, assignments
from bianzhi.core.errors import ApplicationError
from bianzhi.core.roles import Permission, Role
from bianzhi.orgs.models import Unit
from bianzhi.roster import selectors, services_privacy
from bianzhi.roster.models import Appointment, Posting
from bianzhi.roster.values import CHANNEL, RANK, RELEASE_REASON
from bianzhi.web.errors import web_view
from bianzhi.web.roster_fields import access_person, may_reveal_id, shown_id

# The unit page lists at most this many people; the rest are counted.
PEOPLE_SHOWN = 300


def may_office(user, unit: Unit) -> bool:
    try:
        access_unit(user, unit.pk, Permission.MANAGE_QUOTA)
    except ApplicationError:
        return False
    return True


def may_enroll(user, unit: Unit) -> bool:
    """Office staff over the unit, or its own HR (the services' rule)."""
    if may_office(user, unit):
        return True
    return any(
        a.role == Role.UNIT_HR and a.unit_id == unit.pk for a in assignments(user)
    )


def account_label(posting: Posting) -> str:
    account = posting.account
    return f"{account.category.name}·{account.get_funding_display()}"


def people_rows(unit: Unit, as_of: dt.date, user, *, everyone: bool = False) -> dict:
    postings = selectors.unit_people(unit, as_of)
    total = postings.count()
    shown = list(postings if everyone else postings[:PEOPLE_SHOWN])
    titles: dict[int, list[str]] = {}
    for appointment in Appointment.objects.filter(
        selectors.in_force(as_of), posting__in=[p.pk for p in shown]
    ).order_by("start_date"):
        titles.setdefault(appointment.posting_id, []).append(appointment.title)
    rows = [
        {
            "posting": p,
            "person": p.person,
            "id_number": shown_id(p.person.id_number),
            "identity": p.person.get_identity_display(),
            "account": account_label(p),
            "rank": RANK.label(p.person.rank) if p.person.rank else "",
            "appointments": titles.get(p.pk, []),
        }
        for p in shown
    ]
    return {
        "people": rows,
        "people_total": total,
        "people_more": max(total - len(rows), 0),
        "off_quota": list(selectors.off_quota_staff(unit, as_of)),
        "can_enroll": may_enroll(user, unit),
        "can_office": may_office(user, unit),
    }


def change_rows(unit: Unit, as_of: dt.date) -> list[dict]:
    """Postings of the unit started or ended up to `as_of` (certificate part 6)."""
    rows = []
    postings = (
        Posting.objects.filter(unit=unit, start_date__lte=as_of)
        .select_related("person", "account__category")
        .order_by("start_date", "id")
    )
    for p in postings:
        rows.append(
            {
                "date": p.start_date,
                "what": f"入编（{CHANNEL.label(p.channel)}）",
                "name": p.person.name,
                "account": account_label(p),
                "doc_no": p.doc_no,
            }
        )
        if p.end_date is not None and p.end_date <= as_of:
            rows.append(
                {
                    "date": p.end_date,
                    "what": f"出编（{RELEASE_REASON.label(p.end_reason)}）"
                    if p.end_reason
                    else "出编",
                    "name": p.person.name,
                    "account": account_label(p),
                    "doc_no": p.end_doc_no,
                }
            )
    rows.sort(key=lambda r: r["date"])
    return rows


@web_view
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person, _actor = access_person(request.user, person_id)
    history = selectors.person_history(person)
    current = history.current_posting
    today = timezone.localdate()
    unit = current.unit if current is not None else None
    can_office = unit is not None and may_office(request.user, unit)
    can_release = unit is not None and may_enroll(request.user, unit)
    postings = [
        {
            "posting": p,
            "account": account_label(p),
            "channel": CHANNEL.label(p.channel),
            "end_reason": RELEASE_REASON.label(p.end_reason) if p.end_reason else "",
        }
        for p in history.postings
    ]
    return render(
        request,
        "web/roster/person_detail.html",
        {
            "person": person,
            "id_number": shown_id(person.id_number),
            "can_reveal_id": may_reveal_id(request.user, person),
            "rank": RANK.label(person.rank) if person.rank else "",
            "history": history,
            "current": current,
            "current_account": account_label(current) if current else "",
            "postings": postings,
            "active_appointments": [
                a for a in history.appointments if a.end_date is None
            ],
            "retirement_date": history.retirement_date,
            "today": today,
            "can_office": can_office,
            "can_release": can_release,
        },
    )


@web_view
@require_POST
@never_cache
def person_reveal_id(request: HttpRequest, person_id: int) -> HttpResponse:
    """「显示完整号码」: the audited reveal; htmx swaps the number in place."""
    person, actor = access_person(request.user, person_id, Permission.VIEW_FULL_ID)
    number = services_privacy.person_id_reveal(
        actor=actor, person=person, purpose=request.POST.get("purpose", "")
    )
    context = {"person": person, "id_number": number, "revealed": True}
    if request.headers.get("HX-Request"):
        return render(request, "web/roster/person_id.html", context)
    return render(request, "web/roster/person_id_page.html", context)
