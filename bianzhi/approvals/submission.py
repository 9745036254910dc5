"""Saving a request from its kind's Intake (the web form and the API's create /
update share this): build → create or update → submit, in ONE transaction.

So a submission refused by a submit-time check (vacancy, a second open
filing …) leaves nothing behind, not even a draft; and the same
idempotency_key again (a double click, a retried POST) answers with the
request as it is — request_create returns the request created with the key,
request_submit the one submitted with it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import engine, intake, services
from .models import Request

MAX_KEY = 64


def intake_of(kind: str) -> intake.Intake:
    found = intake.intake_for(kind) if engine.is_registered(kind) else None
    if found is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"未知的申请事项：{kind}", field="kind"
        )
    return found


def clean_key(key: Any) -> str | None:
    text = str(key or "").strip()
    if len(text) > MAX_KEY:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "提交标识过长", field="idempotency_key"
        )
    return text or None


def _payload(draft: intake.Draft) -> dict:
    payload = dict(draft.payload)
    if draft.attachment_ids and "attachment_ids" not in payload:
        payload["attachment_ids"] = list(draft.attachment_ids)
    return payload


def save_from_intake(
    *,
    actor: Actor,
    kind: str,
    values: dict[str, Any],
    submit: bool,
    idempotency_key: str | None = None,
    request_id: int | None = None,
) -> Request:
    """Create (request_id None) or correct a draft / returned request, and
    submit it when `submit`. Errors are the kind's build errors (with
    field=) or the engine's (scope 404, role 403, turn 409)."""
    spec = intake_of(kind)
    key = clean_key(idempotency_key)
    if request_id is None and key:
        done = Request.objects.filter(idempotency_key=key).first()
        if done is not None:
            # The same form again (a double click, a retried POST).
            if done.created_by_id != actor.user_id or done.kind != kind:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    "提交标识已被使用",
                    field="idempotency_key",
                )
            if done.status == Request.Status.DRAFT and submit:
                # Saved as a draft with this key, now submitted: with the
                # values sent now.
                request_id = done.pk
            elif submit:
                # Answers before building again: the values may no longer
                # pass (the first submission took the vacancy).
                return services.request_submit(
                    actor=actor, request_id=done.pk, idempotency_key=key
                )
            else:
                return done
    draft = spec.build(actor, values)
    with transaction.atomic():
        if request_id is None:
            request = services.request_create(
                actor=actor,
                kind=kind,
                title=draft.title,
                region_code=draft.region_code,
                unit_id=draft.unit_id,
                subject_type=draft.subject_type,
                subject_id=draft.subject_id,
                payload=_payload(draft),
                idempotency_key=key,
            )
            if not submit:
                return request
            return services.request_submit(
                actor=actor, request_id=request.pk, idempotency_key=key
            )
        current = Request.objects.filter(pk=request_id).first()
        if current is not None and current.kind != kind:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "事项类型不符", field="kind"
            )
        if current is not None and current.unit_id != draft.unit_id:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                "修改申请时不能更换申请单位",
                field=_unit_field(spec),
            )
        if submit:
            return services.request_submit(
                actor=actor,
                request_id=request_id,
                idempotency_key=key,
                title=draft.title,
                payload=_payload(draft),
            )
        return services.request_update(
            actor=actor,
            request_id=request_id,
            title=draft.title,
            payload=_payload(draft),
        )


def _unit_field(spec: intake.Intake) -> str:
    return next((f.name for f in spec.fields if f.type == "unit"), "unit_id")
