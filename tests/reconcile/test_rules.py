"""R1–R11 on hand-written files (CSV and xlsx), with every near miss that
must not be reported (files.CAST)."""

from __future__ import annotations

import pytest

from bianzhi.core.actor import Actor
from bianzhi.reconcile import selectors
from bianzhi.reconcile.services import reconcile_run

from .files import MONTH, A, B, dataset, pid

SYSTEM = Actor.system("测试")
NEAR_MISSES = {pid(n) for n in (20, 21, 22, 23, 24)}


@pytest.fixture(params=[".csv", ".xlsx"])
def run(request, tmp_path, db):
    files = dataset(tmp_path, request.param)
    return reconcile_run(
        actor=SYSTEM,
        month=MONTH,
        roster_path=files["roster"],
        payroll=files["payroll"],
        social=files["social"],
        population=files["population"],
    )


def _found(run, rule):
    return {(f.id_number, f.unit_name) for f in selectors.findings(run, rule=rule)}


def test_rules_on_files(run):
    """One run per file format; every check below reads it."""
    _every_rule_finds_exactly_its_case(run)
    _near_misses_are_not_findings(run)
    _r6_scores_a_one_character_difference_as_likely_typo(run)
    _r10_counts_paid_heads_against_occupied_plus_public_off_quota(run)
    _evidence_has_a_row_from_every_source(run)


def _every_rule_finds_exactly_its_case(run):
    assert _found(run, "R1") == {(pid(40, "19900101"), A)}
    assert _found(run, "R2") == {(pid(2), A)}
    assert _found(run, "R3") == {(pid(3), A)}
    assert _found(run, "R4") == {(pid(4, "19500101"), A)}
    assert _found(run, "R5") == {(pid(5), A)}
    assert _found(run, "R6") == {(pid(6), A)}
    assert _found(run, "R7") == {(pid(7), A)}
    assert _found(run, "R8") == {(pid(8), A)}
    bad = pid(41)[:17] + ("0" if pid(41)[17] != "0" else "1")
    assert _found(run, "R9") == {(bad, B)}
    assert _found(run, "R11") == {(pid(11), A)}
    assert run.skipped == []
    assert sum(run.counts.values()) == run.findings_total == run.findings.count()


def _near_misses_are_not_findings(run):
    reported = set(run.findings.values_list("id_number", flat=True))
    assert not reported & NEAR_MISSES


def _r6_scores_a_one_character_difference_as_likely_typo(run):
    finding = selectors.findings(run, rule="R6").get()
    assert finding.score == "likely_typo"
    assert "周洁" in finding.explanation and "疑似录入错误" in finding.explanation


def _r10_counts_paid_heads_against_occupied_plus_public_off_quota(run):
    findings = {f.unit_name: f for f in selectors.findings(run, rule="R10")}
    assert set(findings) == {A, B}
    # 甲局: 12 in 统发 accounts, 11 paid (李强 unpaid, the ghost paid, 吴敏 paid by 乙局).
    assert "合计12人" in findings[A].explanation
    assert "发放11人" in findings[A].explanation
    assert "超过核定编制数" not in findings[A].explanation  # a vacancy is normal
    # 乙局: 1 public off-quota, 3 paid (孙丽 twice-paid, 吴敏, the off-quota one).
    assert "财政供养编外1人" in findings[B].explanation
    assert "发放3人" in findings[B].explanation
    # The evidence shows the raw payroll: 5 people paid by 乙局 (3 + the
    # transfer-in and the secondee, who count for 甲局).
    assert findings[B].evidence["payroll"][0]["统发发放人数"] == 5


def _evidence_has_a_row_from_every_source(run):
    finding = selectors.findings(run, rule="R8").get()
    assert set(finding.evidence) >= {"roster", "payroll", "social"}
    assert {row["参保单位名称"] for row in finding.evidence["social"]} == {A, B}
    r3 = selectors.findings(run, rule="R3").get()
    assert r3.evidence["population"][0]["人员状态"] == "死亡"
    assert r3.person_name == "王芳"


def test_over_quota_account_is_r10(tmp_path, db):
    from .files import ROSTER_HEADER, person, write

    roster = write(
        tmp_path / "r.csv",
        ROSTER_HEADER,
        [person(A, 1, "张伟", approved=1), person(A, 2, "李强", approved=1)],
    )
    run = reconcile_run(actor=SYSTEM, month=MONTH, roster_path=roster)
    finding = selectors.findings(run, rule="R10").get()
    assert "核定1名、实有2人" in finding.explanation
    skipped = {s["rule"]: s for s in run.skipped}
    assert {"R1", "R2", "R3", "R7", "R8", "R11", "R6", "R9"} <= set(skipped)
    assert skipped["R10"]["partial"] and skipped["R5"]["partial"]
    assert "R1" not in run.counts and run.counts["R10"] == 1


def test_fifteen_digit_ids_and_fullwidth_match_the_roster(tmp_path, db):
    from .files import PAY_HEADER, ROSTER_HEADER, person, write

    eighteen = pid(1)
    fifteen = eighteen[:6] + eighteen[8:17]
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in pid(2))
    roster = write(
        tmp_path / "r.csv", ROSTER_HEADER, [person(A, 1, "张伟"), person(A, 2, "李 强")]
    )
    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [
            ["2026年10月", A, "张伟", fifteen, "在编", 100],
            ["2026-10", A, "李强", f" {fullwidth} ", "在编", "1,000.00"],
        ],
    )
    run = reconcile_run(actor=SYSTEM, month=MONTH, roster_path=roster, payroll=payroll)
    assert run.counts["R1"] == 0 and run.counts["R2"] == 0 and run.counts["R9"] == 0
    assert run.counts["R6"] == 0


def test_roster_and_population_alone(tmp_path, db):
    """Without payroll and social insurance the registry's rules still run
    (R3 on the roster, R9 on the registry file) and the rest are skipped."""
    from .files import POP_HEADER, ROSTER_HEADER, person, write

    roster = write(
        tmp_path / "r.csv", ROSTER_HEADER, [person(A, 1, "张伟"), person(A, 3, "王芳")]
    )
    bad = pid(41)[:17] + ("0" if pid(41)[17] != "0" else "1")
    population = write(
        tmp_path / "pop.csv",
        POP_HEADER,
        [[pid(1), "张伟", "正常", ""], [pid(3), "王芳", "死亡", "2026-09-30"],
         [bad, "赵六", "正常", ""]],
    )  # fmt: skip
    run = reconcile_run(
        actor=SYSTEM, month=MONTH, roster_path=roster, population=population
    )
    assert _found(run, "R3") == {(pid(3), A)}
    assert {f.id_number for f in selectors.findings(run, rule="R9")} == {bad}
    skipped = {s["rule"] for s in run.skipped}
    assert {"R1", "R2", "R7", "R8", "R11"} <= skipped
    assert "R3" not in skipped and "R9" not in skipped
