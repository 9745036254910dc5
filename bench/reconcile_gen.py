"""Synthetic reconciliation inputs with known truth (used by bench/reconcile.py).

`generate(n, out_dir)` writes, with the plain csv module:
- roster.csv (UTF-8; the EXCHANGE.md §2 roster export + 核定编制数 and the
  借调 columns of reconcile/schemas.py; off-quota rows with 编制类型 编外),
- payroll.csv (GB18030, a title row above the header, a 合计 row at the end),
- social.csv (UTF-8 with BOM; one or two 险种 rows per person),
- population.csv (UTF-8),
and truth.json: for every rule the keys the run must report (ID numbers;
R9 the raw ID text; R10 unit names) and the near-miss IDs that must not be
reported. About 0.1 % of the people carry each anomaly; each anomalous
person carries exactly one anomaly (the truth of side effects — R10's unit
counts, R2 of a person paid only as 离退休 — is derived from the same
counters the generator keeps).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path

MONTH = "202610"
REGIONS = (
    "110101",
    "110102",
    "110105",
    "110106",
    "120101",
    "130102",
    "310101",
    "370102",
    "370103",
    "440103",
)
OLD_REGIONS = ("320102", "440104", "130102")
GHOST_REGION = "310101"
OFFQ_REGION = "120101"
SURN = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁沈任姚卢傅钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万钱严赖覃洪武莫孔"
GIVEN = "伟华国明军建平志强东海林杰涛斌鹏辉超波刚勇磊洋静丽敏燕霞芳娟秀英玲红梅兰琳丹萍云飞龙凤春秋文武安宁康乐晨阳光辰嘉佳"
_WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]

# Ranges of k = hash(p) % 10000 -> the kind of person p.
KINDS = [
    (0, 300, "self"),  # self-funded, not on the payroll (near miss of R2/R10)
    (300, 310, "R2"),
    (310, 320, "R3"),
    (320, 330, "R4"),
    (330, 340, "R4_retired_pay"),
    (340, 350, "R5_pay"),
    (350, 355, "R5_twice"),
    (355, 365, "R6_typo"),
    (365, 370, "R6_other"),
    (370, 380, "R7"),
    (380, 390, "R8"),
    (390, 400, "R11"),
    (400, 420, "nm_traditional"),
    (420, 440, "nm_transfer"),
    (440, 460, "nm_secondment"),
    (460, 480, "nm_moved_out"),
]


def _kind(p: int) -> str:
    k = (p * 2654435761) % 10000
    for low, high, kind in KINDS:
        if low <= k < high:
            return kind
    return "normal"


def make_id(region: str, birth: dt.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


def _id(p: int, base: dt.date, days: int, regions) -> str:
    seq, rest = p % 1000, p // 1000
    return make_id(
        regions[(rest // days) % len(regions)],
        base + dt.timedelta(days=rest % days),
        seq,
    )


def person_id(p: int, old: bool = False) -> str:
    if old:
        return _id(p, dt.date(1955, 1, 1), 1000, OLD_REGIONS)
    return _id(p, dt.date(1978, 1, 1), 3000, REGIONS)


def name_of(p: int) -> str:
    return (
        SURN[p % len(SURN)]
        + GIVEN[(p // 7) % len(GIVEN)]
        + GIVEN[(p // 131) % len(GIVEN)]
    )


def _typo(name: str) -> str:
    return name[:-1] + ("某" if name[-1] != "某" else "甲")


def generate(n: int, out: Path) -> dict:
    import opencc

    s2t = opencc.OpenCC("s2t")
    out.mkdir(parents=True, exist_ok=True)
    n_units = max(20, n // 100)
    units = [(f"示例市第{i}单位", f"1237{i:014d}") for i in range(n_units)]
    truth: dict[str, set] = defaultdict(set)
    near: set[str] = set()
    occ: dict[int, int] = defaultdict(int)
    offpub: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    kinds = [_kind(p) for p in range(n)]
    tongfa_count: dict[int, int] = defaultdict(int)
    self_count: dict[int, int] = defaultdict(int)
    for p, kind in enumerate(kinds):
        if kind in ("self", "R11"):
            self_count[p % n_units] += 1
        else:
            tongfa_count[p % n_units] += 1
    approved = {}
    over_units = set()
    for u in range(n_units):
        extra = 3 if u % 5 == 0 else 0
        if u % 97 == 1 and tongfa_count[u] > 1:
            extra = -1
            over_units.add(u)
        approved[u] = tongfa_count[u] + extra

    roster_f = (out / "roster.csv").open("w", encoding="utf-8", newline="")
    pay_f = (out / "payroll.csv").open("w", encoding="gb18030", newline="")
    soc_f = (out / "social.csv").open("w", encoding="utf-8-sig", newline="")
    pop_f = (out / "population.csv").open("w", encoding="utf-8", newline="")
    roster, pay, soc, pop = (csv.writer(f) for f in (roster_f, pay_f, soc_f, pop_f))
    roster.writerow(
        [
            "序号",
            "单位名称",
            "统一社会信用代码",
            "姓名",
            "公民身份号码",
            "性别",
            "人员身份",
            "编制类型",
            "经费形式",
            "进入本单位时间",
            "核定编制数",
            "借调单位",
            "借调开始日期",
            "借调结束日期",
        ]
    )
    pay.writerow(["2026年10月财政工资统发明细表"])
    pay.writerow(
        [
            "发放年月",
            "单位名称",
            "单位统一社会信用代码",
            "姓名",
            "身份证号码",
            "人员类别",
            "应发工资",
            "实发工资",
        ]
    )
    soc.writerow(
        [
            "缴费年月",
            "参保单位名称",
            "参保单位统一社会信用代码",
            "姓名",
            "社会保障号码",
            "险种",
            "缴费基数",
            "缴费状态",
        ]
    )
    pop.writerow(["公民身份号码", "姓名", "人员状态", "状态变更日期"])
    seq = 0
    total_net = 0.0

    def pay_row(
        u: int, name: str, id_number: str, kind: str = "在编", net: float = 6000.0
    ) -> None:
        nonlocal total_net
        total_net += net
        pay.writerow(
            [
                MONTH,
                units[u][0],
                units[u][1],
                name,
                id_number,
                kind,
                f"{net + 1500:.2f}",
                f"{net:.2f}",
            ]
        )

    def soc_rows(u: int, name: str, id_number: str, two: bool) -> None:
        soc.writerow(
            [
                MONTH,
                units[u][0],
                units[u][1],
                name,
                id_number,
                "养老保险",
                "8000",
                "正常缴费",
            ]
        )
        if two:
            soc.writerow(
                [
                    MONTH,
                    units[u][0],
                    units[u][1],
                    name,
                    id_number,
                    "医疗保险",
                    "8000",
                    "正常缴费",
                ]
            )

    for p, kind in enumerate(kinds):
        u = p % n_units
        other = (u + 1) % n_units
        old = kind == "R4"
        id_number = person_id(p, old=old)
        name = name_of(p)
        self_funded = kind in ("self", "R11")
        seq += 1
        entered = "2015-07-01"
        host = ("", "", "")
        if kind == "nm_transfer":
            entered = "2026-10-12"
        if kind == "nm_secondment":
            host = (units[other][0], "2026-03-01", "2027-02-28")
        row = [
            seq,
            units[u][0],
            units[u][1],
            name,
            id_number,
            "",
            "公务员" if not self_funded else "事业人员",
            "行政编制" if not self_funded else "事业编制",
            "财政拨款" if not self_funded else "经费自理",
            entered,
            approved[u] if not self_funded else self_count[u] + 1,
            *host,
        ]
        roster.writerow(row)
        if kind == "R5_twice":
            seq += 1
            roster.writerow([seq, *row[1:]])
            truth["R5"].add(id_number)
        if not self_funded:
            occ[u] += 1
        # payroll
        if kind == "self":
            near.add(id_number)
        elif kind == "R2":
            truth["R2"].add(id_number)
        elif kind == "R4_retired_pay":
            pay_row(u, name, id_number, "离退休", 4000.0)
            truth["R4"].add(id_number)
            truth["R2"].add(id_number)
        elif kind == "R5_pay":
            pay_row(u, name, id_number)
            pay_row(other, name, id_number)
            paid[u] += 1
            paid[other] += 1
            truth["R5"].add(id_number)
        elif kind == "R7":
            pay_row(other, name, id_number)
            paid[other] += 1
            truth["R7"].add(id_number)
        elif kind == "R11":
            pay_row(u, name, id_number)
            truth["R11"].add(id_number)
        elif kind == "R6_typo":
            pay_row(u, _typo(name), id_number)
            paid[u] += 1
            truth["R6"].add(id_number)
        elif kind == "nm_traditional":
            pay_row(u, s2t.convert(name), id_number)
            paid[u] += 1
            near.add(id_number)
        elif kind in ("nm_transfer", "nm_secondment"):
            pay_row(other, name, id_number)
            paid[u] += 1
            near.add(id_number)
        else:
            pay_row(u, name, id_number)
            paid[u] += 1
            if kind in ("R3", "R4"):
                truth[kind].add(id_number)
        # social insurance
        two = p % 2 == 0
        if kind == "R8":
            soc_rows(other, name, id_number, two)
            truth["R8"].add(id_number)
        elif kind == "nm_transfer":
            soc_rows(other, name, id_number, two)
        elif kind == "nm_traditional":
            soc_rows(u, s2t.convert(name), id_number, two)
        else:
            soc_rows(u, name, id_number, two)
        # population registry
        if kind == "R3":
            pop.writerow([id_number, name, "死亡", "2025-03-15"])
        elif kind == "nm_moved_out":
            pop.writerow([id_number, name, "迁出", "2024-06-01"])
            near.add(id_number)
        elif kind == "R6_other":
            pop.writerow([id_number, "欧阳" + GIVEN[p % len(GIVEN)], "正常", ""])
            truth["R6"].add(id_number)
        else:
            pop.writerow([id_number, name, "正常", ""])

    # Off-quota staff: paid from public funds (on the payroll as 编外) or own revenue.
    for i in range(max(2, n // 200)):
        u = (i * 7) % n_units
        id_number = _id(i, dt.date(1995, 1, 1), 3000, (OFFQ_REGION,))
        public = i % 3 != 0
        seq += 1
        roster.writerow(
            [
                seq,
                units[u][0],
                units[u][1],
                f"编外{name_of(i)}",
                id_number,
                "",
                "",
                "编外",
                "财政拨款" if public else "经费自理",
                "2020-01-01",
                "",
                "",
                "",
                "",
            ]
        )
        if public:
            offpub[u] += 1
            pay_row(u, f"编外{name_of(i)}", id_number, "编外", 3000.0)
            paid[u] += 1
    # Ghosts (R1): paid, on no roster.
    for i in range(max(2, n // 1000)):
        u = (i * 13) % n_units
        id_number = _id(i, dt.date(1990, 1, 1), 3000, (GHOST_REGION,))
        pay_row(u, name_of(i + 7), id_number)
        paid[u] += 1
        truth["R1"].add(id_number)
    # Invalid ID numbers (R9): a wrong check digit in payroll, garbage in the registry.
    for i in range(max(2, n // 2000)):
        u = (i * 17) % n_units
        good = _id(i, dt.date(1991, 6, 1), 3000, (GHOST_REGION,))
        bad = good[:17] + ("0" if good[17] != "0" else "1")
        pay_row(u, name_of(i + 11), bad)
        truth["R9"].add(bad)
    for i in range(max(1, n // 4000)):
        bad = f"ABC{i:07d}"
        pop.writerow([bad, name_of(i), "正常", ""])
        truth["R9"].add(bad)
    pay.writerow(["合计", "", "", "", "", "", "", f"{total_net:.2f}"])
    for f in (roster_f, pay_f, soc_f, pop_f):
        f.close()
    for u in range(n_units):
        if paid[u] != occ[u] + offpub[u] or u in over_units:
            truth["R10"].add(units[u][0])
    data = {
        "n": n,
        "units": n_units,
        "truth": {rule: sorted(keys) for rule, keys in truth.items()},
        "near_miss": sorted(near),
    }
    (out / "truth.json").write_text(
        json.dumps(data, ensure_ascii=False), encoding="utf-8"
    )
    return data
