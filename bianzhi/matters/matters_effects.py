"""The effect of an approved establishment matter: the unit and ledger changes,
through the existing services only (orgs.services, matters.services,
quota.services, quota.leader_posts), on the committee's effective date.

- Effective today or earlier: applied inside the committee's approval
  transaction; a refusal there (UNIT_HAS_POSTINGS, QUOTA_NEGATIVE, a name
  taken …) refuses the approval and nothing changes. A back-dated date is
  applied with the committee's decision as the reason the services require.
- Effective later: the matter is stored as scheduled; `bianzhi daily`
  applies it on the day (apply_due, idempotent: only scheduled matters that
  are due), re-checking every rule; one that a rule now refuses is flagged
  (state failed, with the reason) and reported, not applied.

The domain services record their own events (as the release filing's effect
does); the matter's own row joins the approval's event (approval) or its
"matter_apply" event (daily). Afterwards the after-apply hooks run (the
documents app re-issues the establishment certificate of each unit changed).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Region, Unit
from bianzhi.orgs.selectors import agency_cap_status
from bianzhi.quota import leader_posts
from bianzhi.quota import services as quota
from bianzhi.quota.models import LeaderPostScope

from . import hooks
from . import services as matters
from .models import Matter, MatterType
from .services_matters import check_authority

T = MatterType


def _require_records(matter: Matter | None) -> Matter:
    if matter is None or matter.argued_at is None:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "论证意见尚未录入")
    if not matter.meeting_minutes:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "编办主任办公会纪要尚未录入")
    if not matter.committee_decision or not matter.doc_no:
        raise ApplicationError(
            ErrorCode.DOC_NO_INVALID, "编委会决定及文号尚未录入", field="doc_no"
        )
    if matter.effective_date is None:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "生效日期", field="effective_date"
        )
    return matter


def apply_on_approval(request, actor: Actor, today: dt.date) -> list[dict]:
    """The engine's effect for every matter kind (the committee's approval)."""
    matter = Matter.objects.select_for_update().filter(request=request).first()
    matter = _require_records(matter)
    check_authority(request, today)
    before = audit.snapshot(matter)
    if matter.effective_date > today:
        matter.state = Matter.State.SCHEDULED
    else:
        apply_now(matter, actor, today)
    matter.save()
    return [audit.change(matter, before, audit.snapshot(matter))]


def _unit(pk) -> Unit:
    unit = Unit.objects.filter(pk=pk).first()
    if unit is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="unit_id")
    return unit


def apply_now(matter: Matter, actor: Actor, today: dt.date) -> list[int]:
    """Write the changes (through the services); returns the unit ids changed."""
    request = matter.request
    p = request.payload or {}
    serial = request.serial or str(request.pk)
    common = {
        "actor": actor,
        "doc_no": matter.doc_no,
        "effective_date": matter.effective_date,
        "reason": f"机构编制事项{serial}，编委会决定{matter.doc_no}",
        "today": today,
    }
    t = matter.matter_type
    changed: list[int] = []
    if t == T.ESTABLISH:
        unit = _establish(matter, p, common)
        matter.unit = unit
        changed.append(unit.pk)
    elif t == T.REVOKE:
        matters.unit_revoke(unit=p["unit_id"], **common)
    elif t == T.MERGE:
        matters.unit_merge(unit=p["unit_id"], into=p["into_unit_id"], **common)
        changed.append(p["into_unit_id"])
    elif t == T.RENAME:
        orgs.unit_rename(
            unit=p["unit_id"],
            name=p["new_name"],
            short_name=p.get("new_short_name") or None,
            **common,
        )
        changed.append(p["unit_id"])
    elif t == T.CHANGE_RANK:
        orgs.unit_change_rank(unit=p["unit_id"], rank=p["new_rank"], **common)
        changed.append(p["unit_id"])
    elif t == T.CHANGE_QUOTA:
        changed += _change_quota(p, common, serial)
    elif t == T.CHANGE_LEADER_POSTS:
        leader_posts.leader_posts_set(
            unit=_unit(p["unit_id"]),
            scope=LeaderPostScope.UNIT,
            level=p["level"],
            kind=p["leader_kind"],
            count=p["count"],
            **common,
        )
        changed.append(p["unit_id"])
    elif t == T.CHANGE_MANDATE:
        orgs.mandate_set(
            unit=p["unit_id"],
            internal_bodies_approved=p["internal_bodies_approved"],
            functions=p.get("functions", ""),
            staffing_note=p.get("staffing_note", ""),
            **common,
        )
        changed.append(p["unit_id"])
    matter.state = Matter.State.APPLIED
    matter.applied_at = timezone.now()
    matter.apply_error = ""
    hooks.after_apply(matter, changed, actor, today)
    return changed


def _establish(matter: Matter, p: dict, common: dict) -> Unit:
    region = Region.objects.get(pk=p["region_code"])
    decided_above = matter.request.region_code != region.pk
    if p.get("in_cap") and decided_above:
        # The level that sets the cap approved an organ beyond it: the cap
        # rises under the same decision (authority.py).
        status = agency_cap_status(region, matter.effective_date)
        if status.cap is not None and status.count + 1 > status.cap:
            orgs.agency_cap_set(region=region, cap=status.count + 1, **common)
    unit = orgs.unit_establish(
        region=region,
        name=p["name"],
        kind=p["kind"],
        rank=p["rank"],
        short_name=p.get("short_name", ""),
        parent=p.get("parent_id"),
        institution_class=p.get("institution_class", ""),
        sector=p.get("sector", ""),
        civil_service_managed=bool(p.get("civil_service_managed")),
        in_cap=bool(p.get("in_cap")),
        **common,
    )
    if p.get("quota_amount"):
        quota.quota_grant(
            unit=unit,
            category=p["quota_category"],
            funding=p["quota_funding"],
            amount=p["quota_amount"],
            approval_ref=matter.request.serial or "",
            **common,
        )
    return unit


def _change_quota(p: dict, common: dict, serial: str) -> list[int]:
    unit = _unit(p["unit_id"])
    what = {"category": p["category"], "funding": p["funding"], "amount": p["amount"]}
    op = p["operation"]
    if op == "grant":
        quota.quota_grant(unit=unit, approval_ref=serial, **what, **common)
        return [unit.pk]
    if op == "recall":
        quota.quota_recall(unit=unit, **what, **common)
        return [unit.pk]
    target = _unit(p["target_unit_id"])
    if target.region_id == unit.region_id:
        quota.quota_transfer(source_unit=unit, target_unit=target, **what, **common)
    else:
        # Across regions (decided by the common parent): back to the source
        # region's reserve, over to the target region, granted to the unit.
        quota.quota_recall(unit=unit, **what, **common)
        quota.quota_transfer_between_regions(
            source_region=Region.objects.get(pk=unit.region_id),
            target_region=Region.objects.get(pk=target.region_id),
            **what,
            **common,
        )
        quota.quota_grant(unit=target, approval_ref=serial, **what, **common)
    return [unit.pk, target.pk]


def apply_due(*, actor: Actor, today: dt.date) -> list[str]:
    """`bianzhi daily`: scheduled matters whose effective date has come."""
    lines: list[str] = []
    due = Matter.objects.filter(
        state=Matter.State.SCHEDULED, effective_date__lte=today
    ).values_list("pk", flat=True)
    for pk in list(due):
        lines += _apply_one(pk, actor, today)
    failed = Matter.objects.filter(state=Matter.State.FAILED).count()
    if failed:
        lines.append(f"机构编制事项生效受阻共 {failed} 件，待处理")
    return lines


def _apply_one(pk: int, actor: Actor, today: dt.date) -> list[str]:
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update()
            .select_related("request")
            .filter(pk=pk, state=Matter.State.SCHEDULED)
            .first()
        )
        if matter is None:  # applied by a concurrent run
            return []
        before = audit.snapshot(matter)
        label = f"{matter.request.serial}「{matter.request.title}」"
        try:
            with transaction.atomic():
                apply_now(matter, actor, today)
            line = f"机构编制事项已生效：{label}（{matter.doc_no}）"
            operation = "matter_apply"
        except ApplicationError as exc:
            # Whatever apply_now set in memory was rolled back with it.
            matter.unit_id = before["unit"]
            matter.certificate_ids = before["certificate_ids"]
            matter.state = Matter.State.FAILED
            matter.apply_error = exc.message
            line = f"机构编制事项未能生效：{label}：{exc.message}"
            operation = "matter_apply_failed"
        matter.save()
        audit.record(
            actor=actor,
            operation=operation,
            records=[audit.change(matter, before, audit.snapshot(matter))],
            doc_no=matter.doc_no,
            summary=line,
        )
    return [line]
