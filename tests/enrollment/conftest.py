"""The enrollment filing's world: the quota tests' city (tests/quota/permit_world)
with a permit of 2 for the finance bureau's administrative account (考录, 组织部
joint review), real users with real roles, and helpers that walk a filing.

Dates. Permits are issued as of the real today (permit_walk). A filing's
publicity must be over before it is submitted, so the tests publish it as of
PUBLISHED (10 calendar days ago, at least 5 working days before today) unless
they test the period itself.
"""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.approvals import review, services
from bianzhi.approvals.intake import intake_for
from bianzhi.approvals.models import Request
from bianzhi.core.models import AuditEvent
from bianzhi.roster import enrollment_publicity as publicity
from tests.quota.permit_world import make_world, permit_walk, today
from tests.roster.helpers import person_data

KIND = "enrollment_filing"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DOCUMENT_VERIFY_BASE_URL = "http://bianzhi.example.gov.cn"


@pytest.fixture
def world(db, settings):
    w = make_world(settings)
    # The plain intakes of other tests pass no permit; the filing names its own.
    settings.ROSTER_PERMITS_REQUIRED = False
    w.permit = permit_walk(w, count=2)
    return w


def published_on() -> dt.date:
    """A day whose 5-working-day publicity period is over by today."""
    return today() - dt.timedelta(days=14)


def row(n: int, **over) -> dict:
    data = person_data(n, **over)
    data.pop("degree", None)
    data.setdefault("gender", "男")
    data.setdefault("position_title", "科员")
    return data


def draft(w, persons, *, permit=None, actor=None, unit=None) -> Request:
    """The draft as the 新建申请 form makes it (the kind's Intake build)."""
    actor = actor or w.hr
    values = {
        "unit_id": str((unit or w.bureau).pk),
        "permit": (permit or w.permit).number,
        "doc_no": "示人〔2026〕3号",
        "persons": persons,
    }
    made = intake_for(KIND).build(actor, values)
    return services.request_create(
        actor=actor,
        kind=KIND,
        title=made.title,
        region_code=made.region_code,
        unit_id=made.unit_id,
        subject_type=made.subject_type,
        subject_id=made.subject_id,
        payload=made.payload,
    )


def publish(w, request, on=None):
    return publicity.publicity_start(
        actor=w.hr,
        request_id=request.pk,
        place="单位门户网站",
        today=on or published_on(),
    )


def submit(w, request, **kw):
    return services.request_submit(actor=w.hr, request_id=request.pk, **kw)


def ready(w, persons, **kw) -> Request:
    """Drafted, published long enough ago, and submitted."""
    request = draft(w, persons, **kw)
    publish(w, request)
    return submit(w, request)


def approve(actor, request, step, **kw):
    return review.request_approve(actor=actor, request_id=request.pk, step=step, **kw)


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()


def operations_since(seq: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=seq)
        .order_by("seq")
        .values_list("operation", flat=True)
    )
