"""Roster import (EXCHANGE §2): every content problem of issue 4 reported with
its row and column, the bulk rules row by row, all-or-nothing vs valid-only
in file order, --accept-excess, re-import, and nothing written on failure."""
# ruff: noqa: F811  (fixtures imported by name)

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from stdnum.cn.uscc import calc_check_digit as uscc_check

from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.exchange.models import ImportRun
from bianzhi.exchange.services import import_run_create
from bianzhi.roster.bulk_plan import EXCESS_REASON
from bianzhi.roster.models import Person, Posting

from ..roster.helpers import (  # noqa: F401
    OFFICE,
    account,
    city,
    enroll,
    person_data,
    providers,
    units,
)
from .import_files import (
    ROSTER_KEYS,
    SYSTEM,
    TODAY,
    codes,
    counts,
    load,
    person,
    pid,
    roster_file,
    write_file,
)

ID_COL, BIRTH_COL = "公民身份号码", "出生日期"
USCC = "11990100MB0000001" + uscc_check("11990100MB0000001")


def test_valid_file_dry_run_writes_nothing_commit_writes_each_person(units, tmp_path):
    path = roster_file(tmp_path, [person(1), person(2, gender="", birth_date="")])
    before = counts()
    result = load("roster", path)
    assert (result.rows, result.accepted, result.refused, result.errors) == (
        2,
        2,
        0,
        [],
    )
    assert result.dry_run and not result.committed
    assert counts() == before  # the dry run rolled everything back

    result = load("roster", path, commit=True)
    assert result.committed and result.accepted == 2 and result.run_id
    posting = Posting.objects.get(person__id_number=pid(1))
    assert posting.start_date == TODAY  # the load date
    assert posting.entered_unit_on == dt.date(2012, 7, 1)
    assert posting.unit == units["bureau"] and posting.channel == "initial_load"
    second = Person.objects.get(id_number=pid(2))
    assert (second.gender, second.birth_date) == (
        "M",
        dt.date(1985, 6, 7),
    )  # from the ID
    assert account(units["bureau"]).occupied == 2
    # One audit event per person (batch) + the run's create and finish.
    run = ImportRun.objects.get(pk=result.run_id)
    assert (run.status, run.commit, run.accepted) == ("done", True, 2)
    assert (
        AuditEvent.objects.filter(
            batch_id=run.batch_id, operation="person_enroll"
        ).count()
        == 2
    )
    assert AuditEvent.objects.count() == before["AuditEvent"] + 4


def test_wrong_checksum_and_number_ids_are_refused_with_row_and_column(units, tmp_path):
    bad = pid(2)[:17] + ("0" if pid(2)[17] != "0" else "1")
    rows = [person(1), person(2, id_number=bad), person(3, id_number=1.10105198506e17)]
    path = roster_file(tmp_path, rows)
    before = counts()
    result = load("roster", path, commit=True)
    assert codes(result) == [(3, ID_COL, E.ID_INVALID), (4, ID_COL, E.ID_INVALID)]
    assert (
        result.errors[0].text == "行 3 列「公民身份号码」: 公民身份号码无效：校验位错误"
    )
    assert "丢失位数" in result.errors[1].problem
    assert result.errors[0].value == bad
    assert not result.committed and counts() == before


def test_birth_date_mismatch_needs_a_certified_basis(units, tmp_path):
    keys = [*ROSTER_KEYS, "certified_basis"]
    rows = [
        person(1, birth_date="1985-03-01"),
        person(
            2,
            birth_date="1985-03-01",
            certified_basis="干部档案最早记载（1992年招工表）",
        ),
        person(3, birth_date="1985.06"),  # 出生年月 of the ID's month: fine
        person(4, birth_date="198507"),  # month only, another month: mismatch
    ]
    path = write_file(tmp_path / "r.xlsx", "roster", rows, keys)
    result = load("roster", path, commit=True, valid_only=True)
    assert codes(result) == [
        (2, BIRTH_COL, E.BIRTH_DATE_MISMATCH),
        (5, BIRTH_COL, E.BIRTH_DATE_MISMATCH),
    ]
    certified = Person.objects.get(id_number=pid(2))
    assert certified.birth_date == dt.date(1985, 6, 7)
    assert certified.certified_birth_date == dt.date(1985, 3, 1)
    assert certified.certified_basis.startswith("干部档案")
    month = Person.objects.get(id_number=pid(3))
    assert month.certified_birth_date == month.birth_date == dt.date(1985, 6, 7)


def test_gender_must_agree_with_the_id(units, tmp_path):
    result = load("roster", roster_file(tmp_path, [person(1, gender="女")]))
    assert codes(result) == [(2, "性别", E.ID_MISMATCH)]


def test_unit_by_name_or_credit_code_both_must_agree(units, tmp_path):
    from bianzhi.orgs import services as orgs

    uscc = USCC
    orgs.unit_change_attributes(
        actor=OFFICE, unit=units["other"], changes={"uscc": uscc},
        doc_no="示编〔2026〕9号", effective_date=TODAY, today=TODAY,
    )  # fmt: skip
    keys = ["unit_name", "uscc", *ROSTER_KEYS[2:]]
    rows = [
        person(1, unit="示例市不存在局"),
        person(2, unit="", uscc=uscc),
        person(3, unit="示例市审计局", uscc=uscc),
        person(4, unit="示例市财政局", uscc=uscc),
        person(5, unit=" 示例市 财政局 "),
    ]
    path = write_file(tmp_path / "r.xlsx", "roster", rows, keys)
    result = load("roster", path, commit=True, valid_only=True)
    assert codes(result) == [
        (2, "单位名称", E.UNIT_UNKNOWN),
        (5, "单位名称", E.UNIT_UNKNOWN),
    ]
    assert "不一致" in result.errors[1].problem
    assert Posting.objects.filter(unit=units["other"]).count() == 2
    assert Posting.objects.get(person__id_number=pid(5)).unit == units["bureau"]


def test_unknown_values_and_empty_required_cells_all_reported(units, tmp_path):
    rows = [
        person(1, category="编外编制", funding="银行贷款", identity="合同工"),
        person(2, name="", identity=""),
        person(3, ethnicity="火星族", work_start_date=""),
    ]
    result = load("roster", roster_file(tmp_path, rows), commit=True)
    assert codes(result) == [
        (2, "人员身份", E.VALUE_INVALID),
        (2, "编制类型", E.VALUE_INVALID),
        (2, "经费形式", E.VALUE_INVALID),
        (3, "姓名", E.FIELD_REQUIRED),
        (3, "人员身份", E.FIELD_REQUIRED),
        (4, "民族", E.VALUE_INVALID),
        (4, "参加工作时间", E.FIELD_REQUIRED),
    ]
    assert "可选：" in result.errors[1].problem
    assert result.refused == 3 and Person.objects.count() == 0


def test_duplicate_rows_name_the_first(units, tmp_path):
    rows = [
        person(1),
        person(2),
        person(1),
        person(3, unit="示例市审计局", id_number=pid(2)),
    ]
    result = load("roster", roster_file(tmp_path, rows))
    assert codes(result) == [(4, ID_COL, E.DUPLICATE_ROW), (5, ID_COL, E.DUPLICATE_ROW)]
    assert "第2行" in result.errors[0].problem and "第3行" in result.errors[1].problem


def test_quota_breach_refused_per_row_all_or_nothing(units, tmp_path):
    rows = [person(n) for n in range(1, 8)]  # 示例市财政局 administrative: 5
    before = counts()
    result = load("roster", roster_file(tmp_path, rows), commit=True)
    assert codes(result) == [
        (7, "编制类型", E.QUOTA_FULL),
        (8, "编制类型", E.QUOTA_FULL),
    ]
    assert not result.committed and counts() == before


def test_valid_only_takes_rows_in_file_order(units, tmp_path):
    rows = [person(n) for n in range(1, 9)]
    rows[2]["identity"] = "合同工"  # row 4 is invalid: it does not take a post
    result = load("roster", roster_file(tmp_path, rows), commit=True, valid_only=True)
    assert codes(result) == [
        (4, "人员身份", E.VALUE_INVALID),
        (8, "编制类型", E.QUOTA_FULL),
        (9, "编制类型", E.QUOTA_FULL),
    ]
    taken = set(Person.objects.values_list("id_number", flat=True))
    assert taken == {pid(n) for n in (1, 2, 4, 5, 6)}
    assert result.committed and result.accepted == 5 and result.refused == 3
    assert ImportRun.objects.get(pk=result.run_id).refused == 3


def test_accept_excess_loads_and_flags_the_account(units, tmp_path):
    rows = [person(n) for n in range(1, 8)]
    result = load(
        "roster", roster_file(tmp_path, rows), commit=True, accept_excess=True
    )
    assert result.errors == [] and result.committed
    bureau = account(units["bureau"])
    assert (bureau.occupied, bureau.approved) == (7, 5)
    assert (bureau.over_since, bureau.over_reason) == (TODAY, EXCESS_REASON)


def test_one_id_in_two_units_and_reimport_of_same_content(units, tmp_path):
    enroll(units["other"], person_data(1, name="已在编"), today=TODAY)
    existing = Person.objects.get().id_number
    rows = [person(1, id_number=existing), person(2)]
    result = load("roster", roster_file(tmp_path, rows), commit=True)
    assert codes(result) == [(2, ID_COL, E.PERSON_ALREADY_POSTED)]
    assert "示例市审计局" in result.errors[0].problem
    assert "重复导入" not in result.errors[0].problem

    # The same people again from another file: nothing is duplicated.
    load("roster", roster_file(tmp_path, [person(2), person(3)]), commit=True)
    before = counts()
    again = load(
        "roster", roster_file(tmp_path, [person(3)], name="again.xlsx"), commit=True
    )
    assert codes(again) == [(2, ID_COL, E.PERSON_ALREADY_POSTED)]
    assert "疑为重复导入" in again.errors[0].problem
    assert counts() == before


def test_reimport_of_the_same_file_is_detected(units, tmp_path):
    path = roster_file(tmp_path, [person(1), person(2)])
    first = load("roster", path, commit=True)
    assert first.committed
    before = counts()
    for commit in (True, False):
        again = load("roster", path, commit=commit)
        assert again.duplicate and not again.committed
        assert codes(again) == [(0, "", E.DUPLICATE_IMPORT)]
        assert f"导入任务{first.run_id}" in again.errors[0].problem
    assert counts() == before


def test_civil_servant_into_institutional_quota(units, tmp_path):
    rows = [
        person(1, unit="示例市第一中学", category="事业编制"),
        person(
            2,
            unit="示例市第一中学",
            category="事业",
            identity="事业人员",
            rank="专技岗十级",
        ),
        person(
            3, unit="示例市第一中学", category="事业编制", identity="事业人员", rank=""
        ),
    ]
    result = load("roster", roster_file(tmp_path, rows), commit=True, valid_only=True)
    assert codes(result) == [
        (2, "编制类型", E.CATEGORY_MISMATCH),
        (4, "职级", E.FIELD_REQUIRED),
    ]
    assert Person.objects.get().post_type == "professional"  # from 专技岗十级


def test_age_at_entry_and_unexpected_cell_values(units, tmp_path):
    rows = [
        person(
            1,
            id_number=pid(1, birth="20000101"),
            birth_date="",
            entered_unit_on="2015-03-01",
        ),
        person(2, identity=dt.datetime(2020, 1, 1), name=True, funding=3.5),
        person(3, entered_unit_on="2099-01-01"),
    ]
    result = load("roster", roster_file(tmp_path, rows))
    assert codes(result) == [
        (2, BIRTH_COL, E.AGE_OUT_OF_RANGE),
        (3, "人员身份", E.VALUE_INVALID),
        (3, "经费形式", E.VALUE_INVALID),
        (4, "进入本单位时间", E.DATE_INVALID),
    ]


def test_rare_names_survive_a_gb18030_csv(units, tmp_path):
    rows = [person(1, name="𠮷明"), person(2, name="刘䶮")]
    path = tmp_path / "gb.csv"
    headers = [r for r in ROSTER_KEYS]
    from bianzhi.exchange.schemas import ROSTER

    lines = [[ROSTER.header_of(k) for k in headers]]
    lines += [[str(row.get(k, "")) for k in headers] for row in rows]
    path.write_bytes("\n".join(",".join(line) for line in lines).encode("gb18030"))
    result = load("roster", path, commit=True)
    assert result.errors == []
    assert set(Person.objects.values_list("name", flat=True)) == {"𠮷明", "刘䶮"}


def test_error_report_sorted_with_values_as_typed(units, tmp_path):
    bad = pid(5)[:17] + ("0" if pid(5)[17] != "0" else "1")
    rows = [
        person(1),
        person(2, identity="合同工"),
        person(3, id_number=bad),
        person(1),
    ]
    out = tmp_path / "out" / "报告.xlsx"
    result = load("roster", roster_file(tmp_path, rows), report_path=out)
    assert out.exists() and len(result.errors) == 3
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["错误清单", "汇总"]
    sheet = [list(r) for r in book["错误清单"].iter_rows(values_only=True)]
    assert sheet[0] == ["行号", "列", "值", "问题", "错误代码"]
    assert [r[0] for r in sheet[1:]] == [3, 4, 5]
    assert sheet[2][2] == bad and isinstance(sheet[2][2], str)
    summary = {r[0]: r[1] for r in book["汇总"].iter_rows(values_only=True) if r[0]}
    assert summary["文件名"] == "roster.xlsx" and summary["数据行数"] == 4
    assert summary["文件SHA-256"] == result.sha256


def test_a_web_run_records_status_progress_and_report(units, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    rows = [person(n) for n in range(1, 4)] + [person(9, identity="合同工")]
    path = roster_file(tmp_path, rows)
    run = import_run_create(
        actor=OFFICE, kind="roster", filename="名册.xlsx", path=path, commit=True
    )
    assert run.status == "queued"
    seen = []
    result = load(
        "roster", path, run=run, actor=run.actor, commit=True,
        progress=lambda d, t: seen.append(d),
    )  # fmt: skip
    run.refresh_from_db()
    assert result.run_id == run.pk and not result.committed
    assert (run.status, run.commit, run.rows_done, run.refused) == (
        "failed",
        False,
        4,
        1,
    )
    assert run.report_path.endswith("错误报告.xlsx") and seen[-1] == 4
    assert run.summary["errors"][0]["line"] == 5 and Person.objects.count() == 0

    fixed = roster_file(tmp_path, rows[:3], name="fixed.xlsx")
    run = import_run_create(
        actor=OFFICE, kind="roster", filename="f.xlsx", path=fixed, commit=True
    )
    load("roster", fixed, run=run, actor=run.actor, commit=True)
    run.refresh_from_db()
    assert (run.status, run.commit, run.accepted) == ("done", True, 3)
    assert Person.objects.count() == 3


def test_a_file_committed_twice_is_refused_by_the_database(units, tmp_path):
    from bianzhi.core.errors import ApplicationError
    from bianzhi.exchange.report import ImportResult
    from bianzhi.exchange.services import import_run_finish

    path = roster_file(tmp_path, [person(1)])
    runs = [
        import_run_create(
            actor=SYSTEM, kind="roster", filename="a", path=path, commit=True
        )
        for _ in range(2)
    ]
    done = ImportResult("roster", "a", runs[0].sha256, False, True, False, 1, 1, 0)
    import_run_finish(actor=SYSTEM, run=runs[0], result=done)
    with pytest.raises(ApplicationError) as info:
        import_run_finish(actor=SYSTEM, run=runs[1], result=done)
    assert info.value.code == E.DUPLICATE_IMPORT


def test_dry_run_decides_exactly_as_the_commit(units, tmp_path):
    rows = [person(n) for n in range(1, 9)]
    rows[1].update(unit_name="示例市第一中学", category="事业编制")  # a civil servant
    rows[4]["id_number"] = rows[0]["id_number"]
    path = roster_file(tmp_path, rows)
    before = counts()
    dry = load("roster", path)
    assert counts() == before
    done = load("roster", path, commit=True, valid_only=True)
    assert (
        codes(dry)
        == codes(done)
        == [
            (3, "编制类型", E.CATEGORY_MISMATCH),
            (6, ID_COL, E.DUPLICATE_ROW),
            (9, "编制类型", E.QUOTA_FULL),
        ]
    )
    assert (dry.accepted, done.accepted) == (5, 5) and done.committed


SOFFICE_KEYS = [
    "unit_name", "name", "id_number", "gender", "birth_date", "ethnicity",
    "political_status", "education", "identity", "category", "funding",
    "entered_unit_on", "work_start_date",
]  # fmt: skip


@pytest.fixture(scope="module")
def soffice_roster(tmp_path_factory):
    """A roster with content errors, saved as xlsx by LibreOffice from a CSV
    (the ID column, 3rd, imported as text), in one soffice call."""
    import shutil
    import subprocess

    from bianzhi.exchange.schemas import ROSTER

    bad = pid(3)[:17] + ("0" if pid(3)[17] != "0" else "1")
    rows = [
        person(1, birth_date="1985年6月7日"),
        person(2, birth_date="1985/6/7", name="𠮷明"),
        person(3, id_number=bad),
        person(4, identity="合同工"),
        person(1),
    ]
    source = tmp_path_factory.mktemp("lo_src")
    out = tmp_path_factory.mktemp("lo_out")
    csv_path = source / "roster.csv"
    lines = [[ROSTER.header_of(k) for k in SOFFICE_KEYS]]
    lines += [[str(r[k]) for k in SOFFICE_KEYS] for r in rows]
    csv_path.write_text("\n".join(",".join(x) for x in lines) + "\n", encoding="utf-8")
    profile = tmp_path_factory.mktemp("lo_profile")
    subprocess.run(
        [
            shutil.which("soffice") or "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless", "--convert-to", "xlsx",
            "--infilter=CSV:44,34,76,1,3/2,2052", "--outdir", str(out), str(csv_path),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return out / "roster.xlsx"


@pytest.mark.soffice
def test_a_libreoffice_file_reports_rows_and_loads_valid_only(units, soffice_roster):
    before = counts()
    result = load("roster", soffice_roster, commit=True)
    assert codes(result) == [
        (4, ID_COL, E.ID_INVALID),
        (5, "人员身份", E.VALUE_INVALID),
        (6, ID_COL, E.DUPLICATE_ROW),
    ]
    assert counts() == before
    result = load("roster", soffice_roster, commit=True, valid_only=True)
    assert result.committed and result.accepted == 2
    assert set(Person.objects.values_list("name", flat=True)) == {"测试1", "𠮷明"}
