"""GET /api/dashboard/ (the dashboard's numbers) and GET /api/warnings/.

Same selection rules as the pages (stats.dashboard_scope): ?region= or
?unit= inside the reader's scope (404 outside), ?as_of= (DATE_INVALID).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts import access
from bianzhi.stats.dashboard import dashboard_data
from bianzhi.stats.dashboard_scope import (
    selection_for,
    visible_units,
    warning_scope_for,
)
from bianzhi.stats.warnings import warnings_report
from bianzhi.stats.warnings_links import evidence_url

from . import outputs, params

REGION = params.query("region", "行政区划代码（含下级区划），默认为本人范围的最高一级")
UNIT = params.query("unit", "单位ID（含下属单位）", OpenApiTypes.INT)
RULE = params.query("rule", "只列出该预警规则的明细（代码，如 over_quota）")


def _number(value):
    if value is None:
        return None
    return float(value) if not isinstance(value, int) else value


class DashboardView(APIView):
    @extend_schema(
        parameters=[params.AS_OF, REGION, UNIT],
        responses={200: OpenApiTypes.OBJECT, **outputs.NOT_FOUND},
        tags=["dashboard"],
        summary="驾驶舱数据：总量指标、月度趋势、结构、超编单位、区县空编率",
    )
    def get(self, request):
        selection = selection_for(
            access,
            request.user,
            as_of=params.date(request, "as_of") or timezone.localdate(),
            region=params.text(request, "region"),
            unit=params.text(request, "unit"),
        )
        units = visible_units(access, request.user, selection)
        return Response(dashboard_data(selection, unit_ids=units))


class WarningsView(APIView):
    @extend_schema(
        parameters=[REGION, RULE],
        responses={200: OpenApiTypes.OBJECT, **outputs.NOT_FOUND},
        tags=["dashboard"],
        summary="预警：各规则的阈值与预警数，及每条预警的单位和依据链接",
    )
    def get(self, request):
        region = params.text(request, "region")
        rule = params.text(request, "rule")
        scope = warning_scope_for(access, request.user, region=region)
        report = warnings_report(scope, region_code=region or None)
        rules, items = [], []
        for result in report.results:
            rules.append(
                {
                    "code": result.rule.code,
                    "name": result.rule.name,
                    "text": result.rule_text,
                    "threshold": _number(result.threshold),
                    "threshold_unit": result.rule.unit,
                    "enabled": result.enabled,
                    "note": result.rule.disabled_note,
                    "count": result.count,
                }
            )
            if rule and result.rule.code != rule:
                continue
            for hit in result.hits:
                items.append(
                    {
                        "rule": hit.rule,
                        "region_code": hit.region_code,
                        "unit_id": hit.unit_id,
                        "unit_name": hit.unit_name,
                        "subject": hit.subject,
                        "value": _number(hit.value),
                        "threshold": _number(hit.threshold),
                        "evidence": [
                            {
                                "kind": e.kind,
                                "ref": e.ref,
                                "label": e.label,
                                "url": evidence_url(e),
                            }
                            for e in hit.evidence
                        ],
                    }
                )
        return Response(
            {
                "today": report.today.isoformat(),
                "total": report.total,
                "rules": rules,
                "warnings": items,
            }
        )
