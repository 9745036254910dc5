"""What apps above this one plug into the matters (the same pattern as the
approvals engine's registry): the documents app checks argumentation
attachments (it owns them) and re-issues the establishment certificate of
every unit a matter changed (documents/effects_matters.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from bianzhi.core.actor import Actor

if TYPE_CHECKING:
    from .models import Matter

# fn(actor, attachment ids, request) -> None; raises ApplicationError.
AttachmentCheck = Callable[[Actor, list[int], object], None]
# fn(matter, unit ids changed, actor, today) -> None; runs in the same transaction.
AfterApply = Callable[["Matter", list[int], Actor, dt.date], None]

_attachment_checks: list[AttachmentCheck] = []
_after_apply: list[AfterApply] = []


def register_attachment_check(fn: AttachmentCheck) -> None:
    if fn not in _attachment_checks:
        _attachment_checks.append(fn)


def register_after_apply(fn: AfterApply) -> None:
    if fn not in _after_apply:
        _after_apply.append(fn)


def check_attachments(actor: Actor, ids: list[int], request) -> None:
    for fn in _attachment_checks:
        fn(actor, ids, request)


def after_apply(matter: Matter, unit_ids: list[int], actor: Actor, today) -> None:
    for fn in _after_apply:
        fn(matter, unit_ids, actor, today)
