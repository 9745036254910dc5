"""Reads of reconciliation runs and findings (for pages, API, reports).

A finding's status is its key's remembered review (FindingReview.verdict),
or "new" (待核查) when the key was never reviewed; `findings()` annotates
every finding with `status`, `review_note`, `reviewed_by` and `handover`.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Finding, FindingReview, FindingStatus, HandoverStatus, ReconcileRun
from .rules import RULE_ORDER, RULES


def runs(month=None) -> QuerySet[ReconcileRun]:
    """Stored runs, newest month first; `month` (a date) filters one month."""
    qs = ReconcileRun.objects.all()
    if month is not None:
        qs = qs.filter(month=month.replace(day=1))
    return qs


def _with_review(qs: QuerySet[Finding]) -> QuerySet[Finding]:
    review = FindingReview.objects.filter(key=OuterRef("key"))
    return qs.annotate(
        status=Coalesce(
            Subquery(review.values("verdict")[:1]), Value(FindingStatus.NEW.value)
        ),
        review_note=Subquery(review.values("note")[:1]),
        reviewed_by=Subquery(review.values("reviewed_by_name")[:1]),
        handover=Coalesce(Subquery(review.values("handover")[:1]), Value("")),
    )


def findings(
    run: ReconcileRun, rule: str | None = None, unit=None, status: str | None = None
) -> QuerySet[Finding]:
    """Findings of a run, filtered by rule ("R1"…), unit (a Unit, its id, or
    a unit name) and status (new / confirmed / explained / false_positive)."""
    qs = Finding.objects.filter(run=run)
    if rule:
        qs = qs.filter(rule=rule)
    if unit is not None and unit != "":
        if isinstance(unit, int) or (isinstance(unit, str) and unit.isdigit()):
            qs = qs.filter(unit_id=int(unit))
        elif isinstance(unit, str):
            qs = qs.filter(unit_name=unit)
        else:
            qs = qs.filter(unit_id=unit.pk)
    qs = _with_review(qs)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("id")


def counts_by_rule(run: ReconcileRun) -> list[dict]:
    """One row per rule R1–R11: label, count, skipped (with reason), and the
    counts per status."""
    skipped = {s["rule"]: s for s in run.skipped or []}
    per_status: dict[str, dict[str, int]] = defaultdict(dict)
    for rule, status, n in (
        _with_review(Finding.objects.filter(run=run))
        .values_list("rule", "status")
        .annotate(n=Count("id"))
        .order_by()
    ):
        per_status[rule][status] = n
    rows = []
    for rule in RULE_ORDER:
        skip = skipped.get(rule)
        statuses = per_status.get(rule, {})
        rows.append(
            {
                "rule": rule,
                "label": RULES[rule],
                "count": sum(statuses.values()),
                "skipped": bool(skip and not skip.get("partial")),
                "partial": bool(skip and skip.get("partial")),
                "reason": skip["reason"] if skip else "",
                "by_status": {s: statuses.get(s, 0) for s in FindingStatus.values},
            }
        )
    return rows


def counts_by_unit(run: ReconcileRun) -> list[dict]:
    """One row per unit: unit_name, unit_id, total and the count per rule."""
    units: dict[tuple, dict] = {}
    for name, unit_id, rule, n in (
        Finding.objects.filter(run=run)
        .values_list("unit_name", "unit_id", "rule")
        .annotate(n=Count("id"))
        .order_by()
    ):
        row = units.setdefault(
            (name, unit_id),
            {
                "unit_name": name,
                "unit_id": unit_id,
                "total": 0,
                **dict.fromkeys(RULE_ORDER, 0),
            },
        )
        row[rule] += n
        row["total"] += n
    return sorted(units.values(), key=lambda r: (-r["total"], r["unit_name"]))


def compare(run_a: ReconcileRun, run_b: ReconcileRun) -> dict[str, QuerySet[Finding]]:
    """Findings of run_b against an earlier run_a, by key:
    new (in b only), resolved (in a only, shown as a's findings) and
    persisting (in both, shown as b's findings)."""
    keys_a = Finding.objects.filter(run=run_a).values("key")
    keys_b = Finding.objects.filter(run=run_b).values("key")
    return {
        "new": _with_review(
            Finding.objects.filter(run=run_b).exclude(key__in=keys_a)
        ).order_by("id"),
        "resolved": _with_review(
            Finding.objects.filter(run=run_a).exclude(key__in=keys_b)
        ).order_by("id"),
        "persisting": _with_review(
            Finding.objects.filter(run=run_b, key__in=keys_a)
        ).order_by("id"),
    }


def handovers() -> QuerySet[FindingReview]:
    """Confirmed findings marked for handover to supervision (督查), oldest first."""
    return FindingReview.objects.filter(handover=HandoverStatus.PENDING).order_by(
        "handover_at", "id"
    )


def review_for(finding: Finding) -> FindingReview | None:
    return FindingReview.objects.filter(key=finding.key).first()
