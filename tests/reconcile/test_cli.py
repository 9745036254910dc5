"""`bianzhi reconcile` through call_command: outputs and exit status."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from bianzhi.reconcile.models import ReconcileRun

from .files import MONTH, PAY_HEADER, A, dataset, pid, write


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("reconcile", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    return dataset(tmp_path)


def _args(files, out, *extra):
    return [
        "--roster",
        str(files["roster"]),
        "--payroll",
        str(files["payroll"]),
        "--social",
        str(files["social"]),
        "--population",
        str(files["population"]),
        "--month",
        MONTH,
        "--out",
        str(out),
        *extra,
    ]


def test_csv_report_and_json_summary(db, files, tmp_path):
    out = tmp_path / "out.csv"
    stdout, stderr = run_cli(*_args(files, out, "--json"))
    summary = json.loads(stdout)
    assert summary["counts"] == {
        "R1": 1,
        "R2": 1,
        "R3": 1,
        "R4": 1,
        "R5": 1,
        "R6": 1,
        "R7": 1,
        "R8": 1,
        "R9": 1,
        "R10": 2,
        "R11": 1,
    }
    assert summary["skipped"] == []
    assert "100%" in stderr  # the progress bar
    with out.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert {"rule", "公民身份号码", "单位名称", "说明"} <= set(rows[0])
    assert len(rows) == summary["findings"] == 12
    assert {r["rule"] for r in rows} == {f"R{i}" for i in range(1, 12)}
    r7 = next(r for r in rows if r["rule"] == "R7")
    assert r7["公民身份号码"] == pid(7) and r7["单位名称"] == A and "乙局" in r7["说明"]
    run = ReconcileRun.objects.get(pk=summary["run_id"])
    assert run.created_by_name == "命令行比对" and run.roster_source == "file"


def test_xlsx_report_has_a_sheet_per_rule_and_a_unit_summary(db, tmp_path):
    files = dataset(tmp_path)
    files.pop("social")
    out = tmp_path / "out.xlsx"
    args = [
        "--roster",
        str(files["roster"]),
        "--payroll",
        str(files["payroll"]),
        "--population",
        str(files["population"]),
        "--month",
        MONTH,
        "--out",
        str(out),
    ]
    stdout, _ = run_cli(*args)
    assert "R8 未执行：未提供社保缴费数据" in stdout
    workbook = load_workbook(out, read_only=True)
    names = workbook.sheetnames
    assert names[:2] == ["说明", "单位汇总"]
    assert [n.split()[0] for n in names[2:]] == [f"R{i}" for i in range(1, 12)]
    r8 = workbook[next(n for n in names if n.startswith("R8"))]
    assert next(r8.iter_rows(values_only=True))[0].startswith("未执行")
    r1 = list(
        workbook[next(n for n in names if n.startswith("R1 "))].iter_rows(
            values_only=True
        )
    )
    assert r1[0][:4] == ("公民身份号码", "姓名", "单位名称", "说明")
    assert r1[1][0] == pid(40, "19900101")
    summary = list(workbook["单位汇总"].iter_rows(values_only=True))
    assert summary[0][0] == "单位名称" and summary[0][-1] == "合计"


def test_bad_input_exits_1_with_the_chinese_message(db, tmp_path, files):
    bad = write(
        tmp_path / "bad.csv", PAY_HEADER, [["2026-09", A, "张伟", pid(1), "在编", 1]]
    )
    with pytest.raises(SystemExit) as info:
        run_cli(
            "--roster",
            str(files["roster"]),
            "--payroll",
            str(bad),
            "--month",
            MONTH,
            "--out",
            str(tmp_path / "o.csv"),
        )
    assert info.value.code == 1
    assert ReconcileRun.objects.count() == 0
    assert not (tmp_path / "o.csv").exists()
    with pytest.raises(SystemExit):
        run_cli("--month", MONTH, "--out", str(tmp_path / "o.txt"))
