"""Appointments ≤ leader-post quota at every date (DOMAIN §3.3)."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.errors import ErrorCode as E
from bianzhi.orgs import services as orgs
from bianzhi.quota import leader_posts
from bianzhi.roster import checks, services
from bianzhi.roster.models import Appointment

from .helpers import (  # noqa: F401 - fixtures
    OFFICE,
    PAST,
    TODAY,
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


def end(appointment, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("end_date", TODAY)
    kw.setdefault("doc_no", "示组〔2026〕6号")
    kw.setdefault("today", TODAY)
    return services.appointment_end(appointment=appointment, **kw)


def test_appointments_up_to_the_count(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 1)
    set_leader_posts(bureau, 2, kind="deputy")
    a, b, c = (enroll(bureau, person_data(n)) for n in (1, 2, 3))
    chief = appoint(a)
    assert (chief.unit, chief.posting, chief.level, chief.kind) == (
        bureau,
        a,
        "county",
        "chief",
    )
    with refused(E.LEADER_POSTS_FULL) as info:
        appoint(b, title="局长")
    assert "核定1名，已配备1名" in info.value.message
    appoint(b, kind="副职", title="副局长")
    appoint(c, kind="deputy", title="副局长")
    views = {
        (v.kind, v.count, v.appointed)
        for v in leader_posts.leader_posts_as_of(bureau, TODAY)
    }
    assert views == {("chief", 1, 1), ("deputy", 2, 2)}
    with refused(E.LEADER_POSTS_FULL):  # never set: no posts at that level
        appoint(c, level="bureau", title="巡视员")
    end(chief)
    appoint(b, title="局长")
    assert checks.problems(today=TODAY) == []


def test_a_lowering_below_use_blocks_new_appointments(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 2, kind="deputy")
    a, b, c = (enroll(bureau, person_data(n)) for n in (1, 2, 3))
    first = appoint(a, kind="deputy", title="副局长")
    appoint(b, kind="deputy", title="副局长")
    set_leader_posts(
        bureau, 1, kind="deputy", effective_date=TODAY, doc_no="示编〔2026〕4号"
    )
    assert checks.problems(today=TODAY) == []  # a legal, flagged excess
    end(first)
    with refused(E.LEADER_POSTS_FULL):  # 1 in use, count 1
        appoint(c, kind="deputy", title="副局长")
    # A scheduled lowering counts from its date on.
    set_leader_posts(
        units["other"],
        1,
        kind="deputy",
        effective_date=TODAY + 30 * DAY,
        doc_no="示编〔2026〕5号",
    )
    set_leader_posts(units["other"], 2, kind="deputy")
    x, y = (enroll(units["other"], person_data(n)) for n in (11, 12))
    appoint(x, kind="deputy", title="副局长")
    with refused(E.LEADER_POSTS_FULL) as info:
        appoint(y, kind="deputy", title="副局长")
    assert str(TODAY + 30 * DAY) in info.value.message


def test_backdated_appointment_checked_on_every_date(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 1)
    a = enroll(bureau, person_data(1), start_date=dt.date(2021, 1, 1), reason="补录")
    b = enroll(bureau, person_data(2), start_date=dt.date(2021, 1, 1), reason="补录")
    first = appoint(a, start_date=dt.date(2022, 1, 1), reason="补录")
    end(first, end_date=dt.date(2023, 1, 1), reason="补录")
    with refused(E.LEADER_POSTS_FULL) as info:
        appoint(b, start_date=dt.date(2022, 6, 1), reason="补录")
    assert "2022-06-01" in info.value.message
    appoint(b, start_date=dt.date(2023, 1, 1), reason="补录")
    with refused(E.BACKDATE_REASON_REQUIRED):
        appoint(a, kind="deputy", start_date=TODAY - DAY)


def test_appointment_refusals(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 3)
    posting = enroll(bureau, person_data(1), start_date=TODAY - 10 * DAY, reason="补录")
    with refused(E.ROLE_FORBIDDEN):
        appoint(posting, actor=hr(bureau))
    with refused(E.FIELD_REQUIRED):
        appoint(posting, title=" ")
    with refused(E.VALUE_INVALID):
        appoint(posting, level="股级")
    with refused(E.FIELD_REQUIRED):
        appoint(posting, scope="internal_body")
    with refused(E.VALUE_INVALID):
        appoint(
            posting, start_date=TODAY - 20 * DAY, reason="补录"
        )  # before the posting
    with refused(E.DATE_INVALID):
        appoint(posting, start_date=TODAY + DAY)
    with refused(E.DOC_NO_INVALID):
        appoint(posting, doc_no="组织部任命")
    appoint(posting)
    with refused(E.VALUE_INVALID):  # the same post twice
        appoint(posting, title="党组书记")
    release(posting)
    with refused(E.VALUE_INVALID):  # no longer in post
        appoint(posting, kind="deputy")


def test_internal_body_posts(units):
    bureau, other = units["bureau"], units["other"]
    body = orgs.internal_body_add(
        actor=OFFICE,
        unit=bureau,
        name="预算科",
        rank="section",
        doc_no="示编〔2020〕5号",
        effective_date=PAST,
        reason="补录",
        today=TODAY,
    )
    foreign = orgs.internal_body_add(
        actor=OFFICE,
        unit=other,
        name="审计一科",
        rank="section",
        doc_no="示编〔2020〕5号",
        effective_date=PAST,
        reason="补录",
        today=TODAY,
    )
    set_leader_posts(
        bureau, 1, level="township", scope="internal_body", internal_body=body
    )
    set_leader_posts(bureau, 1, level="township", scope="internal_pool")
    a, b, c = (enroll(bureau, person_data(n)) for n in (1, 2, 3))
    with refused(E.VALUE_INVALID):
        appoint(
            a,
            level="township",
            scope="internal_body",
            internal_body=foreign,
            title="科长",
        )
    with refused(E.VALUE_INVALID):
        appoint(
            a, level="township", scope="internal_pool", internal_body=body, title="科长"
        )
    appoint(
        a,
        level="township",
        scope="internal_body",
        internal_body=body,
        title="预算科科长",
    )
    with refused(E.LEADER_POSTS_FULL):
        appoint(
            b, level="township", scope="internal_body", internal_body=body, title="科长"
        )
    appoint(b, level="township", scope="internal_pool", title="科长")
    with refused(E.LEADER_POSTS_FULL):
        appoint(c, level="township", scope="internal_pool", title="科长")
    assert Appointment.objects.count() == 2


def test_appointment_end_refusals(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 1)
    posting = enroll(bureau, person_data(1))
    appointment = appoint(posting)
    with refused(E.ROLE_FORBIDDEN):
        end(appointment, actor=hr(bureau))
    with refused(E.VALUE_INVALID):
        end(appointment, end_date=TODAY - DAY, reason="补录")  # before the start
    end(appointment)
    with refused(E.VALUE_INVALID):
        end(appointment)
