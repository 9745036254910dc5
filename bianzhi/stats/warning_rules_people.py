"""Warning rules on the roster: ageing structure and late release filings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Q

from bianzhi.orgs.models import Unit
from bianzhi.roster.models import Person, Posting, PostingEnd

from .warning_rules import Context, Evidence, Hit, Rule, pct, register

# Below this many people a unit's age shares swing with one person: no warning.
AGEING_MIN_PEOPLE = 10
AGEING_AGE = 55  # the roster search's 「55岁及以上」 band, so the evidence link matches
LATE_LOOKBACK_DAYS = 365
LATE_PERSONS_SHOWN = 10


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 Feb
        return day.replace(year=day.year - years, day=28)


def _in_force(today: dt.date) -> Q:
    return Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gt=today))


def _ageing_rows(ctx: Context) -> list[dict]:
    """Per unit in scope: people in post (`total`) and those aged 55 and
    over (`old`), units with at least AGEING_MIN_PEOPLE, by region and unit.

    Grouped by unit id alone over postings, with the old ones picked through
    the persons' birth-date index (person_id IN …) rather than by joining all
    ~200,000 postings to persons: the join and a sort by unit name cost most
    of the warnings page. Names and regions come from the few units after."""
    cut = years_before(ctx.today, AGEING_AGE)  # born on or before: aged >= 55
    old_persons = Person.objects.filter(certified_birth_date__lte=cut).values("id")
    counts = {
        unit_id: (total, old)
        for unit_id, total, old in Posting.objects.filter(
            _in_force(ctx.today),
            unit__in=Unit.objects.filter(ctx.scope.units_q()).values("id"),
        )
        .values_list("unit_id")
        .annotate(
            total=Count("id"),
            old=Count("id", filter=Q(person_id__in=old_persons)),
        )
        .filter(total__gte=AGEING_MIN_PEOPLE)
        .order_by()
    }
    units = Unit.objects.filter(id__in=list(counts)).values_list(
        "id", "name", "region_id"
    )
    rows = [
        {
            "unit_id": pk,
            "unit__name": name,
            "unit__region_id": region,
            "total": counts[pk][0],
            "old": counts[pk][1],
        }
        for pk, name, region in units
    ]
    rows.sort(key=lambda r: (r["unit__region_id"], r["unit_id"]))
    return rows


def find_ageing(ctx: Context) -> list[Hit]:
    rows = _ageing_rows(ctx)
    hits = []
    for row in rows:
        share = pct(row["old"], row["total"])
        threshold = ctx.threshold(row["unit__region_id"])
        if threshold is not None and share <= threshold:
            continue
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=row["unit__region_id"],
                unit_id=row["unit_id"],
                unit_name=row["unit__name"],
                subject=f"在编{row['total']}名，其中{AGEING_AGE}岁及以上{row['old']}名，"
                f"占{share}%",
                value=share,
                threshold=threshold,
                evidence=[
                    Evidence(
                        "persons",
                        urlencode({"unit": row["unit_id"], "age": "ge55"}),
                        f"{AGEING_AGE}岁及以上{row['old']}名",
                    ),
                    Evidence("unit", str(row["unit_id"]), "单位"),
                ],
            )
        )
    return hits


def find_late_release(ctx: Context) -> list[Hit]:
    since = ctx.today - dt.timedelta(days=LATE_LOOKBACK_DAYS)
    rows = (
        Posting.objects.filter(
            ctx.scope.units_q("unit__"),
            late_release=True,
            ended_by=PostingEnd.RELEASE,
            end_date__gte=since,
        )
        .values(
            "id",
            "unit_id",
            "unit__name",
            "unit__region_id",
            "person_id",
            "person__name",
            "end_date",
            "end_filed_on",
        )
        .order_by("unit_id", "end_date", "id")
    )
    per_unit: dict[int, list[dict]] = {}
    for row in rows:
        per_unit.setdefault(row["unit_id"], []).append(row)
    hits = []
    for unit_id, late in per_unit.items():
        first = late[0]
        threshold = ctx.threshold(first["unit__region_id"])
        if len(late) <= (threshold or 0):
            continue
        evidence = [
            Evidence(
                "person",
                str(r["person_id"]),
                f"{r['person__name']}（出编{r['end_date']}，备案{r['end_filed_on'] or '—'}）",
            )
            for r in late[:LATE_PERSONS_SHOWN]
        ]
        hits.append(
            Hit(
                rule=ctx.rule.code,
                region_code=first["unit__region_id"],
                unit_id=unit_id,
                unit_name=first["unit__name"],
                subject=f"近{LATE_LOOKBACK_DAYS}天逾期出编备案{len(late)}人"
                "（出编后超过10个工作日才备案）",
                value=len(late),
                threshold=threshold,
                evidence=evidence,
            )
        )
    return hits


register(
    Rule(
        code="ageing",
        name="年龄结构老化预警",
        text=f"在编人数不少于{AGEING_MIN_PEOPLE}名的单位，{AGEING_AGE}岁及以上人员占比"
        "高于 {threshold}%",
        find=find_ageing,
        unit="%",
        default=Decimal(25),
        order=40,
    )
)
register(
    Rule(
        code="late_release",
        name="逾期出编备案预警",
        text=f"近{LATE_LOOKBACK_DAYS}天内出编后超过10个工作日才备案的人数多于 "
        "{threshold} 人",
        find=find_late_release,
        unit="人",
        default=Decimal(0),
        order=50,
    )
)
