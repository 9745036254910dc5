"""Writes of the stats app: per-region warning thresholds."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.roles import Permission, role_allows
from bianzhi.orgs.models import Region

from .models import WarningThreshold
from .warning_rules import get_rule
from .warnings import forget_counts

MAX_VALUE = Decimal("99999")


def _parse_value(value) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "阈值必须是数字", field="value"
        ) from None
    if not number.is_finite() or number < 0 or number > MAX_VALUE:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "阈值必须是不小于0的数字", field="value"
        )
    return number.quantize(Decimal("0.01"))


def warning_threshold_set(
    *, actor: Actor, region: Region | str, rule: str, value
) -> WarningThreshold | None:
    """Set a rule's threshold for a region and its sub-regions (unless they set
    their own). An empty value removes the region's setting, so the value of
    the region above (or the default) applies again."""
    if not (actor.is_system or role_allows(actor.role, Permission.MANAGE_WARNINGS)):
        raise ApplicationError(ErrorCode.ROLE_FORBIDDEN)
    found = get_rule(str(rule))
    if found is None or found.default is None:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"预警规则「{rule}」不存在或没有阈值", field="rule"
        )
    number = _parse_value(value)
    if number is not None and found.unit == "%" and number > 100:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, "百分比阈值不能大于100", field="value"
        )
    code = region.code if isinstance(region, Region) else str(region)
    with transaction.atomic():
        region_obj = Region.objects.filter(pk=code).first()
        if region_obj is None:
            raise ApplicationError(ErrorCode.REGION_UNKNOWN, field="region")
        current = (
            WarningThreshold.objects.select_for_update()
            .filter(region=region_obj, rule=found.code)
            .first()
        )
        before = audit.snapshot(current) if current else None
        if number is None:
            if current is None:
                return None
            record = audit.change(current, before, None)
            current.delete()
            result = None
            summary = f"{region_obj.name}「{found.name}」阈值恢复为上级/默认值"
        else:
            if current is None:
                current = WarningThreshold(region=region_obj, rule=found.code)
            current.value = number
            current.updated_by_name = actor.name
            current.full_clean()
            current.save()
            record = audit.change(current, before, audit.snapshot(current))
            result = current
            summary = f"{region_obj.name}「{found.name}」阈值设为{number}{found.unit}"
        audit.record(
            actor=actor,
            operation="warning_threshold_set",
            records=[record],
            summary=summary,
        )
    forget_counts()
    return result
