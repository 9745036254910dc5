"""The history of 示例市 from 2015 to today, written in order of effective date.

2015  initial load: regions, caps, units (pre-reform names), 三定, internal
      bodies, leader posts, control totals from the province, grants
2016  turnover pool; a loan (returned in 2017); growth grants
2017  巡察办 established with quota transferred from 组织部 and 纪委; recalls
2018  transfers between units
2019  机构改革: caps lowered, renames, 部门管理机构 out of the cap, new
      departments, institutions moved, reform reduction (reform=True), new 三定
2020  epidemic grants; partial → full conversion of the CDC; a new school
2021  扶贫办 → 乡村振兴局; quota handed down from the city to 东城区;
      事业单位改革 reform reduction; attribute change
2022–2026  loans (several now past due), transfers, recalls, rank change,
      2024 社会工作部 and 数据局, growth grants
future   a few scheduled movements (pending until `bianzhi daily`)
"""

from __future__ import annotations

import datetime as dt

from . import tables_city as tc
from . import tables_local as tl
from .specs import CITY, PROVINCE, UnitSpec, local_short
from .story import INITIAL, Story

D = dt.date
START = D(2015, 1, 1)
PROV = "示省编"  # the province's establishment office (higher level of the city)
CITY_AGENCY = "示编"
CITY_PARTY = "示发"  # 市委 documents (reform plans)
CITY_GENERAL_OFFICE = "示办发"  # 三定 are issued by the general offices


def agency(code: str) -> str:
    if code == CITY:
        return CITY_AGENCY
    return next(r[3] for r in tl.LOCAL_REGIONS if r[0] == code)


def general_office(code: str) -> str:
    """Agency code of the documents of the 党委/政府 general offices (三定)."""
    if code == CITY:
        return CITY_GENERAL_OFFICE
    return agency(code).removesuffix("编") + "办发"


def furnish(story: Story, spec: UnitSpec, day: dt.date, doc_no: str, mandate_doc=""):
    """三定, internal bodies and leader posts of a newly established unit."""
    if spec.kind == "coordination":
        return
    if spec.mandate:
        approved = len(spec.bodies) + spec.spare_bodies
        story.mandate(spec.key, approved, mandate_doc or doc_no, day)
    for name in spec.bodies:
        story.body_add(spec.key, name, doc_no, day)
    story.leaders(spec.key, doc_no, day)


# ---- 2015 ---------------------------------------------------------------------
def regions(story: Story, districts: int) -> None:
    story.region(PROVINCE, "示例省", "province")
    story.region(CITY, "示例市", "city", parent=story.regions[PROVINCE])
    for code, name, *_ in tl.LOCAL_REGIONS[:districts]:
        story.region(code, name, "county", parent=story.regions[CITY])
    if "990103" in story.regions:
        from bianzhi.orgs import services

        # 西城区 lets over-quota units take one intake per release (出一进一).
        services.region_set_policy(
            actor=story.actor,
            region=story.regions["990103"],
            over_quota_policy="n_out_1_in",
            releases_per_intake=1,
        )


def old_identity(spec: UnitSpec) -> tuple[str, str, str]:
    """(name, short, parent key) a unit had when it was established."""
    if spec.region == CITY:
        short = spec.key.split(":", 1)[1]
        for table in (tc.REFORM_RENAMES_2019, tc.RENAMES_2021):
            if short in table:
                return table[short][0], table[short][1], ""
        if short in tc.INSTITUTION_MOVES_2019:
            parent, old_short = tc.INSTITUTION_MOVES_2019[short]
            return "示例" + old_short, old_short, f"{CITY}:{parent}"
        return "", "", ""
    table_short = spec.key.split(":", 1)[1]
    old = tl.LOCAL_RENAMES_2019.get(table_short)
    if not old:
        return "", "", ""
    county = spec.region == "990121"
    prefix = next(r[2] for r in tl.LOCAL_REGIONS if r[0] == spec.region)
    short = local_short(old, county)
    return prefix + short[1:], short, ""


def baseline(story: Story, specs: list[UnitSpec]) -> None:
    day = START
    story.cap(CITY, 58, story.doc(PROV, 2015), day)
    for code in story.regions:
        if code not in (CITY, PROVINCE):
            story.cap(code, 38, story.doc(PROV, 2015), day)
    first = [s for s in specs if s.since == 2015]
    for spec in first:
        name, short, parent = old_identity(spec)
        story.establish(spec, day, INITIAL, name=name, short=short, parent_key=parent)
    # Control totals: set by the province for the city and for each county-level region.
    for code in story.regions:
        if code == PROVINCE:
            continue
        mine = [s for s in first if s.region == code]
        totals: dict[tuple[str, str], int] = {}
        for spec in mine:
            for category, funding, amount in spec.quotas:
                totals[(category, funding)] = (
                    totals.get((category, funding), 0) + amount
                )
        doc_no = story.doc(PROV, 2015)
        for (category, funding), amount in sorted(totals.items()):
            margin = max(6, round(amount * 0.06))
            if category == "administrative":
                margin += 20  # room for the reform's new departments
            story.increase_total(code, category, funding, amount + margin, doc_no, day)
        organ_doc, inst_doc = (
            story.doc(agency(code), 2015),
            story.doc(agency(code), 2015),
        )
        for spec in mine:
            doc_no = inst_doc if spec.kind == "institution" else organ_doc
            for category, funding, amount in spec.quotas:
                story.grant(spec.key, category, funding, amount, doc_no, day)
    for spec in first:
        furnish(story, spec, day, INITIAL)


def establish_new(
    story: Story, specs: list[UnitSpec], year: int, day: dt.date, *, furnish_now=True
) -> list[UnitSpec]:
    """Units (and their institutions) that appear in `year`, with their quota.

    furnish_now=False leaves 三定, bodies and posts to the caller, who first
    moves quota in (the 三定's staffing note states the quota then approved)."""
    new = [s for s in specs if s.since == year]
    docs: dict[str, str] = {}
    for spec in new:
        region = spec.region
        if region not in docs:
            docs[region] = story.doc(
                CITY_PARTY if region == CITY else agency(region), year
            )
        story.establish(spec, day, docs[region])
    grant_docs: dict[str, str] = {}
    for spec in new:
        if spec.region not in grant_docs:
            grant_docs[spec.region] = story.doc(agency(spec.region), year)
        for category, funding, amount in spec.quotas:
            story.grant(
                spec.key, category, funding, amount, grant_docs[spec.region], day
            )
    if furnish_now:
        furnish_all(story, new, year, day)
    return new


def furnish_all(story: Story, new: list[UnitSpec], year: int, day: dt.date) -> None:
    for spec in new:
        mandate_doc = ""
        if spec.kind != "institution":
            mandate_doc = story.doc(general_office(spec.region), year)
        furnish(story, spec, day, story.established_doc[spec.key], mandate_doc)


def city(short: str) -> str:
    return f"{CITY}:{short}"


def locals_(story: Story) -> list[str]:
    return [c for c in story.regions if c not in (CITY, PROVINCE)]


# ---- 2016–2018 ----------------------------------------------------------------
def years_2016_2018(story: Story, specs: list[UnitSpec]) -> dict:
    keep: dict = {}
    day = D(2016, 3, 1)
    doc_no = story.doc(CITY_AGENCY, 2016)
    story.pool_fund(CITY, "administrative", "full", 15, doc_no, day)
    story.pool_fund(CITY, "institutional", "full", 50, doc_no, day)
    for code in locals_(story):
        story.pool_fund(
            code, "institutional", "full", 12, story.doc(agency(code), 2016), day
        )
    day = D(2016, 5, 10)
    story.grant(
        city("市第一中学"),
        "institutional",
        "full",
        10,
        story.doc(CITY_AGENCY, 2016),
        day,
    )
    keep["loan_2016"] = story.loan(
        city("市人民医院"), "institutional", "full", 10,
        story.doc(CITY_AGENCY, 2016), D(2016, 9, 1), D(2017, 9, 1),
    )  # fmt: skip
    # 2017: 巡察机构 (巡察工作条例) with quota moved from 组织部 and 纪委.
    day = D(2017, 3, 1)
    new = establish_new(story, specs, 2017, day, furnish_now=False)
    doc_no = story.doc(CITY_AGENCY, 2017)
    story.transfer(
        city("市委组织部"), city("市委巡察办"), "administrative", "full", 5, doc_no, day
    )
    story.transfer(
        city("市纪委监委机关"),
        city("市委巡察办"),
        "administrative",
        "full",
        3,
        doc_no,
        day,
    )
    story.grant(city("市委巡察办"), "administrative", "full", 4, doc_no, day)
    for code in locals_(story):
        doc_no = story.doc(agency(code), 2017)
        story.transfer(
            f"{code}:区委组织部",
            f"{code}:区委巡察办",
            "administrative",
            "full",
            3,
            doc_no,
            day,
        )
        story.grant(f"{code}:区委巡察办", "administrative", "full", 2, doc_no, day)
    furnish_all(story, new, 2017, day)
    day = D(2017, 6, 15)
    doc_no = story.doc(CITY_AGENCY, 2017)
    story.recall(city("市歌舞剧院"), "institutional", "partial", 8, doc_no, day)
    story.recall(city("市殡仪馆"), "institutional", "partial", 4, doc_no, day)
    story.give_back(
        keep.pop("loan_2016"), 10, story.doc(CITY_AGENCY, 2017), D(2017, 8, 20)
    )
    day = D(2018, 4, 2)
    doc_no = story.doc(CITY_AGENCY, 2018)
    story.transfer(
        city("市政府研究室"),
        city("市发展改革委"),
        "administrative",
        "full",
        2,
        doc_no,
        day,
    )
    story.transfer(
        city("市教育科学研究院"),
        city("市教育招生考试院"),
        "institutional",
        "full",
        4,
        doc_no,
        day,
    )
    establish_new(story, specs, 2018, D(2018, 6, 1))
    story.grant(
        city("市融媒体中心"),
        "institutional",
        "partial",
        20,
        story.doc(CITY_AGENCY, 2018),
        D(2018, 11, 5),
    )
    return keep
