"""Roster search across a scope (DOMAIN §3.4; issue 4 "office tools").

One row per person: the posting in force (today, or on `as_of`), and — with
`include_released` — the last posting of people who have none any more
(released and not enrolled again). Person fields (education, rank …) are
today's values: the person record is not versioned; its history is in the
audit trail (roster.history).

Built to stay fast at 200,000 persons on SQLite and PostgreSQL
(search_query.py has the conditions and the two query shapes):
- every condition is sargable (no trigram, no function on a column): ID
  and pinyin-initial prefixes are ranges, age bands are certified_birth_date
  ranges computed once, entry years are entered_unit_on ranges, categories
  and unit names are joins to small tables; substring matches (name, the
  last digits of an ID) scan one narrow index;
- the matching ids are read unsorted through the most selective index, up
  to the count cap (COUNT_CAP + 1). Their number is the total ("5,000+"
  beyond the cap: counting every match of a broad search would join the
  whole city). Below the cap they are all the matches: sorted, one page
  taken. At the cap the search is broad, so the page is read in sort order
  straight from the sort column's index, which meets 50 matches after a
  short scan;
- rows are plain dicts of the shown columns (`values()`), one query for the
  page, no model instances, no per-row queries.

Scoping is the caller's: `units` is the queryset of units the user may see,
from accounts.access.units_in_scope (the domain never imports accounts).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from . import search_query as sq
from .models import Person, Posting
from .search_query import AGE_BANDS, age_band_range, upper_bound  # noqa: F401

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
COUNT_CAP = 5_000

# sort key → (ORDER BY on Posting rows, the column whose index can drive).
SORTS: dict[str, tuple[tuple[str, ...], str]] = {
    "name": (("person__name", "person_id"), "name"),
    "unit": (("unit_id", "person__name", "person_id"), "unit_id"),
    "birth": (("person__certified_birth_date", "person_id"), "certified_birth_date"),
    "entry": (("entered_unit_on", "person_id"), "entered_unit_on"),
    "id": (("person__id_number",), "id_number"),
}
# Sorts whose index is on roster_person (the rest are on roster_posting).
PERSON_SORTS = {"name", "birth", "id"}
SORT_LABELS = {
    "name": "姓名",
    "unit": "单位",
    "birth": "出生日期",
    "entry": "进入本单位时间",
    "id": "公民身份号码",
}


@dataclass(frozen=True)
class PersonFilters:
    """What the search page asks for; empty values filter nothing.

    `q` is the quick-search box: digits → ID number, latin letters → pinyin
    initials, anything else → name substring.
    """

    q: str = ""
    name: str = ""
    initials: str = ""
    id_number: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    category: str = ""
    funding: str = ""  # a Funding code or label (经费形式)
    identity: str = ""
    age_band: str = ""
    education: str = ""
    rank: str = ""
    entry_year: int | None = None
    birth_date: dt.date | None = None
    include_released: bool = False
    as_of: dt.date | None = None


@dataclass
class SearchPage:
    rows: list[dict[str, Any]]
    total: int  # exact when not capped, else the cap
    capped: bool  # more rows than `total` match
    page: int
    page_size: int
    sort: str
    day: dt.date  # the date postings and ages are taken at
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.page_size))

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (
            self.capped and len(self.rows) == self.page_size
        )

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)


_ROW_FIELDS = (
    "id",
    "person_id",
    "person__name",
    "person__id_number",
    "person__gender",
    "person__certified_birth_date",
    "person__identity",
    "person__education",
    "person__rank",
    "person__position_title",
    "unit_id",
    "unit__name",
    "account__category_id",
    "account__funding",
    "start_date",
    "entered_unit_on",
    "end_date",
    "end_reason",
)


def _order(sort: str) -> list:
    columns, _index = SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    return [F(c).desc() if descending else F(c).asc() for c in columns]


def _person_order(sort: str) -> list:
    """The same order on Person rows (person sorts only)."""
    columns, _index = SORTS[sort.lstrip("-")]
    names = [c.removeprefix("person__").replace("person_id", "pk") for c in columns]
    descending = sort.startswith("-")
    return [F(c).desc() if descending else F(c).asc() for c in names]


def search_persons(
    *,
    units: QuerySet[Unit],
    filters: PersonFilters,
    sort: str = "name",
    page: int = 1,
    page_size: int = PAGE_SIZE,
    count_cap: int | None = COUNT_CAP,
    today: dt.date | None = None,
) -> SearchPage:
    """One page of matching people (their posting), and the total.

    units: the units the user may see (accounts.access.units_in_scope).
    sort: a key of SORTS, "-key" for descending. page: 1-based.
    count_cap: count at most this many matches (None: exact count).
    """
    key = sort.lstrip("-")
    if key not in SORTS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"排序方式「{sort}」无效", field="sort"
        )
    page_size = max(1, min(int(page_size), MAX_PAGE_SIZE))
    page = max(1, int(page))
    day = filters.as_of or today or timezone.localdate()
    start = (page - 1) * page_size
    scope = sq.Scope(units)
    # The selective shape first, its ids unsorted. Person conditions alone:
    # persons, their posting found by person; otherwise
    # postings (a unit, category or entry year; or nothing, where the
    # active-posting indexes count fastest).
    by_posting = sq.has_posting_filters(filters) or not sq.has_person_filters(filters)
    if by_posting:
        first = sq.posting_driven(filters, scope, day)
    else:
        first = sq.person_driven(filters, scope, day)
    order = _order(sort)
    if connection.vendor != "sqlite":
        # PostgreSQL plans from statistics: a capped COUNT, then the page as
        # one joined, sorted, limited query — its planner picks the indexes.
        total, capped = _count(first, count_cap)
        rows_qs = sq.posting_driven(filters, scope, day).order_by(*order)
        rows = list(rows_qs.values(*_ROW_FIELDS)[start : start + page_size])
        return _page_of(rows, total, capped, page, page_size, sort, day)
    # SQLite plans without statistics, so the shape is chosen here. Read the
    # ids up to the count cap: their number is the total, and unless
    # the cap was hit they are all the matches, to be sorted and paged.
    limit = count_cap
    ids = list(first.values_list("pk", flat=True)[: limit + 1 if limit else None])
    total, capped = len(ids), False
    if limit is not None and total > limit:
        total, capped = limit, True
    if capped:
        # A broad search: read the page in sort order from the sort index.
        page_ids = _page_ids(filters, scope, day, sort, start, page_size)
        rows_qs = sq.rows_of(filters, scope, person_ids=page_ids).order_by(*order)
    elif by_posting:
        # Sort the postings on the sort columns alone, then read one page.
        page_ids = list(
            Posting.objects.filter(pk__in=ids)
            .order_by(*order)
            .values_list("pk", flat=True)[start : start + page_size]
        )
        rows_qs = sq.rows_of(filters, scope, posting_ids=page_ids).order_by(*order)
    elif key in PERSON_SORTS:
        # Sort the persons alone (rowid lookups), then read their postings.
        page_ids = list(
            Person.objects.filter(pk__in=ids)
            .order_by(*_person_order(sort))
            .values_list("pk", flat=True)[start : start + page_size]
        )
        rows_qs = sq.rows_of(filters, scope, person_ids=page_ids).order_by(*order)
    else:
        rows_qs = sq.rows_of(filters, scope, person_ids=ids).order_by(*order)
        rows_qs = rows_qs[start : start + page_size]
    rows = list(rows_qs.values(*_ROW_FIELDS))
    return _page_of(rows, total, capped, page, page_size, sort, day)


def _page_of(rows, total, capped, page, page_size, sort, day) -> SearchPage:
    for row in rows:
        row["age"] = age_on(row["person__certified_birth_date"], day)
        row["active"] = row["end_date"] is None or row["end_date"] > day
    return SearchPage(rows, total, capped, page, page_size, sort, day)


def _count(qs: QuerySet, cap: int | None) -> tuple[int, bool]:
    if cap is None:
        return qs.count(), False
    # COUNT(*) over a LIMIT: a broad search stops counting at the cap.
    total = qs.values("pk")[: cap + 1].count()
    return min(total, cap), total > cap


def _page_ids(filters, scope, day, sort: str, start: int, size: int) -> list[int]:
    """Person ids of one page of a broad search, read in sort order through
    the sort column's index (the other columns hidden from SQLite's planner)."""
    key = sort.lstrip("-")
    _columns, index_column = SORTS[key]
    if key in PERSON_SORTS:
        qs = sq.person_driven(filters, scope, day, noindex=True, keep={index_column})
        ordered = qs.order_by(*_person_order(sort)).values_list("pk", flat=True)
    else:
        qs = sq.posting_driven(filters, scope, day, noindex=True, keep={index_column})
        ordered = qs.order_by(*_order(sort)).values_list("person_id", flat=True)
    return list(ordered[start : start + size])


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on `day` (周岁)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
