"""A short cache in front of dashboard_data.

The dashboard reads ~200,000 postings joined to persons on every view; the
numbers only change when something is written, and every write records
exactly one audit event last in its transaction (core/audit.py). So the key
holds the audit head (seq and chain hash): any committed write moves it and
the next view computes afresh. The TTL only bounds memory and protects
against writes that bypass services (data fixes in a shell). A database
whose chain is empty (seq 0: fresh installs, test fixtures written without
services) is never cached, since its head would not move on writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache

from bianzhi.core.models import AuditHead

from .base import Selection

# Seconds; 0 turns the cache off. Overridable as settings.DASHBOARD_CACHE_SECONDS.
DEFAULT_SECONDS = 120


def _seconds() -> int:
    return int(getattr(settings, "DASHBOARD_CACHE_SECONDS", DEFAULT_SECONDS))


def cache_key(
    selection: Selection, unit_ids: frozenset[int] | None, today: dt.date
) -> str | None:
    head = AuditHead.objects.filter(pk=1).values_list("seq", "hash").first()
    if not head or not head[0]:
        return None
    units = "*" if unit_ids is None else ",".join(map(str, sorted(unit_ids)))
    raw = "|".join(
        [
            selection.as_of.isoformat(),
            today.isoformat(),
            selection.region_code or "",
            selection.label,
            str(selection.unit_id or ""),
            units,
            str(head[0]),
            head[1],
        ]
    )
    return "stats:dashboard:" + hashlib.sha256(raw.encode()).hexdigest()


def cached(
    selection: Selection,
    unit_ids: frozenset[int] | None,
    today: dt.date,
    compute: Callable[[], dict],
) -> dict:
    """compute() unless the same selection was computed at the same audit
    head. Cache backends pickle, so callers may change the dict they get."""
    seconds = _seconds()
    key = cache_key(selection, unit_ids, today) if seconds > 0 else None
    if key is None:
        return compute()
    found = cache.get(key)
    if found is not None:
        return found
    data = compute()
    cache.set(key, data, seconds)
    return data
