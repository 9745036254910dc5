"""Refused inputs: a Chinese message with the error code, nothing written."""

from __future__ import annotations

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.models import AuditEvent
from bianzhi.reconcile.models import Finding, ReconcileRun
from bianzhi.reconcile.services import reconcile_run

from .files import MONTH, PAY_HEADER, ROSTER_HEADER, A, person, pid, write

SYSTEM = Actor.system("测试")


@pytest.fixture
def roster(tmp_path):
    return write(tmp_path / "roster.csv", ROSTER_HEADER, [person(A, 1, "张伟")])


def refused(code, **sources):
    before = (
        ReconcileRun.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
    )
    with pytest.raises(ApplicationError) as info:
        reconcile_run(actor=SYSTEM, month=MONTH, **sources)
    assert info.value.code == code, info.value.message
    after = (
        ReconcileRun.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
    return info.value.message


def test_wrong_columns_name_what_is_missing(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.csv",
        ["姓名", "身份证号码", "单位名称", "金额"],
        [["张伟", pid(1), A, 1]],
    )
    message = refused("HEADER_UNRESOLVED", roster_path=roster, payroll=payroll)
    assert "实发工资" in message


def test_mixed_months_in_payroll(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [
            ["202610", A, "张伟", pid(1), "在编", 1],
            ["2026年9月", A, "张伟", pid(1), "在编", 1],
        ],
    )
    message = refused("MONTH_MIXED", roster_path=roster, payroll=payroll)
    assert "2026年9月" in message and "2026年10月" in message


def test_payroll_of_another_month(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.csv", PAY_HEADER, [["2026-09", A, "张伟", pid(1), "在编", 1]]
    )
    refused("MONTH_MISMATCH", roster_path=roster, payroll=payroll)


def test_ids_stored_as_excel_numbers_csv(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.csv",
        PAY_HEADER,
        [["202610", A, "张伟", "1.10105E+17", "在编", 1]],
    )
    message = refused("ID_INVALID", roster_path=roster, payroll=payroll)
    assert "第2行" in message and "文本" in message


def test_ids_stored_as_excel_numbers_xlsx(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.xlsx",
        PAY_HEADER,
        [["202610", A, "张伟", float(pid(1)[:17] + "1"), "在编", 1]],
    )
    message = refused("ID_INVALID", roster_path=roster, payroll=payroll)
    assert "丢失位数" in message


def test_empty_file(db, tmp_path, roster):
    empty = tmp_path / "p.csv"
    empty.write_bytes(b"")
    refused("FILE_UNREADABLE", roster_path=roster, payroll=empty)
    header_only = write(tmp_path / "h.csv", PAY_HEADER, [])
    message = refused("FILE_UNREADABLE", roster_path=roster, payroll=header_only)
    assert "没有数据行" in message


def test_same_file_as_two_sources(db, tmp_path, roster):
    payroll = write(
        tmp_path / "p.csv", PAY_HEADER, [["202610", A, "张伟", pid(1), "在编", 1]]
    )
    copy = tmp_path / "copy.csv"
    copy.write_bytes(payroll.read_bytes())  # another name, the same content
    message = refused(
        "SOURCE_DUPLICATE", roster_path=roster, payroll=payroll, social=copy
    )
    assert "同一个文件" in message and "copy.csv" in message


def test_bad_month_argument(db, roster):
    with pytest.raises(ApplicationError) as info:
        reconcile_run(actor=SYSTEM, month="2026-13", roster_path=roster)
    assert info.value.code == "DATE_INVALID"
    assert ReconcileRun.objects.count() == 0


def test_unit_hr_may_not_run(db, roster):
    hr = Actor(user_id=9, name="人事", role="unit_hr", scope="unit:1")
    with pytest.raises(ApplicationError) as info:
        reconcile_run(actor=hr, month=MONTH, roster_path=roster)
    assert info.value.code == "ROLE_FORBIDDEN"
