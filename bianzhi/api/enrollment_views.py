"""入编备案 over REST: the publicity list, one filing's publicity with its
objections, publishing, objecting and ruling (the filing's submit / review /
approve are the generic approvals endpoints).

Same scoping and roles as the web pages (web/views/enrollment.py chooses the
user's assignment; the roster services decide: 404 out of scope, 403 wrong
role, 409 out of turn; nothing changed on refusal). ID numbers are masked;
an objection names its person by the index in the published list.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.enrollment_actors import (
    acting,
    filings,
    person_number,
    published_pairs,
    visible_filing,
)
from bianzhi.approvals.models import Request
from bianzhi.roster import enrollment_publicity as publicity
from bianzhi.roster.enrollment_batch import person_rows_for_display

from . import outputs

TAGS = ["enrollment"]


def filing_data(r: Request) -> dict:
    state = publicity.publicity_state(r)
    return {
        "id": r.pk,
        "serial": r.serial,
        "title": r.title,
        "unit_id": r.unit_id,
        "status": r.status,
        "status_label": r.get_status_display(),
        "permit": (r.payload or {}).get("permit", ""),
        "persons_count": len((r.payload or {}).get("persons") or []),
        "publicity": {
            "running": state.running,
            "starts_on": state.starts_on,
            "ends_on": state.ends_on,
            "place": state.publicity.comment if state.publicity else "",
            "over": state.is_over(timezone.localdate()),
        },
        "objections_count": len(state.objections),
        "pending_count": len(state.pending),
    }


def detail_data(r: Request) -> dict:
    state = publicity.publicity_state(r)
    data = filing_data(r)
    data["persons"] = [
        {k: p[k] for k in ("index", "name", "gender", "id_masked", "education",
                           "position_title", "identity", "in_batch")}
        for p in person_rows_for_display(r, published_pairs(state))
    ]  # fmt: skip
    data["objections"] = [
        {
            "id": o.id,
            "at": o.at,
            "by": o.by,
            "name": o.name,
            "note": o.note,
            "pending": o.pending,
            "outcome": o.outcome,
            "outcome_label": o.outcome_label,
            "ruling_note": o.ruling.comment if o.ruling else "",
            "ruled_by": o.ruling.actor_name if o.ruling else "",
        }
        for o in state.objections
    ]
    return data


class FilingListView(GenericAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="入编公示列表",
    )
    def get(self, request):
        page = self.paginate_queryset(filings(request.user))
        return self.get_paginated_response([filing_data(r) for r in page])


class PublicityView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="入编备案的公示名单与异议",
    )
    def get(self, request, pk):
        r, _ = visible_filing(request.user, pk)
        return Response(detail_data(r))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="发布公示（申请人，草稿或退回修改的备案）",
        description="请求体：place（公示方式）。",
    )
    def post(self, request, pk):
        r, _ = visible_filing(request.user, pk)
        body = request.data if hasattr(request.data, "get") else {}
        publicity.publicity_start(
            actor=acting(request.user, r, "publish"),
            request_id=r.pk,
            place=str(body.get("place") or ""),
        )
        r.refresh_from_db()
        return Response(detail_data(r))


class ObjectionView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="提出异议",
        description="请求体：person（公示名单序号，从0起；不填为整批名单）、note（必填）。",
    )
    def post(self, request, pk):
        r, _ = visible_filing(request.user, pk)
        body = request.data if hasattr(request.data, "get") else {}
        publicity.objection_record(
            actor=acting(request.user, r, "object"),
            request_id=r.pk,
            id_number=person_number(publicity.publicity_state(r), body.get("person")),
            note=str(body.get("note") or ""),
        )
        r.refresh_from_db()
        return Response(detail_data(r), status=201)


class RulingView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="核查异议（编办）",
        description="请求体：outcome（dismiss 不成立 / remove 移出本批次 / "
        "return 退回）、note（必填）。",
    )
    def post(self, request, pk, objection_id):
        r, _ = visible_filing(request.user, pk)
        body = request.data if hasattr(request.data, "get") else {}
        publicity.objection_rule(
            actor=acting(request.user, r, "rule"),
            request_id=r.pk,
            objection_id=objection_id,
            outcome=str(body.get("outcome") or ""),
            note=str(body.get("note") or ""),
        )
        r.refresh_from_db()
        return Response(detail_data(r))
