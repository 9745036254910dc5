"""Export of the roster and of units × quota accounts in the import format.

The files use the canonical headers and the column order of schemas.ROSTER /
schemas.UNITS, header in row 1, values as their canonical Chinese labels
(VALUES.md: the first label), so that an exported file imports again as it is
(export → import into an empty database reproduces the roster).

As of a date: the postings in force on that date (roster.selectors.in_force),
the units as they stood (orgs.selectors.units_as_of), the approved counts of
that date (quota.selectors.region_balances) and the leader posts in force.
Person attributes (name, education, rank …) are today's: their history lives
in the audit trail, not in dated rows.

Speed: every table is read with a handful of set-based queries and streamed
(values_list + iterator); no query runs per row.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.core.codes import mask_id_number
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import InstitutionClass, Region, Unit, UnitKind, UnitRank
from bianzhi.orgs.selectors import region_subtree, units_as_of
from bianzhi.quota.models import (
    Funding,
    HolderKind,
    LeaderKind,
    LeaderLevel,
    LeaderPostQuota,
    LeaderPostScope,
    QuotaCategory,
    QuotaEntry,
)
from bianzhi.quota.selectors import approved_as_of, occupancy_as_of, region_balances
from bianzhi.roster.models import Appointment, Posting
from bianzhi.roster.selectors import in_force
from bianzhi.roster.values import (
    CHANNEL,
    DEGREE,
    EDUCATION,
    ETHNICITY,
    GENDER,
    IDENTITY,
    POLITICAL_STATUS,
    POST_TYPE,
    RANK,
)

from . import export_reconcile as reconcile
from .export_sinks import check_suffix, open_sink
from .schemas import ROSTER, UNITS
from .services_export import export_record

_LEVEL_ORDER = {level: i for i, level in enumerate(LeaderLevel.values)}
_KIND_ORDER = {kind: i for i, kind in enumerate(LeaderKind.values)}
_FUNDING = dict(Funding.choices)


def _yes_no(value: bool) -> str:
    return "是" if value else "否"


def _region_codes(region_code: str | None) -> set[str] | None:
    """The region and every region below it; None = no restriction."""
    if not region_code:
        return None
    if not Region.objects.filter(code=region_code).exists():
        raise ApplicationError(
            ErrorCode.REGION_UNKNOWN,
            f"行政区划代码「{region_code}」不存在",
            field="region",
        )
    return region_subtree(region_code)


def _scope(region_code: str | None, unit_ids: list[int] | None) -> str:
    parts = []
    if region_code:
        parts.append(f"region:{region_code}")
    if unit_ids is not None:
        parts.append("units:" + ",".join(str(i) for i in sorted(unit_ids)[:50]))
    return ";".join(parts) or "all"


def _write(
    out: Path | str,
    *,
    schema_title: str,
    headers: list[str],
    text_columns: set[int],
    rows: Iterable[list[Any]],
) -> int:
    """Write to a temporary file beside `out`, then move it in place, so a
    failed export never leaves half a file under the real name."""
    path = Path(out)
    suffix = check_suffix(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{suffix}")
    sink = open_sink(
        partial, suffix=suffix, sheet=schema_title, text_columns=text_columns
    )
    count = 0
    try:
        sink.write_header(headers)
        for row in rows:
            sink.write_row(row)
            count += 1
        sink.close()
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return count


# --- roster -----------------------------------------------------------------------------

_PERSON_FIELDS = (
    "unit_id",
    "person__name",
    "person__id_number",
    "person__gender",
    "person__ethnicity",
    "person__certified_birth_date",
    "person__certified_basis",
    "person__political_status",
    "person__education",
    "person__degree",
    "person__major",
    "person__identity",
    "account__category_id",
    "account__funding",
    "person__position_title",
    "person__rank",
    "person__post_type",
    "person_id",
    "channel",
    "entered_unit_on",
    "person__work_start_date",
    "doc_no",
    "person__remarks",
    "account_id",
)


def _leader_levels(day: dt.date, postings) -> dict[int, str]:
    """person id -> 领导职务层次 label of the highest appointment in force."""
    best: dict[int, tuple[int, int, str]] = {}
    rows = (
        Appointment.objects.filter(in_force(day))
        .filter(posting__in=postings.values("pk"))
        .values_list("person_id", "level", "kind")
    )
    for person_id, level, kind in rows.iterator(chunk_size=5000):
        rank = (_LEVEL_ORDER.get(level, 9), _KIND_ORDER.get(kind, 9))
        if person_id not in best or rank < best[person_id][:2]:
            label = LeaderLevel(level).label + LeaderKind(kind).label
            best[person_id] = (*rank, label)
    return {pid: value[2] for pid, value in best.items()}


def _label(table, code: str) -> str:
    return table.label(code) if code else ""


def _roster_rows(
    day: dt.date,
    regions: set[str] | None,
    unit_ids: list[int] | None,
    full_id: bool,
    for_reconcile: bool = False,
) -> Iterator[list[Any]]:
    postings = Posting.objects.filter(in_force(day))
    units = Unit.objects.all()
    if regions is not None:
        postings = postings.filter(unit__region_id__in=regions)
        units = units.filter(region_id__in=regions)
    if unit_ids is not None:
        postings = postings.filter(unit_id__in=unit_ids)
        units = units.filter(pk__in=unit_ids)
    states = {
        s.id: s
        for s in units_as_of(units.filter(pk__in=postings.values("unit_id")), day)
    }
    categories = dict(QuotaCategory.objects.values_list("code", "name"))
    leaders = _leader_levels(day, postings)
    rows = postings.order_by(
        "unit_id", "account__category__sort_order", "account__funding", "id"
    )
    if for_reconcile:
        approved = approved_as_of(
            postings.values_list("account_id", flat=True).distinct(), day
        )
        seconded = reconcile.secondments_in_force(postings.values("person_id"), day)
    seq = 0
    for (
        unit_id, name, number, gender, ethnicity, birth, basis, political, education,
        degree, major, identity, category, funding, title, rank, post_type, person_id,
        channel, entered, work_start, doc_no, remarks, account_id,
    ) in rows.values_list(*_PERSON_FIELDS).iterator(chunk_size=5000):  # fmt: skip
        seq += 1
        state = states.get(unit_id)
        extra = []
        if for_reconcile:
            extra = [
                approved.get(account_id, 0),
                *seconded.get(person_id, ("", "", "")),
            ]
        yield [
            seq,
            state.name if state else "",
            state.uscc if state else "",
            name,
            number if full_id else mask_id_number(number),
            _label(GENDER, gender),
            _label(ETHNICITY, ethnicity),
            birth,
            basis,
            _label(POLITICAL_STATUS, political),
            _label(EDUCATION, education),
            _label(DEGREE, degree),
            major,
            _label(IDENTITY, identity),
            categories.get(category, category),
            _FUNDING.get(funding, funding),
            title,
            _label(RANK, rank),
            _label(POST_TYPE, post_type),
            leaders.get(person_id, ""),
            _label(CHANNEL, channel),
            entered,
            work_start,
            doc_no,
            remarks,
            *extra,
        ]
    if for_reconcile:
        yield from reconcile.off_quota_rows(
            day, regions, unit_ids, keys=list(ROSTER.keys), full_id=full_id, seq=seq
        )


def export_roster(
    *,
    actor: Actor,
    out: Path | str,
    as_of: dt.date | None = None,
    region_code: str | None = None,
    unit_ids: list[int] | None = None,
    full_id: bool,
    for_reconcile: bool = False,
) -> int:
    """Write the roster in force on `as_of` (default today); rows written.

    full_id=False masks ID numbers (3701**********123X); full numbers only for
    office staff (issue 4, privacy). One audit event records the export.
    for_reconcile adds the columns and off-quota rows `bianzhi reconcile
    --roster` reads (export_reconcile.py); that file is not for re-import.
    """
    if full_id and not actor.is_office:
        raise ApplicationError(
            ErrorCode.ROLE_FORBIDDEN,
            "仅编办人员可导出完整公民身份号码",
            field="full_id",
        )
    check_suffix(Path(out))
    day = as_of or timezone.localdate()
    regions = _region_codes(region_code)
    count = _write(
        out,
        schema_title=ROSTER.title,
        headers=list(ROSTER.headers)
        + (reconcile.EXTRA_HEADERS if for_reconcile else []),
        text_columns={ROSTER.keys.index("id_number"), ROSTER.keys.index("uscc")},
        rows=_roster_rows(day, regions, unit_ids, full_id, for_reconcile),
    )
    export_record(
        actor=actor,
        kind="roster",
        rows=count,
        full_id=full_id,
        as_of=day,
        scope=_scope(region_code, unit_ids),
    )
    return count


# --- units ------------------------------------------------------------------------------


def _leader_posts(unit_ids: list[int], day: dt.date) -> dict[int, tuple[int, int, str]]:
    """unit id -> (正职职数, 副职职数, 职数级别 label) of the unit-scope leader
    posts in force on `day` (quota.leader_posts: the latest version of each
    key on or before the day). A unit with posts at several levels reports
    the level of its chief posts (the import format has one level a unit)."""
    latest: dict[tuple[int, str, str], int] = {}
    versions = LeaderPostQuota.objects.filter(
        scope=LeaderPostScope.UNIT, unit_id__in=unit_ids, effective_date__lte=day
    ).order_by("effective_date", "id")
    for unit_id, level, kind, count in versions.values_list(
        "unit_id", "level", "kind", "count"
    ):
        latest[(unit_id, level, kind)] = count
    by_unit: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for (unit_id, level, kind), count in latest.items():
        if count:
            by_unit[unit_id][(level, kind)] = count
    result = {}
    for unit_id, posts in by_unit.items():
        levels = sorted(
            {level for level, _ in posts},
            key=lambda lv: (
                -(posts.get((lv, LeaderKind.CHIEF), 0) > 0),
                _LEVEL_ORDER.get(lv, 9),
            ),
        )
        level = levels[0]
        result[unit_id] = (
            posts.get((level, LeaderKind.CHIEF), 0),
            posts.get((level, LeaderKind.DEPUTY), 0),
            LeaderLevel(level).label,
        )
    return result


def _last_grants(
    account_ids: list[int], day: dt.date
) -> dict[int, tuple[str, dt.date]]:
    """account id -> (doc_no, date) of its latest ledger entry on or before day."""
    result: dict[int, tuple[str, dt.date]] = {}
    entries = QuotaEntry.objects.filter(
        account_id__in=account_ids, effective_date__lte=day
    ).order_by("account_id", "effective_date", "id")
    for account_id, doc_no, date in entries.values_list(
        "account_id", "movement__doc_no", "effective_date"
    ).iterator(chunk_size=5000):
        result[account_id] = (doc_no, date)
    return result


def _tree_order(states: list) -> list:
    """Parents before their children (the import resolves 上级单位 by name)."""
    by_parent: dict[int | None, list] = defaultdict(list)
    ids = {s.id for s in states}
    for state in states:
        parent = state.parent_id if state.parent_id in ids else None
        by_parent[parent].append(state)
    ordered: list = []
    stack = sorted(by_parent[None], key=lambda s: (s.region_id, s.id), reverse=True)
    while stack:
        state = stack.pop()
        ordered.append(state)
        stack.extend(
            sorted(by_parent.get(state.id, []), key=lambda s: s.id, reverse=True)
        )
    return ordered


def _units_rows(day: dt.date, regions: set[str] | None, unit_ids: list[int] | None):
    units = Unit.objects.all()
    if regions is not None:
        units = units.filter(region_id__in=regions)
    if unit_ids is not None:
        units = units.filter(pk__in=unit_ids)
    states = [s for s in units_as_of(units, day) if s.is_active]
    by_id = {s.id: s for s in states}
    missing_parents = {
        s.parent_id for s in states if s.parent_id and s.parent_id not in by_id
    }
    parent_names = {s.id: s.name for s in states}
    if missing_parents:
        for parent in units_as_of(Unit.objects.filter(pk__in=missing_parents), day):
            parent_names[parent.id] = parent.name
    accounts: dict[int, list[tuple[Any, int]]] = defaultdict(list)
    for region in Region.objects.filter(code__in={s.region_id for s in states}):
        for account, approved in region_balances(region, as_of=day):
            if account.holder_kind == HolderKind.UNIT and account.unit_id in by_id:
                accounts[account.unit_id].append((account, approved))
    account_ids = [a.id for rows in accounts.values() for a, _ in rows]
    occupied = occupancy_as_of(account_ids, day) if account_ids else {}
    grants = _last_grants(account_ids, day)
    leaders = _leader_posts(list(by_id), day)
    for state in _tree_order(states):
        unit_columns = [
            state.name,
            state.short_name,
            state.uscc,
            state.region_id,
            parent_names.get(state.parent_id, "") if state.parent_id else "",
            UnitKind(state.kind).label,
            UnitRank(state.rank).label if state.rank else "",
            InstitutionClass(state.institution_class).label
            if state.institution_class
            else "",
            _yes_no(state.civil_service_managed),
            _yes_no(state.in_cap),
        ]
        chief, deputy, level = leaders.get(state.id, (None, None, ""))
        held = [
            (account, approved)
            for account, approved in accounts.get(state.id, [])
            if approved or occupied.get(account.id)
        ]
        held.sort(
            key=lambda pair: (
                pair[0].category.sort_order,
                pair[0].category_id,
                pair[0].funding,
            )
        )
        if not held:
            yield [*unit_columns, "", "", None, chief, deputy, level, "", None]
            continue
        for account, approved in held:
            doc_no, date = grants.get(account.id, ("", None))
            yield [
                *unit_columns,
                account.category.name,
                _FUNDING.get(account.funding, account.funding),
                approved,
                chief,
                deputy,
                level,
                doc_no,
                date,
            ]


def export_units(
    *,
    actor: Actor,
    out: Path | str,
    as_of: dt.date | None = None,
    region_code: str | None = None,
    unit_ids: list[int] | None = None,
) -> int:
    """Write units × quota accounts as of `as_of` (default today); rows written."""
    check_suffix(Path(out))
    day = as_of or timezone.localdate()
    regions = _region_codes(region_code)
    count = _write(
        out,
        schema_title=UNITS.title,
        headers=list(UNITS.headers),
        text_columns={UNITS.keys.index("uscc"), UNITS.keys.index("region_code")},
        rows=_units_rows(day, regions, unit_ids),
    )
    export_record(
        actor=actor,
        kind="units",
        rows=count,
        full_id=False,
        as_of=day,
        scope=_scope(region_code, unit_ids),
    )
    return count
