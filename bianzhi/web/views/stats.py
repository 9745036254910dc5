"""统计报表: the list of forms, one form on a page, and its downloads.

The page shows the form for the selection of accounts/stats_scope.py (region or
unit within the user's scope, as-of date, period start for the ledger) with
its two-level header and 合计 row; every number links one level down
(region → unit → the people or the movement behind it). The downloads are
the same FormResult through stats/export.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from bianzhi.accounts.access import assignments, require
from bianzhi.accounts.stats_scope import (
    PERMISSION,
    choices,
    compare_function,
    selection_for,
)
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import OFFICE_ROLES, Role
from bianzhi.stats import export
from bianzhi.stats.base import FormResult, Row, all_forms, get
from bianzhi.web.errors import web_view

# The web page shows at most this many rows; bigger forms show their unit level
# and say that the account rows are in the downloads and on each unit's form.
PAGE_ROWS = 3000
ROSTER_ROLES = frozenset(OFFICE_ROLES | {Role.INSPECTOR})


def _compute(request: HttpRequest, name: str):
    form = get(name)
    selection = selection_for(request.user, request.GET)
    yoy = request.GET.get("yoy") in ("1", "on", "true") and form.yoy
    compare = compare_function() if yoy else None
    if compare is not None:
        return form, selection, compare(form, selection), True
    return form, selection, form.compute(selection), False


def _query(request: HttpRequest, **change) -> str:
    params = {
        k: request.GET.get(k, "")
        for k in ("as_of", "region", "unit", "from", "yoy")
        if request.GET.get(k)
    }
    for key, value in change.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return urlencode(params)


def _linker(request: HttpRequest, name: str, result: FormResult):
    base = reverse("web:stats_form", args=[name])
    may_search = any(a.role in ROSTER_ROLES for a in assignments(request.user))
    search = reverse("web:roster_search")
    cache: dict[int, str | None] = {}

    def url_of(row: Row) -> str | None:
        drill = row.drill or {}
        if "region" in drill:
            return f"{base}?{_query(request, region=drill['region'], unit=None)}"
        if "unit" in drill:
            return f"{base}?{_query(request, unit=drill['unit'], region=None)}"
        if "persons" in drill and may_search:
            return f"{search}?{drill['persons']}"
        if "movement" in drill:
            return reverse("web:movement", args=[int(drill["movement"])])
        if "account" in drill:
            return None
        return None

    def link(row: Row, _column) -> str | None:
        key = id(row)
        if key not in cache:
            cache[key] = url_of(row)
        return cache[key]

    return link


def _up(request: HttpRequest, name: str, selection, regions) -> tuple[str, str]:
    """The level above the selection, when the user may see it (返回上级)."""
    from bianzhi.orgs.models import Region, Unit

    visible = {r.code for r in regions}
    base = reverse("web:stats_form", args=[name])
    if selection.unit_id is not None:
        unit = Unit.objects.filter(pk=selection.unit_id).first()
        if unit and unit.parent_id and selection.within is None:
            return f"{base}?{_query(request, unit=str(unit.parent_id))}", _("上级单位")
        if unit and unit.region_id in visible:
            return (
                f"{base}?{_query(request, unit=None, region=unit.region_id)}",
                _("所属区划"),
            )
        return "", ""
    region = Region.objects.filter(pk=selection.region_code or "").first()
    if region and region.parent_id in visible:
        return f"{base}?{_query(request, region=region.parent_id)}", _("上级区划")
    return "", ""


@web_view
def stats_list(request: HttpRequest) -> HttpResponse:
    require(request.user, PERMISSION)
    forms = all_forms()
    return render(
        request,
        "web/stats/list.html",
        {"forms": forms, "compare": compare_function() is not None},
    )


@web_view
def stats_form(request: HttpRequest, name: str) -> HttpResponse:
    form, selection, result, yoy = _compute(request, name)
    shown = result
    clipped = False
    if len(result.rows) > PAGE_ROWS:
        clipped = True
        shown = FormResult(
            form=result.form,
            title=result.title,
            selection=result.selection,
            columns=result.columns,
            rows=[r for r in result.rows if r.level <= 1][:PAGE_ROWS],
            totals=result.totals,
            notes=result.notes,
        )
    table = export.table(shown, link=_linker(request, name, result))
    downloads = [
        (
            fmt.upper(),
            reverse("web:stats_download", args=[name, fmt]) + "?" + _query(request),
        )
        for fmt in export.FORMATS
    ]
    picks = choices(request.user)
    up_url, up_label = _up(request, name, selection, picks["regions"])
    return render(
        request,
        "web/stats/form.html",
        {
            "form": form,
            "result": shown,
            "table": table,
            "selection": selection,
            "as_of": selection.as_of,
            "period": selection.period,
            "intervals": [
                ("month", _("按月")),
                ("quarter", _("按季度")),
                ("year", _("按年度")),
            ],
            "yoy": yoy,
            "yoy_available": form.yoy and compare_function() is not None,
            "downloads": downloads,
            "regions": picks["regions"],
            "units": picks["units"],
            "clipped": clipped,
            "row_count": len(result.rows),
            "keep_unit": request.GET.get("unit", ""),
            "keep_region": request.GET.get("region", ""),
            "clear_unit": "?" + _query(request, unit=None),
            "up_url": up_url,
            "up_label": up_label,
        },
    )


@web_view
def stats_download(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if fmt not in export.FORMATS:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _form, _selection, result, _yoy = _compute(request, name)
    data = export.render(result, fmt)
    response = HttpResponse(data, content_type=export.CONTENT_TYPES[fmt])
    from urllib.parse import quote

    filename = export.filename(result, fmt)
    response["Content-Disposition"] = (
        f"attachment; filename=\"stats.{fmt}\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
