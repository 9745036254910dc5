"""The keyed audit chain (DOMAIN §3.6): append, verify, tampering, checkpoints."""

import json
import secrets
import threading

import pytest
from django.db import connection, transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent, AuditHead

OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")


def append(n: int = 1, *, operation: str = "test_op") -> list[AuditEvent]:
    events = []
    for i in range(n):
        with transaction.atomic():
            events.append(
                audit.record(
                    actor=OFFICE,
                    operation=operation,
                    records=[
                        {
                            "model": "test.thing",
                            "pk": i,
                            "before": None,
                            "after": {"n": i},
                        }
                    ],
                    doc_no="济编〔2024〕12号",
                    summary=f"第{i}次",
                )
            )
    return events


def raw_update_records(seq: int, records: list) -> None:
    cast = "::jsonb" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE core_auditevent SET records = %s{cast} WHERE seq = %s",
            [json.dumps(records), seq],
        )


def raw_delete_tail_and_fix_head() -> None:
    """What someone with only database access would do to hide the last event."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(seq) FROM core_auditevent")
        (last,) = cursor.fetchone()
        cursor.execute("DELETE FROM core_auditevent WHERE seq = %s", [last])
        cursor.execute("SELECT hash FROM core_auditevent WHERE seq = %s", [last - 1])
        (prev_hash,) = cursor.fetchone()
        cursor.execute(
            "UPDATE core_audithead SET seq = %s, hash = %s WHERE id = 1",
            [last - 1, prev_hash],
        )


@pytest.mark.django_db
class TestChain:
    def test_appended_events_verify(self):
        events = append(3)
        assert [e.seq for e in events] == [1, 2, 3]
        assert events[1].prev_hash == events[0].hash
        report = audit.verify_chain()
        assert report.ok, report.problems
        assert (report.head_seq, report.checked) == (3, 3)
        assert AuditHead.objects.get(pk=1).hash == events[-1].hash

    def test_empty_chain_verifies(self):
        report = audit.verify_chain()
        assert report.ok and report.checked == 0

    def test_event_keeps_actor_doc_no_and_client_address(self):
        from bianzhi.core.context import acting_from

        with acting_from("10.1.2.3"):
            (event,) = append(1)
        event.refresh_from_db()
        assert (event.actor_id, event.actor_name, event.role, event.scope) == (
            1,
            "张三",
            "office_admin",
            "region:990100",
        )
        assert event.doc_no == "济编〔2024〕12号"
        assert event.client_addr == "10.1.2.3"
        assert event.hash_alg in {"hmac-sm3", "hmac-sha256"}

    def test_tampered_records_name_the_event(self):
        append(4)
        raw_update_records(2, [{"model": "test.thing", "pk": 1, "after": {"n": 99}}])
        report = audit.verify_chain()
        assert not report.ok
        assert report.first_bad_seq == 2
        assert report.problems[0]["code"] == "AUDIT_TAMPERED"
        assert "第2号" in report.problems[0]["message"]

    def test_tampered_summary_detected(self):
        append(3)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE core_auditevent SET actor_name = '王五' WHERE seq = 3"
            )
        assert audit.verify_chain().first_bad_seq == 3

    def test_deleted_middle_event_is_a_gap(self):
        append(3)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE seq = 2")
        report = audit.verify_chain()
        assert report.problems[0]["code"] == "AUDIT_GAP"
        assert report.first_bad_seq == 2

    def test_deleted_tail_without_head_fix_is_detected_by_the_head(self):
        append(3)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditevent WHERE seq = 3")
        report = audit.verify_chain()
        assert report.problems[0]["code"] == "AUDIT_HEAD_MISMATCH"

    def test_deleted_head_row_is_detected(self):
        append(2)
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_audithead")
        assert audit.verify_chain().problems[0]["code"] == "AUDIT_HEAD_MISMATCH"

    def test_deleted_tail_with_head_fixed_needs_a_checkpoint(self):
        append(3)
        checkpoint = audit.load_checkpoint(audit.make_checkpoint())
        assert checkpoint["seq"] == 3
        raw_delete_tail_and_fix_head()
        # The chain alone cannot tell: this is what checkpoints are for.
        assert audit.verify_chain().ok
        report = audit.verify_chain(checkpoint)
        assert not report.ok
        assert report.problems[0]["code"] == "AUDIT_TAIL_DELETED"
        assert "第3号" in report.problems[0]["message"]

    def test_checkpoint_verifies_a_longer_chain(self):
        append(2)
        checkpoint = audit.load_checkpoint(audit.make_checkpoint())
        append(2)
        assert audit.verify_chain(checkpoint).ok

    def test_checkpoint_of_the_empty_chain(self):
        checkpoint = audit.load_checkpoint(audit.make_checkpoint())
        assert checkpoint["seq"] == 0
        assert audit.verify_chain(checkpoint).ok
        append(2)
        assert audit.verify_chain(checkpoint).ok

    def test_rewritten_chain_disagrees_with_checkpoint(self):
        # Even someone holding the HMAC key cannot rewrite history past a
        # checkpoint that was exported before.
        append(3)
        checkpoint = audit.load_checkpoint(audit.make_checkpoint())
        key, prev = audit.audit_key(), audit.GENESIS
        for event in AuditEvent.objects.order_by("seq"):
            if event.seq == 2:
                event.summary = "改写"
            event.prev_hash = prev
            event.hash = audit._digest(
                event.hash_alg, key, prev, audit._canonical(event)
            )
            event.save()
            prev = event.hash
        AuditHead.objects.filter(pk=1).update(hash=prev)
        assert audit.verify_chain().ok
        report = audit.verify_chain(checkpoint)
        assert report.problems[0]["code"] == "AUDIT_CHECKPOINT_MISMATCH"

    @pytest.mark.parametrize("field", ["seq", "hash", "created_at", "signature"])
    def test_checkpoint_with_one_changed_character_refused(self, field, tmp_path):
        append(12)
        path = tmp_path / "checkpoint.json"
        path.write_text(json.dumps(audit.make_checkpoint()))
        assert audit.load_checkpoint(json.loads(path.read_text()))["seq"] == 12
        text = path.read_text()
        # Change one character inside the field's value.
        offset = 0 if field == "seq" else 2  # past the opening quote
        start = text.index(f'"{field}": ') + len(f'"{field}": ') + offset
        original = text[start]
        replacement = "3" if original != "3" else "4"
        if field == "signature":  # base64: stay inside the alphabet
            replacement = "Q" if original != "Q" else "R"
        path.write_text(text[:start] + replacement + text[start + 1 :])
        json.loads(path.read_text())  # still well-formed: the signature refuses it
        with pytest.raises(ValueError):
            audit.load_checkpoint(json.loads(path.read_text()))

    def test_hmac_key_lives_outside_the_database(self, monkeypatch):
        append(3)
        assert audit.verify_chain().ok
        monkeypatch.setenv("BIANZHI_AUDIT_KEY", secrets.token_hex(32))
        report = audit.verify_chain()
        assert not report.ok and report.first_bad_seq == 1

    def test_recomputing_with_a_guessed_key_fails(self, monkeypatch):
        # Someone with database access only: tamper, then recompute every hash
        # with a key of their own. Verification with the real key refuses it.
        append(3)
        forged_key = secrets.token_bytes(32)
        prev = audit.GENESIS
        for event in AuditEvent.objects.order_by("seq"):
            if event.seq == 2:
                event.records = [{"model": "test.thing", "pk": 1, "after": {"n": 7}}]
            event.prev_hash = prev
            event.hash = audit._digest(
                event.hash_alg, forged_key, prev, audit._canonical(event)
            )
            event.save()
            prev = event.hash
        AuditHead.objects.filter(pk=1).update(seq=3, hash=prev)
        report = audit.verify_chain()
        assert not report.ok and report.first_bad_seq == 1
        monkeypatch.setenv("BIANZHI_AUDIT_KEY", forged_key.hex())
        assert audit.verify_chain().ok  # only because the forger's key is used


@pytest.mark.django_db(transaction=True)
def test_record_outside_a_transaction_refused():
    # audit.record must be the last write of the service's own transaction.
    with pytest.raises(RuntimeError):
        audit.record(actor=OFFICE, operation="x", records=[])
    assert not AuditEvent.objects.exists()


THREADS = 8
PER_THREAD = 5


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_seq_is_gapless_under_concurrent_writers():
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for i in range(PER_THREAD):
                with transaction.atomic():
                    audit.record(
                        actor=OFFICE,
                        operation="race",
                        records=[{"model": "t", "pk": index * 100 + i}],
                    )
        except BaseException as exc:  # noqa: B036 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    total = THREADS * PER_THREAD
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    pks = sorted(
        r[0]["pk"] for r in AuditEvent.objects.values_list("records", flat=True)
    )
    assert len(set(pks)) == total
    report = audit.verify_chain()
    assert report.ok, report.problems
    assert report.head_seq == total
