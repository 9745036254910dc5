"""Office forms as data: fields, how each input is parsed, and who may use them.

A form is an `Operation`: its fields, the permission it needs and a `run`
function that calls exactly one service. Parsing turns raw inputs into the
values services take, raising the same ApplicationError codes the services
use (DOC_NO_INVALID, DATE_INVALID, QUANTITY_INVALID …) with the input's name,
so the page can show the message next to the input. Scoped inputs (unit,
region, movement, loan, internal body) are fetched through accounts.access:
an id outside the user's scope is a 404, whatever the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils import timezone

from bianzhi.accounts.access import (
    access_region,
    access_unit,
    region_codes_in_scope,
    units_in_scope,
)
from bianzhi.core.actor import Actor
from bianzhi.core.codes import normalise_doc_no, parse_quantity, to_halfwidth
from bianzhi.core.dates import parse_date, parse_optional_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InternalBody, Region, Unit
from bianzhi.quota.models import Funding, Loan, QuotaCategory

from .roster_fields import ROSTER_KINDS, parse_roster_field
from .scoping import access_movement

# Errors that are about the user's reach, not the input: they become the 404/403 page.
ACCESS_CODES = frozenset({ErrorCode.OUT_OF_SCOPE, ErrorCode.ROLE_FORBIDDEN})


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"
    required: bool = True
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    # Changing this input reloads the form (choices or prefill depend on it).
    refresh: bool = False
    # Which unit field the choices of a "body" field follow.
    depends_on: str = "unit"


@dataclass(frozen=True)
class Operation:
    slug: str
    title: str
    group: str  # "orgs" or "quota"
    permission: str
    fields: tuple[Field, ...]
    run: Callable[[dict[str, Any], Actor], tuple[str, str]]
    numbers: Callable[[NumbersInput], list[dict]] | None = None
    description: str = ""
    # Initial values once the subject unit is chosen (e.g. its current attributes).
    prefill: Callable[[Unit], dict[str, Any]] | None = None


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, ApplicationError] = field(default_factory=dict)
    actor: Actor | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def status(self) -> int:
        """404/403 when an input names something outside the user's reach, else 400."""
        statuses = {
            e.http_status for e in self.errors.values() if e.code in ACCESS_CODES
        }
        return 404 if 404 in statuses else 403 if 403 in statuses else 400


def _required(f: Field) -> ApplicationError:
    return ApplicationError(ErrorCode.FIELD_REQUIRED, f.label, field=f.name)


def _with_field(exc: ApplicationError, name: str) -> ApplicationError:
    exc.field = name
    return exc


def _nonneg_int(f: Field, raw: str) -> int:
    text = to_halfwidth(raw).strip()
    if not re.fullmatch(r"\d{1,6}", text):
        raise ApplicationError(
            ErrorCode.QUANTITY_INVALID,
            f"{f.label}应为不小于0的整数",
            field=f.name,
            params={"value": raw},
        )
    return int(text)


def _choice(f: Field, raw: str) -> str:
    if raw not in {value for value, _ in f.choices}:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID, f"{f.label}：{raw}", field=f.name
        )
    return raw


def parse(op: Operation, data: QueryDict, user) -> Parsed:
    """Parse every input and collect the errors, each under its input's name.

    An id outside the user's scope gives the generic 「未找到」 (OUT_OF_SCOPE):
    the form keeps what was typed, and the response status is 404 (403 for a
    role that may not act there), so nothing about the object is revealed.
    """
    result = Parsed()

    def remember(actor: Actor) -> None:
        if result.actor is None:
            result.actor = actor

    for f in op.fields:
        raw = data.get(f.name, "")
        raw = raw.strip() if isinstance(raw, str) else raw
        try:
            if f.kind == "bool":
                result.values[f.name] = raw in ("on", "1", "true", "True")
                continue
            if raw in ("", None):
                if f.required:
                    raise _required(f)
                result.values[f.name] = None
                continue
            result.values[f.name] = _parse_one(f, raw, op, user, remember)
        except ApplicationError as exc:
            result.errors[f.name] = _with_field(exc, f.name)
    return result


def _parse_one(f: Field, raw: str, op: Operation, user, remember) -> Any:
    kind = f.kind
    if kind in ("text", "textarea"):
        return raw
    if kind == "doc_no":
        try:
            return normalise_doc_no(raw)
        except ApplicationError as exc:
            raise _with_field(exc, f.name) from None
    if kind == "date":
        return parse_date(raw, field=f.name)
    if kind == "optional_date":
        return parse_optional_date(raw, field=f.name)
    if kind == "amount":
        try:
            return parse_quantity(raw)
        except ApplicationError as exc:
            raise _with_field(exc, f.name) from None
    if kind == "count":
        return _nonneg_int(f, raw)
    if kind == "choice":
        return _choice(f, raw)
    if kind == "category":
        if not QuotaCategory.objects.filter(code=raw).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{f.label}：{raw}", field=f.name
            )
        return raw
    if kind == "funding":
        if raw not in Funding.values:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{f.label}：{raw}", field=f.name
            )
        return raw
    if kind == "unit":
        unit, actor = access_unit(user, raw, op.permission)
        remember(actor)
        return unit
    if kind == "parent":
        # The parent (主管部门) only has to be visible to the user.
        unit, _actor = access_unit(user, raw)
        return unit
    if kind == "region":
        region, actor = access_region(user, raw, op.permission)
        remember(actor)
        return region
    if kind == "movement":
        if not to_halfwidth(raw).strip().isdigit():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, f"{f.label}应为数字", field=f.name
            )
        movement = access_movement(user, to_halfwidth(raw).strip())
        _region, actor = access_region(user, movement.region_id, op.permission)
        remember(actor)
        return movement
    if kind == "loan":
        loan = Loan.objects.select_related("account", "movement").filter(pk=_id(raw))
        found = loan.first()
        if found is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        _region, actor = access_region(user, found.account.region_id, op.permission)
        remember(actor)
        return found
    if kind == "body":
        body = InternalBody.objects.filter(pk=_id(raw)).first()
        if body is None:
            raise ApplicationError(ErrorCode.OUT_OF_SCOPE)
        _unit, actor = access_unit(user, body.unit_id, op.permission)
        remember(actor)
        return body
    if kind in ROSTER_KINDS:
        return parse_roster_field(kind, raw, user, op.permission, remember)
    raise AssertionError(f"unknown field kind {kind}")


def _id(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApplicationError(ErrorCode.OUT_OF_SCOPE) from None


# -- choices for selects -------------------------------------------------------


def unit_choices(user, permission: str) -> list[tuple[str, str]]:
    units = (
        units_in_scope(user, permission)
        .filter(status=Unit.Status.ACTIVE)
        .select_related("region")
        .order_by("region_id", "name")
    )
    return [(str(u.pk), f"{u.name}（{u.region.name}）") for u in units]


def region_choices(user, permission: str) -> list[tuple[str, str]]:
    codes = region_codes_in_scope(user, permission)
    return [
        (r.code, f"{r.name}（{r.code}）")
        for r in Region.objects.filter(code__in=codes).order_by("code")
    ]


def category_choices() -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in QuotaCategory.objects.all()]


def body_choices(unit_id: str | None, user, permission: str) -> list[tuple[str, str]]:
    if not unit_id:
        return []
    try:
        unit, _actor = access_unit(user, unit_id, permission)
    except ApplicationError:
        return []
    bodies = InternalBody.objects.filter(unit=unit, abolished_on__isnull=True)
    return [(str(b.pk), b.name) for b in bodies.order_by("id")]


def loan_choices(user, permission: str) -> list[tuple[str, str]]:
    codes = region_codes_in_scope(user, permission)
    loans = (
        Loan.objects.filter(account__region_id__in=codes, outstanding__gt=0)
        .select_related("account__unit", "account__category", "movement")
        .order_by("due_date")
    )
    return [
        (
            str(loan.pk),
            f"{loan.account.unit.name if loan.account.unit_id else ''}·"
            f"{loan.account.category.name}·{loan.account.get_funding_display()} "
            f"未还{loan.outstanding}名 {loan.movement.doc_no} 期限{loan.due_date}",
        )
        for loan in loans
    ]


def choices_for(f: Field, op: Operation, user, data: QueryDict) -> list:
    if f.kind == "unit":
        return unit_choices(user, op.permission)
    if f.kind == "parent":
        return unit_choices(user, "view_orgs")
    if f.kind == "region":
        return region_choices(user, op.permission)
    if f.kind == "category":
        return category_choices()
    if f.kind == "funding":
        return list(Funding.choices)
    if f.kind == "choice":
        return list(f.choices)
    if f.kind == "body":
        return body_choices(data.get(f.depends_on), user, op.permission)
    if f.kind == "loan":
        return loan_choices(user, op.permission)
    return []


def initial_value(f: Field) -> str:
    if f.kind == "date":
        return timezone.localdate().isoformat()
    return ""


@dataclass
class NumbersInput:
    """Raw inputs of a form for the live-numbers panel (parsed leniently)."""

    user: Any
    data: QueryDict
    permission: str

    def unit(self, name: str = "unit") -> Unit | None:
        raw = self.data.get(name, "")
        if not raw:
            return None
        try:
            return access_unit(self.user, raw)[0]
        except ApplicationError:
            return None

    def region(self, name: str = "region") -> Region | None:
        raw = self.data.get(name, "")
        if not raw:
            return None
        try:
            return access_region(self.user, raw)[0]
        except ApplicationError:
            return None

    def text(self, name: str) -> str:
        return (self.data.get(name) or "").strip()

    def date(self, name: str = "effective_date") -> dt.date:
        try:
            return parse_date(self.data.get(name, ""))
        except ApplicationError:
            return timezone.localdate()

    def category(self, name: str = "category") -> QuotaCategory | None:
        code = self.text(name)
        return QuotaCategory.objects.filter(code=code).first() if code else None

    def funding(self, name: str = "funding") -> str | None:
        value = self.text(name)
        return value if value in Funding.values else None

    def movement(self, name: str = "movement"):
        raw = self.text(name)
        if not raw:
            return None
        try:
            return access_movement(self.user, raw)
        except ApplicationError:
            return None

    def loan(self, name: str = "loan") -> Loan | None:
        raw = self.text(name)
        if not raw.isdigit():
            return None
        loan = (
            Loan.objects.select_related(
                "account__unit", "account__category", "movement"
            )
            .filter(pk=int(raw))
            .first()
        )
        if loan is None:
            return None
        codes = region_codes_in_scope(self.user)
        if loan.account.region_id not in codes:
            return None
        return loan
