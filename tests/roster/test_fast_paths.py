"""The hot write paths' shortcuts (core.fastsql, audit.snapshot, audit's
_plain) give exactly what the ORM and json round trips give, on rows written
by the real services; and the number of statements an enrollment and a
movement take stays bounded (query counts, not timings)."""

# Fixtures are imported and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import decimal
import uuid

import pytest
from django.apps import apps
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from bianzhi.core import audit, fastsql
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaAccount, QuotaMovement
from bianzhi.roster import services
from bianzhi.roster.models import Person, Posting
from tests.roster.helpers import permit_for

from .helpers import (
    DOC,
    OFFICE,
    TODAY,
    appoint,
    city,  # noqa: F401
    enroll,
    person_data,
    providers,  # noqa: F401
    release,
    set_leader_posts,
    units,  # noqa: F401
)

pytestmark = pytest.mark.django_db


def orm_snapshot(instance, fields=None) -> dict:
    """audit.snapshot as it was first written: model_to_dict, FK ids, JSON round trip."""
    data = model_to_dict(instance, fields=list(fields) if fields else None)
    for field in instance._meta.concrete_fields:
        if field.is_relation and (fields is None or field.name in fields):
            data[field.name] = getattr(instance, field.attname)
    return audit.jsonable(data)


@pytest.fixture
def history(units):
    """Rows of every kind the roster and ledger services write."""
    bureau, other = units["bureau"], units["other"]
    set_leader_posts(bureau, 1)
    first = enroll(bureau, person_data(1))
    second = enroll(bureau, person_data(2, female=True, name="赵女"))
    appoint(first)
    release(second, "辞职")
    services.person_transfer(
        actor=OFFICE,
        person=first.person,
        to_unit=other,
        category="administrative",
        funding="full",
        start_date=TODAY,
        doc_no=DOC,
        today=TODAY,
        permit=permit_for(other, channel="transfer_in"),
    )
    quota.quota_transfer(
        actor=OFFICE,
        source_unit=other,
        target_unit=bureau,
        category="administrative",
        funding="full",
        amount=1,
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    return [first, second]


def _rows():
    for model in apps.get_models():
        if model.__module__.startswith("bianzhi."):
            yield from model.objects.all()[:50]


def test_snapshot_equals_model_to_dict_round_trip(history):
    checked = 0
    for instance in [*_rows(), *history]:
        expected, got = orm_snapshot(instance), audit.snapshot(instance)
        assert got == expected and list(got) == list(expected), type(instance)
        checked += 1
    posting = history[0]
    assert audit.snapshot(posting, ["end_date", "unit"]) == orm_snapshot(
        posting, ["end_date", "unit"]
    )
    assert checked > 40


def test_in_memory_instances_with_choices_members(history):
    # Services assign TextChoices members and dates before saving.
    posting = Posting(
        person_id=1,
        account_id=1,
        unit_id=1,
        start_date=dt.date(2026, 1, 2),
        move_kind=Posting._meta.get_field("move_kind").choices[0][0],
        channel="exam_recruitment",
        entered_unit_on=dt.date(2026, 1, 2),
    )
    from bianzhi.roster.models import IntakeResource, MoveKind

    posting.move_kind, posting.intake_resource = (
        MoveKind.ENROLL,
        IntakeResource("vacancy"),
    )
    assert audit.snapshot(posting) == orm_snapshot(posting)
    assert type(audit.snapshot(posting)["move_kind"]) is str


@pytest.mark.parametrize(
    "value",
    [
        [{"a": 1, "b": [1.5, None, True, "字"]}],
        {"n": -0.0, "big": 2**70},
        [dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)],
        {1: "int key"},
        ("tuple", 1),
        [decimal.Decimal("1.50"), uuid.UUID(int=5)],
        {"nested": {"k": (1, 2)}},
    ],
)
def test_plain_equals_jsonable(value):
    assert audit._plain(value) == audit.jsonable(value)


def test_fastsql_reads_what_the_orm_reads(history):
    for model in (Person, Posting, QuotaAccount, QuotaMovement):
        by_orm = {o.pk: o for o in model.objects.all()}
        fast = fastsql.select(model, "1 = 1", [], order_by="id")
        assert [o.pk for o in fast] == sorted(by_orm)
        for instance in fast:
            orm = by_orm[instance.pk]
            for field in model._meta.concrete_fields:
                a, b = getattr(instance, field.attname), getattr(orm, field.attname)
                assert a == b and type(a) is type(b), (model, field.attname)
            assert not instance._state.adding


def test_fastsql_parameters_equal_the_orm_preparation(history):
    skip = {"created_at", "updated_at", "recorded_at"}  # now() at each call
    for instance in [*_rows(), *history]:
        shape = fastsql.shape(type(instance))
        if not shape.auto_pk:
            continue
        fast = fastsql._params(shape, instance, connection)
        for field, a in zip(shape.insert_fields, fast, strict=True):
            if field.attname in skip:
                continue
            b = field.get_db_prep_save(field.pre_save(instance, True), connection)
            if hasattr(a, "obj"):  # psycopg's Jsonb wrapper has no __eq__
                a, b = a.obj, b.obj
            assert a == b and type(a) is type(b), (type(instance), field.attname)


def test_update_returning_converts_dates(history):
    account = QuotaAccount.objects.filter(unit__isnull=False).first()
    day = dt.date(2026, 3, 4)
    (row,) = fastsql.update(
        QuotaAccount,
        "over_since = %s",
        "id = %s",
        [fastsql.prep(QuotaAccount, "over_since", day), account.pk],
        returning=("over_since", "occupied"),
    )
    assert row == {"over_since": day, "occupied": account.occupied}
    assert fastsql.update(QuotaAccount, "occupied = occupied", "id = %s", [-1]) == 0


def test_enrollment_and_movement_statement_counts(units):
    bureau, other = units["bureau"], units["other"]
    enroll(bureau, person_data(1))
    with CaptureQueriesContext(connection) as new_person:
        # A channel without a permit: the permit hook's own statements (find,
        # consume) are not the enrollment's fast path.
        enroll(bureau, person_data(2), channel="军转干部安置")
    with CaptureQueriesContext(connection) as movement:
        quota.quota_transfer(
            actor=OFFICE,
            source_unit=bureau,
            target_unit=other,
            category="administrative",
            funding="full",
            amount=1,
            doc_no=DOC,
            effective_date=TODAY,
            today=TODAY,
        )
    # A new person's enrollment: category; person insert; unit and account
    # locks; posting insert; counter UPDATE; off-quota lookup; audit head lock,
    # event insert, head update (one round trip with the insert on PostgreSQL).
    # Before the fast paths: 22. A movement: category; unit and account
    # locks; movement insert; one UPDATE of both counters; entries; the audit three.
    writes = [q for q in new_person.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(writes) <= 10, [q["sql"][:60] for q in writes]
    moves = [q for q in movement.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(moves) <= 9, [q["sql"][:60] for q in moves]


def test_one_update_for_all_legs_keeps_each_guard(units):
    # The legs' counters move in one UPDATE; a debit whose guard no longer
    # holds (here: approved changed behind a stale read) refuses the whole
    # movement with QUOTA_NEGATIVE naming that account, as one UPDATE per leg did.
    from django.db import transaction

    from bianzhi.core.errors import ApplicationError, ErrorCode
    from bianzhi.quota import ledger_accounts, ledger_counters

    bureau = QuotaAccount.objects.get(
        unit=units["bureau"], category_id="administrative"
    )
    other = QuotaAccount.objects.get(unit=units["other"], category_id="administrative")
    ledger_accounts.attach([bureau, other])
    start = other.approved
    movement = QuotaMovement(reform=False, effective_date=TODAY, doc_no=DOC)
    QuotaAccount.objects.filter(pk=bureau.pk).update(approved=0)
    with pytest.raises(ApplicationError) as info, transaction.atomic():
        ledger_counters.update_counters(
            sorted([(bureau, -1), (other, 1)], key=lambda leg: leg[0].pk), movement
        )
    assert info.value.code == ErrorCode.QUOTA_NEGATIVE
    assert "示例市财政局" in info.value.message
    assert QuotaAccount.objects.get(pk=other.pk).approved == start
    QuotaAccount.objects.filter(pk=bureau.pk).update(approved=5)
    with transaction.atomic():
        ledger_counters.update_counters(
            sorted([(bureau, -2), (other, 2)], key=lambda leg: leg[0].pk), movement
        )
    assert QuotaAccount.objects.get(pk=bureau.pk).approved == 3
    assert QuotaAccount.objects.get(pk=other.pk).approved == start + 2 == other.approved
