import datetime as dt

from bianzhi.core import audit
from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import daily, selectors, services
from bianzhi.orgs.models import UnitChange

from .conftest import DOC, OFFICE, TODAY, UNIT_HR, establish, refused

LATER = TODAY + dt.timedelta(days=30)


def test_future_rename_is_pending_until_daily_applies_it(city):
    unit = establish(city, "示例市旧局")
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="示例市新局",
        doc_no=DOC,
        effective_date=LATER,
        today=TODAY,
    )
    unit.refresh_from_db()
    assert unit.name == "示例市旧局"  # the row keeps today's value
    change = UnitChange.objects.filter(unit=unit).last()
    assert (change.status, change.before, change.after) == (
        "pending",
        {"name": "示例市旧局"},
        {"name": "示例市新局"},
    )
    assert selectors.unit_as_of(unit, TODAY).name == "示例市旧局"
    assert selectors.unit_as_of(unit, LATER).name == "示例市新局"

    assert daily.run(actor=OFFICE, today=LATER - dt.timedelta(days=1)) == []
    messages = daily.run(actor=OFFICE, today=LATER)
    assert len(messages) == 1 and "已生效" in messages[0]
    unit.refresh_from_db()
    change.refresh_from_db()
    assert (unit.name, change.status) == ("示例市新局", "applied")
    assert AuditEvent.objects.last().operation == "unit_change_apply"

    events = AuditEvent.objects.count()
    assert daily.run(actor=OFFICE, today=LATER) == []  # idempotent
    assert AuditEvent.objects.count() == events
    assert audit.verify_chain().ok


def test_due_change_that_now_breaks_a_rule_is_flagged(city):
    unit = establish(city, "甲局")
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="乙局",
        doc_no=DOC,
        effective_date=LATER,
        today=TODAY,
    )
    establish(city, "乙局")  # takes the name meanwhile
    messages = daily.run(actor=OFFICE, today=LATER)
    assert "未能生效" in messages[0]
    change = UnitChange.objects.filter(unit=unit, kind="rename").get()
    unit.refresh_from_db()
    assert change.status == "flagged" and "同名" in change.flag_reason
    assert unit.name == "甲局"
    assert (
        selectors.unit_as_of(unit, LATER).name == "甲局"
    )  # flagged changes never count
    assert daily.run(actor=OFFICE, today=LATER) == []


def test_due_in_cap_flag_beyond_a_lowered_cap_is_flagged(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=2, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    establish(city, "甲局", in_cap=True)
    other = establish(city, "乙局")
    services.unit_change_attributes(
        actor=OFFICE,
        unit=other,
        doc_no=DOC,
        changes={"in_cap": True},
        effective_date=LATER,
        today=TODAY,
    )
    assert selectors.in_cap_count(city, LATER) == 2
    services.agency_cap_set(
        actor=OFFICE,
        region=city,
        cap=1,
        doc_no="示编〔2026〕5号",
        effective_date=TODAY + dt.timedelta(days=10),
        today=TODAY,
    )
    messages = daily.run(actor=OFFICE, today=LATER)
    assert "超出机构限额" in messages[0]
    other.refresh_from_db()
    assert not other.in_cap
    assert (
        UnitChange.objects.get(unit=other, kind="change_attributes").status == "flagged"
    )
    assert selectors.in_cap_count(city, LATER) == 1


def test_pending_change_is_checked_when_recorded(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=1, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    establish(city, "甲局", in_cap=True)
    other = establish(city, "乙局")
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED):
        services.unit_change_attributes(
            actor=OFFICE,
            unit=other,
            doc_no=DOC,
            changes={"in_cap": True},
            effective_date=LATER,
            today=TODAY,
        )


def test_future_body_change_is_marked_applied_by_daily(city):
    unit = establish(city, "甲局")
    body = services.internal_body_add(
        actor=OFFICE,
        unit=unit,
        name="办公室",
        rank="section",
        doc_no=DOC,
        effective_date=LATER,
        today=TODAY,
    )
    change = UnitChange.objects.get(unit=unit, kind="internal_body_add")
    assert change.status == "pending"
    assert selectors.internal_bodies_as_of(unit, TODAY) == []
    assert selectors.internal_bodies_as_of(unit, LATER) == [body]
    daily.run(actor=OFFICE, today=LATER)
    change.refresh_from_db()
    assert change.status == "applied"


def test_daily_needs_office(city):
    with refused(ErrorCode.ROLE_FORBIDDEN):
        daily.run(actor=UNIT_HR, today=TODAY)
