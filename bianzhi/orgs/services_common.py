"""Shared steps of the orgs services: the checks every dated write starts
with, saving with full_clean, fetching and locking (region row, then unit row)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.codes import normalise_doc_no
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode

from . import rules
from .models import Region, Unit

_TRUE = {"true", "1", "y", "yes", "是"}
_FALSE = {"false", "0", "n", "no", "否", ""}


def today_or_default(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def clean_doc_no(value: str) -> str:
    try:
        return normalise_doc_no(value)
    except ApplicationError as exc:
        exc.field = "doc_no"
        raise


def prepare(
    actor, doc_no, effective_date, reason, today
) -> tuple[str, dt.date, dt.date]:
    """The checks every dated write starts with."""
    rules.require_office(actor)
    today = today_or_default(today)
    effective_date = parse_date(effective_date, field="effective_date")
    doc_no = clean_doc_no(doc_no)
    rules.check_backdate(
        actor=actor,
        effective_date=effective_date,
        today=today,
        reason=reason,
        doc_no=doc_no,
    )
    return doc_no, effective_date, today


def clean_and_save(instance) -> None:
    """full_clean, then save; constraint races surface as ApplicationError."""
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "；".join(exc.messages)
        ) from None
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError as exc:
        text = str(exc).lower()
        if "uscc" in text:
            raise ApplicationError(ErrorCode.USCC_TAKEN, field="uscc") from None
        if "name" in text:
            raise ApplicationError(ErrorCode.NAME_TAKEN, field="name") from None
        raise ApplicationError(ErrorCode.VALUE_INVALID, str(exc)) from None


def get_region(value) -> Region:
    code = value.pk if isinstance(value, Region) else str(value or "").strip()
    region = Region.objects.filter(pk=code).first()
    if region is None:
        raise ApplicationError(ErrorCode.REGION_UNKNOWN, code, field="region")
    return region


def unit_id_of(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, Unit):
        return value.pk
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, str(value)) from None


def lock_unit(unit, *, with_region: bool = True) -> Unit:
    """Lock (region, then) unit and return the fresh row."""
    pk = unit_id_of(unit)
    region_id = Unit.objects.filter(pk=pk).values_list("region_id", flat=True).first()
    if region_id is None:
        raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="unit")
    if with_region:
        Region.objects.select_for_update().get(pk=region_id)
    return Unit.objects.select_for_update().get(pk=pk)


def require_active(unit: Unit) -> None:
    if not unit.is_active:
        raise ApplicationError(
            ErrorCode.UNIT_INACTIVE, f"{unit.name}（{unit.get_status_display()}）"
        )


def boolean(value, *, field: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value if value is not None else "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, f"「{value}」应为是或否", field=field
    )


def jsonable_state(values: dict) -> dict:
    return audit.jsonable(values)
