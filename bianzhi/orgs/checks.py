"""Invariant checks of orgs for `bianzhi check` and the warnings page.

Decision: `problems()` lists only states the services can never produce, so
`bianzhi check` exits 1 only on a real breach (a direct database edit, a bug):
- the in-cap flag, 参公 flag, institution class or sector on a kind that may
  not carry it, or a USCC on a coordination body;
- a USCC that fails GB 32100 validation;
- more in-cap units than the cap in force today, beyond what the cap
  lowering explains (a lowering may leave an excess, and new in-cap units are
  refused while it lasts, so today's count can never legally exceed the count
  on the date the current cap took effect);
- more internal bodies than the mandate in force, beyond what the mandate
  lowering explains (same reasoning);
- a unit row that disagrees with its change records, or a unit or internal
  body with no record at all (written around the services).
Legal but noteworthy states are `warnings()`: an excess left by a lowering,
「限额未设置」, 「三定未录入」, flagged or overdue scheduled changes, units whose
USCC is still pending registration.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Q
from django.utils import timezone

from bianzhi.core.codes import parse_uscc
from bianzhi.core.errors import ApplicationError, ErrorCode

from .models import (
    CS_MANAGED_KINDS,
    IN_CAP_KINDS,
    InternalBody,
    Mandate,
    Region,
    Unit,
    UnitChange,
    UnitKind,
)
from .selectors import (
    BodyTimeline,
    CapTimeline,
    effective_changes,
    replay,
    row_values,
)


def _item(code: str, message: str, obj: str, level: str | None = None) -> dict:
    item = {"code": str(code), "message": message, "object": obj}
    if level:
        item["level"] = level
    return item


def _unit_ref(unit) -> str:
    return f"unit:{unit.pk}"


def _body_timelines(units: list[Unit]) -> dict[int, BodyTimeline]:
    """BodyTimeline per unit from two queries."""
    ids = [u.pk for u in units]
    bodies: dict[int, list] = defaultdict(list)
    for unit_id, start, end in InternalBody.objects.filter(unit_id__in=ids).values_list(
        "unit_id", "established_on", "abolished_on"
    ):
        bodies[unit_id].append((start, end))
    mandates: dict[int, list] = defaultdict(list)
    for unit_id, date, approved in (
        Mandate.objects.filter(unit_id__in=ids)
        .order_by("effective_date", "id")
        .values_list("unit_id", "effective_date", "internal_bodies_approved")
    ):
        mandates[unit_id].append((date, approved))
    return {pk: BodyTimeline(bodies[pk], mandates[pk]) for pk in ids}


def _cap_findings(today: dt.date, region_codes=None):
    """(region, cap, count, count_at_cap_date, cap_date) per region with units.

    `count` is taken from today's rows (what a direct edit would corrupt); the
    count on the cap's date comes from the change records.
    """
    regions = Region.objects.filter(
        units__kind__in=IN_CAP_KINDS, units__status=Unit.Status.ACTIVE
    ).distinct()
    if region_codes is not None:
        regions = regions.filter(code__in=region_codes)
    for region in regions:
        timeline = CapTimeline.load(region)
        cap, _ = timeline.cap(today)
        cap_date = max((d for d, _, _ in timeline.caps if d <= today), default=None)
        count = Unit.objects.filter(
            region=region,
            in_cap=True,
            status=Unit.Status.ACTIVE,
            established_on__lte=today,
        ).count()
        at_cap_date = timeline.count(cap_date) if cap_date else count
        yield region, cap, count, at_cap_date, cap_date


def _record_findings(today: dt.date) -> list[dict]:
    """Rows that disagree with their change records (edited around the services)."""
    found = []
    units = list(Unit.objects.all())
    changes = effective_changes(Unit.objects.all())
    for unit in units:
        applied = [
            c for c in changes.get(unit.pk, []) if c.status == UnitChange.Status.APPLIED
        ]
        if not any(c.kind == UnitChange.Kind.ESTABLISH for c in applied):
            found.append(
                _item(
                    "RECORD_MISSING",
                    f"{unit.name}没有设立记录（未经业务功能写入）",
                    _unit_ref(unit),
                )
            )
            continue
        row = row_values(unit)
        expected = replay(row, applied, today)
        differing = sorted(k for k in row if row[k] != expected[k])
        if differing:
            found.append(
                _item(
                    "UNIT_STATE_MISMATCH",
                    f"{unit.name}的{'、'.join(differing)}与变更记录不一致",
                    _unit_ref(unit),
                )
            )
    recorded = {
        (c.after.get("internal_body") or {}).get("id")
        for c in UnitChange.objects.filter(kind=UnitChange.Kind.INTERNAL_BODY_ADD)
    }
    for body in InternalBody.objects.exclude(pk__in=[r for r in recorded if r]):
        found.append(
            _item(
                "RECORD_MISSING",
                f"内设机构{body.name}没有增设记录（未经业务功能写入）",
                f"internal_body:{body.pk}",
            )
        )
    return found


def _body_findings(today: dt.date, units_qs):
    units = list(
        units_qs.filter(status=Unit.Status.ACTIVE, mandates__isnull=False).distinct()
    )
    timelines = _body_timelines(units)
    for unit in units:
        timeline = timelines[unit.pk]
        approved = timeline.approved(today)
        if approved is None:
            continue
        mandate_date = max(d for d, _ in timeline.mandates if d <= today)
        yield unit, approved, timeline.count(today), timeline.count(mandate_date)


def problems(*, today: dt.date | None = None) -> list[dict]:
    today = today or timezone.localdate()
    found: list[dict] = []
    for unit in Unit.objects.filter(in_cap=True).exclude(kind__in=IN_CAP_KINDS):
        found.append(
            _item(
                ErrorCode.IN_CAP_KIND,
                f"{unit.name}（{unit.get_kind_display()}）计入了机构限额",
                _unit_ref(unit),
            )
        )
    wrong_kind = {
        "参照公务员法管理": Q(civil_service_managed=True)
        & ~Q(kind__in=CS_MANAGED_KINDS),
        "事业单位类别": ~Q(institution_class="") & ~Q(kind=UnitKind.INSTITUTION),
        "行业": ~Q(sector="") & ~Q(kind=UnitKind.INSTITUTION),
        "统一社会信用代码（议事协调机构）": ~Q(uscc="") & Q(kind=UnitKind.COORDINATION),
    }
    for label, condition in wrong_kind.items():
        for unit in Unit.objects.filter(condition):
            found.append(
                _item(
                    ErrorCode.VALUE_INVALID,
                    f"{unit.name}（{unit.get_kind_display()}）不应有{label}",
                    _unit_ref(unit),
                )
            )
    for pk, name, uscc in Unit.objects.exclude(uscc="").values_list(
        "pk", "name", "uscc"
    ):
        try:
            parse_uscc(uscc)
        except ApplicationError as exc:
            found.append(
                _item(
                    ErrorCode.USCC_INVALID, f"{name}：{uscc} {exc.detail}", f"unit:{pk}"
                )
            )
    found += _record_findings(today)
    for region, cap, count, at_cap_date, cap_date in _cap_findings(today):
        if cap is not None and count > cap and count > at_cap_date:
            found.append(
                _item(
                    ErrorCode.AGENCY_CAP_EXCEEDED,
                    f"{region.name}机构限额{cap}个，{today}计入限额的机构{count}个"
                    f"（限额于{cap_date}调整时为{at_cap_date}个，其后又有增加）",
                    f"region:{region.code}",
                )
            )
    for unit, approved, count, at_mandate_date in _body_findings(
        today, Unit.objects.all()
    ):
        if count > approved and count > at_mandate_date:
            found.append(
                _item(
                    ErrorCode.INTERNAL_BODIES_EXCEEDED,
                    f"{unit.name}核定内设机构{approved}个，现有{count}个"
                    f"（三定生效时为{at_mandate_date}个，其后又有增设）",
                    _unit_ref(unit),
                )
            )
    return found


def warnings(*, today: dt.date | None = None, region_codes=None) -> list[dict]:
    """Legal states to show (level "warning" or "info"); never fail `check`."""
    today = today or timezone.localdate()
    found: list[dict] = []
    for region, cap, count, _, _ in _cap_findings(today, region_codes):
        ref = f"region:{region.code}"
        if cap is None:
            found.append(
                _item("AGENCY_CAP_UNSET", f"{region.name}：限额未设置", ref, "info")
            )
        elif count > cap:
            found.append(
                _item(
                    "AGENCY_CAP_EXCESS",
                    f"{region.name}机构限额{cap}个，计入限额的机构{count}个，"
                    f"超出{count - cap}个，消化前不得新设",
                    ref,
                    "warning",
                )
            )
    units = Unit.objects.filter(status=Unit.Status.ACTIVE, established_on__lte=today)
    if region_codes is not None:
        units = units.filter(region_id__in=region_codes)
    for unit, approved, count, _ in _body_findings(today, units):
        if count > approved:
            found.append(
                _item(
                    "INTERNAL_BODIES_EXCESS",
                    f"{unit.name}核定内设机构{approved}个，现有{count}个，"
                    f"超出{count - approved}个，消化前不得增设",
                    _unit_ref(unit),
                    "warning",
                )
            )
    no_mandate = (
        units.exclude(kind=UnitKind.COORDINATION)
        .exclude(mandates__effective_date__lte=today)
        .only("pk", "name")
    )
    for unit in no_mandate:
        found.append(
            _item(
                "MANDATE_MISSING", f"{unit.name}：三定未录入", _unit_ref(unit), "info"
            )
        )
    for unit in (
        units.filter(uscc="").exclude(kind=UnitKind.COORDINATION).only("pk", "name")
    ):
        found.append(
            _item(
                "USCC_PENDING",
                f"{unit.name}：统一社会信用代码待登记",
                _unit_ref(unit),
                "info",
            )
        )
    changes = UnitChange.objects.select_related("unit").filter(
        Q(status=UnitChange.Status.FLAGGED)
        | Q(status=UnitChange.Status.PENDING, effective_date__lte=today)
    )
    if region_codes is not None:
        changes = changes.filter(unit__region_id__in=region_codes)
    for change in changes:
        if change.status == UnitChange.Status.FLAGGED:
            message = (
                f"{change.unit.name}：{change.get_kind_display()}（{change.doc_no}）"
                f"未能生效：{change.flag_reason}"
            )
            code = "UNIT_CHANGE_FLAGGED"
        else:
            message = (
                f"{change.unit.name}：{change.get_kind_display()}（{change.doc_no}）"
                f"应于{change.effective_date}生效，尚未执行（请运行 bianzhi daily）"
            )
            code = "UNIT_CHANGE_OVERDUE"
        found.append(_item(code, message, f"unit_change:{change.pk}", "warning"))
    return found
