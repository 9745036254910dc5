"""Registration of the establishment matters with the approvals engine and the
intake forms, and of the coordination list's daily check (MattersConfig.ready)."""

from __future__ import annotations

from bianzhi.approvals import engine

from . import analysis, coordination, intake_matters, step_records
from .kinds import SPECS, type_of
from .matters_effects import apply_due, apply_on_approval
from .models import Matter

DAILY_KIND = "matter_establish"  # the daily hooks hang on one of the kinds


def live_numbers(request) -> list[tuple[str, object, str]]:
    """The quantitative analysis, computed now, with the workload recorded at
    the argumentation (if any), and where the matter stands."""
    matter = Matter.objects.filter(request=request).first()
    workload = matter.workload if matter else {}
    rows = analysis.numbers(
        analysis.compute(
            type_of(request.kind),
            request.payload or {},
            workload,
            region_code=request.region_code,
        )
    )
    if matter is not None:
        for hop in matter.route:
            rows.append(
                ("报送", f"{hop['from_name']} → {hop['to_name']}（{hop['on']}）", "")
            )
        if matter.doc_no:
            rows.append(("编委会决定文号", matter.doc_no, ""))
        if matter.effective_date:
            rows.append(("生效日期", str(matter.effective_date), ""))
        rows.append(("生效状态", matter.get_state_display(), f"/matters/{request.pk}/"))
    return rows


def row_numbers(requests) -> dict[int, list[tuple[str, object, str]]]:
    """Inbox rows: where a routed matter came from, the unit's vacancy (two
    bulk queries for the page)."""
    from django.db.models import F, Sum

    from bianzhi.quota.models import QuotaAccount

    ids = [r.pk for r in requests]
    routes = dict(
        Matter.objects.filter(request_id__in=ids).values_list("request_id", "route")
    )
    units = {r.unit_id for r in requests if r.unit_id}
    vacancy = dict(
        QuotaAccount.objects.filter(unit_id__in=units)
        .values("unit_id")
        .annotate(v=Sum(F("approved") - F("occupied") - F("reserved")))
        .values_list("unit_id", "v")
    )
    out: dict[int, list[tuple[str, object, str]]] = {}
    for r in requests:
        rows: list[tuple[str, object, str]] = []
        hops = routes.get(r.pk) or []
        if hops:
            rows.append(("报送", f"{hops[0]['from_name']}报", f"/matters/{r.pk}/"))
        if r.unit_id in vacancy:
            rows.append(("空编", vacancy[r.unit_id], f"/units/{r.unit_id}/"))
        out[r.pk] = rows
    return out


def register() -> None:
    for spec in SPECS:
        engine.register_kind(spec)
        engine.register_effect(spec.kind, apply_on_approval)
        engine.register_validator(spec.kind, intake_matters.validate_matter)
        engine.register_numbers(spec.kind, live_numbers)
        engine.register_row_numbers(spec.kind, row_numbers)
        engine.register_step_check(spec.kind, step_records.records_before_passing)
    engine.register_daily(DAILY_KIND, apply_due)
    engine.register_daily(DAILY_KIND, coordination.daily)
    intake_matters.register_intakes()
