"""Documents issued by approval effects (issue 5): the permit PDF with the
编制使用审批表 (the application as decided, with every step's opinion), and
the stop-pay notice of a release filing (at the end of this module).

Layering: quota (below) registers the quota_use effect permits.permit_issue;
documents (above quota) cannot be imported by it. The engine keeps ONE
effect per kind and has no chaining, so this module replaces the effect of
"quota_use" with a wrapper: the quota effect first (the permit and its
reservation), then the signed 用编核准通知书 with the vacancy proof, in the
same transaction — a rendering or signing failure refuses the approval and
nothing changes.

Decision (to be confirmed by the lead): document_issue is its own business
operation and records its own "document_issue" audit event (the document
register). It runs inside the approval's transaction, before the approval's
event, which stays the last write; the effect's own changes (permit, account)
still join the approval's event as the engine requires.

register() must run after QuotaConfig.ready() (documents is installed after
quota): DocumentsConfig.ready() is the place (requested from the lead; not
yet wired, so in this tree the permit is issued without its PDF).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from bianzhi.approvals import engine
from bianzhi.approvals.models import Decision, JointReview
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.quota import permits
from bianzhi.quota.kinds import QUOTA_USE
from bianzhi.quota.models import Funding, Permit
from bianzhi.roster import kinds as roster_kinds
from bianzhi.roster.models import Posting
from bianzhi.roster.values import RELEASE_REASON, Channel

from .contexts import _accounts
from .kinds import ACCOUNT_ROW
from .models import Attachment, Document
from .services import document_issue, revoke_changes


def _label(choices, value: str) -> str:
    return choices(value).label if value in choices.values else value


def permit_context(permit: Permit, request, today: dt.date) -> dict:
    account = permit.account
    return {
        "permit_no": permit.number,
        "request_no": request.serial or str(request.pk),
        "category": account.category.name,
        "funding": _label(Funding, account.funding),
        "channel": _label(Channel, permit.channel),
        "count": permit.count,
        "approved_on": permit.valid_from,
        "valid_until": permit.valid_until,
        "vacancy_as_of": today,
        "accounts": [
            {k: row[k] for k in ACCOUNT_ROW} for row in _accounts(permit.unit, today)
        ],
        "unit_name": permit.unit.name,
        "unit_uscc": permit.unit.uscc or "",
        "by_credit": permit.by_credit,
        # The year's credits before this permit took its share.
        "credits": permits.credits_free(account, today) + permit.count
        if permit.by_credit
        else 0,
    }


def permit_issue_with_document(request, actor: Actor, today: dt.date) -> list[dict]:
    # The accounts as the reviewers saw them, before the permit reserves.
    unit = Unit.objects.select_related("region", "parent").get(pk=request.unit_id)
    seen = [{k: row[k] for k in ACCOUNT_ROW} for row in _accounts(unit, today)]
    changes = permits.permit_issue(request, actor, today)
    permit = Permit.objects.select_related("account__category", "unit__region").get(
        request_id=request.pk
    )
    document_issue(
        actor=actor,
        kind="permit",
        subject_type="permit",
        subject_id=permit.pk,
        context=permit_context(permit, request, today),
        unit=unit,
        issued_on=today,
    )
    document_issue(
        actor=actor,
        kind="approval_form",
        subject_type=APPROVAL_REQUEST,
        subject_id=request.pk,
        context=approval_form_context(permit, request, unit, seen),
        unit=unit,
        issued_on=today,
    )
    return changes


APPROVAL_REQUEST = "approval_request"


def opinions_of(request) -> list[dict]:
    """Every step's opinion of the round that was decided, in order."""
    rows = []
    decisions = Decision.objects.filter(
        request_id=request.pk,
        round=request.round,
        action__in=[
            Decision.Action.APPROVE,
            Decision.Action.RETURN,
            Decision.Action.REJECT,
            Decision.Action.OPINION,
        ],
    ).order_by("id")
    for d in decisions:
        step = engine.step_label(request.kind, d.step) if d.step else ""
        if d.action == Decision.Action.OPINION:
            department = d.data.get("department", "")
            verdict = _label(JointReview.Opinion, str(d.data.get("opinion", "")))
            step, opinion = f"{step}（{department}）", verdict
        else:
            opinion = d.get_action_display()
        if d.comment:
            opinion += f"：{d.comment}"
        on = timezone.localtime(d.created_at).date()
        rows.append(
            {"step": f"{step}意见", "opinion": opinion, "by": d.actor_name, "on": on}
        )
    return rows


def approval_form_context(permit: Permit, request, unit: Unit, accounts) -> dict:
    account = permit.account
    payload = request.payload or {}
    applied = request.submitted_at or request.created_at
    context = {
        "request_no": request.serial or str(request.pk),
        "unit_name": unit.name,
        "unit_uscc": unit.uscc or "",
        "applied_on": timezone.localtime(applied).date(),
        "category": account.category.name,
        "funding": _label(Funding, account.funding),
        "channel": _label(Channel, permit.channel),
        "count": permit.count,
        "reason": str(payload.get("reason") or request.title),
        "accounts": accounts,
        "opinions": opinions_of(request),
    }
    if unit.parent_id and unit.kind == "institution":
        context["supervisor_name"] = unit.parent.name
    positions = [
        {
            "title": str(p.get("title", "")),
            "count": p.get("count", ""),
            "requirement": str(p.get("requirement", "")),
        }
        for p in payload.get("positions") or []
        if isinstance(p, dict)
    ]
    if positions:
        context["positions"] = positions
    return context


def request_documents(request) -> list[Document]:
    """The documents an approval request issued (approval form, permit,
    stop-pay notice), for its page."""
    permit_ids = list(
        Permit.objects.filter(request_id=request.pk).values_list("pk", flat=True)
    )
    condition = Q(
        subject_type__in=[APPROVAL_REQUEST, roster_kinds.RELEASE_FILING],
        subject_id=request.pk,
    )
    if permit_ids:
        condition |= Q(subject_type="permit", subject_id__in=permit_ids)
    return list(Document.objects.filter(condition).order_by("pk"))


def permit_document(permit: Permit) -> Document | None:
    return (
        Document.objects.filter(subject_type="permit", subject_id=permit.pk)
        .order_by("-pk")
        .first()
    )


# --- release filing → stop-pay notice (停发工资通知) ------------------------------
#
# Same shape as the permit: the roster's release effect first (the posting
# ends, the counter drops), then the signed notice for finance in the same
# transaction. The roster (below) cannot import documents, so the wrapper
# lives here and replaces the plain effect at startup.


def stop_pay_context(posting: Posting, request) -> dict:
    unit = posting.unit
    account = posting.account
    context = {
        "filing_no": request.serial or str(request.pk),
        # Wages are paid by the finance bureau of the unit's region.
        "recipient": f"{unit.region.name}财政局",
        "unit_name": unit.name,
        "stop_from": posting.end_date,
        "persons": [
            {
                # The notice travels outside the office: never the full number.
                "name": posting.person.name,
                "id_number": mask_id_number(posting.person.id_number),
                "category": account.category.name,
                "released_on": posting.end_date,
                "reason": RELEASE_REASON.label(posting.end_reason),
            }
        ],
        "copy_to": unit.name,
    }
    if posting.late_release:
        context["remarks"] = "逾期出编备案（出编日期后超过10个工作日）"
    return context


def release_with_stop_pay(request, actor: Actor, today: dt.date) -> list[dict]:
    posting = roster_kinds.current_posting(request)
    changes = roster_kinds.apply_release(request, actor, today)
    posting = Posting.objects.select_related(
        "person", "account__category", "unit__region"
    ).get(pk=posting.pk)
    document_issue(
        actor=actor,
        kind="stop_pay_notice",
        subject_type=roster_kinds.RELEASE_FILING,
        subject_id=request.pk,
        context=stop_pay_context(posting, request),
        unit=posting.unit,
        issued_on=today,
    )
    return changes


def stop_pay_document(request) -> Document | None:
    return (
        Document.objects.filter(
            subject_type=roster_kinds.RELEASE_FILING, subject_id=request.pk
        )
        .order_by("-pk")
        .first()
    )


def check_proof_attachments(request, actor: Actor, today: dt.date) -> None:
    """Submit-time: the proofs named are uploaded files of this request or of
    the submitter (attachments belong to this app, above the roster)."""
    ids = request.payload.get("proof_attachment_ids") or []
    if not isinstance(ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in ids
    ):
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "出编证明附件编号格式不正确",
            field="proof_attachment_ids",
        )
    found = {
        a.pk
        for a in Attachment.objects.filter(pk__in=ids)
        if a.uploaded_by_id == actor.user_id
        or (a.owner_type == "approval_request" and a.owner_id == request.pk)
    }
    missing = [i for i in ids if i not in found]
    if missing:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"出编证明附件不存在：{'、'.join(map(str, missing))}",
            field="proof_attachment_ids",
        )


def void_permit_documents(permit: Permit, reason: str) -> list[dict]:
    """A cancelled permit's PDF verifies as void (quota.permits.permit_cancel)."""
    return [
        revoke_changes(document, f"用编核准已撤销：{reason}")
        for document in Document.objects.select_for_update().filter(
            kind="permit", subject_type="permit", subject_id=permit.pk, revoked=False
        )
    ]


def register() -> None:
    permits.register_cancel_effect(void_permit_documents)
    engine.register_effect(QUOTA_USE, permit_issue_with_document)
    engine.register_effect(roster_kinds.RELEASE_FILING, release_with_stop_pay)
    engine.register_validator(roster_kinds.RELEASE_FILING, check_proof_attachments)
