"""The shape of a person's history (roster.history): events, field changes,
who recorded them, and how field values read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .models import Person
from .values import (
    DEGREE,
    EDUCATION,
    ETHNICITY,
    POLITICAL_STATUS,
    RANK,
    Gender,
    Identity,
    PostType,
)

# Bookkeeping columns: they change with every save and mean nothing to a reader.
IGNORED_FIELDS = frozenset({"updated_at", "created_at", "name_pinyin_initials", "id"})

_CODED = {
    "ethnicity": ETHNICITY.label,
    "political_status": POLITICAL_STATUS.label,
    "education": EDUCATION.label,
    "degree": DEGREE.label,
    "rank": RANK.label,
    "gender": lambda v: Gender(v).label if v in Gender.values else v,
    "identity": lambda v: Identity(v).label if v in Identity.values else v,
    "post_type": lambda v: PostType(v).label if v in PostType.values else v,
}

KIND_LABELS = {
    "registered": "登记人员信息",
    "enroll": "入编",
    "transfer": "调动",
    "posting_move": "整建制划转",
    "conversion": "编制性质/经费形式调整",
    "initial_load": "初始化导入",
    "release": "出编",
    "ended": "在编记录结束",
    "appointment_start": "任职",
    "appointment_end": "免职",
    "secondment_start": "借调",
    "secondment_end": "借调结束",
    "retirement_exception": "退休例外情形",
    "retirement_exception_end": "退休例外情形终止",
    "field_change": "信息变更",
}


@dataclass
class FieldChange:
    field: str  # Person field name
    label: str  # its Chinese name
    before: Any
    after: Any
    before_text: str
    after_text: str


@dataclass
class Recorded:
    """Who recorded a change, from its audit event."""

    seq: int
    at: dt.datetime
    actor_name: str
    role: str
    operation: str
    doc_no: str
    summary: str


@dataclass
class HistoryEvent:
    date: dt.date  # effective date (the audit date for field changes)
    kind: str  # a key of KIND_LABELS
    title: str  # what happened, in Chinese
    unit_id: int | None = None
    unit_name: str = ""
    from_unit_id: int | None = None
    from_unit_name: str = ""
    account: str = ""  # 编制类型·经费形式 of a posting
    channel: str = ""
    reason: str = ""
    doc_no: str = ""
    details: str = ""
    changes: list[FieldChange] = field(default_factory=list)
    recorded: Recorded | None = None
    late: bool = False
    order: tuple = ()

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


def field_label(name: str) -> str:
    try:
        return str(Person._meta.get_field(name).verbose_name)
    except Exception:
        return name


def display_value(name: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    formatter = _CODED.get(name)
    return str(formatter(value) if formatter else value)


def field_changes(before: dict | None, after: dict | None) -> list[FieldChange]:
    """Person fields that differ between two audit snapshots."""
    if not before or not after:
        return []
    changes = []
    for name in after:
        if name in IGNORED_FIELDS or before.get(name) == after.get(name):
            continue
        changes.append(
            FieldChange(
                name,
                field_label(name),
                before.get(name),
                after.get(name),
                display_value(name, before.get(name)),
                display_value(name, after.get(name)),
            )
        )
    return changes
