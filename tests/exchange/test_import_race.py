"""Concurrent commits of the same file: one import wins, nothing is
duplicated, and the database itself refuses a second committed run of the
same file (partial unique index importrun_committed_once)."""
# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bianzhi.core.errors import ApplicationError
from bianzhi.core.errors import ErrorCode as E
from bianzhi.exchange.models import ImportRun
from bianzhi.exchange.report import ImportResult
from bianzhi.exchange.services import import_run_create, import_run_finish
from bianzhi.roster.models import Person, Posting

from ..roster.helpers import city, providers, units  # noqa: F401
from .import_files import SYSTEM, load, person, roster_file

THREADS = 8


def _race(target) -> list:
    barrier = threading.Barrier(THREADS)
    outcomes: list = [None] * THREADS

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = target(index)
        except Exception as exc:  # noqa: BLE001 — recorded for the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_concurrent_commits_of_one_file_write_it_once(units, tmp_path):
    path = roster_file(tmp_path, [person(1), person(2), person(3)])
    results = _race(lambda _: load("roster", path, commit=True))
    assert all(isinstance(r, ImportResult) for r in results), results
    assert sum(r.committed for r in results) == 1
    for r in results:
        if not r.committed:
            assert {e.code for e in r.errors} <= {
                E.DUPLICATE_IMPORT,
                E.PERSON_ALREADY_POSTED,
            }, [e.text for e in r.errors]
    assert Person.objects.count() == 3 and Posting.objects.count() == 3
    assert ImportRun.objects.filter(status="done", commit=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_allows_one_committed_run_per_file(units, tmp_path):
    path = roster_file(tmp_path, [person(1)])
    runs = [
        import_run_create(
            actor=SYSTEM, kind="roster", filename="a", path=path, commit=True
        )
        for _ in range(THREADS)
    ]
    done = ImportResult("roster", "a", runs[0].sha256, False, True, False, 1, 1, 0)
    outcomes = _race(
        lambda i: import_run_finish(actor=SYSTEM, run=runs[i], result=done)
    )
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(refused) == THREADS - 1, outcomes
    assert {o.code for o in refused} == {E.DUPLICATE_IMPORT}
    assert ImportRun.objects.filter(status="done", commit=True).count() == 1
