"""Accounts and movements of the quota ledger.

POST /api/movements/ takes {"kind": ..., ...} and calls the one quota service
of that kind. A reform reduction (reform=true) is asked for under the
REFORM_REDUCTION permission, so a user holding both an office_admin and an
office_leader assignment acts (and is audited) as the leader, and an
office_admin alone is refused with 403 before anything is looked up.
"""

from __future__ import annotations

from typing import Any

from django.db.models import prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota import services as quota_services
from bianzhi.quota.models import MovementKind, QuotaAccount, QuotaMovement

from . import inputs, outputs, params
from .fields import validated
from .refs import (
    category_ref,
    loan_ref,
    may_write,
    movement_path,
    region_path,
    region_ref,
    unit_ref,
    visible_movements,
)


def legs_of(movement: QuotaMovement) -> list[dict]:
    """The movement's legs with their accounts described (pending ones too)."""
    legs = movement.legs or []
    ids = [leg.get("account") for leg in legs]
    accounts = {
        a.pk: a
        for a in QuotaAccount.objects.filter(pk__in=ids).select_related(
            "unit", "category"
        )
    }
    rows = []
    for leg in legs:
        account = accounts.get(leg.get("account"))
        if account is None:
            continue
        holder = (
            account.unit.name if account.unit_id else account.get_holder_kind_display()
        )
        rows.append(
            {
                "account": account.pk,
                "amount": leg.get("amount"),
                "holder_kind": account.holder_kind,
                "holder": holder,
                "unit": account.unit_id,
                "category": account.category_id,
                "funding": account.funding,
            }
        )
    return rows


def movement_data(movement: QuotaMovement) -> dict:
    data = dict(outputs.MovementOut(movement).data)
    data["legs"] = legs_of(movement)
    return data


# -- accounts --------------------------------------------------------------------


class AccountListView(APIView):
    @extend_schema(
        parameters=[
            params.query("unit", "单位编号", OpenApiTypes.INT),
            params.query("region", "行政区划代码（系统账户：未分配、周转池、上级）"),
            params.AS_OF,
        ],
        responses={200: outputs.AccountOut(many=True), **outputs.ERRORS},
        tags=["quota"],
        summary="编制账户（unit 与 region 二选一）",
    )
    def get(self, request):
        as_of = params.date(request, "as_of")
        unit_id = params.text(request, "unit")
        region_code = params.text(request, "region")
        if unit_id:
            unit, _ = unit_ref(request.user, unit_id, field="unit", name_unknown=False)
            views = quota_selectors.unit_accounts(unit, as_of=as_of)
        elif region_code:
            region, _ = region_ref(
                request.user, region_code, field="region", name_unknown=False
            )
            views = quota_selectors.region_accounts(region, as_of=as_of)
        else:
            raise ApplicationError(
                ErrorCode.FIELD_REQUIRED, "请指定 unit 或 region", field="unit"
            )
        return Response(outputs.AccountOut(views, many=True).data)


# -- movements -------------------------------------------------------------------


def _movement_filters(request) -> dict[str, Any]:
    filters: dict[str, Any] = {
        "kind": params.choice(request, "kind", MovementKind.choices),
        "doc_no": params.doc_no(request),
        "date_from": params.date(request, "date_from"),
        "date_to": params.date(request, "date_to"),
        "status": params.choice(request, "status", QuotaMovement.Status.choices),
    }
    return {key: value for key, value in filters.items() if value is not None}


MOVEMENT_CREATE = PolymorphicProxySerializer(
    component_name="MovementCreate",
    serializers={str(k): v for k, v in inputs.MOVEMENT_INPUTS.items()},
    resource_type_field_name="kind",
)


class MovementListView(GenericAPIView):
    serializer_class = outputs.MovementOut

    @extend_schema(
        parameters=[
            params.query("kind", "变动类型", enum=MovementKind.values),
            params.query("doc_no", "文号"),
            params.query("unit", "单位编号", OpenApiTypes.INT),
            params.query("region", "行政区划代码（本级台账）"),
            params.query("date_from", "生效日期起", OpenApiTypes.DATE),
            params.query("date_to", "生效日期止", OpenApiTypes.DATE),
            params.query("status", "状态", enum=QuotaMovement.Status.values),
        ],
        responses=outputs.MovementOut(many=True),
        tags=["quota"],
        summary="编制变动台账",
    )
    def get(self, request):
        filters = _movement_filters(request)
        unit_id = params.text(request, "unit")
        region_code = params.text(request, "region")
        if unit_id:
            unit, _ = unit_ref(request.user, unit_id, field="unit", name_unknown=False)
            filters["unit"] = unit
        if region_code:
            region, _ = region_ref(
                request.user, region_code, field="region", name_unknown=False
            )
            filters["region_codes"] = {region.code}
        if unit_id or region_code:
            # The named unit or region is in scope, so all of its movements are.
            movements = quota_selectors.movements_queryset(**filters)
        else:
            movements = visible_movements(request.user, **filters)
        page = self.paginate_queryset(movements)
        prefetch_related_objects(page, "related_movements")
        return self.get_paginated_response(outputs.MovementOut(page, many=True).data)

    @extend_schema(
        request=MOVEMENT_CREATE,
        responses={201: outputs.MovementDetailOut, **outputs.ERRORS},
        tags=["quota"],
        summary="登记编制变动（按 kind 分派到对应业务）",
    )
    def post(self, request):
        may_write(request.user, Permission.MANAGE_QUOTA)
        kind = validated(inputs.MovementKindIn, request.data)["kind"]
        data = validated(inputs.MOVEMENT_INPUTS[kind], request.data)
        data.pop("kind")
        movement = _dispatch(request.user, kind, data)
        return Response(movement_data(movement), status=status.HTTP_201_CREATED)


def _dispatch(user, kind: str, data: dict[str, Any]) -> QuotaMovement:
    permission = Permission.MANAGE_QUOTA
    if data.get("reform"):
        permission = Permission.REFORM_REDUCTION
        may_write(user, permission)
    if "category" in data:
        data["category"] = category_ref(data["category"], field="category")
    if "to_category" in data:
        data["to_category"] = category_ref(data["to_category"], field="to_category")

    def unit(field: str):
        return unit_ref(user, data.pop(field), field=field, permission=permission)

    def region(field: str):
        return region_ref(user, data.pop(field), field=field, permission=permission)

    if kind == inputs.CROSS_REGION:
        source, actor = region("source_region")
        target, _ = region("target_region")
        write_off, _ = quota_services.quota_transfer_between_regions(
            actor=actor, source_region=source, target_region=target, **data
        )
        return write_off
    if kind == MovementKind.TRANSFER:
        source, actor = unit("source_unit")
        target, _ = unit("target_unit")
        return quota_services.quota_transfer(
            actor=actor, source_unit=source, target_unit=target, **data
        )
    if kind == MovementKind.RETURN:
        loan, actor = loan_ref(
            user, data.pop("loan"), field="loan", permission=permission
        )
        return quota_services.quota_return(actor=actor, loan=loan, **data)
    unit_services = {
        MovementKind.GRANT: quota_services.quota_grant,
        MovementKind.RECALL: quota_services.quota_recall,
        MovementKind.LOAN: quota_services.quota_loan,
        MovementKind.CONVERSION: quota_services.quota_conversion,
    }
    if kind in unit_services:
        holder, actor = unit("unit")
        return unit_services[kind](actor=actor, unit=holder, **data)
    region_services = {
        MovementKind.POOL_FUND: quota_services.quota_pool_fund,
        MovementKind.POOL_DEFUND: quota_services.quota_pool_defund,
        MovementKind.INCREASE_TOTAL: quota_services.quota_increase_total,
        MovementKind.WRITE_OFF: quota_services.quota_write_off,
    }
    holder, actor = region("region")
    return region_services[kind](actor=actor, region=holder, **data)


class MovementDetailView(APIView):
    @extend_schema(
        responses={200: outputs.MovementDetailOut, **outputs.NOT_FOUND},
        tags=["quota"],
        summary="编制变动（含分录）",
    )
    def get(self, request, pk):
        return Response(movement_data(movement_path(request.user, pk)))


class MovementReverseView(APIView):
    @extend_schema(
        request=inputs.MovementReverseIn,
        responses={201: outputs.MovementDetailOut, **outputs.ERRORS},
        tags=["quota"],
        summary="冲正（登记反向变动）",
    )
    def post(self, request, pk):
        may_write(request.user, Permission.MANAGE_QUOTA)
        movement = movement_path(request.user, pk)
        _, actor = region_path(
            request.user, movement.region_id, Permission.MANAGE_QUOTA
        )
        data = validated(inputs.MovementReverseIn, request.data)
        reversal = quota_services.movement_reverse(
            actor=actor, movement=movement, **data
        )
        return Response(movement_data(reversal), status=status.HTTP_201_CREATED)
