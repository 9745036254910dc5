"""The rows a load creates, as plain values (roster.bulk).

A city's load makes 200,000 persons and 200,000 postings. Building a Django
model instance for each (Model.__init__, then reading every field back to
insert it and to snapshot it for the audit) cost more than the rules that
decide the rows (bench/import_roster.py). Here a new person is its
attname → value dict — what Person(**fields).__dict__ would hold — and a
posting is the few values that differ between the rows of a load over a
template of the rest. The same dicts feed the INSERT (bulk_write.ValueRows,
prepared as the ORM prepares them) and the audit snapshots, which equal
audit.snapshot of the instance the single path saves
(tests/roster/test_bulk.py compares the end states and the chain).

Validation is unchanged: a new person's values go through FastClean, and
through the model's full_clean (on a real instance) whenever FastClean
cannot prove them valid; the first posting of a load is full_clean'ed as an
instance, and the others differ from it only in values the rules produced
(resource, flag, entry date) and the related ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bianzhi.core import audit

from .bulk_write import FastClean
from .models import Person, Posting

# Person's insert columns (core.fastsql's order, which ValueRows follows):
# a new person is kept as a tuple in this order — a city's 200,000 of them
# take a fifth of the memory dicts would.
_ORDER = [f.attname for f in Person._meta.concrete_fields if not f.primary_key]
_AT = {attname: index for index, attname in enumerate(_ORDER)}


@dataclass(slots=True)
class NewPerson:
    """A person the load creates: its values in _ORDER, and its pk once
    inserted."""

    row: tuple
    pk: int | None = None

    # What the rules and the audit summary read of a person.
    @property
    def id_number(self) -> str:
        return self.row[_AT["id_number"]]

    @property
    def name(self) -> str:
        return self.row[_AT["name"]]

    @property
    def identity(self) -> str:
        return self.row[_AT["identity"]]

    @property
    def gender(self) -> str:
        return self.row[_AT["gender"]]

    @property
    def certified_birth_date(self) -> dt.date:
        return self.row[_AT["certified_birth_date"]]

    @property
    def post_type(self) -> str:
        return self.row[_AT["post_type"]]


def _fields_of(instance) -> dict:
    return {k: v for k, v in instance.__dict__.items() if k != "_state"}


class PersonRows:
    """New persons as values: validated, inserted, snapshotted."""

    def __init__(self) -> None:
        self.defaults = _fields_of(Person())
        self.clean = FastClean(Person)
        pk = Person._meta.pk.attname
        # (snapshot key, position in the row or None for the pk)
        self.snapshot_fields = [
            (name, None if attname == pk else _AT[attname])
            for name, attname in audit._snapshot_fields(Person)
        ]

    def new(self, fields: dict) -> NewPerson:
        """Person(**fields), validated as services_common.save validates it."""
        values = {**self.defaults, **fields}
        self.clean.values(values, lambda: Person(**fields))
        return NewPerson(tuple(values[attname] for attname in _ORDER))

    def adopt(self, person: NewPerson, pk: int) -> None:
        person.pk = pk

    def snapshot(self, person: NewPerson) -> dict:
        """audit.snapshot of the saved Person."""
        row, plain = person.row, audit._plain
        return {
            name: person.pk if at is None else plain(row[at])
            for name, at in self.snapshot_fields
        }


# The posting values that differ between the rows of one load.
_VARYING = (
    "person_id",
    "account_id",
    "unit_id",
    "entered_unit_on",
    "intake_resource",
    "flagged_past_retirement",
)


class PostingRows:
    """The load's postings: one template (the values every posting of the load
    shares, from a real Posting instance) and the _VARYING values of each."""

    def __init__(self, sample: Posting) -> None:
        self.defaults = _fields_of(sample)
        self.snap = audit.snapshot(sample)
        by_attname = {
            attname: name for name, attname in audit._snapshot_fields(Posting)
        }
        self.names = [by_attname[attname] for attname in _VARYING]
        self.pk_name = by_attname[Posting._meta.pk.attname]

    def values(self, varying: tuple) -> dict:
        out = dict(self.defaults)
        out.update(zip(_VARYING, varying, strict=True))
        return out

    def snapshot(self, pk: int, varying: tuple) -> dict:
        """audit.snapshot of the saved Posting."""
        plain = audit._plain
        out = dict(self.snap)
        out[self.pk_name] = pk
        for name, value in zip(self.names, varying, strict=True):
            out[name] = plain(value)
        return out
