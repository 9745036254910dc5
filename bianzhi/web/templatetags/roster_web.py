"""The roster's sections of the unit page and the certificate (part 6).

Inclusion tags so the unit and certificate views need no roster code: the
templates ask for the people of the unit as of the page's date.
"""

from __future__ import annotations

from django import template

from bianzhi.web.views.roster import change_rows, people_rows

register = template.Library()


@register.inclusion_tag("web/roster/unit_people.html", takes_context=True)
def unit_people(context, unit, as_of):
    request = context["request"]
    return {
        "request": request,
        "unit": unit,
        "as_of": as_of,
        # ?people=all lists everyone; by default the first PEOPLE_SHOWN.
        **people_rows(
            unit, as_of, request.user, everyone=request.GET.get("people") == "all"
        ),
    }


@register.inclusion_tag("web/roster/certificate_part6.html", takes_context=True)
def certificate_roster(context, unit, as_of):
    request = context["request"]
    data = people_rows(unit, as_of, request.user, everyone=True)
    return {
        "request": request,
        "unit": unit,
        "as_of": as_of,
        "people": data["people"],
        "people_total": data["people_total"],
        "people_more": data["people_more"],
        "changes": change_rows(unit, as_of),
    }
