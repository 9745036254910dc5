"""Which selection a user may ask a statistics form for (pages and API).

Here, in the access layer, because the web pages and the API (siblings that
may not import each other) both apply it.

- ?region=CODE: only region-scoped roles with VIEW_STATS whose region covers
  CODE (accounts.access.access_region); a unit user asking for any region,
  the city included, gets 404 like for a missing one.
- ?unit=ID: a unit in the user's scope (access_unit), else 404.
- neither: the user's own region (the first region-scoped assignment), else
  their first unit.
Unit-scoped users get Selection.within = their own units, so a 主管部门's
sub-units outside their scope never show up in a form.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from django.utils import timezone

from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Region
from bianzhi.stats.base import Selection

from .access import (
    access_region,
    access_unit,
    assignments,
    region_codes_in_scope,
    require,
    units_in_scope,
)

PERMISSION = Permission.VIEW_STATS


def _region_assignments(user) -> list:
    return [
        a for a in assignments(user) if a.region_id and role_allows(a.role, PERMISSION)
    ]


def _within(user) -> frozenset[int] | None:
    if _region_assignments(user):
        return None
    return frozenset(units_in_scope(user, PERMISSION).values_list("id", flat=True))


def parse_day(raw: str | None, *, field: str) -> dt.date | None:
    text = (raw or "").strip()
    return parse_date(text, field=field) if text else None


def selection_for(user, params) -> Selection:
    """The selection a request asks for (params: request.GET or query_params)."""
    found = _selection_for(user, params)
    return replace(found, interval=(params.get("period") or "").strip())


def _selection_for(user, params) -> Selection:
    require(user, PERMISSION)  # 403 for roles without statistics
    as_of = parse_day(params.get("as_of"), field="as_of") or timezone.localdate()
    period_start = parse_day(params.get("from"), field="from")
    region_code = (params.get("region") or "").strip()
    unit_raw = (params.get("unit") or "").strip()
    within = _within(user)
    if unit_raw:
        if not re.fullmatch(r"\d{1,12}", unit_raw):
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        unit, _actor = access_unit(user, unit_raw, PERMISSION)
        return Selection(
            as_of=as_of,
            unit_id=unit.pk,
            label=unit.name,
            period_start=period_start,
            within=within,
        )
    if region_code:
        region, _actor = access_region(user, region_code, PERMISSION)
        return Selection(
            as_of=as_of,
            region_code=region.code,
            label=region.name,
            period_start=period_start,
        )
    regions = _region_assignments(user)
    if regions:
        region = regions[0].region
        return Selection(
            as_of=as_of,
            region_code=region.code,
            label=region.name,
            period_start=period_start,
        )
    unit = units_in_scope(user, PERMISSION).order_by("id").first()
    if unit is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return Selection(
        as_of=as_of,
        unit_id=unit.pk,
        label=unit.name,
        period_start=period_start,
        within=within,
    )


def choices(user) -> dict:
    """Regions and units for the page's selector, limited to the scope."""
    codes = region_codes_in_scope(user, PERMISSION)
    regions = list(Region.objects.filter(code__in=codes).order_by("code"))
    units = []
    if not codes:
        units = list(units_in_scope(user, PERMISSION).order_by("id"))
    return {"regions": regions, "units": units}


def compare_function():
    """stats/yoy.py's compare(form, selection), once STATS-B has written it."""
    try:
        from bianzhi.stats.yoy import compare
    except ImportError:
        return None
    return compare
