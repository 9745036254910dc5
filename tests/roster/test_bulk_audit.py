"""roster.bulk_audit: the fast encoding of a load's audit events is byte for
byte core.audit's canonical form, the stored records read back as the same
value (and open as roster.history's text search expects), and whatever
orjson would write differently takes audit's own path."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.roster.bulk_audit import EventEncoder
from bianzhi.roster.bulk_write import record_many
from bianzhi.roster.history import _needle

NOW = dt.datetime(2026, 3, 1, 8, 30, 15, 123456, tzinfo=dt.UTC)
FIXED = dict(
    occurred_at=NOW,
    actor_id=7,
    actor_name="张三\ttab",
    role="office",
    scope="示例市",
    operation="person_enroll",
    doc_no="初始化导入",
    client_addr="127.0.0.1",
    batch_id="b" * 32,
)
TRICKY = '\x00\x01\x1f\x7f\u2028\u2029 "\\/ 𠀀 生僻字 \t\n\r\b\f é'
STORABLE = TRICKY.replace("\x00", "")  # jsonb refuses NUL, whoever writes it


def encoder(vendor: str = "sqlite", native: bool = True) -> EventEncoder:
    return EventEncoder(**FIXED, vendor=vendor, native=native)


def reference(seq, summary, records) -> bytes:
    values = list(FIXED.values())
    return audit._canonical_of(seq, *values, summary, records).encode()


def change(model, pk, before, after) -> dict:
    return {"model": model, "pk": pk, "before": before, "after": after}


RECORDS = [
    change("roster.Person", 5, None, {"id": 5, "name": TRICKY, "rank": ""}),
    change("roster.Posting", 9, None, {"person": 5, "end_date": None, "b": True}),
    change("quota.QuotaAccount", 3, {"occupied": 1}, {"occupied": 2, "x": [1, -2]}),
]


def test_canonical_bytes_equal_audit_and_stored_text_reads_back():
    enc = encoder()
    assert enc.template is not None
    canonical, stored = enc.canonical(12, "入编 " + TRICKY, RECORDS)
    assert canonical == reference(12, "入编 " + TRICKY, RECORDS)
    assert json.loads(stored) == RECORDS
    assert stored.startswith("[" + _needle("roster.Person", 5))
    assert _needle("quota.QuotaAccount", 3) in stored


def test_postgres_storage_is_the_sorted_records():
    enc = encoder("postgresql")
    canonical, stored = enc.canonical(1, "s", RECORDS)
    assert canonical == reference(1, "s", RECORDS)
    assert json.loads(stored.obj) == RECORDS


@pytest.mark.parametrize(
    "records",
    [
        [change("m", 1, None, {"n": 2**70})],  # beyond 64 bits
        [change("m", 1, None, {"n": "\ud800"})],  # a lone surrogate
        [change("m", 1, None, {1: "int key"})],
        [{"model": "m", "pk": "not-int", "after": 1}],
    ],
)
def test_what_orjson_refuses_or_writes_otherwise_takes_audits_path(records):
    enc = encoder()
    try:
        expected = reference(3, "s", records)
    except (TypeError, ValueError):
        with pytest.raises((TypeError, ValueError)):
            enc.canonical(3, "s", records)
        return
    canonical, _stored = enc.canonical(3, "s", records)
    assert canonical == expected


def test_not_native_never_uses_orjson():
    enc = encoder(native=False)
    records = [change("m", 1, None, {"f": 1e-7, "g": 1e16})]
    canonical, stored = enc.canonical(4, "s", records)
    assert enc.template is None and stored is None
    assert canonical == reference(4, "s", records)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(summary=st.text(max_size=40), after=json_values, pk=st.integers(0, 10**12))
def test_any_native_value_encodes_as_audit_does(summary, after, pk):
    records = [change("roster.Person", pk, None, after)]
    try:
        expected = reference(pk + 1, summary, records)
    except (TypeError, ValueError):
        return
    for vendor in ("sqlite", "postgresql"):
        canonical, stored = encoder(vendor).canonical(pk + 1, summary, records)
        assert canonical == expected
        text = stored if vendor == "sqlite" else stored.obj
        if text is not None:
            assert json.loads(text) == records


@pytest.mark.django_db
def test_record_many_chain_verifies_and_history_finds_the_event():
    actor = Actor.system("测试")
    events = [
        ([change("roster.Person", n, None, {"id": n, "name": STORABLE})], f"第{n}条")
        for n in range(1, 6)
    ]
    with transaction.atomic():
        written = record_many(
            actor=actor, operation="person_enroll", events=events, native=True
        )
    assert written == 5
    assert audit.verify_chain().ok
    stored = AuditEvent.objects.order_by("seq").last()
    assert stored.records == events[-1][0]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM core_auditevent WHERE instr(records, %s) > 0",
                [_needle("roster.Person", 3)],
            )
            assert cursor.fetchone()[0] == 1
