"""The demo city's roster (实名制): persons, postings and their history.

`generate_people` runs after the orgs/quota story, inside build_demo's
transaction. Decisions:
- Every write goes through the roster services as Actor.system, in order of
  date, month by month from 2015-01 to today; back-dated writes carry a reason.
- Which accounts: units active today, accounts of the four fixed categories
  (veteran_cadre is left empty). Each account is used up to m = its lowest
  approved count from its first date (2015-01-01, the unit's establishment, or
  its first grant) to today, so every back-dated intake passes the roster's
  check against the quota history. Intakes in a month only use the vacancy at
  the start of that month; posts freed during a month are filled in a later one.
- The initial load (初始化导入) is one roster.bulk.bulk_enroll dated
  2015-01-01 and written with today=2015-01-01 (the go-live day), so "past
  retirement" is judged on that day: a few people already past it are loaded
  flagged and retired in 2015. Everything after it is single service calls.
- Over quota after the reform: a few full administrative accounts of young
  staff get a reform reduction (quota_recall reform=True) on 2019-03-01, the
  day of the city's reform; their staff stay, so the accounts are over today.
- People retire on their retirement date (退休); others leave by resignation,
  death, transfer out of the city …; transfers between units keep identity,
  category and funding (no reverse flow).
- Size: `persons` counts everyone ever on the roster since 2015 (those
  released included). Fewer than the story's quota holds: accounts are filled
  less (to at least 80%), or — for a small request — only some units get
  people. More: the go-live accounts get extra posts on 2015-01-01 (a provincial
  increase of the control total, then grants; "压力测试" in the reason), filled
  by the initial load with young staff who stay, so the history (single
  service calls) stays the size of the realistic city.
- Leader appointments (most posts, seniors first), secondments and off-quota
  staff are written at the end, for the people in post today.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass

from . import people_names as pn
from .people_events import Events, NewPerson
from .story import Story

START = dt.date(2015, 1, 1)
REFORM_DAY = dt.date(2019, 3, 1)
IDENTITY_BY_CATEGORY = {
    "administrative": "civil_servant",
    "political_legal": "civil_servant",
    "institutional": "institution_staff",
    "logistics": "logistics_worker",
}
# Share of men by identity (teachers and nurses make institutions mostly female).
MEN = {
    "civil_servant": 0.62,
    "cs_managed": 0.55,
    "institution_staff": 0.42,
    "logistics_worker": 0.75,
}
# Ages on 2015-01-01 of the staff loaded then: a workforce, not a lottery.
AGE_BANDS = ((22, 29, 15), (30, 39, 28), (40, 49, 32), (50, 62, 25))
YEARLY_LEAVING = 0.008  # releases other than retirement, per person and year
YEARLY_TRANSFER = 0.01
HIRE_CHANCE = 0.3  # an account with room recruits in a given month


@dataclass
class Slot:
    """One account the generator fills."""

    account_id: int
    unit: object
    category: str
    funding: str
    identity: str
    m: int
    start: dt.date
    target_vacancy: int = 0
    over_cut: int = 0
    occ: int = 0
    avail: int = 0
    initial: int = 0
    extra: int = 0  # posts granted for a city larger than the story's quota


def _approved_timelines(today: dt.date) -> dict[int, list[tuple[dt.date, int]]]:
    from bianzhi.quota.models import QuotaEntry, QuotaMovement

    rows = (
        QuotaEntry.objects.filter(
            effective_date__lte=today,
            movement__status=QuotaMovement.Status.APPLIED,
            account__holder_kind="unit",
        )
        .order_by("account_id", "effective_date", "id")
        .values_list("account_id", "effective_date", "amount")
    )
    points: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    running: Counter = Counter()
    for account_id, day, amount in rows:
        running[account_id] += amount
        line = points[account_id]
        if line and line[-1][0] == day:
            line[-1] = (day, running[account_id])
        else:
            line.append((day, running[account_id]))
    return points


def _window(line: list[tuple[dt.date, int]], start: dt.date) -> tuple[dt.date, int]:
    """(first day from `start` on with posts, lowest approved from then to today)."""
    value = 0
    for day, v in line:
        if day <= start:
            value = v
    first, low = (start, value) if value > 0 else (None, 0)
    for day, v in line:
        if day <= start:
            continue
        if first is None:
            if v > 0:
                first, low = day, v
            continue
        low = min(low, v)
    return (first or start), (low if first else 0)


def build_slots(today: dt.date) -> list[Slot]:
    from bianzhi.quota.models import QuotaAccount

    lines = _approved_timelines(today)
    accounts = (
        QuotaAccount.objects.filter(
            holder_kind="unit",
            unit__status="active",
            category_id__in=list(IDENTITY_BY_CATEGORY),
        )
        .select_related("unit")
        .order_by("unit_id", "category_id", "funding")
    )
    slots = []
    for account in accounts:
        unit = account.unit
        start, low = _window(lines.get(account.id, []), max(START, unit.established_on))
        low = min(low, account.approved)
        if low <= 0 or start > today:
            continue
        identity = IDENTITY_BY_CATEGORY[account.category_id]
        if unit.civil_service_managed and (
            (account.category_id == "institutional" and unit.kind == "institution")
            or (account.category_id == "administrative" and unit.kind == "mass_org")
        ):
            identity = "cs_managed"
        slots.append(
            Slot(
                account.id,
                unit,
                account.category_id,
                account.funding,
                identity,
                low,
                start,
            )  # fmt: skip
        )
    return slots


def _expected_persons(slot: Slot, fill: float, today: dt.date) -> float:
    years = (today - slot.start).days / 365.25
    return slot.m * fill * (1 + 0.035 * years)


def plan_slots(
    slots: list[Slot], persons: int, rng: random.Random, today: dt.date
) -> list[Slot]:
    """Choose the accounts to fill and their targets for `persons` people."""
    fill = 0.93
    total = sum(_expected_persons(s, fill, today) for s in slots)
    if persons < 0.6 * total:
        # A small city: whole units, picked at random, until the count is reached.
        by_unit: dict[int, list[Slot]] = defaultdict(list)
        for s in slots:
            by_unit[s.unit.pk].append(s)
        unit_ids = sorted(by_unit)
        rng.shuffle(unit_ids)
        chosen, expected = [], 0.0
        for unit_id in unit_ids:
            if expected >= persons:
                break
            chosen += by_unit[unit_id]
            expected += sum(_expected_persons(s, fill, today) for s in by_unit[unit_id])
        slots = sorted(chosen, key=lambda s: s.account_id)
    elif persons < total:
        fill = max(0.8, fill * persons / total)
    else:
        _spread_extra(slots, persons - round(total))
    for s in slots:
        if rng.random() < 0.1:
            s.target_vacancy = 0  # a few accounts exactly full
        else:
            share = rng.uniform(0.0, 0.1) + (1 - fill)
            s.target_vacancy = min(s.m - 1, round(s.m * share)) if s.m > 1 else 0
        if s.start == START:
            s.initial = max(0, s.m - s.target_vacancy - rng.randint(0, s.m // 20))
    candidates = [
        s
        for s in slots
        if s.category == "administrative"
        and s.identity == "civil_servant"
        and s.start == START
        and s.m >= 8
    ]
    for s in rng.sample(candidates, min(len(candidates), max(1, len(slots) // 150))):
        s.over_cut = rng.randint(1, 3)
        s.initial = s.m
        s.target_vacancy = 0
    return slots


def _spread_extra(slots: list[Slot], extra: int) -> None:
    """More persons than the quota holds: the go-live accounts get extra posts
    in proportion, filled by the initial load with young staff."""
    base = [s for s in slots if s.start == START]
    weight = sum(s.m for s in base)
    if extra <= 0 or not weight:
        return
    for s in base:
        s.extra = extra * s.m // weight
    left = extra - sum(s.extra for s in base)
    for s in sorted(base, key=lambda s: -s.m)[:left]:
        s.extra += 1


def _grant_extra(events: Events, slots: list[Slot]) -> None:
    from bianzhi.quota import services

    reason = "示例数据：大规模示例市扩大编制（压力测试）"
    totals: Counter = Counter()
    for s in slots:
        if s.extra:
            totals[(s.unit.region_id, s.category, s.funding)] += s.extra
    for (region_id, category, funding), amount in sorted(totals.items()):
        from bianzhi.orgs.models import Region

        services.quota_increase_total(
            actor=events.actor,
            region=Region.objects.get(pk=region_id),
            category=category,
            funding=funding,
            amount=amount,
            doc_no=events.docs.next("示省编", START.year),
            effective_date=START,
            reason=reason,
        )
    for s in slots:
        if s.extra:
            services.quota_grant(
                actor=events.actor,
                unit=s.unit,
                category=s.category,
                funding=s.funding,
                amount=s.extra,
                doc_no=events.docs.next("示编", START.year),
                effective_date=START,
                reason=reason,
            )
            s.m += s.extra
            events.counts["extra_posts"] += s.extra


def generate_people(story: Story, persons: int) -> Counter:
    """Generate up to `persons` people with years of history; returns counts."""
    rng = random.Random(story.rng.random())
    today = story.today
    slots = plan_slots(build_slots(today), persons, rng, today)
    events = Events(story=story, rng=rng, today=today, budget=persons)
    _grant_extra(events, slots)
    _initial_load(events, slots)
    _history(events, slots)
    _top_up(events, slots)
    events.finish(slots)
    return events.counts


def _initial_load(events: Events, slots: list[Slot]) -> None:
    rng = events.rng
    flagged = max(1, events.budget // 4000) if events.budget >= 200 else 0
    batch = []
    for slot in slots:
        for _ in range(slot.initial):
            if len(batch) >= events.budget:
                break
            young = bool(slot.over_cut)
            past = flagged > 0 and rng.random() < 0.02 and slot.identity != "cs_managed"
            person = _new_person(
                rng, slot, START, young=young, past=past, events=events
            )
            if past:
                flagged -= 1
            batch.append((person, slot))
    for slot in slots:
        for _ in range(slot.extra):
            person = _new_person(
                rng, slot, START, events=events, hire_age=(22, 33), protected=True
            )
            batch.append((person, slot))
    events.load(batch)


def _new_person(
    rng: random.Random,
    slot: Slot,
    on: dt.date,
    *,
    events: Events,
    young: bool = False,
    past: bool = False,
    hire_age: tuple[int, int] | None = None,
    protected: bool = False,
) -> NewPerson:
    """A person of the slot's identity, aged for an initial load on `on`
    (hire_age None) or for a hire aged within hire_age."""
    from bianzhi.roster.retirement import retirement_date

    identity = slot.identity
    post = pn.post_type(rng) if identity == "institution_staff" else ""
    for _ in range(100):
        gender = "M" if rng.random() < MEN[identity] else "F"
        if hire_age:
            age = rng.randint(*hire_age)
        elif young:
            age = rng.randint(24, 37)
        else:
            low, high, _ = rng.choices(AGE_BANDS, [b[2] for b in AGE_BANDS])[0]
            age = rng.randint(low, high)
        birth = on - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        if past:  # a man who turned 60 (retirement age then) in 2014
            gender, birth = "M", dt.date(1954, rng.randint(4, 11), rng.randint(1, 28))
        retire = retirement_date(birth, gender, identity, post)
        if past:
            if retire <= on and retire > on - dt.timedelta(days=300):
                break
            continue
        if retire > on + dt.timedelta(days=365):
            break
    else:
        raise RuntimeError(f"no person fits {slot.identity} on {on}")
    level, degree = pn.education(rng, birth.year, identity)
    school = pn.SCHOOL_YEARS[level]
    work_start = birth + dt.timedelta(days=school * 365 + rng.randint(150, 400))
    if hire_age and hire_age[0] <= 28 or work_start > on:
        work_start = min(work_start, on) if work_start < on else on
    service = max(0, (on - work_start).days // 365)
    name = pn.name(rng, gender, birth.year)
    return NewPerson(
        data={
            "id_number": pn.id_number(rng, birth, gender, events.taken),
            "name": name,
            "gender": gender,
            "ethnicity": pn.ethnicity(rng),
            "political_status": pn.political_status(rng, identity, age),
            "education": level,
            "degree": degree,
            "major": pn.major(rng, identity, level),
            "identity": identity,
            "post_type": post,
            "rank": pn.rank(rng, identity, post, service),
            "work_start_date": work_start,
        },
        retire=retire,
        birth=birth,
        flagged=past,
        protected=young or protected,
    )


def _history(events: Events, slots: list[Slot]) -> None:
    rng, today = events.rng, events.today
    by_kind: dict[tuple, list[Slot]] = defaultdict(list)
    for s in slots:
        by_kind[(s.identity, s.category, s.funding)].append(s)
    year, month = START.year, START.month
    while dt.date(year, month, 1) <= today:
        first = dt.date(year, month, 1)
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        last = min(nxt - dt.timedelta(days=1), today)
        if first == REFORM_DAY.replace(day=1):
            for s in slots:
                if s.over_cut:
                    events.reform_cut(s, REFORM_DAY)
                    s.m -= s.over_cut
        for s in slots:
            s.avail = max(0, s.m - s.occ) if s.start <= last else 0
        busy: set[str] = set()
        plan = []
        for person in events.retiring(first, last):
            busy.add(person.id_number)
            plan.append((person.retire_on(first), 0, "retire", person, None))
        active = [p for p in events.active.values() if not p.protected]
        leaving = _count(rng, len(active) * YEARLY_LEAVING / 12)
        moving = _count(rng, len(active) * YEARLY_TRANSFER / 12)
        for person in rng.sample(active, min(len(active), leaving + moving)):
            if person.id_number in busy:
                continue
            day = max(pn.random_day(rng, year, month, last), person.since)
            busy.add(person.id_number)
            if moving > 0:
                moving -= 1
                target = _transfer_target(rng, by_kind, person.slot, day)
                if target is not None:
                    target.avail -= 1
                    plan.append((day, 1, "transfer", person, target))
                    continue
            plan.append((day, 0, "leave", person, None))
        for s in slots:
            gap = s.m - s.occ - s.target_vacancy
            if s.avail <= 0 or gap <= 0 or events.created >= events.budget:
                continue
            fresh = s.start >= first  # a new unit is staffed at once
            if not fresh and rng.random() > HIRE_CHANCE:
                continue
            for _ in range(min(s.avail, gap)):
                day = max(pn.random_day(rng, year, month, last), s.start)
                plan.append((day, 2, "hire", None, s))
                s.avail -= 1
        plan.sort(key=lambda e: (e[0], e[1]))
        for day, _, kind, person, target in plan:
            if kind == "hire":
                if events.created < events.budget:
                    events.hire(_hire(events, target, day), target, day)
            elif kind == "transfer":
                events.transfer(person, target, day)
            else:
                events.release(person, day, retiring=kind == "retire")
        year, month = nxt.year, nxt.month


def _count(rng: random.Random, expected: float) -> int:
    whole = int(expected)
    return whole + (1 if rng.random() < expected - whole else 0)


def _transfer_target(rng, by_kind, slot: Slot, day: dt.date) -> Slot | None:
    options = [
        s
        for s in by_kind[(slot.identity, slot.category, slot.funding)]
        if s.avail > 0
        and s.unit.pk != slot.unit.pk
        and s.start <= day
        and not s.over_cut
        and s.m - s.occ > s.target_vacancy
    ]
    return rng.choice(options) if options else None


def _hire(events: Events, slot: Slot, day: dt.date) -> NewPerson:
    rng = events.rng
    fresh = rng.random() < 0.75
    ages = (22, 28) if fresh else (29, 45)
    person = _new_person(rng, slot, day, events=events, hire_age=ages)
    person.channel = events.channel(slot.identity, fresh)
    return person


def _top_up(events: Events, slots: list[Slot]) -> None:
    """Accounts meant to be exactly full get their last posts filled today."""
    for s in slots:
        if s.target_vacancy or s.over_cut:
            continue
        for _ in range(max(0, s.m - s.occ)):
            if events.created >= events.budget:
                return
            events.hire(_hire(events, s, events.today), s, events.today)
