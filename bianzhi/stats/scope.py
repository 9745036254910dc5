"""Which regions and units a selection covers, as of its date."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from bianzhi.orgs.models import Region, Unit

from .base import Selection


def region_codes_under(code: str) -> list[str]:
    """The region and all its sub-regions (the region table is small)."""
    children: dict[str | None, list[str]] = {}
    for rcode, parent in Region.objects.values_list("code", "parent_id"):
        children.setdefault(parent, []).append(rcode)
    found, stack = [], [code]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, ()))
    return sorted(found)


def unit_ids_under(unit_id: int) -> list[int]:
    children: dict[int | None, list[int]] = {}
    for uid, parent in Unit.objects.values_list("id", "parent_id"):
        children.setdefault(parent, []).append(uid)
    found, stack = [], [unit_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, ()))
    return sorted(found)


def alive_on(as_of: dt.date) -> Q:
    """Units that existed on the date (established, not yet revoked/merged)."""
    return Q(established_on__lte=as_of) & (
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)
    )


def units_in(selection: Selection) -> QuerySet[Unit]:
    """The units of the selection that existed on its as-of date."""
    units = Unit.objects.filter(alive_on(selection.as_of))
    if selection.unit_id is not None:
        units = units.filter(id__in=unit_ids_under(selection.unit_id))
    elif selection.region_code:
        units = units.filter(region_id__in=region_codes_under(selection.region_code))
    return units
