"""Units and quotas import (EXCHANGE §1): national region codes created with
their official names, parents resolved also when they come later, control
totals (increase_total where none is set, else grants from the reserve),
leader posts, repeated unit columns, re-import, nothing written on failure."""
# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

import datetime as dt

from bianzhi.core.errors import ErrorCode as E
from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import LeaderPostQuota, QuotaAccount, QuotaMovement

from ..roster.helpers import ADM, city, give, providers  # noqa: F401
from .import_files import TODAY, codes, counts, load, write_file

KEYS = [
    "unit_name", "region_code", "parent_name", "unit_kind", "rank", "institution_class",
    "category", "funding", "approved", "chief_posts", "deputy_posts", "leader_level",
    "doc_no", "approved_on",
]  # fmt: skip


def unit_row(name, **over) -> dict:
    row = {
        "unit_name": name,
        "region_code": "990100",
        "unit_kind": "政府部门",
        "rank": "正处",
        "category": "行政编制",
        "funding": "财政拨款",
        "approved": 5,
    }
    row.update(over)
    return row


def units_file(tmp_path, rows, name="units.xlsx"):
    return write_file(tmp_path / name, "units", rows, KEYS)


def approved(unit_name: str, category: str = ADM, funding: str = "full") -> int:
    return QuotaAccount.objects.get(
        unit__name=unit_name, category_id=category, funding=funding
    ).approved


def test_national_region_parent_after_child_totals_and_leader_posts(city, tmp_path):
    rows = [
        unit_row(
            "济南市历下区实验学校", region_code="370102", parent_name="济南市历下区教育局",
            unit_kind="事业单位", rank="正科级", institution_class="公益一类",
            category="事业编制", approved=30, doc_no="历编[2020]5号", approved_on="2020-09-01",
        ),
        unit_row(
            "济南市历下区教育局", region_code="370102", rank="正科", approved=12,
            chief_posts=1, deputy_posts=2,
        ),
        {"unit_name": "济南市历下区教育局", "region_code": "370102", "unit_kind": "政府部门",
         "category": "工勤", "funding": "全额拨款", "approved": 2},
    ]  # fmt: skip
    path = units_file(tmp_path, rows)
    before = counts()
    dry = load("units", path)
    assert dry.errors == [] and dry.accepted == 3 and counts() == before

    result = load("units", path, commit=True)
    assert result.errors == [] and result.committed
    region = Region.objects.get(pk="370102")
    assert (region.name, region.level, region.parent.name) == (
        "历下区",
        "county",
        "济南市",
    )
    assert region.parent.parent.name == "山东省" and not region.is_local
    school = Unit.objects.get(name="济南市历下区实验学校")
    bureau = Unit.objects.get(name="济南市历下区教育局")
    assert school.parent == bureau and school.institution_class == "public_welfare_1"
    # A parent exists before its children; grants never precede their unit.
    assert school.established_on == bureau.established_on == dt.date(2020, 9, 1)
    assert approved("济南市历下区实验学校", "institutional") == 30
    assert approved("济南市历下区教育局") == 12
    assert approved("济南市历下区教育局", "logistics") == 2
    totals = QuotaMovement.objects.filter(kind="increase_total", region_id="370102")
    pairs = totals.values_list("entries__account__category_id", "doc_no").distinct()
    assert sorted(pairs) == [
        ("administrative", "初始化导入"),
        ("institutional", "初始化导入"),
        ("logistics", "初始化导入"),
    ]
    grants = QuotaMovement.objects.filter(kind="grant", region_id="370102")
    assert set(grants.values_list("doc_no", "effective_date")) == {
        ("历编〔2020〕5号", dt.date(2020, 9, 1)),
        ("初始化导入", TODAY),  # no 批准文号: 初始化导入 with the import date
    }
    posts = LeaderPostQuota.objects.filter(unit=bureau)
    assert sorted(posts.values_list("kind", "level", "count")) == [
        ("chief", "township", 1),
        ("deputy", "township", 2),
    ]


def test_control_total_set_grants_from_reserve_and_refuses_beyond(city, tmp_path):
    give(city, ADM, "full", 10, region=True)
    ok = units_file(tmp_path, [unit_row("示例市甲局", approved=6)], "ok.xlsx")
    result = load("units", ok, commit=True)
    assert result.errors == [] and approved("示例市甲局") == 6
    # No second increase_total: the office's total stands.
    assert QuotaMovement.objects.filter(kind="increase_total").count() == 1

    rows = [unit_row("示例市乙局", approved=3), unit_row("示例市丙局", approved=2)]
    before = counts()
    result = load("units", units_file(tmp_path, rows, "short.xlsx"), commit=True)
    assert codes(result) == [(3, "核定编制数", E.QUOTA_NEGATIVE)]
    assert "只剩1名" in result.errors[0].problem
    assert counts() == before


def test_every_problem_reported_and_nothing_written(city, tmp_path):
    rows = [
        unit_row("示例市甲局", parent_name="示例市不存在委"),  # 2 unknown parent
        unit_row("示例市乙局"),  # 3
        unit_row("示例市乙局", rank="副处", category="工勤编制"),  # 4 disagrees
        unit_row("示例市乙局", funding="全额"),  # 5 duplicate account
        unit_row("示例市丙中心", unit_kind="事业单位", category="行政编制"),  # 6
        unit_row("示例市丁局", region_code="999999"),  # 7 unknown region
        unit_row("示例市戊局", doc_no="二〇二〇年五号", approved="五"),  # 8
        unit_row("示例市己局", funding="财政补贴"),  # 9 administrative is full only
    ]
    before = counts()
    result = load("units", units_file(tmp_path, rows), commit=True)
    assert codes(result) == [
        (2, "上级单位（主管部门）", E.UNIT_UNKNOWN),
        (4, "机构规格", E.VALUE_INVALID),
        (5, "编制类型", E.DUPLICATE_ROW),
        (6, "编制类型", E.CATEGORY_NOT_ALLOWED),
        (7, "行政区划代码", E.REGION_UNKNOWN),
        (8, "核定编制数", E.QUANTITY_INVALID),
        (8, "批准文号", E.DOC_NO_INVALID),
        (9, "经费形式", E.VALUE_INVALID),
    ]
    assert "第3行" in result.errors[1].problem and "第3行" in result.errors[2].problem
    assert "「正处」与「副处」" in result.errors[1].problem
    assert not result.committed and counts() == before


def test_valid_only_writes_the_good_units(city, tmp_path):
    rows = [
        unit_row("示例市甲局"),
        unit_row("示例市乙中心", unit_kind="事业单位", parent_name="示例市丙局"),
        unit_row("示例市丁局", unit_kind="未知类别"),
    ]
    result = load("units", units_file(tmp_path, rows), commit=True, valid_only=True)
    assert codes(result) == [
        (3, "上级单位（主管部门）", E.UNIT_UNKNOWN),
        (4, "机构类别", E.VALUE_INVALID),
    ]
    assert result.committed and result.accepted == 1
    assert list(Unit.objects.values_list("name", flat=True)) == ["示例市甲局"]


def test_reimport_same_file_and_same_units_again(city, tmp_path):
    rows = [unit_row("示例市甲局"), unit_row("示例市乙局", parent_name="示例市甲局")]
    path = units_file(tmp_path, rows)
    assert load("units", path, commit=True).committed
    before = counts()
    again = load("units", path, commit=True)
    assert again.duplicate and codes(again) == [(0, "", E.DUPLICATE_IMPORT)]
    # The same units in another file: refused unit by unit.
    other = write_file(tmp_path / "again.csv", "units", rows, KEYS)
    result = load("units", other, commit=True)
    assert codes(result) == [
        (2, "单位名称", E.DUPLICATE_IMPORT),
        (3, "单位名称", E.DUPLICATE_IMPORT),
    ]
    assert counts() == before


def test_a_unit_without_quota_is_one_row_with_the_quota_cells_empty(city, tmp_path):
    empty = {"category": None, "funding": None, "approved": None}
    rows = [
        unit_row(
            "示例市安全生产委员会", unit_kind="议事协调机构", rank="未定级", **empty
        ),
        unit_row("示例市甲局", category=None),  # one quota cell missing: refused
    ]
    result = load("units", units_file(tmp_path, rows), commit=True, valid_only=True)
    assert codes(result) == [(3, "编制类型", E.FIELD_REQUIRED)]
    body = Unit.objects.get()
    assert (body.name, body.kind) == ("示例市安全生产委员会", "coordination")
    assert not QuotaAccount.objects.filter(unit=body).exists()
