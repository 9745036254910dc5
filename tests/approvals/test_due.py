"""Due dates of steps in working days, overdue warnings and `daily`."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.approvals import daily, engine, selectors, services
from bianzhi.approvals.kinds import APPROVED, PUBLICITY_DAYS, KindSpec, Step
from bianzhi.approvals.models import StepDue
from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.core.roles import Role

from .conftest import draft, last_event

pytestmark = pytest.mark.django_db
D = dt.date
SYSTEM = Actor.system("每日任务")

FILING = KindSpec(
    kind="test_filing",
    label="公示备案（测试）",
    serial_prefix="备案",
    submitter_roles=(Role.UNIT_HR,),
    steps=(
        Step(
            "publicity",
            "公示",
            Role.OFFICE_ADMIN,
            {"approve": APPROVED},
            days=PUBLICITY_DAYS,
        ),
    ),
)


@pytest.fixture
def filing_kind():
    engine.register_kind(FILING, replace=True)
    yield FILING
    engine.unregister(FILING.kind)


def _filing(w, today):
    request = services.request_create(
        actor=w.hr,
        kind=FILING.kind,
        title="公示",
        region_code=w.centre.region_id,
        unit_id=w.centre.pk,
    )
    return services.request_submit(actor=w.hr, request_id=request.pk, today=today)


def test_a_five_day_step_started_before_national_day_2025(world, filing_kind):
    request = _filing(world, D(2025, 9, 30))
    assert request.serial == "备案-2025-000001"
    assert request.due_on == D(2025, 10, 14)
    stage = StepDue.objects.get(request=request)
    assert (stage.started_on, stage.due_on, stage.due_provisional) == (
        D(2025, 9, 30),
        D(2025, 10, 14),
        False,
    )
    # A kind without an effect simply ends approved.
    request = services.request_approve(
        actor=world.office,
        request_id=request.pk,
        step="publicity",
        today=D(2025, 10, 9),
    )
    assert request.status == "approved"


def test_review_and_joint_review_over_spring_festival_2026(world):
    w = world
    request = draft(w)
    request = services.request_submit(
        actor=w.hr, request_id=request.pk, today=D(2026, 2, 13)
    )
    assert request.due_on == D(2026, 2, 14)  # Saturday, 调休上班
    request = services.request_approve(
        actor=w.office,
        request_id=request.pk,
        step="office_review",
        today=D(2026, 2, 13),
    )
    assert request.due_on == D(2026, 2, 24)  # two working days: 2-14, 2-24
    assert StepDue.objects.filter(request=request).last().due_on == D(2026, 2, 24)


def test_a_due_date_after_the_table_is_provisional(world):
    w = world
    request = draft(w)
    request = services.request_submit(
        actor=w.hr, request_id=request.pk, today=D(2026, 12, 31)
    )
    assert request.serial == "测试-2026-000001"
    stage = StepDue.objects.get(request=request)
    assert (stage.due_on, stage.due_provisional) == (D(2027, 1, 1), True)


def test_overdue_steps_are_warned_once_by_daily(world):
    w = world
    request = draft(w)
    services.request_submit(actor=w.hr, request_id=request.pk, today=D(2026, 3, 2))
    assert selectors.overdue(D(2026, 3, 3)).count() == 0  # due today is not late
    assert daily.run(actor=SYSTEM, today=D(2026, 3, 3)) == []

    (row,) = selectors.inbox(w.office, today=D(2026, 3, 4))
    assert row.is_overdue and row.due_on == D(2026, 3, 3)
    events = AuditEvent.objects.count()
    lines = daily.run(actor=SYSTEM, today=D(2026, 3, 4))
    assert lines == [
        "逾期：测试-2026-000001「示例市人才服务中心更名」编办审核（应于2026-03-03前办结）",
        "审批环节逾期共 1 个",
    ]
    assert AuditEvent.objects.count() == events + 1
    assert last_event().operation == "approval_overdue_mark"
    assert StepDue.objects.get(request=request).warned_on == D(2026, 3, 4)
    # Idempotent: the next run reports no new step and writes nothing.
    assert daily.run(actor=SYSTEM, today=D(2026, 3, 5)) == ["审批环节逾期共 1 个"]
    assert AuditEvent.objects.count() == events + 1

    services.request_approve(
        actor=w.office, request_id=request.pk, step="office_review", today=D(2026, 3, 5)
    )
    assert selectors.overdue(D(2026, 3, 5)).count() == 0
    late, joint = selectors.request_stages(request, today=D(2026, 3, 5))
    assert late.is_overdue and late.completed_on == D(2026, 3, 5)  # done late
    assert not joint.is_overdue and joint.due_on == D(2026, 3, 9)


def test_daily_runs_the_hooks_kinds_register(world):
    seen = []

    def expire(*, actor, today):
        seen.append((actor.role, today))
        return ["用编核准过期 1 件，已释放预留"]

    engine.register_daily("test_rename", expire)
    assert daily.run(actor=SYSTEM, today=D(2026, 3, 4)) == [
        "用编核准过期 1 件，已释放预留"
    ]
    assert seen == [("system", D(2026, 3, 4))]
