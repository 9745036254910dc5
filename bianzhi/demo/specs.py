"""Unit specifications of the demo city, built from the name tables.

A spec is everything the story needs to establish a unit and give it its
structure and quota; nothing here touches the database. The scale picks a
subset (tests use a small one); the seeded random source only varies amounts,
body counts and codes, so the same seed gives the same city.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from stdnum.cn import uscc as uscc_lib

from . import tables_city as tc
from . import tables_local as tl

CITY = "990100"
PROVINCE = "990000"

# Units the story and the demo logins refer to; kept at every scale.
CORE_CITY = {
    "市委办公室", "市委组织部", "市委编办", "市委巡察办", "市委社会工作部", "市委政法委",
    "市纪委监委机关", "市政府办公室", "市发展改革委", "市教育局", "市公安局", "市民政局",
    "市司法局", "市人社局", "市卫生健康委", "市退役军人事务局", "市医保局", "市大数据局",
    "市营商环境建设局", "市市场监管局", "市自然资源和规划局", "市农业农村局", "市住建局",
    "市交通运输局", "市粮食和物资储备局", "市行政审批服务局", "市中级人民法院", "市总工会",
}  # fmt: skip
CORE_LOCAL = {
    "区委办公室", "区委组织部", "区委巡察办", "区委社会工作部", "区民政局", "区政府办公室",
    "区教育和体育局", "区卫生健康局", "区退役军人事务局", "区医保局", "区应急管理局",
    "区市场监管局", "区行政审批服务局", "区人民法院",
}  # fmt: skip
CORE_INSTITUTIONS = {
    "市第一中学", "市人民医院", "市疾病预防控制中心", "市急救中心", "市传染病医院",
    "区第一中学", "区疾病预防控制中心", "市第七中学",
}  # fmt: skip
# New institutions (not part of the 2015 baseline) and their year.
INSTITUTION_SINCE = {"市网络舆情中心": 2018, "市第七中学": 2020}
# Extra accounts the story needs (the CDC's partial funding converted in 2020).
EXTRA_QUOTAS = {"市疾病预防控制中心": [("institutional", "partial", 20)]}
# Units deliberately left without a 三定 record, to show 「三定未录入」.
NO_MANDATE = {"市委台办", "市侨联", "市国有资产经营服务中心", "区工商联"}

BODY_RANK = {
    "bureau": "division",
    "vice_bureau": "division",
    "division": "section",
    "vice_division": "section",
    "section": "stock",
    "vice_section": "stock",
    "stock": "unranked",
    "unranked": "unranked",
}
USCC_CLASS = {"institution": "2", "mass_org": "3", "democratic_party": "9"}


@dataclass(frozen=True)
class Scale:
    """How much of the city to build. None = everything in the tables."""

    districts: int = 3
    city_organs: int | None = None  # organs beyond the core ones
    local_organs: int | None = None  # per district, beyond the core ones
    townships: int | None = None  # per district
    institutions: int | None = None  # in all, beyond the core ones
    coordination: bool = True


FULL = Scale()
SMALL = Scale(districts=1, city_organs=12, local_organs=6, townships=3, institutions=20)


@dataclass
class UnitSpec:
    key: str  # "<region code>:<short>"
    region: str
    short: str
    name: str
    kind: str
    rank: str
    since: int = 2015
    in_cap: bool = False
    parent: str = ""  # key of the supervising unit
    institution_class: str = ""
    sector: str = ""
    cs_managed: bool = False
    uscc: str = ""
    quotas: list[tuple[str, str, int]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    spare_bodies: int = 0  # mandate approves len(bodies) + spare
    mandate: bool = True

    @property
    def body_rank(self) -> str:
        return BODY_RANK[self.rank]


class _Codes:
    """Unique, valid USCCs: '1' + organ class + region code + 9-char body + check."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def make(self, kind: str, region: str) -> str:
        klass = USCC_CLASS.get(kind, "1")
        while True:
            digits = f"{self.rng.randrange(10**8):08d}"
            body = digits + _org_check(digits)
            code = "1" + klass + region + body
            code += uscc_lib.calc_check_digit(code)
            if code not in self.seen:
                self.seen.add(code)
                return code


def _org_check(digits: str) -> str:
    """GB 11714 check character of an 8-digit organisation code body."""
    total = sum(
        int(c) * w for c, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)
    )
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def _jitter(rng: random.Random, amount: int, spread: float = 0.1) -> int:
    if amount <= 3:
        return amount
    low, high = round(amount * (1 - spread)), round(amount * (1 + spread))
    return rng.randint(low, high)


def _organ_quotas(rng, row, factor: float) -> list[tuple[str, str, int]]:
    _, _, _, _, _, adm, pl, logi, vet, _ = row
    out = []
    for category, amount in (
        ("administrative", adm),
        ("political_legal", pl),
        ("logistics", logi),
        ("veteran_cadre", vet),
    ):
        if amount:
            out.append((category, "full", max(1, _jitter(rng, round(amount * factor)))))
    return out


def _institution_quotas(rng, klass: str, amount: int) -> list[tuple[str, str, int]]:
    amount = max(3, _jitter(rng, amount))
    if klass == "biz":
        return [("institutional", "self", amount)]
    if klass == "pw2":
        partial = round(amount * rng.choice((0.7, 0.8, 0.9)))
        rest = amount - partial
        out = [("institutional", "partial", partial)]
        return out + ([("institutional", "full", rest)] if rest else [])
    return [("institutional", "full", amount)]


def _bodies(rng, specific: list[str] | None, generic: list[str], low, high):
    if specific:
        return list(specific)
    return generic[: rng.randint(low, high)]


def _take(rows, core: set[str], limit: int | None, short_of=lambda r: r[0]):
    """Core rows always, others up to `limit`, in table order."""
    taken, extra = [], 0
    for row in rows:
        if short_of(row) in core:
            taken.append(row)
        elif limit is None or extra < limit:
            taken.append(row)
            extra += 1
    return taken


def build_specs(rng: random.Random, scale: Scale) -> list[UnitSpec]:
    """All units of the demo in establishing order (parents before children)."""
    codes = _Codes(rng)
    specs: list[UnitSpec] = []
    specs += _city_organs(rng, scale, codes)
    present = {s.short for s in specs}
    specs += _city_institutions(rng, scale, codes, present)
    for region_row in tl.LOCAL_REGIONS[: scale.districts]:
        specs += _local_units(rng, scale, codes, region_row)
    if scale.coordination:
        for name, host in tc.COORDINATION_CITY:
            if host in present:
                specs.append(
                    UnitSpec(
                        key=f"{CITY}:{name}",
                        region=CITY,
                        short=name.removeprefix("示例"),
                        name=name,
                        kind="coordination",
                        rank="unranked",
                        parent=f"{CITY}:{host}",
                        mandate=False,
                    )
                )
    specs.sort(key=lambda s: s.since)  # stable: parents stay before children
    return specs


def _city_organs(rng, scale: Scale, codes: _Codes) -> list[UnitSpec]:
    out = []
    for row in _take(tc.CITY_ORGANS, CORE_CITY, scale.city_organs):
        short, full, kind, rank, in_cap, *_rest, since = row
        specific = tc.BODIES_CITY.get(short)
        out.append(
            UnitSpec(
                key=f"{CITY}:{short}",
                region=CITY,
                short=short,
                name=full or "示例" + short,
                kind=kind,
                rank=rank,
                since=since,
                in_cap=in_cap,
                cs_managed=kind == "mass_org" and short not in tc.NOT_CS_MANAGED,
                uscc=codes.make(kind, CITY),
                quotas=_organ_quotas(rng, row, 1.0),
                bodies=_bodies(rng, specific, tc.GENERIC_BODIES_ORGAN, 5, 9),
                spare_bodies=rng.choice((0, 0, 1, 2)),
                mandate=short not in NO_MANDATE,
            )
        )
    return out


def _city_institutions(rng, scale, codes, present: set[str]) -> list[UnitSpec]:
    rows = [r for r in tc.CITY_INSTITUTIONS if r[0] in present]
    limit = None if scale.institutions is None else scale.institutions * 2 // 3
    since_of = {s.short: s.since for s in _organ_rows_since()}
    out = []
    for row in _take(rows, CORE_INSTITUTIONS, limit, short_of=lambda r: r[1]):
        parent, short, klass, sector, rank, amount, cs_managed = row
        since = max(since_of.get(parent, 2015), INSTITUTION_SINCE.get(short, 2015))
        if short in tc.INSTITUTION_MOVES_2019:
            since = 2015  # existed before its 2019 supervising unit
        out.append(
            UnitSpec(
                key=f"{CITY}:{short}",
                region=CITY,
                short=short,
                name="示例" + short,
                kind="institution",
                rank=rank,
                since=since,
                parent=f"{CITY}:{parent}",
                institution_class=tc.INSTITUTION_CLASSES[klass],
                sector=sector,
                cs_managed=cs_managed,
                uscc=codes.make("institution", CITY),
                quotas=_institution_quotas(rng, klass, amount)
                + EXTRA_QUOTAS.get(short, []),
                bodies=_bodies(
                    rng,
                    tc.BODIES_CITY.get(short),
                    tc.GENERIC_BODIES_INSTITUTION,
                    3,
                    4 if rank in ("section", "vice_section") else 3,
                ),
                spare_bodies=rng.choice((0, 1)),
                mandate=short not in NO_MANDATE and rng.random() > 0.04,
            )
        )
    return out


@dataclass
class _Since:
    short: str
    since: int


def _organ_rows_since() -> list[_Since]:
    return [_Since(r[0], r[-1]) for r in tc.CITY_ORGANS + tl.LOCAL_ORGANS]


def local_short(short: str, county: bool) -> str:
    if not county:
        return short
    if short == "区公安分局":
        return "县公安局"
    return short.replace("区", "县")


def local_name(short: str, template: str, prefix: str, county: bool) -> str:
    if county and short == "区公安分局":
        return "示例县公安局"
    if template:
        return template.replace("{P}", prefix)
    return prefix + local_short(short, county)[1:]


def _local_units(rng, scale: Scale, codes: _Codes, region_row) -> list[UnitSpec]:
    code, _name, prefix, _agency, factor, township_kind = region_row
    county = township_kind == "township"
    out: list[UnitSpec] = []
    organs = _take(tl.LOCAL_ORGANS, CORE_LOCAL, scale.local_organs)
    present = set()
    for row in organs:
        short, template, kind, rank, in_cap, *_rest, since = row
        if county and short == "区公安分局":
            in_cap = True
        present.add(short)
        out.append(
            UnitSpec(
                key=f"{code}:{short}",
                region=code,
                short=local_short(short, county),
                name=local_name(short, template, prefix, county),
                kind=kind,
                rank=rank,
                since=since,
                in_cap=in_cap,
                cs_managed=kind == "mass_org" and short not in tc.NOT_CS_MANAGED,
                uscc=codes.make(kind, code),
                quotas=_organ_quotas(rng, row, factor),
                bodies=_bodies(
                    rng, tl.BODIES_LOCAL.get(short), tl.GENERIC_BODIES_LOCAL_ORGAN, 3, 6
                ),
                spare_bodies=rng.choice((0, 1)),
                mandate=short not in NO_MANDATE,
            )
        )
    towns = tl.TOWNSHIPS[code][: scale.townships]
    for town in towns:
        kind = township_kind if not town.endswith("街道") else "street"
        out.append(
            UnitSpec(
                key=f"{code}:{town}",
                region=code,
                short=town,
                name=town,
                kind=kind,
                rank="section",
                uscc=codes.make(kind, code),
                quotas=[
                    ("administrative", "full", rng.randint(25, 40)),
                    ("institutional", "full", rng.randint(20, 35)),
                ]
                + (
                    [("logistics", "full", rng.randint(1, 2))]
                    if rng.random() < 0.6
                    else []
                ),
                bodies=tl.TOWNSHIP_BODIES[: rng.randint(5, 7)],
                spare_bodies=rng.choice((0, 1)),
            )
        )
    where_ok = {"all", "county" if county else "urban"}
    rows = [r for r in tl.LOCAL_INSTITUTIONS if r[0] in present and r[7] in where_ok]
    limit = None
    if scale.institutions is not None:
        limit = max(0, scale.institutions // 3 // max(scale.districts, 1))
    since_of = {s.short: s.since for s in _organ_rows_since()}
    for row in _take(rows, CORE_INSTITUTIONS, limit, short_of=lambda r: r[1]):
        parent, short, klass, sector, rank, amount, cs_managed, _where = row
        out.append(
            UnitSpec(
                key=f"{code}:{short}",
                region=code,
                short=local_short(short, county),
                name=prefix + local_short(short, county)[1:],
                kind="institution",
                rank=rank,
                since=since_of.get(parent, 2015),
                parent=f"{code}:{parent}",
                institution_class=tc.INSTITUTION_CLASSES[klass],
                sector=sector,
                cs_managed=cs_managed,
                uscc=codes.make("institution", code),
                quotas=_institution_quotas(rng, klass, round(amount * factor)),
                bodies=_bodies(
                    rng,
                    tl.BODIES_LOCAL.get(short),
                    tl.GENERIC_BODIES_LOCAL_INSTITUTION,
                    3,
                    4,
                ),
                mandate=rng.random() > 0.05,
            )
        )
    if scale.institutions is None:
        for town in towns:
            out.append(
                UnitSpec(
                    key=f"{code}:{town}便民服务中心",
                    region=code,
                    short=f"{town}便民服务中心",
                    name=f"{prefix}{town}便民服务中心",
                    kind="institution",
                    rank="stock",
                    parent=f"{code}:{town}",
                    institution_class="public_welfare_1",
                    sector="S",
                    uscc=codes.make("institution", code),
                    quotas=[("institutional", "full", rng.randint(6, 12))],
                    bodies=["综合服务窗口", "政务服务代办组", "综合保障组"],
                    mandate=rng.random() > 0.1,
                )
            )
    return out
