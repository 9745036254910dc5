"""`bianzhi import units|roster|offquota FILE`: dry run by default, Chinese
summary with row/column, exit 1 on errors, --commit / --valid-only /
--accept-excess / --report / --json."""
# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import call_command

from bianzhi import cli
from bianzhi.core.errors import ErrorCode as E
from bianzhi.roster.models import Person

from ..roster.helpers import account, city, providers, units  # noqa: F401
from .import_files import counts, person, pid, roster_file


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("import_data", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue()
    return 0, out.getvalue()


def test_dry_run_by_default_then_commit(units, tmp_path):
    path = str(roster_file(tmp_path, [person(1), person(2)]))
    before = counts()
    status, out = run("roster", path)
    assert status == 0 and "检查通过，未写入任何数据" in out and "数据行：2" in out
    assert counts() == before
    status, out = run("roster", path, "--commit")
    assert status == 0 and "已写入2行" in out
    assert Person.objects.count() == 2
    status, out = run("roster", path, "--commit")
    assert status == 1 and "该文件已导入" in out


def test_errors_exit_1_with_row_and_column_and_nothing_written(units, tmp_path):
    bad = pid(2)[:17] + ("0" if pid(2)[17] != "0" else "1")
    rows = [person(1), person(2, id_number=bad), person(3, identity="合同工")]
    path = str(roster_file(tmp_path, rows))
    report = tmp_path / "错误.xlsx"
    before = counts()
    status, out = run("roster", path, "--commit", "--report", str(report))
    assert status == 1
    assert "行 3 列「公民身份号码」: 公民身份号码无效：校验位错误" in out
    assert "行 4 列「人员身份」" in out and "未写入任何数据" in out
    assert counts() == before
    sheet = openpyxl.load_workbook(report)["错误清单"]
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [3, 4]

    status, out = run("roster", path, "--commit", "--valid-only")
    assert status == 1 and "已写入1行" in out
    assert list(Person.objects.values_list("id_number", flat=True)) == [pid(1)]


def test_accept_excess_and_json(units, tmp_path):
    rows = [person(n) for n in range(1, 8)]  # 示例市财政局 administrative: 5
    path = str(roster_file(tmp_path, rows))
    status, out = run("roster", path, "--json")
    data = json.loads(out)
    assert status == 1 and data["dry_run"] and data["by_code"] == {E.QUOTA_FULL: 2}
    assert [e["line"] for e in data["errors"]] == [7, 8]
    status, out = run("roster", path, "--commit", "--accept-excess", "--json")
    data = json.loads(out)
    assert status == 0 and data["committed"] and data["accepted"] == 7
    assert account(units["bureau"]).occupied == 7


def test_bianzhi_import_maps_to_the_command(units, tmp_path, capsys):
    path = str(roster_file(tmp_path, [person(1)]))
    cli.main(["import", "roster", path])
    assert "检查通过" in capsys.readouterr().out
    missing = str(tmp_path / "nope.xlsx")
    with pytest.raises(SystemExit) as info:
        cli.main(["import", "units", missing])
    assert info.value.code == 1
    assert "无法读取文件" in capsys.readouterr().out
