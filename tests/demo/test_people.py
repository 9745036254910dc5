"""The demo roster (issue 3 item 4): persons through the roster services, with
history, on a small city — every check clean, IDs valid, ages in range,
identities fitting the accounts, reproducible from the seed."""

import datetime as dt
import random

import pytest
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from bianzhi.core.audit import verify_chain
from bianzhi.core.codes import parse_id_number
from bianzhi.demo import people_names as pn
from bianzhi.demo.builder import build_demo
from bianzhi.orgs import checks as orgs_checks
from bianzhi.quota import checks as quota_checks
from bianzhi.quota.models import QuotaAccount
from bianzhi.roster import checks as roster_checks
from bianzhi.roster import rules, selectors
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    Secondment,
)
from tests.demo.test_reproducible import TINY

pytestmark = pytest.mark.django_db
PERSONS = 300


def _fingerprint():
    return list(
        Person.objects.order_by("id").values_list(
            "id_number", "name", "education", "rank", "identity"
        )
    ) + list(
        Posting.objects.order_by("id").values_list(
            "unit__name", "start_date", "end_date", "channel", "end_reason"
        )
    )


def test_same_seed_same_persons():
    # First in the module: it needs an empty database, before `city` loads.
    with transaction.atomic():
        build_demo(7, TINY, persons=40)
        first = _fingerprint()
        transaction.set_rollback(True)
    build_demo(7, TINY, persons=40)
    assert _fingerprint() == first
    assert len(first) > 40


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            report = build_demo(2026, "small", persons=PERSONS)
            yield report
            transaction.set_rollback(True)


def test_report_counts(city):
    assert Person.objects.count() == city.counts["persons"]
    assert PERSONS * 0.9 <= Person.objects.count() <= PERSONS
    assert city.people["initial_load"] > 0
    assert any(k.startswith("release:retirement") for k in city.people)
    assert city.people["transfers"] > 0
    assert "实名制人员" in "\n".join(city.lines())


def test_all_checks_clean(city):
    assert orgs_checks.problems() == []
    assert quota_checks.problems() == []
    assert roster_checks.problems() == []
    assert verify_chain().ok


def test_ids_valid_and_gender_matches(city):
    today = timezone.localdate()
    old_codes = 0
    for person in Person.objects.all():
        parsed = parse_id_number(person.id_number, today=today)
        assert parsed.gender == person.gender
        assert parsed.birth_date == person.birth_date
        # 370102 … exist from 1983: older staff hold codes younger than they are.
        if person.birth_date.year < 1983:
            old_codes += 1
    assert old_codes > 0


def test_ages_in_range_and_none_past_retirement(city):
    today = timezone.localdate()
    active = Posting.objects.filter(end_date__isnull=True).select_related("person")
    assert active.count() > PERSONS // 2
    for posting in active:
        person = posting.person
        age = (today - person.certified_birth_date).days / 365.25
        assert 22 <= age < 63.5, (person.name, age)
        assert not rules.past_retirement(
            today, selectors.retirement_date_for(person, as_of=today)
        )
        assert not posting.flagged_past_retirement


def test_flagged_initial_load_cases_were_retired(city):
    flagged = Posting.objects.filter(flagged_past_retirement=True)
    assert flagged.count() == city.people["flagged"]
    assert all(p.end_date and p.end_date.year == 2015 for p in flagged)


def test_identity_fits_category_for_every_posting(city):
    for posting in Posting.objects.select_related(
        "person", "account__category", "unit"
    ):
        rules.identity_fits_category(
            posting.person.identity,
            posting.account.category_id,
            posting.account.category.accepted_identities,
            posting.unit.kind,
            posting.unit.civil_service_managed,
        )
        rules.rank_fits(
            posting.person.identity, posting.person.post_type, posting.person.rank
        )


def test_history_and_extras(city):
    assert Posting.objects.filter(
        channel="initial_load", start_date=dt.date(2015, 1, 1)
    )
    assert Posting.objects.exclude(channel="initial_load").exists()
    assert Posting.objects.filter(end_date__isnull=False).exists()
    assert Appointment.objects.filter(end_date__isnull=True).exists()
    assert Secondment.objects.exists()
    assert OffQuotaStaff.objects.exists()
    # A reform reduction left a full account over quota.
    assert QuotaAccount.objects.filter(
        holder_kind="unit", occupied__gt=F("approved")
    ).exists()
    # Counters agree with the postings in force.
    for row in (
        Posting.objects.filter(end_date__isnull=True)
        .values("account_id")
        .annotate(n=Count("id"))
    ):
        assert QuotaAccount.objects.get(pk=row["account_id"]).occupied == row["n"]


def test_id_numbers_pure_and_checked():
    rng = random.Random(1)
    taken: set[str] = set()
    born = dt.date(1965, 3, 4)
    numbers = [pn.id_number(rng, born, "F", taken) for _ in range(50)]
    assert len(set(numbers)) == 50
    for number in numbers:
        parsed = parse_id_number(number)
        assert parsed.gender == "F" and parsed.birth_date == born


def test_extra_posts_spread_over_go_live_accounts():
    from bianzhi.demo.people import START, Slot, _spread_extra

    later = dt.date(2020, 1, 1)
    slots = [
        Slot(1, None, "administrative", "full", "civil_servant", 30, START),
        Slot(2, None, "institutional", "full", "institution_staff", 10, START),
        Slot(3, None, "logistics", "full", "logistics_worker", 5, later),
    ]
    _spread_extra(slots, 101)
    assert [s.extra for s in slots] == [76, 25, 0]
