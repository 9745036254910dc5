"""数据比对: a run's results (by rule, by unit, findings with filters), the
review of a finding (htmx, in place), the comparison of two runs and the list
of findings to be handed over to supervision (督查).

ID numbers are masked everywhere on these pages (core.codes.mask_id_number,
and every ID-looking value in the evidence rows); the full numbers are only
in the exports, which are for the office staff these pages are limited to.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bianzhi.accounts.access import has_permission, require
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.privacy import mask_ids, mask_number, mask_text
from bianzhi.core.roles import Permission
from bianzhi.reconcile import selectors
from bianzhi.reconcile.models import Finding, FindingStatus, ReconcileRun, Verdict
from bianzhi.reconcile.report import EVIDENCE_SOURCES
from bianzhi.reconcile.rules import RULE_ORDER, RULES
from bianzhi.reconcile.services import finding_handover, finding_review
from bianzhi.web.errors import web_view

from .reconcile import access_run, input_rows, visible_runs

PAGE_SIZE = 50
STATUS_LABELS = dict(FindingStatus.choices)
HANDED_OVER = "handed_over"  # a filter value: confirmed and marked for 督查


def _mask(number: str) -> str:
    number = (number or "").strip()
    return mask_id_number(number) if len(number) == 18 else mask_number(number)


def _evidence(evidence) -> list[dict]:
    """[{label, columns, rows}] per source, in the report's order, IDs masked."""
    evidence = evidence or {}
    tables = []
    for source, label in EVIDENCE_SOURCES:
        rows = evidence.get(source)
        if not rows:
            continue
        if isinstance(rows, dict):
            rows = [rows]
        rows = [mask_ids(r) for r in rows if isinstance(r, dict)]
        columns: list[str] = []
        for row in rows:
            columns += [k for k in row if k not in columns]
        tables.append(
            {
                "label": label,
                "columns": columns,
                "rows": [[row.get(c, "") for c in columns] for row in rows],
            }
        )
    return tables


def finding_item(finding: Finding, can_review: bool) -> dict:
    status = getattr(finding, "status", FindingStatus.NEW)
    handover = getattr(finding, "handover", "")
    return {
        "f": finding,
        "id_masked": _mask(finding.id_number),
        "rule_label": RULES.get(finding.rule, ""),
        # R9's explanation quotes the refused number: masked like the rest.
        "explanation": mask_text(finding.explanation or ""),
        "status": status,
        "status_label": _("待移交督查")
        if handover
        else STATUS_LABELS.get(status, status),
        "note": mask_text(getattr(finding, "review_note", "") or ""),
        "reviewed_by": getattr(finding, "reviewed_by", "") or "",
        "handover": bool(handover),
        "evidence": _evidence(finding.evidence),
        "can_review": can_review,
        "can_handover": can_review and status == Verdict.CONFIRMED and not handover,
        "review_url": reverse("web:reconcile_review", args=[finding.pk]),
        "handover_url": reverse("web:reconcile_handover_mark", args=[finding.pk]),
        "url": reverse("web:reconcile_finding", args=[finding.pk]),
    }


def _filtered(run: ReconcileRun, params) -> tuple[QuerySet[Finding], dict]:
    values = {
        "rule": params.get("rule", "") if params.get("rule") in RULES else "",
        "unit": params.get("unit", "").strip(),
        "status": params.get("status", ""),
        "q": params.get("q", "").strip(),
    }
    status = values["status"]
    if status not in FindingStatus.values and status != HANDED_OVER:
        values["status"] = status = ""
    qs = selectors.findings(
        run,
        rule=values["rule"] or None,
        unit=values["unit"] or None,
        status=None if status == HANDED_OVER else (status or None),
    )
    if status == HANDED_OVER:
        qs = qs.exclude(handover="")
    if values["q"]:
        qs = qs.filter(person_name__icontains=values["q"])
    return qs, values


def _link(run: ReconcileRun, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    url = reverse("web:reconcile_run", args=[run.pk])
    return f"{url}?{query}#findings" if query else f"{url}#findings"


@web_view
def run_page(request: HttpRequest, run_id: int) -> HttpResponse:
    run = access_run(request.user, run_id)
    can_review = has_permission(request.user, Permission.REVIEW_FINDING)
    by_rule = selectors.counts_by_rule(run)
    for row in by_rule:
        row["url"] = _link(run, rule=row["rule"])
        row["status_links"] = [
            (STATUS_LABELS[s], n, _link(run, rule=row["rule"], status=s))
            for s, n in row["by_status"].items()
        ]
    by_unit = selectors.counts_by_unit(run)
    for row in by_unit:
        unit = row["unit_id"] or row["unit_name"]
        row["url"] = _link(run, unit=unit)
        row["cells"] = [
            (row[r], _link(run, unit=unit, rule=r) if row[r] else "")
            for r in RULE_ORDER
        ]
    qs, values = _filtered(run, request.GET)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "inputs": input_rows(run),
        "by_rule": by_rule,
        "by_unit": by_unit,
        "rules": RULE_ORDER,
        "rule_choices": list(RULES.items()),
        "status_choices": [*FindingStatus.choices, (HANDED_OVER, _("待移交督查"))],
        "values": values,
        "page": page,
        "items": [finding_item(f, can_review) for f in page.object_list],
        "can_review": can_review,
        "filter_unit_label": values["unit"],
        "all_url": _link(run),
    }
    return render(request, "web/reconcile/run.html", context)


def _access_finding(user, finding_id) -> Finding:
    try:
        pk = int(finding_id)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None
    finding = Finding.objects.filter(pk=pk, run__in=visible_runs(user)).first()
    if finding is None:
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
    return finding


def _annotated(finding: Finding) -> Finding:
    return selectors.findings(finding.run, rule=finding.rule).get(pk=finding.pk)


@web_view
def finding_page(request: HttpRequest, finding_id: int) -> HttpResponse:
    finding = _access_finding(request.user, finding_id)
    can_review = has_permission(request.user, Permission.REVIEW_FINDING)
    return render(
        request,
        "web/reconcile/finding.html",
        {
            "run": finding.run,
            "item": finding_item(_annotated(finding), can_review),
            "can_review": can_review,
        },
    )


def _row_response(request: HttpRequest, finding: Finding, error=None) -> HttpResponse:
    item = finding_item(_annotated(finding), True)
    return render(
        request,
        "web/reconcile/partials/finding_row.html",
        {"item": item, "error": error, "can_review": True},
    )


@web_view
def review_action(request: HttpRequest, finding_id: int) -> HttpResponse:
    """确认 / 已说明 (note required) / 误报 — POST; htmx swaps the finding's row."""
    finding = _access_finding(request.user, finding_id)
    actor = require(request.user, Permission.REVIEW_FINDING)
    if request.method != "POST":
        return redirect("web:reconcile_finding", finding_id=finding.pk)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        finding_review(
            actor=actor,
            finding_id=finding.pk,
            verdict=request.POST.get("verdict", ""),
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        if not htmx or exc.http_status in (403, 404):
            raise
        # htmx swaps only 2xx answers: the row comes back with the message.
        return _row_response(request, finding, error=exc)
    if htmx:
        return _row_response(request, finding)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("web:reconcile_finding", args=[finding.pk])
    return redirect(target)


@web_view
def handover_action(request: HttpRequest, finding_id: int) -> HttpResponse:
    """移交督查 a confirmed finding — POST; htmx swaps the finding's row."""
    finding = _access_finding(request.user, finding_id)
    actor = require(request.user, Permission.REVIEW_FINDING)
    if request.method != "POST":
        return redirect("web:reconcile_finding", finding_id=finding.pk)
    htmx = request.headers.get("HX-Request") == "true"
    try:
        finding_handover(actor=actor, finding_id=finding.pk)
    except ApplicationError as exc:
        if not htmx or exc.http_status in (403, 404):
            raise
        return _row_response(request, finding, error=exc)
    if htmx:
        return _row_response(request, finding)
    return redirect("web:reconcile_finding", finding_id=finding.pk)


# -- comparison ---------------------------------------------------------------------

COMPARE_PARTS = (
    ("new", gettext_lazy("新增疑点")),
    ("resolved", gettext_lazy("已消除疑点")),
    ("persisting", gettext_lazy("持续存在疑点")),
)


@web_view
def compare_page(request: HttpRequest) -> HttpResponse:
    runs = visible_runs(request.user)
    a_id, b_id = request.GET.get("a", ""), request.GET.get("b", "")
    context: dict = {"choices": list(runs[:100]), "a_id": a_id, "b_id": b_id}
    if a_id and b_id:
        run_a, run_b = access_run(request.user, a_id), access_run(request.user, b_id)
        if (run_a.month, run_a.pk) > (run_b.month, run_b.pk):
            # The earlier run is always the base: "new" means new in the later one.
            run_a, run_b = run_b, run_a
        parts = selectors.compare(run_a, run_b)
        show = request.GET.get("show", "new")
        if show not in parts:
            show = "new"
        base = reverse("web:reconcile_compare")
        context |= {
            "run_a": run_a,
            "run_b": run_b,
            "show": show,
            "show_label": dict(COMPARE_PARTS)[show],
            "parts": [
                {
                    "key": key,
                    "label": label,
                    "count": parts[key].count(),
                    "url": f"{base}?{urlencode({'a': run_a.pk, 'b': run_b.pk, 'show': key})}#list",
                }
                for key, label in COMPARE_PARTS
            ],
        }
        page = Paginator(parts[show], PAGE_SIZE).get_page(request.GET.get("page"))
        context["page"] = page
        context["items"] = [finding_item(f, False) for f in page.object_list]
    return render(request, "web/reconcile/compare.html", context)


# -- to be handed over ----------------------------------------------------------------


@web_view
def handover_page(request: HttpRequest) -> HttpResponse:
    runs = visible_runs(request.user)
    reviews = (
        selectors.handovers()
        .filter(finding__run__in=runs)
        .select_related("finding", "finding__run")
    )
    page = Paginator(reviews, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "review": review,
            "id_masked": _mask(review.id_number),
            "rule_label": RULES.get(review.rule, ""),
            "note": mask_text(review.note),
            "finding": review.finding,
            "url": reverse("web:reconcile_finding", args=[review.finding_id]),
        }
        for review in page.object_list
    ]
    return render(request, "web/reconcile/handover.html", {"page": page, "rows": rows})
