"""Reviews remembered across months by (rule, ID number, unit); compare;
handover of confirmed findings to supervision."""

from __future__ import annotations

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.reconcile import selectors
from bianzhi.reconcile.services import finding_handover, finding_review, reconcile_run

from .files import PAY_HEADER, ROSTER_HEADER, A, person, pid, write

SYSTEM = Actor.system("测试")
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
INSPECTOR = Actor(user_id=5, name="监察", role="inspector", scope="region:990100")


def month_run(tmp_path, month: str, paid: list[int], roster_ids=(1, 2, 3)):
    """Roster 1..3 in 甲局; `paid` lists who is paid (ID 9 is a ghost)."""
    directory = tmp_path / month
    directory.mkdir()
    roster = write(
        directory / "r.csv",
        ROSTER_HEADER,
        [person(A, n, f"人员{n}") for n in roster_ids],
    )
    payroll = write(
        directory / "p.csv",
        PAY_HEADER,
        [[month.replace("-", ""), A, f"人员{n}", pid(n), "在编", 5000] for n in paid],
    )
    return reconcile_run(actor=SYSTEM, month=month, roster_path=roster, payroll=payroll)


@pytest.fixture
def two_months(tmp_path, db):
    # September: 2 and 3 unpaid (R2), 9 a ghost (R1).
    september = month_run(tmp_path, "2026-09", paid=[1, 9])
    # October: 2 still unpaid, 3 paid again (resolved), 9 still paid, 1 unpaid (new).
    october = month_run(tmp_path, "2026-10", paid=[3, 9])
    return september, october


def _by_id(run, rule):
    return {f.id_number: f for f in selectors.findings(run, rule=rule)}


def test_review_is_remembered_next_month(two_months):
    september, october = two_months
    sep_r2 = _by_id(september, "R2")
    events = AuditEvent.objects.count()
    finding_review(
        actor=OFFICE,
        finding_id=sep_r2[pid(2)].pk,
        verdict="explained",
        note="产假，停发工资",
    )
    finding_review(
        actor=OFFICE, finding_id=_by_id(september, "R1")[pid(9)].pk, verdict="confirmed"
    )
    assert AuditEvent.objects.count() == events + 2
    oct_r2 = _by_id(october, "R2")
    assert oct_r2[pid(2)].status == "explained"
    assert oct_r2[pid(2)].review_note == "产假，停发工资"
    assert oct_r2[pid(1)].status == "new"
    assert _by_id(october, "R1")[pid(9)].status == "confirmed"
    assert {f.id_number for f in selectors.findings(october, status="new")} >= {pid(1)}
    assert pid(2) not in {
        f.id_number for f in selectors.findings(october, status="new")
    }
    rows = {r["rule"]: r for r in selectors.counts_by_rule(october)}
    assert rows["R2"]["by_status"] == {
        "new": 1,
        "confirmed": 0,
        "explained": 1,
        "false_positive": 0,
    }
    assert rows["R3"]["skipped"] and "公安人口信息" in rows["R3"]["reason"]


def test_compare_new_resolved_persisting(two_months):
    september, october = two_months
    diff = selectors.compare(september, october)
    assert {(f.rule, f.id_number) for f in diff["new"]} == {("R2", pid(1))}
    assert {(f.rule, f.id_number) for f in diff["resolved"]} == {("R2", pid(3))}
    persisting = {(f.rule, f.id_number) for f in diff["persisting"]}
    assert {("R2", pid(2)), ("R1", pid(9))} <= persisting
    units = selectors.counts_by_unit(october)
    assert units[0]["unit_name"] == A and units[0]["R2"] == 2


def test_explained_needs_a_note_and_verdicts_are_checked(two_months):
    september, _ = two_months
    finding = _by_id(september, "R2")[pid(2)]
    with pytest.raises(ApplicationError) as info:
        finding_review(
            actor=OFFICE, finding_id=finding.pk, verdict="explained", note=" "
        )
    assert info.value.code == "FIELD_REQUIRED"
    with pytest.raises(ApplicationError) as info:
        finding_review(actor=OFFICE, finding_id=finding.pk, verdict="ok")
    assert info.value.code == "VALUE_INVALID"
    with pytest.raises(ApplicationError) as info:
        finding_review(actor=INSPECTOR, finding_id=finding.pk, verdict="confirmed")
    assert info.value.code == "ROLE_FORBIDDEN"
    with pytest.raises(ApplicationError) as info:
        finding_review(actor=OFFICE, finding_id=999999, verdict="confirmed")
    assert info.value.code == "OUT_OF_SCOPE"
    assert selectors.review_for(finding) is None


def test_handover_only_confirmed_and_idempotent(two_months):
    september, october = two_months
    ghost = _by_id(september, "R1")[pid(9)]
    with pytest.raises(ApplicationError) as info:
        finding_handover(actor=OFFICE, finding_id=ghost.pk)
    assert info.value.code == "STEP_OUT_OF_TURN"
    finding_review(actor=OFFICE, finding_id=ghost.pk, verdict="confirmed", note="")
    review = finding_handover(actor=OFFICE, finding_id=ghost.pk)
    assert review.handover == "pending"
    events = AuditEvent.objects.count()
    again = finding_handover(actor=OFFICE, finding_id=_by_id(october, "R1")[pid(9)].pk)
    assert again.pk == review.pk and AuditEvent.objects.count() == events
    assert list(selectors.handovers()) == [review]
    assert _by_id(october, "R1")[pid(9)].handover == "pending"
    # Changing the verdict withdraws it from the handover list.
    finding_review(actor=OFFICE, finding_id=ghost.pk, verdict="false_positive")
    assert list(selectors.handovers()) == []
