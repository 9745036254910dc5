"""Warnings on workflow data: permits about to expire and overdue steps,
built through the approvals engine (tests/quota/permit_world.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.approvals.models import Request
from bianzhi.core.actor import Actor
from bianzhi.stats.services import warning_threshold_set
from bianzhi.stats.warning_rules import WarningScope
from bianzhi.stats.warnings import warnings_report
from tests.quota.permit_world import make_world, permit_walk, submit, today

SCOPE = WarningScope(region_codes=frozenset({"990100"}))


@pytest.fixture
def world(db, settings):
    return make_world(settings)


def hits(rule: str, on: dt.date) -> list:
    (result,) = warnings_report(SCOPE, today=on, rules=[rule]).results
    return result.hits


def test_permit_expiring_within_the_threshold(world):
    permit = permit_walk(world, count=2)
    end = permit.valid_until
    assert hits("permit_expiring", today()) == []
    assert hits("permit_expiring", end - dt.timedelta(days=31)) == []  # near miss
    (hit,) = hits("permit_expiring", end - dt.timedelta(days=30))
    assert hit.unit_id == world.bureau.pk and hit.value == 30
    assert [e.kind for e in hit.evidence] == ["request", "unit"]
    assert hit.evidence[0].ref == str(permit.request_id)
    warning_threshold_set(
        actor=Actor.system(), region=world.city, rule="permit_expiring", value="10"
    )
    assert hits("permit_expiring", end - dt.timedelta(days=30)) == []
    assert len(hits("permit_expiring", end - dt.timedelta(days=10))) == 1


def test_overdue_step(world):
    request = submit(
        "quota_use",
        world.hr,
        world.bureau,
        {"account_id": world.adm.pk, "channel": "exam_recruitment", "count": 1},
    )
    request.refresh_from_db()
    due = request.due_on
    assert due is not None and request.status == Request.Status.SUBMITTED
    assert hits("overdue_step", due) == []  # due today: not yet overdue
    (hit,) = hits("overdue_step", due + dt.timedelta(days=1))
    assert hit.value == 1 and hit.evidence[0].kind == "request"
    assert hit.evidence[0].ref == str(request.pk)
    warning_threshold_set(
        actor=Actor.system(), region=world.city, rule="overdue_step", value="3"
    )
    assert hits("overdue_step", due + dt.timedelta(days=3)) == []
    assert len(hits("overdue_step", due + dt.timedelta(days=4))) == 1
