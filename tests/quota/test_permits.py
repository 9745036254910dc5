"""Permits in use: enrollment consumes them, expiry releases them, the
approval refuses a permit the unit can no longer hold."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from bianzhi.approvals import daily
from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.quota.permits import (
    permits_current,
    reserved_problems,
    valid_until_for,
)
from bianzhi.roster.models import Posting

from .permit_world import (
    Permit,
    approve,
    counters,
    enroll,
    events,
    make_world,
    opinion,
    permit_walk,
    submit,
    today,
)


@pytest.fixture
def world(db, settings):
    return make_world(settings)


def snapshot(w) -> dict:
    return {
        "accounts": [counters(w.adm), counters(w.ins)],
        "permits": list(Permit.objects.order_by("pk").values()),
        "requests": list(Request.objects.order_by("pk").values("pk", "status")),
        "postings": Posting.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_validity_is_six_months():
    assert valid_until_for(dt.date(2026, 3, 2)) == dt.date(2026, 9, 1)
    assert valid_until_for(dt.date(2026, 8, 31)) == dt.date(2027, 2, 27)


@pytest.mark.django_db
def test_enrollment_consumes_the_permit_and_converts_the_reservation(world):
    w = world
    permit = permit_walk(w, count=2)
    assert counters(w.adm) == (3, 0, 2)
    posting = enroll(w.bureau, 1, permit=permit.number)
    assert posting.permit_ref == permit.number
    permit.refresh_from_db()
    assert (permit.used, permit.status) == (1, "active")
    assert counters(w.adm) == (3, 1, 1)
    event = AuditEvent.objects.order_by("-seq").first()
    assert "quota.Permit" in {r.get("model") for r in event.records}
    # Without naming it, the oldest usable permit is found.
    enroll(w.bureau, 2)
    permit.refresh_from_db()
    assert (permit.used, permit.status) == (2, "exhausted")
    assert counters(w.adm) == (3, 2, 0)
    assert reserved_problems() == []


@pytest.mark.django_db
def test_more_persons_than_the_permit_allows(world):
    w = world
    permit = permit_walk(w, count=1)
    enroll(w.bureau, 1, permit=permit.number)
    before = snapshot(w)
    with pytest.raises(ApplicationError) as info:
        enroll(w.bureau, 2, permit=permit.number)
    assert info.value.code == ErrorCode.PERMIT_EXHAUSTED
    assert "核准1名，已使用1名" in info.value.message
    assert snapshot(w) == before


@pytest.mark.django_db
def test_no_permit_and_wrong_channel(world):
    w = world
    with pytest.raises(ApplicationError) as info:
        enroll(w.bureau, 1)
    assert info.value.code == ErrorCode.PERMIT_REQUIRED
    permit_walk(w, count=1, channel="exam_recruitment")
    # A transfer is not what the permit was issued for.
    with pytest.raises(ApplicationError) as info:
        enroll(w.bureau, 2, channel="transfer_in")
    assert info.value.code == ErrorCode.PERMIT_REQUIRED


@pytest.mark.django_db
def test_switch_off_lets_enrollments_through(world, settings):
    settings.ROSTER_PERMITS_REQUIRED = False
    enroll(world.bureau, 1)
    assert counters(world.adm) == (3, 1, 0)


@pytest.mark.django_db
def test_expired_permit_refused_then_daily_releases(world):
    w = world
    long_ago = today() - dt.timedelta(days=220)
    permit = permit_walk(w, count=2, approve_on=long_ago)
    assert permit.valid_until < today()
    assert counters(w.adm) == (3, 0, 2)
    before = snapshot(w)
    with pytest.raises(ApplicationError) as info:
        enroll(w.bureau, 1, permit=permit.number)
    assert info.value.code == ErrorCode.PERMIT_EXPIRED
    assert snapshot(w) == before
    lines = daily.run(actor=Actor.system(), today=today())
    assert any(permit.number in line and "释放预留2名" in line for line in lines)
    permit.refresh_from_db()
    assert permit.status == "expired"
    assert counters(w.adm) == (3, 0, 0)
    (event,) = events("permit_expire")
    assert {r.get("model") for r in event.records} == {
        "quota.Permit",
        "quota.QuotaAccount",
    }
    # Idempotent: a second run finds nothing.
    daily.run(actor=Actor.system(), today=today())
    assert len(events("permit_expire")) == 1


@pytest.mark.django_db
def test_lazy_expiry_on_read(world):
    w = world
    permit = permit_walk(w, count=1, approve_on=today() - dt.timedelta(days=200))
    (row,) = permits_current(unit_id=w.bureau.pk, today=today())
    assert row.pk == permit.pk and row.status == "expired"
    assert counters(w.adm) == (3, 0, 0)


@pytest.mark.django_db
def test_unit_full_meanwhile_refused_with_numbers(world):
    w = world
    first = submit(
        "quota_use",
        w.hr,
        w.bureau,
        {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 2},
    )
    approve(w.office, first, "office_review")
    opinion(w.org, first)
    # Meanwhile a second application takes two of the three vacancies.
    permit_walk(w, count=2)
    assert counters(w.adm) == (3, 0, 2)
    before = snapshot(w)
    with pytest.raises(ApplicationError) as info:
        approve(w.leader, first, "leader_approval")
    assert info.value.code == ErrorCode.QUOTA_FULL
    assert "核定3名，实有0名，预留2名，空编1名" in info.value.message
    assert info.value.params["reserved"] == 2
    assert snapshot(w) == before
    first.refresh_from_db()
    assert first.current_step == "leader_approval"


@pytest.mark.django_db(transaction=True)
def test_eight_threads_race_for_the_last_slot(world):
    w = world
    permit = permit_walk(w, count=2)
    enroll(w.bureau, 1, permit=permit.number)
    won, refused, failures = [], [], []
    barrier = threading.Barrier(8)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            enroll(w.bureau, 10 + index, permit=permit.number)
            won.append(index)
        except ApplicationError as exc:
            refused.append(exc.code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert len(won) == 1, refused
    assert refused == [ErrorCode.PERMIT_EXHAUSTED] * 7
    permit.refresh_from_db()
    assert (permit.used, permit.status) == (2, "exhausted")
    assert counters(w.adm) == (3, 2, 0)
    assert reserved_problems() == []


@pytest.mark.django_db
def test_permit_document_issued_in_the_approval(world, settings, tmp_path, _keys):
    from bianzhi.documents import effects
    from bianzhi.documents.keys import ensure_office_certificate

    ensure_office_certificate()
    settings.MEDIA_ROOT = tmp_path / "media"
    # DocumentsConfig.ready() wraps the quota-use effect: the PDF comes with it.
    permit = permit_walk(world, count=1)
    document = effects.permit_document(permit)
    assert document is not None and document.kind == "permit"
    assert document.unit_id == world.bureau.pk
    assert (tmp_path / "media" / document.file).read_bytes()[:5] == b"%PDF-"
    # Its own register event, then the approval's event as the last write.
    operations = list(
        AuditEvent.objects.order_by("-seq").values_list("operation", flat=True)[:2]
    )
    assert operations == ["approval_approve", "document_issue"]
