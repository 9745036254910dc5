"""Each warning rule fires on a hand-built situation and not on its near miss;
a threshold set for a region changes the result there and below."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from bianzhi.quota.leader_posts import leader_posts_set
from bianzhi.quota.models import Loan
from bianzhi.roster import services as roster
from bianzhi.stats.services import warning_threshold_set
from bianzhi.stats.warning_rules import WarningScope
from bianzhi.stats.warnings import warnings_report

from .conftest import (
    DOC,
    OFFICE,
    REASON,
    SYSTEM,
    city_scope,
    enroll,
    grant,
    today,
    years_ago,
)

pytestmark = pytest.mark.django_db


def hits(rule: str, scope=None, on=None) -> list:
    report = warnings_report(scope or city_scope(), today=on, rules=[rule])
    (result,) = report.results
    return result.hits


def test_over_quota_fires_only_above_approved(city):
    grant(city.education, 0 + 1)  # education: 9 approved
    for n in range(9):
        enroll(city.education, 30 + n)
    assert hits("over_quota") == []  # full, not over: the near miss
    quota.quota_recall(
        actor=SYSTEM,
        unit=city.education,
        category="administrative",
        funding="full",
        amount=2,
        doc_no="示编〔2026〕40号",
        effective_date=today(),
        reason="机构改革核减",
        reform=True,
    )
    (hit,) = hits("over_quota")
    assert (hit.unit_id, hit.value, hit.region_code) == (city.education.pk, 2, "990100")
    assert "超编2名" in hit.subject
    kinds = [e.kind for e in hit.evidence]
    assert kinds == ["account", "persons"]
    # A region threshold of 2 tolerates it; of 1 does not.
    warning_threshold_set(actor=SYSTEM, region=city.city, rule="over_quota", value="2")
    assert hits("over_quota") == []
    warning_threshold_set(actor=SYSTEM, region=city.city, rule="over_quota", value="1")
    assert len(hits("over_quota")) == 1


def test_leader_over_fires_after_a_lowering(city):
    leader_posts_set(
        actor=SYSTEM,
        unit=city.finance,
        scope="unit",
        level="county",
        kind="deputy",
        count=2,
        doc_no=DOC,
        effective_date=today() - dt.timedelta(days=10),
        reason=REASON,
    )
    for n in (1, 2):
        posting = enroll(city.finance, n, start=today() - dt.timedelta(days=5))
        roster.appointment_start(
            actor=OFFICE,
            posting=posting,
            scope="unit",
            level="county",
            kind="deputy",
            title="副局长",
            start_date=today() - dt.timedelta(days=5),
            doc_no=DOC,
            reason=REASON,
        )
    assert hits("leader_over") == []  # 2 of 2: full, not over
    leader_posts_set(
        actor=SYSTEM,
        unit=city.finance,
        scope="unit",
        level="county",
        kind="deputy",
        count=1,
        doc_no="示编〔2026〕41号",
        effective_date=today(),
        reason="机构改革",
    )
    (hit,) = hits("leader_over")
    assert hit.unit_id == city.finance.pk and hit.value == 1
    assert "核定1名，已配备2名" in hit.subject


def test_low_remaining_depends_on_the_region_threshold(city):
    # 示例市 holds 100: units 23 (+2 lent from the pool), reserve 72, pool 3.
    (none,) = [
        r for r in warnings_report(city_scope(), rules=["low_remaining"]).results
    ]
    assert none.hits == []  # 72 + vacancies of 100 is far above 5%
    warning_threshold_set(
        actor=SYSTEM, region=city.city, rule="low_remaining", value="99"
    )
    (hit,) = hits("low_remaining")
    assert hit.region_code == "990100" and hit.unit_id is None
    assert hit.value == pytest.approx(97)  # (72 reserve + 25 vacant) of 100
    warning_threshold_set(
        actor=SYSTEM, region=city.city, rule="low_remaining", value="97"
    )
    assert hits("low_remaining") == []  # 97% is not below 97%: the near miss


def test_threshold_of_a_sub_region_wins_over_its_parent(city):
    quota.quota_increase_total(
        actor=SYSTEM,
        region=city.district,
        category="administrative",
        funding="full",
        amount=10,
        doc_no=DOC,
        effective_date=today(),
        reason=REASON,
    )
    warning_threshold_set(
        actor=SYSTEM, region=city.city, rule="low_remaining", value="100"
    )
    assert {h.region_code for h in hits("low_remaining")} == {"990100"}
    # The district holds 10, all unallocated: 100% remaining is not below 100%.
    warning_threshold_set(
        actor=SYSTEM, region=city.province, rule="low_remaining", value="100"
    )
    grant(city.district_unit, 10)
    enroll(city.district_unit, 50)
    # 9 of 10 remaining = 90% < 100% inherited from 示例市.
    assert {h.region_code for h in hits("low_remaining")} == {"990100", "990102"}
    warning_threshold_set(
        actor=SYSTEM, region=city.district, rule="low_remaining", value="50"
    )
    assert {h.region_code for h in hits("low_remaining")} == {"990100"}
    warning_threshold_set(
        actor=SYSTEM, region=city.district, rule="low_remaining", value=""
    )
    assert {h.region_code for h in hits("low_remaining")} == {"990100", "990102"}


def test_ageing_fires_above_the_share_of_55_and_over(city):
    grant(city.education, 4)  # 12 approved
    for n in range(8):
        enroll(city.education, 60 + n, birth=years_ago(40))
    enroll(city.education, 70, birth=years_ago(56))
    enroll(city.education, 71, birth=years_ago(55))  # exactly 55: counts
    assert hits("ageing") == []  # 2 of 10 = 20% ≤ 25%: near miss
    enroll(city.education, 72, birth=years_ago(54, days=-1))  # 54: does not count
    assert hits("ageing") == []
    enroll(city.education, 73, birth=years_ago(57))  # 3 of 12 = 25%: still not above
    assert hits("ageing") == []
    warning_threshold_set(actor=SYSTEM, region=city.city, rule="ageing", value="20")
    (hit,) = hits("ageing")
    assert hit.unit_id == city.education.pk and float(hit.value) == 25.0
    assert hit.evidence[0].ref == f"unit={city.education.pk}&age=ge55"


def test_ageing_needs_ten_people(city):
    for n in range(5):
        enroll(city.education, 80 + n, birth=years_ago(57))
    assert hits("ageing") == []  # 100% old but only 5 people


def test_late_release_fires_on_a_filing_after_ten_working_days(city):
    on_time = enroll(city.finance, 1, start=dt.date(2024, 1, 2))
    late = enroll(city.finance, 2, start=dt.date(2024, 1, 2))
    roster.person_release(
        actor=OFFICE,
        posting=on_time,
        reason_code="辞职",
        exit_date=today(),
        proof="辞职批复",
        doc_no=DOC,
    )
    assert hits("late_release") == []
    roster.person_release(
        actor=OFFICE,
        posting=late,
        reason_code="辞职",
        exit_date=today() - dt.timedelta(days=40),
        proof="辞职批复",
        doc_no=DOC,
        reason="档案移交延误",
    )
    (hit,) = hits("late_release")
    assert hit.unit_id == city.finance.pk and hit.value == 1
    assert [e.kind for e in hit.evidence] == ["person"]
    assert hit.evidence[0].ref == str(late.person_id)


def test_pool_loans_due_within_the_threshold(city):
    # The fixture's loan to 财政局 was due 2022-01-01: long overdue.
    (hit,) = hits("loan_due")
    assert hit.unit_id == city.finance.pk and hit.value < 0
    quota.quota_return(
        actor=SYSTEM,
        loan=Loan.objects.get(account__unit=city.finance),
        amount=2,
        doc_no="示编〔2026〕42号",
        effective_date=today(),
        reason="归还周转池",
    )
    assert hits("loan_due") == []
    quota.quota_loan(
        actor=SYSTEM,
        unit=city.education,
        category="administrative",
        funding="full",
        amount=1,
        doc_no="示编〔2026〕43号",
        effective_date=today(),
        due_date=today() + dt.timedelta(days=40),
        reason=REASON,
    )
    assert hits("loan_due") == []  # 40 days left > 30: near miss
    assert len(hits("loan_due", on=today() + dt.timedelta(days=10))) == 1
    warning_threshold_set(actor=SYSTEM, region=city.city, rule="loan_due", value="45")
    assert len(hits("loan_due")) == 1


def test_missing_cap_and_mandate(city):
    caps = hits("missing_cap")
    assert [h.region_code for h in caps] == ["990102"]  # 示例市 has its cap
    mandates = {h.unit_id for h in hits("missing_mandate")}
    # gov_dept units without 三定; the institution is exempt.
    assert mandates == {city.finance.pk, city.education.pk, city.district_unit.pk}
    orgs.mandate_set(
        actor=SYSTEM,
        unit=city.finance,
        doc_no="示编〔2020〕9号",
        effective_date=dt.date(2020, 1, 1),
        internal_bodies_approved=3,
        reason=REASON,
    )
    orgs.agency_cap_set(
        actor=SYSTEM,
        region=city.district,
        cap=20,
        doc_no="示编〔2020〕10号",
        effective_date=dt.date(2020, 1, 1),
        reason=REASON,
    )
    assert hits("missing_cap") == []
    assert {h.unit_id for h in hits("missing_mandate")} == {
        city.education.pk,
        city.district_unit.pk,
    }
    # Before 示例市's units existed nothing is missing.
    assert hits("missing_mandate", on=dt.date(2019, 12, 31)) == []


def test_supervision_rule_is_shown_but_not_counted(city):
    report = warnings_report(city_scope())
    (result,) = [r for r in report.results if r.rule.code == "overdue_supervision"]
    assert result.enabled is False and result.count is None
    assert result.rule.disabled_note == "尚未启用（督查模块未上线）"


def test_unit_scope_sees_only_its_units(city):
    grant(city.education, 1)
    for n in range(9):
        enroll(city.education, 30 + n)
    quota.quota_recall(
        actor=SYSTEM,
        unit=city.education,
        category="administrative",
        funding="full",
        amount=1,
        doc_no="示编〔2026〕40号",
        effective_date=today(),
        reason="机构改革核减",
        reform=True,
    )
    assert (
        len(hits("over_quota", WarningScope(unit_ids=frozenset({city.education.pk}))))
        == 1
    )
    assert hits("over_quota", WarningScope(unit_ids=frozenset({city.finance.pk}))) == []
    assert hits("over_quota", WarningScope(region_codes=frozenset({"990102"}))) == []
    # Region-level rules need a regional scope.
    assert (
        hits("missing_cap", WarningScope(unit_ids=frozenset({city.district_unit.pk})))
        == []
    )


def test_threshold_set_is_audited_and_checked(city):
    before = AuditEvent.objects.count()
    warning_threshold_set(actor=SYSTEM, region=city.city, rule="ageing", value="30")
    event = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert event.operation == "warning_threshold_set"
    from bianzhi.core.errors import ApplicationError

    for rule, value, code in (
        ("ageing", "-1", "VALUE_INVALID"),
        ("ageing", "abc", "VALUE_INVALID"),
        ("ageing", "101", "VALUE_INVALID"),
        ("missing_cap", "1", "VALUE_INVALID"),  # a rule without a threshold
        ("nope", "1", "VALUE_INVALID"),
    ):
        with pytest.raises(ApplicationError) as caught:
            warning_threshold_set(
                actor=SYSTEM, region=city.city, rule=rule, value=value
            )
        assert caught.value.code == code
    with pytest.raises(ApplicationError) as caught:
        warning_threshold_set(actor=OFFICE, region=city.city, rule="ageing", value="30")
    assert caught.value.code == "ROLE_FORBIDDEN"
    assert AuditEvent.objects.count() == before + 1
