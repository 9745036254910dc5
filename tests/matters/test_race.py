"""Real threads: a merge racing releases, enrollments and other merges."""

# Fixtures are imported from the roster helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core import audit
from bianzhi.matters import services as matters
from bianzhi.orgs.models import Unit
from bianzhi.quota import checks as quota_checks
from bianzhi.roster import checks as roster_checks
from bianzhi.roster.models import Posting
from tests.roster.helpers import (  # noqa: F401 - fixtures
    OFFICE,
    TODAY,
    account,
    city,
    enroll,
    person_data,
    providers,
    release,
    units,
)
from tests.roster.test_race import attempt, run_threads

pytestmark = [pytest.mark.race, pytest.mark.django_db(transaction=True)]
DOC = "示编〔2026〕9号"


def _merge(unit, into):
    return matters.unit_merge(
        actor=OFFICE,
        unit=unit,
        into=into,
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )


def test_merge_races_releases_enrollments_and_itself(units):
    bureau, other = units["bureau"], units["other"]
    postings = [
        enroll(bureau, person_data(n), start_date=dt.date(2026, 6, 1), reason="补录")
        for n in (1, 2)
    ]

    def worker(i: int):
        if i < 4:
            yield "merge:" + attempt(_merge, bureau, other)
        elif i < 6:
            yield "release:" + attempt(release, postings[i - 4])
        else:
            # Filed afterwards (军转): no permit, whose issue would race too.
            yield "enroll:" + attempt(
                enroll, bureau, person_data(10 + i), channel="军转干部安置"
            )

    outcomes = run_threads(worker)
    assert outcomes["merge:ok"] == 1
    assert outcomes["merge:UNIT_INACTIVE"] == 3
    # A release after the merge finds the posting moved; an enrollment after
    # it finds the unit merged.
    assert set(outcomes) <= {
        "merge:ok",
        "merge:UNIT_INACTIVE",
        "release:ok",
        "release:VALUE_INVALID",
        "enroll:ok",
        "enroll:UNIT_INACTIVE",
    }
    assert Unit.objects.get(pk=bureau.pk).status == Unit.Status.MERGED
    assert not Posting.objects.filter(unit=bureau, end_date__isnull=True).exists()
    moved = Posting.objects.filter(unit=other, end_date__isnull=True).count()
    assert account(other).occupied == moved
    assert account(bureau).approved == 0
    assert quota_checks.problems(today=TODAY) == []
    assert roster_checks.problems(today=TODAY) == []
    assert audit.verify_chain().ok
