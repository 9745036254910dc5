"""Establishment matters as approval kinds (DOMAIN §4 item 5).

One kind per matter type (matter_establish, matter_rename …), all with the
same literal route and one shared table (models.Matter). Why one kind per
type: each type has its own form (the generic intake page renders one field
list per kind) and its own label in every inbox, while the route, the
records and the effect are the same code.

Route (unit_hr or office_admin submits):
  argumentation  论证            office_admin   records hearing notes, workload
                                                inputs, attachments; the
                                                quantitative analysis is computed
  office_meeting 编办主任办公会   office_leader  minutes and the meeting's decision
  committee      编委会           office_leader  decision + doc_no + effective
                                                date → effect (matters_effects)
A matter beyond the deciding region's authority (authority.py) is routed up
at the argumentation step (services_matters.matter_route_up): the request
moves to the parent region's office and starts again at its argumentation;
approving it locally is refused (MATTER_BEYOND_AUTHORITY).

Durations: VALUES.md gives 1 working day for a review step; argumentation and
the two meetings are not reviews of a form, so each step gets 5 working days
(a decision of this module; per-region overrides are not modelled yet).
"""

from __future__ import annotations

from bianzhi.approvals.kinds import APPROVED, REJECTED, RETURNED, KindSpec, Step
from bianzhi.core.roles import Role

from .models import MatterType

PREFIX = "matter_"
STEP_DAYS = 5
ARGUMENTATION, OFFICE_MEETING, COMMITTEE = (
    "argumentation",
    "office_meeting",
    "committee",
)

PAYLOAD_LABELS = {
    "matter_type": "事项类型",
    "region_code": "行政区划",
    "unit_id": "涉及单位",
    "reason": "申请理由",
    "proposed_date": "拟生效日期",
    "attachment_ids": "申请附件",
    "name": "机构名称",
    "short_name": "简称",
    "kind": "机构类别",
    "rank": "机构规格",
    "parent_id": "主管部门/上级单位",
    "institution_class": "事业单位类别",
    "sector": "行业",
    "in_cap": "计入机构限额",
    "civil_service_managed": "参照公务员法管理",
    "quota_category": "核定编制类型",
    "quota_funding": "经费形式",
    "quota_amount": "核定编制数",
    "into_unit_id": "并入单位",
    "new_name": "新名称",
    "new_short_name": "新简称",
    "new_rank": "新规格",
    "operation": "调整方式",
    "category": "编制类型",
    "funding": "经费形式",
    "amount": "数量",
    "target_unit_id": "划入单位",
    "level": "职务层次",
    "leader_kind": "正副职",
    "count": "职数",
    "functions": "主要职责",
    "internal_bodies_approved": "核定内设机构数",
    "staffing_note": "人员编制说明",
}

STEPS = (
    Step(ARGUMENTATION, "论证", Role.OFFICE_ADMIN,
         {"approve": OFFICE_MEETING, "return": RETURNED, "reject": REJECTED},
         days=STEP_DAYS),
    Step(OFFICE_MEETING, "编办主任办公会", Role.OFFICE_LEADER,
         {"approve": COMMITTEE, "return": RETURNED, "reject": REJECTED},
         days=STEP_DAYS),
    Step(COMMITTEE, "编委会决定", Role.OFFICE_LEADER,
         {"approve": APPROVED, "return": RETURNED, "reject": REJECTED},
         days=STEP_DAYS),
)  # fmt: skip


def kind_of(matter_type: str) -> str:
    return f"{PREFIX}{matter_type}"


def type_of(kind: str) -> str:
    return kind[len(PREFIX) :] if kind.startswith(PREFIX) else ""


def is_matter_kind(kind: str) -> bool:
    return type_of(kind) in MatterType.values


SPECS = tuple(
    KindSpec(
        kind=kind_of(t.value),
        label=f"机构编制事项·{t.label}",
        serial_prefix="编事",
        submitter_roles=(Role.UNIT_HR, Role.OFFICE_ADMIN),
        steps=STEPS,
        effect="matter_apply",
        payload_labels=PAYLOAD_LABELS,
    )
    for t in MatterType
)
KINDS = tuple(spec.kind for spec in SPECS)
