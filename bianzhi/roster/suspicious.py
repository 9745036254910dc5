"""Duplicate and suspicious records (疑似问题; issue 4 "office tools").

Three kinds, each a set-based query over the people in post (postings in
force today, or on `as_of`) in the units of a scope:
- same_name_birth: the same name and certified birth date held by more than
  one posting — two people with different ID numbers who are probably one
  person registered twice (typo in the number, a 15-digit number converted
  twice), or the same person through two postings. One GROUP BY.
- birth_date_differs: a certified birth date other than the ID's (DOMAIN
  §3.4: allowed with a basis, then a flagged, approved state); each finding
  shows the basis, or says there is none.
- past_retirement: people at or past their retirement date and still in
  post. The base retirement date grows with the birth month under each of
  the three schemes (retirement.py), so "retirement date <= day" is
  "born on or before a cutoff month" per scheme — a range on the indexed
  certified_birth_date. Recorded exceptions only postpone retirement, so the
  rows they touch are re-checked exactly in Python.

Scoping is the caller's (`units` from accounts.access.units_in_scope).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from bianzhi.orgs.models import Unit

from . import retirement
from .models import Person, Posting, RetirementException
from .search_query import Columns, Scope
from .values import Gender, Identity, PostType

KINDS = {
    "same_name_birth": "同名同出生日期",
    "birth_date_differs": "认定出生日期与身份证不一致",
    "past_retirement": "已到退休时间仍在编",
}
LIMIT = 500


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    id_number: str
    unit_id: int
    unit_name: str
    posting_id: int


@dataclass
class Finding:
    kind: str
    persons: list[PersonRef]
    units: list[tuple[int, str]]  # (unit id, name), distinct, in order
    explanation: str
    # Kind-specific facts for the page (dates, basis …).
    facts: dict = field(default_factory=dict)

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


@dataclass
class FindingList:
    kind: str
    total: int  # all findings of the kind in scope
    findings: list[Finding]  # the first `limit`

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def more(self) -> int:
        return max(self.total - len(self.findings), 0)


_REF_FIELDS = (
    "id",
    "person_id",
    "person__name",
    "person__id_number",
    "unit_id",
    "unit__name",
)


def _current(as_of: dt.date | None) -> Q:
    if as_of is None:
        return Q(end_date__isnull=True)
    return Q(start_date__lte=as_of) & (Q(end_date__isnull=True) | Q(end_date__gt=as_of))


def _scoped(qs: QuerySet[Posting], scope: Scope) -> QuerySet[Posting]:
    col = Columns(noindex=True, keep={"person_id"})
    condition = scope.condition(col)
    return qs.alias(**col.aliases).filter(condition)


def _in_post(scope: Scope, as_of: dt.date | None) -> QuerySet[Posting]:
    return _scoped(Posting.objects.filter(_current(as_of)).order_by(), scope)


def _people_in_post(scope: Scope, as_of: dt.date | None) -> Exists:
    """EXISTS (a posting of the person in force, in scope): persons are read
    first through their own indexes, the posting found by person."""
    postings = Posting.objects.filter(_current(as_of), person_id=OuterRef("pk"))
    return Exists(_scoped(postings, scope))


def _ref(row: dict) -> PersonRef:
    return PersonRef(
        id=row["person_id"],
        name=row["person__name"],
        id_number=row["person__id_number"],
        unit_id=row["unit_id"],
        unit_name=row["unit__name"],
        posting_id=row["id"],
    )


def _units(refs: list[PersonRef]) -> list[tuple[int, str]]:
    return list(dict.fromkeys((r.unit_id, r.unit_name) for r in refs))


def same_name_birth(
    scope: Scope, *, as_of: dt.date | None = None, limit: int = LIMIT
) -> FindingList:
    """Two steps: the (name, birth date) pairs held by more than one person —
    one GROUP BY over the person index on (name, certified_birth_date), no
    join — then the postings in force of just those people."""
    pairs = list(
        Person.objects.order_by()
        .values_list("name", "certified_birth_date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    members: dict[tuple, list[PersonRef]] = defaultdict(list)
    for chunk in _chunks(pairs, 200):
        condition = Q()
        for name, birth, _n in chunk:
            condition |= Q(name=name, certified_birth_date=birth)
        # Each pair is an index lookup; then their postings, by person.
        people = list(
            Person.objects.order_by().filter(condition).values_list("pk", flat=True)
        )
        rows = (
            _in_post(scope, as_of)
            .filter(person_id__in=people)
            .values(*_REF_FIELDS, "person__certified_birth_date")
        )
        for row in rows:
            key = (row["person__name"], row["person__certified_birth_date"])
            members[key].append(_ref(row))
    keys = sorted(k for k, refs in members.items() if len(refs) > 1)
    findings = []
    for name, birth in keys[:limit]:
        refs = sorted(members[(name, birth)], key=lambda r: (r.unit_id, r.posting_id))
        unit_list = _units(refs)
        persons = {r.id for r in refs}
        if len(persons) == 1:
            what = "同一人员同时有多条在编记录"
        else:
            what = f"{len(persons)}个不同公民身份号码，疑为同一人重复登记"
        where = (
            f"分别在{'、'.join(n for _i, n in unit_list)}在编"
            if len(unit_list) > 1
            else f"均在{unit_list[0][1]}在编"
        )
        findings.append(
            Finding(
                "same_name_birth",
                refs,
                unit_list,
                f"姓名{name}、出生日期{birth:%Y-%m-%d}相同：{what}，{where}",
                {"name": name, "birth_date": birth},
            )
        )
    return FindingList("same_name_birth", len(keys), findings)


def _chunks(items: list, size: int):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def birth_date_differs(
    scope: Scope, *, as_of: dt.date | None = None, limit: int = LIMIT
) -> FindingList:
    """Persons whose certified birth date is not the ID's (one pass over the
    person table comparing two columns), in post in scope."""
    people = (
        Person.objects.order_by()
        .filter(~Q(certified_birth_date=F("birth_date")))
        .filter(_people_in_post(scope, as_of))
        .values_list("pk", flat=True)
    )
    ids = list(people)
    rows = (
        _in_post(scope, as_of)
        .filter(person_id__in=ids)
        .values(
            *_REF_FIELDS,
            "person__birth_date",
            "person__certified_birth_date",
            "person__certified_basis",
        )
        .order_by("unit_id", "person__name", "id")[:limit]
    )
    findings = []
    for row in rows:
        ref = _ref(row)
        basis = row["person__certified_basis"]
        id_birth, certified = (
            row["person__birth_date"],
            row["person__certified_birth_date"],
        )
        explanation = (
            f"身份证出生日期{id_birth:%Y-%m-%d}，认定出生日期{certified:%Y-%m-%d}："
            + (f"认定依据为“{basis}”" if basis else "无认定依据，需核实")
        )
        findings.append(
            Finding(
                "birth_date_differs",
                [ref],
                _units([ref]),
                explanation,
                {
                    "id_birth_date": id_birth,
                    "certified_birth_date": certified,
                    "basis": basis,
                },
            )
        )
    return FindingList("birth_date_differs", len(ids), findings)


def _birth_cutoff(scheme: retirement.Scheme, day: dt.date) -> dt.date:
    """The last day of the latest birth month whose base retirement date
    under `scheme` is on or before `day` (the date grows with the birth month)."""
    # Statutory ages lie between base and base + max delay: search that window.
    year, month = day.year - scheme.base_years, day.month
    index = year * 12 + month - 1
    latest = None
    for candidate in range(index - scheme.max_delay_months - 1, index + 1):
        birth = dt.date(candidate // 12, candidate % 12 + 1, 1)
        due = retirement.date_at_age(
            birth, retirement.statutory_age_months(birth, scheme)
        )
        if due <= day:
            latest = candidate
    if latest is None:  # nobody of that scheme is due yet (never for real dates)
        latest = index - scheme.max_delay_months - 2
    following = latest + 1
    return dt.date(following // 12, following % 12 + 1, 1) - dt.timedelta(days=1)


_SCHEMES = (retirement.MEN, retirement.WOMEN_CADRES, retirement.WOMEN_WORKERS)


def _scheme_conditions(day: dt.date) -> Q:
    """Base rule "retirement date <= day" as birth-date ranges per scheme
    (on Person columns)."""
    cadre_women = Q(identity__in=[Identity.CIVIL_SERVANT, Identity.CS_MANAGED]) | Q(
        identity=Identity.INSTITUTION_STAFF,
        post_type__in=[PostType.MANAGEMENT, PostType.PROFESSIONAL],
    )
    worker_women = Q(identity=Identity.LOGISTICS_WORKER) | Q(
        identity=Identity.INSTITUTION_STAFF, post_type=PostType.SKILLED_WORKER
    )
    men, cadres, workers = (_birth_cutoff(s, day) for s in _SCHEMES)
    return (
        Q(gender=Gender.MALE, certified_birth_date__lte=men)
        | (Q(gender=Gender.FEMALE, certified_birth_date__lte=cadres) & cadre_women)
        | (Q(gender=Gender.FEMALE, certified_birth_date__lte=workers) & worker_women)
    )


def past_retirement(
    scope: Scope, *, as_of: dt.date | None = None, limit: int = LIMIT
) -> FindingList:
    day = as_of or timezone.localdate()
    conditions = _scheme_conditions(day)
    latest = max(_birth_cutoff(s, day) for s in _SCHEMES)
    people = list(
        Person.objects.order_by()
        .filter(certified_birth_date__lte=latest)
        .filter(conditions)
        .filter(_people_in_post(scope, as_of))
        .values_list("pk", flat=True)
    )
    candidates = list(
        _in_post(scope, as_of)
        .filter(person_id__in=people)
        .values(
            *_REF_FIELDS,
            "person__gender",
            "person__identity",
            "person__post_type",
            "person__certified_birth_date",
            "start_date",
            "flagged_past_retirement",
        )
        .order_by("person__certified_birth_date", "person_id")
    )
    exceptions: dict[int, list[RetirementException]] = defaultdict(list)
    for e in RetirementException.objects.filter(
        person_id__in=[row["person_id"] for row in candidates]
    ):
        exceptions[e.person_id].append(e)
    findings = []
    for row in candidates:
        result = retirement.retirement(
            row["person__certified_birth_date"],
            row["person__gender"],
            row["person__identity"],
            row["person__post_type"],
            exceptions.get(row["person_id"], ()),
            as_of=day,
        )
        if result.date > day:
            continue  # an exception postpones it
        ref = _ref(row)
        flagged = "（初始化导入时已标记）" if row["flagged_past_retirement"] else ""
        findings.append(
            Finding(
                "past_retirement",
                [ref],
                _units([ref]),
                f"认定出生日期{row['person__certified_birth_date']:%Y-%m-%d}，"
                f"法定退休年龄{result.statutory_age}，退休时间{result.date:%Y-%m-%d}，"
                f"至{day:%Y-%m-%d}仍在编{flagged}",
                {
                    "retirement_date": result.date,
                    "statutory_age": result.statutory_age,
                    "applied": result.applied,
                },
            )
        )
    return FindingList("past_retirement", len(findings), findings[:limit])


FINDERS = {
    "same_name_birth": same_name_birth,
    "birth_date_differs": birth_date_differs,
    "past_retirement": past_retirement,
}


def find_suspicious(
    *,
    units: QuerySet[Unit],
    kinds: list[str] | None = None,
    as_of: dt.date | None = None,
    limit: int = LIMIT,
) -> dict[str, FindingList]:
    """The findings of each kind (all three by default), at most `limit` each.

    units: the units the user may see (accounts.access.units_in_scope).
    """
    scope = Scope(units)
    chosen = kinds or list(FINDERS)
    return {
        kind: FINDERS[kind](scope, as_of=as_of, limit=limit)
        for kind in chosen
        if kind in FINDERS
    }
