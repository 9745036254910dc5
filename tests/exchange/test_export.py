"""export_roster / export_units and `bianzhi export`: files in the import
format, as of a date, masked or full IDs, one audit event per export."""

# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.exchange.export import export_roster, export_units
from bianzhi.exchange.readers import open_table
from bianzhi.exchange.schemas import ROSTER, UNITS
from bianzhi.orgs import services as orgs

from ..roster.helpers import (  # noqa: F401  (fixtures)
    ADM,
    INS,
    OFFICE,
    PAST,
    TODAY,
    appoint,
    city,
    enroll,
    establish,
    give,
    person_data,
    providers,
    release,
    set_leader_posts,
    units,
)

HR = Actor(user_id=9, name="人事专员", role="unit_hr", scope="unit:1")
EARLY = dt.date(2026, 1, 5)


@pytest.fixture
def staffed(units):
    """bureau: two civil servants (one a county chief since TODAY, one from
    EARLY released on TODAY); school: one institution staff member with a
    certified birth date; the bureau is renamed after TODAY."""
    bureau, school = units["bureau"], units["school"]
    set_leader_posts(bureau, 1)
    set_leader_posts(bureau, 2, kind="deputy")
    chief = enroll(bureau, person_data(1, name="𠮷明"))
    appoint(chief)
    leaver = enroll(bureau, person_data(2), start_date=EARLY, reason="补录")
    release(leaver, exit_date=TODAY)
    enroll(
        school,
        person_data(
            3,
            identity="事业人员",
            rank="专技岗十级",
            post_type="专业技术",
            birth="19900101",
            birth_date="1989-12-01",
            certified_basis="干部档案认定",
        ),
        category=INS,
        channel="招聘",
    )
    orgs.unit_rename(
        actor=OFFICE,
        unit=bureau,
        name="示例市财政局（新）",
        doc_no="示编〔2026〕9号",
        effective_date=dt.date(2026, 7, 1),
        today=TODAY,
    )
    return units


def read_back(path, schema=ROSTER):
    table = open_table(path, schema)
    return table, list(table.rows)


def test_roster_xlsx_is_in_the_import_format(staffed, tmp_path):
    out = tmp_path / "roster.xlsx"
    assert export_roster(actor=OFFICE, out=out, as_of=TODAY, full_id=True) == 2
    table, rows = read_back(out)
    assert list(table.headers.values()) == list(ROSTER.headers)
    assert table.header_line == 1 and table.ignored_headers == []
    chief, teacher = (r.values for r in rows)
    assert chief["seq"] == 1 and teacher["seq"] == 2
    assert chief["unit_name"] == "示例市财政局"
    assert chief["name"] == "𠮷明"
    assert chief["id_number"] == person_data(1)["id_number"]  # a text cell
    assert chief["gender"] == "男" and chief["ethnicity"] == "汉族"
    assert chief["political_status"] == "中共党员"
    assert chief["education"] == "大学本科" and chief["degree"] == "学士"
    assert chief["identity"] == "公务员"
    assert chief["category"] == "行政编制" and chief["funding"] == "财政拨款"
    assert chief["leader_level"] == "县处级正职"
    assert chief["channel"] == "考录"
    assert chief["entered_unit_on"] == TODAY  # a date cell
    assert chief["work_start_date"] == dt.date(2008, 7, 1)
    assert chief["doc_no"] == "示编〔2026〕1号"
    assert teacher["identity"] == "事业人员" and teacher["category"] == "事业编制"
    assert teacher["rank"] == "专技岗十级" and teacher["post_type"] == "专业技术"
    assert teacher["birth_date"] == dt.date(1989, 12, 1)
    assert teacher["certified_basis"] == "干部档案认定"
    assert teacher["channel"] == "招聘"


def test_roster_as_of_a_date(staffed, tmp_path):
    before = tmp_path / "before.csv"
    export_roster(
        actor=OFFICE, out=before, as_of=TODAY - dt.timedelta(days=1), full_id=True
    )
    _, rows = read_back(before)
    assert [r.values["name"] for r in rows] == ["测试2"]  # released on TODAY
    later = tmp_path / "later.csv"
    export_roster(actor=OFFICE, out=later, as_of=dt.date(2026, 7, 1), full_id=True)
    _, rows = read_back(later)
    assert rows[0].values["unit_name"] == "示例市财政局（新）"


def test_roster_csv_is_utf8_with_bom(staffed, tmp_path):
    out = tmp_path / "roster.csv"
    export_roster(actor=OFFICE, out=out, as_of=TODAY, full_id=True)
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf" + "序号,单位名称".encode())
    assert "𠮷明".encode() in data
    table, rows = read_back(out)
    assert table.encoding == "utf-8-sig"
    assert rows[0].values["entered_unit_on"] == TODAY.isoformat()


def test_masked_ids_and_the_audit_event(staffed, tmp_path):
    before = AuditEvent.objects.count()
    out = tmp_path / "masked.xlsx"
    export_roster(
        actor=OFFICE,
        out=out,
        as_of=TODAY,
        full_id=False,
        unit_ids=[staffed["bureau"].pk],
    )
    _, rows = read_back(out)
    number = person_data(1)["id_number"]
    assert [r.values["id_number"] for r in rows] == [
        number[:4] + "*" * 10 + number[14:]
    ]
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "data_export" and event.actor_name == OFFICE.name
    details = event.records[0]["after"]
    assert details == {
        "kind": "roster",
        "rows": 1,
        "full_id": False,
        "as_of": TODAY.isoformat(),
        "scope": f"units:{staffed['bureau'].pk}",
    }
    assert "身份证号已脱敏" in event.summary


def test_full_ids_only_for_office_staff(staffed, tmp_path):
    out = tmp_path / "x.xlsx"
    with pytest.raises(ApplicationError) as caught:
        export_roster(actor=HR, out=out, full_id=True, unit_ids=[staffed["bureau"].pk])
    assert caught.value.code == ErrorCode.ROLE_FORBIDDEN
    assert not out.exists()
    assert (
        export_roster(
            actor=HR,
            out=out,
            as_of=TODAY,
            full_id=False,
            unit_ids=[staffed["bureau"].pk],
        )
        == 1
    )


def test_bad_suffix_and_unknown_region_write_nothing(staffed, tmp_path):
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as caught:
        export_roster(actor=OFFICE, out=tmp_path / "r.pdf", full_id=True)
    assert caught.value.code == ErrorCode.VALUE_INVALID
    with pytest.raises(ApplicationError) as caught:
        export_units(actor=OFFICE, out=tmp_path / "u.xlsx", region_code="123456")
    assert caught.value.code == ErrorCode.REGION_UNKNOWN
    assert list(tmp_path.iterdir()) == []
    assert AuditEvent.objects.count() == before


def test_region_filter(staffed, tmp_path):
    other = orgs.region_create_local(
        actor=OFFICE, code="990200", name="邻市", level="city"
    )
    give(other, ADM, "full", 5, region=True)
    far = establish(other, "邻市财政局")
    give(far, ADM, "full", 2)
    enroll(far, person_data(4))
    out = tmp_path / "r.csv"
    assert (
        export_roster(
            actor=OFFICE, out=out, as_of=TODAY, region_code="990200", full_id=True
        )
        == 1
    )
    assert export_roster(actor=OFFICE, out=out, as_of=TODAY, full_id=True) == 3
    assert export_units(actor=OFFICE, out=tmp_path / "u.csv", region_code="990200") == 1


def test_units_export(staffed, tmp_path):
    child = establish(staffed["bureau"].region, "示例市财政局国库支付中心", kind="institution",
                      rank="section", institution_class="public_welfare_1", sector="S",
                      parent=staffed["bureau"])  # fmt: skip
    give(child, INS, "full", 4)
    out = tmp_path / "units.xlsx"
    count = export_units(actor=OFFICE, out=out, as_of=TODAY)
    table, rows = read_back(out, UNITS)
    assert count == len(rows) == 9
    assert list(table.headers.values()) == list(UNITS.headers)
    by_unit: dict[str, list[dict]] = {}
    for row in rows:
        by_unit.setdefault(row.values["unit_name"], []).append(row.values)
    bureau = by_unit["示例市财政局"]
    assert [(r["category"], r["funding"], r["approved"]) for r in bureau] == [
        ("行政编制", "财政拨款", 5),
        ("工勤编制", "财政拨款", 2),
    ]
    first = bureau[0]
    assert first["region_code"] == "990100" and first["unit_kind"] == "政府部门"
    assert first["rank"] == "正处" and first["civil_service_managed"] == "否"
    assert (first["chief_posts"], first["deputy_posts"], first["leader_level"]) == (
        1,
        2,
        "县处级",
    )
    assert first["doc_no"] == "示编〔2020〕2号" and first["approved_on"] == PAST
    school = by_unit["示例市第一中学"]
    assert [(r["funding"], r["approved"]) for r in school] == [
        ("财政拨款", 3),
        ("财政补贴", 2),
    ]
    assert school[0]["institution_class"] == "公益一类"
    assert school[0]["chief_posts"] is None
    centre = by_unit["示例市财政局国库支付中心"][0]
    assert centre["parent_name"] == "示例市财政局"
    names = [r.values["unit_name"] for r in rows]
    assert names.index("示例市财政局") < names.index("示例市财政局国库支付中心")
    event = AuditEvent.objects.order_by("-seq").first()
    assert (
        event.operation == "data_export"
        and event.records[0]["after"]["kind"] == "units"
    )


def test_units_as_of_before_the_grants(staffed, tmp_path):
    out = tmp_path / "units.csv"
    count = export_units(actor=OFFICE, out=out, as_of=PAST - dt.timedelta(days=1))
    assert count == 0  # no unit was established yet


def test_command_exports_with_full_ids(staffed, tmp_path, capsys):
    out = tmp_path / "cli.xlsx"
    call_command("export", "roster", "--out", str(out), "--as-of", TODAY.isoformat())
    assert "已导出实名制人员信息 2 行" in capsys.readouterr().out
    _, rows = read_back(out)
    assert rows[0].values["id_number"] == person_data(1)["id_number"]
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.role == "system" and event.records[0]["after"]["full_id"] is True
    call_command(
        "export", "units", "--out", str(tmp_path / "u.csv"), "--region", "990100"
    )
    assert (tmp_path / "u.csv").exists()


def test_command_refuses_bad_input(staffed, tmp_path):
    with pytest.raises(CommandError, match="日期"):
        call_command(
            "export",
            "roster",
            "--out",
            str(tmp_path / "x.xlsx"),
            "--as-of",
            "2026-13-01",
        )
    with pytest.raises(CommandError, match="行政区划代码"):
        call_command(
            "export", "units", "--out", str(tmp_path / "x.xlsx"), "--region", "000000"
        )
    with pytest.raises(CommandError, match=".xlsx 或 .csv"):
        call_command("export", "roster", "--out", str(tmp_path / "x.txt"))


def test_bianzhi_cli_passes_export_through(staffed, tmp_path, capsys):
    from bianzhi.cli import main

    out = tmp_path / "main.csv"
    main(["export", "roster", "--out", str(out), "--as-of", TODAY.isoformat()])
    assert out.exists() and "2 行" in capsys.readouterr().out
