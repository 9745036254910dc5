"""Inboxes, my requests and visibility, scoped like every other read."""

from __future__ import annotations

import pytest

from bianzhi.approvals import selectors, services
from bianzhi.approvals.models import Request
from bianzhi.core.errors import ApplicationError, ErrorCode

from .conftest import TODAY, draft

pytestmark = pytest.mark.django_db


def _submitted(w, unit, actor, **payload):
    request = draft(w, unit=unit, actor=actor, **payload)
    return services.request_submit(actor=actor, request_id=request.pk, today=TODAY)


def ids(qs) -> list[int]:
    return [r.pk for r in qs]


def test_inboxes_follow_role_step_and_scope(world):
    w = world
    centre = _submitted(w, w.centre, w.hr)
    district = _submitted(w, w.district_unit, w.hr_district)
    other = _submitted(w, w.other_unit, w.hr_other)
    supervised = _submitted(w, w.centre, w.hr, supervised=True)

    # The city's office sees its region and the district below it.
    assert sorted(ids(selectors.inbox(w.office, today=TODAY))) == sorted(
        [centre.pk, district.pk]
    )
    assert ids(selectors.inbox(w.office_other, today=TODAY)) == [other.pk]
    assert ids(selectors.inbox(w.supervisor, today=TODAY)) == [supervised.pk]
    assert ids(selectors.inbox(w.leader, today=TODAY)) == []
    assert ids(selectors.inbox(w.hr, today=TODAY)) == []
    assert ids(selectors.inbox(w.org, today=TODAY)) == []

    services.request_approve(
        actor=w.office, request_id=centre.pk, step="office_review", today=TODAY
    )
    # Joint review: each department sees it until it has given its opinion;
    # a department not asked never sees it.
    assert ids(selectors.inbox(w.org, today=TODAY)) == [centre.pk]
    assert ids(selectors.inbox(w.hrss, today=TODAY)) == [centre.pk]
    assert ids(selectors.inbox(w.finance, today=TODAY)) == []
    services.request_opinion(
        actor=w.org, request_id=centre.pk, step="joint_review", opinion="agree"
    )
    assert ids(selectors.inbox(w.org, today=TODAY)) == []
    assert ids(selectors.inbox(w.hrss, today=TODAY)) == [centre.pk]
    services.request_opinion(
        actor=w.hrss, request_id=centre.pk, step="joint_review", opinion="agree"
    )
    assert ids(selectors.inbox(w.leader, today=TODAY)) == [centre.pk]
    assert ids(selectors.inbox(w.hrss, today=TODAY)) == []


def test_the_inbox_is_one_query(world, django_assert_num_queries):
    w = world
    for _ in range(3):
        _submitted(w, w.centre, w.hr)
    qs = selectors.inbox(w.office, today=TODAY)
    with django_assert_num_queries(1):
        rows = list(qs)
    assert len(rows) == 3 and all(not r.is_overdue for r in rows)


def test_my_requests_and_visibility(world):
    w = world
    mine_draft = draft(w)
    returned = _submitted(w, w.centre, w.hr)
    services.request_return(
        actor=w.office, request_id=returned.pk, step="office_review", comment="补正"
    )
    colleague = draft(w, actor=w.hr2)

    assert sorted(ids(selectors.my_requests(w.hr))) == sorted(
        [mine_draft.pk, returned.pk]
    )
    assert Request.objects.get(pk=returned.pk).status == "returned"
    # Drafts are their creator's alone; submitted requests are visible in scope.
    assert ids(selectors.visible(w.hr2).order_by("pk")) == [returned.pk, colleague.pk]
    assert ids(selectors.visible(w.office)) == [returned.pk]
    assert ids(selectors.visible(w.office_other)) == []
    assert selectors.request_for(w.office, returned.pk).pk == returned.pk
    for actor, pk in ((w.office, mine_draft.pk), (w.office_other, returned.pk)):
        with pytest.raises(ApplicationError) as info:
            selectors.request_for(actor, pk)
        assert info.value.code == ErrorCode.OUT_OF_SCOPE
