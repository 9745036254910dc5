"""2019 机构改革 and the years after it, up to the scheduled (future) items.

See history.py for the outline. Every step skips units a reduced scale left
out, so tests can run the same story on a small city.
"""

from __future__ import annotations

import datetime as dt

from . import tables_city as tc
from . import tables_local as tl
from .history import (
    CITY_AGENCY,
    CITY_PARTY,
    PROV,
    agency,
    city,
    establish_new,
    furnish_all,
    general_office,
    locals_,
)
from .specs import CITY, UnitSpec
from .story import Story

D = dt.date
NEW_BODIES = ["改革发展科", "法治建设科", "安全监管科", "数据管理科", "行政审批科"]
NEW_BODIES_LOCAL = ["改革发展股", "法治建设股", "安全监管股", "数据管理股"]


def reorganise(story: Story, key: str, doc_no: str, mandate_doc: str, day: dt.date):
    """New 三定 after a reform: one body abolished, two set up, posts re-set."""
    from bianzhi.orgs.models import InternalBody

    unit = story.units.get(key)
    if unit is None:
        return
    spec = story.specs[key]
    current = list(
        InternalBody.objects.filter(unit=unit, abolished_on__isnull=True)
        .order_by("id")
        .values_list("name", flat=True)
    )
    if len(current) > 3:
        story.body_remove(key, current[-1], doc_no, day)
        current.pop()
    pool = NEW_BODIES if spec.body_rank in ("section", "division") else NEW_BODIES_LOCAL
    added = [name for name in pool if name not in current][:2]
    story.mandate(key, len(current) + len(added) + spec.spare_bodies, mandate_doc, day)
    for name in added:
        story.body_add(key, name, doc_no, day)
    story.leaders(key, mandate_doc, day, deputies=3)


def reform_city(story: Story, specs: list[UnitSpec]) -> None:
    day = D(2019, 3, 1)
    plan = story.doc(CITY_PARTY, 2019)  # 示例市机构改革方案
    story.cap(CITY, 56, story.doc(PROV, 2019), day)
    for short, manager in tc.MANAGED_BY_2019.items():
        changes: dict = {"in_cap": False}
        if city(manager) in story.units:
            changes["parent"] = story.units[city(manager)]
        story.change(city(short), changes, plan, day)
    renamed = []
    for short in tc.REFORM_RENAMES_2019:
        spec = story.specs.get(city(short))
        if spec:
            story.rename(spec.key, spec.name, spec.short, plan, day)
            renamed.append(spec.key)
    new = establish_new(
        story, [s for s in specs if s.region == CITY], 2019, day, furnish_now=False
    )
    for short, (_old_parent, old_short) in tc.INSTITUTION_MOVES_2019.items():
        spec = story.specs.get(city(short))
        if not spec:
            continue
        if old_short != short:
            story.rename(spec.key, spec.name, spec.short, plan, day)
        if spec.parent in story.units:
            story.change(spec.key, {"parent": story.units[spec.parent]}, plan, day)
    doc_no = story.doc(CITY_AGENCY, 2019)
    moves = [
        ("市民政局", "市退役军人事务局", 5), ("市人社局", "市医保局", 6),
        ("市卫生健康委", "市医保局", 3), ("市政府办公室", "市大数据局", 2),
        ("市行政审批服务局", "市营商环境建设局", 3), ("市政府办公室", "市委外办", 4),
    ]  # fmt: skip
    for source, target, amount in moves:
        story.transfer(
            city(source), city(target), "administrative", "full", amount, doc_no, day
        )
    grants = [
        ("市退役军人事务局", 10), ("市医保局", 6), ("市大数据局", 12),
        ("市营商环境建设局", 8), ("市委军民融合办", 6), ("市委外办", 4),
    ]  # fmt: skip
    for short, amount in grants:
        story.grant(city(short), "administrative", "full", amount, doc_no, day)
        story.grant(city(short), "logistics", "full", 1, doc_no, day)
    # 精简编制: a reform reduction decided by the 编委 (reform=True).
    cut = story.doc(CITY_AGENCY, 2019)
    for short, amount in (
        ("市市场监管局", 6), ("市农业农村局", 4), ("市交通运输局", 3),
        ("市住建局", 3), ("市自然资源和规划局", 4), ("市粮食和物资储备局", 3),
    ):  # fmt: skip
        story.recall(
            city(short), "administrative", "full", amount, cut, day, reform=True
        )
    furnish_all(story, new, 2019, day)
    for key in renamed:
        reorganise(story, key, plan, story.doc(general_office(CITY), 2019), day)


def reform_locals(story: Story, specs: list[UnitSpec]) -> None:
    day = D(2019, 6, 1)
    for code in locals_(story):
        own = agency(code)
        plan = story.doc(own, 2019)
        story.cap(code, 37, story.doc(PROV, 2019), day)
        renamed = []
        for short in tl.LOCAL_RENAMES_2019:
            key = f"{code}:{short}"
            if key in story.units:
                spec = story.specs[key]
                story.rename(key, spec.name, spec.short, plan, day)
                renamed.append(key)
        new = establish_new(
            story, [s for s in specs if s.region == code], 2019, day, furnish_now=False
        )
        doc_no = story.doc(own, 2019)
        for source, target, amount, grant in (
            ("区民政局", "区退役军人事务局", 3, 5),
            ("区人社局", "区医保局", 3, 3),
        ):
            story.transfer(
                f"{code}:{source}",
                f"{code}:{target}",
                "administrative",
                "full",
                amount,
                doc_no,
                day,
            )
            story.grant(
                f"{code}:{target}", "administrative", "full", grant, doc_no, day
            )
        story.recall(
            f"{code}:区市场监管局",
            "administrative",
            "full",
            3,
            story.doc(own, 2019),
            day,
            reform=True,
        )
        furnish_all(story, new, 2019, day)
        for key in renamed:
            reorganise(story, key, plan, story.doc(general_office(code), 2019), day)


def years_2020_2026(story: Story, specs: list[UnitSpec]) -> None:
    day = D(2020, 2, 10)
    story.grant(
        city("市疾病预防控制中心"),
        "institutional",
        "full",
        15,
        story.doc(CITY_AGENCY, 2020),
        day,
    )
    for code in locals_(story):
        story.grant(
            f"{code}:区疾病预防控制中心",
            "institutional",
            "full",
            5,
            story.doc(agency(code), 2020),
            day,
        )
    # 经费形式调整 partial → full is a reverse flow: it needs the 编委's approval.
    story.convert(
        city("市疾病预防控制中心"), "institutional", "partial", "full", 20,
        story.doc(CITY_AGENCY, 2020), D(2020, 6, 1), "示例市委编委2020年第2次会议纪要",
    )  # fmt: skip
    establish_new(story, specs, 2020, D(2020, 9, 1))
    story.loan(
        city("市委巡察办"),
        "administrative",
        "full",
        4,
        story.doc(CITY_AGENCY, 2020),
        D(2020, 12, 1),
        D(2021, 12, 1),
    )

    day = D(2021, 3, 1)
    for short, _old in tc.RENAMES_2021.items():
        spec = story.specs.get(city(short))
        if spec:
            story.rename(
                spec.key, spec.name, spec.short, story.doc(CITY_PARTY, 2021), day
            )
    day = D(2021, 5, 1)
    if "990102" in story.regions:
        # 编制资源向基层倾斜: the city hands administrative quota down to 东城区.
        doc_no = story.doc(CITY_AGENCY, 2021)
        story.ensure_reserve(CITY, "administrative", "full", 6, day)
        story.between_regions(CITY, "990102", "administrative", "full", 6, doc_no, day)
        doc_no = story.doc("东编", 2021)
        for town in tl.TOWNSHIPS["990102"][:2]:
            story.grant(f"990102:{town}", "administrative", "full", 3, doc_no, day)
    day = D(2021, 7, 1)
    cut = story.doc(CITY_AGENCY, 2021)  # 事业单位改革
    for short, funding, amount in (
        ("市规划设计研究院", "self", 10), ("市建筑设计研究院", "self", 12),
        ("市国有青山林场", "self", 8), ("市会展服务中心", "partial", 3),
    ):  # fmt: skip
        story.recall(
            city(short), "institutional", funding, amount, cut, day, reform=True
        )
    story.change(
        city("市公共交通服务中心"),
        {"institution_class": "public_welfare_1"},
        story.doc(CITY_AGENCY, 2021),
        D(2021, 9, 1),
    )

    story.transfer(
        city("市人民医院"),
        city("市传染病医院"),
        "institutional",
        "partial",
        10,
        story.doc(CITY_AGENCY, 2022),
        D(2022, 3, 1),
    )
    story.loan(
        city("市急救中心"),
        "institutional",
        "full",
        8,
        story.doc(CITY_AGENCY, 2022),
        D(2022, 5, 1),
        D(2023, 5, 1),
    )
    story.grant(
        city("市技师学院"),
        "institutional",
        "partial",
        20,
        story.doc(CITY_AGENCY, 2022),
        D(2022, 9, 1),
    )
    if "990102" in story.regions:
        story.loan(
            "990102:区第一中学",
            "institutional",
            "full",
            5,
            story.doc("东编", 2022),
            D(2022, 10, 1),
            D(2024, 8, 31),
        )

    key = city("市机关事务服务中心")
    if key in story.units:
        doc_no = story.doc(CITY_AGENCY, 2023)
        old_rank = story.units[key].rank
        story.change_rank(key, "division", doc_no, D(2023, 4, 1))
        story.relevel(key, old_rank, doc_no, D(2023, 4, 1))
    story.recall(
        city("市政府研究室"),
        "administrative",
        "full",
        2,
        story.doc(CITY_AGENCY, 2023),
        D(2023, 6, 1),
    )
    story.grant(
        city("市政务服务中心"),
        "institutional",
        "full",
        5,
        story.doc(CITY_AGENCY, 2023),
        D(2023, 8, 1),
    )

    # 2024: 社会工作部 (quota from 民政局, 组织部, 政法委) and 数据局.
    day = D(2024, 3, 1)
    new = establish_new(
        story, [s for s in specs if s.region == CITY], 2024, day, furnish_now=False
    )
    doc_no = story.doc(CITY_AGENCY, 2024)
    for source, amount in (("市民政局", 8), ("市委组织部", 4), ("市委政法委", 3)):
        story.transfer(
            city(source),
            city("市委社会工作部"),
            "administrative",
            "full",
            amount,
            doc_no,
            day,
        )
    story.grant(city("市委社会工作部"), "administrative", "full", 3, doc_no, day)
    # 市委金融办: functions and staff from the 金融局 (which stays as a government organ).
    story.transfer(
        city("市金融局"), city("市委金融办"), "administrative", "full", 5, doc_no, day
    )
    story.grant(city("市委金融办"), "administrative", "full", 3, doc_no, day)
    furnish_all(story, new, 2024, day)
    old, name, short = tc.RENAME_2024
    story.rename(city(old), name, short, story.doc(CITY_PARTY, 2024), day)
    day = D(2024, 5, 1)
    for code in locals_(story):
        new = establish_new(
            story, [s for s in specs if s.region == code], 2024, day, furnish_now=False
        )
        doc_no = story.doc(agency(code), 2024)
        story.transfer(
            f"{code}:区民政局",
            f"{code}:区委社会工作部",
            "administrative",
            "full",
            2,
            doc_no,
            day,
        )
        story.transfer(
            f"{code}:区委组织部",
            f"{code}:区委社会工作部",
            "administrative",
            "full",
            1,
            doc_no,
            day,
        )
        story.grant(f"{code}:区委社会工作部", "administrative", "full", 2, doc_no, day)
        furnish_all(story, new, 2024, day)
    story.loan(
        city("市大数据局"),
        "administrative",
        "full",
        3,
        story.doc(CITY_AGENCY, 2024),
        D(2024, 6, 1),
        D(2025, 6, 1),
    )

    story.transfer(
        city("市交通运输局"),
        city("市应急管理局"),
        "administrative",
        "full",
        2,
        story.doc(CITY_AGENCY, 2025),
        D(2025, 3, 1),
    )
    story.loan(
        city("市第七中学"),
        "institutional",
        "full",
        6,
        story.doc(CITY_AGENCY, 2025),
        D(2025, 6, 1),
        D(2026, 8, 31),
    )
    for code in locals_(story):
        story.grant(
            f"{code}:区第一中学",
            "institutional",
            "full",
            8,
            story.doc(agency(code), 2025),
            D(2025, 9, 1),
        )

    story.loan(
        city("市营商环境建设局"),
        "administrative",
        "full",
        2,
        story.doc(CITY_AGENCY, 2026),
        D(2026, 2, 1),
        D(2027, 2, 1),
    )
    story.transfer(
        city("市第一中学"),
        city("市第七中学"),
        "institutional",
        "full",
        5,
        story.doc(CITY_AGENCY, 2026),
        D(2026, 4, 1),
    )
    story.grant(
        city("市急救中心"),
        "institutional",
        "full",
        6,
        story.doc(CITY_AGENCY, 2026),
        D(2026, 6, 1),
    )


LAST_HISTORY_DATE = D(2026, 6, 1)


def scheduled(story: Story) -> None:
    """Decided now, effective next year: stored as pending until `bianzhi daily`."""
    year = story.today.year
    later = D(year + 1, 1, 1)
    story.grant(
        city("市第七中学"),
        "institutional",
        "full",
        10,
        story.doc(CITY_AGENCY, year),
        later,
    )
    story.transfer(
        city("市人社局"),
        city("市医保局"),
        "administrative",
        "full",
        2,
        story.doc(CITY_AGENCY, year),
        later,
    )
    story.recall(
        city("市政府研究室"),
        "administrative",
        "full",
        1,
        story.doc(CITY_AGENCY, year),
        D(year + 1, 3, 1),
    )
    if "990102" in story.regions:
        town = tl.TOWNSHIPS["990102"][0]
        story.grant(
            f"990102:{town}",
            "administrative",
            "full",
            2,
            story.doc("东编", year),
            later,
        )
