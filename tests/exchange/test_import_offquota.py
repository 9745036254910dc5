"""Off-quota staff import (EXCHANGE §2b) through roster.offquota_add."""
# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

import datetime as dt

from bianzhi.core.errors import ErrorCode as E
from bianzhi.roster.models import OffQuotaStaff

from ..roster.helpers import city, enroll, person_data, providers, units  # noqa: F401
from .import_files import TODAY, codes, counts, load, pid, write_file

KEYS = ["unit_name", "name", "id_number", "employment_form", "funding_source",
        "start_date", "end_date"]  # fmt: skip


def staff(n: int, **over) -> dict:
    row = {
        "unit_name": "示例市财政局",
        "name": f"编外{n}",
        "id_number": pid(n, birth="19900101"),
        "employment_form": "劳务派遣",
        "funding_source": "财政",
        "start_date": "2024-03-01",
        "end_date": "",
    }
    row.update(over)
    return row


def offquota_file(tmp_path, rows, name="staff.xlsx"):
    return write_file(tmp_path / name, "offquota", rows, KEYS)


def test_rows_recorded_ended_and_future_end_kept_in_remarks(units, tmp_path):
    rows = [
        staff(1),
        staff(
            2,
            employment_form="临时工",
            funding_source="自有资金",
            end_date="2025-12-31",
        ),
        staff(3, employment_form="聘用", end_date="2027-02-28"),
    ]
    path = offquota_file(tmp_path, rows)
    before = counts()
    assert load("offquota", path).errors == [] and counts() == before
    result = load("offquota", path, commit=True)
    assert result.errors == [] and result.committed and result.accepted == 3
    first, ended, future = OffQuotaStaff.objects.order_by("name")
    assert (first.employment_form, first.funding_source, first.end_date) == (
        "dispatch", "public", None,
    )  # fmt: skip
    assert (ended.employment_form, ended.funding_source) == ("temporary", "own")
    assert ended.end_date == dt.date(2025, 12, 31)
    assert future.end_date is None and "2027-02-28" in future.remarks
    assert first.start_date == dt.date(2024, 3, 1) and first.unit == units["bureau"]


def test_bad_rows_posted_people_and_reimport(units, tmp_path):
    enroll(units["bureau"], person_data(1), today=TODAY)
    posted = person_data(1)["id_number"]
    rows = [
        staff(1, id_number=posted),  # 2 in post
        staff(2, employment_form="包工头"),  # 3
        staff(3, unit_name="示例市不存在局", start_date="2024-13-01"),  # 4
        staff(4, end_date="2020-01-01"),  # 5 before start
        staff(5),  # 6
        staff(5, name="重复"),  # 7 same unit, same person
    ]
    before = counts()
    result = load("offquota", offquota_file(tmp_path, rows), commit=True)
    assert codes(result) == [
        (2, "公民身份号码", E.PERSON_ALREADY_POSTED),
        (3, "用工形式", E.VALUE_INVALID),
        (4, "单位名称", E.UNIT_UNKNOWN),
        (4, "起始日期", E.DATE_INVALID),
        (5, "终止日期", E.DATE_INVALID),
        (7, "公民身份号码", E.DUPLICATE_ROW),
    ]
    assert counts() == before

    ok = offquota_file(tmp_path, [staff(5), staff(6)], "ok.xlsx")
    assert load("offquota", ok, commit=True).committed
    before = counts()
    again = load(
        "offquota", offquota_file(tmp_path, [staff(6)], "again.csv"), commit=True
    )
    assert codes(again) == [(2, "公民身份号码", E.DUPLICATE_IMPORT)]
    assert counts() == before
