"""Writes of orgs: regions, agency caps, units, internal bodies, mandates.

This module is the public entry point: the region/cap writes
(services_regions) and the internal body/mandate writes (services_bodies) are
re-exported here, so callers import everything from `bianzhi.orgs.services`.
Every function is one business operation: rules first (rules.py), then the
writes, then exactly one audit event as the last write.

Dates (DOMAIN §3.1, §3.6). Every change cites a doc_no and has an effective
date. Effective before today → office staff with a reason (the initial load,
文号「初始化导入」, explains itself). Effective after today:
- a change of an existing unit (rename, rank, attributes) is stored as a
  pending UnitChange; the row keeps today's values until `bianzhi daily`
  applies it, re-checking the rules (one that would now break a rule is
  flagged, not applied);
- establishing is allowed: the unit row exists with established_on in the
  future and is absent from as-of views (and cap counts) before that date;
- internal bodies, mandates and caps carry their own dates, so their rows
  are written at once and as-of queries respect the dates; their UnitChange is
  marked pending only so the lineage shows 「待生效」 until daily flips it.

Locks are taken in one order: region row, then unit row, then (in
audit.record) the audit head. Caps are checked at every date from the
effective date on where the count or the cap changes, so a scheduled change
cannot slip past a later cap.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .models import IN_CAP_KINDS, Region, Unit, UnitChange
from .selectors import REPLAY_FIELDS, CapTimeline, effective_changes, replay, row_values
from .services_bodies import internal_body_add, internal_body_remove, mandate_set
from .services_common import (
    boolean,
    clean_and_save,
    get_region,
    jsonable_state,
    lock_unit,
    prepare,
    require_active,
    today_or_default,
    unit_id_of,
)
from .services_regions import (
    agency_cap_set,
    region_create_local,
    region_ensure,
    region_set_policy,
)

__all__ = [
    "agency_cap_set",
    "internal_body_add",
    "internal_body_remove",
    "mandate_set",
    "region_create_local",
    "region_ensure",
    "region_set_policy",
    "unit_change_apply",
    "unit_change_attributes",
    "unit_change_rank",
    "unit_establish",
    "unit_rename",
]

UNIT_CHANGE_KEYS = frozenset(
    {
        "parent",
        "institution_class",
        "sector",
        "civil_service_managed",
        "in_cap",
        "short_name",
        "uscc",
    }
)


def _check_parent(
    parent_id: int | None, *, region_id: str, on: dt.date, unit_id: int | None
) -> None:
    if parent_id is None:
        return
    parent = Unit.objects.filter(pk=parent_id).first()
    if parent is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, "上级单位不存在", field="parent")
    if parent.region_id != region_id:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "上级单位须为同一行政区划的单位", field="parent"
        )
    if not parent.is_active or parent.established_on > on:
        raise ApplicationError(
            ErrorCode.UNIT_INACTIVE,
            f"上级单位{parent.name}在{on}不存续",
            field="parent",
        )
    # Walking up from the new parent must not reach the unit itself.
    seen, current = set(), parent
    while current is not None and current.pk not in seen:
        if unit_id is not None and current.pk == unit_id:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "不能把本单位或其下级单位设为上级单位",
                field="parent",
            )
        seen.add(current.pk)
        current = current.parent


def _check_state(
    *,
    region: Region,
    unit_id: int | None,
    state: dict,
    touched: set[str],
    on: dt.date,
    cap_subject=None,
) -> None:
    """Every rule on a proposed unit state; `touched` limits the lookups."""
    rules.check_unit_attributes(
        kind=state["kind"],
        rank=state["rank"],
        institution_class=state["institution_class"] or "",
        sector=state["sector"] or "",
        civil_service_managed=bool(state["civil_service_managed"]),
        in_cap=bool(state["in_cap"]),
        uscc=state["uscc"] or "",
    )
    if "name" in touched:
        taken = Unit.objects.filter(
            region=region, name=state["name"], status=Unit.Status.ACTIVE
        ).exclude(pk=unit_id)
        if taken.exists():
            raise ApplicationError(
                ErrorCode.NAME_TAKEN,
                f"{region.name}已有「{state['name']}」",
                field="name",
            )
    if "uscc" in touched and state["uscc"]:
        if Unit.objects.filter(uscc=state["uscc"]).exclude(pk=unit_id).exists():
            raise ApplicationError(ErrorCode.USCC_TAKEN, state["uscc"], field="uscc")
    if "parent" in touched:
        _check_parent(state["parent"], region_id=region.pk, on=on, unit_id=unit_id)
    if cap_subject is not None:
        timeline, subject = cap_subject
        excess = timeline.first_excess(subject, on)
        if excess:
            when, cap, count = excess
            rules.check_agency_cap(
                region_name=region.name, on=when, cap=cap, count_with_new=count
            )


# -- regions -----------------------------------------------------------------------
def unit_establish(
    *,
    actor: Actor,
    region,
    name: str,
    kind: str,
    rank: str,
    doc_no: str,
    effective_date,
    short_name: str = "",
    uscc: str = "",
    parent=None,
    institution_class: str = "",
    sector: str = "",
    civil_service_managed=False,
    in_cap=False,
    reason: str = "",
    today=None,
) -> Unit:
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    state = {
        "name": rules.require_name(name, label="单位名称"),
        "short_name": (short_name or "").strip(),
        "uscc": rules.clean_uscc(uscc),
        "kind": kind,
        "rank": rank,
        "institution_class": (institution_class or "").strip(),
        "sector": rules.clean_sector(sector),
        "civil_service_managed": boolean(
            civil_service_managed, field="civil_service_managed"
        ),
        "in_cap": boolean(in_cap, field="in_cap"),
        "parent": unit_id_of(parent),
    }
    with transaction.atomic():
        # The region row is the cap's lock: establishments in a region queue here.
        region = Region.objects.select_for_update().get(pk=get_region(region).pk)
        cap_subject = None
        if state["in_cap"]:
            timeline = CapTimeline.load(region)
            cap_subject = (timeline, timeline.propose_new_unit(effective_date))
        _check_state(
            region=region,
            unit_id=None,
            state=state,
            touched=set(REPLAY_FIELDS),
            on=effective_date,
            cap_subject=cap_subject,
        )
        fields = {k: v for k, v in state.items() if k != "parent"}
        unit = Unit(
            region=region,
            parent_id=state["parent"],
            established_on=effective_date,
            established_doc_no=doc_no,
            **fields,
        )
        clean_and_save(unit)
        after = jsonable_state(
            {**state, "established_on": effective_date, "established_doc_no": doc_no}
        )
        change = UnitChange.objects.create(
            unit=unit,
            kind=UnitChange.Kind.ESTABLISH,
            effective_date=effective_date,
            doc_no=doc_no,
            actor_name=actor.name,
            reason=reason,
            before={},
            after=after,
        )
        audit.record(
            actor=actor,
            operation="unit_establish",
            records=[
                audit.change(unit, None, audit.snapshot(unit)),
                audit.change(change, None, audit.snapshot(change)),
            ],
            doc_no=doc_no,
            summary=f"设立 {unit.name}（{region.name}，{effective_date}）",
        )
    return unit


def _change_unit(
    *,
    actor: Actor,
    unit,
    kind: str,
    changes: dict,
    doc_no: str,
    effective_date,
    reason: str,
    today,
) -> Unit:
    """One effective-dated change of a unit's own fields (see module docstring)."""
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    with transaction.atomic():
        unit = lock_unit(unit)
        require_active(unit)
        rules.check_not_before_establishment(
            effective_date=effective_date, established_on=unit.established_on
        )
        history = effective_changes([unit]).get(unit.pk, [])
        as_of = replay(row_values(unit), history, effective_date)
        touched = {k: v for k, v in changes.items() if as_of[k] != v}
        if not touched:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"与{effective_date}时的状况相同，没有需要变更的内容",
            )
        cap_subject = None
        if touched.get("in_cap") and unit.kind in IN_CAP_KINDS:
            timeline = CapTimeline.load(unit.region)
            cap_subject = (
                timeline,
                timeline.propose_flag(unit.pk, effective_date, True),
            )
        _check_state(
            region=unit.region,
            unit_id=unit.pk,
            state={**as_of, **touched},
            touched=set(touched),
            on=effective_date,
            cap_subject=cap_subject,
        )
        pending = effective_date > today
        change = UnitChange.objects.create(
            unit=unit,
            kind=kind,
            effective_date=effective_date,
            doc_no=doc_no,
            actor_name=actor.name,
            reason=reason,
            before=jsonable_state({k: as_of[k] for k in touched}),
            after=jsonable_state(touched),
            status=UnitChange.Status.PENDING if pending else UnitChange.Status.APPLIED,
        )
        records = [audit.change(change, None, audit.snapshot(change))]
        if not pending:
            records.insert(0, _sync_row(unit, [*history, change], today))
        audit.record(
            actor=actor,
            operation=f"unit_{kind}",
            records=records,
            doc_no=doc_no,
            summary=f"{unit.name}：{change.get_kind_display()}"
            f"{'（待生效）' if pending else ''} {effective_date}",
        )
    return unit


def _sync_row(unit: Unit, changes: list[UnitChange], today: dt.date) -> dict:
    """Set the row to its state as of today from the applied changes."""
    before = audit.snapshot(unit)
    applied = sorted(
        (c for c in changes if c.status == UnitChange.Status.APPLIED),
        key=lambda c: (c.effective_date, c.pk),
    )
    values = replay(row_values(unit), applied, today)
    for key, value in values.items():
        setattr(unit, "parent_id" if key == "parent" else key, value)
    clean_and_save(unit)
    return audit.change(unit, before, audit.snapshot(unit))


def unit_rename(
    *,
    actor: Actor,
    unit,
    name: str,
    doc_no: str,
    effective_date,
    short_name: str | None = None,
    reason: str = "",
    today=None,
) -> Unit:
    changes = {"name": rules.require_name(name, label="单位名称")}
    if short_name is not None:
        changes["short_name"] = short_name.strip()
    return _change_unit(
        actor=actor,
        unit=unit,
        kind=UnitChange.Kind.RENAME,
        changes=changes,
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
    )


def unit_change_rank(
    *,
    actor: Actor,
    unit,
    rank: str,
    doc_no: str,
    effective_date,
    reason: str = "",
    today=None,
) -> Unit:
    rules.require_choice(rank, rules.UNIT_RANKS, field="rank", label="机构规格")
    return _change_unit(
        actor=actor,
        unit=unit,
        kind=UnitChange.Kind.CHANGE_RANK,
        changes={"rank": rank},
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
    )


def unit_change_attributes(
    *,
    actor: Actor,
    unit,
    doc_no: str,
    effective_date,
    changes: dict,
    reason: str = "",
    today=None,
) -> Unit:
    """Supervising unit (parent), institution class, sector, 参公, in-cap flag,
    short name and USCC, under one doc_no."""
    if not changes:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "请填写要调整的属性")
    unknown = set(changes) - UNIT_CHANGE_KEYS
    if unknown:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"不能通过属性调整修改：{'、'.join(sorted(unknown))}",
        )
    cleaners = {
        "parent": unit_id_of,
        "institution_class": lambda v: (v or "").strip(),
        "sector": rules.clean_sector,
        "civil_service_managed": lambda v: boolean(v, field="civil_service_managed"),
        "in_cap": lambda v: boolean(v, field="in_cap"),
        "short_name": lambda v: (v or "").strip(),
        "uscc": rules.clean_uscc,
    }
    cleaned = {key: cleaners[key](value) for key, value in changes.items()}
    return _change_unit(
        actor=actor,
        unit=unit,
        kind=UnitChange.Kind.CHANGE_ATTRIBUTES,
        changes=cleaned,
        doc_no=doc_no,
        effective_date=effective_date,
        reason=reason,
        today=today,
    )


def unit_change_apply(*, actor: Actor, change_id: int, today=None) -> str:
    """Apply one due pending UnitChange (called by daily.run); idempotent.

    Re-checks the rules on today's row with the change; a change that would
    now break one is flagged with the reason instead. Returns a message, or ""
    when there was nothing to do.
    """
    rules.require_office(actor)
    today = today_or_default(today)
    unit_id = (
        UnitChange.objects.filter(pk=change_id)
        .values_list("unit_id", flat=True)
        .first()
    )
    if unit_id is None:
        return ""
    with transaction.atomic():
        unit = lock_unit(unit_id)
        change = UnitChange.objects.select_for_update().get(pk=change_id)
        if change.status != UnitChange.Status.PENDING or change.effective_date > today:
            return ""
        label = f"{unit.name}：{change.get_kind_display()}（{change.doc_no}，{change.effective_date}）"
        records, operation = [], "unit_change_apply"
        change_before = audit.snapshot(change)
        touched = {k: v for k, v in change.after.items() if k in REPLAY_FIELDS}
        try:
            if touched:
                require_active(unit)
                current = row_values(unit)
                cap_subject = None
                if touched.get("in_cap") and unit.kind in IN_CAP_KINDS:
                    # The pending change is already in the timeline.
                    timeline = CapTimeline.load(unit.region)
                    cap_subject = (timeline, timeline.units[unit.pk])
                _check_state(
                    region=unit.region,
                    unit_id=unit.pk,
                    state={**current, **touched},
                    touched=set(touched),
                    on=change.effective_date,
                    cap_subject=cap_subject,
                )
                change.before = jsonable_state({k: current[k] for k in touched})
        except ApplicationError as exc:
            change.status, change.flag_reason = (
                UnitChange.Status.FLAGGED,
                exc.message[:300],
            )
            change.save(update_fields=["status", "flag_reason"])
            operation, message = "unit_change_flag", f"{label}未能生效：{exc.message}"
        else:
            change.status = UnitChange.Status.APPLIED
            change.save(update_fields=["status", "before"])
            if touched:
                history = effective_changes([unit]).get(unit.pk, [])
                records.append(_sync_row(unit, history, today))
            message = f"{label}已生效"
        records.append(audit.change(change, change_before, audit.snapshot(change)))
        audit.record(
            actor=actor,
            operation=operation,
            records=records,
            doc_no=change.doc_no,
            summary=message,
        )
    return message


# -- internal bodies and mandates ----------------------------------------------------------
