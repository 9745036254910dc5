"""审批 over REST: inbox, my requests, completed, one request with its history,
and every action (submit / approve / return / reject / withdraw / opinion).

Same roles and scoping as the web pages: the user's assignment is chosen by
accounts.approval_actors and the engine services decide (404 out of scope,
409 out of turn, 403 wrong role; nothing changed). A repeated submit with the
same idempotency_key answers with the request unchanged.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts import approval_actors as actors
from bianzhi.accounts import approval_intake as fields
from bianzhi.accounts.approval_intake import submittable_kinds
from bianzhi.approvals import engine, intake, notifications, selectors, submission
from bianzhi.approvals.models import JointReview, Request
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import outputs

TAGS = ["approvals"]
KIND = OpenApiParameter("kind", str, description="事项类型")
OVERDUE = OpenApiParameter("overdue", bool, description="仅看超期")


def request_data(r: Request) -> dict:
    return {
        "id": r.pk,
        "serial": r.serial,
        "kind": r.kind,
        "kind_label": engine.kind_spec(r.kind).label
        if engine.is_registered(r.kind)
        else r.kind,
        "title": r.title,
        "unit_id": r.unit_id,
        "region_code": r.region_code,
        "status": r.status,
        "status_label": r.get_status_display(),
        "current_step": r.current_step,
        "current_step_label": engine.step_label(r.kind, r.current_step)
        if r.current_step
        else "",
        "current_role": r.current_role,
        "due_on": r.due_on,
        "overdue": bool(r.due_on and r.due_on < timezone.localdate()),
        "round": r.round,
        "submitted_at": r.submitted_at,
        "decided_at": r.decided_at,
        "created_by_name": r.created_by_name,
    }


class _ListView(GenericAPIView):
    def rows(self, request):
        raise NotImplementedError

    @extend_schema(
        parameters=[KIND, OVERDUE],
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
    )
    def get(self, request):
        if not actors.takes_part(request.user):
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
        qs = self.rows(request)
        if request.query_params.get("kind"):
            qs = qs.filter(kind=request.query_params["kind"])
        if request.query_params.get("overdue") in ("1", "true"):
            qs = qs.filter(due_on__lt=timezone.localdate())
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([request_data(r) for r in page])


class InboxView(_ListView):
    """待办: requests waiting for me."""

    def rows(self, request):
        return actors.inbox(request.user)


class MineView(_ListView):
    """我的申请."""

    def rows(self, request):
        return actors.my_requests(request.user)


class CompletedView(_ListView):
    """已办: requests I decided."""

    def rows(self, request):
        return actors.completed(request.user)


def detail_data(user, r: Request, seen_by) -> dict:
    data = request_data(r)
    data["payload"] = r.payload
    data["numbers"] = [
        {"label": n.label, "value": n.value, "url": n.url}
        for n in engine.live_numbers(r)
    ]
    data["stages"] = [
        {
            "round": s.round,
            "step": s.step,
            "step_label": engine.step_label(r.kind, s.step),
            "role": s.role,
            "started_on": s.started_on,
            "due_on": s.due_on,
            "completed_on": s.completed_on,
            "overdue": s.is_overdue,
        }
        for s in selectors.request_stages(r)
    ]
    data["history"] = [
        {
            "at": h.at,
            "round": h.round,
            "step": h.step,
            "step_label": h.step_label,
            "action": h.action,
            "action_label": h.action_label,
            "actor_name": h.actor_name,
            "actor_role": h.actor_role,
            "comment": h.comment,
            "data": h.data,
        }
        for h in selectors.request_history(r)
    ]
    data["opinions"] = [
        {
            "department": j.department,
            "opinion": j.opinion,
            "opinion_label": j.get_opinion_display(),
            "comment": j.comment,
            "actor_name": j.actor_name,
            "decided_at": j.decided_at,
        }
        for j in JointReview.objects.filter(request=r).order_by("id")
    ]
    data["actions"] = actors.available_actions(user, r, seen_by)
    return data


class DetailView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="审批事项详情（含办理记录）",
    )
    def get(self, request, pk):
        r, seen_by = actors.visible_request(request.user, pk)
        return Response(detail_data(request.user, r, seen_by))

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="修改草稿或退回修改的申请（可同时提交）",
        description="请求体：values（全部字段）、submit、idempotency_key。",
    )
    def put(self, request, pk):
        return update(request, pk, partial=False)

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="修改草稿或退回修改的申请（仅给出的字段）",
    )
    def patch(self, request, pk):
        return update(request, pk, partial=True)


class ActionView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="办理：submit / approve / return / reject / withdraw / opinion",
        description="请求体：step（办理的环节）、comment、opinion（agree/disagree/"
        "conditional）、department、idempotency_key（提交时防重复）。",
    )
    def post(self, request, pk, action):
        r, _ = actors.visible_request(request.user, pk)
        body = request.data if hasattr(request.data, "get") else {}
        r = actors.perform(request.user, r, action, body)
        r, seen_by = actors.visible_request(request.user, r.pk)
        return Response(detail_data(request.user, r, seen_by))


# --- create / correct from the kind's form (approvals/intake.py) ----------------------


def _values(body) -> dict:
    values = body.get("values") if hasattr(body, "get") else None
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "values 应为对象（字段名→值）", field="values"
        )
    return values


def _submit_flag(body) -> bool:
    raw = body.get("submit", False) if hasattr(body, "get") else False
    if isinstance(raw, bool):
        return raw
    return str(raw).lower() in ("1", "true", "yes")


def _submitter(user, kind: str, values: dict):
    spec = submission.intake_of(kind)
    actors = fields.submitter_actors(user, kind)
    if not actors:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            f"当前角色不能提出{engine.kind_spec(kind).label}",
        )
    return fields.actor_for(actors, values, spec)


class CreateView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            201: OpenApiTypes.OBJECT,
            200: OpenApiTypes.OBJECT,
            409: outputs.ErrorOut,
            **outputs.ERRORS,
        },
        tags=TAGS,
        summary="新建申请（可同时提交）",
        description="请求体：kind（事项类型）、values（表单字段→值；表格字段为对象数组，"
        "附件为已上传附件编号数组）、submit（true 时同时提交）、idempotency_key"
        "（防重复：同一标识再次请求返回同一申请）。错误带 field 指明字段。",
    )
    def post(self, request):
        body = request.data if hasattr(request.data, "get") else {}
        kind = str(body.get("kind") or "")
        submission.intake_of(kind)
        values = _values(body)
        key = submission.clean_key(body.get("idempotency_key"))
        existed = bool(key) and Request.objects.filter(idempotency_key=key).exists()
        r = submission.save_from_intake(
            actor=_submitter(request.user, kind, values),
            kind=kind,
            values=values,
            submit=_submit_flag(body),
            idempotency_key=key,
        )
        r, seen_by = actors.visible_request(request.user, r.pk)
        return Response(
            detail_data(request.user, r, seen_by), status=200 if existed else 201
        )


class KindsView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="可提出的申请事项及其表单字段",
    )
    def get(self, request):
        def field_data(f) -> dict:
            return {
                "name": f.name,
                "label": f.label,
                "type": f.type,
                "required": f.required,
                "help": f.help,
                "depends_on": f.depends_on,
                "columns": [field_data(c) for c in f.columns],
            }

        out = []
        for kind, label, intro in submittable_kinds(request.user):
            spec = intake.intake_for(kind)
            out.append(
                {
                    "kind": kind,
                    "label": label,
                    "intro": intro,
                    "fields": [field_data(f) for f in spec.fields],
                }
            )
        return Response({"results": out})


def update(request, pk, *, partial: bool) -> Response:
    r, _ = actors.visible_request(request.user, pk)
    body = request.data if hasattr(request.data, "get") else {}
    spec = submission.intake_of(r.kind)
    values = _values(body)
    if partial:
        values = {**spec.values_of(r), **values}
    saved = submission.save_from_intake(
        actor=_submitter(request.user, r.kind, values),
        kind=r.kind,
        values=values,
        submit=_submit_flag(body),
        idempotency_key=submission.clean_key(body.get("idempotency_key")),
        request_id=r.pk,
    )
    saved, seen_by = actors.visible_request(request.user, saved.pk)
    return Response(detail_data(request.user, saved, seen_by))


# --- notifications ---------------------------------------------------------------------


class NotificationsView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="审批消息（自上次标为已读以来）",
    )
    def get(self, request):
        if not actors.takes_part(request.user):
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
        found = notifications.notices(request.user.pk, actors.inbox(request.user))
        return Response(
            {
                "since": notifications.seen_at(request.user.pk),
                "count": len(found),
                "results": [
                    {
                        "at": n.at,
                        "event": n.event,
                        "request_id": n.request_id,
                        "serial": n.serial,
                        "title": n.title,
                        "text": n.text,
                    }
                    for n in found
                ],
            }
        )

    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="审批消息全部标为已读",
    )
    def post(self, request):
        if not actors.takes_part(request.user):
            raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
        row = notifications.notices_mark_seen(actor=actors.actors(request.user)[0])
        return Response({"since": row.seen_at, "count": 0})
