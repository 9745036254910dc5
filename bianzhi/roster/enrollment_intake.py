"""The enrollment filing's form (approvals.intake; registered by
kinds_enrollment.register from RosterConfig.ready()).

A unit HR user picks the unit, the permit of that unit, and lists the
persons; build() checks what can be checked before the publicity (the
review's checks of enrollment_batch.batch_of) and returns the draft. The
publicity is then started on the draft's own page (/enrollment/<id>/).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from bianzhi.approvals import intake
from bianzhi.core.actor import Actor
from bianzhi.quota.intakes import unit_of

from .enrollment_batch import batch_of, permit_fields
from .enrollment_publicity import ENROLLMENT_FILING
from .services_common import clean_doc_no
from .values import EDUCATION, ETHNICITY, IDENTITY, POLITICAL_STATUS, POST_TYPE


def _choices(table):
    def choices(actor: Actor, values: dict[str, Any]) -> list[tuple[str, str]]:
        return [(label, label) for label in table.labels]

    return choices


def _genders(actor: Actor, values: dict[str, Any]) -> list[tuple[str, str]]:
    return [("男", "男"), ("女", "女")]


PERSON_COLUMNS = (
    intake.Field("name", "姓名"),
    intake.Field("id_number", "公民身份号码"),
    intake.Field("gender", "性别", "choice", required=False, choices=_genders,
                 help="不填则按身份证号码"),
    intake.Field("birth_date", "出生日期", "date", required=False,
                 help="不填则按身份证号码"),
    intake.Field("ethnicity", "民族", "choice", choices=_choices(ETHNICITY)),
    intake.Field("political_status", "政治面貌", "choice",
                 choices=_choices(POLITICAL_STATUS)),
    intake.Field("education", "学历", "choice", choices=_choices(EDUCATION)),
    intake.Field("position_title", "岗位", required=False),
    intake.Field("post_type", "岗位类型", "choice", required=False,
                 choices=_choices(POST_TYPE), help="事业人员必填"),
    intake.Field("work_start_date", "参加工作时间", "date"),
    intake.Field("identity", "人员身份", "choice", required=False,
                 choices=_choices(IDENTITY), help="不填则按用编核准的编制类型"),
)  # fmt: skip

FIELDS = (
    intake.Field("unit_id", "用编单位", "unit"),
    intake.Field(
        "permit",
        "用编核准",
        "permit",
        depends_on="unit_id",
        help="入编人员占用该核准的编制类型、经费形式和进入方式",
    ),
    intake.Field("doc_no", "文号", required=False, help="单位录用（聘用）决定的文号"),
    intake.Field("persons", "入编人员", "rows", columns=PERSON_COLUMNS),
)


def build(actor: Actor, values: dict[str, Any]) -> intake.Draft:
    unit = unit_of(actor, values)  # in scope (else 404) and active
    doc_no = clean_doc_no(values.get("doc_no"), required=False)

    # batch_of reads only the request's unit and payload.
    probe = SimpleNamespace(
        unit_id=unit.pk,
        payload={"permit": values.get("permit"), "persons": values.get("persons")},
    )
    batch = batch_of(probe, timezone.localdate())
    payload = permit_fields(batch.permit) | {"doc_no": doc_no, "persons": batch.rows}
    return intake.Draft(
        title=f"{unit.name}入编备案（{len(batch.rows)}人）",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="permit",
        subject_id=batch.permit.pk,
        payload=payload,
    )


def register() -> None:
    intake.register_intake(
        intake.Intake(
            kind=ENROLLMENT_FILING,
            fields=FIELDS,
            build=build,
            intro=(
                "入编备案分四步：公示（5个工作日，期间可提出异议）→ 提交备案 → "
                "编办审核、领导审批 → 入库并出具入编通知。保存草稿后请在备案页面发布公示。"
            ),
        )
    )
