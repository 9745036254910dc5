"""The background job: progress and result in a status file, the run stored
only on success."""

from __future__ import annotations

import dataclasses

from bianzhi.core.actor import Actor
from bianzhi.reconcile.models import ReconcileRun
from bianzhi.reconcile.tasks import read_status, reconcile_task

from .files import MONTH, PAY_HEADER, ROSTER_HEADER, A, person, pid, write

OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")


def test_task_runs_and_reports(db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    roster = write(tmp_path / "r.csv", ROSTER_HEADER, [person(A, 1, "张伟")])
    payroll = write(
        tmp_path / "p.csv", PAY_HEADER, [["202610", A, "张伟", pid(1), "在编", 1]]
    )
    result = reconcile_task.call(
        job="job1",
        actor=dataclasses.asdict(OFFICE),
        month=MONTH,
        roster=[str(roster), "实名制.csv"],
        payroll=[str(payroll), "工资.csv"],
    )
    status = read_status("job1")
    assert result["state"] == status["state"] == "done" and status["percent"] == 100
    run = ReconcileRun.objects.get(pk=status["run_id"])
    assert [i["filename"] for i in run.inputs] == ["实名制.csv", "工资.csv"]
    assert run.created_by_name == "张三"

    bad = write(
        tmp_path / "b.csv", PAY_HEADER, [["202609", A, "张伟", pid(1), "在编", 1]]
    )
    reconcile_task.call(
        job="job2",
        actor=dataclasses.asdict(OFFICE),
        month=MONTH,
        payroll=[str(bad), "b.csv"],
    )
    failed = read_status("job2")
    assert failed["state"] == "failed" and failed["code"] == "MONTH_MISMATCH"
    assert "2026年9月" in failed["message"]
    assert ReconcileRun.objects.count() == 1
    assert read_status("nope") is None
