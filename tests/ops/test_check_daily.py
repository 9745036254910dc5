"""`bianzhi check [--json]` and `bianzhi daily [--today]` through the CLI."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaAccount, QuotaMovement

TODAY = dt.date(2026, 6, 15)
OFFICE = Actor(user_id=1, name="张三", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕1号"


def run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def ledger(db):
    """A region and a unit made through the orgs services, with some quota."""
    city = orgs.region_create_local(
        actor=OFFICE, code="990100", name="示例市", level="city"
    )
    unit = orgs.unit_establish(
        actor=OFFICE,
        region=city,
        name="示例市财政局",
        kind="gov_dept",
        rank="division",
        doc_no=DOC,
        effective_date=dt.date(2020, 1, 1),
        reason="补录设立",
        today=TODAY,
    )
    common = dict(actor=OFFICE, doc_no=DOC, effective_date=TODAY, today=TODAY)
    quota.quota_increase_total(
        region=city, category="administrative", funding="full", amount=10, **common
    )
    quota.quota_grant(
        unit=unit, category="administrative", funding="full", amount=4, **common
    )
    return city, unit


def test_check_passes_on_a_sound_database(ledger):
    code, out, _ = run("bianzhi_check")
    assert code == 0
    assert "检查通过" in out


def test_check_json_is_exactly_the_agreed_object(ledger):
    code, out, _ = run("bianzhi_check", "--json")
    assert code == 0
    assert json.loads(out) == {"ok": True, "problems": []}


def test_check_reports_a_broken_counter_and_exits_1(ledger):
    _, unit = ledger
    account = QuotaAccount.objects.get(unit=unit)
    QuotaAccount.objects.filter(pk=account.pk).update(approved=7)
    code, out, _ = run("bianzhi_check", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert all(set(p) == {"code", "message", "object"} for p in data["problems"])
    mismatch = [p for p in data["problems"] if p["code"] == "QUOTA_COUNTER_MISMATCH"]
    assert mismatch and mismatch[0]["object"] == f"QuotaAccount:{account.pk}"
    code, out, _ = run("bianzhi_check")
    assert code == 1
    assert "QUOTA_COUNTER_MISMATCH" in out and "不一致" in out


def test_check_reports_a_tampered_audit_event(ledger):
    event = AuditEvent.objects.order_by("seq").last()
    AuditEvent.objects.filter(pk=event.pk).update(summary="改过的摘要")
    code, out, _ = run("bianzhi_check", "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert problems[0]["code"] == "AUDIT_TAMPERED"
    assert problems[0]["object"] == f"AuditEvent:{event.seq}"


def test_check_includes_the_roster_counters(ledger):
    _, unit = ledger
    account = QuotaAccount.objects.get(unit=unit)
    # Nobody is in post: an occupied counter of 1 disagrees with the postings.
    QuotaAccount.objects.filter(pk=account.pk).update(occupied=1)
    code, out, _ = run("bianzhi_check", "--json")
    assert code == 1
    codes = {p["code"] for p in json.loads(out)["problems"]}
    assert "ROSTER_OCCUPIED_MISMATCH" in codes


def test_cli_alias_check(ledger, capsys):
    from bianzhi.cli import main

    with pytest.raises(SystemExit) as info:
        QuotaAccount.objects.filter(unit=ledger[1]).update(approved=1)
        main(["check", "--json"])
    assert info.value.code == 1
    assert json.loads(capsys.readouterr().out)["ok"] is False


def test_daily_applies_due_movements_once(ledger):
    city, unit = ledger
    due = TODAY + dt.timedelta(days=3)
    movement = quota.quota_recall(
        actor=OFFICE,
        unit=unit,
        category="administrative",
        funding="full",
        amount=1,
        doc_no=DOC,
        effective_date=due,
        today=TODAY,
    )
    code, out, _ = run("daily", "--today", str(due - dt.timedelta(days=1)))
    assert code == 0 and "没有到期" in out
    code, out, _ = run("daily", "--today", due.isoformat())
    assert code == 0
    assert "编制：已入账" in out
    movement.refresh_from_db()
    assert movement.status == QuotaMovement.Status.APPLIED
    events = AuditEvent.objects.count()
    code, out, _ = run("daily", "--today", due.isoformat())
    assert "没有到期" in out
    assert AuditEvent.objects.count() == events
    code, out, _ = run("bianzhi_check")
    assert code == 0, out


def test_daily_rejects_a_bad_date(db):
    with pytest.raises(CommandError):
        call_command("daily", "--today", "2026-13-40", stdout=io.StringIO())
