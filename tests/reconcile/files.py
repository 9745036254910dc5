"""Small hand-written reconciliation inputs, as CSV or xlsx written by the tests."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.roster.conftest import make_id

MONTH = "2026-10"
ROSTER_HEADER = [
    "单位名称",
    "统一社会信用代码",
    "姓名",
    "公民身份号码",
    "人员身份",
    "编制类型",
    "经费形式",
    "进入本单位时间",
    "核定编制数",
    "借调单位",
    "借调开始日期",
    "借调结束日期",
]
PAY_HEADER = ["发放年月", "单位名称", "姓名", "身份证号码", "人员类别", "实发工资"]
SOC_HEADER = ["缴费年月", "参保单位名称", "姓名", "社会保障号码", "险种", "缴费状态"]
POP_HEADER = ["公民身份号码", "姓名", "人员状态", "状态变更日期"]

A, B = "示例市甲局", "示例市乙局"


def pid(n: int, birth: str = "19850607") -> str:
    """A valid ID number; n (1..999) makes it unique."""
    return make_id(birth, f"{n:03d}")


def write(
    path: Path,
    header: list[str],
    rows: list[list],
    *,
    title: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """CSV by default; a .xlsx path writes a workbook (IDs as text cells)."""
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        if title:
            ws.append([title])
        ws.append(header)
        for row in rows:
            ws.append(row)
        wb.save(path)
        return path
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        if title:
            writer.writerow([title])
        writer.writerow(header)
        writer.writerows(rows)
    return path


def person(
    unit,
    n,
    name,
    *,
    identity="公务员",
    category="行政编制",
    funding="财政拨款",
    entered="2015-07-01",
    approved=20,
    host=("", "", ""),
    birth="19850607",
):
    return [
        unit,
        "",
        name,
        pid(n, birth),
        identity,
        category,
        funding,
        entered,
        approved,
        *host,
    ]


# Every rule, once, plus the near misses that must not be reported.
# (id n -> what it is)
CAST = {
    1: "normal (甲局)",
    2: "R2: in a 统发 account, not paid",
    3: "R3: dead (registry), still paid",
    4: "R4: past retirement age",
    5: "R5: paid by 甲局 and 乙局",
    6: "R6: payroll name one character off",
    7: "R7: paid by 乙局, roster 甲局",
    8: "R8: insured by 乙局 only",
    11: "R11: self-funded, paid",
    20: "near miss: traditional name in payroll",
    21: "near miss: transfer in the month, paid by the old unit",
    22: "near miss: secondment to 乙局 covering the month, paid by 乙局",
    23: "near miss: 迁出 in the registry",
    24: "near miss: self-funded, not paid",
    30: "off-quota staff of 乙局 (public funds), paid as 编外",
}


def dataset(directory: Path, suffix: str = ".csv") -> dict[str, Path]:
    """Write the four files of CAST; returns their paths."""
    roster = [
        person(A, 1, "张伟"),
        person(A, 2, "李强"),
        person(A, 3, "王芳"),
        person(A, 4, "赵明", birth="19500101"),
        person(A, 5, "孙丽"),
        person(A, 6, "周杰"),
        person(A, 7, "吴敏"),
        person(A, 8, "郑涛"),
        person(
            A,
            11,
            "冯云",
            identity="事业人员",
            category="事业编制",
            funding="经费自理",
            approved=2,
        ),
        person(A, 20, "张国华"),
        person(A, 21, "刘洋", entered="2026-10-12"),
        person(A, 22, "陈静", host=(B, "2026-03-01", "2027-02-28")),
        person(A, 23, "杨光"),
        person(
            A,
            24,
            "黄河",
            identity="事业人员",
            category="事业编制",
            funding="经费自理",
            approved=2,
        ),
        [
            B,
            "",
            "何编外",
            pid(30, "19950101"),
            "",
            "编外",
            "财政拨款",
            "2020-01-01",
            "",
            "",
            "",
            "",
        ],
    ]

    def pay(unit, n, name, kind="在编", net=6000, birth="19850607"):
        return ["202610", unit, name, pid(n, birth), kind, net]

    payroll = [
        pay(A, 1, "张伟"),
        pay(A, 3, "王芳"),
        pay(A, 4, "赵明", birth="19500101"),
        pay(A, 5, "孙丽"),
        pay(B, 5, "孙丽"),
        pay(A, 6, "周洁"),
        pay(B, 7, "吴敏"),
        pay(A, 8, "郑涛"),
        pay(A, 11, "冯云"),
        pay(A, 20, "張國華"),
        pay(B, 21, "刘洋"),
        pay(B, 22, "陈静"),
        pay(A, 23, "杨光"),
        pay(B, 30, "何编外", kind="编外", net=3000, birth="19950101"),
        ["202610", A, "鬼影", pid(40, "19900101"), "在编", 5000],  # R1
        [
            "202610",
            B,
            "错号",
            pid(41)[:17] + ("0" if pid(41)[17] != "0" else "1"),
            "在编",
            5000,
        ],  # R9
    ]

    def soc(unit, n, name, birth="19850607"):
        return ["202610", unit, name, pid(n, birth), "养老保险", "正常缴费"]

    social = [
        soc(A, n, row[2], birth="19500101" if n == 4 else "19850607")
        for n, row in zip((1, 2, 3, 4, 5, 6, 7), roster[:7], strict=True)
    ]
    social += [
        soc(B, 8, "郑涛"),  # R8
        [
            "202610",
            A,
            "郑涛",
            pid(8),
            "医疗保险",
            "暂停缴费",
        ],  # not normal: does not clear R8
        soc(A, 11, "冯云"),
        soc(A, 20, "張國華"),
        soc(B, 21, "刘洋"),
        soc(A, 22, "陈静"),
        soc(A, 23, "杨光"),
        soc(A, 24, "黄河"),
    ]
    population = [
        [pid(1), "张伟", "正常", ""],
        [pid(3), "王芳", "死亡", "2026-03-02"],
        [pid(23), "杨光", "迁出", "2025-05-01"],
        [pid(20), "张国华", "正常", ""],
    ]
    return {
        "roster": write(directory / f"roster{suffix}", ROSTER_HEADER, roster),
        "payroll": write(
            directory / f"payroll{suffix}",
            PAY_HEADER,
            payroll,
            title="2026年10月工资统发明细表",
            encoding="gb18030",
        ),
        "social": write(
            directory / f"social{suffix}", SOC_HEADER, social, encoding="utf-8-sig"
        ),
        "population": write(directory / f"population{suffix}", POP_HEADER, population),
    }
