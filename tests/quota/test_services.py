"""Quota movement services: each kind's legs, counters, entries and audit event."""

from __future__ import annotations

import datetime as dt

from bianzhi.core import audit
from bianzhi.core.models import AuditEvent
from bianzhi.quota import checks, selectors, services
from bianzhi.quota.models import Loan, QuotaAccount, QuotaEntry, QuotaMovement

from .conftest import ADM, INS, TODAY, account, approved, common


def last_event() -> AuditEvent:
    return AuditEvent.objects.order_by("-seq").first()


def assert_clean():
    assert checks.problems(today=TODAY) == []
    assert audit.verify_chain().ok


def test_increase_total_and_grant(city, units):
    services.quota_increase_total(
        **common(region=city, category=ADM, funding="full", amount=30)
    )
    assert approved(city, holder="external") == -30
    assert approved(city, holder="reserve") == 30
    movement = services.quota_grant(
        **common(unit=units["finance"], category=ADM, funding="full", amount=12)
    )
    assert movement.status == QuotaMovement.Status.APPLIED
    assert approved(units["finance"]) == 12
    assert approved(city, holder="reserve") == 18
    entries = list(movement.entries.values_list("amount", flat=True))
    assert sorted(entries) == [-12, 12]
    event = last_event()
    assert event.operation == "quota_grant"
    assert event.doc_no == "示编〔2026〕1号"
    models = [r["model"] for r in event.records]
    assert models.count("quota.QuotaMovement") == 1
    assert models.count("quota.QuotaEntry") == 2
    # The unit account was opened by this grant: before=None, after=12.
    opened = [
        r
        for r in event.records
        if r["model"] == "quota.QuotaAccount" and r["before"] is None
    ]
    assert [r["after"]["approved"] for r in opened] == [12]
    reserve = [
        r for r in event.records if r["model"] == "quota.QuotaAccount" and r["before"]
    ]
    assert [(r["before"]["approved"], r["after"]["approved"]) for r in reserve] == [
        (30, 18)
    ]
    assert_clean()


def test_accounts_are_opened_once(funded):
    before = QuotaAccount.objects.count()
    services.quota_grant(
        **common(unit=funded["finance"], category=ADM, funding="full", amount=1)
    )
    assert QuotaAccount.objects.count() == before


def test_recall(funded, city):
    services.quota_recall(
        **common(unit=funded["finance"], category=ADM, funding="full", amount=5)
    )
    assert approved(funded["finance"]) == 15
    assert approved(city, holder="reserve") == 65
    assert last_event().operation == "quota_recall"
    assert_clean()


def test_transfer_same_region(funded):
    services.quota_transfer(
        **common(
            source_unit=funded["finance"],
            target_unit=funded["party"],
            category=ADM,
            funding="full",
            amount=4,
        )
    )
    assert approved(funded["finance"]) == 16
    assert approved(funded["party"]) == 4
    assert_clean()


def test_pool_fund_and_defund(funded, city):
    services.quota_pool_fund(
        **common(region=city, category=ADM, funding="full", amount=5)
    )
    assert approved(city, holder="pool") == 15
    services.quota_pool_defund(
        **common(region=city, category=ADM, funding="full", amount=7)
    )
    assert approved(city, holder="pool") == 8
    assert approved(city, holder="reserve") == 62
    assert_clean()


def test_loan_and_return(funded, city):
    movement = services.quota_loan(
        **common(unit=funded["audit"], category=ADM, funding="full", amount=4)
    )
    loan = Loan.objects.get(movement=movement)
    assert (loan.amount, loan.outstanding) == (4, 4)
    assert loan.due_date == dt.date(2027, 6, 15)  # 12 months by default
    assert approved(funded["audit"]) == 14  # a loan counts in approved
    assert approved(city, holder="pool") == 6
    view = next(
        v for v in selectors.unit_accounts(funded["audit"]) if v.category.code == ADM
    )
    assert view.borrowed == 4 and view.loans[0].due_date == dt.date(2027, 6, 15)
    ret = services.quota_return(**common(loan=loan, amount=3))
    assert ret.related_id == movement.pk
    loan.refresh_from_db()
    assert loan.outstanding == 1
    assert approved(funded["audit"]) == 11
    assert approved(city, holder="pool") == 9
    assert [x.pk for x in selectors.loans_outstanding(unit=funded["audit"])] == [
        loan.pk
    ]
    services.quota_return(**common(loan=loan, amount=1))
    loan.refresh_from_db()
    assert loan.outstanding == 0
    assert not selectors.loans_outstanding(region=city).exists()
    assert_clean()


def test_loan_with_explicit_due_date(funded):
    movement = services.quota_loan(
        **common(
            unit=funded["audit"],
            category=ADM,
            funding="full",
            amount=1,
            due_date="2026-12-31",
        )
    )
    assert movement.loan.due_date == dt.date(2026, 12, 31)


def test_write_off_lowers_the_control_total(funded, city):
    services.quota_write_off(
        **common(region=city, category=ADM, funding="full", amount=10)
    )
    total = next(t for t in selectors.control_totals(city) if t.category.code == ADM)
    assert (total.total, total.units, total.reserve, total.pool) == (90, 30, 50, 10)
    assert total.balanced
    assert_clean()


def test_transfer_between_regions(funded, city, district):
    out, into = services.quota_transfer_between_regions(
        **common(
            source_region=city,
            target_region=district,
            category=ADM,
            funding="full",
            amount=6,
        )
    )
    assert (out.kind, out.region_id) == ("write_off", city.pk)
    assert (into.kind, into.region_id, into.related_id) == (
        "increase_total",
        district.pk,
        out.pk,
    )
    assert out.doc_no == into.doc_no
    assert approved(city, holder="reserve") == 54
    assert approved(district, holder="reserve") == 6
    assert approved(district, holder="external") == -6
    # One business operation, one audit event listing both movements.
    event = last_event()
    assert event.operation == "quota_transfer_between_regions"
    assert [r["model"] for r in event.records].count("quota.QuotaMovement") == 2
    assert_clean()


def test_conversion_moves_between_accounts_and_control_totals(funded, city):
    town = funded["town"]
    services.quota_grant(**common(unit=town, category=INS, funding="full", amount=5))
    movement = services.quota_conversion(
        **common(
            unit=town,
            category=INS,
            funding="full",
            to_category=INS,
            to_funding="partial",
            amount=2,
        )
    )
    assert approved(town, INS, "full") == 3
    assert approved(town, INS, "partial") == 2
    assert movement.entries.count() == 4
    totals = {(t.category.code, t.funding): t for t in selectors.control_totals(city)}
    assert totals[(INS, "full")].total == 48
    assert totals[(INS, "partial")].total == 2
    assert all(t.balanced for t in totals.values())
    assert_clean()


def test_conversion_upward_with_approval(funded):
    town = funded["town"]
    services.quota_grant(**common(unit=town, category=INS, funding="full", amount=5))
    services.quota_conversion(
        **common(
            unit=town,
            category=INS,
            funding="full",
            to_category=ADM,
            to_funding="full",
            amount=1,
            approval_ref="示编〔2026〕8号",
        )
    )
    assert approved(town, ADM, "full") == 1
    assert_clean()


def test_reform_reduction_cuts_below_use_and_flags_over(funded, city):
    from .conftest import LEADER

    QuotaAccount.objects.filter(pk=account(funded["finance"]).pk).update(occupied=18)
    services.quota_recall(
        **common(
            actor=LEADER,
            unit=funded["finance"],
            category=ADM,
            funding="full",
            amount=5,
            reform=True,
            reason="机构改革精简",
        )
    )
    acc = account(funded["finance"])
    assert (acc.approved, acc.occupied, acc.over) == (15, 18, 3)
    assert acc.over_since == TODAY
    assert "示编〔2026〕1号" in acc.over_reason
    view = selectors.unit_accounts(funded["finance"])[0]
    assert (view.over, view.over_since, view.vacancy) == (3, TODAY, -3)
    # A later grant that digests the excess clears the flag.
    services.quota_grant(
        **common(unit=funded["finance"], category=ADM, funding="full", amount=3)
    )
    acc.refresh_from_db()
    assert acc.over_since is None and acc.over_reason == ""
    assert checks.problems(today=TODAY) == []


def test_grant_accepts_category_name_and_funding_label(funded):
    services.quota_grant(
        **common(
            unit=funded["party"], category="行政编制", funding="财政拨款", amount=2
        )
    )
    assert approved(funded["party"]) == 2


def test_as_of_unit_accounts_and_known_at(funded):
    party, d = funded["party"], TODAY - dt.timedelta(days=30)
    before = QuotaMovement.objects.order_by("-recorded_at").first().recorded_at
    services.quota_increase_total(
        **common(
            region=party.region,
            category=ADM,
            funding="full",
            amount=3,
            effective_date=d,
            reason="补录",
        )
    )
    services.quota_grant(
        **common(
            unit=party,
            category=ADM,
            funding="full",
            amount=3,
            effective_date=d,
            reason="补录",
        )
    )
    day = dt.timedelta(days=1)
    assert selectors.unit_accounts(party, as_of=d - day, today=TODAY)[0].approved == 0
    assert selectors.unit_accounts(party, as_of=d, today=TODAY)[0].approved == 3
    assert selectors.unit_accounts(party)[0].approved == 3
    known = selectors.unit_accounts(party, as_of=TODAY, today=TODAY, known_at=before)
    assert known[0].approved == 0


def test_movements_queryset_filters(funded, city):
    services.quota_transfer(
        **common(
            source_unit=funded["finance"],
            target_unit=funded["audit"],
            category=ADM,
            funding="full",
            amount=1,
        )
    )
    qs = selectors.movements_queryset(unit=funded["audit"])
    assert sorted(qs.values_list("kind", flat=True)) == ["grant", "transfer"]
    assert (
        selectors.movements_queryset(region_codes=[city.pk], kind="pool_fund").count()
        == 1
    )
    assert (
        selectors.movements_queryset(doc_no="2026").count()
        == QuotaMovement.objects.count()
    )
    assert QuotaEntry.objects.filter(movement__in=qs).count() == 4
