"""Concurrent writers against a real database (file SQLite or PostgreSQL)."""

import threading

import pytest
from django.db import connection

from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import selectors, services
from bianzhi.orgs.models import InternalBody, Unit

from .conftest import DOC, OFFICE, TODAY, establish

THREADS = 10


def _race(target) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = []
    lock = threading.Lock()

    def run(i: int) -> None:
        try:
            barrier.wait()
            try:
                target(i)
                outcome = "ok"
            except ApplicationError as exc:
                outcome = exc.code
            except Exception as exc:  # reported, never lost in a thread
                outcome = type(exc).__name__
            with lock:
                results.append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_in_cap_establishments_respect_the_cap(city):
    cap = 3
    services.agency_cap_set(
        actor=OFFICE,
        region=city,
        cap=cap,
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    results = _race(lambda i: establish(city, f"并发局{i}", in_cap=True))
    assert results.count("ok") == cap, results
    assert results.count(ErrorCode.AGENCY_CAP_EXCEEDED) == THREADS - cap
    assert Unit.objects.filter(region=city, in_cap=True).count() == cap
    assert selectors.in_cap_count(city, TODAY) == cap
    assert audit.verify_chain().ok


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_concurrent_internal_bodies_respect_the_mandate(city):
    unit = establish(city, "甲局")
    services.mandate_set(
        actor=OFFICE,
        unit=unit,
        doc_no=DOC,
        effective_date=TODAY,
        internal_bodies_approved=2,
        today=TODAY,
    )
    results = _race(
        lambda i: services.internal_body_add(
            actor=OFFICE,
            unit=unit,
            name=f"第{i}科",
            rank="section",
            doc_no=DOC,
            effective_date=TODAY,
            today=TODAY,
        )
    )
    assert results.count("ok") == 2
    assert results.count(ErrorCode.INTERNAL_BODIES_EXCEEDED) == THREADS - 2
    assert InternalBody.objects.filter(unit=unit).count() == 2
    assert audit.verify_chain().ok
