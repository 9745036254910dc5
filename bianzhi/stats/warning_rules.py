"""What a warning rule is, and the pieces every rule shares (DOMAIN §8).

A rule has a stable code, a Chinese name, a rule text, an optional threshold
(default in code, overridable per region by stats.models.WarningThreshold:
the nearest region up the tree that sets one wins) and a `find` function
that returns the hits inside a scope as of today. Rules are computed on read
with aggregate SQL: each `find` runs a handful of grouped queries whose
result sets are the suspicious rows only, and applies the per-region
threshold to those rows in Python (thresholds differ per region, so they
cannot be one SQL constant).

The rule modules register themselves: warning_rules_quota (accounts, leader
posts, remaining quota, loans), warning_rules_people (ageing, late release
filings), warning_rules_flow (permits, workflow steps, supervision) and
warning_rules_orgs (caps and mandates).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from bianzhi.orgs.models import Region


@dataclass(frozen=True)
class WarningScope:
    """Which rows a reader may see: a set of regions (their whole ledgers) or
    a set of units. None on both = everything (the command line)."""

    region_codes: frozenset[str] | None = None
    unit_ids: frozenset[int] | None = None

    @property
    def regional(self) -> bool:
        """Region-level rules (remaining quota, caps) need a regional scope."""
        return self.unit_ids is None

    def units_q(self, prefix: str = "") -> Q:
        """Condition on rows that carry a unit (`prefix` leads to the Unit)."""
        if self.unit_ids is not None:
            return Q(**{f"{prefix}id__in": sorted(self.unit_ids)})
        if self.region_codes is not None:
            return Q(**{f"{prefix}region_id__in": sorted(self.region_codes)})
        return Q()

    def regions_q(self, field_name: str = "region_id") -> Q:
        if self.unit_ids is not None:
            return Q(pk__in=[])
        if self.region_codes is not None:
            return Q(**{f"{field_name}__in": sorted(self.region_codes)})
        return Q()

    def cache_key(self) -> str:
        regions = (
            ",".join(sorted(self.region_codes or ())) if self.region_codes else "*"
        )
        units = (
            ",".join(str(u) for u in sorted(self.unit_ids or ()))
            if self.unit_ids
            else "*"
        )
        return f"r={regions};u={units}"


@dataclass(frozen=True)
class Evidence:
    """The rows behind a hit; the web layer turns (kind, ref) into a link.

    kind: unit (ref unit id), account (ref "unit id:account id"), region
    (ref code), persons (ref a roster-search query string), request (ref
    request id), movement (ref movement id)."""

    kind: str
    ref: str
    label: str


@dataclass
class Hit:
    rule: str
    region_code: str
    subject: str  # what is wrong, in Chinese, with its numbers
    value: Decimal | int | None = None  # the measured value the threshold applies to
    threshold: Decimal | None = None
    unit_id: int | None = None
    unit_name: str = ""
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    text: str  # the rule in words; {threshold} is filled with the value in force
    find: Callable[[Context], list[Hit]]
    unit: str = ""  # of the threshold: "%", "天", "人"
    default: Decimal | None = None  # None: the rule has no threshold
    # A rule whose data does not exist yet (no supervision module): shown,
    # never counted, never a fake zero.
    enabled: bool = True
    disabled_note: str = ""
    order: int = 100

    def describe(self, threshold: Decimal | None) -> str:
        if threshold is None:
            return self.text
        return self.text.format(threshold=_plain(threshold))


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


class Thresholds:
    """Threshold in force per (rule, region): nearest region up the tree."""

    def __init__(self) -> None:
        from .models import WarningThreshold

        self._parent = dict(Region.objects.values_list("code", "parent_id"))
        self._set: dict[tuple[str, str], Decimal] = {
            (rule, region): value
            for rule, region, value in WarningThreshold.objects.values_list(
                "rule", "region_id", "value"
            )
        }

    def value(self, rule: Rule, region_code: str | None) -> Decimal | None:
        if rule.default is None:
            return None
        code, seen = region_code, 0
        while code and seen < 10:
            found = self._set.get((rule.code, code))
            if found is not None:
                return found
            code, seen = self._parent.get(code), seen + 1
        return rule.default

    def parent_map(self) -> dict[str, str | None]:
        return self._parent


@dataclass
class Context:
    scope: WarningScope
    today: dt.date
    thresholds: Thresholds
    rule: Rule | None = None

    def threshold(self, region_code: str | None) -> Decimal | None:
        assert self.rule is not None
        return self.thresholds.value(self.rule, region_code)


_rules: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    existing = _rules.get(rule.code)
    if existing is not None and existing.find is not rule.find:
        raise ValueError(f"warning rule {rule.code!r} is already registered")
    _rules[rule.code] = rule
    return rule


def all_rules() -> list[Rule]:
    _load()
    return sorted(_rules.values(), key=lambda r: (r.order, r.code))


def get_rule(code: str) -> Rule | None:
    _load()
    return _rules.get(code)


def _load() -> None:
    # The rule modules import this one; importing them here (not at the top)
    # keeps the registry free of import cycles.
    from . import (  # noqa: F401
        warning_rules_flow,
        warning_rules_orgs,
        warning_rules_people,
        warning_rules_quota,
    )


def pct(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part/whole in percent, two decimals (0 for an empty whole)."""
    if not whole:
        return Decimal("0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))
