"""The files reconciliation reads (EXCHANGE.md §2, §3–5), as exchange Schemas.

Header resolution (aliases, title rows, stacked headers, full-width
characters) is exchange.readers.open_table's, so a payroll file is
understood exactly as an import file would be.

The roster file (`--roster`) is the roster export of EXCHANGE.md §2. A few
optional columns, which `bianzhi export roster` does not write today, let a
file carry what the database would otherwise supply (decision, documented
here and in the issue note):
- 核定编制数: the approved count of the row's account (unit × 编制类型 ×
  经费形式), repeated on its rows; without it R10's occupied > approved part
  is skipped for a file roster;
- 借调单位 / 借调开始日期 / 借调结束日期: an approved secondment (R7, R8);
- rows whose 编制类型 is 「编外」 are off-quota staff (经费形式 财政拨款/财政资金 =
  paid from public funds, anything else = own revenue).
"""

from __future__ import annotations

from bianzhi.exchange.schemas import ROSTER, Column, Schema


def _col(key: str, header: str, *aliases: str, required: bool = False) -> Column:
    return Column(key, header, tuple(aliases), required)


PAYROLL = Schema(
    kind="payroll",
    title="财政工资统发明细",
    columns=(
        _col("month", "发放年月", "工资年月", "所属期", "发放月份"),
        _col("unit_name", "单位名称", "预算单位", "预算单位名称"),
        _col("uscc", "单位统一社会信用代码", "统一社会信用代码", "信用代码"),
        _col("name", "姓名", required=True),
        _col(
            "id_number",
            "身份证号码",
            "证件号码",
            "公民身份号码",
            "身份证号",
            required=True,
        ),
        _col("kind", "人员类别", "人员类型"),
        _col("gross", "应发工资", "应发合计", "应发"),
        _col("net", "实发工资", "实发合计", "实发", required=True),
    ),
    one_of=(("unit_name", "uscc"),),
)

SOCIAL = Schema(
    kind="social",
    title="社会保险缴费明细",
    columns=(
        _col("month", "缴费年月", "费款所属期", "所属期"),
        _col("unit_name", "参保单位名称", "单位名称"),
        _col("uscc", "参保单位统一社会信用代码", "统一社会信用代码", "信用代码"),
        _col("name", "姓名", required=True),
        _col(
            "id_number",
            "社会保障号码",
            "社保号码",
            "公民身份号码",
            "身份证号码",
            "证件号码",
            required=True,
        ),
        _col("insurance", "险种", "险种类型"),
        _col("base", "缴费基数"),
        _col("status", "缴费状态", "参保状态", required=True),
    ),
    one_of=(("unit_name", "uscc"),),
)

POPULATION = Schema(
    kind="population",
    title="公安人口信息核查结果",
    columns=(
        _col(
            "id_number",
            "公民身份号码",
            "身份证号码",
            "身份证号",
            "证件号码",
            required=True,
        ),
        _col("name", "姓名", required=True),
        _col("status", "人员状态", "状态", "核查结果", required=True),
        _col("changed_on", "状态变更日期", "变更日期"),
    ),
)

ROSTER_FILE = Schema(
    kind="roster",
    title=ROSTER.title,
    columns=(
        *ROSTER.columns,
        _col("approved", "核定编制数", "编制数"),
        _col("host_unit", "借调单位", "借调至单位"),
        _col("secondment_start", "借调开始日期", "借调起始日期"),
        _col("secondment_end", "借调结束日期", "借调终止日期"),
    ),
    one_of=ROSTER.one_of,
)

SCHEMAS: dict[str, Schema] = {
    "roster": ROSTER_FILE,
    "payroll": PAYROLL,
    "social": SOCIAL,
    "population": POPULATION,
}

SOURCE_LABELS: dict[str, str] = {
    "roster": "实名制人员信息",
    "payroll": "工资统发",
    "social": "社保缴费",
    "population": "公安人口信息",
}
