"""Person fields, locked fields, retirement exceptions, secondments, off-quota staff."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.roster import checks, selectors, services
from bianzhi.roster.models import OffQuotaStaff, Person, Secondment

from .helpers import (  # noqa: F401 - fixtures
    INS,
    OFFICE,
    TODAY,
    city,
    enroll,
    hr,
    person_data,
    providers,
    refused,
    release,
    units,
)

pytestmark = pytest.mark.django_db
DAY = dt.timedelta(days=1)


def last_event():
    return AuditEvent.objects.order_by("-seq").first()


def locked(person, field, value, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("reason", "档案核实")
    kw.setdefault("today", TODAY)
    return services.person_change_locked_field(
        person=person, field=field, value=value, **kw
    )


# --- non-locked fields ---------------------------------------------------------


def test_unit_hr_maintains_free_fields(units):
    bureau = units["bureau"]
    person = enroll(bureau, person_data(1)).person
    updated = services.person_update_fields(
        actor=hr(bureau),
        person=person,
        changes={"education": "研究生", "degree": "硕士", "phone": "0531-1234567"},
    )
    assert (updated.education, updated.degree, updated.phone) == (
        "postgraduate",
        "master",
        "0531-1234567",
    )
    record = last_event().records[0]
    assert (record["before"]["education"], record["after"]["education"]) == (
        "undergraduate",
        "postgraduate",
    )
    events = AuditEvent.objects.count()
    services.person_update_fields(
        actor=hr(bureau), person=person, changes={"degree": "硕士"}
    )
    assert AuditEvent.objects.count() == events  # nothing changed, nothing written


def test_free_field_refusals(units):
    person = enroll(units["bureau"], person_data(1)).person
    with refused(E.ROLE_FORBIDDEN):
        services.person_update_fields(
            actor=hr(units["other"]), person=person, changes={"major": "法学"}
        )
    for key in ("name", "identity", "work_start_date", "gender"):
        with refused(E.VALUE_INVALID):
            services.person_update_fields(
                actor=OFFICE, person=person, changes={key: "x"}
            )
    with refused(E.VALUE_INVALID):
        services.person_update_fields(
            actor=OFFICE, person=person, changes={"rank": "专技岗十级"}
        )
    with refused(E.FIELD_REQUIRED):
        services.person_update_fields(
            actor=OFFICE, person=person, changes={"education": ""}
        )
    with refused(E.FIELD_REQUIRED):
        services.person_update_fields(actor=OFFICE, person=person, changes={})


# --- locked fields -------------------------------------------------------------


def test_locked_fields_by_office_with_reason(units):
    person = enroll(units["bureau"], person_data(1)).person
    with refused(E.ROLE_FORBIDDEN):
        locked(person, "name", "张三", actor=hr(units["bureau"]))
    with refused(E.FIELD_REQUIRED):
        locked(person, "name", "张三", reason="")
    with refused(E.VALUE_INVALID):
        locked(person, "education", "研究生")
    person = locked(person, "name", "李小龙")
    assert (person.name, person.name_pinyin_initials) == ("李小龙", "lxl")
    assert "档案核实" in last_event().summary
    person = locked(person, "work_start_date", "2009-08-01")
    assert person.work_start_date == dt.date(2009, 8, 1)
    with refused(E.VALUE_INVALID):
        locked(person, "work_start_date", "1980-01-01")


def test_certified_birth_date_moves_the_retirement_date(units):
    person = enroll(
        units["bureau"], person_data(1, birth="19660901", work_start_date="1988-07-01")
    )
    person = person.person
    assert selectors.retirement_date_for(person) == dt.date(2027, 3, 1)  # 60y6m
    with refused(E.BIRTH_DATE_MISMATCH):
        locked(person, "certified_birth_date", "1965-09-01")
    person = locked(
        person, "certified_birth_date", "1965-09-01", basis="1982年招工登记表"
    )
    assert (person.certified_birth_date, person.certified_basis) == (
        dt.date(1965, 9, 1),
        "1982年招工登记表",
    )
    assert selectors.retirement_date_for(person) == dt.date(2025, 12, 1)  # 60y3m
    person = locked(person, "certified_birth_date", "1966-09-01")  # back to the ID's
    assert person.certified_basis == ""


def test_id_number_correction(units):
    person = enroll(units["bureau"], person_data(1)).person
    other = enroll(units["other"], person_data(2)).person
    with refused(E.ID_INVALID):
        locked(
            person,
            "id_number",
            person.id_number[:17] + ("1" if person.id_number[17] == "0" else "0"),
        )
    with refused(E.VALUE_INVALID):
        locked(person, "id_number", other.id_number)
    new_id = person_data(3, birth="19850608", female=True)["id_number"]
    person = locked(person, "id_number", new_id)
    assert (person.id_number, person.gender, person.birth_date) == (
        new_id,
        "F",
        dt.date(1985, 6, 8),
    )
    assert person.certified_birth_date == dt.date(1985, 6, 8)


def test_identity_change_rechecks_the_category(units):
    staff = enroll(
        units["cs_inst"],
        person_data(1, identity="参公人员", rank="一级主任科员"),
        category=INS,
    ).person
    with refused(E.CATEGORY_MISMATCH):
        locked(staff, "identity", "公务员")
    with refused(E.FIELD_REQUIRED):  # 事业人员 need a post type first
        locked(staff, "identity", "事业人员")
    services.person_update_fields(
        actor=OFFICE, person=staff, changes={"post_type": "管理"}
    )
    staff = locked(staff, "identity", "事业人员")
    assert (staff.identity, staff.rank) == (
        "institution_staff",
        "",
    )  # old rank system dropped
    assert checks.problems(today=TODAY) == []


# --- retirement exceptions ----------------------------------------------------------


def test_retirement_exceptions(units):
    woman = enroll(
        units["bureau"],
        person_data(1, birth="19720301", female=True, work_start_date="1994-07-01"),
    ).person
    base = selectors.retirement_date_for(woman)
    services.retirement_exception_record(
        actor=OFFICE,
        person=woman,
        kind="senior_female_cadre_60",
        doc_no="示组〔2026〕1号",
        months=None,
        effective_from=TODAY,
        basis="县处级",
    )
    assert selectors.retirement_date_for(woman) == dt.date(2032, 3, 1) > base
    assert last_event().operation == "retirement_exception_record"
    man = enroll(units["other"], person_data(2)).person
    with refused(E.VALUE_INVALID):
        services.retirement_exception_record(
            actor=OFFICE,
            person=man,
            kind="senior_female_cadre_60",
            doc_no="示组〔2026〕1号",
            months=None,
            effective_from=TODAY,
        )
    with refused(E.VALUE_INVALID):
        services.retirement_exception_record(
            actor=OFFICE,
            person=man,
            kind="弹性延迟退休",
            doc_no="示组〔2026〕1号",
            months=40,
            effective_from=TODAY,
        )
    with refused(E.ROLE_FORBIDDEN):
        services.retirement_exception_record(
            actor=hr(units["other"]),
            person=man,
            kind="flexible_delay",
            doc_no="示组〔2026〕1号",
            months=12,
            effective_from=TODAY,
        )


# --- secondments --------------------------------------------------------------------


def second(person, host, start=TODAY, end=TODAY + 180 * DAY, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("doc_no", "示组〔2026〕8号")
    kw.setdefault("today", TODAY)
    return services.secondment_record(
        person=person, host_unit=host, start_date=start, end_date=end, **kw
    )


def test_secondments(units):
    bureau, other = units["bureau"], units["other"]
    posting = enroll(bureau, person_data(1), start_date=TODAY - 30 * DAY, reason="补录")
    person = posting.person
    with refused(E.ROLE_FORBIDDEN):
        second(person, other, actor=hr(bureau))
    with refused(E.VALUE_INVALID):
        second(person, bureau)
    with refused(E.VALUE_INVALID):
        second(person, other, end=TODAY - DAY)
    with refused(E.VALUE_INVALID):
        second(person, other, start=TODAY - 60 * DAY)  # before the posting
    secondment = second(person, other, reason="专项工作")
    with refused(E.VALUE_INVALID):
        second(person, units["court"], start=TODAY + 10 * DAY)  # overlaps
    ended = services.secondment_end(
        actor=OFFICE, secondment=secondment, ended_on=TODAY, today=TODAY
    )
    assert ended.ended_on == TODAY
    with refused(E.VALUE_INVALID):
        services.secondment_end(
            actor=OFFICE, secondment=secondment, ended_on=TODAY, today=TODAY
        )
    second(person, units["court"], start=TODAY + 10 * DAY)  # free again
    assert Secondment.objects.count() == 2
    release(posting)
    stranger = Person.objects.get()
    with refused(E.VALUE_INVALID):  # not in post
        second(stranger, other, start=TODAY + 200 * DAY, end=TODAY + 300 * DAY)


# --- off-quota staff ----------------------------------------------------------------


def test_off_quota_staff(units):
    bureau = units["bureau"]
    data = person_data(7)
    kw = dict(
        unit=bureau,
        name="钱七",
        id_number=data["id_number"],
        employment_form="劳务派遣",
        funding_source="财政",
        start_date=TODAY - 10 * DAY,
        position="驾驶员",
        today=TODAY,
    )
    staff = services.offquota_add(actor=hr(bureau), **kw)
    assert (staff.employment_form, staff.funding_source) == ("dispatch", "public")
    with refused(E.VALUE_INVALID):
        services.offquota_add(actor=OFFICE, **kw)  # already there
    with refused(E.ROLE_FORBIDDEN):
        services.offquota_add(actor=hr(units["other"]), **kw)
    with refused(E.ID_INVALID):
        services.offquota_add(actor=OFFICE, **{**kw, "id_number": "123"})
    posted = enroll(units["other"], person_data(8)).person
    with refused(E.PERSON_ALREADY_POSTED):
        services.offquota_add(actor=OFFICE, **{**kw, "id_number": posted.id_number})
    with refused(E.VALUE_INVALID):
        services.offquota_end(
            actor=OFFICE, staff=staff, end_date=TODAY - 20 * DAY, today=TODAY
        )
    ended = services.offquota_end(
        actor=hr(bureau),
        staff=staff,
        end_date=TODAY,
        end_reason="合同到期",
        today=TODAY,
    )
    assert (ended.end_date, ended.end_reason) == (TODAY, "合同到期")
    assert OffQuotaStaff.objects.count() == 1
    assert selectors.off_quota_staff(bureau, as_of=TODAY - DAY).get() == ended
