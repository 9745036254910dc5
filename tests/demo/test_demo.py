"""`bianzhi demo` on a small city: the ledger's invariants, the story's
features and the command-line contract (DOMAIN §3, issue item 5)."""

import datetime as dt
import io
from collections import defaultdict

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.utils import timezone

from bianzhi.core.audit import verify_chain
from bianzhi.core.codes import parse_uscc
from bianzhi.core.models import AuditEvent
from bianzhi.demo.logins import DEMO_PASSWORD, LOGINS
from bianzhi.orgs import checks as orgs_checks
from bianzhi.orgs import selectors as orgs_selectors
from bianzhi.orgs.models import AgencyCap, Mandate, Region, Unit, UnitChange
from bianzhi.quota import checks as quota_checks
from bianzhi.quota.models import Loan, QuotaAccount, QuotaEntry, QuotaMovement

pytestmark = pytest.mark.django_db


def test_output_has_summary_logins_and_persons_note(loaded):
    assert "示例数据已载入（随机种子 2026" in loaded
    assert "实名制人员" in loaded
    assert f"密码均为 {DEMO_PASSWORD}" in loaded
    for login in LOGINS:
        assert login.username in loaded


def test_every_region_conserves_quota(loaded):
    totals = defaultdict(int)
    for row in QuotaAccount.objects.values(
        "region_id", "category_id", "funding"
    ).annotate(total=Sum("approved")):
        totals[(row["region_id"], row["category_id"], row["funding"])] += row["total"]
    assert totals and all(total == 0 for total in totals.values()), totals
    legs = QuotaEntry.objects.values(
        "account__region_id", "account__category_id", "account__funding"
    ).annotate(total=Sum("amount"))
    assert all(row["total"] == 0 for row in legs)


def test_no_negative_balance(loaded):
    assert not QuotaAccount.objects.exclude(holder_kind="external").filter(
        approved__lt=0
    )
    assert QuotaAccount.objects.filter(holder_kind="reserve", approved__gt=0).exists()


def test_in_cap_units_within_caps_at_every_year(loaded):
    today = timezone.localdate()
    capped = Region.objects.filter(agency_caps__isnull=False).distinct()
    assert capped.count() == 2  # the city and the one district of the small scale
    for region in capped:
        for year in range(2015, today.year + 1):
            day = min(dt.date(year, 12, 31), today)
            cap = orgs_selectors.agency_cap_as_of(region, day)
            assert orgs_selectors.in_cap_count(region, day) <= cap.cap, (region, day)


def test_checks_and_audit_chain_clean(loaded):
    assert quota_checks.problems() == []
    assert orgs_checks.problems() == []
    assert verify_chain().ok


def test_story_shows_history_reform_loans_and_schedule(loaded):
    movements = QuotaMovement.objects.all()
    assert movements.filter(status="pending", effective_date__gt=timezone.localdate())
    assert movements.filter(kind="recall", reform=True, status="applied")
    assert movements.filter(kind="conversion").exclude(approval_ref="")
    assert movements.filter(kind="write_off").count() == 1  # city → 东城区
    assert movements.filter(kind="return").count() == 1
    overdue = Loan.objects.filter(outstanding__gt=0, due_date__lt=timezone.localdate())
    assert overdue.count() >= 2
    assert movements.filter(effective_date__year=2015).exists()
    renamed = UnitChange.objects.filter(
        kind="rename", effective_date=dt.date(2019, 3, 1)
    )
    assert renamed.filter(unit__name="示例市卫生健康委员会").exists()
    assert (
        Unit.objects.get(name="示例市数据局").changes.filter(kind="rename").count() == 1
    )


def test_units_codes_and_mandates(loaded):
    units = Unit.objects.all()
    coordination = units.filter(kind="coordination")
    assert coordination.exists()
    assert not coordination.exclude(uscc="")
    assert not QuotaAccount.objects.filter(unit__kind="coordination")
    codes = [u.uscc for u in units.exclude(kind="coordination")]
    assert all(parse_uscc(code) == code for code in codes)
    assert len(set(codes)) == len(codes)
    assert {code[:2] for code in codes} >= {"11", "12", "13"}
    without = units.exclude(kind="coordination").exclude(
        id__in=Mandate.objects.values("unit_id")
    )
    assert 0 < without.count() < units.count() // 5  # 「三定未录入」 for a few
    assert AgencyCap.objects.filter(region_id="990100", cap=56).exists()


def test_logins_work_with_the_printed_password(loaded):
    user = authenticate(username="edu_hr", password=DEMO_PASSWORD)
    assignment = user.role_assignments.get()
    assert (assignment.role, assignment.unit.short_name) == ("unit_hr", "市教育局")
    admin = authenticate(username="auditadmin", password=DEMO_PASSWORD)
    assert admin.role_assignments.get().scope_key == ""


def test_if_empty_on_a_loaded_database_does_nothing(loaded):
    before = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert "未载入示例数据" in out.getvalue()
    assert "demo12345" in out.getvalue()  # make run prints the logins every time
    assert AuditEvent.objects.count() == before


def test_refuses_a_loaded_database(loaded):
    before = Unit.objects.count()
    with pytest.raises(CommandError, match="只能载入空数据库"):
        call_command("demo", stdout=io.StringIO())
    assert Unit.objects.count() == before


def test_logins_only_prints_the_table(loaded):
    before = AuditEvent.objects.count()
    out = io.StringIO()
    call_command("demo", "--logins", stdout=out)
    assert "auditadmin" in out.getvalue() and "示例数据已载入" not in out.getvalue()
    assert AuditEvent.objects.count() == before
