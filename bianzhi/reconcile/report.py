"""Reconciliation reports (EXCHANGE.md Outputs): xlsx with a per-unit
summary and one sheet per rule (evidence columns from each source), and a
flat CSV with one finding per row.

Both stream the findings from the database (values_list + iterator), so a
province's tens of thousands of findings never sit in memory as objects.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import xlsxwriter

from .models import FindingStatus, ReconcileRun
from .rules import RULE_ORDER, RULES
from .schemas import SOURCE_LABELS
from .selectors import counts_by_rule, counts_by_unit, findings

EVIDENCE_SOURCES = (
    ("roster", "实名制"),
    ("offquota", "编外人员"),
    ("secondment", "借调"),
    ("payroll", "工资统发"),
    ("social", "社保缴费"),
    ("population", "公安人口信息"),
)
STATUS_LABELS = dict(FindingStatus.choices)
CSV_HEADER = [
    "rule",
    "规则名称",
    "公民身份号码",
    "姓名",
    "单位名称",
    "说明",
    "核查状态",
    *[label for _, label in EVIDENCE_SOURCES],
]


def evidence_text(rows) -> str:
    """A source's evidence rows as one cell: 「行号 3，单位名称 甲局…」, rows split by " | "."""
    if not rows:
        return ""
    if isinstance(rows, dict):
        rows = [rows]
    return " | ".join("，".join(f"{k} {v}" for k, v in row.items()) for row in rows)


def _rows(run: ReconcileRun, rule: str | None = None) -> Iterator[tuple]:
    qs = findings(run, rule=rule).values_list(
        "rule",
        "id_number",
        "person_name",
        "unit_name",
        "explanation",
        "status",
        "evidence",
    )
    yield from qs.iterator(chunk_size=2000)


def _line(row: tuple) -> list:
    rule, id_number, name, unit, explanation, status, evidence = row
    evidence = evidence or {}
    return [
        rule,
        RULES.get(rule, ""),
        id_number,
        name,
        unit,
        explanation,
        STATUS_LABELS.get(status, status),
        *[evidence_text(evidence.get(source)) for source, _ in EVIDENCE_SOURCES],
    ]


def write_csv(run: ReconcileRun, path) -> int:
    """One finding per row (UTF-8 with BOM, so Excel opens it); returns rows."""
    count = 0
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in _rows(run):
            writer.writerow(_line(row))
            count += 1
    return count


def write_xlsx(run: ReconcileRun, path) -> int:
    """说明 (run facts), 单位汇总 (per unit × rule) and one sheet per rule
    R1–R11 (skipped rules say why). Returns the number of findings written."""
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    title = workbook.add_format({"bold": True, "font_size": 14})
    text = workbook.add_format({"num_format": "@"})
    month = f"{run.month:%Y年%m月}"

    info = workbook.add_worksheet("说明")
    info.write(0, 0, f"{month}数据比对结果", title)
    facts = [
        ("比对月份", f"{run.month:%Y-%m}"),
        ("实名制来源", run.get_roster_source_display()),
        ("实名制人数", run.persons),
        ("疑点总数", run.findings_total),
        ("比对人", run.created_by_name),
        (
            "完成时间",
            run.finished_at.strftime("%Y-%m-%d %H:%M:%S") if run.finished_at else "",
        ),
    ]
    line = 2
    for label, value in facts:
        info.write(line, 0, label, bold)
        info.write(line, 1, value)
        line += 1
    line += 1
    info.write_row(line, 0, ["数据", "文件名", "行数", "SHA-256"], bold)
    for item in run.inputs or []:
        line += 1
        info.write_row(
            line,
            0,
            [
                SOURCE_LABELS.get(item.get("source"), item.get("source")),
                item.get("filename"),
                item.get("rows"),
                item.get("sha256"),
            ],
        )
    line += 2
    info.write_row(line, 0, ["规则", "规则名称", "疑点数", "说明"], bold)
    for row in counts_by_rule(run):
        line += 1
        note = ("未执行：" if row["skipped"] else "") + row["reason"]
        info.write_row(
            line,
            0,
            [row["rule"], row["label"], "" if row["skipped"] else row["count"], note],
        )
    info.set_column(0, 0, 12)
    info.set_column(1, 1, 36)
    info.set_column(3, 3, 66)

    summary = workbook.add_worksheet("单位汇总")
    summary.write_row(0, 0, ["单位名称", *RULE_ORDER, "合计"], bold)
    for i, row in enumerate(counts_by_unit(run), start=1):
        summary.write(i, 0, row["unit_name"] or "（未识别单位）")
        summary.write_row(i, 1, [row[r] for r in RULE_ORDER] + [row["total"]])
    summary.set_column(0, 0, 36)
    summary.freeze_panes(1, 1)

    skipped = {s["rule"]: s for s in run.skipped or [] if not s.get("partial")}
    header = [
        "公民身份号码",
        "姓名",
        "单位名称",
        "说明",
        "核查状态",
        *[label for _, label in EVIDENCE_SOURCES],
    ]
    total = 0
    for rule in RULE_ORDER:
        sheet = workbook.add_worksheet(f"{rule} {RULES[rule]}"[:31])
        if rule in skipped:
            sheet.write(0, 0, f"未执行：{skipped[rule]['reason']}")
            continue
        sheet.write_row(0, 0, header, bold)
        sheet.freeze_panes(1, 0)
        sheet.set_column(0, 0, 21, text)
        sheet.set_column(2, 2, 28)
        sheet.set_column(3, 3, 60)
        sheet.set_column(5, 10, 40)
        for i, row in enumerate(_rows(run, rule), start=1):
            line_values = _line(row)
            sheet.write_string(i, 0, line_values[2] or "")
            sheet.write_row(i, 1, line_values[3:])
            total += 1
    workbook.close()
    return total


def write_report(run: ReconcileRun, path) -> int:
    """By suffix: .xlsx or .csv."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return write_csv(run, path)
    return write_xlsx(run, path)
