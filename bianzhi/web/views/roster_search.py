"""实名制 office tools: roster search, a person's change history, suspicious records.

Lists always show masked ID numbers (shown_id(...)); a person's full
number is shown only through the audited reveal on the person page. Every
query is scoped by accounts.access.units_in_scope: a unit id outside the
scope answers 404 like a missing one. The search page answers htmx requests
with the results table only, so filters, sorting and paging swap the table
while the URL (pushed by htmx) keeps every filter.
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bianzhi.accounts.access import access_unit, assignments, require, units_in_scope
from bianzhi.core.dates import parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.privacy import mask_text
from bianzhi.core.roles import OFFICE_ROLES, Permission, Role
from bianzhi.quota.models import Funding, QuotaCategory
from bianzhi.roster import history as roster_history
from bianzhi.roster import suspicious as roster_suspicious
from bianzhi.roster.search import (
    AGE_BANDS,
    PAGE_SIZE,
    PersonFilters,
    SearchPage,
    search_persons,
)
from bianzhi.roster.values import EDUCATION, RANK, Identity
from bianzhi.web.errors import web_view
from bianzhi.web.roster_fields import access_person, shown_id

PAGE_SIZES = (20, 50, 100, 200)
# Who uses the city-wide tools (nav: office roles and inspectors).
TOOL_ROLES = frozenset(OFFICE_ROLES | {Role.INSPECTOR})
FILTER_KEYS = (
    "q",
    "name",
    "initials",
    "id_number",
    "unit",
    "category",
    "funding",
    "identity",
    "age",
    "education",
    "rank",
    "entry_year",
    "birth",
    "released",
    "as_of",
)


def _int(value: str, *, field: str, what: str) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{1,9}", text):
        raise ApplicationError(ErrorCode.VALUE_INVALID, f"{what}应为整数", field=field)
    return int(text)


def parse_filters(request: HttpRequest) -> tuple[PersonFilters, dict]:
    """The filters from the query string (raw values kept for the form)."""
    raw = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    unit_id, unit_name = None, ""
    if raw["unit"]:
        if re.fullmatch(r"\d{1,12}", raw["unit"]):
            # An id names one unit: out of scope is 404, like a missing one.
            unit, _actor = access_unit(request.user, raw["unit"], Permission.VIEW_ORGS)
            unit_id = unit.pk
            raw["unit_label"] = unit.name
        else:
            unit_name = raw["unit"]
    filters = PersonFilters(
        q=raw["q"],
        name=raw["name"],
        initials=raw["initials"],
        id_number=raw["id_number"],
        unit_id=unit_id,
        unit_name=unit_name,
        category=raw["category"],
        funding=raw["funding"],
        identity=raw["identity"],
        age_band=raw["age"],
        education=raw["education"],
        rank=raw["rank"],
        entry_year=_int(raw["entry_year"], field="entry_year", what="进入本单位年份"),
        birth_date=parse_optional_date(raw["birth"], field="birth"),
        include_released=raw["released"] in ("1", "on", "true"),
        as_of=parse_optional_date(raw["as_of"], field="as_of"),
    )
    return filters, raw


def _labels() -> dict:
    categories = dict(QuotaCategory.objects.values_list("code", "name"))
    return {
        "categories": categories,
        "identities": dict(Identity.choices),
        "fundings": dict(Funding.choices),
    }


def decorate(page: SearchPage) -> list[dict]:
    """Labels and the masked ID for each row."""
    labels = _labels()
    rows = []
    for row in page.rows:
        rows.append(
            {
                **row,
                "id_shown": shown_id(row["person__id_number"]),
                "identity": labels["identities"].get(
                    row["person__identity"], row["person__identity"]
                ),
                "education": EDUCATION.label(row["person__education"]),
                "rank": RANK.label(row["person__rank"]) if row["person__rank"] else "",
                "category": labels["categories"].get(
                    row["account__category_id"], row["account__category_id"]
                ),
                "funding": labels["fundings"].get(
                    row["account__funding"], row["account__funding"]
                ),
                "gender": "男" if row["person__gender"] == "M" else "女",
            }
        )
    return rows


# The table's columns in order: (label, sort key or "", numeric).
COLUMNS = (
    (_("姓名"), "name", False),
    (_("公民身份号码"), "id", False),
    (_("性别"), "", False),
    (_("出生日期"), "birth", False),
    (_("年龄"), "", True),
    (_("人员身份"), "", False),
    (_("学历"), "", False),
    (_("职级"), "", False),
    (_("单位"), "unit", False),
    (_("编制类型·经费形式"), "", False),
    (_("进入本单位时间"), "entry", False),
    (_("状态"), "", False),
)


def columns(sort: str) -> list[dict]:
    """Header cells: a click sorts by the column, a second click reverses it."""
    current = sort.lstrip("-")
    descending = sort.startswith("-")
    cells = []
    for label, key, numeric in COLUMNS:
        active = bool(key) and key == current
        cells.append(
            {
                "label": label,
                "key": key,
                "next": f"-{key}" if active and not descending else key,
                "active": active,
                "descending": descending,
                "numeric": numeric,
            }
        )
    return cells


def _page_number(request: HttpRequest) -> int:
    return _int(request.GET.get("page", ""), field="page", what="页码") or 1


@web_view
def roster_search(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Permission.VIEW_ORGS)
    sort = request.GET.get("sort", "").strip() or "name"
    size = _int(request.GET.get("size", ""), field="size", what="每页条数")
    page_size = size if size in PAGE_SIZES else PAGE_SIZE
    error = None
    page = None
    raw: dict = {key: request.GET.get(key, "").strip() for key in FILTER_KEYS}
    try:
        filters, raw = parse_filters(request)
        page = search_persons(
            units=units_in_scope(user, Permission.VIEW_ORGS),
            filters=filters,
            sort=sort,
            page=_page_number(request),
            page_size=page_size,
        )
    except ApplicationError as exc:
        if exc.http_status != 400:
            raise
        # A filter the user typed wrong: say so above an empty table.
        error = exc
    context = {
        "page": page,
        "rows": decorate(page) if page else [],
        "raw": raw,
        "sort": sort,
        "columns": columns(sort),
        "page_size": page_size,
        "page_sizes": PAGE_SIZES,
        "error": error,
        "age_bands": [(key, label) for key, (_l, _h, label) in AGE_BANDS.items()],
        "categories": list(
            QuotaCategory.objects.order_by("sort_order", "code").values_list(
                "code", "name"
            )
        ),
        "fundings": Funding.choices,
        "identities": Identity.choices,
        "educations": [(v.code, v.label) for v in EDUCATION.values()],
        "ranks": [(v.code, v.label) for v in RANK.values()],
        "today": timezone.localdate(),
        "may_use_tools": may_use_tools(user),
    }
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-Boosted"
    )
    template = "web/roster/search_results.html" if partial else "web/roster/search.html"
    return render(request, template, context)


def may_use_tools(user) -> bool:
    return any(a.role in TOOL_ROLES for a in assignments(user))


@web_view
def person_history(request: HttpRequest, person_id: int) -> HttpResponse:
    """变动历史. Without ?audit=1 the page shows what the roster tables hold and
    loads the audit part (field changes, who recorded what) by htmx: that
    part scans the audit trail (roster/history.py)."""
    person, _actor = access_person(request.user, person_id)
    with_audit = request.GET.get("audit") == "1"
    events = roster_history.person_history(person, audit=with_audit)
    for event in events:
        # Histories show masked numbers, also inside audit values (privacy).
        event.title, event.details = mask_text(event.title), mask_text(event.details)
        for change in event.changes:
            if change.field == "id_number":
                change.before_text = shown_id(str(change.before or ""))
                change.after_text = shown_id(str(change.after or ""))
            else:
                change.before_text = mask_text(change.before_text)
                change.after_text = mask_text(change.after_text)
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-Boosted"
    )
    return render(
        request,
        "web/roster/history_table.html" if partial else "web/roster/history.html",
        {
            "person": person,
            "id_number": shown_id(person.id_number),
            "events": events,
            "with_audit": with_audit,
            "field_changes": sum(1 for e in events if e.kind == "field_change"),
        },
    )


SUSPICIOUS_LIMIT = 100
SUSPICIOUS_LIMIT_ONE_KIND = 2000


@web_view
def roster_suspicious_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(user, Permission.VIEW_ORGS)
    if not may_use_tools(user):
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN, "疑似问题核查仅限编办人员和纪检监察/审计/巡察人员"
        )
    kind = request.GET.get("kind", "").strip()
    if kind and kind not in roster_suspicious.KINDS:
        raise ApplicationError(ErrorCode.VALUE_INVALID, f"问题类型「{kind}」无效")
    as_of = parse_optional_date(request.GET.get("as_of", ""), field="as_of")
    results = roster_suspicious.find_suspicious(
        units=units_in_scope(user, Permission.VIEW_ORGS),
        kinds=[kind] if kind else None,
        as_of=as_of,
        limit=SUSPICIOUS_LIMIT_ONE_KIND if kind else SUSPICIOUS_LIMIT,
    )
    counts = None
    if kind:
        # The other kinds' counts stay visible (and linked) on a one-kind page.
        counts = {
            k: v.total
            for k, v in roster_suspicious.find_suspicious(
                units=units_in_scope(user, Permission.VIEW_ORGS),
                kinds=[k for k in roster_suspicious.KINDS if k != kind],
                as_of=as_of,
                limit=0,
            ).items()
        }
        counts[kind] = results[kind].total
    else:
        counts = {k: v.total for k, v in results.items()}
    sections = []
    for key, found in results.items():
        rows = []
        for finding in found.findings:
            rows.append(
                {
                    "finding": finding,
                    "persons": [
                        {"ref": ref, "id_shown": shown_id(ref.id_number)}
                        for ref in finding.persons
                    ],
                }
            )
        sections.append({"kind": key, "list": found, "rows": rows})
    return render(
        request,
        "web/roster/suspicious.html",
        {
            "sections": sections,
            "counts": [
                (k, label, counts.get(k, 0))
                for k, label in roster_suspicious.KINDS.items()
            ],
            "kind": kind,
            "keep": {"kind": kind},
            "as_of": as_of,
            "day": as_of or timezone.localdate(),
        },
    )
