"""Independent expectations: plain Python counts over every row of the small
city (no GROUP BY, no shared code with the forms)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaEntry
from bianzhi.roster.models import OffQuotaStaff, Posting


def in_force(row, day: dt.date) -> bool:
    return row.start_date <= day and (row.end_date is None or day < row.end_date)


def postings(day: dt.date) -> list[Posting]:
    every = Posting.objects.select_related("person", "account").order_by("pk")
    return [p for p in every if in_force(p, day)]


def age(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def age_band(years: int) -> str:
    for high, key in (
        (30, "age_le30"),
        (35, "age_31_35"),
        (40, "age_36_40"),
        (45, "age_41_45"),
        (50, "age_46_50"),
        (55, "age_51_55"),
    ):
        if years <= high:
            return key
    return "age_ge56"


def rank_group(rank: str) -> str:
    if not rank:
        return "rank_other"
    name, _, number = rank.rpartition("_")
    n = int(number) if number.isdigit() else 0
    if name == "inspector":
        return "rank_inspector"
    if name == "researcher":
        return "rank_researcher"
    if name == "principal_clerk":
        return "rank_principal"
    if name == "clerk":
        return "rank_clerk"
    if name == "management":
        return "rank_management"
    if name == "professional":
        if n <= 4:
            return "rank_senior"
        return (
            "rank_vice_senior"
            if n <= 7
            else "rank_middle"
            if n <= 10
            else "rank_junior"
        )
    if name == "skilled" or rank == "general_worker":
        return "rank_skilled"
    return "rank_other"


POLITICAL = {"01": "pol_cpc", "02": "pol_cpc", "03": "pol_league", "12": "pol_nonparty",
             "13": "pol_masses"}  # fmt: skip
EDUCATION = {
    "postgraduate": "edu_postgraduate",
    "undergraduate": "edu_undergraduate",
    "college": "edu_college",
    "secondary": "edu_secondary",
    "junior_or_below": "edu_junior",
}


def structure(day: dt.date) -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    for p in postings(day):
        person = p.person
        c = found.setdefault(p.unit_id, Counter())
        c["total"] += 1
        c["male" if person.gender == "M" else "female"] += 1
        c[age_band(age(person.certified_birth_date, day))] += 1
        c[EDUCATION.get(person.education, "edu_other")] += 1
        c[rank_group(person.rank)] += 1
        c["han" if person.ethnicity == "01" else "minority"] += 1
        status = person.political_status
        if status in POLITICAL:
            c[POLITICAL[status]] += 1
        elif "04" <= status <= "11":
            c["pol_democratic"] += 1
        else:
            c["pol_other"] += 1
        c[f"id_{person.identity}"] += 1
    return found


def fiscal(day: dt.date) -> dict[int, Counter]:
    found: dict[int, Counter] = {}
    for p in postings(day):
        c = found.setdefault(p.unit_id, Counter())
        c[f"on_{p.account.funding}"] += 1
        c["on_total"] += 1
        if p.account.funding in ("full", "partial"):
            c["fiscal_on"] += 1
            c["fiscal_total"] += 1
    for staff in OffQuotaStaff.objects.all():
        if not in_force(staff, day):
            continue
        c = found.setdefault(staff.unit_id, Counter())
        c[f"off_{staff.funding_source}"] += 1
        c["off_total"] += 1
        if staff.funding_source == "public":
            c["fiscal_off"] += 1
            c["fiscal_total"] += 1
    return found


def approved(day: dt.date) -> Counter:
    """Approved quota per account: the entries effective by the date."""
    total: Counter = Counter()
    for entry in QuotaEntry.objects.all():
        if entry.effective_date <= day:
            total[entry.account_id] += entry.amount
    return total


def alive(unit: Unit, day: dt.date) -> bool:
    return unit.established_on <= day and (
        unit.revoked_on is None or day < unit.revoked_on
    )


def changes(day_first: dt.date, day_last: dt.date, unit_ids: set[int]) -> Counter:
    """Increases by channel / decreases by reason of the units, in the window."""
    by_id = {p.pk: p for p in Posting.objects.all()}
    following = {p.previous_id: p for p in by_id.values() if p.previous_id}
    found: Counter = Counter()
    for p in by_id.values():
        if p.unit_id not in unit_ids:
            continue
        if day_first <= p.start_date <= day_last and p.move_kind != "initial_load":
            before = by_id.get(p.previous_id)
            if before is None or before.unit_id not in unit_ids:
                found[f"in_{p.channel}"] += 1
                found["in_total"] += 1
        if p.end_date and day_first <= p.end_date <= day_last:
            after = following.get(p.pk)
            if after is None or after.unit_id not in unit_ids:
                key = (
                    f"out_{p.end_reason}" if p.ended_by == "release" else "out_transfer"
                )
                found[key] += 1
                found["out_total"] += 1
    return found
