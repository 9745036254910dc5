"""统计报表 over the API: the list of forms and one form as data.

GET /api/stats/                        → [{name, number, title, yoy}]
GET /api/stats/<form>/?as_of=&region=&unit=&from=&yoy=1
                                       → {title, columns, rows, totals}
Scope as on the pages (accounts/stats_scope.py): out of scope 404, a role without
statistics 403, an unknown form FORM_UNKNOWN (404), a bad date DATE_INVALID.
`rows` are the records (objects keyed by column key, as the .json export);
`columns` describe them (key, label, group, kind); `drill` per row says where
each row leads (the same index as `rows`).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.access import require
from bianzhi.accounts.stats_scope import PERMISSION, compare_function, selection_for
from bianzhi.stats.base import all_forms, get
from bianzhi.stats.export import plain

PARAMS = [
    OpenApiParameter("as_of", str, description="截至日期 YYYY-MM-DD，默认今天"),
    OpenApiParameter("region", str, description="行政区划代码（含下级）"),
    OpenApiParameter("unit", str, description="单位编号（含下属单位）"),
    OpenApiParameter("from", str, description="期间起始日期（台账），默认当年1月1日"),
    OpenApiParameter("yoy", str, description="1：与上年同期对比（提供同比的报表）"),
]


class StatsListView(APIView):
    @extend_schema(
        tags=["stats"],
        summary="统计报表目录",
        operation_id="stats_list",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        require(request.user, PERMISSION)
        return Response(
            [
                {"name": f.name, "number": f.number, "title": f.title, "yoy": f.yoy}
                for f in all_forms()
            ]
        )


class StatsFormView(APIView):
    @extend_schema(
        tags=["stats"],
        summary="一张统计报表的数据",
        operation_id="stats_form",
        parameters=PARAMS,
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, name: str):
        form = get(name)
        selection = selection_for(request.user, request.query_params)
        compare = None
        if request.query_params.get("yoy") in ("1", "true") and form.yoy:
            compare = compare_function()
        result = compare(form, selection) if compare else form.compute(selection)
        return Response(
            {
                "form": result.form,
                "title": result.title,
                "scope": selection.label,
                "as_of": selection.as_of.isoformat(),
                "columns": [
                    {"key": c.key, "label": c.label, "group": c.group, "kind": c.kind}
                    for c in result.columns
                ],
                "rows": [
                    {k: plain(v) for k, v in record.items()}
                    for record in result.records()
                ],
                "drill": [row.drill for row in result.rows],
                "totals": {k: plain(v) for k, v in (result.totals or {}).items()}
                if result.totals is not None
                else None,
                "notes": result.notes,
            }
        )
