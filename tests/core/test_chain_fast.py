"""core.chain: the fast verifier reports exactly what a single pass reports —
in parallel processes (ranges joined in seq order) and with the orjson
serialization (used only when its HMAC matches)."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from bianzhi.core import audit, chain
from bianzhi.core.keys import audit_key
from bianzhi.core.models import AuditEvent

from .test_audit import OFFICE, append, raw_update_records

# Parallel runs need committed rows (forked workers read them on their own
# connections) and no surrounding transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def parallel(monkeypatch):
    """Verify even a short chain in ranges of a few events, in 2 processes."""
    monkeypatch.setattr(chain, "PARALLEL_MIN_EVENTS", 1)
    return lambda checkpoint=None: audit.verify_chain(checkpoint, workers=2)


def both(parallel, checkpoint=None):
    single, split = audit.verify_chain(checkpoint), parallel(checkpoint)
    assert (split.ok, split.head_seq, split.problems) == (
        single.ok,
        single.head_seq,
        single.problems,
    )
    return split


def test_keyed_hmac_equals_audit_digest():
    key = audit_key()
    for alg in ("hmac-sha256", audit._preferred_alg()):
        assert chain._hmac_hex(alg, key, "ab", "字".encode()) == audit._digest(
            alg, key, "ab", "字"
        )


def test_ranges_cover_the_seq_span_with_open_ends():
    assert chain.split(1, 10, 4) == [(None, 2), (3, 4), (5, 6), (7, None)]
    assert chain.split(5, 6, 4) == [(None, 5), (6, None)]
    assert chain.split(1, 1, 4) == [(None, None)]


def test_parallel_verifies_a_good_chain(parallel):
    append(13)
    report = both(parallel)
    assert report.ok and report.checked == 13 and report.head_seq == 13


def test_tampered_event_in_a_later_range(parallel):
    append(13)
    raw_update_records(11, [{"model": "test.thing", "pk": 1, "after": {"n": 99}}])
    report = both(parallel)
    assert report.problems[0]["code"] == "AUDIT_TAMPERED"
    assert report.first_bad_seq == 11


@pytest.mark.parametrize("deleted", [1, 4, 7, 8, 12])
def test_deleted_event_anywhere_is_the_same_gap(parallel, deleted):
    # 13 events in 4 ranges of 3: 4 and 7 start a range, 12 is inside the last.
    append(13)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [deleted])
    report = both(parallel)
    assert report.problems[0]["code"] == "AUDIT_GAP"
    assert report.first_bad_seq == deleted


def test_first_event_of_a_range_relinked_is_tampering(parallel):
    # A valid-looking event whose prev_hash does not name the event before it.
    append(13)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_auditevent SET prev_hash = %s WHERE seq = 7", ["0" * 64]
        )
    report = both(parallel)
    assert report.problems[0]["code"] == "AUDIT_TAMPERED"
    assert report.first_bad_seq == 7


def test_tail_deleted_and_checkpoints(parallel):
    append(10)
    checkpoint = audit.load_checkpoint(audit.make_checkpoint())
    append(3)
    assert both(parallel, checkpoint).ok
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE seq > 9")
        cursor.execute(
            "UPDATE core_audithead SET seq = 9, hash = "
            "(SELECT hash FROM core_auditevent WHERE seq = 9) WHERE id = 1"
        )
    report = both(parallel, checkpoint)
    assert report.problems[0]["code"] == "AUDIT_TAIL_DELETED"


def test_checkpoint_mismatch_inside_a_range(parallel):
    append(13)
    checkpoint = {"seq": 8, "hash": "f" * 64}
    report = both(parallel, checkpoint)
    assert report.problems[0]["code"] == "AUDIT_CHECKPOINT_MISMATCH"
    assert report.first_bad_seq == 8


def test_inside_a_transaction_one_process(parallel):
    append(5)
    with transaction.atomic():
        assert chain._ranges(2) == [(None, None)]
        assert parallel().ok


def _one(records) -> None:
    with transaction.atomic():
        audit.record(actor=OFFICE, operation="values", records=records)


def test_values_orjson_writes_differently_still_verify(parallel):
    # orjson and json.dumps differ on these (1e-07, big integers): the
    # json.dumps form decides, so they verify like any other event.
    _one([{"small": 1e-07, "big": 2**70, "text": "生僻字𠀀\u2028\x1f"}])
    append(2)
    assert both(parallel).ok


def _row(event, raw: str) -> list:
    return [
        event.seq,
        event.occurred_at,
        event.actor_id,
        event.actor_name,
        event.role,
        event.scope,
        event.operation,
        event.doc_no,
        event.client_addr,
        event.batch_id,
        event.summary,
        raw,
        event.hash_alg,
        event.prev_hash,
        event.hash,
    ]


@pytest.mark.parametrize(
    "signed, stored",
    [
        # json reads NaN / infinities; orjson would write them as null.
        ([None], "[NaN]"),
        ([None], "[Infinity]"),
        ([None], "[-Infinity]"),
        ([None], "[1e400]"),
        # orjson reads integers beyond 64 bits as floats; json keeps them exact.
        ([1e30], "[1000000000000000019884624838656]"),
        ([-9.223372036854776e18], "[-9223372036854775809]"),
    ],
)
def test_fast_path_never_accepts_what_json_reads_differently(signed, stored):
    with transaction.atomic():
        event = audit.record(actor=OFFICE, operation="x", records=signed)
    key = audit_key()
    assert chain._hash_matches(_row(event, json.dumps(signed)), key)
    # What a reader would see instead (types compared too: 10**30 == 1e30).
    assert json.dumps(json.loads(stored)) != json.dumps(signed)
    assert not chain._hash_matches(_row(event, stored), key)


def test_rows_convert_like_the_orm():
    append(3)
    for row, event in zip(
        chain.rows(), AuditEvent.objects.order_by("seq"), strict=True
    ):
        assert row[1] == event.occurred_at and row[1].tzinfo is not None
        assert json.loads(row[11]) == event.records
        assert row[1].astimezone(dt.UTC).isoformat() in audit._canonical(event)


def _cli(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def test_check_and_audit_verify_commands_in_parallel(parallel):
    # `bianzhi check` verifies the chain in workers beside the domain checks;
    # `bianzhi audit verify` in workers too: the same findings as one pass.
    append(13)
    assert _cli("bianzhi_check", "--json")[0] == 0
    code, out = _cli("bianzhi_audit", "verify", "--json")
    assert code == 0 and json.loads(out)["checked"] == 13
    raw_update_records(11, [{"model": "test.thing", "pk": 1, "after": {"n": 99}}])
    code, out = _cli("bianzhi_check", "--json")
    found = json.loads(out)
    assert code == 1 and found["problems"][0]["object"] == "AuditEvent:11"
    assert found["problems"][0]["code"] == "AUDIT_TAMPERED"
    code, out = _cli("bianzhi_audit", "verify", "--json")
    assert code == 1 and json.loads(out)["first_bad_seq"] == 11
