"""Today's roster beyond postings: leader appointments filling most leader
posts, a few secondments (借调) and off-quota staff (编外人员)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING

from . import people_names as pn
from .people_events import OFF_QUOTA_POSTS, try_write

if TYPE_CHECKING:
    from .people import Slot
    from .people_events import Events, NewPerson

# Title of a unit's head by the end of its name.
_CHIEF_TITLES = (
    ("人民法院", "院长"), ("人民检察院", "检察长"), ("医院", "院长"), ("学校", "校长"),
    ("中学", "校长"), ("小学", "校长"), ("部", "部长"), ("局", "局长"), ("厅", "厅长"),
    ("街道办事处", "主任"), ("镇", "镇长"), ("乡", "乡长"), ("联合会", "主席"),
    ("总工会", "主席"), ("委员会", "主任"), ("委", "书记"), ("院", "院长"),
)  # fmt: skip
_POOL_TITLES = {"county": "处长", "township": "科长"}


def chief_title(unit_name: str) -> str:
    for suffix, title in _CHIEF_TITLES:
        if unit_name.endswith(suffix):
            return title
    return "主任"


def _title(view, unit_name: str) -> str:
    deputy = view.kind == "deputy"
    if view.scope == "unit":
        base = chief_title(unit_name)
        return ("副" + base) if deputy else base
    base = _POOL_TITLES.get(view.level, "负责人")
    if view.internal_body is not None:
        base = view.internal_body.name + base
    return ("副" + base) if deputy and not base.startswith("副") else base


def appoint_leaders(events: Events, slots: list[Slot]) -> None:
    from bianzhi.quota.leader_posts import leader_posts_as_of
    from bianzhi.roster import services

    rng, today = events.rng, events.today
    staff: dict[int, list[NewPerson]] = defaultdict(list)
    for person in events.active.values():
        if person.data["identity"] == "logistics_worker":
            continue
        if person.data["post_type"] == "skilled_worker":
            continue
        staff[person.slot.unit.pk].append(person)
    units = {s.unit.pk: s.unit for s in slots}
    later = dt.date(today.year + 3, 12, 31)
    for unit_id in sorted(staff):
        unit = units[unit_id]
        people = sorted(staff[unit_id], key=lambda p: p.birth)
        future = {
            (v.scope, getattr(v.internal_body, "pk", None), v.level, v.kind): v.count
            for v in leader_posts_as_of(unit, later)
        }
        for view in leader_posts_as_of(unit, today):
            key = (view.scope, getattr(view.internal_body, "pk", None), view.level,
                   view.kind)  # fmt: skip
            room = min(view.count, future.get(key, 0)) - view.appointed
            for _ in range(max(0, room)):
                if not people or rng.random() < 0.12:
                    continue  # a few posts stay vacant
                # Seniors lead; a little shuffle keeps it from being strict age order.
                person = people.pop(min(len(people) - 1, int(rng.random() ** 3 * 4)))
                earliest = max(
                    person.since,
                    view.effective_date or person.since,
                    getattr(view.internal_body, "established_on", person.since),
                )
                start = max(earliest, today - dt.timedelta(days=rng.randint(0, 2500)))
                ok = try_write(
                    services.appointment_start,
                    actor=events.actor,
                    posting=person.posting_id,
                    scope=view.scope,
                    level=view.level,
                    kind=view.kind,
                    title=_title(view, unit.name),
                    start_date=start,
                    doc_no=events.doc(person.data["identity"], start.year),
                    internal_body=view.internal_body,
                    reason=events.reason(start),
                    today=today,
                )
                events.counts["appointments" if ok else "appointments_refused"] += 1


def secondments(events: Events) -> None:
    from bianzhi.roster import services

    rng, today = events.rng, events.today
    people = [p for p in events.active.values() if not p.protected]
    hosts = sorted({p.slot.unit.pk: p.slot.unit for p in people}.items())
    if len(hosts) < 2:
        return
    for person in rng.sample(people, min(len(people), max(1, len(people) // 400))):
        host = rng.choice(hosts)[1]
        if host.pk == person.slot.unit.pk:
            continue
        start = max(person.since, today - dt.timedelta(days=rng.randint(20, 500)))
        end = start + dt.timedelta(days=rng.choice((180, 365, 730)))
        ok = try_write(
            services.secondment_record,
            actor=events.actor,
            person=person.person_id,
            host_unit=host,
            start_date=start,
            end_date=end,
            doc_no=events.doc("civil_servant", start.year),
            reason=events.reason(start),
            today=today,
        )
        events.counts["secondments" if ok else "secondments_refused"] += 1


def off_quota(events: Events, slots: list[Slot]) -> None:
    from bianzhi.roster import services

    rng, today = events.rng, events.today
    units = sorted({s.unit.pk: s.unit for s in slots}.items())
    for _, unit in rng.sample(units, len(units) // 4):
        for _ in range(rng.randint(1, 5)):
            gender = "M" if rng.random() < 0.5 else "F"
            age = rng.randint(20, 45)
            start = today - dt.timedelta(days=rng.randint(0, 3000))
            birth = start - dt.timedelta(days=age * 365 + rng.randint(0, 364))
            staff = services.offquota_add(
                actor=events.actor,
                unit=unit,
                name=pn.name(rng, gender, birth.year),
                id_number=pn.id_number(rng, birth, gender, events.taken),
                employment_form=rng.choices(
                    ("contract", "dispatch", "temporary"), (5, 4, 1)
                )[0],
                funding_source="public" if rng.random() < 0.8 else "own",
                start_date=start,
                position=rng.choice(OFF_QUOTA_POSTS),
                today=today,
            )
            events.counts["off_quota"] += 1
            end = start + dt.timedelta(days=rng.randint(200, 2000))
            if end < today and rng.random() < 0.4:
                services.offquota_end(
                    actor=events.actor,
                    staff=staff,
                    end_date=end,
                    end_reason="合同期满",
                    today=today,
                )
                events.counts["off_quota_ended"] += 1
