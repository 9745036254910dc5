"""The roster API's request bodies, response shapes and scoped lookups.

Lookups follow refs.py: an id in the URL that the user cannot see answers
OUT_OF_SCOPE (404) exactly like a missing one. A person is visible through
the unit of any of their postings, current or past, and acted on through the
unit of the current posting (else the latest). A posting, appointment or
off-quota record belongs to its unit; a secondment to the seconded person's.
ID numbers are masked in every answer, for every role (issue 4 §5); the whole
number comes only from POST /api/persons/<id>/reveal-id/, the audited reveal
(roster.services_privacy.person_id_reveal).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from bianzhi.accounts.access import access_unit, units_in_scope
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.quota.models import Funding, LeaderKind, LeaderLevel, LeaderPostScope
from bianzhi.roster import selectors
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    Secondment,
)
from bianzhi.roster.values import CHANNEL, RANK, RELEASE_REASON

from .fields import DateField, DocNoField, LabelChoiceField, ObjectIdField
from .refs import _as_int

# -- scoped lookups ----------------------------------------------------------------


def _missing() -> ApplicationError:
    return ApplicationError(ErrorCode.OUT_OF_SCOPE)


def home_unit_id(person: Person) -> int | None:
    postings = Posting.objects.filter(person=person)
    posting = postings.filter(end_date__isnull=True).first() or (
        postings.order_by("start_date", "id").last()
    )
    return posting.unit_id if posting else None


def person_path(
    user, pk: Any, permission: str = Permission.VIEW_ORGS
) -> tuple[Person, Actor]:
    person_id = _as_int(pk)
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    if person is None:
        raise _missing()
    unit_ids = Posting.objects.filter(person=person).values("unit_id")
    visible = list(
        units_in_scope(user).filter(pk__in=unit_ids).values_list("pk", flat=True)
    )
    if not visible:
        raise _missing()
    unit_id = visible[0] if permission == Permission.VIEW_ORGS else home_unit_id(person)
    _unit, actor = access_unit(user, unit_id, permission)
    return person, actor


def _object_path(model, user, pk: Any, permission: str, unit_of):
    object_id = _as_int(pk)
    found = model.objects.filter(pk=object_id).first() if object_id else None
    if found is None:
        raise _missing()
    _unit, actor = access_unit(user, unit_of(found), permission)
    return found, actor


def posting_path(user, pk: Any, permission: str = Permission.VIEW_ORGS):
    return _object_path(Posting, user, pk, permission, lambda p: p.unit_id)


def appointment_path(user, pk: Any, permission: str = Permission.VIEW_ORGS):
    return _object_path(Appointment, user, pk, permission, lambda a: a.unit_id)


def secondment_path(user, pk: Any, permission: str = Permission.VIEW_ORGS):
    return _object_path(
        Secondment,
        user,
        pk,
        permission,
        lambda s: home_unit_id(s.person) or s.host_unit_id,
    )


def offquota_path(user, pk: Any, permission: str = Permission.VIEW_ORGS):
    return _object_path(OffQuotaStaff, user, pk, permission, lambda s: s.unit_id)


def relabel(exc: ApplicationError, field: str) -> ApplicationError:
    """A body id the user cannot reach: the same code, named after its input."""
    if exc.field:
        return exc
    return ApplicationError(exc.code, exc.detail, field=field, params=exc.params)


# -- request bodies ----------------------------------------------------------------


def _text(label: str, *, required: bool = True, max_length: int = 2000):
    if required:
        return serializers.CharField(label=label, max_length=max_length)
    return serializers.CharField(
        label=label, max_length=max_length, required=False, allow_blank=True
    )


def _optional_doc_no():
    return serializers.CharField(
        label="文号", required=False, allow_blank=True, max_length=80
    )


class EnrollIn(serializers.Serializer):
    unit = ObjectIdField(label="单位编号")
    category = serializers.CharField(label="编制类型")
    funding = LabelChoiceField(label="经费形式", choices=Funding.choices)
    person = serializers.DictField(
        label="人员信息",
        help_text="id_number、name、identity、ethnicity、political_status、education、"
        "work_start_date 必填；gender、birth_date、post_type、rank、position_title 等可选",
    )
    channel = serializers.CharField(label="进入方式", help_text="如 考录、招聘、调入")
    start_date = DateField(label="入编日期")
    entered_unit_on = DateField(label="进入本单位时间", required=False)
    doc_no = _optional_doc_no()
    reason = _text("理由", required=False)


class ReleaseIn(serializers.Serializer):
    reason_code = serializers.CharField(
        label="出编原因", help_text="如 退休、辞职、调出"
    )
    exit_date = DateField(label="出编日期")
    destination = _text("去向", required=False, max_length=200)
    proof = _text("出编证明", required=False, max_length=200)
    doc_no = _optional_doc_no()
    reason = _text("理由", required=False)


class PersonTransferIn(serializers.Serializer):
    to_unit = ObjectIdField(label="调入单位编号")
    category = serializers.CharField(label="编制类型")
    funding = LabelChoiceField(label="经费形式", choices=Funding.choices)
    channel = serializers.CharField(label="调动方式", required=False, default="调入")
    identity = serializers.CharField(label="调动后人员身份", required=False)
    from_posting = ObjectIdField(label="调出前在编记录编号", required=False)
    start_date = DateField(label="调动日期")
    doc_no = DocNoField(label="文号")
    approval_ref = _text("逆向流动特别审批依据", required=False, max_length=120)
    reason = _text("理由", required=False)


class AppointmentIn(serializers.Serializer):
    posting = ObjectIdField(label="在编记录编号")
    scope = LabelChoiceField(label="职数范围", choices=LeaderPostScope.choices)
    internal_body = ObjectIdField(label="内设机构编号", required=False)
    level = LabelChoiceField(label="职务层次", choices=LeaderLevel.choices)
    kind = LabelChoiceField(label="正副职", choices=LeaderKind.choices)
    title = _text("职务名称", max_length=100)
    start_date = DateField(label="任职日期")
    doc_no = DocNoField(label="任职文号")
    reason = _text("理由", required=False)


class AppointmentEndIn(serializers.Serializer):
    end_date = DateField(label="免职日期")
    doc_no = DocNoField(label="免职文号")
    reason = _text("理由", required=False)


class SecondmentIn(serializers.Serializer):
    person = ObjectIdField(label="人员编号")
    host_unit = ObjectIdField(label="借调至单位编号")
    start_date = DateField(label="借调开始日期")
    end_date = DateField(label="借调结束日期")
    doc_no = DocNoField(label="审批文号")
    reason = _text("理由", required=False)


class SecondmentEndIn(serializers.Serializer):
    ended_on = DateField(label="实际结束日期")
    doc_no = _optional_doc_no()
    reason = _text("理由", required=False)


class OffQuotaIn(serializers.Serializer):
    unit = ObjectIdField(label="单位编号")
    name = _text("姓名", max_length=50)
    id_number = _text("公民身份号码", max_length=30)
    employment_form = serializers.CharField(label="用工形式")
    funding_source = serializers.CharField(label="经费来源")
    start_date = DateField(label="起始日期")
    position = _text("岗位", required=False, max_length=100)
    remarks = _text("备注", required=False)


class OffQuotaEndIn(serializers.Serializer):
    end_date = DateField(label="终止日期")
    end_reason = _text("终止原因", required=False, max_length=200)


class LockedFieldIn(serializers.Serializer):
    field = serializers.CharField(
        label="字段",
        help_text="name、id_number、identity、certified_birth_date、work_start_date",
    )
    value = serializers.CharField(label="新值", max_length=200)
    reason = _text("变更理由")
    basis = _text("认定依据", required=False, max_length=200)


class RetirementExceptionIn(serializers.Serializer):
    kind = serializers.CharField(label="例外情形")
    months = serializers.IntegerField(
        label="延长月数", required=False, allow_null=True, min_value=0, max_value=600
    )
    effective_from = DateField(label="生效日期")
    doc_no = DocNoField(label="文号")
    basis = _text("依据", required=False, max_length=200)


class RevealIdIn(serializers.Serializer):
    purpose = _text("查看事由", required=False, max_length=200)


# -- response shapes ---------------------------------------------------------------


def person_summary(person: Person) -> dict:
    return {
        "id": person.pk,
        "name": person.name,
        "id_number": mask_id_number(person.id_number),
        "gender": person.gender,
        "identity": person.identity,
        "identity_label": person.get_identity_display(),
        "post_type": person.post_type,
        "rank": person.rank,
        "rank_label": RANK.label(person.rank) if person.rank else "",
        "position_title": person.position_title,
        "work_start_date": person.work_start_date,
        "certified_birth_date": person.certified_birth_date,
    }


def posting_data(posting: Posting, appointments=None) -> dict:
    account = posting.account
    data = {
        "id": posting.pk,
        "person": person_summary(posting.person),
        "unit": posting.unit_id,
        "unit_name": posting.unit.name,
        "account": account.pk,
        "category": account.category_id,
        "category_name": account.category.name,
        "funding": account.funding,
        "start_date": posting.start_date,
        "entered_unit_on": posting.entered_unit_on,
        "channel": posting.channel,
        "channel_label": CHANNEL.label(posting.channel),
        "doc_no": posting.doc_no,
        "end_date": posting.end_date,
        "end_reason": posting.end_reason,
        "end_reason_label": RELEASE_REASON.label(posting.end_reason)
        if posting.end_reason
        else "",
        "end_doc_no": posting.end_doc_no,
        "late_release": posting.late_release,
        "flagged_past_retirement": posting.flagged_past_retirement,
    }
    if appointments is not None:
        data["appointments"] = [appointment_data(a) for a in appointments]
    return data


def appointment_data(a: Appointment) -> dict:
    return {
        "id": a.pk,
        "person": a.person_id,
        "posting": a.posting_id,
        "unit": a.unit_id,
        "scope": a.scope,
        "internal_body": a.internal_body_id,
        "level": a.level,
        "kind": a.kind,
        "title": a.title,
        "start_date": a.start_date,
        "end_date": a.end_date,
        "doc_no": a.doc_no,
        "end_doc_no": a.end_doc_no,
    }


def secondment_data(s: Secondment) -> dict:
    return {
        "id": s.pk,
        "person": s.person_id,
        "host_unit": s.host_unit_id,
        "host_unit_name": s.host_unit.name,
        "start_date": s.start_date,
        "end_date": s.end_date,
        "ended_on": s.ended_on,
        "doc_no": s.doc_no,
    }


def offquota_data(s: OffQuotaStaff) -> dict:
    return {
        "id": s.pk,
        "unit": s.unit_id,
        "name": s.name,
        "id_number": mask_id_number(s.id_number),
        "employment_form": s.employment_form,
        "funding_source": s.funding_source,
        "position": s.position,
        "start_date": s.start_date,
        "end_date": s.end_date,
        "end_reason": s.end_reason,
    }


def person_detail(person: Person) -> dict:
    history = selectors.person_history(person)
    current = history.current_posting
    return {
        **person_summary(person),
        "retirement_date": history.retirement_date,
        "current_posting": posting_data(current) if current else None,
        "appointments": [appointment_data(a) for a in history.appointments],
        "postings": [posting_data(p) for p in history.postings],
        "secondments": [secondment_data(s) for s in history.secondments],
        "retirement_exceptions": [
            {
                "id": e.pk,
                "kind": e.kind,
                "months": e.months,
                "effective_from": e.effective_from,
                "ended_on": e.ended_on,
                "doc_no": e.doc_no,
            }
            for e in history.retirement_exceptions
        ],
    }


class RosterOut(serializers.Serializer):
    """Documentation only: roster responses are plain JSON objects (see the views)."""

    id = serializers.IntegerField()
