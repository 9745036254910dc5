"""People and requests for the portal and review page tests (through services)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.models import AuditEvent
from bianzhi.roster import services
from bianzhi.roster.models import FieldChangeRequest, Person, Posting
from tests.conftest import grant_permit

OFFICE = Actor(user_id=1, name="张科员", role="office_admin", scope="region:990100")
DOC = "示编〔2026〕31号"


def make_id(birth: str, seq: str, region: str = "110101") -> str:
    body = f"{region}{birth}{seq}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def today() -> dt.date:
    return timezone.localdate()


def enroll(unit, n: int = 1, *, category="administrative", funding="full", **over):
    data = {
        "id_number": make_id("19850607", f"{n:02d}1"),
        "name": f"测试{n}",
        "ethnicity": "汉族",
        "political_status": "中共党员",
        "education": "大学本科",
        "identity": "公务员",
        "work_start_date": "2008-07-01",
    }
    data.update(over)
    return services.person_enroll(
        actor=OFFICE,
        unit=unit,
        category=category,
        funding=funding,
        person=data,
        channel="考录",
        start_date=today(),
        doc_no=DOC,
        permit=grant_permit(unit, category=category, funding=funding),
    )


def hr_actor(user, unit) -> Actor:
    return Actor(
        user_id=user.pk, name="王人事", role="unit_hr", scope=f"unit:{unit.pk}"
    )


def ask(user, unit, person, field, value, reason="档案核实有误", **extra):
    return services.field_change_request(
        actor=hr_actor(user, unit),
        person=person,
        field=field,
        new_value=value,
        reason=reason,
        extra=extra or None,
    )


def written() -> tuple:
    """Everything the portal and the review may write."""
    return (
        list(Person.objects.order_by("pk").values()),
        list(Posting.objects.order_by("pk").values()),
        list(FieldChangeRequest.objects.order_by("pk").values()),
        AuditEvent.objects.count(),
    )


def text(response) -> str:
    return response.content.decode()


def name_of(unit) -> str:
    """The unit's name now (the fixture's object may predate a rename)."""
    from bianzhi.orgs.models import Unit

    return Unit.objects.get(pk=unit.pk).name
