"""A small roster for the search, history and suspicious-record tests, built
through the roster services (never the ORM) on the units of helpers.units.

People (unit, category; birth; notes) — TODAY is 2026-06-15:
  张三  bureau ADM;  1991-06-15, 大学本科, 一级主任科员, entered 2020-05-01, posted 2022-03-01
  李四  bureau ADM;  man 1965-01-10 → retires 2025-02-01: past retirement
  陈五  bureau ADM;  man 1966-06-20 → retires 2026-11-01: not yet (near miss)
  周八  bureau ADM;  1985-06-07 (ID 110101…)   } same name + birth date in
  周八  court PL;    1985-06-07 (ID 110102…)   } two units, different IDs
  郑一  bureau LOG;  woman worker 1975-03-03 → retires 2025-05-01: past
  赵子龙 court PL;   1988-08-08, entered 2021-07-01
  张山  other ADM;   1980-02-02, 研究生
  钱七  other ADM;   1970-01-01, released (辞职) on 2026-06-01
  吴九  other ADM;   1985-06-07 }  same name, birth dates one day apart:
  吴九  school INS partial; 1985-06-08 }  a near miss
  王芳  school INS full; woman, 专技岗七级, 1975-05-05
  孙十  school INS partial; ID 1990-01-01, certified 1989-12-01 with a basis
  冯二  mass ADM (参公); woman cadre 1970-03-03 (base 2025-04-01) with the
        60-year exception → retires 2030-03-01: not past (near miss)
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from bianzhi.roster import services

from .helpers import ADM, INS, LOG, OFFICE, PL, TODAY, enroll, give, person_data

REASON = "历史数据补录"


def _enroll(unit, n, name, birth, *, start, category=ADM, funding="full", **over):
    entered = over.pop("entered_unit_on", None)
    over.setdefault("work_start_date", f"{int(birth[:4]) + 22}-07-01")
    data = person_data(n, birth=birth, name=name, **over)
    kw = {}
    if start != TODAY:
        kw["reason"] = REASON
    return enroll(
        unit,
        data,
        category=category,
        funding=funding,
        start_date=start,
        entered_unit_on=entered,
        **kw,
    )


@pytest.fixture
def cast(units):
    bureau, other, court = units["bureau"], units["other"], units["court"]
    school, mass = units["school"], units["mass"]
    give(bureau, ADM, "full", 3)  # bureau ADM 8 in all
    y2020 = dt.date(2020, 1, 1)
    p = SimpleNamespace(units=units)
    p.zhangsan = _enroll(
        bureau,
        1,
        "张三",
        "19910615",
        start=dt.date(2022, 3, 1),
        entered_unit_on="2020-05-01",
        rank="一级主任科员",
        education="大学本科",
    )
    p.lisi = _enroll(bureau, 2, "李四", "19650110", start=y2020)
    p.chenwu = _enroll(bureau, 3, "陈五", "19660620", start=y2020)
    p.zhouba = _enroll(bureau, 4, "周八", "19850607", start=y2020)
    p.zhouba2 = _enroll(court, 104, "周八", "19850607", start=y2020, category=PL)
    p.zhengyi = _enroll(
        bureau,
        5,
        "郑一",
        "19750303",
        start=y2020,
        category=LOG,
        female=True,
        identity="机关工勤人员",
    )
    p.zhaozilong = _enroll(
        court, 6, "赵子龙", "19880808", start=dt.date(2021, 7, 1), category=PL
    )
    p.zhangshan = _enroll(other, 7, "张山", "19800202", start=TODAY, education="研究生")
    p.qianqi = _enroll(other, 8, "钱七", "19700101", start=y2020)
    p.wujiu = _enroll(other, 9, "吴九", "19850607", start=y2020)
    p.wujiu2 = _enroll(
        school,
        10,
        "吴九",
        "19850608",
        start=y2020,
        category=INS,
        funding="partial",
        identity="事业人员",
        post_type="管理",
    )
    p.wangfang = _enroll(
        school,
        11,
        "王芳",
        "19750505",
        start=y2020,
        category=INS,
        female=True,
        identity="事业人员",
        post_type="专业技术",
        rank="专技岗七级",
    )
    p.sunshi = _enroll(
        school,
        12,
        "孙十",
        "19900101",
        start=y2020,
        category=INS,
        funding="partial",
        identity="事业人员",
        post_type="管理",
        birth_date="1989-12-01",
        certified_basis="干部档案最早记载为1989年12月",
    )
    p.fenger = _enroll(
        mass, 13, "冯二", "19700303", start=y2020, female=True, identity="参公人员"
    )
    services.retirement_exception_record(
        actor=OFFICE,
        person=p.fenger.person_id,
        kind="senior_female_cadre_60",
        doc_no="组通字〔2015〕14号",
        months=None,
        effective_from="2020-01-01",
        today=TODAY,
    )
    services.person_release(
        actor=OFFICE,
        posting=p.qianqi,
        reason_code="辞职",
        exit_date=dt.date(2026, 6, 1),
        today=TODAY,
    )
    return p
