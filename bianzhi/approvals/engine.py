"""The registry the domains fill at startup (ARCHITECTURE.md: approvals imports
no domain; each domain registers its kinds and effects in AppConfig.ready()).

    from bianzhi.approvals import engine
    engine.register_kind(QUOTA_USE)                       # kinds.KindSpec
    engine.register_effect("quota_use", issue_permit)     # fn(request, actor, today)
    engine.register_validator("quota_use", check_vacancy) # fn(request, actor, today)
    engine.register_numbers("quota_use", live_numbers)    # fn(request) -> [(label, value, url)]
    engine.add_numbers("quota_use", roster_numbers)       # more providers, additive
    engine.register_row_numbers("quota_use", vacancy_of)  # fn([request]) -> {id: [...]}
    engine.register_daily("quota_use", expire_permits)    # fn(*, actor, today) -> [str]

Effects run inside the final approval's transaction, before its audit event;
an ApplicationError raised there refuses the approval and nothing changes.
An effect must not call audit.record itself: it returns the audit.change()
records of what it wrote (or None), and they join the approval's one event.

Scope. Who may see and act on a request is decided by the accounts app
(above this one). It registers a resolver Actor -> Scope at startup
(register_scope_resolver). Without one, the conservative fallback below
reads the actor's own scope key only: a region scope covers that region
exactly (not its sub-regions), a unit scope that unit, and no partner
department is known, so nothing is ever covered that should not be.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db.models import Q

from bianzhi.core.actor import Actor

from .kinds import KindSpec

if TYPE_CHECKING:
    from .models import Request

Effect = Callable[["Request", Actor, dt.date], "list[dict] | None"]
Validator = Callable[["Request", Actor, dt.date], None]
NumbersFn = Callable[["Request"], "list[tuple[str, Any, str]]"]
DailyFn = Callable[..., "list[str]"]
# fn(request, step name, action, actor, today): raises ApplicationError when the
# step may not be passed yet (e.g. a matter's argumentation not recorded).
StepCheck = Callable[["Request", str, str, Actor, dt.date], None]
# Inbox rows: one call per kind and page, the numbers of every row at once
# (a few bulk queries, never one per row).
RowNumbersFn = Callable[["list[Request]"], "dict[int, list[tuple[str, Any, str]]]"]


class Number(NamedTuple):
    label: str  # e.g. "空编数"
    value: Any
    url: str  # where the rows behind the number are listed ("" if none)


@dataclass(frozen=True)
class Scope:
    """What an actor covers: regions (with their sub-regions already expanded),
    units, and the partner departments it speaks for in joint review."""

    region_codes: frozenset[str] = frozenset()
    unit_ids: frozenset[int] = frozenset()
    departments: frozenset[str] = frozenset()
    everything: bool = False

    def covers(self, *, region_code: str, unit_id: int | None) -> bool:
        if self.everything:
            return True
        if unit_id is not None and unit_id in self.unit_ids:
            return True
        return bool(region_code) and region_code in self.region_codes

    def q(self) -> Q:
        """The same test as a filter on Request."""
        if self.everything:
            return Q()
        condition = Q(pk__in=[])
        if self.region_codes:
            condition |= Q(region_code__in=sorted(self.region_codes))
        if self.unit_ids:
            condition |= Q(unit_id__in=sorted(self.unit_ids))
        return condition


ScopeResolver = Callable[[Actor], Scope]


def fallback_scope(actor: Actor) -> Scope:
    if actor.is_system:
        return Scope(everything=True)
    kind, _, value = actor.scope.partition(":")
    if kind == "region" and value:
        return Scope(region_codes=frozenset({value}))
    if kind == "unit" and value.isdigit():
        return Scope(unit_ids=frozenset({int(value)}))
    return Scope()


_kinds: dict[str, KindSpec] = {}
_effects: dict[str, Effect] = {}
_validators: dict[str, list[Validator]] = {}
_numbers: dict[str, NumbersFn] = {}
_extra_numbers: dict[str, list[NumbersFn]] = {}
_row_numbers: dict[str, list[RowNumbersFn]] = {}
_daily: dict[str, list[DailyFn]] = {}
_step_checks: dict[str, list[StepCheck]] = {}
_scope_resolver: list[ScopeResolver] = [fallback_scope]


def register_kind(spec: KindSpec, *, replace: bool = False) -> None:
    """Add a kind. A second, different spec under the same name is a clash
    between two apps and refused unless `replace` (tests)."""
    spec.validate()
    existing = _kinds.get(spec.kind)
    if existing is not None and existing != spec and not replace:
        raise ValueError(f"approval kind {spec.kind!r} is already registered")
    _kinds[spec.kind] = spec


def register_effect(kind: str, fn: Effect) -> None:
    _effects[kind] = fn


def register_validator(kind: str, fn: Validator) -> None:
    """A submit-time check; several per kind run in registration order."""
    found = _validators.setdefault(kind, [])
    if fn not in found:
        found.append(fn)


def register_numbers(kind: str, fn: NumbersFn) -> None:
    _numbers[kind] = fn


def add_numbers(kind: str, fn: NumbersFn) -> None:
    """A further numbers provider for the kind (e.g. the roster's, a layer
    above the app that registered the kind); shown after the kind's own."""
    found = _extra_numbers.setdefault(kind, [])
    if fn not in found:
        found.append(fn)


def register_row_numbers(kind: str, fn: RowNumbersFn) -> None:
    """The short numbers shown on inbox rows (several providers add up)."""
    found = _row_numbers.setdefault(kind, [])
    if fn not in found:
        found.append(fn)


def register_daily(kind: str, fn: DailyFn) -> None:
    """fn(*, actor, today) -> list[str]: the kind's expiries for `bianzhi daily`."""
    found = _daily.setdefault(kind, [])
    if fn not in found:
        found.append(fn)


def register_step_check(kind: str, fn: StepCheck) -> None:
    """A check run before a reviewer passes a step of the kind (approve), so a
    step whose records live in a domain app cannot be passed from the generic
    buttons without them."""
    found = _step_checks.setdefault(kind, [])
    if fn not in found:
        found.append(fn)


def step_checks(kind: str) -> list[StepCheck]:
    return list(_step_checks.get(kind, ()))


def register_scope_resolver(fn: ScopeResolver) -> None:
    _scope_resolver[0] = fn


def unregister(kind: str) -> None:
    """Remove a kind and its hooks (tests that register a kind of their own)."""
    for table in (
        _kinds,
        _effects,
        _validators,
        _numbers,
        _extra_numbers,
        _row_numbers,
        _daily,
        _step_checks,
    ):
        table.pop(kind, None)


# --- lookups used by the services and selectors ----------------------------------


def kind_spec(kind: str) -> KindSpec:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"approval kind {kind!r} is not registered") from None


def kinds() -> dict[str, KindSpec]:
    return dict(_kinds)


def is_registered(kind: str) -> bool:
    return kind in _kinds


def effect_of(kind: str) -> Effect | None:
    return _effects.get(kind)


def validators_of(kind: str) -> list[Validator]:
    return list(_validators.get(kind, ()))


def daily_hooks() -> list[tuple[str, DailyFn]]:
    return [(kind, fn) for kind, fns in _daily.items() for fn in fns]


def scope_of(actor: Actor) -> Scope:
    return _scope_resolver[0](actor)


def live_numbers(request: Request) -> list[Number]:
    """The numbers a reviewer needs beside this request (vacancy, reservations …)."""
    fns = [_numbers[request.kind]] if request.kind in _numbers else []
    fns += _extra_numbers.get(request.kind, [])
    return [Number(*row) for fn in fns for row in fn(request)]


def row_numbers(requests: list[Request]) -> dict[int, list[Number]]:
    """Numbers for inbox rows, by request id (kinds without providers: none)."""
    by_kind: dict[str, list[Request]] = {}
    for r in requests:
        by_kind.setdefault(r.kind, []).append(r)
    out: dict[int, list[Number]] = {}
    for kind, group in by_kind.items():
        for fn in _row_numbers.get(kind, []):
            for pk, rows in fn(group).items():
                out.setdefault(pk, []).extend(Number(*row) for row in rows)
    return out


def step_label(kind: str, step: str) -> str:
    spec = _kinds.get(kind)
    if spec is None or not spec.has_step(step):
        return step
    return spec.step(step).label
