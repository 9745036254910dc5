"""The enrollment filing's entry issues the signed enrollment notice (入编通知).

Same shape as effects.py for the permit and the stop-pay notice: the roster
(below) registers the plain effect roster.kinds_enrollment.apply_enrollment;
documents (above it) replaces it at startup with a wrapper that runs it and
then issues the notice in the same transaction — a rendering or signing
failure refuses the approval and nothing is written. document_issue records
its own "document_issue" event before the approval's, which stays last.

The notice goes to the unit (and on to payroll and social insurance): ID
numbers are masked, as on the stop-pay notice.
"""

from __future__ import annotations

import datetime as dt

from bianzhi.approvals import engine
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.quota.models import Funding, Permit
from bianzhi.roster import kinds_enrollment
from bianzhi.roster.enrollment_publicity import ENROLLMENT_FILING
from bianzhi.roster.models import Posting
from bianzhi.roster.values import CHANNEL, GENDER

from .effects import APPROVAL_REQUEST
from .models import Document
from .services import document_issue


def _funding(value: str) -> str:
    return Funding(value).label if value in Funding.values else value


def enrollment_notice_context(request, permit: Permit, postings: list[Posting]):
    return {
        "filing_no": request.serial or str(request.pk),
        "permit_no": permit.number,
        "unit_name": permit.unit.name,
        "enrolled_on": postings[0].start_date if postings else None,
        "persons": [
            {
                "name": p.person.name,
                "gender": GENDER.label(p.person.gender),
                "id_number": mask_id_number(p.person.id_number),
                "category": p.account.category.name,
                "funding": _funding(p.account.funding),
                "position_title": p.person.position_title,
                "channel": CHANNEL.label(p.channel),
            }
            for p in postings
        ],
        "copy_to": f"{permit.unit.region.name}财政局、{permit.unit.region.name}人力资源和社会保障局",
    }


def filing_postings(request, today: dt.date) -> list[Posting]:
    """The postings the filing's entry made (its persons, in its order)."""
    numbers = [
        str((row or {}).get("id_number") or "").strip().upper()
        for row in (request.payload or {}).get("persons") or []
    ]
    found = {
        p.person.id_number: p
        for p in Posting.objects.select_related("person", "account__category").filter(
            unit_id=request.unit_id,
            person__id_number__in=numbers,
            end_date__isnull=True,
            start_date=today,
        )
    }
    return [found[n] for n in numbers if n in found]


def enrollment_with_notice(request, actor: Actor, today: dt.date) -> list[dict]:
    changes = kinds_enrollment.apply_enrollment(request, actor, today)
    permit = Permit.objects.select_related("unit__region").get(
        unit_id=request.unit_id, number=request.payload["permit"]
    )
    postings = filing_postings(request, today)
    document_issue(
        actor=actor,
        kind="enrollment_notice",
        # The request's own documents are listed on its page (request_documents).
        subject_type=APPROVAL_REQUEST,
        subject_id=request.pk,
        context=enrollment_notice_context(request, permit, postings),
        unit=permit.unit,
        issued_on=today,
    )
    return changes


def enrollment_notice(request) -> Document | None:
    return (
        Document.objects.filter(
            subject_type=APPROVAL_REQUEST,
            subject_id=request.pk,
            kind="enrollment_notice",
        )
        .order_by("-pk")
        .first()
    )


def register() -> None:
    engine.register_effect(ENROLLMENT_FILING, enrollment_with_notice)
