"""`checks.problems()` finds every breach written around the services.

The breaches are made with direct ORM writes: that is exactly what the
verifier exists to catch.
"""

from __future__ import annotations

import datetime as dt

from bianzhi.orgs.models import Unit
from bianzhi.quota import checks, services
from bianzhi.quota.models import Loan, QuotaAccount, QuotaEntry, QuotaMovement

from .conftest import ADM, TODAY, account, common


def codes() -> list[str]:
    return sorted(p["code"] for p in checks.problems(today=TODAY))


def test_clean_ledger_has_no_problems(funded):
    assert checks.problems(today=TODAY) == []


def test_counter_mismatch(funded):
    acc = account(funded["finance"])
    QuotaAccount.objects.filter(pk=acc.pk).update(approved=25)
    found = checks.problems(today=TODAY)
    assert {p["code"] for p in found} == {
        "QUOTA_COUNTER_MISMATCH",
        "QUOTA_NOT_CONSERVED",
    }
    mismatch = next(p for p in found if p["code"] == "QUOTA_COUNTER_MISMATCH")
    assert mismatch["object"] == f"QuotaAccount:{acc.pk}"
    assert "25" in mismatch["message"] and "20" in mismatch["message"]
    assert mismatch["message"].startswith("编制账户示例市财政局")


def test_negative_history_and_unbalanced_movement(funded):
    acc = account(funded["finance"])
    grant = QuotaMovement.objects.filter(kind="grant").first()
    # An entry slipped in before the grant: the balance was negative that day.
    QuotaEntry.objects.create(
        movement=grant, account=acc, amount=-1, effective_date=dt.date(2026, 1, 1)
    )
    QuotaEntry.objects.create(
        movement=grant, account=acc, amount=1, effective_date=dt.date(2026, 2, 1)
    )
    assert codes() == ["QUOTA_NEGATIVE_HISTORY"]
    QuotaEntry.objects.create(
        movement=grant, account=acc, amount=2, effective_date=dt.date(2026, 2, 1)
    )
    assert "QUOTA_UNBALANCED" in codes()


def test_loan_outstanding_mismatch(funded):
    movement = services.quota_loan(
        **common(unit=funded["audit"], category=ADM, funding="full", amount=3)
    )
    Loan.objects.filter(movement=movement).update(outstanding=1)
    assert codes() == ["LOAN_OUTSTANDING_MISMATCH"]


def test_movement_without_entries(funded):
    QuotaMovement.objects.filter(kind="pool_fund").first().entries.all().delete()
    found = codes()
    assert "QUOTA_MOVEMENT_ENTRIES" in found
    assert "QUOTA_COUNTER_MISMATCH" in found


def test_inactive_unit_still_holding_quota(funded):
    Unit.objects.filter(pk=funded["audit"].pk).update(status="revoked")
    assert codes() == ["QUOTA_INACTIVE_UNIT_HOLDS"]


def test_unit_holding_a_category_its_kind_may_not(funded):
    Unit.objects.filter(pk=funded["finance"].pk).update(kind="institution")
    assert codes() == ["QUOTA_CATEGORY_NOT_ALLOWED"]


def test_over_quota_without_flag_is_a_problem_with_flag_is_not(funded):
    acc = account(funded["finance"])
    QuotaAccount.objects.filter(pk=acc.pk).update(occupied=21)
    assert codes() == ["QUOTA_OVER_UNFLAGGED"]
    QuotaAccount.objects.filter(pk=acc.pk).update(over_since=TODAY)
    assert codes() == []


def test_entries_on_another_regions_account(funded, district):
    services.quota_increase_total(
        **common(region=district, category=ADM, funding="full", amount=2)
    )
    movement = QuotaMovement.objects.filter(region=district).get()
    city_reserve = QuotaAccount.objects.get(
        region=funded["finance"].region, holder_kind="reserve", category_id=ADM
    )
    QuotaEntry.objects.filter(movement=movement, amount=2).update(account=city_reserve)
    assert "QUOTA_REGION_MISMATCH" in codes()
