"""person_transfer: release + enroll in one transaction, the reverse-flow guard."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.roster import checks, services
from bianzhi.roster.models import Appointment, Posting

from .helpers import (  # noqa: F401 - fixtures
    ADM,
    INS,
    OFFICE,
    TODAY,
    account,
    appoint,
    city,
    enroll,
    hr,
    permit_for,
    person_data,
    providers,
    refused,
    set_leader_posts,
    units,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)
STAFF = dict(identity="事业人员", post_type="管理", rank="管理岗八级")


def transfer(person, to_unit, category=ADM, funding="full", **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("start_date", TODAY)
    kw.setdefault("doc_no", "示人〔2026〕7号")
    kw.setdefault("today", TODAY)
    with transaction.atomic():  # a refused transfer leaves no permit
        if "permit" not in kw:
            channel = kw.get("channel", "transfer_in")
            kw["permit"] = permit_for(to_unit, category, funding, channel)
        return services.person_transfer(
            person=person, to_unit=to_unit, category=category, funding=funding, **kw
        )


def test_transfer_between_units(units):
    bureau, other = units["bureau"], units["other"]
    set_leader_posts(bureau, 1)
    old = enroll(bureau, person_data(1), start_date=TODAY - 100 * DAY, reason="补录")
    appoint(old, start_date=TODAY - 90 * DAY, reason="补录")
    permit = permit_for(other, channel="转任")  # its own audit event
    events = AuditEvent.objects.count()
    new = transfer(old.person, other, channel="转任", permit=permit)
    old.refresh_from_db()
    assert (old.end_date, old.ended_by, old.end_reason) == (
        TODAY,
        "transfer",
        "transfer_out",
    )
    assert (new.unit, new.previous, new.move_kind, new.channel) == (
        other,
        old,
        "transfer",
        "lateral_transfer",
    )
    assert new.entered_unit_on == TODAY
    assert (account(bureau).occupied, account(other).occupied) == (0, 1)
    assert (
        Appointment.objects.get().end_date == TODAY
    )  # leader posts stay with the unit
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "person_transfer"
    assert sum(r["model"] == "roster.Posting" for r in event.records) == 2
    assert checks.problems(today=TODAY) == []


def test_transfer_checks_every_intake_rule(units):
    bureau, other, school = units["bureau"], units["other"], units["school"]
    posting = enroll(bureau, person_data(1))
    for n in range(3):
        enroll(other, person_data(10 + n))
    with refused(E.QUOTA_FULL):
        transfer(posting.person, other)
    with refused(E.CATEGORY_MISMATCH):
        transfer(posting.person, school, INS, approval_ref="特批")
    with refused(E.ACCOUNT_UNKNOWN):
        transfer(posting.person, school)
    with refused(E.ROLE_FORBIDDEN):
        transfer(posting.person, units["mass"], actor=hr(bureau))
    with refused(E.BACKDATE_REASON_REQUIRED):
        transfer(posting.person, units["mass"], start_date=TODAY - DAY)
    with refused(E.DATE_INVALID):
        transfer(posting.person, units["mass"], start_date=TODAY + DAY)
    with refused(E.VALUE_INVALID):
        transfer(posting.person, units["mass"], channel="考录")
    with refused(E.DOC_NO_INVALID):
        transfer(posting.person, units["mass"], doc_no="")


def test_transfer_refusals_about_the_person(units):
    bureau, other = units["bureau"], units["other"]
    posting = enroll(bureau, person_data(1))
    with refused(E.PERSON_ALREADY_POSTED):  # already in that account
        transfer(posting.person, bureau)
    moved = transfer(posting.person, other, from_posting=posting)
    with refused(E.PERSON_ALREADY_POSTED):  # the caller's view is stale
        transfer(
            posting.person, units["court"], "political_legal", from_posting=posting
        )
    services.person_release(
        actor=OFFICE, posting=moved, reason_code="辞职", exit_date=TODAY, today=TODAY
    )
    with refused(E.VALUE_INVALID):  # not in post any more
        transfer(posting.person, bureau)


def test_reverse_flow_needs_a_special_approval(units):
    school, bureau, mass = units["school"], units["bureau"], units["mass"]
    staff = enroll(school, person_data(1, **STAFF), category=INS, funding="partial")
    # Partial → full funding within the unit: reverse flow (and a locked field).
    with refused(E.FIELD_REQUIRED):
        transfer(staff.person, school, INS, approval_ref="特批")
    with refused(E.REVERSE_FLOW) as info:
        transfer(staff.person, school, INS, reason="经费形式调整")
    assert "经费形式由低向高" in info.value.message
    up = transfer(
        staff.person,
        school,
        INS,
        reason="经费形式调整",
        approval_ref="示编〔2026〕20号特批",
    )
    assert up.approval_ref == "示编〔2026〕20号特批"
    assert up.entered_unit_on == staff.entered_unit_on  # same unit
    # 事业 → 行政 with the identity change to 公务员: reverse flow.
    with refused(E.REVERSE_FLOW):
        transfer(staff.person, bureau, identity="公务员", channel="调任")
    # 参公 → 公务员, same category and funding: reverse flow by identity.
    cs = enroll(mass, person_data(2, identity="参公人员"))
    with refused(E.REVERSE_FLOW) as info:
        transfer(cs.person, bureau, identity="公务员")
    assert "参公人员转为公务员" in info.value.message
    moved = transfer(cs.person, bureau, identity="公务员", approval_ref="组织部特批")
    moved.person.refresh_from_db()
    assert moved.person.identity == "civil_servant"
    # Downward moves need nothing: 行政 → 行政 elsewhere.
    transfer(moved.person, units["other"], from_posting=moved)
    assert checks.problems(today=TODAY) == []


def test_in_unit_account_change_keeps_the_appointments(units):
    school = units["school"]
    set_leader_posts(school, 1, level="township")
    staff = enroll(school, person_data(1, **STAFF), category=INS)
    appointment = appoint(staff, level="township", title="副校长")
    new = transfer(staff.person, school, INS, funding="partial", reason="经费形式调整")
    appointment.refresh_from_db()
    assert (appointment.posting, appointment.end_date) == (new, None)
    assert (
        account(school, INS).occupied,
        account(school, INS, "partial").occupied,
    ) == (0, 1)
    assert Posting.objects.filter(person=staff.person).count() == 2
    assert checks.problems(today=TODAY) == []
