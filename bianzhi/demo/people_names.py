"""Tables for the demo persons: names, ID numbers and personal attributes.

Pure functions of a random.Random, so a seed reproduces every person.
"""

from __future__ import annotations

import datetime as dt
import random
from itertools import accumulate

from stdnum.cn import ric

# The most common surnames with their approximate shares (‰ of the population,
# 2020 census order); 欧阳/司马 stand for the rare two-character surnames.
# fmt: off
_SURNAMES = (
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 31), ("黄", 22),
    ("赵", 21), ("吴", 18), ("周", 17), ("徐", 13), ("孙", 13), ("马", 12), ("朱", 11),
    ("胡", 11), ("郭", 10), ("何", 10), ("高", 10), ("林", 10), ("罗", 9), ("郑", 9),
    ("梁", 8), ("谢", 7), ("宋", 7), ("唐", 7), ("许", 6), ("韩", 6), ("冯", 6),
    ("邓", 6), ("曹", 6), ("彭", 6), ("曾", 5), ("肖", 5), ("田", 5), ("董", 5),
    ("袁", 5), ("潘", 5), ("于", 5), ("蒋", 4), ("蔡", 4), ("余", 4), ("杜", 4),
    ("叶", 4), ("程", 4), ("苏", 4), ("魏", 4), ("吕", 4), ("丁", 4), ("任", 3),
    ("沈", 3), ("姚", 3), ("卢", 3), ("姜", 3), ("崔", 3), ("钟", 3), ("谭", 3),
    ("陆", 3), ("汪", 3), ("范", 2), ("金", 2), ("石", 2), ("廖", 2), ("贾", 2),
    ("夏", 2), ("韦", 2), ("付", 2), ("方", 2), ("白", 2), ("邹", 2), ("孟", 2),
    ("熊", 1), ("秦", 1), ("邱", 1), ("江", 1), ("尹", 1), ("薛", 1), ("闫", 1),
    ("段", 1), ("雷", 1), ("侯", 1), ("龙", 1), ("史", 1), ("陶", 1), ("黎", 1),
    ("贺", 1), ("顾", 1), ("毛", 1), ("郝", 1), ("龚", 1), ("邵", 1), ("万", 1),
    ("钱", 1), ("严", 1), ("武", 1), ("戴", 1), ("孔", 1), ("欧阳", 0.3), ("司马", 0.1),
)
# fmt: on
_SURNAME_LIST = [s for s, _ in _SURNAMES]
_SURNAME_CUM = list(accumulate(w for _, w in _SURNAMES))

_MALE_CHARS = (
    "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆旭宁龙林阳建国峰东亮成志海文"
    "博晨睿轩泽子豪一诚新春光荣兴良德庆正永胜利祥瑞振昊然嘉晓天佳宏"
)
_FEMALE_CHARS = (
    "芳娜敏静丽艳娟霞秀玲桂英红燕梅琳雪婷慧颖倩洁佳欣怡晓雅琪萍莉丹璐悦然萱涵"
    "月彤馨宁淑华兰凤琴云珍蕾薇曼思梦瑶诗晶文亚"
)
# Names typical of the cohorts born before 1970.
_OLD_MALE = (
    "建国",
    "国强",
    "建华",
    "卫东",
    "志刚",
    "建军",
    "国庆",
    "振华",
    "卫国",
    "红旗",
)
_OLD_FEMALE = (
    "秀英",
    "桂兰",
    "玉兰",
    "秀兰",
    "凤英",
    "桂英",
    "淑珍",
    "玉梅",
    "秀珍",
    "红梅",
)


def name(rng: random.Random, gender: str, birth_year: int) -> str:
    surname = rng.choices(_SURNAME_LIST, cum_weights=_SURNAME_CUM)[0]
    if birth_year < 1970 and rng.random() < 0.25:
        return surname + rng.choice(_OLD_MALE if gender == "M" else _OLD_FEMALE)
    chars = _MALE_CHARS if gender == "M" else _FEMALE_CHARS
    given = rng.choice(chars)
    if rng.random() < 0.8:
        given += rng.choice(chars)
    return surname + given


# Real counties of 山东省 from the national table, weighted; most codes start in
# 1983 or later, so staff born before then hold numbers "younger" than they are.
# fmt: off
_REGIONS = (
    ("370102", 8), ("370103", 6), ("370104", 5), ("370105", 5), ("370112", 6),
    ("370124", 2), ("370126", 2), ("370181", 3), ("370202", 4), ("370203", 4),
    ("370211", 3), ("370212", 2), ("370213", 2), ("370214", 2), ("370281", 3),
    ("370283", 3), ("370302", 3), ("370303", 4), ("370305", 2), ("370402", 2),
    ("370502", 2), ("370522", 1), ("370602", 3), ("370611", 2), ("370612", 1),
    ("370686", 1), ("370687", 1), ("370702", 3), ("370705", 2), ("370781", 2),
    ("370786", 1), ("370811", 2), ("370883", 2), ("370902", 2), ("370911", 2),
    ("370983", 1), ("371002", 2), ("371082", 1), ("371102", 1), ("371302", 2),
    ("371311", 1), ("371321", 1), ("371502", 1), ("371581", 1), ("371602", 1),
    ("371621", 1), ("371702", 1), ("371721", 1),
)
# fmt: on
_REGION_LIST = [c for c, _ in _REGIONS]
_REGION_CUM = list(accumulate(w for _, w in _REGIONS))


def id_number(rng: random.Random, birth: dt.date, gender: str, taken: set[str]) -> str:
    """An 18-digit number with a real county code, the birth date, a sequence
    whose parity gives the gender, and the GB 11643 check digit."""
    while True:
        region = rng.choices(_REGION_LIST, cum_weights=_REGION_CUM)[0]
        seq = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)
        first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
        number = first17 + ric.calc_check_digit(first17 + "0")
        if number not in taken:
            taken.add(number)
            return number


_ETHNICITIES = (("01", 950), ("03", 15), ("11", 12), ("02", 6), ("10", 4),
                ("08", 4), ("15", 3), ("06", 3), ("04", 2), ("05", 1))  # fmt: skip


def ethnicity(rng: random.Random) -> str:
    codes, weights = zip(*_ETHNICITIES, strict=True)
    return rng.choices(codes, weights)[0]


def education(rng: random.Random, birth_year: int, identity: str) -> tuple[str, str]:
    """(学历, 学位): younger cohorts and cadres are better educated."""
    if identity == "logistics_worker":
        table = (("college", 25), ("secondary", 55), ("junior_or_below", 20))
    elif birth_year >= 1985:
        table = (("postgraduate", 25), ("undergraduate", 65), ("college", 10))
    elif birth_year >= 1970:
        table = (("postgraduate", 10), ("undergraduate", 65), ("college", 20),
                 ("secondary", 5))  # fmt: skip
    else:
        table = (("postgraduate", 3), ("undergraduate", 45), ("college", 35),
                 ("secondary", 17))  # fmt: skip
    codes, weights = zip(*table, strict=True)
    level = rng.choices(codes, weights)[0]
    if level == "postgraduate":
        return level, "doctor" if rng.random() < 0.08 else "master"
    if level == "undergraduate":
        return level, "bachelor" if rng.random() < 0.92 else "none"
    return level, "none"


# Years from birth to the first job after each level of education.
SCHOOL_YEARS = {
    "postgraduate": 25,
    "undergraduate": 22,
    "college": 21,
    "secondary": 19,
    "junior_or_below": 18,
}

_MAJORS = {
    "civil_servant": ("法学", "汉语言文学", "行政管理", "经济学", "会计学", "计算机科学与技术",
                      "公共事业管理", "思想政治教育", "新闻学", "财政学", "社会学", "侦查学"),
    "cs_managed": ("法学", "汉语言文学", "行政管理", "会计学", "档案学", "统计学", "农学"),
    "institution_staff": ("临床医学", "护理学", "小学教育", "汉语言文学", "数学与应用数学",
                          "土木工程", "农学", "会计学", "英语", "预防医学", "学前教育",
                          "水利水电工程", "计算机科学与技术", "药学"),
    "logistics_worker": ("汽车维修", "烹饪", "电气运行与控制", "计算机应用"),
}  # fmt: skip


def major(rng: random.Random, identity: str, level: str) -> str:
    if level == "junior_or_below":
        return ""
    return rng.choice(_MAJORS[identity])


def political_status(rng: random.Random, identity: str, age: int) -> str:
    if identity in ("civil_servant", "cs_managed"):
        table = [("01", 80), ("13", 8), ("02", 3), ("05", 2), ("07", 2), ("10", 1)]
    elif identity == "institution_staff":
        table = [("01", 45), ("13", 40), ("02", 2), ("05", 3), ("07", 3),
                 ("08", 2), ("10", 2), ("12", 1)]  # fmt: skip
    else:
        table = [("01", 25), ("13", 75)]
    if age < 30:
        table.append(("03", 20))
    codes, weights = zip(*table, strict=True)
    return rng.choices(codes, weights)[0]


def post_type(rng: random.Random) -> str:
    return rng.choices(("professional", "management", "skilled_worker"), (70, 18, 12))[
        0
    ]


def rank(rng: random.Random, identity: str, post: str, service_years: int) -> str:
    """职级 fitting identity (and post type) and years of service."""
    step = max(0, service_years + rng.randint(-2, 2))
    if identity in ("civil_servant", "cs_managed"):
        ladder = ("clerk_2", "clerk_1", "principal_clerk_4", "principal_clerk_3",
                  "principal_clerk_2", "principal_clerk_1", "researcher_4",
                  "researcher_3", "researcher_2", "researcher_1")  # fmt: skip
        return ladder[min(step // 3, len(ladder) - 1)]
    if identity == "logistics_worker" or post == "skilled_worker":
        ladder = ("general_worker", "skilled_5", "skilled_4", "skilled_3", "skilled_2")
        return ladder[min(step // 5, len(ladder) - 1)]
    if post == "management":
        ladder = ("management_9", "management_8", "management_7", "management_6")
        return ladder[min(step // 6, len(ladder) - 1)]
    ladder = ("professional_13", "professional_12", "professional_11",
              "professional_10", "professional_9", "professional_8",
              "professional_7", "professional_6", "professional_5")  # fmt: skip
    return ladder[min(step // 3, len(ladder) - 1)]


def random_day(rng: random.Random, year: int, month: int, last: dt.date) -> dt.date:
    day = dt.date(year, month, rng.randint(1, 28))
    return min(day, last)
