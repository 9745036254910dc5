"""roster.history: one dated list of postings, appointments, secondments,
retirement exceptions and field changes (before/after, who, reason)."""

# Fixtures are imported and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.roster import services
from bianzhi.roster.history import field_changes, person_history
from bianzhi.roster.models import Person
from tests.roster.helpers import permit_for

from .helpers import (  # noqa: F401 - fixtures
    ADM,
    OFFICE,
    TODAY,
    appoint,
    city,
    hr,
    providers,
    set_leader_posts,
    units,
)
from .search_cast import cast  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def kinds(events) -> list[str]:
    return [e.kind for e in events]


def test_an_enrollment_and_its_recorder(cast):
    events = person_history(cast.zhangsan.person)
    assert kinds(events) == ["enroll"]
    (enrolled,) = events
    assert enrolled.date == dt.date(2022, 3, 1)
    assert enrolled.unit_name == "示例市财政局"
    assert enrolled.channel == "考录"
    assert enrolled.doc_no == "示编〔2026〕1号"
    assert "进入本单位时间 2020-05-01" in enrolled.details
    # The audit event that wrote the posting names who recorded it.
    assert enrolled.recorded is not None
    assert enrolled.recorded.actor_name == OFFICE.name
    assert enrolled.recorded.operation == "person_enroll"


def test_field_changes_with_before_after_who_and_reason(cast):
    person = cast.zhangsan.person
    unit_hr = hr(cast.units["bureau"])
    services.person_update_fields(
        actor=unit_hr,
        person=person.pk,
        changes={"education": "研究生", "position_title": "科长"},
        today=TODAY,
    )
    services.person_change_locked_field(
        actor=OFFICE,
        person=person.pk,
        field="name",
        value="张叁",
        reason="户籍姓名更正",
        today=TODAY,
    )
    events = person_history(Person.objects.get(pk=person.pk))
    assert kinds(events) == ["enroll", "field_change", "field_change"]
    edu, name = events[1], events[2]
    assert {(c.field, c.before_text, c.after_text) for c in edu.changes} == {
        ("education", "大学本科", "研究生"),
        ("position_title", "—", "科长"),
    }
    assert edu.recorded.actor_name == unit_hr.name
    assert edu.recorded.role == "unit_hr"
    assert [(c.label, c.before, c.after) for c in name.changes] == [
        ("姓名", "张三", "张叁")
    ]
    assert name.reason == "户籍姓名更正"
    assert name.recorded.operation == "person_change_locked_field"
    # Field changes are dated by when they were recorded.
    assert edu.date == name.date


def test_transfer_release_appointment_secondment_and_exception(cast):
    person = cast.zhouba.person
    set_leader_posts(cast.units["bureau"], 1)
    appointment = appoint(cast.zhouba, start_date=dt.date(2024, 1, 1), reason="补录")
    services.secondment_record(
        actor=OFFICE,
        person=person.pk,
        host_unit=cast.units["other"],
        start_date="2024-03-01",
        end_date="2024-08-31",
        doc_no="示组〔2024〕9号",
        reason="专项工作",
        today=TODAY,
    )
    moved = services.person_transfer(
        actor=OFFICE,
        person=person.pk,
        to_unit=cast.units["other"],
        category=ADM,
        funding="full",
        start_date=TODAY,
        doc_no="示组〔2026〕7号",
        today=TODAY,
        permit=permit_for(cast.units["other"], channel="transfer_in"),
    )
    services.person_release(
        actor=OFFICE,
        posting=moved,
        reason_code="辞职",
        exit_date=TODAY + dt.timedelta(days=1),
        today=TODAY + dt.timedelta(days=1),
    )
    events = person_history(Person.objects.get(pk=person.pk))
    assert kinds(events) == [
        "enroll",
        "appointment_start",
        "secondment_start",
        "secondment_end",
        "appointment_end",
        "transfer",
        "release",
    ]
    by_kind = {e.kind: e for e in events}
    transfer = by_kind["transfer"]
    assert (transfer.from_unit_name, transfer.unit_name) == (
        "示例市财政局",
        "示例市审计局",
    )
    assert transfer.doc_no == "示组〔2026〕7号"
    assert transfer.recorded.operation == "person_transfer"
    # The transfer ended the appointment on the same day.
    assert by_kind["appointment_end"].date == TODAY
    assert by_kind["appointment_end"].recorded.operation == "person_transfer"
    assert by_kind["appointment_start"].title.endswith(appointment.title)
    assert by_kind["secondment_start"].reason == "专项工作"
    assert by_kind["secondment_end"].date == dt.date(2024, 8, 31)
    release = by_kind["release"]
    assert (release.reason, release.date) == ("辞职", TODAY + dt.timedelta(days=1))
    assert release.recorded.operation == "person_release"


def test_retirement_exception_and_ordering(cast):
    events = person_history(cast.fenger.person)
    assert kinds(events) == ["enroll", "retirement_exception"]
    exception = events[1]
    assert exception.doc_no == "组通字〔2015〕14号"
    assert exception.date == dt.date(2020, 1, 1)
    assert exception.recorded.operation == "retirement_exception_record"
    # Same day: ends before starts, starts before exceptions.
    assert [e.order[0] for e in events] == [1, 4]


def test_identity_changed_with_a_transfer_is_dated_by_the_transfer(cast):
    person = cast.fenger.person
    services.person_transfer(
        actor=OFFICE,
        person=person.pk,
        to_unit=cast.units["other"],
        category=ADM,
        funding="full",
        start_date=dt.date(2026, 6, 1),
        doc_no="示组〔2026〕8号",
        approval_ref="示编特〔2026〕1号",
        identity="公务员",
        reason="补录",
        today=TODAY,
        permit=permit_for(cast.units["other"], channel="transfer_in"),
    )
    events = person_history(Person.objects.get(pk=person.pk))
    change = next(e for e in events if e.kind == "field_change")
    assert change.date == dt.date(2026, 6, 1)
    assert [(c.field, c.before_text, c.after_text) for c in change.changes] == [
        ("identity", "参公人员", "公务员")
    ]


def test_a_person_with_no_events_of_others(cast):
    # Another person's audit records never leak into this history.
    lisi = person_history(cast.lisi.person)
    assert kinds(lisi) == ["enroll"]
    assert lisi[0].unit_name == "示例市财政局"


def test_field_changes_ignore_bookkeeping_columns():
    before = {"name": "甲", "updated_at": "2026-01-01T00:00:00Z", "rank": ""}
    after = {"name": "甲", "updated_at": "2026-02-01T00:00:00Z", "rank": "clerk_1"}
    (change,) = field_changes(before, after)
    assert (change.field, change.before_text, change.after_text) == (
        "rank",
        "—",
        "一级科员",
    )
    assert field_changes(None, after) == []


def test_without_the_audit_trail_only_roster_rows(cast):
    person = cast.zhangsan.person
    services.person_update_fields(
        actor=OFFICE, person=person.pk, changes={"education": "研究生"}, today=TODAY
    )
    quick = person_history(person, audit=False)
    assert kinds(quick) == ["enroll"]
    assert quick[0].recorded is None
    assert kinds(person_history(person)) == ["enroll", "field_change"]
