"""`bianzhi stats`: --list, an export per format, unknown form, bad date,
unknown region, empty selection."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from bianzhi.stats.base import all_forms


def run(*args) -> str:
    out = io.StringIO()
    call_command("stats", *args, stdout=out)
    return out.getvalue()


def test_list_prints_one_form_per_line(db):
    lines = run("--list").strip().splitlines()
    assert lines == [f"{f.name} {f.title}" for f in all_forms()]
    assert "overview 机构编制总体情况表" in lines
    assert "ledger 编制变动台账" in lines
    assert len(lines) >= 4


def test_export_each_format(world, tmp_path):
    for suffix in ("xlsx", "csv", "json", "pdf"):
        out = tmp_path / f"f.{suffix}"
        text = run(
            "overview", "--out", str(out), "--as-of", "2026-06-15", "--region", "990100"
        )
        assert "机构编制总体情况表" in text
        assert out.stat().st_size > 0
    records = json.loads((tmp_path / "f.json").read_text("utf-8"))
    assert isinstance(records, list) and records[0]["name"] == "示例区"
    assert (tmp_path / "f.pdf").read_bytes().startswith(b"%PDF")
    ws = openpyxl.load_workbook(tmp_path / "f.xlsx").active
    assert ws["A1"].value == "机构编制总体情况表"
    out = tmp_path / "u.json"
    run(
        "unit_usage",
        "--out",
        str(out),
        "--unit",
        str(world.bureau.pk),
        "--as-of",
        "2026-06-15",
    )
    assert json.loads(out.read_text("utf-8"))[0]["name"] == "示例市财政局"
    out = tmp_path / "l.csv"
    run("ledger", "--out", str(out), "--as-of", "2026-06-15", "--from", "2020-01-01")
    assert "示编〔2026〕7号" in out.read_text("utf-8-sig")


def test_unknown_form(db, tmp_path):
    with pytest.raises(CommandError) as info:
        run("nosuchform", "--out", str(tmp_path / "x.json"))
    assert "FORM_UNKNOWN" in str(info.value)
    assert "没有名为「nosuchform」的统计表" in str(info.value)
    assert not (tmp_path / "x.json").exists()


def test_bad_date(db, tmp_path):
    with pytest.raises(CommandError) as info:
        run("overview", "--out", str(tmp_path / "x.json"), "--as-of", "2026-13-45")
    assert "DATE_INVALID" in str(info.value)


def test_unknown_region_and_format(db, tmp_path):
    with pytest.raises(CommandError) as info:
        run("overview", "--out", str(tmp_path / "x.json"), "--region", "999999")
    assert "REGION_UNKNOWN" in str(info.value)
    with pytest.raises(CommandError):
        run("overview", "--out", str(tmp_path / "x.txt"))


def test_exit_code_is_one(db, tmp_path):
    """Through the console entry point: unknown form → exit 1, Chinese message."""
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bianzhi.cli",
            "stats",
            "nosuchform",
            "--out",
            str(tmp_path / "x.csv"),
        ],
        capture_output=True,
        text=True,
        env={
            **__import__("os").environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
        },
    )
    assert done.returncode == 1
    assert "统计表" in done.stderr


def test_empty_selection_writes_valid_files(world, tmp_path):
    for suffix in ("xlsx", "csv", "json"):
        out = tmp_path / f"e.{suffix}"
        run(
            "leader_posts",
            "--out",
            str(out),
            "--region",
            "990103",
            "--as-of",
            "2026-06-15",
        )
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "e.json").read_text("utf-8")) == []


def test_year_over_year(world, tmp_path):
    out = tmp_path / "yoy.json"
    run(
        "overview",
        "--out",
        str(out),
        "--as-of",
        "2026-06-15",
        "--region",
        "990100",
        "--yoy",
    )
    records = json.loads(out.read_text("utf-8"))
    district = records[0]
    assert district["name"] == "示例区"
    # 2025-06-15: the district unit had its one early person; 2026-06-15: two.
    assert (
        district["occupied"],
        district["occupied__prev"],
        district["occupied__diff"],
    ) == (
        2,
        1,
        1,
    )
    with pytest.raises(CommandError) as info:
        run("ledger", "--out", str(tmp_path / "l.json"), "--yoy")
    assert "不提供同比" in str(info.value)
