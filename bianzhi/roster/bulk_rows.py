"""Parsing of the bulk path's rows (roster.bulk): the checks person_enroll
makes before its transaction, per row and without the database, and the
update of an existing unposted person as services_intake.upsert_person
makes it. RowParser lets an import run them while it reads its file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota.models import QuotaCategory

from . import rules
from .models import Person
from .services_common import (
    FREE_FIELDS,
    PersonInput,
    check_locked_fields_agree,
    check_post_type,
    optional_date,
    parse_funding,
    parse_person,
    pk_of,
)


@dataclass(slots=True)
class ParsedRow:
    index: int
    unit_id: int | None
    category: QuotaCategory
    funding: str
    entered: dt.date
    data: PersonInput


def categories() -> tuple[dict[str, QuotaCategory], dict[str, QuotaCategory]]:
    by_code, by_name = {}, {}
    for category in QuotaCategory.objects.order_by("pk"):
        by_code[category.pk] = category
        by_name.setdefault(category.name, category)
    return by_code, by_name


def _resolve_category(value, by_code, by_name) -> QuotaCategory:
    """quota.selectors.resolve_category on preloaded rows."""
    if isinstance(value, QuotaCategory):
        return value
    text = str(value or "").strip()
    found = by_code.get(text) or by_name.get(text)
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"编制类型「{text}」不存在", field="category"
        )
    return found


class RowParser:
    """bulk_enroll's parsing of one row, usable ahead of it: an import parses
    each row while reading the file and hands bulk_enroll the parsed rows, so
    a city's file is never held as dicts and as parsed rows at once. Make it
    with the start_date and today that bulk_enroll will be given."""

    def __init__(self, *, start_date: dt.date, today: dt.date) -> None:
        self.start_date, self.today = start_date, today
        self.cats = categories()
        self.given: dict[frozenset, frozenset] = {}

    def __call__(self, row: dict) -> ParsedRow:
        """The parsed row, or the ApplicationError bulk_enroll would refuse it
        with. bulk_enroll consumes it (drops its person data once taken)."""
        parsed = parse_row(
            0, row, start_date=self.start_date, today=self.today, cats=self.cats
        )
        # Compact for a long stay in memory: the identity check is not used
        # after parsing, and the set of given keys is the same for most rows.
        data = parsed.data
        data.check = None  # type: ignore[assignment]
        given = frozenset(data.given)
        data.given = self.given.setdefault(given, given)  # type: ignore[assignment]
        return parsed


def parse_row(index: int, row: dict, *, start_date, today, cats) -> ParsedRow:
    """The checks person_enroll makes before its transaction, in its order."""
    if not isinstance(row, dict):
        raise ApplicationError(ErrorCode.VALUE_INVALID, "数据行格式无效")
    unit_id = pk_of(row.get("unit"))
    entered = (
        optional_date(row.get("entered_unit_on"), field="entered_unit_on") or start_date
    )
    if entered > start_date:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"进入本单位时间{entered}不能晚于入编日期{start_date}",
            field="entered_unit_on",
        )
    data = parse_person(row.get("person"), today=today)
    category = _resolve_category(row.get("category"), *cats)
    funding = parse_funding(row.get("funding"))
    return ParsedRow(index, unit_id, category, funding, entered, data)


def updated_person(person: Person, data: PersonInput) -> Person:
    """services_intake.upsert_person on an existing, unposted person (a copy)."""
    fields = data.fields
    check_locked_fields_agree(person, data)
    copy = Person(
        **{f.attname: getattr(person, f.attname) for f in Person._meta.fields}
    )
    copy._state.adding = False
    copy.identity = fields["identity"]
    for key in FREE_FIELDS:
        if key in data.given:
            setattr(copy, key, fields[key])
    check_post_type(copy.identity, copy.post_type)
    rules.rank_fits(copy.identity, copy.post_type, copy.rank)
    return copy
