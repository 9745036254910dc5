"""Back-dated and future-dated movements, `daily`, as-of queries, reversals."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.quota import checks, daily, selectors, services
from bianzhi.quota.models import Loan, QuotaAccount, QuotaEntry, QuotaMovement

from .conftest import ADM, LEADER, TODAY, account, approved, common, refused

E = ErrorCode
DAY = dt.timedelta(days=1)
SYSTEM = Actor.system("每日任务")


def recall(unit, amount, **kw):
    return services.quota_recall(
        **common(unit=unit, category=ADM, funding="full", amount=amount, **kw)
    )


def grant(unit, amount, **kw):
    return services.quota_grant(
        **common(unit=unit, category=ADM, funding="full", amount=amount, **kw)
    )


# --- back-dated ----------------------------------------------------------------


def test_backdated_movement_writes_entries_at_its_date(funded, city):
    services.quota_increase_total(
        **common(
            region=city,
            category=ADM,
            funding="full",
            amount=5,
            effective_date=TODAY - 20 * DAY,
            reason="补录上级文件",
        )
    )
    movement = grant(funded["party"], 5, effective_date=TODAY - 10 * DAY, reason="补录")
    assert set(movement.entries.values_list("effective_date", flat=True)) == {
        TODAY - 10 * DAY
    }
    assert approved(funded["party"]) == 5
    party = funded["party"]
    assert (
        selectors.unit_accounts(party, as_of=TODAY - 11 * DAY, today=TODAY)[0].approved
        == 0
    )
    assert (
        selectors.unit_accounts(party, as_of=TODAY - 10 * DAY, today=TODAY)[0].approved
        == 5
    )
    assert checks.problems(today=TODAY) == []


def test_backdated_reduction_is_checked_on_every_date_since(funded):
    """Today's counter has enough, but on the back-dated day the unit had nothing."""
    finance = funded["finance"]  # granted 20 today
    with refused(E.QUOTA_NEGATIVE) as info:
        recall(finance, 1, effective_date=TODAY - 5 * DAY, reason="补录")
    assert str(TODAY - 5 * DAY) in info.value.message


def test_backdated_reduction_fails_on_a_later_low_point(funded, city):
    """Enough on D, but a recall between D and today left too little."""
    party = funded["party"]
    services.quota_increase_total(
        **common(
            region=city,
            category=ADM,
            funding="full",
            amount=10,
            effective_date=TODAY - 30 * DAY,
            reason="补录",
        )
    )
    grant(party, 10, effective_date=TODAY - 30 * DAY, reason="补录")
    recall(party, 8, effective_date=TODAY - 10 * DAY, reason="补录")
    grant(party, 10)  # today: the counter is 12 again
    assert approved(party) == 12
    with refused(E.QUOTA_NEGATIVE) as info:
        recall(party, 3, effective_date=TODAY - 20 * DAY, reason="补录")
    assert str(TODAY - 10 * DAY) in info.value.message
    recall(party, 2, effective_date=TODAY - 20 * DAY, reason="补录")
    assert approved(party) == 10
    assert checks.problems(today=TODAY) == []


@pytest.fixture
def occupancy():
    """A stand-in roster: 8 people in every account on past dates."""

    def provider(ids, as_of):
        return dict.fromkeys(ids, 8)

    selectors.register_occupancy_provider(
        provider, change_dates=lambda ids, start, end: [start]
    )
    yield
    # Put the real roster's providers back for the rest of the test process.
    from bianzhi.roster.selectors import register_providers

    register_providers()


def test_backdated_reduction_respects_past_occupancy(funded, city, occupancy):
    party = funded["party"]
    services.quota_increase_total(
        **common(
            region=city,
            category=ADM,
            funding="full",
            amount=10,
            effective_date=TODAY - 30 * DAY,
            reason="补录",
        )
    )
    grant(party, 10, effective_date=TODAY - 30 * DAY, reason="补录")
    with refused(E.QUOTA_NEGATIVE):
        recall(party, 3, effective_date=TODAY - 20 * DAY, reason="补录")
    recall(party, 2, effective_date=TODAY - 20 * DAY, reason="补录")
    # The as-of view takes its occupancy from the provider too.
    view = selectors.unit_accounts(party, as_of=TODAY - DAY, today=TODAY)[0]
    assert (view.approved, view.occupied, view.vacancy) == (8, 8, 0)


# --- future-dated ----------------------------------------------------------------


def test_future_movement_is_pending_until_daily(funded, city):
    finance, due = funded["finance"], TODAY + 10 * DAY
    before_entries = QuotaEntry.objects.count()
    movement = recall(finance, 5, effective_date=due)
    assert movement.status == QuotaMovement.Status.PENDING
    assert QuotaEntry.objects.count() == before_entries
    assert approved(finance) == 20
    assert len(movement.legs) == 2
    event = AuditEvent.objects.order_by("-seq").first()
    assert "待生效" in event.summary
    # As-of queries after the date include it; today's do not.
    assert selectors.unit_accounts(finance, as_of=due, today=TODAY)[0].approved == 15
    assert (
        selectors.unit_accounts(finance, as_of=due - DAY, today=TODAY)[0].approved == 20
    )
    views = selectors.region_accounts(city, as_of=due, today=TODAY)
    reserve = {(v.holder_kind, v.category.code): v.approved for v in views}
    assert reserve[("reserve", ADM)] == 65
    # Not yet due: nothing happens.
    assert daily.run(actor=SYSTEM, today=due - DAY) == ["没有到期的待生效编制变动"]
    lines = daily.run(actor=SYSTEM, today=due)
    assert lines[0].startswith("已入账")
    movement.refresh_from_db()
    assert movement.status == QuotaMovement.Status.APPLIED
    assert approved(finance) == 15
    assert set(movement.entries.values_list("effective_date", flat=True)) == {due}
    assert (
        AuditEvent.objects.order_by("-seq").first().operation == "quota_movement_apply"
    )
    # Idempotent.
    events = AuditEvent.objects.count()
    daily.run(actor=SYSTEM, today=due)
    assert AuditEvent.objects.count() == events
    assert movement.entries.count() == 2
    assert checks.problems(today=due) == []


def test_future_movement_checked_against_projected_state(funded):
    finance = funded["finance"]
    recall(finance, 15, effective_date=TODAY + 5 * DAY)
    # Today 20, but 15 are already scheduled to go on day 5: only 5 left then.
    with refused(E.QUOTA_NEGATIVE):
        recall(finance, 6, effective_date=TODAY + 10 * DAY)
    # A later reduction may not break an earlier-scheduled... the projection after.
    with refused(E.QUOTA_NEGATIVE):
        recall(finance, 6, effective_date=TODAY + 2 * DAY)
    recall(finance, 5, effective_date=TODAY + 2 * DAY)


def test_pending_credit_counts_in_the_projection(funded):
    party = funded["party"]
    grant(party, 4, effective_date=TODAY + 3 * DAY)
    with refused(E.QUOTA_NEGATIVE):
        recall(party, 1, effective_date=TODAY + 2 * DAY)
    recall(party, 4, effective_date=TODAY + 3 * DAY)
    assert daily.run(actor=SYSTEM, today=TODAY + 3 * DAY)[1].startswith("已入账")
    assert approved(party) == 0


def test_daily_flags_a_movement_that_now_breaks_a_rule(funded):
    finance, due = funded["finance"], TODAY + 5 * DAY
    scheduled = recall(finance, 10, effective_date=due)
    recall(finance, 15)  # today: leaves 5, the scheduled recall of 10 cannot happen
    before = list(
        QuotaAccount.objects.order_by("pk").values_list("approved", flat=True)
    )
    lines = daily.run(actor=SYSTEM, today=due)
    assert lines[0].startswith("未能入账")
    scheduled.refresh_from_db()
    assert scheduled.status == QuotaMovement.Status.FLAGGED
    assert "空编5名" in scheduled.flag_reason
    assert not scheduled.entries.exists()
    assert (
        list(QuotaAccount.objects.order_by("pk").values_list("approved", flat=True))
        == before
    )
    assert (
        AuditEvent.objects.order_by("-seq").first().operation == "quota_movement_flag"
    )
    assert daily.run(actor=SYSTEM, today=due) == ["没有到期的待生效编制变动"]
    assert checks.problems(today=due) == []


def test_daily_applies_late_and_rechecks_the_days_missed(funded):
    finance = funded["finance"]
    recall(finance, 3, effective_date=TODAY + DAY)
    daily.run(actor=SYSTEM, today=TODAY + 4 * DAY)
    assert approved(finance) == 17
    assert checks.problems(today=TODAY + 4 * DAY) == []


def test_pending_overdue_is_a_check_problem(funded):
    recall(funded["finance"], 1, effective_date=TODAY + DAY)
    assert checks.problems(today=TODAY + DAY) == []
    codes = [p["code"] for p in checks.problems(today=TODAY + 2 * DAY)]
    assert codes == ["QUOTA_PENDING_OVERDUE"]


def test_future_loan_creates_the_loan_when_applied(funded):
    due = TODAY + 7 * DAY
    movement = services.quota_loan(
        **common(
            unit=funded["audit"],
            category=ADM,
            funding="full",
            amount=2,
            effective_date=due,
        )
    )
    assert not Loan.objects.exists()
    daily.run(actor=SYSTEM, today=due)
    loan = Loan.objects.get(movement=movement)
    assert loan.due_date == dt.date(2027, 6, 22)
    assert loan.outstanding == 2


def test_future_reform_flags_over_when_applied(funded):
    finance, due = funded["finance"], TODAY + 3 * DAY
    QuotaAccount.objects.filter(pk=account(finance).pk).update(occupied=19)
    recall(finance, 5, effective_date=due, actor=LEADER, reform=True, reason="改革")
    daily.run(actor=SYSTEM, today=due)
    acc = account(finance)
    assert (acc.approved, acc.over, acc.over_since) == (15, 4, due)


def test_overdue_loans_are_a_warning_in_daily(funded):
    services.quota_loan(
        **common(
            unit=funded["audit"],
            category=ADM,
            funding="full",
            amount=1,
            due_date=TODAY + DAY,
        )
    )
    lines = daily.run(actor=SYSTEM, today=TODAY + 2 * DAY)
    assert any("到期未归还1笔" in line for line in lines)
    assert Loan.objects.get().outstanding == 1  # never returned by force


# --- reversals --------------------------------------------------------------------


def reverse(movement, **kw):
    kw.setdefault("reason", "文号录错")
    return services.movement_reverse(
        actor=kw.pop("actor", common()["actor"]),
        movement=movement,
        doc_no="示编〔2026〕2号",
        today=kw.pop("today", TODAY),
        **kw,
    )


def test_reverse_a_grant(funded, city):
    movement = grant(funded["party"], 3)
    reversal = reverse(movement)
    assert (reversal.kind, reversal.related_id) == ("recall", movement.pk)
    assert reversal.effective_date == movement.effective_date
    assert approved(funded["party"]) == 0
    assert approved(city, holder="reserve") == 60
    assert (
        AuditEvent.objects.order_by("-seq").first().operation
        == "quota_movement_reverse"
    )
    with refused(E.MOVEMENT_INVALID):
        reverse(movement)  # already reversed
    with refused(E.MOVEMENT_INVALID):
        reverse(reversal)  # a reversal is not reversed
    assert checks.problems(today=TODAY) == []
    assert audit.verify_chain().ok


def test_reverse_needs_a_reason(funded):
    movement = grant(funded["party"], 1)
    with refused(E.FIELD_REQUIRED):
        reverse(movement, reason=" ")


def test_reverse_a_used_grant_is_refused(funded):
    movement = grant(funded["party"], 3)
    QuotaAccount.objects.filter(pk=account(funded["party"]).pk).update(occupied=2)
    with refused(E.QUOTA_NEGATIVE):
        reverse(movement)


def test_reverse_a_backdated_movement_keeps_its_date(funded, city):
    services.quota_increase_total(
        **common(
            region=city,
            category=ADM,
            funding="full",
            amount=4,
            effective_date=TODAY - 9 * DAY,
            reason="补录",
        )
    )
    movement = grant(funded["party"], 4, effective_date=TODAY - 9 * DAY, reason="补录")
    reversal = reverse(movement)
    assert reversal.effective_date == TODAY - 9 * DAY
    view = selectors.unit_accounts(funded["party"], as_of=TODAY - 5 * DAY, today=TODAY)
    assert view[0].approved == 0


def test_reverse_loans_and_returns(funded):
    loan_movement = services.quota_loan(
        **common(unit=funded["audit"], category=ADM, funding="full", amount=4)
    )
    loan = Loan.objects.get(movement=loan_movement)
    returned = services.quota_return(**common(loan=loan, amount=1))
    with refused(E.MOVEMENT_INVALID):
        reverse(loan_movement)  # partly returned: reverse the return first
    reverse(returned)
    loan.refresh_from_db()
    assert loan.outstanding == 4
    reverse(loan_movement)
    loan.refresh_from_db()
    assert loan.outstanding == 0
    assert approved(funded["audit"]) == 10
    assert checks.problems(today=TODAY) == []


def test_reverse_a_conversion_needs_no_special_approval(funded):
    town = funded["town"]
    services.quota_grant(
        **common(unit=town, category="institutional", funding="full", amount=3)
    )
    movement = services.quota_conversion(
        **common(
            unit=town,
            category="institutional",
            funding="full",
            to_category="institutional",
            to_funding="partial",
            amount=2,
        )
    )
    reverse(movement)
    assert approved(town, "institutional", "full") == 3
    assert approved(town, "institutional", "partial") == 0
    assert checks.problems(today=TODAY) == []


def test_reverse_a_pending_movement_schedules_the_reversal(funded):
    finance, due = funded["finance"], TODAY + 4 * DAY
    movement = recall(finance, 5, effective_date=due)
    reversal = reverse(movement)
    assert reversal.status == QuotaMovement.Status.PENDING
    assert selectors.unit_accounts(finance, as_of=due, today=TODAY)[0].approved == 20
    daily.run(actor=SYSTEM, today=due)
    assert approved(finance) == 20
    assert (
        QuotaMovement.objects.filter(
            status="applied", pk__in=[movement.pk, reversal.pk]
        ).count()
        == 2
    )
    assert checks.problems(today=due) == []


def test_reversal_of_a_flagged_movement_is_flagged_too(funded):
    finance, due = funded["finance"], TODAY + 4 * DAY
    movement = recall(finance, 10, effective_date=due)
    reversal = reverse(movement)
    recall(finance, 15)  # the scheduled recall will fail
    daily.run(actor=SYSTEM, today=due)
    movement.refresh_from_db()
    reversal.refresh_from_db()
    assert (movement.status, reversal.status) == ("flagged", "flagged")
    assert approved(finance) == 5
    with refused(E.MOVEMENT_INVALID):
        reverse(movement)  # flagged: nothing to reverse


def test_reverse_an_overdue_pending_movement_is_refused(funded):
    movement = recall(funded["finance"], 1, effective_date=TODAY + DAY)
    with refused(E.MOVEMENT_INVALID):
        reverse(movement, today=TODAY + 2 * DAY)


def test_daily_is_run_by_the_office_or_the_system(funded):
    recall(funded["finance"], 1, effective_date=TODAY + DAY)
    hr = Actor(user_id=3, name="王五", role="unit_hr", scope="unit:1")
    with refused(E.ROLE_FORBIDDEN):
        daily.run(actor=hr, today=TODAY + DAY)


def test_daily_flags_a_grant_to_a_unit_revoked_meanwhile(funded):
    party, due = funded["party"], TODAY + 2 * DAY
    scheduled = grant(party, 2, effective_date=due)
    type(party).objects.filter(pk=party.pk).update(status="revoked")
    assert daily.run(actor=SYSTEM, today=due)[0].startswith("未能入账")
    scheduled.refresh_from_db()
    assert scheduled.status == QuotaMovement.Status.FLAGGED
    assert "已撤销或合并" in scheduled.flag_reason
    assert approved(party) == 0
