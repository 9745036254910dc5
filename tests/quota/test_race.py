"""Real threads against the real database: the ledger holds under contention.

Each thread uses its own connection (closed at the end). On SQLite the
IMMEDIATE transactions queue the writers; on PostgreSQL the row locks in
sorted order and the conditional UPDATEs do the work.
"""

from __future__ import annotations

import random
import threading

import pytest
from django.db import connection

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.quota import checks, daily, services
from bianzhi.quota.models import Loan, QuotaAccount, QuotaEntry, QuotaMovement

from .conftest import ADM, TODAY, account, common

pytestmark = [
    pytest.mark.race,
    pytest.mark.django_db(transaction=True),
]
THREADS = 8


def run_threads(worker, n: int = THREADS) -> None:
    barrier = threading.Barrier(n)
    failures: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait()
            worker(index)
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def assert_ledger_sound() -> None:
    assert not QuotaAccount.objects.exclude(holder_kind="external").filter(
        approved__lt=0
    )
    assert checks.problems(today=TODAY) == []
    assert audit.verify_chain().ok


def test_draining_one_account_takes_exactly_the_vacancy(funded):
    finance = funded["finance"]
    QuotaAccount.objects.filter(pk=account(finance).pk).update(occupied=5)
    done, refused = [], []

    def worker(index: int) -> None:
        for _ in range(4):
            try:
                services.quota_recall(
                    **common(unit=finance, category=ADM, funding="full", amount=1)
                )
                done.append(1)
            except ApplicationError as exc:
                assert exc.code == ErrorCode.QUOTA_NEGATIVE
                refused.append(1)

    run_threads(worker, n=10)
    assert (len(done), len(refused)) == (15, 25)
    assert account(finance).approved == 5
    assert_ledger_sound()


def test_mixed_movements_keep_every_invariant(funded, city):
    units = [funded["finance"], funded["audit"], funded["party"]]
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(index)
        for _ in range(25):
            op = rng.choice(["transfer", "recall", "grant", "loan", "return", "pool"])
            a, b = rng.sample(units, 2)
            n = rng.randint(1, 4)
            kw = {"category": ADM, "funding": "full", "amount": n}
            try:
                if op == "transfer":
                    services.quota_transfer(
                        **common(source_unit=a, target_unit=b, **kw)
                    )
                elif op == "recall":
                    services.quota_recall(**common(unit=a, **kw))
                elif op == "grant":
                    services.quota_grant(**common(unit=a, **kw))
                elif op == "loan":
                    services.quota_loan(**common(unit=a, **kw))
                elif op == "pool":
                    services.quota_pool_fund(**common(region=city, **kw))
                else:
                    loan = Loan.objects.filter(outstanding__gt=0).order_by("?").first()
                    if loan is None:
                        continue
                    services.quota_return(**common(loan=loan, amount=1))
                outcome = op
            except ApplicationError as exc:
                assert exc.code in (
                    ErrorCode.QUOTA_NEGATIVE,
                    ErrorCode.MOVEMENT_INVALID,
                )
                outcome = "refused"
            with lock:
                counts[outcome] = counts.get(outcome, 0) + 1

    run_threads(worker)
    assert sum(counts.values()) >= THREADS * 20
    assert counts.get("transfer", 0) > 0 and counts.get("loan", 0) > 0
    assert_ledger_sound()
    # Entries and audit events match the movements written, one to one.
    movements = QuotaMovement.objects.count()
    assert QuotaEntry.objects.count() == 2 * movements
    assert (
        AuditEvent.objects.filter(operation__startswith="quota_").count() == movements
    )


def test_opening_the_same_account_concurrently(funded):
    court = funded["court"]  # holds no account yet

    def worker(index: int) -> None:
        services.quota_grant(
            **common(unit=court, category=ADM, funding="full", amount=1)
        )

    run_threads(worker)
    accounts = QuotaAccount.objects.filter(unit=court)
    assert accounts.count() == 1
    assert accounts.get().approved == THREADS
    assert_ledger_sound()


def test_concurrent_daily_runs_apply_each_movement_once(funded):
    due = TODAY.replace(day=TODAY.day + 3)
    for unit in (funded["finance"], funded["audit"]):
        for _ in range(3):
            services.quota_recall(
                **common(
                    unit=unit,
                    category=ADM,
                    funding="full",
                    amount=2,
                    effective_date=due,
                )
            )
    pending = list(QuotaMovement.objects.filter(status="pending"))
    assert len(pending) == 6

    def worker(index: int) -> None:
        daily.run(actor=Actor.system("每日任务"), today=due)

    run_threads(worker)
    assert (
        QuotaMovement.objects.filter(
            status="applied", pk__in=[m.pk for m in pending]
        ).count()
        == 6
    )
    assert QuotaEntry.objects.filter(movement__in=pending).count() == 12
    assert AuditEvent.objects.filter(operation="quota_movement_apply").count() == 6
    assert account(funded["finance"]).approved == 14
    assert checks.problems(today=due) == []
    assert audit.verify_chain().ok
