"""Data display for decisions (辅助决策): is a district or unit ageing, how
does its education compare with the city, do its people's majors fit its
sector, and how should next year's recruitment quota lean.

Definitions (shown on the page with the numbers):
- ageing index = people aged ≥ 50 ÷ people aged < 35 (1.0: as many near
  retirement as young; above 1: ageing);
- average age from the certified birth date, to the month;
- specialist fit = among people in post in units that record a GB/T 4754
  sector and whose major is recorded, the share whose major contains one of
  the sector's keywords (SECTOR_MAJOR_KEYWORDS; e.g. 卫生 Q: 医, 护理, 药 …).
  People without a recorded major or in units without a sector are counted
  as "not measured", never as a mismatch;
- recruitment tilt: each district's share of the recruitment quota in
  proportion to its vacancies, then weighted by its ageing index relative to
  the city (weight clamped to 0.5–2.0) and normalised again; the difference
  in percentage points is the suggested tilt.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count

from bianzhi.orgs.models import SECTORS, Region
from bianzhi.roster.models import Posting
from bianzhi.roster.values import EDUCATION

from . import dashboard_queries as q
from .base import Selection
from .dashboard import account_numbers
from .scope import today as server_today
from .scope import units_in

AGEING_HIGH = Decimal("1.2")  # ageing index ≥ 1.2 × the city's: lean towards it
AGEING_LOW = Decimal("0.8")
WEIGHT_MIN, WEIGHT_MAX = Decimal("0.5"), Decimal("2.0")

SECTOR_MAJOR_KEYWORDS: dict[str, tuple[str, ...]] = {
    "A": ("农", "林", "牧", "渔", "兽医", "园艺", "植物", "动物", "水产"),
    "D": ("电气", "电力", "热能", "给排水", "燃气", "能源"),
    "E": ("土木", "建筑", "工程管理", "给排水", "工程造价"),
    "G": ("交通", "运输", "物流", "道路", "桥梁", "车辆", "汽车"),
    "I": ("计算机", "软件", "信息", "网络", "通信", "电子", "数据"),
    "J": ("金融", "经济", "会计", "财务", "财政"),
    "K": ("房地产", "土木", "建筑", "工程管理"),
    "M": ("数学", "物理", "化学", "生物", "计算机", "统计", "工程", "测绘", "地理", "医学"),
    "N": ("水利", "水文", "环境", "园林", "市政", "土木", "给排水", "生态"),
    "O": ("社会工作", "家政", "管理"),
    "P": (
        "教育", "师范", "学前", "汉语言", "数学", "英语", "物理", "化学", "生物",
        "历史", "地理", "思想政治", "体育", "音乐", "美术", "心理",
    ),
    "Q": ("医", "护理", "药", "卫生", "康复", "检验", "影像", "口腔", "麻醉"),
    "R": ("文学", "新闻", "艺术", "音乐", "美术", "体育", "文物", "档案", "图书", "广播", "历史"),
    "S": ("管理", "法", "政治", "经济", "财政", "会计", "社会", "行政", "统计", "档案"),
}  # fmt: skip


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 2) if whole else None


def _share(part: int, whole: int) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def major_fits(sector: str, major: str) -> bool:
    return any(word in major for word in SECTOR_MAJOR_KEYWORDS.get(sector, ()))


def metrics_from_ages(ages: dict[int, int]) -> dict:
    total = sum(ages.values())
    young = sum(n for age, n in ages.items() if age < 35)
    old = sum(n for age, n in ages.items() if age >= 50)
    old55 = sum(n for age, n in ages.items() if age >= 55)
    return {
        "total": total,
        "young": young,
        "old": old,
        "old55": old55,
        "share_young": _share(young, total),
        "share_old": _share(old, total),
        "ageing_index": _ratio(old, young),
        # in whole years (周岁), as the statistics forms count ages
        "average_age": round(sum(a * n for a, n in ages.items()) / total, 1)
        if total
        else None,
    }


def _merge(histograms) -> dict[int, int]:
    merged: dict[int, int] = defaultdict(int)
    for histogram in histograms:
        for age, n in histogram.items():
            merged[age] += n
    return merged


def age_metrics(units, as_of: dt.date) -> dict:
    return metrics_from_ages(_merge(q.ages_by_region(units, as_of).values()))


def education_mix(units, as_of: dt.date) -> dict[str, int]:
    rows = (
        Posting.objects.filter(q.in_force(as_of), unit_id__in=units.values("id"))
        .values_list("person__education")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {code or "": n for code, n in rows}


def specialist_fit(units, as_of: dt.date) -> dict:
    rows = (
        Posting.objects.filter(q.in_force(as_of), unit_id__in=units.values("id"))
        .values_list("unit__sector", "person__major")
        .annotate(n=Count("id"))
        .order_by()
    )
    measured = matched = no_sector = no_major = 0
    by_sector: dict[str, dict] = defaultdict(lambda: {"measured": 0, "matched": 0})
    for sector, major, n in rows:
        major = (major or "").strip()
        if not sector or sector not in SECTOR_MAJOR_KEYWORDS:
            no_sector += n
            continue
        if not major:
            no_major += n
            continue
        measured += n
        by_sector[sector]["measured"] += n
        if major_fits(sector, major):
            matched += n
            by_sector[sector]["matched"] += n
    return {
        "measured": measured,
        "matched": matched,
        "share": _share(matched, measured),
        "not_measured_no_sector": no_sector,
        "not_measured_no_major": no_major,
        "by_sector": [
            {
                "sector": s,
                "label": SECTORS.get(s, s),
                "keywords": "、".join(SECTOR_MAJOR_KEYWORDS[s]),
                **v,
                "share": _share(v["matched"], v["measured"]),
            }
            for s, v in sorted(by_sector.items())
        ],
    }


def _education_rows(mine: dict[str, int], city: dict[str, int] | None) -> list[dict]:
    total, city_total = sum(mine.values()), sum((city or {}).values())
    codes = [c for c in EDUCATION.codes if c in mine or (city and c in city)]
    codes += sorted(c for c in set(mine) | set(city or {}) if c not in codes)
    rows = []
    for code in codes:
        row = {
            "code": code,
            "label": EDUCATION.label(code) if code else "未填写",
            "n": mine.get(code, 0),
            "share": _share(mine.get(code, 0), total),
        }
        if city is not None:
            row["city_n"] = city.get(code, 0)
            row["city_share"] = _share(city.get(code, 0), city_total)
            row["diff"] = round(row["share"] - row["city_share"], 1)
        rows.append(row)
    return rows


def district_tilt(root: Region, as_of: dt.date) -> dict:
    """The recruitment-tilt table over the root's child regions (and 本级):
    one age query and one account read for the whole root, folded per part."""
    city_units = units_in(Selection(as_of=as_of, region_code=root.code))
    ages = q.ages_by_region(city_units, as_of)
    unit_region = dict(city_units.values_list("id", "region_id"))
    vacancy_by_region: dict[str, int] = defaultdict(int)
    for account in account_numbers(city_units, as_of, server_today()):
        vacancy_by_region[unit_region.get(account.unit_id, "")] += account.vacancy
    parent = dict(Region.objects.values_list("code", "parent_id"))

    def part_of(code: str) -> str | None:
        seen = 0
        while code and seen < 10:
            if code == root.code or parent.get(code) == root.code:
                return code
            code, seen = parent.get(code), seen + 1
        return None

    part_ages: dict[str, list] = defaultdict(list)
    part_vacancy: dict[str, int] = defaultdict(int)
    for code in set(ages) | set(vacancy_by_region):
        part = part_of(code)
        if part is None:
            continue
        if code in ages:
            part_ages[part].append(ages[code])
        part_vacancy[part] += vacancy_by_region.get(code, 0)
    city = metrics_from_ages(_merge(ages.values()))
    rows = []
    parts = [(root.code, f"{root.name}（本级）")] + [
        (c.code, c.name) for c in root.children.order_by("code")
    ]
    for code, name in parts:
        metrics = metrics_from_ages(_merge(part_ages.get(code, [])))
        rows.append(
            {
                "region_code": code,
                "name": name,
                **metrics,
                "vacancy": part_vacancy.get(code, 0),
            }
        )
    city_index = Decimal(str(city["ageing_index"])) if city["ageing_index"] else None
    total_vacancy = sum(r["vacancy"] for r in rows)
    weights = []
    for row in rows:
        base = Decimal(row["vacancy"]) / total_vacancy if total_vacancy else Decimal(0)
        if city_index and row["ageing_index"] is not None:
            relative = Decimal(str(row["ageing_index"])) / city_index
        elif city_index and row["total"] and row["young"] == 0:
            relative = WEIGHT_MAX  # nobody under 35: as aged as it gets
        else:
            relative = Decimal(1)
        weight = min(max(relative, WEIGHT_MIN), WEIGHT_MAX)
        row["relative_ageing"] = float(round(relative, 2))
        row["weight"] = float(round(weight, 2))
        row["base_share"] = float(round(base * 100, 1))
        weights.append(base * weight)
    weighted_total = sum(weights)
    for row, w in zip(rows, weights, strict=True):
        share = w * 100 / weighted_total if weighted_total else Decimal(0)
        row["tilted_share"] = float(round(share, 1))
        row["tilt"] = round(row["tilted_share"] - row["base_share"], 1)
        rel = Decimal(str(row["relative_ageing"]))
        if row["total"] == 0:
            row["advice"] = "无在编人员"
        elif rel >= AGEING_HIGH:
            row["advice"] = "老化，建议招聘计划向其倾斜，优先补充35岁以下人员"
        elif rel <= AGEING_LOW:
            row["advice"] = "结构较年轻，可适当调减"
        else:
            row["advice"] = "与全市持平，按空编比例安排"
    return {"city": city, "rows": rows, "total_vacancy": total_vacancy}


def decision_data(
    selection: Selection,
    baseline: Region | None,
    *,
    unit_ids: frozenset[int] | None = None,
) -> dict:
    """For a region or unit selection; `baseline` is the region compared with
    (the top of the reader's scope), None when the reader sees no region."""
    as_of = selection.as_of
    units = units_in(selection)
    if unit_ids is not None:  # narrower than the subtree (see dashboard_data)
        units = units.filter(id__in=sorted(unit_ids))
    metrics = age_metrics(units, as_of)
    education = education_mix(units, as_of)
    city_units = (
        units_in(Selection(as_of=as_of, region_code=baseline.code))
        if baseline
        else None
    )
    # The tilt table reads the whole baseline once; its city row is the baseline.
    tilt = district_tilt(baseline, as_of) if baseline is not None else None
    city_metrics = tilt["city"] if tilt is not None else None
    city_education = (
        education_mix(city_units, as_of) if city_units is not None else None
    )
    data = {
        "as_of": as_of.isoformat(),
        "selection": {
            "region_code": selection.region_code,
            "unit_id": selection.unit_id,
            "label": selection.label,
        },
        "baseline": {"region_code": baseline.code, "label": baseline.name}
        if baseline
        else None,
        "ageing": metrics,
        "city_ageing": city_metrics,
        "education": _education_rows(education, city_education),
        "specialist_fit": specialist_fit(units, as_of),
        "tilt": None,
        "advice": "",
    }
    if tilt is not None:
        data["tilt"] = tilt
        mine = next(
            (r for r in tilt["rows"] if r["region_code"] == selection.region_code), None
        )
        if mine is not None and selection.region_code != baseline.code:
            data["advice"] = (
                f"{mine['name']}老化指数{mine['ageing_index']}（全市{tilt['city']['ageing_index']}），"
                f"35岁以下占{mine['share_young']}%（全市{tilt['city']['share_young']}%）："
                f"{mine['advice']}。按空编比例应占全市招聘计划的{mine['base_share']}%，"
                f"按老化程度加权后为{mine['tilted_share']}%（{mine['tilt']:+}个百分点）。"
            )
    if not data["advice"] and city_metrics and metrics["total"]:
        index, city_index = metrics["ageing_index"], city_metrics["ageing_index"]
        if index is not None and city_index:
            relative = Decimal(str(index)) / Decimal(str(city_index))
            verdict = (
                "老化，建议优先安排用编进人计划并向35岁以下人员倾斜"
                if relative >= AGEING_HIGH
                else "结构较年轻"
                if relative <= AGEING_LOW
                else "与全市持平"
            )
            data["advice"] = (
                f"{selection.label}老化指数{index}（全市{city_index}，相对{relative:.2f}倍）：{verdict}。"
            )
    return data
