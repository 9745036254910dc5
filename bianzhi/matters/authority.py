"""Which matters a region may decide itself (VALUES.md: matters beyond local
authority are routed upward).

The deciding region is the one the request currently sits in
(Request.region_code); routing up moves it to the parent region, whose
authority is then asked the same question. Decisions written down here:

- Rank: a region decides organs up to the rank of its own departments —
  county 正科, city 正处, province 正厅. Setting up or raising an organ above
  that (e.g. 副厅级 or above for a city or county, VALUES.md) goes up.
- Agency cap: establishing an in-cap (party/government) organ that would take
  the region over its cap is for the level that sets the cap: the region's
  own office may not decide it; the parent that sets the cap may, and does
  so by raising the cap under the same doc_no (matters_effects.py).
- Quota across regions: moving quota to a unit of another region (VALUES.md
  names administrative quota; a region may not write into another region's
  ledger for any category, so every category) is decided by a region that
  contains both.
- Raising a region's control total is not a matter type here; a grant the
  reserve cannot cover is refused (QUOTA_NEGATIVE), not routed.
A region without a parent in the database cannot route further: such a matter
is refused with MATTER_BEYOND_AUTHORITY (it is decided outside the system).
"""

from __future__ import annotations

import datetime as dt

from bianzhi.orgs.models import Region, Unit, UnitRank
from bianzhi.orgs.selectors import agency_cap_status

from .models import MatterType

# Highest first.
RANK_ORDER = [
    UnitRank.MINISTER,
    UnitRank.VICE_MINISTER,
    UnitRank.BUREAU,
    UnitRank.VICE_BUREAU,
    UnitRank.DIVISION,
    UnitRank.VICE_DIVISION,
    UnitRank.SECTION,
    UnitRank.VICE_SECTION,
    UnitRank.STOCK,
    UnitRank.UNRANKED,
]
MAX_RANK = {
    Region.Level.PROVINCE: UnitRank.BUREAU,
    Region.Level.CITY: UnitRank.DIVISION,
    Region.Level.COUNTY: UnitRank.SECTION,
}


def rank_above(rank: str, limit: str) -> bool:
    if rank not in RANK_ORDER or rank == UnitRank.UNRANKED:
        return False
    return RANK_ORDER.index(rank) < RANK_ORDER.index(limit)


def _ancestors(code: str) -> list[str]:
    chain, seen = [], set()
    region = Region.objects.filter(pk=code).first()
    while region is not None and region.pk not in seen:
        seen.add(region.pk)
        chain.append(region.pk)
        region = region.parent
    return chain


def beyond_authority(
    matter_type: str, payload: dict, *, deciding: Region, today: dt.date
) -> str:
    """Why `deciding` may not decide this matter itself ("" when it may)."""
    limit = MAX_RANK.get(deciding.level, UnitRank.SECTION)
    rank = ""
    if matter_type == MatterType.ESTABLISH:
        rank = str(payload.get("rank") or "")
    elif matter_type == MatterType.CHANGE_RANK:
        rank = str(payload.get("new_rank") or "")
    if rank and rank_above(rank, limit):
        return (
            f"机构规格{UnitRank(rank).label}高于{deciding.name}审批权限"
            f"（{UnitRank(limit).label}及以下）"
        )
    if matter_type == MatterType.ESTABLISH and payload.get("in_cap"):
        region_code = str(payload.get("region_code") or "")
        region = Region.objects.filter(pk=region_code).first()
        if region is not None and region.pk == deciding.pk:
            status = agency_cap_status(region, today)
            if status.cap is not None and status.count + 1 > status.cap:
                return (
                    f"{region.name}机构限额{status.cap}个，已设{status.count}个，"
                    "超限额设立党政机构须报上级机构编制部门审批"
                )
    if (
        matter_type == MatterType.CHANGE_QUOTA
        and payload.get("operation") == "transfer"
    ):
        regions = set(
            Unit.objects.filter(
                pk__in=[payload.get("unit_id"), payload.get("target_unit_id")]
            ).values_list("region_id", flat=True)
        )
        if len(regions) == 2:
            common = set.intersection(*(set(_ancestors(r)) for r in regions))
            if deciding.pk not in common:
                return "跨行政区划划转编制须报共同上级机构编制部门审批"
    return ""
