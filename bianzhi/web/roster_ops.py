"""The roster's office forms (实名制): fields, live numbers and the service each calls.

Appended to operations.OPERATIONS under group "roster". Enrollment, release
and off-quota staff are open to anyone who sees the unit (VIEW_ORGS): the
services accept office staff and the unit's own HR and refuse everyone else
(ROLE_FORBIDDEN → 403). The others are office work (MANAGE_QUOTA). Roster
objects are named by id (links from the person and unit pages fill them in)
and the numbers panel shows whom the id names before anything is submitted.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission
from bianzhi.quota.models import LeaderKind, LeaderLevel, LeaderPostScope
from bianzhi.roster import services
from bianzhi.roster.models import Posting
from bianzhi.roster.values import (
    Channel,
    EmploymentForm,
    FundingSource,
    Gender,
    Identity,
    PostType,
    ReleaseReason,
    RetirementExceptionKind,
)

from .forms import Field, Operation
from .roster_numbers import (
    for_appointment,
    for_appointment_end,
    for_enroll,
    for_offquota,
    for_offquota_end,
    for_person,
    for_posting,
    for_secondment_end,
    for_transfer,
    person_url,
)

VIEW = Permission.VIEW_ORGS
OFFICE = Permission.MANAGE_QUOTA

DOC_NO = Field("doc_no", gettext_noop("文号"), "doc_no")
DOC_NO_OPT = Field("doc_no", gettext_noop("文号"), "doc_no", required=False)
REASON = Field("reason", gettext_noop("理由"), "textarea", required=False,
               help=gettext_noop("追溯（日期早于今天）时必填"))  # fmt: skip
UNIT = Field("unit", gettext_noop("单位"), "unit")
CATEGORY = Field("category", gettext_noop("编制类型"), "category")
FUNDING = Field("funding", gettext_noop("经费形式"), "funding")
PERSON = Field("person", gettext_noop("人员编号"), "person",
               help=gettext_noop("从人员页面进入时自动填写"))  # fmt: skip
POSTING = Field("posting", gettext_noop("在编记录编号"), "posting",
                help=gettext_noop("从人员页面进入时自动填写"))  # fmt: skip

CHANNELS = tuple(c for c in Channel.choices if c[0] != Channel.INITIAL_LOAD)
TRANSFER_CHANNELS = tuple(
    c
    for c in Channel.choices
    if c[0]
    in (Channel.TRANSFER_IN, Channel.APPOINTMENT_TRANSFER, Channel.LATERAL_TRANSFER)
)
LOCKED_FIELD_CHOICES = (
    ("name", gettext_noop("姓名")),
    ("id_number", gettext_noop("公民身份号码")),
    ("identity", gettext_noop("人员身份")),
    ("certified_birth_date", gettext_noop("认定出生日期")),
    ("work_start_date", gettext_noop("参加工作时间")),
)


# -- runs -------------------------------------------------------------------------

PERSON_INPUTS = (
    "id_number", "name", "gender", "identity", "post_type", "ethnicity",
    "political_status", "education", "degree", "rank", "position_title",
    "work_start_date",
)  # fmt: skip


def run_enroll(v: dict, actor: Actor) -> tuple[str, str]:
    person = {k: v[k] for k in PERSON_INPUTS if v.get(k) not in (None, "")}
    posting = services.person_enroll(
        actor=actor,
        unit=v["unit"],
        category=v["category"],
        funding=v["funding"],
        person=person,
        channel=v["channel"],
        start_date=v["start_date"],
        entered_unit_on=v["entered_unit_on"],
        doc_no=v["doc_no"] or "",
        reason=v["reason"] or "",
    )
    return _("已入编：%(name)s") % {"name": posting.person.name}, person_url(
        posting.person
    )


def run_release(v: dict, actor: Actor) -> tuple[str, str]:
    posting = services.person_release(
        actor=actor,
        posting=v["posting"],
        reason_code=v["reason_code"],
        exit_date=v["exit_date"],
        destination=v["destination"] or "",
        proof=v["proof"] or "",
        doc_no=v["doc_no"] or "",
        reason=v["reason"] or "",
    )
    return _("已出编：%(name)s") % {"name": posting.person.name}, person_url(
        posting.person
    )


def run_transfer(v: dict, actor: Actor) -> tuple[str, str]:
    posting = services.person_transfer(
        actor=actor,
        person=v["person"],
        to_unit=v["to_unit"],
        category=v["category"],
        funding=v["funding"],
        channel=v["channel"],
        identity=v["identity"] or None,
        start_date=v["start_date"],
        doc_no=v["doc_no"],
        approval_ref=v["approval_ref"] or "",
        reason=v["reason"] or "",
    )
    return _("已调动：%(name)s → %(unit)s") % {
        "name": posting.person.name,
        "unit": posting.unit.name,
    }, person_url(posting.person)


def run_appointment_start(v: dict, actor: Actor) -> tuple[str, str]:
    posting: Posting = v["posting"]
    if posting.unit_id != v["unit"].pk:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该在编记录不属于所选单位", field="posting"
        )
    body = v["internal_body"]
    if body is not None and body.unit_id != v["unit"].pk:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "该内设机构不属于所选单位", field="internal_body"
        )
    services.appointment_start(
        actor=actor,
        posting=posting,
        scope=v["scope"],
        internal_body=body,
        level=v["level"],
        kind=v["kind"],
        title=v["title"],
        start_date=v["start_date"],
        doc_no=v["doc_no"],
        reason=v["reason"] or "",
    )
    return _("已任职：%(name)s") % {"name": posting.person.name}, person_url(
        posting.person
    )


def run_appointment_end(v: dict, actor: Actor) -> tuple[str, str]:
    appointment = services.appointment_end(
        actor=actor,
        appointment=v["appointment"],
        end_date=v["end_date"],
        doc_no=v["doc_no"],
        reason=v["reason"] or "",
    )
    return _("已免职：%(name)s") % {"name": appointment.person.name}, person_url(
        appointment.person
    )


def run_secondment_record(v: dict, actor: Actor) -> tuple[str, str]:
    services.secondment_record(
        actor=actor,
        person=v["person"],
        host_unit=v["host_unit"],
        start_date=v["start_date"],
        end_date=v["end_date"],
        doc_no=v["doc_no"],
        reason=v["reason"] or "",
    )
    return _("已登记借调：%(name)s") % {"name": v["person"].name}, person_url(
        v["person"]
    )


def run_secondment_end(v: dict, actor: Actor) -> tuple[str, str]:
    secondment = services.secondment_end(
        actor=actor,
        secondment=v["secondment"],
        ended_on=v["ended_on"],
        doc_no=v["doc_no"] or "",
        reason=v["reason"] or "",
    )
    return _("已结束借调：%(name)s") % {"name": secondment.person.name}, person_url(
        secondment.person
    )


def run_offquota_add(v: dict, actor: Actor) -> tuple[str, str]:
    staff = services.offquota_add(
        actor=actor,
        unit=v["unit"],
        name=v["name"],
        id_number=v["id_number"],
        employment_form=v["employment_form"],
        funding_source=v["funding_source"],
        start_date=v["start_date"],
        position=v["position"] or "",
        remarks=v["remarks"] or "",
    )
    return _("已登记编外人员：%(name)s") % {"name": staff.name}, reverse(
        "web:unit", args=[v["unit"].pk]
    )


def run_offquota_end(v: dict, actor: Actor) -> tuple[str, str]:
    staff = services.offquota_end(
        actor=actor,
        staff=v["offquota"],
        end_date=v["end_date"],
        end_reason=v["end_reason"] or "",
    )
    return _("已终止编外人员：%(name)s") % {"name": staff.name}, reverse(
        "web:unit", args=[staff.unit_id]
    )


def run_locked_field(v: dict, actor: Actor) -> tuple[str, str]:
    person = services.person_change_locked_field(
        actor=actor,
        person=v["person"],
        field=v["field"],
        value=v["value"],
        reason=v["reason"],
        basis=v["basis"] or "",
    )
    return _("已变更锁定字段：%(name)s") % {"name": person.name}, person_url(person)


def run_retirement_exception(v: dict, actor: Actor) -> tuple[str, str]:
    services.retirement_exception_record(
        actor=actor,
        person=v["person"],
        kind=v["kind"],
        months=v["months"],
        effective_from=v["effective_from"],
        doc_no=v["doc_no"],
        basis=v["basis"] or "",
    )
    return _("已记录退休例外情形：%(name)s") % {"name": v["person"].name}, person_url(
        v["person"]
    )


# -- the catalogue ---------------------------------------------------------------------

GROUP = "roster"

ROSTER_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "person_enroll", gettext_noop("入编"), GROUP, VIEW,
        (
            UNIT, CATEGORY, FUNDING,
            Field("channel", gettext_noop("进入方式"), "choice", choices=CHANNELS),
            Field("start_date", gettext_noop("入编日期"), "date"),
            Field("entered_unit_on", gettext_noop("进入本单位时间"), "optional_date", required=False,
                  help=gettext_noop("留空同入编日期")),
            DOC_NO_OPT,
            Field("id_number", gettext_noop("公民身份号码")),
            Field("name", gettext_noop("姓名")),
            Field("gender", gettext_noop("性别"), "choice", required=False, choices=tuple(Gender.choices),
                  help=gettext_noop("留空按身份证号码")),
            Field("identity", gettext_noop("人员身份"), "choice", choices=tuple(Identity.choices)),
            Field("post_type", gettext_noop("岗位类别"), "choice", required=False,
                  choices=tuple(PostType.choices)),
            Field("ethnicity", gettext_noop("民族")),
            Field("political_status", gettext_noop("政治面貌")),
            Field("education", gettext_noop("学历")),
            Field("degree", gettext_noop("学位"), required=False),
            Field("rank", gettext_noop("职级"), required=False),
            Field("position_title", gettext_noop("职务"), required=False),
            Field("work_start_date", gettext_noop("参加工作时间"), "optional_date"),
            REASON,
        ),
        run_enroll, for_enroll,
        gettext_noop("须有空编（扣除预留）；超编单位按本地超编政策办理。编办人员或本单位人事干部办理。"),
    ),
    Operation(
        "person_release", gettext_noop("出编"), GROUP, VIEW,
        (
            POSTING,
            Field("reason_code", gettext_noop("出编原因"), "choice", choices=tuple(ReleaseReason.choices)),
            Field("exit_date", gettext_noop("出编日期"), "date"),
            Field("destination", gettext_noop("去向（调出时必填）"), required=False),
            Field("proof", gettext_noop("出编证明"), required=False),
            DOC_NO_OPT, REASON,
        ),
        run_release, for_posting,
        gettext_noop("出编日期后10个工作日内备案；逾期须编办人员办理并说明理由。"),
    ),
    Operation(
        "person_transfer", gettext_noop("调动"), GROUP, OFFICE,
        (
            PERSON,
            Field("to_unit", gettext_noop("调入单位"), "unit"),
            CATEGORY, FUNDING,
            Field("channel", gettext_noop("调动方式"), "choice", choices=TRANSFER_CHANNELS),
            Field("identity", gettext_noop("调动后人员身份（不变则留空）"), "choice", required=False,
                  choices=tuple(Identity.choices)),
            Field("start_date", gettext_noop("调动日期"), "date"),
            DOC_NO,
            Field("approval_ref", gettext_noop("逆向流动特别审批依据"), required=False),
            REASON,
        ),
        run_transfer, for_transfer,
        gettext_noop("调出与调入在同一事务中办理，调入账户须有空编。"),
    ),
    Operation(
        "appointment_start", gettext_noop("领导职务任职"), GROUP, OFFICE,
        (
            Field("unit", gettext_noop("单位"), "unit", refresh=True),
            POSTING,
            Field("scope", gettext_noop("职数范围"), "choice", choices=tuple(LeaderPostScope.choices)),
            Field("internal_body", gettext_noop("内设机构（内设机构职数时）"), "body", required=False),
            Field("level", gettext_noop("职务层次"), "choice", choices=tuple(LeaderLevel.choices)),
            Field("kind", gettext_noop("正副职"), "choice", choices=tuple(LeaderKind.choices)),
            Field("title", gettext_noop("职务名称")),
            Field("start_date", gettext_noop("任职日期"), "date"),
            DOC_NO, REASON,
        ),
        run_appointment_start, for_appointment,
        gettext_noop("已配备数不得超过核定领导职数。"),
    ),
    Operation(
        "appointment_end", gettext_noop("领导职务免职"), GROUP, OFFICE,
        (
            Field("appointment", gettext_noop("任职记录编号"), "appointment"),
            Field("end_date", gettext_noop("免职日期"), "date"),
            DOC_NO, REASON,
        ),
        run_appointment_end, for_appointment_end,
    ),
    Operation(
        "secondment_record", gettext_noop("登记借调"), GROUP, OFFICE,
        (
            PERSON,
            Field("host_unit", gettext_noop("借调至单位"), "parent"),
            Field("start_date", gettext_noop("借调开始日期"), "date"),
            Field("end_date", gettext_noop("借调结束日期"), "optional_date"),
            DOC_NO, REASON,
        ),
        run_secondment_record, for_person,
        gettext_noop("借调不改变在编关系。"),
    ),
    Operation(
        "secondment_end", gettext_noop("结束借调"), GROUP, OFFICE,
        (
            Field("secondment", gettext_noop("借调记录编号"), "secondment"),
            Field("ended_on", gettext_noop("实际结束日期"), "date"),
            DOC_NO_OPT, REASON,
        ),
        run_secondment_end, for_secondment_end,
    ),
    Operation(
        "offquota_add", gettext_noop("登记编外人员"), GROUP, VIEW,
        (
            UNIT,
            Field("name", gettext_noop("姓名")),
            Field("id_number", gettext_noop("公民身份号码")),
            Field("employment_form", gettext_noop("用工形式"), "choice",
                  choices=tuple(EmploymentForm.choices)),
            Field("funding_source", gettext_noop("经费来源"), "choice",
                  choices=tuple(FundingSource.choices)),
            Field("start_date", gettext_noop("起始日期"), "date"),
            Field("position", gettext_noop("岗位"), required=False),
            Field("remarks", gettext_noop("备注"), "textarea", required=False),
        ),
        run_offquota_add, for_offquota,
        gettext_noop("编外人员不占用编制；在编人员不得同时登记为编外人员。"),
    ),
    Operation(
        "offquota_end", gettext_noop("终止编外人员"), GROUP, VIEW,
        (
            Field("offquota", gettext_noop("编外人员记录编号"), "offquota"),
            Field("end_date", gettext_noop("终止日期"), "date"),
            Field("end_reason", gettext_noop("终止原因"), required=False),
        ),
        run_offquota_end, for_offquota_end,
    ),
    Operation(
        "person_change_locked_field", gettext_noop("变更锁定字段"), GROUP, OFFICE,
        (
            PERSON,
            Field("field", gettext_noop("字段"), "choice", choices=LOCKED_FIELD_CHOICES),
            Field("value", gettext_noop("新值")),
            Field("reason", gettext_noop("变更理由"), "textarea"),
            Field("basis", gettext_noop("认定依据（认定出生日期与身份证不一致时必填）"), required=False),
        ),
        run_locked_field, for_person,
        gettext_noop("锁定字段只能由编办人员说明理由后变更；编制账户的变更请办理本单位内调动。"),
    ),
    Operation(
        "retirement_exception_record", gettext_noop("记录退休例外情形"), GROUP, OFFICE,
        (
            PERSON,
            Field("kind", gettext_noop("例外情形"), "choice",
                  choices=tuple(RetirementExceptionKind.choices)),
            Field("months", gettext_noop("延长月数"), "count", required=False),
            Field("effective_from", gettext_noop("生效日期"), "date"),
            DOC_NO,
            Field("basis", gettext_noop("依据"), required=False),
        ),
        run_retirement_exception, for_person,
    ),
)  # fmt: skip
