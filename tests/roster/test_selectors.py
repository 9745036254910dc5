"""Roster reads, the providers registered with quota, and roster.checks."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.quota import leader_posts
from bianzhi.quota import selectors as quota_selectors
from bianzhi.quota.models import QuotaAccount
from bianzhi.roster import checks, selectors, services
from bianzhi.roster.models import Appointment, Posting
from tests.roster.helpers import permit_for

from .helpers import (  # noqa: F401 - fixtures
    ADM,
    LEADER,
    OFFICE,
    TODAY,
    account,
    appoint,
    city,
    enroll,
    person_data,
    providers,
    release,
    set_leader_posts,
    units,
)

pytestmark = pytest.mark.django_db
Y2024 = dt.date(2024, 1, 1)


def test_unit_people_as_of(units):
    bureau = units["bureau"]
    a = enroll(bureau, person_data(1, name="甲"), start_date=Y2024, reason="补录")
    enroll(bureau, person_data(2, name="乙"))
    release(a, exit_date=dt.date(2026, 6, 10))
    assert [
        p.person.name for p in selectors.unit_people(bureau, as_of=dt.date(2025, 1, 1))
    ] == ["甲"]
    assert [p.person.name for p in selectors.unit_people(bureau, as_of=TODAY)] == ["乙"]
    assert selectors.unit_people(bureau, as_of=dt.date(2026, 6, 9)).count() == 1
    assert not selectors.unit_people(bureau, as_of=dt.date(2023, 1, 1)).exists()


def test_person_history(units):
    bureau, other = units["bureau"], units["other"]
    set_leader_posts(bureau, 1)
    first = enroll(bureau, person_data(1), start_date=Y2024, reason="补录")
    appoint(first, start_date=dt.date(2025, 1, 1), reason="补录")
    services.person_transfer(
        actor=OFFICE,
        person=first.person,
        to_unit=other,
        category=ADM,
        funding="full",
        start_date=TODAY,
        doc_no="示人〔2026〕1号",
        today=TODAY,
        permit=permit_for(other, channel="transfer_in"),
    )
    history = selectors.person_history(first.person)
    assert [p.unit for p in history.postings] == [bureau, other]
    assert history.current_posting.unit == other
    assert [a.end_date for a in history.appointments] == [TODAY]
    assert history.retirement_date == selectors.retirement_date_for(first.person)
    assert history.retirement_date == dt.date(2048, 6, 1)  # born 1985-06: 63 years


def test_vacancy_for(units, city):
    other = units["other"]  # 3 approved
    view = selectors.vacancy_for(account(other), today=TODAY)
    assert (view.approved, view.occupied, view.vacancy, view.intake, view.refusal) == (
        3,
        0,
        3,
        "vacancy",
        None,
    )
    for n in range(3):
        enroll(other, person_data(n + 1))
    assert selectors.vacancy_for(account(other), today=TODAY).refusal == "QUOTA_FULL"
    from bianzhi.quota import services as quota

    quota.quota_recall(
        actor=LEADER,
        unit=other,
        category=ADM,
        funding="full",
        amount=1,
        doc_no="示编〔2026〕9号",
        effective_date=TODAY,
        reform=True,
        today=TODAY,
    )
    view = selectors.vacancy_for(account(other), today=TODAY)
    assert (view.over, view.over_since, view.refusal) == (
        1,
        TODAY,
        "QUOTA_OVER_NO_INTAKE",
    )


def test_quota_views_take_occupancy_from_postings(units):
    bureau = units["bureau"]
    a = enroll(bureau, person_data(1), start_date=Y2024, reason="补录")
    enroll(bureau, person_data(2), start_date=dt.date(2025, 1, 1), reason="补录")
    release(a, exit_date=dt.date(2026, 6, 10))

    def occupied(day):
        views = quota_selectors.unit_accounts(bureau, as_of=day, today=TODAY)
        return next(v.occupied for v in views if v.category.code == ADM)

    assert [occupied(d) for d in (dt.date(2023, 6, 1), dt.date(2024, 6, 1))] == [0, 1]
    assert [occupied(d) for d in (dt.date(2025, 6, 1), dt.date(2026, 6, 10))] == [2, 1]
    assert quota_selectors.occupancy_change_dates(
        [account(bureau).pk], dt.date(2023, 1, 1), TODAY
    ) == [Y2024, dt.date(2025, 1, 1), dt.date(2026, 6, 10)]


def test_leader_posts_in_use_as_of(units):
    bureau = units["bureau"]
    set_leader_posts(bureau, 2, kind="deputy")
    a = enroll(bureau, person_data(1), start_date=Y2024, reason="补录")
    appoint(
        a, kind="deputy", title="副局长", start_date=dt.date(2025, 1, 1), reason="补录"
    )
    past = leader_posts.leader_posts_as_of(bureau, dt.date(2024, 6, 1))
    now = leader_posts.leader_posts_as_of(bureau, TODAY)
    assert [(v.count, v.appointed) for v in past] == [(2, 0)]
    assert [(v.count, v.appointed) for v in now] == [(2, 1)]


def test_checks_find_broken_invariants(units):
    bureau, other = units["bureau"], units["other"]
    set_leader_posts(bureau, 1)
    a = enroll(bureau, person_data(1))
    b = enroll(bureau, person_data(2))
    appoint(a)
    assert checks.problems(today=TODAY) == []
    # Break things behind the services' back, one at a time.
    QuotaAccount.objects.filter(pk=account(bureau).pk).update(occupied=5)
    assert [p["code"] for p in checks.problems(today=TODAY)] == [
        "ROSTER_OCCUPIED_MISMATCH"
    ]
    QuotaAccount.objects.filter(pk=account(bureau).pk).update(occupied=2)
    Posting.objects.filter(pk=b.pk).update(unit=other)
    assert [p["code"] for p in checks.problems(today=TODAY)] == [
        "ROSTER_POSTING_UNIT_MISMATCH"
    ]
    Posting.objects.filter(pk=b.pk).update(unit=bureau)
    Appointment.objects.create(
        person=b.person,
        posting=b,
        unit=bureau,
        scope="unit",
        level="county",
        kind="chief",
        title="局长",
        start_date=TODAY,
        doc_no="示组〔2026〕1号",
    )
    assert [p["code"] for p in checks.problems(today=TODAY)] == ["LEADER_POSTS_FULL"]


def test_backdated_quota_reduction_sees_past_postings(units):
    from bianzhi.core.errors import ApplicationError
    from bianzhi.quota import services as quota

    other = units["other"]  # 3 approved
    for n in range(3):
        enroll(other, person_data(n + 1), start_date=Y2024, reason="补录")
    release(Posting.objects.first(), exit_date=dt.date(2026, 6, 10))
    kw = dict(actor=OFFICE, unit=other, category=ADM, funding="full", amount=1)
    kw |= dict(doc_no="示编〔2025〕3号", reason="补录", today=TODAY)
    with pytest.raises(ApplicationError) as info:
        quota.quota_recall(effective_date=dt.date(2025, 1, 1), **kw)
    assert info.value.code == "QUOTA_NEGATIVE"
    quota.quota_recall(effective_date=dt.date(2026, 6, 10), **kw)
    assert account(other).approved == 2
    assert checks.problems(today=TODAY) == []
