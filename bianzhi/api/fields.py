"""Shape-only input fields that fail with the catalogue's codes, never DRF's text.

The API promises the same answer as the web UI and the CLI for a bad value:
{"code", "message", "field"} with a Chinese message (VALUES.md). DRF's own
field errors come in DRF's shape and, for an English Accept-Language, in
English; so every field that parses a domain value raises ApplicationError
through the shared parsers in core, and `validated()` translates whatever
generic DRF errors remain (missing keys, wrong JSON types) into
FIELD_REQUIRED / VALUE_INVALID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from bianzhi.core.codes import normalise_doc_no, parse_quantity, to_halfwidth
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode


def path_of(field: serializers.Field) -> str:
    """The dotted name of a field inside nested serializers ("changes.parent")."""
    names = []
    node = field
    while node is not None and getattr(node, "field_name", None):
        names.append(node.field_name)
        node = node.parent
    return ".".join(reversed(names))


def _with_field(exc: ApplicationError, field: serializers.Field) -> ApplicationError:
    return ApplicationError(
        exc.code, exc.detail, field=path_of(field), params=exc.params
    )


# Far above any real movement (a province's whole total), far below the
# database's integer range: a bigger number is a typing error, and letting it
# through would overflow a counter (a 500) instead of answering 400.
MAX_AMOUNT = 10_000_000
# Counts stored in PositiveSmallIntegerField (caps, internal bodies, posts).
MAX_COUNT = 32_767


@extend_schema_field({"type": "integer", "minimum": 1})
class QuantityField(serializers.Field):
    """A whole number of posts. `allow_zero` for counts that may be set to 0
    (a mandate without internal bodies, a leader-post quota withdrawn)."""

    def __init__(
        self, *, allow_zero: bool = False, max_value: int = MAX_AMOUNT, **kwargs: Any
    ) -> None:
        self.allow_zero = allow_zero
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> int:
        if self.allow_zero and not isinstance(data, bool):
            if to_halfwidth(str(data)).strip() == "0":
                return 0
        try:
            number = parse_quantity(data)
        except ApplicationError as exc:
            if self.allow_zero:
                exc = ApplicationError(
                    ErrorCode.QUANTITY_INVALID,
                    "应为不小于0的整数",
                    params=exc.params,
                )
            raise _with_field(exc, self) from None
        if number > self.max_value:
            raise ApplicationError(
                ErrorCode.QUANTITY_INVALID,
                f"不得超过{self.max_value}",
                field=path_of(self),
                params={"value": data},
            )
        return number

    def to_representation(self, value: Any) -> Any:
        return value


@extend_schema_field(OpenApiTypes.DATE)
class DateField(serializers.Field):
    """2026-10-01, 2026/10/1, 2026年10月1日 … (core.dates.parse_date)."""

    def to_internal_value(self, data: Any):
        return parse_date(data, field=path_of(self))

    def to_representation(self, value: Any) -> Any:
        return value.isoformat() if value else None


@extend_schema_field(
    {"type": "string", "example": "济编〔2024〕12号", "description": "文号"}
)
class DocNoField(serializers.Field):
    """A 文号, normalised to 济编〔2024〕12号 (brackets, full-width digits)."""

    def to_internal_value(self, data: Any) -> str:
        try:
            return normalise_doc_no(data)
        except ApplicationError as exc:
            raise _with_field(exc, self) from None

    def to_representation(self, value: Any) -> Any:
        return value


class LabelChoiceField(serializers.ChoiceField):
    """A value-set code; the Chinese label is accepted too (政府部门 → gov_dept)."""

    def to_internal_value(self, data: Any) -> str:
        text = to_halfwidth(str(data if data is not None else "")).strip()
        if text == "" and self.allow_blank:
            return ""
        if text in self.choices:
            return text
        for code, label in self.choices.items():
            if text == str(label):
                return code
        allowed = "、".join(
            f"{code}（{label}）" for code, label in self.choices.items()
        )
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            f"「{self.label or self.field_name}」应为以下之一：{allowed}",
            field=path_of(self),
            params={"value": data},
        )


@extend_schema_field(OpenApiTypes.INT)
class ObjectIdField(serializers.Field):
    """An object id, checked for shape only; views resolve it through access."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


def _first_error(errors: Any, prefix: str = "") -> tuple[str, Any]:
    if isinstance(errors, Mapping):
        name, value = next(iter(errors.items()))
        if name == api_settings.NON_FIELD_ERRORS_KEY:
            return _first_error(value, prefix)
        path = f"{prefix}.{name}" if prefix else str(name)
        return _first_error(value, path)
    if isinstance(errors, list) and errors:
        first = errors[0]
        if isinstance(first, (Mapping, list)):
            return _first_error(first, prefix)
        return prefix, first
    return prefix, errors


def _label(serializer: serializers.Serializer, path: str) -> str:
    node: Any = serializer
    for part in path.split("."):
        fields = getattr(node, "fields", None)
        if fields is None or part not in fields:
            return path
        node = fields[part]
    return str(node.label or path)


def validated(serializer_class: type[serializers.Serializer], data: Any) -> dict:
    """Validate the shape of `data`, raising ApplicationError on the first fault."""
    if not isinstance(data, Mapping):
        raise ApplicationError(ErrorCode.VALUE_INVALID, "请求体应为 JSON 对象")
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return dict(serializer.validated_data)
    path, error = _first_error(serializer.errors)
    if not path:
        raise ApplicationError(ErrorCode.VALUE_INVALID, "请求体应为 JSON 对象")
    label = _label(serializer, path)
    if getattr(error, "code", "") in ("required", "null", "blank"):
        raise ApplicationError(ErrorCode.FIELD_REQUIRED, f"缺少「{label}」", field=path)
    raise ApplicationError(
        ErrorCode.VALUE_INVALID, f"「{label}」格式不正确", field=path
    )
