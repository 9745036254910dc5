"""Serial numbers stay gapless and unique with 8 threads issuing at once.

Real threads, each on its own connection (closed at the end), against the
file database: on SQLite the IMMEDIATE transactions queue the issuers; on
PostgreSQL the counter row's lock does.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from bianzhi.core.models import AuditEvent
from bianzhi.documents import services
from bianzhi.documents.kinds import example_context
from bianzhi.documents.models import Document
from bianzhi.documents.verify import verify_pdf

from .conftest import OFFICE, pdf_bytes

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]
THREADS = 8


def run_threads(worker) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            found = worker(index)
            with lock:
                results.extend(found)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    return results


def test_racing_issues_get_consecutive_serials():
    def worker(index: int) -> list[str]:
        document = services.document_issue(
            actor=OFFICE,
            kind="permit",
            subject_type="test",
            subject_id=index,
            context=example_context("permit"),
            issued_on=dt.date(2026, 5, 1),
        )
        return [document.serial]

    serials = run_threads(worker)
    assert sorted(serials) == [f"编准-2026-{n:06d}" for n in range(1, THREADS + 1)]
    assert Document.objects.count() == THREADS
    assert AuditEvent.objects.filter(operation="document_issue").count() == THREADS
    # Every file on disk is the one its row registered.
    for document in Document.objects.all():
        assert verify_pdf(pdf_bytes(document)).genuine


class Abandon(Exception):
    pass


def test_rolled_back_numbers_are_given_back():
    """Every third allocation is rolled back: what commits is still 1..N."""

    def worker(index: int) -> list[int]:
        kept = []
        for round_ in range(5):
            try:
                with transaction.atomic():
                    serial = services.allocate_serial("测试", 2026)
                    if (index + round_) % 3 == 0:
                        raise Abandon
            except Abandon:
                continue
            kept.append(int(serial.rsplit("-", 1)[1]))
        return kept

    committed = run_threads(worker)
    assert len(committed) == len(set(committed))
    assert sorted(committed) == list(range(1, len(committed) + 1))
