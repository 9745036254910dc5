"""The 新建申请 form's fields: who submits, the scoped choices of the typed
fields (unit / account / permit / person), reading the posted values back
(rows as an editable table, attachments as uploads) and what the template
draws for each field.

Choices are always scoped through the submitting actors' engine scope (the
one request_create applies), so a unit outside it never appears, and its
accounts, permits and people never either.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from bianzhi.accounts.approval_intake import (  # noqa: F401 - used by the views
    actor_for,
    submitter_actors,
    units_for,
)
from bianzhi.approvals.intake import Field, Intake
from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.documents.attachments import attachment_store
from bianzhi.documents.models import Attachment
from bianzhi.quota.models import Permit, QuotaAccount
from bianzhi.roster.models import Posting

UPLOAD_OWNER = "approval_upload"  # files uploaded on a form, before a request exists
MAX_ROWS = 50


def _unit_id(field: Field, values: dict, allowed: set[int]) -> int | None:
    raw = str(values.get(field.depends_on) or "")
    return int(raw) if raw.isdigit() and int(raw) in allowed else None


def choices_for(
    field: Field, actor: Actor, values: dict, units: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    allowed = {int(v) for v, _ in units}
    if field.type == "unit":
        return units
    if field.type == "choice" and field.choices is not None:
        return [(str(v), str(label)) for v, label in field.choices(actor, values)]
    unit_id = _unit_id(field, values, allowed) if field.depends_on else None
    if unit_id is None and field.type in ("account", "permit", "person"):
        if len(allowed) != 1:
            return []
        unit_id = next(iter(allowed))
    if field.type == "account":
        qs = QuotaAccount.objects.filter(unit_id=unit_id).select_related("category")
        return [
            (
                str(a.pk),
                _(
                    "%(category)s·%(funding)s（核定%(approved)s，实有%(occupied)s，"
                    "预留%(reserved)s，空编%(vacancy)s）"
                )
                % {
                    "category": a.category.name,
                    "funding": a.get_funding_display(),
                    "approved": a.approved,
                    "occupied": a.occupied,
                    "reserved": a.reserved,
                    "vacancy": max(a.vacancy, 0),
                },
            )
            for a in qs.order_by("category__sort_order", "funding")
        ]
    if field.type == "permit":
        today = timezone.localdate()
        qs = Permit.objects.filter(
            unit_id=unit_id, status=Permit.Status.ACTIVE, valid_until__gte=today
        )
        return [
            (
                p.number,
                _("%(number)s（剩余%(left)s名，有效期至%(until)s）")
                % {
                    "number": p.number,
                    "left": p.count - p.used,
                    "until": p.valid_until,
                },
            )
            for p in qs.order_by("valid_until", "pk")
        ]
    if field.type == "person":
        qs = (
            Posting.objects.filter(unit_id=unit_id, end_date__isnull=True)
            .select_related("person", "account__category")
            .order_by("person__name", "pk")
        )
        return [
            (
                str(p.person_id),
                f"{p.person.name}（{mask_id_number(p.person.id_number)}，"
                f"{p.account.category.name}）",
            )
            for p in qs
        ]
    return []


# --- posted values -----------------------------------------------------------------


def row_count(post, name: str) -> int:
    raw = str(post.get(f"{name}-n") or "0")
    return min(int(raw), MAX_ROWS) if raw.isdigit() else 0


def read_values(request: HttpRequest, spec: Intake) -> dict[str, Any]:
    post = request.POST
    values: dict[str, Any] = {}
    for f in spec.fields:
        if f.type == "rows":
            values[f.name] = [
                {c.name: post.get(f"{f.name}-{i}-{c.name}", "") for c in f.columns}
                for i in range(row_count(post, f.name))
            ]
        elif f.type == "attachments":
            values[f.name] = [v for v in post.getlist(f.name) if v.isdigit()]
        else:
            values[f.name] = post.get(f.name, "")
    return values


def store_uploads(
    request: HttpRequest, spec: Intake, actor: Actor, values: dict
) -> dict[str, str]:
    """Store the files chosen on the form (documents' attachment service, which
    checks size and content type); their ids join the field's values. The
    errors, by field."""
    errors: dict[str, str] = {}
    for f in spec.fields:
        if f.type != "attachments":
            continue
        for upload in request.FILES.getlist(f"{f.name}-file"):
            try:
                stored = attachment_store(
                    actor=actor,
                    file=upload,
                    owner_type=UPLOAD_OWNER,
                    owner_id=actor.user_id or 0,
                )
            except ApplicationError as exc:
                errors[f.name] = exc.message
                continue
            values[f.name] = [*values.get(f.name, []), str(stored.pk)]
    return errors


def attachment_rows(ids: list[str], user_id: int) -> list[Attachment]:
    """Files already on the form: the user's own uploads only."""
    wanted = [int(i) for i in ids if str(i).isdigit()]
    return list(
        Attachment.objects.filter(pk__in=wanted, uploaded_by_id=user_id).order_by("pk")
    )


# --- what the template draws ---------------------------------------------------------


def field_rows(
    spec: Intake,
    actor: Actor | None,
    values: dict,
    errors: dict[str, str],
    units: list[tuple[str, str]],
    user_id: int,
) -> list[dict]:
    out = []
    dependants = {f.depends_on for f in spec.fields if f.depends_on}
    for f in spec.fields:
        row: dict[str, Any] = {
            "f": f,
            "value": values.get(f.name, f.initial),
            "error": errors.get(f.name, ""),
            "refresh": f.name in dependants,
        }
        if f.type in ("choice", "unit", "account", "permit", "person") and actor:
            row["choices"] = choices_for(f, actor, values, units)
        if f.type == "rows":
            rows = values.get(f.name) or []
            if not rows:
                rows = [{c.name: c.initial for c in f.columns}]
            row["rows"] = [
                {
                    "i": i,
                    "cells": [
                        {
                            "c": c,
                            "value": r.get(c.name, ""),
                            "choices": choices_for(c, actor, values, units)
                            if c.type == "choice" and actor
                            else None,
                        }
                        for c in f.columns
                    ],
                }
                for i, r in enumerate(rows)
            ]
            row["n"] = len(rows)
        if f.type == "attachments":
            row["files"] = attachment_rows(values.get(f.name) or [], user_id)
        out.append(row)
    return out


def apply_op(op: str, spec: Intake, values: dict) -> None:
    """Add or remove a row of a rows field (the form is re-rendered after)."""
    what, _, rest = op.partition(":")
    name, _, index = rest.partition(":")
    f = spec.field(name)
    if f is None or f.type != "rows":
        return
    rows = list(values.get(name) or [])
    if what == "add" and len(rows) < MAX_ROWS:
        rows.append({c.name: c.initial for c in f.columns})
    elif what == "remove" and index.isdigit() and int(index) < len(rows):
        rows.pop(int(index))
    values[name] = rows


def error_of(exc: ApplicationError, spec: Intake) -> tuple[str, str]:
    """(field, message): a field the form shows, else "" (above the form)."""
    field = exc.field or ""
    if field and spec.field(field) is None:
        field = ""
    if exc.code == ErrorCode.FIELD_REQUIRED and exc.detail:
        detail = exc.detail
        if detail.startswith("请"):
            return field, detail
        return field, _("请填写%(field)s") % {"field": detail}
    return field, exc.message
