"""The aggregate queries behind the dashboard and the decision display.

Each function is one or two GROUP BY queries over a selection's units;
nothing loops over people in Python. Ages are computed once as birth-date
cut-offs (age ≥ n on D ⇔ born on or before D minus n years), so the age
band is a CASE over the indexed certified_birth_date.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import HolderKind, QuotaEntry
from bianzhi.roster.models import OffQuotaStaff, Posting
from bianzhi.roster.values import FundingSource

# DOMAIN §8 form 5's age bands: (label, lowest age, highest age inclusive).
AGE_BANDS = [
    ("≤30", None, 30),
    ("31–35", 31, 35),
    ("36–40", 36, 40),
    ("41–45", 41, 45),
    ("46–50", 46, 50),
    ("51–55", 51, 55),
    ("≥56", 56, None),
]


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - years, day=28)


def in_force(as_of: dt.date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start_date__lte": as_of}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": as_of})
    )


def age_band_case(as_of: dt.date, field: str = "person__certified_birth_date") -> Case:
    """The index of the person's band in AGE_BANDS: a small integer groups
    and sorts cheaper than the label (SQLite sorts every row to group)."""
    whens = []
    for index, (_label, _low, high) in enumerate(AGE_BANDS[:-1]):
        # age <= high ⇔ born after D − (high + 1) years
        whens.append(
            When(**{f"{field}__gt": years_before(as_of, high + 1)}, then=Value(index))
        )
    return Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())


def people_groups(units: QuerySet[Unit], as_of: dt.date) -> list[dict]:
    """People in post on D grouped by gender, education, identity, rank and
    age band (an index into AGE_BANDS)."""
    return list(
        Posting.objects.filter(in_force(as_of), unit_id__in=units.values("id"))
        .annotate(band=age_band_case(as_of))
        .values(
            "person__gender",
            "person__education",
            "person__identity",
            "person__rank",
            "band",
        )
        .annotate(n=Count("id"))
        .order_by()
    )


def month_points(as_of: dt.date, months: int = 12) -> list[dt.date]:
    """The ends of the `months − 1` months before as_of's month, then as_of."""
    points = []
    year, month = as_of.year, as_of.month
    for back in range(months - 1, 0, -1):
        y, m = year, month - back
        while m <= 0:
            y, m = y - 1, m + 12
        points.append(dt.date(y, m, calendar.monthrange(y, m)[1]))
    points.append(as_of)
    return points


def _month_key(value) -> tuple[int, int]:
    return (value.year, value.month)


def _by_month(rows) -> dict[tuple[int, int], int]:
    """(date, n) rows → per (year, month). Grouping by the date itself and
    folding in Python avoids a per-row date function (SQLite runs Django's
    date functions in Python)."""
    found: dict[tuple[int, int], int] = defaultdict(int)
    for day, n in rows:
        if isinstance(day, str):
            day = dt.date.fromisoformat(day)
        found[_month_key(day)] += n or 0
    return found


def trend(
    units: QuerySet[Unit],
    as_of: dt.date,
    months: int = 12,
    *,
    end=None,
    occupied_end: int | None = None,
) -> dict:
    """Approved and occupied of the units' accounts at each point.

    approved(D) = Σ entries with effective_date ≤ D; occupied(D) = postings
    started by D minus postings ended by D. With `end` = (approved, occupied)
    on as_of already known (today's counters), every earlier point is that
    minus what happened after it: only the last year's rows are read.
    Without it, a base at the first point plus monthly deltas; with
    `occupied_end` (postings of the units in force on as_of, which the
    structure query has just counted) occupied also runs backwards, and
    the full scan of the units' postings for the base is saved."""
    points = month_points(as_of, months)
    first = points[0]
    unit_ids = units.values("id")
    entries = QuotaEntry.objects.filter(
        account__holder_kind=HolderKind.UNIT, account__unit_id__in=unit_ids
    )
    postings = Posting.objects.filter(unit_id__in=unit_ids)
    approved_delta = _by_month(
        entries.filter(effective_date__gt=first, effective_date__lte=as_of)
        .values_list("effective_date")
        .annotate(s=Sum("amount"))
        .order_by()
    )
    starts = _by_month(
        postings.filter(start_date__gt=first, start_date__lte=as_of)
        .values_list("start_date")
        .annotate(n=Count("id"))
        .order_by()
    )
    ends = _by_month(
        postings.filter(end_date__gt=first, end_date__lte=as_of)
        .values_list("end_date")
        .annotate(n=Count("id"))
        .order_by()
    )
    if end is not None:
        approved, occupied = [end[0]], [end[1]]
        for point in reversed(points[1:]):
            key = _month_key(point)
            approved.insert(0, approved[0] - approved_delta.get(key, 0))
            occupied.insert(0, occupied[0] - starts.get(key, 0) + ends.get(key, 0))
    else:
        base_approved = (
            entries.filter(effective_date__lte=first).aggregate(s=Sum("amount"))["s"]
            or 0
        )
        approved = [base_approved]
        for point in points[1:]:
            approved.append(approved[-1] + approved_delta.get(_month_key(point), 0))
        if occupied_end is not None:
            occupied = [occupied_end]
            for point in reversed(points[1:]):
                key = _month_key(point)
                occupied.insert(0, occupied[0] - starts.get(key, 0) + ends.get(key, 0))
        else:
            base = postings.aggregate(
                started=Count("id", filter=Q(start_date__lte=first)),
                ended=Count("id", filter=Q(end_date__lte=first)),
            )
            occupied = [base["started"] - base["ended"]]
            for point in points[1:]:
                key = _month_key(point)
                occupied.append(occupied[-1] + starts.get(key, 0) - ends.get(key, 0))
    return {
        "points": [p.isoformat() for p in points],
        "months": [f"{p.year}-{p.month:02d}" for p in points],
        "approved": approved,
        "occupied": occupied,
    }


def off_quota_public(units: QuerySet[Unit], as_of: dt.date) -> int:
    return OffQuotaStaff.objects.filter(
        in_force(as_of),
        unit_id__in=units.values("id"),
        funding_source=FundingSource.PUBLIC,
    ).count()


def age_case(as_of: dt.date, field: str = "person__certified_birth_date") -> Case:
    """Age in whole years on as_of (16..75; beyond: the end values), as SQL
    comparisons against precomputed birth-date cut-offs."""
    whens = [
        When(**{f"{field}__gt": years_before(as_of, age + 1)}, then=Value(age))
        for age in range(16, 75)
    ]
    return Case(*whens, default=Value(75), output_field=IntegerField())


def ages_by_region(units: QuerySet[Unit], as_of: dt.date) -> dict[str, dict[int, int]]:
    """People in post per region of their unit and whole-year age."""
    found: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Posting.objects.filter(in_force(as_of), unit_id__in=units.values("id"))
        .annotate(age=age_case(as_of))
        .values_list("unit__region_id", "age")
        .annotate(n=Count("id"))
        .order_by()
    )
    for region, age, n in rows:
        found[region][age] += n
    return found
