"""预警 (/warnings/), 预警阈值设置 (/warnings/thresholds/) and the top-bar
count (/warnings/badge/, loaded by htmx)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.accounts import access
from bianzhi.accounts.access import (
    access_region,
    has_permission,
    region_codes_in_scope,
)
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.orgs.models import Region
from bianzhi.stats.dashboard_scope import top_regions, warning_scope_for
from bianzhi.stats.models import WarningThreshold
from bianzhi.stats.services import warning_threshold_set
from bianzhi.stats.warning_rules import Thresholds, all_rules
from bianzhi.stats.warnings import warning_count, warnings_report
from bianzhi.stats.warnings_links import evidence_url
from bianzhi.web.errors import web_view


@web_view
def badge(request: HttpRequest) -> HttpResponse:
    if not has_permission(request.user, Permission.VIEW_WARNINGS):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    count = warning_count(warning_scope_for(access, request.user))
    return render(request, "web/dashboard/_warnings_badge_count.html", {"n": count})


@web_view
def warning_list(request: HttpRequest) -> HttpResponse:
    region = request.GET.get("region", "").strip()
    rule = request.GET.get("rule", "").strip()
    scope = warning_scope_for(access, request.user, region=region)
    report = warnings_report(scope, region_code=region or None)
    codes = [r.rule.code for r in report.results]
    names = dict(Region.objects.values_list("code", "name"))
    rows = []
    for result in report.results:
        if rule and result.rule.code != rule:
            continue
        for hit in result.hits:
            rows.append(
                {
                    "rule": result.rule,
                    "hit": hit,
                    "region_name": names.get(hit.region_code, hit.region_code),
                    "links": [(e.label, evidence_url(e)) for e in hit.evidence],
                }
            )
    base_q = {"region": region} if region else {}
    counts = [
        {
            "result": result,
            "url": reverse("web:warnings")
            + "?"
            + urlencode({**base_q, "rule": result.rule.code}),
        }
        for result in report.results
    ]
    regions = Region.objects.filter(
        code__in=region_codes_in_scope(request.user, Permission.VIEW_WARNINGS)
    ).order_by("code")
    return render(
        request,
        "web/dashboard/warnings.html",
        {
            "report": report,
            "counts": counts,
            "rows": rows,
            "rule": rule if rule in codes else "",
            "region": region,
            "regions": regions,
            "today": report.today,
        },
    )


def _may_manage(user, code: str) -> bool:
    try:
        access_region(user, code, Permission.MANAGE_WARNINGS)
    except ApplicationError:
        return False
    return True


@web_view
def threshold_settings(request: HttpRequest) -> HttpResponse:
    scope = warning_scope_for(access, request.user)  # 403 without VIEW_WARNINGS
    code = (request.POST.get("region") or request.GET.get("region") or "").strip()
    if not code:
        tops = top_regions(set(scope.region_codes or ()))
        if not tops:
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
        code = tops[0]
    region, _actor = access_region(request.user, code, Permission.VIEW_WARNINGS)
    if request.method == "POST":
        _region, actor = access_region(request.user, code, Permission.MANAGE_WARNINGS)
        try:
            warning_threshold_set(
                actor=actor,
                region=region,
                rule=request.POST.get("rule", ""),
                value=request.POST.get("value", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("预警阈值已保存"))
        return redirect(
            reverse("web:warning_thresholds") + "?" + urlencode({"region": code})
        )
    thresholds = Thresholds()
    own = dict(
        WarningThreshold.objects.filter(region=region).values_list("rule", "value")
    )
    rows = []
    for rule in all_rules():
        if rule.default is None:
            continue
        rows.append(
            {
                "rule": rule,
                "own": own.get(rule.code),
                "in_force": thresholds.value(rule, region.code),
                "text": rule.describe(thresholds.value(rule, region.code)),
            }
        )
    regions = Region.objects.filter(
        code__in=region_codes_in_scope(request.user, Permission.VIEW_WARNINGS)
    ).order_by("code")
    return render(
        request,
        "web/dashboard/thresholds.html",
        {
            "region": region,
            "regions": regions,
            "rows": rows,
            "can_manage": _may_manage(request.user, region.code),
            "today": timezone.localdate(),
        },
    )
