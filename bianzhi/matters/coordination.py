"""The top-level coordination list (顶格协调事项清单, DOMAIN §4 item 6): items
kept on the books (挂账) with an owner and a due date, closed one by one with
a note and evidence (销号).

Writes need Permission.MANAGE_COORDINATION and the item's region inside the
actor's scope (the same region-subtree scope as the approvals engine, whose
resolver the accounts app registers). Decisions written down here:
- The due date is a date; a form may give it as N working days from today
  instead (core.workdays). An item is overdue when it is open and its due
  date has passed; how late is counted in working days.
- Closing needs a note (FIELD_REQUIRED); evidence is a list of attachment ids
  (the documents app owns the files and checks them). Reopening needs a
  reason and keeps the earlier closure in the audit trail.
- `bianzhi daily` marks each newly overdue item once (overdue_warned_on) and
  lists it; later runs count the open overdue items.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from bianzhi.approvals import engine
from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.core.workdays import add_working_days, working_days_between
from bianzhi.orgs.models import Region, Unit

from . import hooks
from .models import CoordinationItem

Status = CoordinationItem.Status
EDITABLE = (
    "title",
    "description",
    "owner_name",
    "owner_unit",
    "lead_person",
    "due_date",
    "source_link",
)


def _require(actor: Actor, region_code: str) -> None:
    if not engine.scope_of(actor).covers(region_code=region_code, unit_id=None):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    if not actor.is_system and not role_allows(
        actor.role, Permission.MANAGE_COORDINATION
    ):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅编办人员可维护顶格协调事项")


def _text(value, label: str, field: str, *, required=True, limit=0) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, label, field=field)
    if limit and len(text) > limit:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{label}过长（{limit}字以内）", field=field
        )
    return text


def _due(due_date, due_in_working_days, today: dt.date) -> dt.date:
    if due_date not in (None, ""):
        return parse_date(due_date, field="due_date")
    if due_in_working_days not in (None, ""):
        try:
            days = int(due_in_working_days)
        except (TypeError, ValueError):
            days = 0
        if days <= 0:
            raise ApplicationError(
                ErrorCode.QUANTITY_INVALID, field="due_in_working_days"
            )
        return add_working_days(today, days).date
    raise ApplicationError(ErrorCode.FIELD_REQUIRED, "办结时限", field="due_date")


def _owner_unit(value, region_code: str) -> Unit | None:
    if value in (None, ""):
        return None
    try:
        unit = Unit.objects.filter(pk=int(getattr(value, "pk", value))).first()
    except (TypeError, ValueError):
        unit = None
    if unit is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="owner_unit")
    return unit


def _load(actor: Actor, item_id) -> CoordinationItem:
    try:
        pk = int(item_id)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    item = CoordinationItem.objects.select_for_update().filter(pk=pk).first()
    if item is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    _require(actor, item.region_id)
    return item


def coordination_item_create(
    *,
    actor: Actor,
    region,
    title: str,
    owner_name: str = "",
    lead_person: str,
    due_date=None,
    due_in_working_days=None,
    description: str = "",
    owner_unit=None,
    source_link: str = "",
    today: dt.date | None = None,
) -> CoordinationItem:
    today = today or timezone.localdate()
    code = str(getattr(region, "pk", region) or "")
    if not Region.objects.filter(pk=code).exists():
        raise ApplicationError(ErrorCode.REGION_UNKNOWN, code, field="region")
    _require(actor, code)
    unit = _owner_unit(owner_unit, code)
    item = CoordinationItem(
        region_id=code,
        title=_text(title, "事项名称", "title", limit=200),
        description=_text(description, "事项内容", "description", required=False),
        owner_name=_text(
            owner_name or (unit.name if unit else ""), "责任单位", "owner_name"
        ),
        owner_unit=unit,
        lead_person=_text(lead_person, "牵头领导/责任人", "lead_person", limit=100),
        due_date=_due(due_date, due_in_working_days, today),
        source_link=_text(source_link, "来源", "source_link", required=False),
        created_by_name=actor.name,
    )
    with transaction.atomic():
        item.save()
        audit.record(
            actor=actor,
            operation="coordination_item_create",
            records=[audit.change(item, None, audit.snapshot(item))],
            summary=f"顶格协调事项挂账：{item.title}（{item.due_date}前）",
        )
    return item


def coordination_item_update(
    *, actor: Actor, item_id, today: dt.date | None = None, **changes
) -> CoordinationItem:
    """Edit an open item (a closed one is reopened first)."""
    today = today or timezone.localdate()
    unknown = set(changes) - set(EDITABLE) - {"due_in_working_days"}
    if unknown:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"不可修改：{'、'.join(sorted(unknown))}"
        )
    with transaction.atomic():
        item = _load(actor, item_id)
        if item.status != Status.OPEN:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, "已销号的事项须先重新挂账再修改"
            )
        before = audit.snapshot(item)
        if "title" in changes:
            item.title = _text(changes["title"], "事项名称", "title", limit=200)
        if "description" in changes:
            item.description = _text(
                changes["description"], "事项内容", "description", required=False
            )
        if "owner_unit" in changes:
            item.owner_unit = _owner_unit(changes["owner_unit"], item.region_id)
        if "owner_name" in changes:
            item.owner_name = _text(changes["owner_name"], "责任单位", "owner_name")
        if "lead_person" in changes:
            item.lead_person = _text(
                changes["lead_person"], "牵头领导/责任人", "lead_person", limit=100
            )
        if changes.get("due_date") or changes.get("due_in_working_days"):
            item.due_date = _due(
                changes.get("due_date"), changes.get("due_in_working_days"), today
            )
            item.overdue_warned_on = None
        if "source_link" in changes:
            item.source_link = _text(
                changes["source_link"], "来源", "source_link", required=False
            )
        item.save()
        audit.record(
            actor=actor,
            operation="coordination_item_update",
            records=[audit.change(item, before, audit.snapshot(item))],
            summary=f"顶格协调事项修改：{item.title}",
        )
    return item


def coordination_item_close(
    *, actor: Actor, item_id, closure_note: str, evidence_ids=None
) -> CoordinationItem:
    """销号: needs a note; evidence attachments are optional but checked."""
    with transaction.atomic():
        item = _load(actor, item_id)
        if item.status == Status.CLOSED:
            raise ApplicationError(ErrorCode.STEP_OUT_OF_TURN, "该事项已销号")
        note = _text(closure_note, "销号说明", "closure_note")
        ids = [int(i) for i in (evidence_ids or [])]
        hooks.check_attachments(actor, ids, None)
        before = audit.snapshot(item)
        item.status = Status.CLOSED
        item.closure_note = note
        item.evidence_ids = ids
        item.closed_by_name = actor.name
        item.closed_at = timezone.now()
        item.save()
        audit.record(
            actor=actor,
            operation="coordination_item_close",
            records=[audit.change(item, before, audit.snapshot(item))],
            summary=f"顶格协调事项销号：{item.title}",
        )
    return item


def coordination_item_reopen(
    *, actor: Actor, item_id, reason: str, due_date=None
) -> CoordinationItem:
    """重新挂账, with a reason (and optionally a new due date)."""
    with transaction.atomic():
        item = _load(actor, item_id)
        if item.status != Status.CLOSED:
            raise ApplicationError(ErrorCode.STEP_OUT_OF_TURN, "该事项未销号")
        why = _text(reason, "重新挂账原因", "reason")
        before = audit.snapshot(item)
        item.status = Status.OPEN
        item.reopen_reason = why
        item.closure_note, item.evidence_ids = "", []
        item.closed_by_name, item.closed_at = "", None
        if due_date:
            item.due_date = parse_date(due_date, field="due_date")
            item.overdue_warned_on = None
        item.save()
        audit.record(
            actor=actor,
            operation="coordination_item_reopen",
            records=[audit.change(item, before, audit.snapshot(item))],
            summary=f"顶格协调事项重新挂账：{item.title}：{why}",
        )
    return item


# --- selectors -------------------------------------------------------------------


def items_for_regions(codes) -> QuerySet[CoordinationItem]:
    return CoordinationItem.objects.filter(region_id__in=sorted(codes))


def overdue(qs: QuerySet[CoordinationItem], today: dt.date):
    return qs.filter(status=Status.OPEN, due_date__lt=today)


def days_late(item: CoordinationItem, today: dt.date) -> int:
    if item.status != Status.OPEN or item.due_date >= today:
        return 0
    return working_days_between(item.due_date, today)


# --- bianzhi daily ---------------------------------------------------------------


def daily(*, actor: Actor, today: dt.date) -> list[str]:
    lines = []
    fresh = overdue(CoordinationItem.objects.all(), today).filter(
        overdue_warned_on__isnull=True
    )
    for pk in list(fresh.values_list("pk", flat=True)):
        with transaction.atomic():
            item = (
                CoordinationItem.objects.select_for_update()
                .filter(pk=pk, overdue_warned_on__isnull=True, status=Status.OPEN)
                .first()
            )
            if item is None:
                continue
            before = audit.snapshot(item)
            item.overdue_warned_on = today
            item.save(update_fields=["overdue_warned_on", "updated_at"])
            line = (
                f"顶格协调事项逾期：{item.title}（{item.owner_name}，"
                f"应于{item.due_date}前办结，已逾期{days_late(item, today)}个工作日）"
            )
            audit.record(
                actor=actor,
                operation="coordination_item_overdue",
                records=[audit.change(item, before, audit.snapshot(item))],
                summary=line,
            )
        lines.append(line)
    still = overdue(CoordinationItem.objects.all(), today).count()
    if still:
        lines.append(f"顶格协调事项逾期未销号共 {still} 项")
    return lines
