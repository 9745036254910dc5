"""Warnings computed on read (DOMAIN §8): every rule over a scope, today.

    report = warnings_report(scope, today=...)           # all rules
    report = warnings_report(scope, rules=["over_quota"])
    n = warning_count(scope)                              # cached one minute

Nothing is stored: each rule runs its aggregate queries when asked (see
stats.warning_rules). The top-bar count is the expensive path on every page
of an office user, so it is cached per scope for a minute in Django's cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from .warning_rules import (
    Context,
    Hit,
    Rule,
    Thresholds,
    WarningScope,
    all_rules,
    get_rule,
)

COUNT_CACHE_SECONDS = 60


@dataclass
class RuleResult:
    rule: Rule
    hits: list[Hit]
    # The default threshold, and what regions in scope set otherwise.
    threshold: Decimal | None
    enabled: bool = True

    @property
    def count(self) -> int | None:
        return len(self.hits) if self.enabled else None

    @property
    def rule_text(self) -> str:
        return self.rule.describe(self.threshold)


@dataclass
class WarningReport:
    today: dt.date
    scope: WarningScope
    results: list[RuleResult] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(r.count or 0 for r in self.results)

    def hits(self) -> list[Hit]:
        return [h for r in self.results for h in r.hits]


def scope_root(scope: WarningScope, thresholds: Thresholds) -> str | None:
    """The topmost region of a regional scope (its thresholds are shown)."""
    if not scope.region_codes:
        return None
    parents = thresholds.parent_map()
    tops = [c for c in scope.region_codes if parents.get(c) not in scope.region_codes]
    return sorted(tops)[0] if tops else None


def warnings_report(
    scope: WarningScope,
    *,
    today: dt.date | None = None,
    rules: list[str] | None = None,
    region_code: str | None = None,
) -> WarningReport:
    """Run the rules over the scope. `region_code` narrows the report to one
    region and its sub-regions (it must lie inside the scope: the caller
    checks access)."""
    today = today or timezone.localdate()
    thresholds = Thresholds()
    if region_code:
        from .scope import region_codes_under

        under = frozenset(region_codes_under(region_code))
        if scope.region_codes is not None:
            under = under & scope.region_codes
        if scope.unit_ids is None:
            scope = WarningScope(region_codes=under)
    report = WarningReport(today=today, scope=scope)
    root = region_code or scope_root(scope, thresholds)
    for rule in all_rules():
        if rules and rule.code not in rules:
            continue
        default = thresholds.value(rule, root)
        if not rule.enabled:
            report.results.append(RuleResult(rule, [], default, enabled=False))
            continue
        ctx = Context(scope=scope, today=today, thresholds=thresholds, rule=rule)
        report.results.append(RuleResult(rule, rule.find(ctx), default))
    return report


GENERATION_KEY = "bianzhi:warnings:generation"


def warning_count(scope: WarningScope, *, today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    digest = hashlib.sha1(scope.cache_key().encode()).hexdigest()[:20]
    generation = cache.get(GENERATION_KEY, 0)
    key = f"bianzhi:warnings:count:{generation}:{today.isoformat()}:{digest}"
    found = cache.get(key)
    if found is None:
        found = warnings_report(scope, today=today).total
        cache.set(key, found, COUNT_CACHE_SECONDS)
    return found


def forget_counts() -> None:
    """After a threshold change: a new generation makes every cached count stale."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


__all__ = [
    "RuleResult",
    "WarningReport",
    "WarningScope",
    "get_rule",
    "warning_count",
    "warnings_report",
]
