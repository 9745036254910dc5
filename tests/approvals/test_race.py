"""Real threads on the real database (file SQLite here, PostgreSQL in CI).

On SQLite the IMMEDIATE transactions queue the writers; on PostgreSQL the
conditional version UPDATE (and, for joint opinions, the request row lock)
decides. Each thread uses and closes its own connection.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from bianzhi.approvals import services
from bianzhi.approvals.models import Decision, JointReview, Request, StepDue
from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Role
from bianzhi.orgs.models import Unit

from .conftest import TODAY, _actor, draft

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]
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


def outcome(call) -> str:
    try:
        call()
    except ApplicationError as exc:
        return exc.code
    return "ok"


def test_reviewers_approving_the_same_step_at_once_one_wins(world):
    w = world
    reviewers = [w.office, w.office2] + [
        _actor(Role.OFFICE_ADMIN, w.city, name=f"审核员{i}") for i in range(THREADS - 2)
    ]
    request = draft(w)
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    results = [None] * THREADS

    def worker(i: int) -> None:
        results[i] = outcome(
            lambda: services.request_approve(
                actor=reviewers[i],
                request_id=request.pk,
                step="office_review",
                today=TODAY,
            )
        )

    run_threads(worker)
    assert sorted(results) == ["STEP_OUT_OF_TURN"] * (THREADS - 1) + ["ok"]
    request.refresh_from_db()
    assert (request.current_step, request.version) == ("joint_review", 3)
    assert Decision.objects.filter(request=request, action="approve").count() == 1
    assert (
        StepDue.objects.filter(request=request, completed_at__isnull=True).count() == 1
    )
    assert JointReview.objects.filter(request=request).count() == 2
    assert audit.verify_chain().ok


def test_racing_final_approvals_apply_the_effect_once(world):
    w = world
    leaders = [w.leader] + [
        _actor(Role.OFFICE_LEADER, w.city, name=f"领导{i}") for i in range(THREADS - 1)
    ]
    request = draft(w, partners=[])
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    services.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=TODAY
    )
    results = [None] * THREADS

    def worker(i: int) -> None:
        results[i] = outcome(
            lambda: services.request_approve(
                actor=leaders[i],
                request_id=request.pk,
                step="leader_approval",
                today=TODAY,
            )
        )

    run_threads(worker)
    assert results.count("ok") == 1
    assert results.count(ErrorCode.STEP_OUT_OF_TURN) == THREADS - 1
    assert Request.objects.get(pk=request.pk).status == Request.Status.APPROVED
    assert Unit.objects.get(pk=w.centre.pk).name == "示例市人才发展中心"
    assert audit.verify_chain().ok


def test_all_partners_at_once_complete_the_joint_review_exactly_once(world):
    w = world
    departments = [f"部门{i}" for i in range(THREADS)]
    partners = [
        _actor(Role.PARTNER_REVIEWER, w.city, department=d, name=d) for d in departments
    ]
    request = draft(w, partners=departments)
    services.request_submit(actor=w.hr, request_id=request.pk, today=TODAY)
    services.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=TODAY
    )

    def worker(i: int) -> None:
        services.request_opinion(
            actor=partners[i],
            request_id=request.pk,
            step="joint_review",
            opinion="agree",
            today=TODAY,
        )

    run_threads(worker)  # every opinion is accepted: none is out of turn
    request.refresh_from_db()
    assert request.current_step == "leader_approval"
    assert not JointReview.objects.filter(request=request, opinion="").exists()
    stages = list(
        StepDue.objects.filter(request=request).values_list("step", "completed_at")
    )
    assert [s for s, _ in stages] == [
        "office_review",
        "joint_review",
        "leader_approval",
    ]
    assert stages[-1][1] is None
    assert Decision.objects.filter(request=request, action="opinion").count() == THREADS
    assert audit.verify_chain().ok


def test_concurrent_submissions_take_serial_numbers_without_gaps(world):
    w = world
    submitters = [w.hr, w.hr2] + [
        _actor(Role.UNIT_HR, w.centre, name=f"人事{i}") for i in range(THREADS - 2)
    ]
    drafts = [draft(w, actor=submitters[i]) for i in range(THREADS)]

    def worker(i: int) -> None:
        services.request_submit(
            actor=submitters[i], request_id=drafts[i].pk, today=TODAY
        )

    run_threads(worker)
    serials = sorted(Request.objects.values_list("serial", flat=True))
    assert serials == [f"测试-2026-{n:06d}" for n in range(1, THREADS + 1)]


def test_the_same_submission_posted_from_eight_threads_is_one(world):
    w = world
    request = draft(w)
    results = [None] * THREADS

    def worker(i: int) -> None:
        results[i] = services.request_submit(
            actor=w.hr, request_id=request.pk, idempotency_key="form-42", today=TODAY
        ).serial

    run_threads(worker)
    assert results == ["测试-2026-000001"] * THREADS
    assert Decision.objects.filter(request=request, action="submit").count() == 1
    assert Request.objects.get(pk=request.pk).version == 2


def test_the_same_draft_created_from_eight_threads_is_one(world):
    w = world
    results = [None] * THREADS

    def worker(i: int) -> None:
        results[i] = services.request_create(
            actor=w.hr,
            kind="test_rename",
            title="更名",
            region_code=w.centre.region_id,
            unit_id=w.centre.pk,
            payload={"new_name": "x"},
            idempotency_key="create-7",
        ).pk

    run_threads(worker)
    assert len(set(results)) == 1
    assert Request.objects.count() == 1
