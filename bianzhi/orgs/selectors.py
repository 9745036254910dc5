"""Read side of orgs: states as of a date, lineage, caps, mandates, the tree.

How "as of" works. Every change of a unit is a UnitChange carrying the
touched fields' `before` and `after`; the establishing record carries every
field in `after`. The state of a field on D is the `after` of the latest
non-flagged change on or before D that touched it (pending ones included, so
future dates show what is scheduled); when no change on or before D touched
it, the `before` of the earliest change that did. This equals "current row
with later changes undone" whenever changes were entered in date order, and
stays right when an office enters history out of order (a back-dated rename
recorded after a later one). Fields no change ever touched come from the row.
Status is derived from the row's revoked_on: before that date the unit was
active.

A unit whose established_on is after D does not exist as of D (None).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import (
    IN_CAP_KINDS,
    SECTORS,
    AgencyCap,
    InstitutionClass,
    InternalBody,
    Mandate,
    Region,
    Unit,
    UnitChange,
    UnitKind,
    UnitRank,
)

# Unit fields a UnitChange may carry (JSON keys; `parent` holds the parent's id).
REPLAY_FIELDS = (
    "name",
    "short_name",
    "uscc",
    "kind",
    "rank",
    "institution_class",
    "sector",
    "civil_service_managed",
    "in_cap",
    "parent",
)


@dataclass(frozen=True)
class UnitState:
    """A unit as it stood on `as_of` (see the module docstring)."""

    id: int
    region_id: str
    as_of: dt.date
    name: str
    short_name: str
    uscc: str
    kind: str
    rank: str
    institution_class: str
    sector: str
    civil_service_managed: bool
    in_cap: bool
    parent_id: int | None
    status: str
    merged_into_id: int | None
    established_on: dt.date
    established_doc_no: str
    revoked_on: dt.date | None
    revoked_doc_no: str

    @property
    def is_active(self) -> bool:
        return self.status == Unit.Status.ACTIVE

    @property
    def kind_label(self) -> str:
        return UnitKind(self.kind).label

    @property
    def rank_label(self) -> str:
        return UnitRank(self.rank).label

    @property
    def status_label(self) -> str:
        return Unit.Status(self.status).label

    @property
    def institution_class_label(self) -> str:
        if not self.institution_class:
            return ""
        return InstitutionClass(self.institution_class).label

    @property
    def sector_label(self) -> str:
        return SECTORS.get(self.sector, "")


def row_values(unit: Unit) -> dict:
    return {
        "name": unit.name,
        "short_name": unit.short_name,
        "uscc": unit.uscc,
        "kind": unit.kind,
        "rank": unit.rank,
        "institution_class": unit.institution_class,
        "sector": unit.sector,
        "civil_service_managed": unit.civil_service_managed,
        "in_cap": unit.in_cap,
        "parent": unit.parent_id,
    }


def replay(
    base: dict, changes: Iterable[UnitChange], as_of: dt.date, keys=REPLAY_FIELDS
) -> dict:
    """The values of `keys` on `as_of`, given non-flagged changes in date order."""
    values = {key: base.get(key) for key in keys}
    latest: dict = {}
    earliest_before: dict = {}
    for change in changes:
        for key, value in (change.before or {}).items():
            if key in values and key not in earliest_before:
                earliest_before[key] = value
        if change.effective_date <= as_of:
            for key, value in (change.after or {}).items():
                if key in values:
                    latest[key] = value
    for key in values:
        if key in latest:
            values[key] = latest[key]
        elif key in earliest_before:
            values[key] = earliest_before[key]
    return values


def _state(unit: Unit, changes: list[UnitChange], as_of: dt.date) -> UnitState | None:
    if unit.established_on > as_of:
        return None
    values = replay(row_values(unit), changes, as_of)
    status, merged_into_id = unit.status, unit.merged_into_id
    revoked_on, revoked_doc_no = unit.revoked_on, unit.revoked_doc_no
    if revoked_on is not None and as_of < revoked_on:
        status, merged_into_id = Unit.Status.ACTIVE, None
        revoked_on, revoked_doc_no = None, ""
    return UnitState(
        id=unit.pk,
        region_id=unit.region_id,
        as_of=as_of,
        name=values["name"],
        short_name=values["short_name"] or "",
        uscc=values["uscc"] or "",
        kind=values["kind"],
        rank=values["rank"],
        institution_class=values["institution_class"] or "",
        sector=values["sector"] or "",
        civil_service_managed=bool(values["civil_service_managed"]),
        in_cap=bool(values["in_cap"]),
        parent_id=values["parent"],
        status=str(status),
        merged_into_id=merged_into_id,
        established_on=unit.established_on,
        established_doc_no=unit.established_doc_no,
        revoked_on=revoked_on,
        revoked_doc_no=revoked_doc_no,
    )


def effective_changes(units) -> dict[int, list[UnitChange]]:
    """Non-flagged changes per unit, in date order (one query)."""
    if isinstance(units, QuerySet):
        qs = UnitChange.objects.filter(unit__in=units.values("pk"))
    else:
        qs = UnitChange.objects.filter(unit_id__in=[u.pk for u in units])
    grouped: dict[int, list[UnitChange]] = defaultdict(list)
    for change in qs.exclude(status=UnitChange.Status.FLAGGED).order_by(
        "effective_date", "id"
    ):
        grouped[change.unit_id].append(change)
    return grouped


def region_subtree(code: str) -> set[str]:
    """The region and every region below it (one indexed query per level)."""
    codes, frontier = {code}, [code]
    while frontier:
        frontier = list(
            Region.objects.filter(parent_id__in=frontier).values_list("code", flat=True)
        )
        codes.update(frontier)
    return codes


def unit_as_of(unit: Unit, as_of: dt.date) -> UnitState | None:
    """The unit on `as_of`; None if it was not yet established."""
    return _state(unit, effective_changes([unit]).get(unit.pk, []), as_of)


def units_as_of(units, as_of: dt.date) -> list[UnitState]:
    """Batch form of unit_as_of for lists and statistics (two queries)."""
    units = list(units)
    changes = effective_changes(units)
    states = (_state(u, changes.get(u.pk, []), as_of) for u in units)
    return [s for s in states if s is not None]


def unit_lineage(unit: Unit) -> list[UnitChange]:
    """历史沿革: every change record of the unit (pending and flagged included)."""
    return list(UnitChange.objects.filter(unit=unit).order_by("effective_date", "id"))


# -- internal bodies and mandates -------------------------------------------


def _alive(start: dt.date, end: dt.date | None, on: dt.date) -> bool:
    return start <= on and (end is None or end > on)


def internal_bodies_as_of(unit: Unit, as_of: dt.date) -> list[InternalBody]:
    return list(
        InternalBody.objects.filter(unit=unit, established_on__lte=as_of)
        .filter(Q(abolished_on__isnull=True) | Q(abolished_on__gt=as_of))
        .order_by("id")
    )


def mandate_as_of(unit: Unit, as_of: dt.date) -> Mandate | None:
    return (
        Mandate.objects.filter(unit=unit, effective_date__lte=as_of)
        .order_by("-effective_date", "-id")
        .first()
    )


def agency_cap_as_of(region: Region, as_of: dt.date) -> AgencyCap | None:
    return (
        AgencyCap.objects.filter(region=region, effective_date__lte=as_of)
        .order_by("-effective_date", "-id")
        .first()
    )


@dataclass
class BodyTimeline:
    """A unit's internal bodies and mandate versions, loaded once."""

    bodies: list[tuple[dt.date, dt.date | None]]
    mandates: list[tuple[dt.date, int]]  # (effective_date, approved), date order

    @classmethod
    def load(cls, unit: Unit) -> BodyTimeline:
        bodies = list(
            InternalBody.objects.filter(unit=unit).values_list(
                "established_on", "abolished_on"
            )
        )
        mandates = list(
            Mandate.objects.filter(unit=unit)
            .order_by("effective_date", "id")
            .values_list("effective_date", "internal_bodies_approved")
        )
        return cls(bodies, mandates)

    def count(self, on: dt.date) -> int:
        return sum(1 for start, end in self.bodies if _alive(start, end, on))

    def approved(self, on: dt.date) -> int | None:
        value = None
        for date, approved in self.mandates:
            if date <= on:
                value = approved
        return value

    def first_excess_with_new(self, start: dt.date) -> tuple[dt.date, int, int] | None:
        """(date, approved, count) where one more body from `start` breaks the mandate."""
        later = {d for d, _ in self.bodies if d > start} | {
            d for d, _ in self.mandates if d > start
        }
        for on in sorted({start} | later):
            approved = self.approved(on)
            count = self.count(on) + 1
            if approved is not None and count > approved:
                return on, approved, count
        return None


@dataclass
class BodiesStatus:
    unit_id: int
    as_of: dt.date
    approved: int | None
    count: int
    mandate_doc_no: str = ""

    @property
    def excess(self) -> int:
        return max(self.count - self.approved, 0) if self.approved is not None else 0

    @property
    def note(self) -> str:
        if self.approved is None:
            return "三定未录入"
        if self.excess:
            return f"超出核定内设机构数{self.excess}个，消化前不得增设"
        return ""


def internal_bodies_status(unit: Unit, as_of: dt.date) -> BodiesStatus:
    mandate = mandate_as_of(unit, as_of)
    return BodiesStatus(
        unit_id=unit.pk,
        as_of=as_of,
        approved=mandate.internal_bodies_approved if mandate else None,
        count=len(internal_bodies_as_of(unit, as_of)),
        mandate_doc_no=mandate.doc_no if mandate else "",
    )


# -- agency caps --------------------------------------------------------------


@dataclass
class _CapUnit:
    unit_id: int | None
    established_on: dt.date
    # First date the unit no longer counts; date.min for a unit that is not
    # active and has no revoked_on (it never counts).
    gone_on: dt.date | None
    base_in_cap: bool
    changes: list = field(default_factory=list)  # UnitChange-like, date order

    def in_cap_at(self, on: dt.date) -> bool:
        if not _alive(self.established_on, self.gone_on, on):
            return False
        return bool(
            replay({"in_cap": self.base_in_cap}, self.changes, on, ("in_cap",))[
                "in_cap"
            ]
        )


@dataclass
class _Event:
    """A proposed in_cap change, shaped like a UnitChange for replay()."""

    effective_date: dt.date
    before: dict
    after: dict


@dataclass
class CapTimeline:
    """A region's party/government units, their in_cap history and its caps."""

    units: dict
    caps: list[tuple[dt.date, int, str]]  # (effective_date, cap, doc_no), date order

    @classmethod
    def load(cls, region: Region) -> CapTimeline:
        units: dict = {}
        rows = Unit.objects.filter(region=region, kind__in=IN_CAP_KINDS).values_list(
            "id", "established_on", "revoked_on", "status", "in_cap"
        )
        for pk, established_on, revoked_on, status, in_cap in rows:
            gone_on = revoked_on
            if gone_on is None and status != Unit.Status.ACTIVE:
                gone_on = dt.date.min
            units[pk] = _CapUnit(pk, established_on, gone_on, in_cap)
        changes = (
            UnitChange.objects.filter(unit__region=region, unit__kind__in=IN_CAP_KINDS)
            .exclude(status=UnitChange.Status.FLAGGED)
            .filter(Q(after__has_key="in_cap") | Q(before__has_key="in_cap"))
            .order_by("effective_date", "id")
        )
        for change in changes:
            units[change.unit_id].changes.append(change)
        caps = list(
            AgencyCap.objects.filter(region=region)
            .order_by("effective_date", "id")
            .values_list("effective_date", "cap", "doc_no")
        )
        return cls(units, caps)

    def cap(self, on: dt.date) -> tuple[int, str] | tuple[None, str]:
        value: tuple = (None, "")
        for date, cap, doc_no in self.caps:
            if date <= on:
                value = (cap, doc_no)
        return value

    def count(self, on: dt.date) -> int:
        return sum(1 for unit in self.units.values() if unit.in_cap_at(on))

    def propose_new_unit(self, established_on: dt.date) -> _CapUnit:
        unit = _CapUnit(None, established_on, None, True)
        self.units[None] = unit
        return unit

    def propose_flag(self, unit_id: int, on: dt.date, in_cap: bool) -> _CapUnit:
        unit = self.units[unit_id]
        before = unit.in_cap_at(on)
        unit.changes = sorted(
            [*unit.changes, _Event(on, {"in_cap": before}, {"in_cap": in_cap})],
            key=lambda c: c.effective_date,
        )
        return unit

    def first_excess(
        self, subject: _CapUnit, start: dt.date
    ) -> tuple[dt.date, int, int] | None:
        """(date, cap, count) of the first date ≥ start where `subject` counts
        and in-cap units exceed the cap in force."""
        dates = {start}
        for unit in self.units.values():
            dates.add(unit.established_on)
            dates.update(c.effective_date for c in unit.changes)
        dates.update(d for d, _, _ in self.caps)
        for on in sorted(d for d in dates if d >= start):
            if not subject.in_cap_at(on):
                continue
            cap, _ = self.cap(on)
            count = self.count(on)
            if cap is not None and count > cap:
                return on, cap, count
        return None


def in_cap_count(region: Region, as_of: dt.date) -> int:
    """Active in-cap units of the region on `as_of` (pending changes included)."""
    return CapTimeline.load(region).count(as_of)


@dataclass
class CapStatus:
    region_code: str
    as_of: dt.date
    cap: int | None
    count: int
    cap_doc_no: str = ""

    @property
    def excess(self) -> int:
        return max(self.count - self.cap, 0) if self.cap is not None else 0

    @property
    def note(self) -> str:
        if self.cap is None:
            return "限额未设置"
        if self.excess:
            return f"超出机构限额{self.excess}个，消化前不得新设"
        return ""


def agency_cap_status(region: Region, as_of: dt.date) -> CapStatus:
    timeline = CapTimeline.load(region)
    cap, doc_no = timeline.cap(as_of)
    return CapStatus(region.code, as_of, cap, timeline.count(as_of), doc_no)


# -- the tree ------------------------------------------------------------------


def unit_tree(units_qs) -> list[dict]:
    """[{"unit": u, "children": [...]}, ...]: parents → children, one query.

    A unit whose parent is outside `units_qs` is a root, so a scoped list
    (one supervising department and its institutions) is still a tree.
    """
    units = list(units_qs)
    by_id = {u.pk: u for u in units}
    children: dict[int, list[Unit]] = defaultdict(list)
    roots: list[Unit] = []
    for unit in units:
        if unit.parent_id in by_id and unit.parent_id != unit.pk:
            children[unit.parent_id].append(unit)
        else:
            roots.append(unit)
    seen: set[int] = set()

    def node(unit: Unit) -> dict:
        seen.add(unit.pk)
        kids = [node(c) for c in children.get(unit.pk, []) if c.pk not in seen]
        return {"unit": unit, "children": kids}

    tree = [node(u) for u in roots]
    # A parent cycle (never written by the services) must not hide units.
    tree += [node(u) for u in units if u.pk not in seen]
    return tree


def unit_children(units_qs: QuerySet, parent_id: int | None) -> QuerySet:
    """One level of the tree (for lazy loading); annotated with has_children.

    parent_id None gives the roots: units whose parent is empty or out of scope.
    """
    in_scope = units_qs.values("pk")
    if parent_id is None:
        level = units_qs.filter(Q(parent__isnull=True) | ~Q(parent__in=in_scope))
    else:
        level = units_qs.filter(parent_id=parent_id)
    has_children = Unit.objects.filter(parent=OuterRef("pk"), pk__in=in_scope)
    return level.annotate(has_children=Exists(has_children))
