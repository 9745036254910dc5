"""Issuing and revoking documents (one service per write, ARCHITECTURE.md).

document_issue renders, signs, stores and registers in one transaction: the
serial number is taken from its counter row first, so a failed render or
signature rolls the number back with everything else and the register stays
gapless. The approval kinds call it from inside their own final-approval
transaction (it nests).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit

from .contexts import certificate_context, office_name_for
from .kinds import check_context, spec_for
from .models import Document, DocumentKind, SerialCounter
from .render import render_pdf
from .signing import get_signer

VERIFY_PATH = "/verify/"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def verify_url(code: str, base_url: str | None = None) -> str:
    """The public verification URL the QR code carries.

    settings.DOCUMENT_VERIFY_BASE_URL is the address people reach the public
    page at (an intranet name); the issuing request's own address otherwise.
    """
    base = getattr(settings, "DOCUMENT_VERIFY_BASE_URL", "") or base_url
    return f"{(base or DEFAULT_BASE_URL).rstrip('/')}{VERIFY_PATH}{code}/"


def allocate_serial(prefix: str, year: int) -> str:
    """The next serial number of `prefix` in `year`. Call inside a transaction.

    INSERT ... ON CONFLICT DO NOTHING creates the year's row once; the UPDATE
    then holds it (row lock on PostgreSQL, the write lock on SQLite) until the
    caller commits or rolls back, so numbers are neither shared nor skipped.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_serial must run inside the issuing transaction")
    SerialCounter.objects.bulk_create(
        [SerialCounter(prefix=prefix, year=year, last=0)], ignore_conflicts=True
    )
    counter = SerialCounter.objects.filter(prefix=prefix, year=year)
    counter.update(last=F("last") + 1)
    last = counter.values_list("last", flat=True).get()
    return f"{prefix}-{year}-{last:06d}"


def document_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "documents"


def _store(serial: str, data: bytes) -> str:
    """Write the file atomically; return its path relative to MEDIA_ROOT.

    A rolled-back issue may leave its file behind: the number is reused by the
    next issue, which replaces the file.
    """
    folder = document_dir()
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".issue-", suffix=".pdf")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    target = folder / f"{serial}.pdf"
    os.replace(tmp, target)
    return str(target.relative_to(settings.MEDIA_ROOT))


def document_issue(
    *,
    actor: Actor,
    kind: str,
    subject_type: str,
    subject_id: int,
    context: dict[str, Any],
    unit: Unit | None = None,
    issued_on: dt.date | None = None,
    base_url: str | None = None,
) -> Document:
    """Render, sign, store and register one document; one audit event.

    `context` holds the keys kinds.py lists for `kind` (checked first:
    FIELD_REQUIRED / VALUE_INVALID). `unit` links the register to the unit the
    document concerns (the office lists and the public page show its name).
    """
    spec = spec_for(kind)
    values = check_context(kind, context)
    if "office_name" not in values and unit is not None:
        values["office_name"] = office_name_for(unit)
    values.setdefault("office_name", "机构编制委员会办公室")
    values.setdefault("unit_name", unit.name if unit else "")
    issued_on = issued_on or timezone.localdate()
    signer = get_signer()
    with transaction.atomic():
        serial = allocate_serial(spec.prefix, issued_on.year)
        code = secrets.token_urlsafe(12)
        pdf = render_pdf(
            kind,
            values,
            serial=serial,
            verification_code=code,
            verify_url=verify_url(code, base_url),
            issued_on=issued_on,
        )
        signed = signer.sign(
            pdf,
            reason=f"{spec.title} {serial}",
            location=values["office_name"],
        )
        path = _store(serial, signed)
        document = Document(
            kind=kind,
            serial=serial,
            title=spec.title,
            subject_type=subject_type,
            subject_id=subject_id,
            unit=unit,
            unit_name=values["unit_name"][:200],
            verification_code=code,
            sha256=hashlib.sha256(signed).hexdigest(),
            size=len(signed),
            file=path,
            signer=signer.name,
            issued_by_id=actor.user_id,
            issued_by_name=actor.name,
            issued_on=issued_on,
            issued_at=timezone.now(),
        )
        document.full_clean()
        document.save()
        audit.record(
            actor=actor,
            operation="document_issue",
            records=[audit.change(document, None, audit.snapshot(document))],
            doc_no=serial,
            summary=f"签发{spec.title} {serial}（{document.unit_name}）",
        )
    return document


def certificate_issue(
    *,
    actor: Actor,
    unit: Unit,
    as_of: dt.date | None = None,
    base_url: str | None = None,
) -> Document:
    """The establishment certificate of `unit` as of a date, as a signed PDF."""
    as_of = as_of or timezone.localdate()
    return document_issue(
        actor=actor,
        kind=DocumentKind.CERTIFICATE,
        subject_type="unit",
        subject_id=unit.pk,
        context=certificate_context(unit, as_of),
        unit=unit,
        base_url=base_url,
    )


def revoke_changes(document: Document, reason: str) -> dict:
    """Void one locked document inside the caller's transaction; its audit
    change (document_revoke, or an effect that voids what it cancels)."""
    before = audit.snapshot(document)
    document.revoked = True
    document.revoked_at = timezone.now()
    document.revoked_reason = reason[:300]
    document.save(update_fields=["revoked", "revoked_at", "revoked_reason"])
    return audit.change(document, before, audit.snapshot(document))


def document_revoke(*, actor: Actor, document_id: int, reason: str) -> Document:
    """Mark a document void: it then verifies as 已作废, never as genuine."""
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, "作废原因", field="reason")
    if not actor.is_office:
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN, "仅编办人员可作废文书")
    with transaction.atomic():
        document = Document.objects.select_for_update().filter(pk=document_id).first()
        if document is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE, "文书不存在")
        if document.revoked:
            raise ApplicationError(
                ErrorCode.STEP_OUT_OF_TURN, f"{document.serial} 已作废"
            )
        change = revoke_changes(document, reason)
        audit.record(
            actor=actor,
            operation="document_revoke",
            records=[change],
            doc_no=document.serial,
            summary=f"作废{document.title} {document.serial}：{reason[:100]}",
        )
    return document


def document_path(document: Document) -> Path:
    return Path(settings.MEDIA_ROOT) / document.file
