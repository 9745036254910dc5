"""Reconciliation (比对) over the API: runs, findings, reviews, handover.

Reconciliation is the office's city-wide work: every endpoint needs
RUN_RECONCILE or REVIEW_FINDING (office roles); others get 403. ID numbers
are masked in every answer (privacy rule of issue 4); the full number is in
the downloadable report, which only office staff can produce.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.access import require
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.reconcile import selectors
from bianzhi.reconcile.models import Finding, ReconcileRun
from bianzhi.reconcile.services import finding_handover, finding_review

from . import outputs

TAGS = ["比对"]


def _viewer(user):
    try:
        return require(user, Permission.RUN_RECONCILE)
    except ApplicationError:
        return require(user, Permission.REVIEW_FINDING)


def _run(pk) -> ReconcileRun:
    run = ReconcileRun.objects.filter(pk=pk).first() if str(pk).isdigit() else None
    if run is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "比对任务不存在")
    return run


def run_data(run: ReconcileRun) -> dict:
    return {
        "id": run.pk,
        "month": f"{run.month:%Y-%m}",
        "roster_source": run.roster_source,
        "inputs": [{k: v for k, v in i.items() if k != "size"} for i in run.inputs],
        "persons": run.persons,
        "counts": run.counts,
        "skipped": run.skipped,
        "findings_total": run.findings_total,
        "created_by": run.created_by_name,
        "finished_at": run.finished_at,
    }


def finding_data(f: Finding) -> dict:
    masked = mask_id_number(f.id_number) if f.id_number else ""
    explanation = (
        f.explanation.replace(f.id_number, masked) if f.id_number else f.explanation
    )
    return {
        "id": f.pk,
        "rule": f.rule,
        "id_number": masked,
        "person_name": f.person_name,
        "unit_name": f.unit_name,
        "unit_id": f.unit_id,
        "explanation": explanation,
        "score": f.score,
        "status": getattr(f, "status", "new"),
        "review_note": getattr(f, "review_note", None) or "",
        "handover": getattr(f, "handover", ""),
        "evidence": f.evidence,
    }


class RunListView(GenericAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="比对任务列表",
    )
    def get(self, request):
        _viewer(request.user)
        page = self.paginate_queryset(selectors.runs())
        return self.get_paginated_response([run_data(r) for r in page])


class RunDetailView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="比对任务：各规则、各单位疑点数",
    )
    def get(self, request, pk):
        _viewer(request.user)
        run = _run(pk)
        return Response(
            {
                **run_data(run),
                "by_rule": selectors.counts_by_rule(run),
                "by_unit": selectors.counts_by_unit(run),
            }
        )


class FindingListView(GenericAPIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="比对疑点（可按 rule、unit、status 筛选）",
    )
    def get(self, request, pk):
        _viewer(request.user)
        run = _run(pk)
        q = request.query_params
        qs = selectors.findings(
            run,
            rule=q.get("rule") or None,
            unit=q.get("unit") or None,
            status=q.get("status") or None,
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response([finding_data(f) for f in page])


class CompareView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="两次比对对照：新增、已消除、仍存在",
    )
    def get(self, request):
        _viewer(request.user)
        a, b = _run(request.query_params.get("a")), _run(request.query_params.get("b"))
        diff = selectors.compare(a, b)
        return Response(
            {
                key: {
                    "count": qs.count(),
                    "findings": [finding_data(f) for f in qs[:200]],
                }
                for key, qs in diff.items()
            }
        )


class ReviewView(APIView):
    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=TAGS,
        summary="核查疑点：verdict（confirmed/explained/false_positive）、note",
    )
    def post(self, request, pk):
        actor = require(request.user, Permission.REVIEW_FINDING)
        review = finding_review(
            actor=actor,
            finding_id=pk,
            verdict=str(request.data.get("verdict", "")),
            note=str(request.data.get("note", "")),
        )
        return Response(
            {
                "key": review.key,
                "verdict": review.verdict,
                "note": review.note,
                "handover": review.handover,
            }
        )


class HandoverView(APIView):
    @extend_schema(
        request=None,
        responses={200: OpenApiTypes.OBJECT, 409: outputs.ErrorOut, **outputs.ERRORS},
        tags=TAGS,
        summary="已确认疑点移交督查",
    )
    def post(self, request, pk):
        actor = require(request.user, Permission.REVIEW_FINDING)
        review = finding_handover(actor=actor, finding_id=pk)
        return Response(
            {"key": review.key, "verdict": review.verdict, "handover": review.handover}
        )
