"""person_release: reasons, the filing window, what a release ends."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.roster import checks, services
from bianzhi.roster.models import Appointment, Posting, Secondment

from .helpers import (  # noqa: F401 - fixtures
    OFFICE,
    TODAY,
    account,
    appoint,
    city,
    enroll,
    hr,
    person_data,
    providers,
    refused,
    release,
    set_leader_posts,
    units,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def test_release_frees_the_post(units):
    bureau = units["bureau"]
    posting = enroll(bureau, person_data(1), start_date=TODAY - 90 * DAY, reason="补录")
    events = AuditEvent.objects.count()
    ended = release(
        posting, "辞职", exit_date=TODAY - 3 * DAY, proof="辞职批复", actor=hr(bureau)
    )
    assert (ended.end_date, ended.ended_by, ended.end_reason) == (
        TODAY - 3 * DAY,
        "release",
        "resignation",
    )
    assert (ended.end_filed_on, ended.late_release, ended.end_proof) == (
        TODAY,
        False,
        "辞职批复",
    )
    assert account(bureau).occupied == 0
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.order_by("-seq").first().operation == "person_release"
    assert checks.problems(today=TODAY) == []


@pytest.mark.parametrize(
    "reason_code", ["退休", "退职", "死亡", "开除", "解聘", "其他", "病故"]
)
def test_release_reasons_accepted(units, reason_code):
    posting = enroll(units["bureau"], person_data(1))
    assert release(posting, reason_code).end_reason


def test_release_refusals(units):
    bureau, other = units["bureau"], units["other"]
    posting = enroll(bureau, person_data(1))
    with refused(E.VALUE_INVALID):
        release(posting, "跳槽")
    with refused(E.FIELD_REQUIRED):
        release(posting, "")
    with refused(E.FIELD_REQUIRED) as info:
        release(posting, "调出")  # where to?
    assert info.value.field == "destination"
    with refused(E.VALUE_INVALID) as info:
        release(posting, "调出", destination="示例市审计局")
    assert "请办理调动" in info.value.message
    with refused(E.DATE_INVALID):
        release(posting, exit_date=TODAY + DAY)
    with refused(E.VALUE_INVALID):
        release(posting, exit_date=TODAY - DAY)  # before the start
    with refused(E.ROLE_FORBIDDEN):
        release(posting, actor=hr(other))
    with refused(E.DOC_NO_INVALID):
        release(posting, doc_no="第12号")
    release(posting, "调出", destination="外省某厅", proof="商调函")
    assert Posting.objects.get().end_proof == "调往外省某厅；商调函"
    with refused(E.VALUE_INVALID):  # already ended
        release(posting)


def test_late_release_across_the_2025_national_day(units):
    bureau = units["bureau"]
    start, exit_date = dt.date(2025, 9, 1), dt.date(2025, 9, 30)
    in_window = enroll(bureau, person_data(1), start_date=start, today=start)
    late = enroll(bureau, person_data(2), start_date=start, today=start)
    # Day 10 is 2025-10-21 (10-01…08 off, Saturday 10-11 worked): unit HR files.
    ok = release(
        in_window, exit_date=exit_date, today=dt.date(2025, 10, 21), actor=hr(bureau)
    )
    assert not ok.late_release
    day_11 = dt.date(2025, 10, 22)
    with refused(E.BACKDATE_REASON_REQUIRED):
        release(
            late, exit_date=exit_date, today=day_11, actor=hr(bureau), reason="漏报"
        )
    with refused(E.BACKDATE_REASON_REQUIRED):
        release(late, exit_date=exit_date, today=day_11)
    flagged = release(late, exit_date=exit_date, today=day_11, reason="单位漏报，补办")
    assert flagged.late_release and flagged.end_filed_on == day_11


def test_release_ends_appointments_and_secondments(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 1)
    posting = enroll(bureau, person_data(1), start_date=TODAY - 60 * DAY, reason="补录")
    appoint(posting, start_date=TODAY - 50 * DAY, reason="补录")
    services.secondment_record(
        actor=OFFICE,
        person=posting.person,
        host_unit=units["other"],
        start_date=TODAY - 30 * DAY,
        end_date=TODAY + 300 * DAY,
        doc_no="示组〔2026〕8号",
        today=TODAY,
    )
    release(posting, exit_date=TODAY - 2 * DAY, doc_no="示人〔2026〕3号")
    appointment = Appointment.objects.get()
    assert (appointment.end_date, appointment.end_doc_no) == (
        TODAY - 2 * DAY,
        "示人〔2026〕3号",
    )
    assert Secondment.objects.get().ended_on == TODAY - 2 * DAY
    event = AuditEvent.objects.order_by("-seq").first()
    assert {r["model"] for r in event.records} == {
        "roster.Posting",
        "roster.Appointment",
        "roster.Secondment",
        "quota.QuotaAccount",
    }
    # The post is free again for the next appointment.
    other = enroll(bureau, person_data(2))
    appoint(other)


def test_release_refused_when_an_appointment_started_after_exit(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 1)
    posting = enroll(bureau, person_data(1), start_date=TODAY - 60 * DAY, reason="补录")
    appoint(posting, start_date=TODAY - 10 * DAY, reason="补录")
    with refused(E.VALUE_INVALID):
        release(posting, exit_date=TODAY - 20 * DAY, reason="补办")
