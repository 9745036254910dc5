"""Regions, units, internal bodies, mandates, leader posts.

Each write: role check (403), scoped fetch (404/403), shape check (400), then
exactly one service call. Nothing here touches a model's write methods.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.access import region_codes_in_scope, units_in_scope
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.orgs import selectors as orgs_selectors
from bianzhi.orgs import services as orgs_services
from bianzhi.orgs.models import Region, Unit, UnitKind
from bianzhi.quota import leader_posts
from bianzhi.quota import selectors as quota_selectors

from . import inputs, outputs, params
from .fields import validated
from .refs import (
    internal_body_path,
    internal_body_ref,
    may_write,
    region_path,
    region_ref,
    unit_path,
    unit_ref,
)


def _write_schema(request, response, tag: str, summary: str, code: int = 201):
    return extend_schema(
        request=request,
        responses={code: response, **outputs.ERRORS},
        tags=[tag],
        summary=summary,
    )


# -- regions ---------------------------------------------------------------------


class RegionListView(GenericAPIView):
    serializer_class = outputs.RegionOut

    @extend_schema(
        responses=outputs.RegionOut(many=True),
        tags=["regions"],
        summary="可见的行政区划",
    )
    def get(self, request):
        codes = region_codes_in_scope(request.user)
        page = self.paginate_queryset(Region.objects.filter(code__in=codes))
        return self.get_paginated_response(outputs.RegionOut(page, many=True).data)


class RegionDetailView(APIView):
    @extend_schema(
        parameters=[params.AS_OF],
        responses={200: outputs.RegionDetailOut, **outputs.NOT_FOUND},
        tags=["regions"],
        summary="行政区划：控制总数、系统账户、机构限额",
    )
    def get(self, request, code):
        region, _ = region_path(request.user, code)
        as_of = params.date(request, "as_of")
        data = {
            "region": region,
            "as_of": as_of,
            "agency_cap": orgs_selectors.agency_cap_status(
                region, as_of or timezone.localdate()
            ),
            "control_totals": quota_selectors.control_totals(region, as_of=as_of),
            "accounts": quota_selectors.region_accounts(region, as_of=as_of),
        }
        return Response(outputs.RegionDetailOut(data).data)


class AgencyCapView(APIView):
    @_write_schema(inputs.AgencyCapIn, outputs.AgencyCapOut, "regions", "设定机构限额")
    def post(self, request, code):
        may_write(request.user, Permission.MANAGE_ORGS)
        region, actor = region_path(request.user, code, Permission.MANAGE_ORGS)
        data = validated(inputs.AgencyCapIn, request.data)
        cap = orgs_services.agency_cap_set(actor=actor, region=region, **data)
        return Response(outputs.AgencyCapOut(cap).data, status=status.HTTP_201_CREATED)


# -- units -------------------------------------------------------------------------


class UnitListView(GenericAPIView):
    serializer_class = outputs.UnitOut

    @extend_schema(
        parameters=[
            params.query("region", "行政区划代码（仅本级单位）"),
            params.query("kind", "机构类别", enum=UnitKind.values),
            params.query("status", "状态", enum=Unit.Status.values),
            params.query("q", "名称、简称或统一社会信用代码包含"),
        ],
        responses=outputs.UnitOut(many=True),
        tags=["units"],
        summary="可见的单位",
    )
    def get(self, request):
        units = units_in_scope(request.user).select_related("region")
        region = params.text(request, "region")
        if region:
            units = units.filter(region_id=region)
        kind = params.choice(request, "kind", UnitKind.choices)
        if kind:
            units = units.filter(kind=kind)
        unit_status = params.choice(request, "status", Unit.Status.choices)
        if unit_status:
            units = units.filter(status=unit_status)
        q = params.text(request, "q")
        if q:
            units = units.filter(
                Q(name__icontains=q) | Q(short_name__icontains=q) | Q(uscc__icontains=q)
            )
        page = self.paginate_queryset(units.order_by("region_id", "id"))
        return self.get_paginated_response(outputs.UnitOut(page, many=True).data)

    @_write_schema(inputs.UnitEstablishIn, outputs.UnitOut, "units", "设立单位")
    def post(self, request):
        may_write(request.user, Permission.MANAGE_ORGS)
        data = validated(inputs.UnitEstablishIn, request.data)
        region, actor = region_ref(
            request.user,
            data.pop("region"),
            field="region",
            permission=Permission.MANAGE_ORGS,
        )
        parent = data.pop("parent", None)
        if parent is not None:
            parent, _ = unit_ref(
                request.user, parent, field="parent", permission=Permission.MANAGE_ORGS
            )
        unit = orgs_services.unit_establish(
            actor=actor, region=region, parent=parent, **data
        )
        return Response(outputs.UnitOut(unit).data, status=status.HTTP_201_CREATED)


class UnitDetailView(APIView):
    @extend_schema(
        parameters=[params.AS_OF],
        responses={200: outputs.UnitDetailOut, **outputs.NOT_FOUND},
        tags=["units"],
        summary="单位：某日状态、编制账户、领导职数、内设机构、三定",
    )
    def get(self, request, pk):
        unit, _ = unit_path(request.user, pk)
        as_of = params.date(request, "as_of")
        on = as_of or timezone.localdate()
        state = orgs_selectors.unit_as_of(unit, on)
        if state is None:
            raise ApplicationError(
                ErrorCode.OUT_OF_SCOPE,
                f"{unit.name}于{unit.established_on}设立，{on}尚不存在",
                field="as_of",
            )
        data = {
            "unit": unit,
            "as_of": on,
            "state": state,
            "accounts": quota_selectors.unit_accounts(unit, as_of=as_of),
            "leader_posts": leader_posts.leader_posts_as_of(unit, on),
            "internal_bodies": orgs_selectors.internal_bodies_as_of(unit, on),
            "mandate": orgs_selectors.mandate_as_of(unit, on),
        }
        return Response(outputs.UnitDetailOut(data).data)


class UnitLineageView(APIView):
    @extend_schema(
        responses={200: outputs.UnitChangeOut(many=True), **outputs.NOT_FOUND},
        tags=["units"],
        summary="历史沿革",
    )
    def get(self, request, pk):
        unit, _ = unit_path(request.user, pk)
        changes = orgs_selectors.unit_lineage(unit)
        return Response(outputs.UnitChangeOut(changes, many=True).data)


class _UnitWriteView(APIView):
    """POST /api/units/{pk}/<action>/: one service call on a scoped unit."""

    input_class: type = inputs.UnitRenameIn

    def fetch(self, request, pk):
        may_write(request.user, Permission.MANAGE_ORGS)
        unit, actor = unit_path(request.user, pk, Permission.MANAGE_ORGS)
        return unit, actor, validated(self.input_class, request.data)

    def done(self, unit):
        return Response(outputs.UnitOut(unit).data)


class UnitRenameView(_UnitWriteView):
    input_class = inputs.UnitRenameIn

    @_write_schema(inputs.UnitRenameIn, outputs.UnitOut, "units", "更名", 200)
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        return self.done(orgs_services.unit_rename(actor=actor, unit=unit, **data))


class UnitChangeRankView(_UnitWriteView):
    input_class = inputs.UnitChangeRankIn

    @_write_schema(inputs.UnitChangeRankIn, outputs.UnitOut, "units", "调整规格", 200)
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        return self.done(orgs_services.unit_change_rank(actor=actor, unit=unit, **data))


class UnitChangeAttributesView(_UnitWriteView):
    input_class = inputs.UnitChangeAttributesIn

    @_write_schema(
        inputs.UnitChangeAttributesIn, outputs.UnitOut, "units", "调整属性", 200
    )
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        changes = dict(data.pop("changes"))
        if not changes:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, "请填写要调整的属性", field="changes"
            )
        if changes.get("parent") is not None:
            changes["parent"], _ = unit_ref(
                request.user,
                changes["parent"],
                field="changes.parent",
                permission=Permission.MANAGE_ORGS,
            )
        unit = orgs_services.unit_change_attributes(
            actor=actor, unit=unit, changes=changes, **data
        )
        return self.done(unit)


class InternalBodyAddView(_UnitWriteView):
    input_class = inputs.InternalBodyAddIn

    @_write_schema(
        inputs.InternalBodyAddIn, outputs.InternalBodyOut, "units", "增设内设机构"
    )
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        body = orgs_services.internal_body_add(actor=actor, unit=unit, **data)
        return Response(
            outputs.InternalBodyOut(body).data, status=status.HTTP_201_CREATED
        )


class InternalBodyRemoveView(APIView):
    @extend_schema(
        request=inputs.InternalBodyRemoveIn,
        responses={200: outputs.InternalBodyOut, **outputs.ERRORS},
        tags=["units"],
        summary="撤销内设机构",
    )
    def post(self, request, pk):
        may_write(request.user, Permission.MANAGE_ORGS)
        body, actor = internal_body_path(request.user, pk, Permission.MANAGE_ORGS)
        data = validated(inputs.InternalBodyRemoveIn, request.data)
        body = orgs_services.internal_body_remove(actor=actor, body=body, **data)
        return Response(outputs.InternalBodyOut(body).data)


class MandateView(_UnitWriteView):
    input_class = inputs.MandateIn

    @_write_schema(inputs.MandateIn, outputs.MandateOut, "units", "录入三定规定")
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        mandate = orgs_services.mandate_set(actor=actor, unit=unit, **data)
        return Response(
            outputs.MandateOut(mandate).data, status=status.HTTP_201_CREATED
        )


class LeaderPostsView(_UnitWriteView):
    input_class = inputs.LeaderPostsIn

    @_write_schema(
        inputs.LeaderPostsIn, outputs.LeaderPostQuotaOut, "units", "核定领导职数"
    )
    def post(self, request, pk):
        unit, actor, data = self.fetch(request, pk)
        body = internal_body_ref(
            unit, data.pop("internal_body", None), field="internal_body"
        )
        quota = leader_posts.leader_posts_set(
            actor=actor, unit=unit, internal_body=body, **data
        )
        return Response(
            outputs.LeaderPostQuotaOut(quota).data, status=status.HTTP_201_CREATED
        )
