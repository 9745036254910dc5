"""A person's history as one dated list (变动历史; issue 4 "office tools").

Two sources, joined:
- the roster tables, which hold the legal facts with their effective dates:
  every posting (入编 by channel, 调动 between units, 整建制划转, 编制性质调整,
  出编 with reason), appointment (任职/免职), secondment (借调) and
  retirement exception (退休例外情形), each with its doc_no;
- the audit trail (core.AuditEvent), which holds every change of the person
  record with before/after, who and when. Field changes come only from there.
  The audit event that wrote a roster row also names who recorded it.

Roster rows become events in history_rows.py; the types are in
history_model.py.

An audit event lists its changed rows as {"model", "pk", "before", "after"}
inside a JSON array. On PostgreSQL, jsonb containment finds a person's
events through the GIN index of core migration 0003 (at 42,000 events: 13 ms
a person, 116 ms without the index). SQLite has no index inside JSON: it
scans the stored text with a substring test (one pass for the person and all
their rows; 0.14 s at 42,000 events), each hit confirmed in Python.
`_audit_events` is the one place to change if SQLite ever needs better.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from bianzhi.core.models import AuditEvent

from . import history_rows
from .history_model import (  # noqa: F401 - the public names of a history
    KIND_LABELS,
    FieldChange,
    HistoryEvent,
    Recorded,
    display_value,
    field_changes,
    field_label,
)
from .models import Appointment, Person, Posting, RetirementException, Secondment

# --- the audit side ------------------------------------------------------------------


def _needle(label: str, pk: int) -> str:
    # audit.change writes {"model": ..., "pk": ..., "before": ...} in this
    # order and Django stores JSON with json.dumps' default separators.
    return json.dumps({"model": label, "pk": pk})[:-1] + ","


def _audit_events(refs: list[tuple[str, int]]) -> list[AuditEvent]:
    """Audit events whose records name any of (model label, pk), in seq order."""
    if not refs:
        return []
    qs = AuditEvent.objects.only(
        "seq",
        "occurred_at",
        "actor_name",
        "role",
        "operation",
        "doc_no",
        "summary",
        "records",
    ).order_by("seq")
    if connection.vendor == "postgresql":
        condition = Q()
        for label, pk in refs:
            condition |= Q(records__contains=[{"model": label, "pk": pk}])
        qs = qs.filter(condition)
    else:
        # One pass over the JSON text; instr() is the cheapest test SQLite has.
        parts = " OR ".join(["instr(records, %s) > 0"] * len(refs))
        needles = tuple(_needle(label, pk) for label, pk in refs)
        qs = qs.annotate(hit=RawSQL(f"CASE WHEN {parts} THEN 1 ELSE 0 END", needles))
        qs = qs.filter(hit=1)
    return list(qs)


def _recorded(event: AuditEvent) -> Recorded:
    return Recorded(
        seq=event.seq,
        at=event.occurred_at,
        actor_name=event.actor_name,
        role=event.role,
        operation=event.operation,
        doc_no=event.doc_no,
        summary=event.summary,
    )


def person_history(person: Person, *, audit: bool = True) -> list[HistoryEvent]:
    """Every posting, appointment, secondment, retirement exception and field
    change of the person, oldest first (same day: ends before starts).

    audit=False leaves out what only the audit trail knows (field changes, who
    recorded each event): the roster tables alone answer at once, while the
    audit lookup takes longer (a scan on SQLite, see the module docstring),
    so a page can show those first and load the rest.
    """
    postings = list(
        Posting.objects.filter(person=person)
        .select_related("unit", "account__category", "previous__unit")
        .select_related("previous__account__category")
        .order_by("start_date", "id")
    )
    succeeded = {p.previous_id for p in postings if p.previous_id}
    appointments = list(
        Appointment.objects.filter(person=person)
        .select_related("unit", "internal_body")
        .order_by("start_date", "id")
    )
    secondments = list(
        Secondment.objects.filter(person=person)
        .select_related("host_unit")
        .order_by("start_date", "id")
    )
    exceptions = list(
        RetirementException.objects.filter(person=person).order_by(
            "effective_from", "id"
        )
    )
    refs = [("roster.Person", person.pk)]
    refs += [("roster.Posting", p.pk) for p in postings]
    refs += [("roster.Appointment", a.pk) for a in appointments]
    refs += [("roster.Secondment", s.pk) for s in secondments]
    refs += [("roster.RetirementException", e.pk) for e in exceptions]
    audit_events = _audit_events(refs) if audit else []

    # Which event created each row, and which one ended it.
    creators: dict[tuple, Recorded] = {}
    field_events: list[HistoryEvent] = []
    end_marks = {
        "roster.Posting": "end_date",
        "roster.Appointment": "end_date",
        "roster.Secondment": "ended_on",
        "roster.RetirementException": "ended_on",
    }
    wanted = set(refs)
    for event in audit_events:
        for record in event.records or []:
            if not isinstance(record, dict):
                continue
            key = (record.get("model"), record.get("pk"))
            if key not in wanted:
                continue
            before, after = record.get("before"), record.get("after")
            label = key[0]
            if label == "roster.Person":
                effective = _posting_start(event, wanted)
                if before is None:
                    # Registered with an enrollment: the enrollment tells it.
                    if effective is None:
                        field_events.append(_registered(event))
                else:
                    changes = field_changes(before, after)
                    if changes:
                        field_events.append(_field_event(event, changes, effective))
                continue
            mark = end_marks.get(label)
            if before is None:
                creators.setdefault(key, _recorded(event))
            elif mark and not (before or {}).get(mark) and (after or {}).get(mark):
                creators.setdefault((*key, "end"), _recorded(event))
    events = (
        history_rows.posting_events(postings, creators, succeeded)
        + history_rows.appointment_events(appointments, creators)
        + history_rows.secondment_events(secondments, creators)
        + history_rows.exception_events(exceptions, creators)
        + field_events
    )
    events.sort(key=lambda e: (e.date, e.order))
    return events


def _local_date(moment: dt.datetime) -> dt.date:
    return (
        timezone.localtime(moment).date()
        if timezone.is_aware(moment)
        else moment.date()
    )


def _registered(event: AuditEvent) -> HistoryEvent:
    return HistoryEvent(
        date=_local_date(event.occurred_at),
        kind="registered",
        title="登记人员基本信息",
        doc_no=event.doc_no,
        recorded=_recorded(event),
        order=(0, 0, event.seq),
    )


def _posting_start(event: AuditEvent, wanted: set) -> dt.date | None:
    """The start date of a posting of the person this event created, if any:
    a change made with an enrollment or transfer takes effect on that date."""
    for record in event.records or []:
        if (
            isinstance(record, dict)
            and record.get("model") == "roster.Posting"
            and ("roster.Posting", record.get("pk")) in wanted
            and record.get("before") is None
            and (record.get("after") or {}).get("start_date")
        ):
            try:
                return dt.date.fromisoformat(record["after"]["start_date"])
            except (TypeError, ValueError):
                return None
    return None


def _field_event(
    event: AuditEvent, changes: list[FieldChange], effective: dt.date | None
) -> HistoryEvent:
    reason = ""
    if "（理由：" in event.summary:
        reason = event.summary.split("（理由：", 1)[1].rstrip("）")
    return HistoryEvent(
        date=effective or _local_date(event.occurred_at),
        kind="field_change",
        title="变更" + "、".join(c.label for c in changes),
        details="随入编/调动办理" if effective else "",
        doc_no=event.doc_no,
        reason=reason,
        changes=changes,
        recorded=_recorded(event),
        order=(5, 0, event.seq),
    )


def changes_by_field(events: list[HistoryEvent]) -> dict[str, list[FieldChange]]:
    """Field changes grouped by field (for "how did X change over time")."""
    grouped: dict[str, list[FieldChange]] = defaultdict(list)
    for event in events:
        for change in event.changes:
            grouped[change.field].append(change)
    return dict(grouped)
