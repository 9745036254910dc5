import datetime as dt

from bianzhi.orgs import checks, services
from bianzhi.orgs.models import InternalBody, Unit

from .conftest import DOC, OFFICE, TODAY, establish


def codes(items):
    return sorted(i["code"] for i in items)


def test_clean_data_has_no_problems_and_shows_info(city):
    establish(city, "甲局")
    establish(city, "议事协调机构", kind="coordination")
    assert checks.problems(today=TODAY) == []
    found = checks.warnings(today=TODAY)
    assert codes(found) == ["AGENCY_CAP_UNSET", "MANDATE_MISSING", "USCC_PENDING"]
    cap_unset = next(w for w in found if w["code"] == "AGENCY_CAP_UNSET")
    assert cap_unset["level"] == "info" and "限额未设置" in cap_unset["message"]
    assert cap_unset["object"] == "region:990100"
    assert any("三定未录入" in w["message"] for w in found)


def test_problems_report_breaches_the_services_refuse(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=1, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    establish(city, "甲局", in_cap=True)
    second = establish(city, "乙局")
    unit = establish(
        city, "丙局", effective_date=dt.date(2020, 1, 1), doc_no="初始化导入"
    )
    services.mandate_set(
        actor=OFFICE,
        unit=unit,
        doc_no=DOC,
        effective_date=TODAY - dt.timedelta(days=10),
        internal_bodies_approved=0,
        reason="补录",
        today=TODAY,
    )
    assert checks.problems(today=TODAY) == []
    # Direct database edits, bypassing the services:
    Unit.objects.filter(pk=second.pk).update(in_cap=True, uscc="12345")
    InternalBody.objects.create(
        unit=unit, name="私设科", established_on=TODAY, established_doc_no=DOC
    )
    found = checks.problems(today=TODAY)
    assert codes(found) == [
        "AGENCY_CAP_EXCEEDED",
        "INTERNAL_BODIES_EXCEEDED",
        "RECORD_MISSING",
        "UNIT_STATE_MISMATCH",
        "USCC_INVALID",
    ]
    assert all(set(p) == {"code", "message", "object"} for p in found)


def test_flagged_and_overdue_changes_are_warnings(city):
    unit = establish(city, "甲局")
    later = TODAY + dt.timedelta(days=3)
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="乙局",
        doc_no=DOC,
        effective_date=later,
        today=TODAY,
    )
    found = checks.warnings(today=later)
    assert "UNIT_CHANGE_OVERDUE" in codes(found)
