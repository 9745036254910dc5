"""The writes of the demo roster: each event is one roster (or quota) service
call as Actor.system, keeping the generator's own picture of who is where."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bianzhi.core.codes import INITIAL_LOAD_DOC_NO
from bianzhi.core.errors import ApplicationError

from . import people_names as pn
from .permits import history_permit, needs_permit
from .story import DocNumbers, Story

if TYPE_CHECKING:
    from .people import Slot

REASON = "示例数据：实名制历史"
START = dt.date(2015, 1, 1)
CADRES = ("civil_servant", "cs_managed")
# Where people released as 调出 went: outside the city's database.
DESTINATIONS = ("省直机关", "外市机关", "外省机关事业单位", "中央驻鲁单位",
                "省属高校", "省属医院", "国有企业")  # fmt: skip
OFF_QUOTA_POSTS = (
    "窗口服务人员",
    "驾驶员",
    "文字综合",
    "后勤保障",
    "信息化运维",
    "保洁员",
)


@dataclass
class NewPerson:
    data: dict
    retire: dt.date
    birth: dt.date
    flagged: bool = False
    protected: bool = False  # staff of an over-quota account stay put
    channel: str = "initial_load"
    person_id: int | None = None
    posting_id: int | None = None
    slot: Slot | None = None
    since: dt.date = START
    exit_day: dt.date | None = None

    @property
    def id_number(self) -> str:
        return self.data["id_number"]

    def retire_on(self, first: dt.date) -> dt.date:
        return self.exit_day or max(self.retire, first)


class Docs(DocNumbers):
    """文号 of the roster documents, numbered apart from the story's."""

    def next(self, agency: str, year: int) -> str:
        self.last.setdefault((agency, year), 100)
        return super().next(agency, year)


@dataclass
class Events:
    story: Story
    rng: random.Random
    today: dt.date
    budget: int
    taken: set[str] = field(default_factory=set)
    active: dict[str, NewPerson] = field(default_factory=dict)
    by_month: dict[tuple[int, int], list[NewPerson]] = field(
        default_factory=lambda: defaultdict(list)
    )
    counts: Counter = field(default_factory=Counter)
    created: int = 0

    def __post_init__(self) -> None:
        self.actor = self.story.actor
        self.docs = Docs(self.rng)

    def doc(self, identity: str, year: int) -> str:
        return self.docs.next("示组" if identity in CADRES else "示人社", year)

    def reason(self, day: dt.date) -> str:
        return REASON if day < self.today else ""

    # ---- intake -------------------------------------------------------------
    def _posted(self, person: NewPerson, slot: Slot, day: dt.date) -> None:
        person.slot, person.since = slot, day
        slot.occ += 1
        self.active[person.id_number] = person
        when = person.exit_day or person.retire
        self.by_month[(when.year, when.month)].append(person)

    def load(self, batch: list[tuple[NewPerson, Slot]]) -> None:
        """The initial load in one bulk enrollment (roster.bulk), as of go-live:
        past retirement is judged on 2015-01-01."""
        from bianzhi.roster.bulk import bulk_enroll
        from bianzhi.roster.models import Posting

        rows = []
        for person, slot in batch:
            work_start = person.data["work_start_date"]
            span = max(0, (START - work_start).days)
            days = int(span * self.rng.random() ** 0.5)
            if person.flagged:  # entered before retirement, still there at go-live
                days = min(days, max(0, (person.retire - work_start).days - 400))
            rows.append(
                {
                    "unit": slot.unit.pk,
                    "category": slot.category,
                    "funding": slot.funding,
                    "person": person.data,
                    "entered_unit_on": work_start + dt.timedelta(days=days),
                }
            )
        if not rows:
            return
        bulk_enroll(
            actor=self.actor,
            rows=rows,
            channel="initial_load",
            start_date=START,
            doc_no=INITIAL_LOAD_DOC_NO,
            today=START,
        )
        ids = {
            number: (person_id, posting_id)
            for number, person_id, posting_id in Posting.objects.filter(
                end_date__isnull=True
            ).values_list("person__id_number", "person_id", "id")
        }
        for person, slot in batch:
            if person.flagged:
                month, day = self.rng.randint(1, 5), self.rng.randint(2, 28)
                person.exit_day = dt.date(2015, month, day)
                self.counts["flagged"] += 1
            person.person_id, person.posting_id = ids[person.id_number]
            self._posted(person, slot, START)
        self.created += len(batch)
        self.counts["initial_load"] += len(batch)

    def channel(self, identity: str, fresh: bool) -> str:
        rng = self.rng
        if identity in CADRES:
            if fresh:
                return (
                    "selected_graduate" if rng.random() < 0.12 else "exam_recruitment"
                )
            return rng.choices(
                ("appointment_transfer", "military_transfer", "transfer_in"), (5, 3, 2)
            )[0]
        if identity == "logistics_worker":
            return "veteran_placement" if rng.random() < 0.4 else "open_recruitment"
        if fresh:
            return "open_recruitment"
        return rng.choices(
            ("transfer_in", "family_placement", "veteran_placement"), (7, 2, 1)
        )[0]

    def hire(self, person: NewPerson, slot: Slot, day: dt.date) -> None:
        from bianzhi.roster import services

        permit = (
            history_permit(self, slot, person.channel)
            if needs_permit(person.channel)
            else None
        )
        posting = services.person_enroll(
            actor=self.actor,
            unit=slot.unit,
            category=slot.category,
            funding=slot.funding,
            person=person.data,
            channel=person.channel,
            start_date=day,
            doc_no=self.doc(slot.identity, day.year),
            reason=self.reason(day),
            today=self.today,
            permit=permit,
        )
        self.created += 1
        self.counts[f"channel:{person.channel}"] += 1
        person.person_id, person.posting_id = posting.person_id, posting.pk
        self._posted(person, slot, day)

    # ---- moves and releases ---------------------------------------------------
    def retiring(self, first: dt.date, last: dt.date) -> list[NewPerson]:
        due = self.by_month.pop((first.year, first.month), [])
        return [p for p in due if self.active.get(p.id_number) is p]

    def transfer(self, person: NewPerson, target: Slot, day: dt.date) -> None:
        from bianzhi.roster import services

        channel = (
            "lateral_transfer" if target.identity == "civil_servant" else "transfer_in"
        )
        posting = services.person_transfer(
            actor=self.actor,
            person=person.person_id,
            to_unit=target.unit,
            category=target.category,
            funding=target.funding,
            start_date=day,
            doc_no=self.doc(target.identity, day.year),
            reason=self.reason(day),
            channel=channel,
            today=self.today,
            permit=history_permit(self, target, channel)
            if needs_permit(channel)
            else None,
        )
        person.slot.occ -= 1
        person.posting_id, person.slot, person.since = posting.pk, target, day
        target.occ += 1
        self.counts["transfers"] += 1

    def release(self, person: NewPerson, day: dt.date, *, retiring: bool) -> None:
        from bianzhi.roster import services

        age = (day - person.birth).days // 365
        if retiring:
            code = "retirement"
        else:
            weights = {
                "resignation": 40 if age < 45 else 5,
                "transfer_out": 30,
                "death": 2 + age // 5,
                "dismissal": 2,
                "retirement_withdrawal": 3 if age >= 45 else 0,
                "contract_termination": 5
                if person.data["identity"] == "institution_staff"
                else 0,
            }
            code = self.rng.choices(list(weights), list(weights.values()))[0]
        services.person_release(
            actor=self.actor,
            posting=person.posting_id,
            reason_code=code,
            exit_date=day,
            reason=self.reason(day),
            destination=self.rng.choice(DESTINATIONS) if code == "transfer_out" else "",
            today=self.today,
        )
        person.slot.occ -= 1
        del self.active[person.id_number]
        self.counts[f"release:{code}"] += 1

    def reform_cut(self, slot: Slot, day: dt.date) -> None:
        from bianzhi.quota import services

        from .history import agency

        services.quota_recall(
            actor=self.actor,
            unit=slot.unit,
            category=slot.category,
            funding=slot.funding,
            amount=slot.over_cut,
            doc_no=self.docs.next(agency(slot.unit.region_id), day.year),
            effective_date=day,
            reason="示例数据：机构改革精简编制（在编人员暂不调整，形成超编）",
            reform=True,
        )
        self.counts["reform_cuts"] += 1

    # ---- today's roster: leaders, secondments, off-quota staff ---------------
    def finish(self, slots: list[Slot]) -> None:
        from .people_extras import appoint_leaders, off_quota, secondments

        appoint_leaders(self, slots)
        secondments(self)
        off_quota(self, slots)


def try_write(fn, **kwargs) -> bool:
    """An optional write (an appointment, a secondment): a refusal skips it."""
    try:
        fn(**kwargs)
    except ApplicationError:
        return False
    return True


__all__ = ["Events", "NewPerson", "OFF_QUOTA_POSTS", "pn", "try_write"]
