"""Leader-post quotas (领导职数, DOMAIN §3.3): services and selectors.

A LeaderPostQuota row is one effective-dated version of one key
(unit, scope, internal body, level, kind); the count in force on D is the
latest version on or before D. The rows are themselves the change records (the
certificate lists them), so no UnitChange is written; each setting is one
audit event.

Lowering a count below the posts in use is allowed with its doc_no (a reform):
the view shows `over`, and the roster refuses new appointments to that key
until the excess is digested (DOMAIN §3.2, last paragraph of reductions).

How many posts are in use comes from the roster, which registers a counter
with register_appointment_counter(); until it does, every key has 0.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.codes import normalise_doc_no
from bianzhi.core.dates import parse_date
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import rules
from bianzhi.orgs.models import InternalBody, Unit

from .models import LeaderKind, LeaderLevel, LeaderPostQuota, LeaderPostScope

Key = tuple[str, int | None, str, str]  # (scope, internal_body_id, level, kind)
AppointmentCounter = Callable[[Unit, dt.date], dict[Key, int]]

_counters: list[AppointmentCounter] = []
_SCOPE_ORDER = {s: i for i, s in enumerate(LeaderPostScope.values)}
_LEVEL_ORDER = {s: i for i, s in enumerate(LeaderLevel.values)}
_KIND_ORDER = {s: i for i, s in enumerate(LeaderKind.values)}


def register_appointment_counter(fn: AppointmentCounter) -> None:
    """The roster registers fn(unit, as_of) -> {(scope, body_id, level, kind): n}."""
    if fn not in _counters:
        _counters.append(fn)


def appointed_counts(unit: Unit, as_of: dt.date) -> dict[Key, int]:
    totals: dict[Key, int] = defaultdict(int)
    for counter in _counters:
        for key, n in (counter(unit, as_of) or {}).items():
            totals[key] += n
    return dict(totals)


def _key(quota: LeaderPostQuota) -> Key:
    return (quota.scope, quota.internal_body_id, quota.level, quota.kind)


@dataclass(frozen=True)
class LeaderPostView:
    scope: str
    internal_body: InternalBody | None
    level: str
    kind: str
    count: int
    appointed: int
    effective_date: dt.date | None = None
    doc_no: str = ""

    @property
    def over(self) -> int:
        return max(self.appointed - self.count, 0)

    @property
    def vacancy(self) -> int:
        return max(self.count - self.appointed, 0)

    @property
    def internal_body_id(self) -> int | None:
        return self.internal_body.pk if self.internal_body else None

    @property
    def scope_label(self) -> str:
        return LeaderPostScope(self.scope).label

    @property
    def level_label(self) -> str:
        return LeaderLevel(self.level).label

    @property
    def kind_label(self) -> str:
        return LeaderKind(self.kind).label


def _versions_in_force(unit: Unit, as_of: dt.date) -> dict[Key, LeaderPostQuota]:
    latest: dict[Key, LeaderPostQuota] = {}
    versions = (
        LeaderPostQuota.objects.filter(unit=unit, effective_date__lte=as_of)
        .select_related("internal_body")
        .order_by("effective_date", "id")
    )
    for version in versions:
        latest[_key(version)] = version
    return latest


def leader_posts_as_of(unit: Unit, as_of: dt.date) -> list[LeaderPostView]:
    """Counts in force on `as_of` with the posts in use; keys in use without
    any quota appear with count 0 (超职数配备)."""
    latest = _versions_in_force(unit, as_of)
    appointed = appointed_counts(unit, as_of)
    body_ids = {k[1] for k in appointed if k[1] and k not in latest}
    bodies = InternalBody.objects.in_bulk(body_ids)
    views = []
    for key in set(latest) | set(appointed):
        version = latest.get(key)
        in_use = appointed.get(key, 0)
        body = version.internal_body if version else bodies.get(key[1])
        gone = body is not None and body.abolished_on and body.abolished_on <= as_of
        count = version.count if version else 0
        if (gone or count == 0) and in_use == 0:
            continue
        views.append(
            LeaderPostView(
                scope=key[0],
                internal_body=body,
                level=key[2],
                kind=key[3],
                count=count,
                appointed=in_use,
                effective_date=version.effective_date if version else None,
                doc_no=version.doc_no if version else "",
            )
        )
    views.sort(
        key=lambda v: (
            _SCOPE_ORDER.get(v.scope, 9),
            v.internal_body_id or 0,
            _LEVEL_ORDER.get(v.level, 9),
            _KIND_ORDER.get(v.kind, 9),
        )
    )
    return views


def leader_post_count(
    unit: Unit,
    *,
    scope: str,
    level: str,
    kind: str,
    as_of: dt.date,
    internal_body: InternalBody | int | None = None,
) -> int | None:
    """The count in force for one key (None: never set), for the roster's check."""
    body_id = (
        internal_body.pk if isinstance(internal_body, InternalBody) else internal_body
    )
    version = (
        LeaderPostQuota.objects.filter(
            unit=unit,
            scope=scope,
            internal_body_id=body_id,
            level=level,
            kind=kind,
            effective_date__lte=as_of,
        )
        .order_by("-effective_date", "-id")
        .first()
    )
    return version.count if version else None


def leader_post_history(unit: Unit) -> list[LeaderPostQuota]:
    """Every version, in date order (the certificate's change records)."""
    return list(
        LeaderPostQuota.objects.filter(unit=unit)
        .select_related("internal_body")
        .order_by("effective_date", "id")
    )


def leader_posts_set(
    *,
    actor: Actor,
    unit,
    scope: str,
    level: str,
    kind: str,
    count,
    doc_no: str,
    effective_date,
    internal_body=None,
    reason: str = "",
    today: dt.date | None = None,
) -> LeaderPostQuota:
    rules.require_office(actor)
    today = today or timezone.localdate()
    effective_date = parse_date(effective_date, field="effective_date")
    try:
        doc_no = normalise_doc_no(doc_no)
    except ApplicationError as exc:
        exc.field = "doc_no"
        raise
    rules.check_backdate(
        actor=actor,
        effective_date=effective_date,
        today=today,
        reason=reason,
        doc_no=doc_no,
    )
    rules.require_choice(scope, LeaderPostScope.values, field="scope", label="职数范围")
    rules.require_choice(level, LeaderLevel.values, field="level", label="职务层次")
    rules.require_choice(kind, LeaderKind.values, field="kind", label="正副职")
    count = rules.non_negative_int(count, field="count", label="职数")
    body_id = (
        internal_body.pk if isinstance(internal_body, InternalBody) else internal_body
    )
    if scope == LeaderPostScope.INTERNAL_BODY and not body_id:
        raise ApplicationError(
            ErrorCode.FIELD_REQUIRED,
            "内设机构领导职数须指明内设机构",
            field="internal_body",
        )
    if scope != LeaderPostScope.INTERNAL_BODY and body_id:
        raise ApplicationError(
            ErrorCode.VALUE_INVALID,
            "单位领导职数和内设机构统筹职数不指明内设机构",
            field="internal_body",
        )
    unit_id = unit.pk if isinstance(unit, Unit) else unit
    with transaction.atomic():
        # The roster's appointment check locks the same row.
        unit = Unit.objects.select_for_update().filter(pk=unit_id).first()
        if unit is None:
            raise ApplicationError(ErrorCode.UNIT_UNKNOWN, field="unit")
        if not unit.is_active:
            raise ApplicationError(ErrorCode.UNIT_INACTIVE, unit.name)
        rules.check_not_before_establishment(
            effective_date=effective_date, established_on=unit.established_on
        )
        body = None
        if body_id:
            body = InternalBody.objects.filter(pk=body_id).first()
            if body is None or body.unit_id != unit.pk:
                raise ApplicationError(
                    ErrorCode.VALUE_INVALID,
                    f"该内设机构不属于{unit.name}",
                    field="internal_body",
                )
            if body.established_on > effective_date or (
                body.abolished_on and body.abolished_on <= effective_date
            ):
                raise ApplicationError(
                    ErrorCode.UNIT_INACTIVE,
                    f"内设机构{body.name}在{effective_date}不存续",
                    field="internal_body",
                )
        same_key = LeaderPostQuota.objects.filter(
            unit=unit, scope=scope, internal_body=body, level=level, kind=kind
        )
        if same_key.filter(effective_date=effective_date).exists():
            raise ApplicationError(
                ErrorCode.VALUE_INVALID,
                f"该职数在{effective_date}已有核定记录",
                field="effective_date",
            )
        quota = LeaderPostQuota(
            unit=unit,
            scope=scope,
            internal_body=body,
            level=level,
            kind=kind,
            count=count,
            effective_date=effective_date,
            doc_no=doc_no,
            actor_name=actor.name,
            reason=reason or "",
        )
        try:
            quota.full_clean()
        except ValidationError as exc:
            raise ApplicationError(
                ErrorCode.VALUE_INVALID, "；".join(exc.messages)
            ) from None
        quota.save()
        in_use = appointed_counts(unit, effective_date).get(_key(quota), 0)
        note = f"（已配备{in_use}名，超出{in_use - count}名）" if in_use > count else ""
        where = f"{body.name}" if body else quota.get_scope_display()
        audit.record(
            actor=actor,
            operation="leader_posts_set",
            records=[audit.change(quota, None, audit.snapshot(quota))],
            doc_no=doc_no,
            summary=f"{unit.name}{where}{quota.get_level_display()}{quota.get_kind_display()}"
            f"职数{count}名{note}（{effective_date}）",
        )
    return quota


def _findings(today: dt.date):
    """(unit, view, version) for each key in use beyond its count today."""
    if not _counters:
        return
    for unit in Unit.objects.filter(status=Unit.Status.ACTIVE):
        latest = _versions_in_force(unit, today)
        for view in leader_posts_as_of(unit, today):
            if view.over:
                key = (view.scope, view.internal_body_id, view.level, view.kind)
                yield unit, view, latest.get(key)


def problems(*, today: dt.date | None = None) -> list[dict]:
    """Posts in use beyond the count that no lowering explains (超职数配备).

    A lowering may leave more posts in use than the new count, and new
    appointments are then refused; so today's use can legally exceed the count
    only up to the use on the date the lowering took effect.
    """
    today = today or timezone.localdate()
    found = []
    for unit, view, version in _findings(today):
        if version is not None:
            key = (view.scope, view.internal_body_id, view.level, view.kind)
            at_version = appointed_counts(unit, version.effective_date).get(key, 0)
            if view.appointed <= at_version:
                continue
        found.append(
            {
                "code": str(ErrorCode.LEADER_POSTS_FULL),
                "message": f"{unit.name}{view.level_label}{view.kind_label}职数{view.count}名，"
                f"已配备{view.appointed}名",
                "object": f"unit:{unit.pk}",
            }
        )
    return found


def warnings(*, today: dt.date | None = None) -> list[dict]:
    """Every key in use beyond its count (legal after a lowering, still shown)."""
    today = today or timezone.localdate()
    return [
        {
            "code": "LEADER_POSTS_EXCESS",
            "level": "warning",
            "message": f"{unit.name}{view.level_label}{view.kind_label}职数{view.count}名，"
            f"已配备{view.appointed}名，超出{view.over}名，消化前不得配备",
            "object": f"unit:{unit.pk}",
        }
        for unit, view, _ in _findings(today)
    ]
