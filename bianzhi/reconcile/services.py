"""Writes of the reconcile app (the only module that writes its models).

reconcile_run computes everything first (engine.py writes nothing), then
stores the run and all its findings in one transaction with one audit
event; a refused input (bad header, mixed months, an ID that lost digits,
an empty file, one file given as two sources …) raises before anything is
written. The audit event lists the run record (sources with their sha256,
counts per rule); the findings are derived data, reproducible from those
files, and are not listed one by one.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows

from . import engine
from .models import Finding, FindingReview, HandoverStatus, ReconcileRun, Verdict

BATCH = 2000
_RUN_AUDITED = (
    "month",
    "roster_source",
    "inputs",
    "persons",
    "counts",
    "skipped",
    "findings_total",
    "created_by_id",
    "created_by_name",
    "started_at",
    "finished_at",
)
_REVIEW_AUDITED = (
    "key",
    "rule",
    "id_number",
    "unit_name",
    "verdict",
    "note",
    "reviewed_by_name",
    "reviewed_at",
    "handover",
    "handover_by_name",
    "handover_at",
)


def _require(actor: Actor, permission: str, what: str) -> None:
    if actor.is_system or role_allows(actor.role, permission):
        return
    raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, f"当前角色无权{what}")


def parse_month(value) -> dt.date:
    """ "2026-10", "2026-10-01", "202610" or a date -> first day of the month."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = str(value or "").strip()
    match = re.fullmatch(r"(\d{4})-?(\d{1,2})(?:-\d{1,2})?", text)
    if match and 1 <= int(match[2]) <= 12 and 1900 <= int(match[1]) <= 2100:
        return dt.date(int(match[1]), int(match[2]), 1)
    raise ApplicationError(
        ErrorCode.DATE_INVALID,
        f"比对月份应为 YYYY-MM，如 2026-10（收到「{text}」）",
        field="month",
    )


def _unit_ids(findings: list[engine.FindingRow]) -> None:
    """Fill unit ids of a file roster's findings from the database's units
    (by credit code, else by exact name), where they match."""
    from bianzhi.orgs.models import Unit

    missing = [f for f in findings if f.unit_id is None and f.unit_name]
    if not missing:
        return
    codes = {f.unit_ref for f in missing if not f.unit_ref.startswith(("N:", "X:"))}
    names = {f.unit_name for f in missing}
    by_code = (
        dict(Unit.objects.filter(uscc__in=codes).values_list("uscc", "id"))
        if codes
        else {}
    )
    by_name: dict[str, int] = {}
    for name, pk in Unit.objects.filter(name__in=names).values_list("name", "id"):
        by_name.setdefault(name, pk)
    for f in missing:
        f.unit_id = by_code.get(f.unit_ref) or by_name.get(f.unit_name)


def reconcile_run(
    *,
    actor: Actor,
    month,
    roster_path=None,
    payroll=None,
    social=None,
    population=None,
    progress=None,
) -> ReconcileRun:
    """Run the reconciliation of `month` and store it (DOMAIN §9).

    Sources are paths, or (path, original filename) for web uploads; the
    roster comes from the database unless `roster_path` is given; absent
    sources make their rules "skipped". `progress(percent, label)` is called
    as the work advances. Returns the stored run.
    """
    _require(actor, Permission.RUN_RECONCILE, "执行数据比对")
    first = parse_month(month)
    started = timezone.now()
    result = engine.reconcile(
        month=first,
        roster_path=roster_path,
        payroll=payroll,
        social=social,
        population=population,
        progress=progress,
    )
    _unit_ids(result.findings)
    with transaction.atomic():
        run = ReconcileRun.objects.create(
            month=first,
            roster_source=result.roster_source,
            inputs=result.inputs,
            persons=result.persons,
            counts=result.counts,
            skipped=result.skipped,
            findings_total=len(result.findings),
            seconds=round(result.seconds, 3),
            created_by_id=actor.user_id,
            created_by_name=actor.name,
            created_by_role=actor.role,
            created_by_scope=actor.scope,
            started_at=started,
            finished_at=timezone.now(),
        )
        batch: list[Finding] = []
        for row in result.findings:
            batch.append(
                Finding(
                    run=run,
                    rule=row.rule,
                    id_number=row.id_number[:40],
                    unit_name=row.unit_name[:200],
                    unit_id=row.unit_id,
                    unit_ref=row.unit_ref[:200],
                    person_name=(row.person_name or "")[:100],
                    explanation=row.explanation or "",
                    score=row.score,
                    evidence=row.evidence,
                    key=row.key,
                )
            )
            if len(batch) >= BATCH:
                Finding.objects.bulk_create(batch)
                batch = []
        if batch:
            Finding.objects.bulk_create(batch)
        counts = "，".join(f"{k} {v}" for k, v in result.counts.items() if v)
        audit.record(
            actor=actor,
            operation="reconcile_run",
            records=[audit.change(run, None, audit.snapshot(run, fields=_RUN_AUDITED))],
            summary=f"{first:%Y-%m} 数据比对：疑点{len(result.findings)}条"
            + (f"（{counts}）" if counts else ""),
        )
    return run


def _finding(finding_id) -> Finding:
    finding = (
        Finding.objects.filter(pk=finding_id).first()
        if str(finding_id).isdigit()
        else None
    )
    if finding is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "比对疑点不存在")
    return finding


def finding_review(
    *, actor: Actor, finding_id, verdict: str, note: str = ""
) -> FindingReview:
    """Record the verdict on a finding; it is remembered for the finding's key
    (rule, ID number, unit) in later months. "explained" needs a note."""
    _require(actor, Permission.REVIEW_FINDING, "核查比对疑点")
    if verdict not in Verdict.values:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "核查结论应为 已确认（confirmed）、已说明（explained）或 误报（false_positive）",
            field="verdict",
        )
    note = (note or "").strip()
    if verdict == Verdict.EXPLAINED and not note:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED, "「已说明」须填写说明", field="note"
        )
    finding = _finding(finding_id)
    now = timezone.now()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                review = (
                    FindingReview.objects.select_for_update()
                    .filter(key=finding.key)
                    .first()
                )
                before = (
                    audit.snapshot(review, fields=_REVIEW_AUDITED) if review else None
                )
                if review is None:
                    review = FindingReview(key=finding.key)
                review.rule = finding.rule
                review.id_number = finding.id_number
                review.unit_name = finding.unit_name
                review.verdict = verdict
                review.note = note
                review.finding = finding
                review.reviewed_by_id = actor.user_id
                review.reviewed_by_name = actor.name
                review.reviewed_at = now
                if verdict != Verdict.CONFIRMED and review.handover:
                    # No longer a confirmed problem: it must not reach supervision.
                    review.handover = HandoverStatus.NONE
                    review.handover_by_name = ""
                    review.handover_at = None
                review.full_clean(exclude=["finding"])
                review.save()
                audit.record(
                    actor=actor,
                    operation="finding_review",
                    records=[
                        audit.change(
                            review,
                            before,
                            audit.snapshot(review, fields=_REVIEW_AUDITED),
                        )
                    ],
                    summary=f"比对疑点核查 {finding.rule} {finding.unit_name}：{Verdict(verdict).label}",
                )
                return review
        except IntegrityError:
            # Two first reviews of one key at once: the loser updates the winner's row.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def finding_handover(*, actor: Actor, finding_id) -> FindingReview:
    """Mark a confirmed finding "to be handed over" to supervision (督查).

    Idempotent: a finding already marked is returned unchanged."""
    _require(actor, Permission.REVIEW_FINDING, "移交比对疑点")
    finding = _finding(finding_id)
    with transaction.atomic():
        review = (
            FindingReview.objects.select_for_update().filter(key=finding.key).first()
        )
        if review is None or review.verdict != Verdict.CONFIRMED:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, "只有核查结论为「已确认」的疑点才能移交督查"
            )
        if review.handover == HandoverStatus.PENDING:
            return review
        before = audit.snapshot(review, fields=_REVIEW_AUDITED)
        review.handover = HandoverStatus.PENDING
        review.handover_by_name = actor.name
        review.handover_at = timezone.now()
        review.save(update_fields=["handover", "handover_by_name", "handover_at"])
        audit.record(
            actor=actor,
            operation="finding_handover",
            records=[
                audit.change(
                    review, before, audit.snapshot(review, fields=_REVIEW_AUDITED)
                )
            ],
            summary=f"比对疑点移交督查 {finding.rule} {finding.unit_name}",
        )
    return review
