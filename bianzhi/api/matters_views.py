"""机构编制事项 and 顶格协调事项 over REST, with the web pages' roles and scoping.

Matters: a request of a matter kind is created and submitted through the
generic approvals endpoints (the intake the matters app registers); here are
the list, one matter's record, and the step actions (argue, meeting,
committee, route-up), each answered by the matters services (404 out of
scope, 403 wrong role, 409 out of turn / beyond authority; nothing changed).
Coordination list: list (status=open|closed|overdue|all), one item, create,
close (销号) and reopen.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts import approval_actors as actors
from bianzhi.accounts.access import (
    access_region,
    has_permission,
    region_codes_in_scope,
    units_in_scope,
)
from bianzhi.approvals import engine
from bianzhi.approvals.models import Request
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.matters import coordination
from bianzhi.matters import services_matters as steps
from bianzhi.matters.kinds import ARGUMENTATION, COMMITTEE, KINDS, OFFICE_MEETING
from bianzhi.matters.models import CoordinationItem, Matter

from . import outputs
from .approvals_views import request_data

TAGS = ["matters"]
STEP_OF = {"argue": ARGUMENTATION, "route-up": ARGUMENTATION,
           "meeting": OFFICE_MEETING, "committee": COMMITTEE}  # fmt: skip
STATUS = OpenApiParameter("status", str, description="open|closed|overdue|all")


# The same reading rules as the web pages (web/views/matters*.py); the API
# may not import the web layer, so the three short helpers are repeated.


def visible_matters(user):
    condition = Q(created_by_id=user.pk)
    for actor in actors.actors(user):
        condition |= engine.scope_of(actor).q()
    return Request.objects.filter(condition, kind__in=KINDS).exclude(
        status=Request.Status.DRAFT
    )


def visible_items(user):
    if not has_permission(user, Permission.VIEW_ORGS):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    units = units_in_scope(user).values("pk")
    return CoordinationItem.objects.filter(
        Q(region_id__in=sorted(region_codes_in_scope(user))) | Q(owner_unit__in=units)
    )


def _item(user, pk) -> CoordinationItem:
    found = visible_items(user).filter(pk=pk).first()
    if found is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return found


def _writer(user, region_code: str):
    if not has_permission(user, Permission.MANAGE_COORDINATION):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅编办人员可维护顶格协调事项")
    return access_region(user, region_code, Permission.MANAGE_COORDINATION)[1]


def matter_data(r, matter: Matter | None) -> dict:
    data = request_data(r)
    data["payload"] = r.payload
    data["numbers"] = [
        {"label": n.label, "value": n.value, "url": n.url}
        for n in engine.live_numbers(r)
    ]
    if matter is not None:
        data["matter"] = {
            "type": matter.matter_type,
            "origin_region": matter.origin_region_id,
            "unit_id": matter.unit_id,
            "hearing_notes": matter.hearing_notes,
            "workload": matter.workload,
            "analysis": matter.analysis,
            "attachment_ids": matter.attachment_ids,
            "meeting_date": matter.meeting_date,
            "meeting_minutes": matter.meeting_minutes,
            "committee_decision": matter.committee_decision,
            "doc_no": matter.doc_no,
            "effective_date": matter.effective_date,
            "state": matter.state,
            "state_label": matter.get_state_display(),
            "apply_error": matter.apply_error,
            "route": matter.route,
            "certificate_ids": matter.certificate_ids,
        }
    return data


class MatterListView(GenericAPIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS}, tags=TAGS,
                   summary="机构编制事项列表")  # fmt: skip
    def get(self, request):
        if not actors.takes_part(request.user):
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
        qs = visible_matters(request.user).order_by("-id")
        page = self.paginate_queryset(qs)
        found = {m.request_id: m for m in Matter.objects.filter(request__in=page)}
        return self.get_paginated_response(
            [matter_data(r, found.get(r.pk)) for r in page]
        )


class MatterDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS}, tags=TAGS,
                   summary="机构编制事项详情")  # fmt: skip
    def get(self, request, pk):
        r, _seen = actors.visible_request(request.user, pk)
        if r.kind not in KINDS:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        return Response(matter_data(r, Matter.objects.filter(request=r).first()))


class MatterActionView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="机构编制事项办理：argue / meeting / committee / route-up",
        description=(
            "argue: hearing_notes, workload{annual_cases, norm_per_capita, "
            "service_population}, attachment_ids; meeting: decision "
            "(approve|return|reject), minutes, meeting_date; committee: decision, "
            "decision_text, doc_no, effective_date, committee_date; route-up: reason."
        ),
    )
    def post(self, request, pk, action):
        r, _seen = actors.visible_request(request.user, pk)
        step = STEP_OF.get(action)
        if r.kind not in KINDS or step is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        actor = actors.acting_actor(request.user, r, "approve", step)
        d = request.data if isinstance(request.data, dict) else {}
        if action == "argue":
            ids = d.get("attachment_ids") or []
            if not isinstance(ids, list):
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, "附件编号须为列表", field="attachment_ids"
                )
            steps.matter_argue(
                actor=actor, request_id=r.pk,
                hearing_notes=str(d.get("hearing_notes") or ""),
                workload=d.get("workload") if isinstance(d.get("workload"), dict) else {},
                attachment_ids=ids, comment=str(d.get("comment") or ""),
            )  # fmt: skip
        elif action == "route-up":
            steps.matter_route_up(
                actor=actor, request_id=r.pk, reason=str(d.get("reason") or "")
            )
        elif action == "meeting":
            steps.matter_meeting(
                actor=actor, request_id=r.pk, decision=str(d.get("decision") or ""),
                minutes=str(d.get("minutes") or ""),
                meeting_date=d.get("meeting_date") or None,
            )  # fmt: skip
        else:
            steps.matter_committee(
                actor=actor, request_id=r.pk, decision=str(d.get("decision") or ""),
                decision_text=str(d.get("decision_text") or ""),
                doc_no=str(d.get("doc_no") or ""),
                effective_date=d.get("effective_date") or None,
                committee_date=d.get("committee_date") or None,
            )  # fmt: skip
        r.refresh_from_db()
        return Response(matter_data(r, Matter.objects.filter(request=r).first()))


def item_data(item: CoordinationItem) -> dict:
    today = timezone.localdate()
    return {
        "id": item.pk,
        "region_code": item.region_id,
        "title": item.title,
        "description": item.description,
        "owner_name": item.owner_name,
        "owner_unit_id": item.owner_unit_id,
        "lead_person": item.lead_person,
        "due_date": item.due_date,
        "status": item.status,
        "status_label": item.get_status_display(),
        "overdue": item.status == "open" and item.due_date < today,
        "working_days_late": coordination.days_late(item, today),
        "source_link": item.source_link,
        "closure_note": item.closure_note,
        "evidence_ids": item.evidence_ids,
        "closed_by_name": item.closed_by_name,
        "closed_at": item.closed_at,
        "reopen_reason": item.reopen_reason,
    }


CREATE_KEYS = ("title", "description", "owner_name", "owner_unit", "lead_person",
               "due_date", "due_in_working_days", "source_link")  # fmt: skip


class CoordinationListView(GenericAPIView):
    @extend_schema(parameters=[STATUS], responses={200: OpenApiTypes.OBJECT,
                   **outputs.ERRORS}, tags=TAGS, summary="顶格协调事项清单")  # fmt: skip
    def get(self, request):
        qs = visible_items(request.user)
        which = request.query_params.get("status", "open")
        if which == "overdue":
            qs = coordination.overdue(qs, timezone.localdate())
        elif which in CoordinationItem.Status.values:
            qs = qs.filter(status=which)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([item_data(i) for i in page])

    @extend_schema(request=OpenApiTypes.OBJECT, responses={201: OpenApiTypes.OBJECT,
                   **outputs.ERRORS}, tags=TAGS, summary="新增顶格协调事项（挂账）")  # fmt: skip
    def post(self, request):
        d = request.data if isinstance(request.data, dict) else {}
        region = str(d.get("region") or d.get("region_code") or "")
        actor = _writer(request.user, region)
        item = coordination.coordination_item_create(
            actor=actor, region=region, **{k: d.get(k) for k in CREATE_KEYS if k in d}
        )
        return Response(item_data(item), status=201)


class CoordinationDetailView(APIView):
    @extend_schema(responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS}, tags=TAGS,
                   summary="顶格协调事项详情")  # fmt: skip
    def get(self, request, pk):
        return Response(item_data(_item(request.user, pk)))


class CoordinationActionView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="销号（close: closure_note, evidence_ids）或重新挂账（reopen: reason）",
    )
    def post(self, request, pk, action):
        item = _item(request.user, pk)
        actor = _writer(request.user, item.region_id)
        d = request.data if isinstance(request.data, dict) else {}
        if action == "close":
            ids = d.get("evidence_ids") or []
            if not isinstance(ids, list):
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID, "附件编号须为列表", field="evidence_ids"
                )
            item = coordination.coordination_item_close(
                actor=actor, item_id=item.pk,
                closure_note=str(d.get("closure_note") or ""), evidence_ids=ids,
            )  # fmt: skip
        elif action == "reopen":
            item = coordination.coordination_item_reopen(
                actor=actor, item_id=item.pk, reason=str(d.get("reason") or ""),
                due_date=d.get("due_date") or None,
            )  # fmt: skip
        else:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        return Response(item_data(item))
