"""Writes of regions and agency caps (机构限额). Part of orgs.services (re-exported there)."""

from __future__ import annotations

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import national_region, parse_quantity
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .models import AgencyCap, Region
from .selectors import CapTimeline
from .services_common import clean_and_save, get_region, prepare


def _clean_region_name(name: str) -> str:
    # The national table lists renamed counties as "旧名,[1998-]新名": keep the newest.
    return rules.require_name(name.split(",")[-1].split("]")[-1])


def region_ensure(*, actor: Actor, code: str) -> Region:
    """The region with `code`: the existing row, or created from the national
    table (GB/T 2260 via stdnum) together with its missing parents."""
    code = str(code or "").strip()
    existing = Region.objects.filter(pk=code).first()
    if existing is not None:
        return existing
    chain = []
    entry = national_region(code)
    if entry is None:
        raise ApplicationError(
            ErrorCode.REGION_UNKNOWN, f"{code}不在国家行政区划代码表中", field="code"
        )
    rules.require_office(actor)
    while entry is not None:
        chain.append(entry)
        parent_code = entry.parent_code
        entry = national_region(parent_code) if parent_code else None
        # A county directly under a province (no city row in the table).
        if entry is None and parent_code and parent_code[2:] != "0000":
            entry = national_region(parent_code[:2] + "0000")
    with transaction.atomic():
        records, parent = [], None
        for item in reversed(chain):  # province first
            region, created = Region.objects.get_or_create(
                code=item.code,
                defaults={
                    "name": _clean_region_name(item.name),
                    "level": item.level,
                    "parent": parent,
                },
            )
            if created:
                records.append(audit.change(region, None, audit.snapshot(region)))
            parent = region
        if records:
            audit.record(
                actor=actor,
                operation="region_ensure",
                records=records,
                summary=f"按国家行政区划代码表建立 {parent.name}（{parent.code}）",
            )
    return parent


def region_create_local(
    *, actor: Actor, code: str, name: str, level: str, parent=None
) -> Region:
    """A region the national table does not list (demo/test 99xxxx, or one newer
    than the table). A code the table lists must come from region_ensure."""
    rules.require_office(actor)
    code = str(code or "").strip()
    if len(code) != 6 or not code.isdigit():
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "行政区划代码应为6位数字", field="code"
        )
    if national_region(code) is not None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"{code}在国家行政区划代码表中，请按代码表建立",
            field="code",
        )
    name = rules.require_name(name, label="行政区划名称")
    parent_region = get_region(parent) if parent is not None else None
    rules.check_region_levels(
        level=level, parent_level=parent_region.level if parent_region else None
    )
    with transaction.atomic():
        if Region.objects.filter(pk=code).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{code}已存在", field="code"
            )
        region = Region(
            code=code, name=name, level=level, parent=parent_region, is_local=True
        )
        clean_and_save(region)
        audit.record(
            actor=actor,
            operation="region_create_local",
            records=[audit.change(region, None, audit.snapshot(region))],
            summary=f"建立本地行政区划 {name}（{code}）",
        )
    return region


def region_set_policy(
    *, actor: Actor, region, over_quota_policy: str, releases_per_intake=1
) -> Region:
    rules.require_office(actor)
    rules.require_choice(
        over_quota_policy,
        Region.OverQuotaPolicy.values,
        field="over_quota_policy",
        label="超编进人政策",
    )
    releases = parse_quantity(releases_per_intake)
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=get_region(region).pk)
        before = audit.snapshot(region)
        region.over_quota_policy, region.releases_per_intake = (
            over_quota_policy,
            releases,
        )
        clean_and_save(region)
        audit.record(
            actor=actor,
            operation="region_set_policy",
            records=[audit.change(region, before, audit.snapshot(region))],
            summary=f"{region.name}超编进人政策：{region.get_over_quota_policy_display()}",
        )
    return region


def agency_cap_set(
    *,
    actor: Actor,
    region,
    cap,
    doc_no: str,
    effective_date,
    reason: str = "",
    today=None,
) -> AgencyCap:
    """A new cap version. Lowering below the in-cap count is allowed (the excess
    shows in selectors.agency_cap_status and checks.warnings; new in-cap units are
    refused until it is digested)."""
    doc_no, effective_date, today = prepare(
        actor, doc_no, effective_date, reason, today
    )
    cap = parse_quantity(cap)
    with transaction.atomic():
        region = Region.objects.select_for_update().get(pk=get_region(region).pk)
        if AgencyCap.objects.filter(
            region=region, effective_date=effective_date
        ).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"{region.name}{effective_date}已有机构限额记录",
                field="effective_date",
            )
        record = AgencyCap(
            region=region, cap=cap, effective_date=effective_date, doc_no=doc_no
        )
        clean_and_save(record)
        count = CapTimeline.load(region).count(effective_date)
        note = f"（计入限额机构{count}个，超出{count - cap}个）" if count > cap else ""
        audit.record(
            actor=actor,
            operation="agency_cap_set",
            records=[audit.change(record, None, audit.snapshot(record))],
            doc_no=doc_no,
            summary=f"{region.name}{effective_date}起机构限额{cap}个{note} {reason}".strip(),
        )
    return record


# -- units ---------------------------------------------------------------------------
