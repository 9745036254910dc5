"""Eight leaders' approvals of eight one-person filings on a permit of two, at
once: exactly two enter the roster, the others are refused PERMIT_EXHAUSTED
with nothing written; the counters and the audit chain hold."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bianzhi.approvals import review
from bianzhi.approvals.models import Request
from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota.permits import reserved_problems
from bianzhi.roster.models import Posting
from tests.quota.permit_world import counters

from .conftest import approve, ready, row

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]
THREADS = 8


def test_racing_entries_share_the_permit(world):
    w = world
    filings = [ready(w, [row(10 + i)]) for i in range(THREADS)]
    for filing in filings:
        approve(w.office, filing, "office_review")
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            review.request_approve(
                actor=w.leader, request_id=filings[index].pk, step="leader_approval"
            )
            outcomes.append("approved")
        except ApplicationError as exc:
            outcomes.append(exc.code)
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
    assert sorted(outcomes) == sorted(
        ["approved"] * 2 + [ErrorCode.PERMIT_EXHAUSTED] * (THREADS - 2)
    )
    assert Posting.objects.filter(unit=w.bureau).count() == 2
    assert Request.objects.filter(status=Request.Status.APPROVED).count() == 3
    assert counters(w.adm) == (3, 2, 0)
    w.permit.refresh_from_db()
    assert w.permit.used == 2
    assert reserved_problems() == []
    assert audit.verify_chain().ok
