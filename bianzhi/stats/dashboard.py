"""Dashboard data (驾驶舱): one dict for one selection, from aggregate SQL only.

    data = dashboard_data(Selection(as_of=..., region_code="990100"))

Definitions are the forms' (stats.quota_numbers): vacancy and over are
summed per account; fiscally supported = people in post on 财政拨款 or
财政补贴 accounts + off-quota staff paid from public funds (form 8).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from bianzhi.orgs.models import Region
from bianzhi.quota.models import Funding, QuotaAccount
from bianzhi.roster.values import EDUCATION, RANK, Gender, Identity

from . import dashboard_queries as q
from .base import Selection
from .dashboard_cache import cached
from .quota_numbers import (
    AccountNumbers,
    categories,
    combo_order,
    unit_accounts_as_of,
)
from .scope import today as server_today
from .scope import units_in

PUBLIC_FUNDINGS = (Funding.FULL, Funding.PARTIAL)
FUNDING_LABELS = dict(Funding.choices)
TOP_OVER = 10
TOP_RANKS = 15


def _label(table, code: str) -> str:
    if not code:
        return "未填写"
    try:
        return table.label(code)
    except KeyError:
        return code


def _structure(groups: list[dict]) -> dict:
    bands = [label for label, _l, _h in q.AGE_BANDS]
    male = dict.fromkeys(bands, 0)
    female = dict.fromkeys(bands, 0)
    education: dict[str, int] = defaultdict(int)
    identity: dict[str, int] = defaultdict(int)
    rank: dict[str, int] = defaultdict(int)
    for row in groups:
        n = row["n"]
        target = female if row["person__gender"] == Gender.FEMALE else male
        target[bands[row["band"]]] += n
        education[row["person__education"] or ""] += n
        identity[row["person__identity"] or ""] += n
        rank[row["person__rank"] or ""] += n
    edu_order = {code: i for i, code in enumerate(EDUCATION.codes)}
    identities = dict(Identity.choices)
    rank_rows = sorted(rank.items(), key=lambda kv: (-kv[1], kv[0]))
    shown, rest = rank_rows[:TOP_RANKS], rank_rows[TOP_RANKS:]
    ranks = [{"code": c, "label": _label(RANK, c), "n": n} for c, n in shown]
    if rest:
        ranks.append({"code": "", "label": "其他职级", "n": sum(n for _c, n in rest)})
    return {
        "age_pyramid": {
            "bands": bands,
            "male": [male[b] for b in bands],
            "female": [female[b] for b in bands],
        },
        "education": [
            {"code": c, "label": _label(EDUCATION, c), "n": n}
            for c, n in sorted(
                education.items(), key=lambda kv: edu_order.get(kv[0], 99)
            )
        ],
        "identity": [
            {"code": c, "label": identities.get(c, c or "未填写"), "n": n}
            for c, n in sorted(identity.items(), key=lambda kv: -kv[1])
        ],
        "rank": ranks,
    }


def _grid(selection: Selection, by_unit_region: dict[str, dict]) -> list[dict]:
    """Tiles: each child region of the selected region (its subtree summed),
    and the region's own units as 「本级」."""
    if selection.unit_id is not None or not selection.region_code:
        return []
    parent = dict(Region.objects.values_list("code", "parent_id"))
    names = dict(Region.objects.values_list("code", "name"))
    root = selection.region_code
    tiles: dict[str, dict] = {}

    def child_of_root(code: str) -> str | None:
        seen = 0
        while code and seen < 10:
            if parent.get(code) == root:
                return code
            if code == root:
                return root
            code, seen = parent.get(code), seen + 1
        return None

    for region_code, numbers in by_unit_region.items():
        tile_code = child_of_root(region_code)
        if tile_code is None:
            continue
        tile = tiles.setdefault(
            tile_code,
            {
                "region_code": tile_code,
                "name": f"{names.get(tile_code, tile_code)}"
                + ("（本级）" if tile_code == root else ""),
                "approved": 0,
                "occupied": 0,
                "vacancy": 0,
                "over": 0,
                "units": 0,
            },
        )
        for key in ("approved", "occupied", "vacancy", "over", "units"):
            tile[key] += numbers[key]
    result = []
    for tile in sorted(tiles.values(), key=lambda t: t["region_code"]):
        tile["rate"] = (
            round(tile["vacancy"] * 100 / tile["approved"], 1)
            if tile["approved"]
            else 0.0
        )
        result.append(tile)
    return result


def account_numbers(units, as_of, today) -> list[AccountNumbers]:
    """Every account of the units with its numbers on as_of. For today the
    counters are the numbers (`bianzhi check` verifies them against entries
    and postings), read in one small query; other dates go through
    stats.quota_numbers (entries and postings as of the date)."""
    if as_of != today:
        return unit_accounts_as_of(units, as_of, today=today)
    rows = (
        QuotaAccount.objects.filter(unit_id__in=units.values("id"))
        .values_list(
            "id",
            "unit_id",
            "category_id",
            "funding",
            "approved",
            "occupied",
            "reserved",
        )
        .order_by()
    )
    return [
        AccountNumbers(
            id=pk,
            unit_id=unit_id,
            category_id=category,
            funding=funding,
            approved=approved,
            occupied=occupied,
            reserved=reserved,
        )
        for pk, unit_id, category, funding, approved, occupied, reserved in rows
    ]


def dashboard_data(
    selection: Selection, *, unit_ids: frozenset[int] | None = None
) -> dict:
    """`unit_ids`: the units the reader may see when that is narrower than the
    selection's subtree (a unit HR officer sees their unit, not its sub-units).
    Served from a short cache keyed by the audit head (dashboard_cache)."""
    today = server_today()
    return cached(
        selection, unit_ids, today, lambda: _compute(selection, unit_ids, today)
    )


def _compute(
    selection: Selection, unit_ids: frozenset[int] | None, today: dt.date
) -> dict:
    as_of = selection.as_of
    units = units_in(selection)
    if unit_ids is not None:
        units = units.filter(id__in=sorted(unit_ids))
    unit_rows = {u["id"]: u for u in units.values("id", "name", "region_id")}
    accounts = account_numbers(units, as_of, today)
    cats = categories()

    per_unit: dict[int, dict] = defaultdict(
        lambda: {"approved": 0, "occupied": 0, "over": 0}
    )
    per_region: dict[str, dict] = defaultdict(
        lambda: {"approved": 0, "occupied": 0, "vacancy": 0, "over": 0, "units": 0}
    )
    combos: dict[tuple[str, str], dict] = {}
    headline = {"approved": 0, "occupied": 0, "vacancy": 0, "over": 0, "fiscal_on": 0}
    for acc in accounts:
        headline["approved"] += acc.approved
        headline["occupied"] += acc.occupied
        headline["vacancy"] += acc.vacancy
        headline["over"] += acc.over
        if acc.funding in PUBLIC_FUNDINGS:
            headline["fiscal_on"] += acc.occupied
        unit = per_unit[acc.unit_id]
        unit["approved"] += acc.approved
        unit["occupied"] += acc.occupied
        unit["over"] += acc.over
        region = unit_rows.get(acc.unit_id, {}).get("region_id")
        if region:
            bucket = per_region[region]
            bucket["approved"] += acc.approved
            bucket["occupied"] += acc.occupied
            bucket["vacancy"] += acc.vacancy
            bucket["over"] += acc.over
        combo = combos.setdefault(
            (acc.category_id, acc.funding),
            {
                "category": acc.category_id,
                "category_label": cats[acc.category_id].name
                if acc.category_id in cats
                else acc.category_id,
                "funding": acc.funding,
                "funding_label": FUNDING_LABELS.get(acc.funding, acc.funding),
                "approved": 0,
                "occupied": 0,
            },
        )
        combo["approved"] += acc.approved
        combo["occupied"] += acc.occupied
    for unit in unit_rows.values():
        per_region[unit["region_id"]]["units"] += 1
    fiscal_off = q.off_quota_public(units, as_of)
    headline.update(
        {
            "units": len(unit_rows),
            "fiscal_off": fiscal_off,
            "fiscal": headline["fiscal_on"] + fiscal_off,
        }
    )
    top_over = sorted(
        (
            {
                "unit_id": uid,
                "name": unit_rows[uid]["name"],
                "region_code": unit_rows[uid]["region_id"],
                **numbers,
            }
            for uid, numbers in per_unit.items()
            if numbers["over"] > 0 and uid in unit_rows
        ),
        key=lambda r: (-r["over"], r["unit_id"]),
    )[:TOP_OVER]
    order = combo_order(cats)
    groups = q.people_groups(units, as_of)
    data = {
        "as_of": as_of.isoformat(),
        "selection": {
            "region_code": selection.region_code,
            "unit_id": selection.unit_id,
            "label": selection.label,
        },
        "headline": headline,
        "trend": q.trend(
            units,
            as_of,
            end=(headline["approved"], headline["occupied"])
            if as_of == today
            else None,
            # started-minus-ended by as_of = in force on as_of (end ≥ start)
            occupied_end=sum(row["n"] for row in groups),
        ),
        "category_funding": [combos[k] for k in sorted(combos, key=order)],
        "top_over": top_over,
        "grid": _grid(selection, per_region),
        "notes": [
            "空编、超编按编制账户分别计算后汇总；财政供养人数 = 财政拨款、财政补贴账户在编人数 + 财政资金支付的编外人员。",
        ],
    }
    data.update(_structure(groups))
    if as_of < today:
        data["notes"].append("历史日期的预留数无法追溯，按 0 计。")
    return data
