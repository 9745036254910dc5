"""The conditions of a roster search and the two query shapes that run them.

A search has person-side conditions (name, pinyin initials, ID number,
identity, education, rank, age band, birth date: columns of roster_person)
and posting-side ones (in force / released, the scope, unit, category,
entry year: columns of roster_posting). Each is built on a column path with
a prefix, so the same condition serves

- the person-driven shape: Person rows filtered by the person conditions,
  with EXISTS (a posting of theirs meeting the posting conditions) — the
  posting is found by the one-active-posting-per-person index;
- the posting-driven shape: Posting rows joined to their person.

Every condition is sargable (ranges and equalities on B-tree columns;
substring matches scan one narrow index). Which index should drive depends
on how many rows match, which only PostgreSQL's statistics know. SQLite
plans without statistics and takes any equality or range as selective, so
for a broad search sorted by another column it would read every match and
sort them. `Columns(noindex=True)` therefore hides, on SQLite only, the
columns other than the sort column behind a unary plus (`+col`, SQLite's
documented way to keep a term from using an index); the sort column's index
then drives and the LIMIT stops the scan early. For the same reason the
"in force" test on SQLite goes through likelihood(…, 0.9): it keeps the
partial indexes on active postings usable without letting the (end_date,
end_reason) index drive a 200,000-row scan.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import ExpressionWrapper

from bianzhi.core.codes import to_halfwidth
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaCategory
from bianzhi.quota.rules import parse_funding

from .models import Person, Posting, PostingEnd
from .values import EDUCATION, IDENTITY, RANK, resolve

ID_ALPHABET = "0123456789X"
INITIALS_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ID_CHARS = re.compile(r"^[0-9]{1,17}[0-9X]?$")
_INITIALS = re.compile(r"^[a-z]{1,20}$")

# Age bands (half-open years [low, high)), as the statistics forms group staff.
AGE_BANDS: dict[str, tuple[int | None, int | None, str]] = {
    "lt35": (None, 35, "35岁以下"),
    "35_45": (35, 45, "35至45岁"),
    "45_55": (45, 55, "45至55岁"),
    "ge55": (55, None, "55岁及以上"),
}


def clean_text(value: Any) -> str:
    return re.sub(r"\s+", "", to_halfwidth(str(value or "")))


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band_range(band: str, day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(born after, born on or before) for an age band at `day`.

    Age ≥ a on `day` ⇔ born on or before day-minus-a-years; age < b ⇔ born
    after day-minus-b-years. Computed once, so the query is a range on the
    indexed certified_birth_date.
    """
    if band not in AGE_BANDS:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "年龄段无效，可选："
            + "、".join(label for _l, _h, label in AGE_BANDS.values()),
            field="age_band",
        )
    low, high, _label = AGE_BANDS[band]
    born_after = years_before(day, high) if high is not None else None
    born_by = years_before(day, low) if low is not None else None
    return born_after, born_by


def upper_bound(prefix: str, alphabet: str) -> str | None:
    """The smallest string of `alphabet` above every string starting with `prefix`.

    Digits, "X" and lowercase letters keep this order in every collation
    (PostgreSQL's C or a language locale, SQLite's binary), so
    `prefix <= x < bound` is an index range on both databases. None when the
    prefix is all top letters ("zz": nothing of the alphabet is above it).
    """
    chars = list(prefix)
    while chars:
        position = alphabet.find(chars.pop())
        if 0 <= position < len(alphabet) - 1:
            return "".join(chars) + alphabet[position + 1]
    return None


def category_code(text: str) -> str:
    """A quota category by code, name or alias (编制类型)."""
    value = clean_text(text)
    for code, name, aliases in QuotaCategory.objects.values_list(
        "code", "name", "aliases"
    ):
        if value in (code, name) or value in (aliases or []):
            return code
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, f"编制类型「{value}」不存在", field="category"
    )


class Plus(Func):
    """SQLite's unary plus: the same value, but no index for this term."""

    template = "+%(expressions)s"


def _likely(condition: Q) -> Any:
    """likelihood(condition, 0.9) on SQLite (see the module docstring)."""
    return Func(
        ExpressionWrapper(condition, output_field=BooleanField()),
        template="likelihood(%(expressions)s, 0.9)",
        output_field=BooleanField(),
    )


class Columns:
    """Column paths under a prefix; hides all but `keep` from SQLite's planner."""

    def __init__(self, prefix: str = "", *, noindex: bool = False, keep=()) -> None:
        self.prefix = prefix
        self.noindex = noindex and connection.vendor == "sqlite"
        self.keep = set(keep)
        self.aliases: dict[str, Any] = {}

    def __call__(self, name: str) -> str:
        path = self.prefix + name
        if not self.noindex or name in self.keep:
            return path
        alias = "nx_" + path.replace("__", "_")
        self.aliases[alias] = Plus(F(path))
        return alias


def _prefix_q(column: str, prefix: str, alphabet: str) -> Q:
    condition = Q(**{f"{column}__gte": prefix})
    bound = upper_bound(prefix, alphabet)
    if bound is not None:
        condition &= Q(**{f"{column}__lt": bound})
    # The residual check keeps the result exact; the range is for the index.
    return condition & Q(**{f"{column}__startswith": prefix})


def id_number_q(text: str, col: Callable[[str], str]) -> Q:
    """Full number, a prefix, or the last 4–6 characters (4–6: prefix or suffix)."""
    value = clean_text(text).upper()
    if not _ID_CHARS.match(value) or len(value) < 4:
        raise ApplicationError(
            ErrorCode.ID_INVALID,
            "公民身份号码查询需输入完整号码、前若干位或末4至6位",
            field="id_number",
        )
    column = col("id_number")
    if len(value) == 18:
        return Q(**{column: value})
    condition = _prefix_q(column, value, ID_ALPHABET)
    if len(value) <= 6:
        # The last digits: no index can serve a suffix, but the scan reads the
        # narrow id_number index only.
        condition |= Q(**{f"{column}__endswith": value})
    return condition


def initials_q(text: str, col: Callable[[str], str]) -> Q:
    value = clean_text(text).lower()
    if not _INITIALS.match(value):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "拼音首字母只能是字母，如“zs”查找张三",
            field="initials",
        )
    return _prefix_q(col("name_pinyin_initials"), value, INITIALS_ALPHABET)


def person_conditions(filters, day: dt.date, col: Columns) -> list[Q]:
    """Conditions on roster_person columns (paths through `col`)."""
    found: list[Q] = []
    quick = clean_text(filters.q)
    if quick:
        if re.fullmatch(r"[0-9]{4,17}[0-9Xx]?", quick):
            found.append(id_number_q(quick, col))
        elif re.fullmatch(r"[A-Za-z]{1,20}", quick):
            found.append(initials_q(quick, col))
        else:
            found.append(Q(**{f"{col('name')}__contains": quick}))
    if filters.name:
        found.append(Q(**{f"{col('name')}__contains": clean_text(filters.name)}))
    if filters.initials:
        found.append(initials_q(filters.initials, col))
    if filters.id_number:
        found.append(id_number_q(filters.id_number, col))
    if filters.identity:
        value = resolve(IDENTITY, filters.identity, field="identity")
        found.append(Q(**{col("identity"): value}))
    if filters.education:
        value = resolve(EDUCATION, filters.education, field="education")
        found.append(Q(**{col("education"): value}))
    if filters.rank:
        found.append(Q(**{col("rank"): resolve(RANK, filters.rank, field="rank")}))
    birth = col("certified_birth_date")
    if filters.age_band:
        born_after, born_by = age_band_range(filters.age_band, day)
        if born_after is not None:
            found.append(Q(**{f"{birth}__gt": born_after}))
        if born_by is not None:
            found.append(Q(**{f"{birth}__lte": born_by}))
    if filters.birth_date is not None:
        found.append(Q(**{birth: filters.birth_date}))
    return found


def has_person_filters(filters) -> bool:
    return bool(
        filters.q
        or filters.name
        or filters.initials
        or filters.id_number
        or filters.identity
        or filters.education
        or filters.rank
        or filters.age_band
        or filters.birth_date is not None
    )


def has_posting_filters(filters) -> bool:
    return bool(
        filters.unit_id is not None
        or filters.unit_name
        or filters.category
        or filters.funding
        or filters.entry_year is not None
    )


def _released_q(day: dt.date | None) -> Q:
    """The last posting of a person who has no posting in force any more."""
    later = Posting.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(start_date__gt=OuterRef("start_date"))
        | Q(start_date=OuterRef("start_date"), id__gt=OuterRef("id"))
    )
    condition = Q(ended_by=PostingEnd.RELEASE, end_date__isnull=False)
    if day is not None:
        later = later.filter(start_date__lte=day)
        condition &= Q(end_date__lte=day)
    return condition & ~Exists(later)


# A scope of at most this many units is selective: its ids are listed and
# may drive the query (unit HR); a wider one (an office) only filters.
NARROW_SCOPE = 30


class Scope:
    """The units a search may show, as the condition the planner should see.

    Three cases: every unit (an office over the whole tree: no condition at
    all, the cheapest); a few units (unit HR: their ids, which may drive the
    query); many (a district office: a subquery that only filters).
    """

    def __init__(self, units: QuerySet[Unit]) -> None:
        self.units = units
        ids = list(units.values_list("pk", flat=True)[: NARROW_SCOPE + 1])
        self.narrow = len(ids) <= NARROW_SCOPE
        self.ids = ids if self.narrow else None
        self.everything = not self.narrow and units.count() == Unit.objects.count()

    ALL: Scope  # every unit (set below the class)

    def condition(self, col: Columns) -> Q:
        if self.narrow:
            return Q(**{f"{col('unit_id')}__in": self.ids})
        if self.everything:
            return Q()
        # Never the driver: hundreds of units select nothing.
        hidden = Columns(col.prefix, noindex=True)
        condition = Q(**{f"{hidden('unit_id')}__in": self.units.values("pk")})
        col.aliases.update(hidden.aliases)
        return condition


class _Everything(Scope):
    def __init__(self) -> None:
        self.units = Unit.objects.all()
        self.narrow, self.ids, self.everything = False, None, True


Scope.ALL = _Everything()


def posting_conditions(
    filters, scope: Scope, col: Columns, *, likely: bool = False, inner: bool = False
) -> list[Any]:
    """Conditions on roster_posting columns (no prefix: Posting is the model).

    `likely`: wrap the in-force test for SQLite's planner (posting-driven).
    `inner`: the conditions go inside a per-person EXISTS.
    """
    if filters.as_of is None:
        current = Q(end_date__isnull=True)
    else:
        # No partial index serves a past date: hidden like any other column
        # when another index should drive.
        day = filters.as_of
        start, end = col("start_date"), col("end_date")
        current = Q(**{f"{start}__lte": day}) & (
            Q(**{f"{end}__isnull": True}) | Q(**{f"{end}__gt": day})
        )
    if likely and connection.vendor == "sqlite" and not filters.include_released:
        found: list[Any] = [_likely(current)]
    elif filters.include_released:
        found = [current | _released_q(filters.as_of)]
    else:
        found = [current]
    found.append(scope.condition(col))
    if filters.unit_id is not None:
        found.append(Q(**{col("unit_id"): filters.unit_id}))
    if filters.unit_name:
        text = clean_text(filters.unit_name)
        if inner:
            # Inside EXISTS a join: SQLite would rebuild an IN (subquery)
            # list for every person.
            found.append(
                Q(**{f"{col('unit__name')}__contains": text})
                | Q(**{f"{col('unit__short_name')}__contains": text})
            )
        else:
            # Outside, the matching units first (a few hundred names), then
            # their postings by the unit index.
            named = Unit.objects.filter(
                Q(name__contains=text) | Q(short_name__contains=text)
            ).values("pk")
            found.append(Q(**{f"{col('unit_id')}__in": named}))
    if filters.category:
        found.append(
            Q(**{col("account__category_id"): category_code(filters.category)})
        )
    if filters.funding:
        found.append(Q(**{col("account__funding"): parse_funding(filters.funding)}))
    if filters.entry_year is not None:
        year = filters.entry_year
        if not 1900 <= year <= 2200:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "进入本单位年份无效", field="entry_year"
            )
        entered = col("entered_unit_on")
        found.append(
            Q(
                **{
                    f"{entered}__gte": dt.date(year, 1, 1),
                    f"{entered}__lt": dt.date(year + 1, 1, 1),
                }
            )
        )
    return found


def _apply(qs: QuerySet, conditions: list, *columns: Columns) -> QuerySet:
    aliases: dict[str, Any] = {}
    for c in columns:
        aliases.update(c.aliases)
    if aliases:
        qs = qs.alias(**aliases)
    for condition in conditions:
        qs = qs.filter(condition)
    return qs


def person_driven(
    filters, scope: Scope, day: dt.date, *, noindex=False, keep=()
) -> QuerySet[Person]:
    """Persons meeting the person conditions with a posting meeting the rest.

    The posting is looked up by person (the one-active-posting index); every
    other posting column is hidden from SQLite's planner inside EXISTS.
    """
    col = Columns(noindex=noindex, keep=keep)
    people = person_conditions(filters, day, col)
    inner = Columns(noindex=True, keep={"person_id"})
    postings = Posting.objects.filter(person_id=OuterRef("pk"))
    wide = not scope.narrow and not scope.everything
    conditions = posting_conditions(
        filters, Scope.ALL if wide else scope, inner, inner=True
    )
    postings = _apply(postings, conditions, inner)
    if not wide:
        return _apply(Person.objects.order_by(), [*people, Exists(postings)], col)
    # A district's units: test the posting's unit against them out here, where
    # SQLite builds the list once (inside EXISTS it would rebuild it per row).
    qs = Person.objects.order_by().alias(
        search_unit=Subquery(postings.values("unit_id")[:1])
    )
    return _apply(qs, [*people, Q(search_unit__in=scope.units.values("pk"))], col)


def posting_driven(
    filters, scope: Scope, day: dt.date, *, noindex=False, keep=()
) -> QuerySet[Posting]:
    """Postings meeting the posting conditions, joined to persons meeting theirs."""
    posting_col = Columns(noindex=noindex, keep=keep)
    person_col = Columns("person__", noindex=noindex, keep=keep)
    conditions = posting_conditions(filters, scope, posting_col, likely=True)
    conditions += person_conditions(filters, day, person_col)
    return _apply(Posting.objects.order_by(), conditions, posting_col, person_col)


def rows_of(
    filters, scope: Scope, *, posting_ids=None, person_ids=None
) -> QuerySet[Posting]:
    """The postings a search shows for these ids (one per person)."""
    if posting_ids is not None:
        return Posting.objects.filter(pk__in=list(posting_ids)).order_by()
    col = Columns(noindex=True, keep={"person_id"})
    qs = Posting.objects.filter(person_id__in=list(person_ids or [])).order_by()
    return _apply(qs, posting_conditions(filters, scope, col, likely=True), col)
