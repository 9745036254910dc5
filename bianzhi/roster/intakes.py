"""The release filing's form (出编备案; approvals/intake.py), registered in
RosterConfig.ready(), and the channel choices the quota forms offer (the
channels are the roster's values; quota/intakes.py asks for them).

`build` makes the payload roster/kinds.py documents and runs the filing's
own checks early (the reason and its destination, the exit date, the person
in post in the unit), so that the form shows them at their fields; the
submit-time validator runs them again inside the submission.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from bianzhi.approvals.intake import Draft, Field, Intake, register_intake
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.quota import intakes as quota_intakes
from bianzhi.quota.intakes import attachment_ids, optional_id, text, unit_of

from . import kinds
from .values import RELEASE_REASON, Channel

# Channels a unit applies for (the initial load is the office's import only).
APPLIED_CHANNELS = [(c.value, c.label) for c in Channel if c != Channel.INITIAL_LOAD]


def _reasons(actor: Actor, values: dict) -> list[tuple[str, str]]:
    return list(RELEASE_REASON.choices())


def build_release_filing(actor: Actor, values: dict[str, Any]) -> Draft:
    unit = unit_of(actor, values)
    person_id = optional_id(values, "person_id", "出编人员")
    payload: dict[str, Any] = {
        "person_id": person_id,
        "exit_date": text(values, "exit_date"),
        "reason_code": text(values, "reason_code"),
        "destination": text(values, "destination"),
        "proof": text(values, "proof"),
        "doc_no": text(values, "doc_no"),
        "note": text(values, "note"),
    }
    ids = attachment_ids(values, "proof_attachment_ids")
    if ids:
        payload["proof_attachment_ids"] = ids
    probe = Request(kind=kinds.RELEASE_FILING, unit_id=unit.pk, payload=payload)
    code, _destination = kinds.reason_of(probe)
    payload["reason_code"] = code
    exit_date = kinds.exit_date_of(probe, timezone.localdate())
    payload["exit_date"] = exit_date.isoformat()
    posting = kinds.current_posting(probe)
    return Draft(
        title=f"{unit.name}出编备案（{posting.person.name}，"
        f"{RELEASE_REASON.label(code)}）",
        region_code=unit.region_id,
        unit_id=unit.pk,
        subject_type="person",
        subject_id=posting.person_id,
        payload={k: v for k, v in payload.items() if v not in ("", None)},
    )


RELEASE_FILING_INTAKE = Intake(
    kind=kinds.RELEASE_FILING,
    intro="人员出编后10个工作日内备案；逾期备案照常受理并标注逾期。"
    "编办审核同意后办理出编，并签发停发工资通知。",
    fields=(
        Field("unit_id", "单位", "unit"),
        Field("person_id", "出编人员", "person", depends_on="unit_id"),
        Field("exit_date", "出编日期", "date", help="出编后的第一天，不得晚于今天"),
        Field("reason_code", "出编原因", "choice", choices=_reasons),
        Field("destination", "去向", required=False, help="调出的须填写调入单位"),
        Field("proof", "证明材料", required=False, help="如辞职批复、退休审批表"),
        Field("proof_attachment_ids", "证明附件", "attachments", required=False),
        Field("doc_no", "文号", required=False),
        Field("note", "备注", "textarea", required=False),
    ),
    build=build_release_filing,
)


def register() -> None:
    quota_intakes.set_channel_choices(lambda: APPLIED_CHANNELS)
    register_intake(RELEASE_FILING_INTAKE)
    from .numbers import register as register_numbers

    register_numbers()  # occupancy, leader posts, late filings, open problems
