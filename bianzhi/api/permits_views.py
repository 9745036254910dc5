"""用编核准 (quota-use permits) for API clients: the permits of the units in
the caller's scope, and one permit with the intakes that used it. The same
filters as the page (quota.selectors_permits.PermitFilter); 404 outside the
scope."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.access import units_in_scope
from bianzhi.accounts.permit_access import cancelling_actor, readable_permit
from bianzhi.core.codes import mask_id_number
from bianzhi.quota.models import Permit
from bianzhi.quota.permits import permit_cancel
from bianzhi.quota.selectors_permits import PermitFilter, permits_in, state_on
from bianzhi.roster.selectors import postings_by_permit
from bianzhi.roster.values import CHANNEL

from . import outputs

TAGS = ["quota"]
FILTERS = [
    OpenApiParameter("state", str, description="active|exhausted|expired|cancelled"),
    OpenApiParameter("channel", str, description="进入方式代码"),
    OpenApiParameter("backing", str, description="vacancy|credit"),
    OpenApiParameter("unit", int, description="单位编号"),
    OpenApiParameter("q", str, description="核准编号、单位名称或批准文号"),
]


def permit_data(permit: Permit, today) -> dict:
    return {
        "id": permit.pk,
        "number": permit.number,
        "unit": permit.unit_id,
        "unit_name": permit.unit.name,
        "account": permit.account_id,
        "category": permit.account.category_id,
        "funding": permit.account.funding,
        "channel": permit.channel,
        "channel_label": CHANNEL.label(permit.channel),
        "count": permit.count,
        "used": permit.used,
        "remaining": permit.remaining,
        "converted": permit.converted,
        "by_credit": permit.by_credit,
        "valid_from": permit.valid_from.isoformat(),
        "valid_until": permit.valid_until.isoformat(),
        "status": permit.status,
        "state": state_on(permit, today),
        "request": permit.request_id,
        "doc_no": permit.doc_no,
    }


class PermitListView(GenericAPIView):
    @extend_schema(parameters=FILTERS, responses={200: OpenApiTypes.OBJECT,
                   **outputs.ERRORS}, tags=TAGS, summary="用编核准清单")  # fmt: skip
    def get(self, request):
        today = timezone.localdate()
        selected = PermitFilter.from_params(request.query_params)
        page = self.paginate_queryset(
            permits_in(units_in_scope(request.user), selected, today)
        )
        return self.get_paginated_response([permit_data(p, today) for p in page])


class PermitDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
                   tags=TAGS, summary="用编核准详情及使用情况")  # fmt: skip
    def get(self, request, pk):
        permit = readable_permit(request.user, pk)
        data = permit_data(permit, timezone.localdate())
        data["intakes"] = [
            {
                "person": p.person_id,
                "name": p.person.name,
                "id_number": mask_id_number(p.person.id_number),
                "start_date": p.start_date.isoformat(),
            }
            for p in postings_by_permit(permit)
        ]
        return Response(data)


class PermitCancelView(APIView):
    @extend_schema(request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT,
                   409: outputs.ErrorOut, **outputs.ERRORS}, tags=TAGS,
                   summary="撤销用编核准（reason），释放剩余名额并作废核准通知书")  # fmt: skip
    def post(self, request, pk):
        permit, actor = cancelling_actor(request.user, pk)
        data = request.data if isinstance(request.data, dict) else {}
        permit_cancel(
            actor=actor,
            permit_id=permit.pk,
            reason=str(data.get("reason") or ""),
            today=timezone.localdate(),
        )
        permit.refresh_from_db(fields=["status"])
        return Response(permit_data(permit, timezone.localdate()))
