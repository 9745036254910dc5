"""实名制 over REST: people of a unit, a person, and every roster service.

Refusal order as in refs.py: office-only writes first ask whether any role of
the user may do office work (403), then resolve the ids (404 outside the
scope), then the covering role. Enrollment, release and off-quota staff are
open to the unit's own HR too: the ids are resolved under VIEW_ORGS and the
service decides who may act (ROLE_FORBIDDEN → 403). Every refusal is the
service's code with its Chinese message, and nothing is written.

ID numbers are masked in every answer (roster_io); the whole number of one
person comes from POST persons/<id>/reveal-id/, one audit event per call.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from bianzhi.accounts.access import has_permission
from bianzhi.core.errors import ApplicationError
from bianzhi.core.roles import Permission
from bianzhi.roster import selectors, services_privacy
from bianzhi.roster import services as roster_services
from bianzhi.roster.models import Appointment

from . import outputs, params
from . import roster_io as io
from .fields import validated
from .refs import category_ref, internal_body_ref, may_write, unit_path, unit_ref

VIEW = Permission.VIEW_ORGS
OFFICE = Permission.MANAGE_QUOTA


def _schema(request, summary: str, code: int = 201):
    return extend_schema(
        request=request,
        responses={code: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=["roster"],
        summary=summary,
    )


def _body_unit(user, value, field: str, permission: str):
    """A unit named in a body; only office staff learn whether an id exists."""
    return unit_ref(
        user,
        value,
        field=field,
        permission=permission,
        name_unknown=has_permission(user, OFFICE),
    )


def _posting_out(request, posting, code=status.HTTP_200_OK) -> Response:
    return Response(io.posting_data(posting), status=code)


# -- reads ---------------------------------------------------------------------------


class UnitPeopleView(GenericAPIView):
    @extend_schema(
        parameters=[params.AS_OF],
        responses={200: OpenApiTypes.OBJECT, **outputs.NOT_FOUND},
        tags=["roster"],
        summary="单位在编人员（某日）",
    )
    def get(self, request, pk):
        unit, _ = unit_path(request.user, pk)
        as_of = params.date(request, "as_of")
        postings = selectors.unit_people(unit, as_of).select_related("unit")
        page = self.paginate_queryset(postings)
        on = as_of or timezone.localdate()
        titles: dict[int, list] = {}
        for a in Appointment.objects.filter(
            selectors.in_force(on), posting__in=[p.pk for p in page]
        ):
            titles.setdefault(a.posting_id, []).append(a)
        rows = [io.posting_data(p, appointments=titles.get(p.pk, [])) for p in page]
        return self.get_paginated_response(rows)


class PersonDetailView(APIView):
    @extend_schema(
        responses={200: OpenApiTypes.OBJECT, **outputs.NOT_FOUND},
        tags=["roster"],
        summary="人员：当前在编、领导职务、退休时间、全部经历",
    )
    def get(self, request, pk):
        person, _ = io.person_path(request.user, pk)
        return Response(io.person_detail(person))


class RevealIdView(APIView):
    @extend_schema(
        request=io.RevealIdIn,
        responses={200: OpenApiTypes.OBJECT, **outputs.ERRORS},
        tags=["roster"],
        summary="查看完整公民身份号码（每次查看记入审计日志）",
    )
    def post(self, request, pk):
        person, actor = io.person_path(request.user, pk, Permission.VIEW_FULL_ID)
        data = validated(io.RevealIdIn, request.data)
        number = services_privacy.person_id_reveal(
            actor=actor, person=person, purpose=data.get("purpose", "")
        )
        response = Response({"id": person.pk, "id_number": number})
        response["Cache-Control"] = "no-store"
        return response


# -- postings ---------------------------------------------------------------------------


class EnrollView(APIView):
    @_schema(io.EnrollIn, "入编")
    def post(self, request):
        may_write(request.user, VIEW)
        data = validated(io.EnrollIn, request.data)
        unit, actor = _body_unit(request.user, data.pop("unit"), "unit", VIEW)
        data["category"] = category_ref(data["category"], field="category")
        posting = roster_services.person_enroll(actor=actor, unit=unit, **data)
        return _posting_out(request, posting, status.HTTP_201_CREATED)


class ReleaseView(APIView):
    @_schema(io.ReleaseIn, "出编", 200)
    def post(self, request, pk):
        may_write(request.user, VIEW)
        posting, actor = io.posting_path(request.user, pk)
        data = validated(io.ReleaseIn, request.data)
        released = roster_services.person_release(actor=actor, posting=posting, **data)
        return _posting_out(request, released)


class TransferView(APIView):
    @_schema(io.PersonTransferIn, "调动（调出＋调入）")
    def post(self, request, pk):
        may_write(request.user, OFFICE)
        person, actor = io.person_path(request.user, pk, OFFICE)
        data = validated(io.PersonTransferIn, request.data)
        to_unit, _ = _body_unit(request.user, data.pop("to_unit"), "to_unit", VIEW)
        data["category"] = category_ref(data["category"], field="category")
        posting = roster_services.person_transfer(
            actor=actor, person=person, to_unit=to_unit, **data
        )
        return _posting_out(request, posting, status.HTTP_201_CREATED)


# -- people ------------------------------------------------------------------------------


class LockedFieldView(APIView):
    @_schema(io.LockedFieldIn, "变更锁定字段", 200)
    def post(self, request, pk):
        may_write(request.user, OFFICE)
        person, actor = io.person_path(request.user, pk, OFFICE)
        data = validated(io.LockedFieldIn, request.data)
        changed = roster_services.person_change_locked_field(
            actor=actor, person=person, **data
        )
        return Response(io.person_detail(changed))


class RetirementExceptionView(APIView):
    @_schema(io.RetirementExceptionIn, "记录退休例外情形")
    def post(self, request, pk):
        may_write(request.user, OFFICE)
        person, actor = io.person_path(request.user, pk, OFFICE)
        data = validated(io.RetirementExceptionIn, request.data)
        exception = roster_services.retirement_exception_record(
            actor=actor, person=person, **data
        )
        return Response(
            {
                "id": exception.pk,
                "person": person.pk,
                "kind": exception.kind,
                "months": exception.months,
                "effective_from": exception.effective_from,
                "doc_no": exception.doc_no,
                "retirement_date": selectors.retirement_date_for(person),
            },
            status=status.HTTP_201_CREATED,
        )


# -- appointments -------------------------------------------------------------------------


class AppointmentStartView(APIView):
    @_schema(io.AppointmentIn, "领导职务任职")
    def post(self, request):
        may_write(request.user, OFFICE)
        data = validated(io.AppointmentIn, request.data)
        try:
            posting, actor = io.posting_path(request.user, data.pop("posting"), OFFICE)
        except ApplicationError as exc:
            raise io.relabel(exc, "posting") from None
        body = internal_body_ref(
            posting.unit, data.pop("internal_body", None), field="internal_body"
        )
        appointment = roster_services.appointment_start(
            actor=actor, posting=posting, internal_body=body, **data
        )
        return Response(
            io.appointment_data(appointment), status=status.HTTP_201_CREATED
        )


class AppointmentEndView(APIView):
    @_schema(io.AppointmentEndIn, "领导职务免职", 200)
    def post(self, request, pk):
        may_write(request.user, OFFICE)
        appointment, actor = io.appointment_path(request.user, pk, OFFICE)
        data = validated(io.AppointmentEndIn, request.data)
        ended = roster_services.appointment_end(
            actor=actor, appointment=appointment, **data
        )
        return Response(io.appointment_data(ended))


# -- secondments and off-quota staff ----------------------------------------------------------


class SecondmentRecordView(APIView):
    @_schema(io.SecondmentIn, "登记借调")
    def post(self, request):
        may_write(request.user, OFFICE)
        data = validated(io.SecondmentIn, request.data)
        try:
            person, actor = io.person_path(request.user, data.pop("person"), OFFICE)
        except ApplicationError as exc:
            raise io.relabel(exc, "person") from None
        host, _ = _body_unit(request.user, data.pop("host_unit"), "host_unit", VIEW)
        secondment = roster_services.secondment_record(
            actor=actor, person=person, host_unit=host, **data
        )
        return Response(io.secondment_data(secondment), status=status.HTTP_201_CREATED)


class SecondmentEndView(APIView):
    @_schema(io.SecondmentEndIn, "结束借调", 200)
    def post(self, request, pk):
        may_write(request.user, OFFICE)
        secondment, actor = io.secondment_path(request.user, pk, OFFICE)
        data = validated(io.SecondmentEndIn, request.data)
        ended = roster_services.secondment_end(
            actor=actor, secondment=secondment, **data
        )
        return Response(io.secondment_data(ended))


class OffQuotaAddView(APIView):
    @_schema(io.OffQuotaIn, "登记编外人员")
    def post(self, request):
        may_write(request.user, VIEW)
        data = validated(io.OffQuotaIn, request.data)
        unit, actor = _body_unit(request.user, data.pop("unit"), "unit", VIEW)
        staff = roster_services.offquota_add(actor=actor, unit=unit, **data)
        return Response(io.offquota_data(staff), status=status.HTTP_201_CREATED)


class OffQuotaEndView(APIView):
    @_schema(io.OffQuotaEndIn, "终止编外人员", 200)
    def post(self, request, pk):
        may_write(request.user, VIEW)
        staff, actor = io.offquota_path(request.user, pk)
        data = validated(io.OffQuotaEndIn, request.data)
        ended = roster_services.offquota_end(actor=actor, staff=staff, **data)
        return Response(io.offquota_data(ended))
