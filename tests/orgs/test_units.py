import datetime as dt

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import selectors, services
from bianzhi.orgs.models import Unit, UnitChange

from .conftest import DOC, OFFICE, TODAY, UNIT_HR, establish, refused

USCC_ORGAN = "11990100MB0000001T"  # a valid 机关 code (GB 32100 check character)


def test_establish_writes_unit_change_and_one_audit_event(city):
    events = AuditEvent.objects.count()
    unit = establish(
        city, " 示例市发展和改革委员会 ", short_name="市发改委", in_cap=False
    )
    assert unit.name == "示例市发展和改革委员会"
    assert (unit.established_on, unit.established_doc_no) == (TODAY, DOC)
    change = UnitChange.objects.get(unit=unit)
    assert change.kind == "establish" and change.before == {}
    assert change.after["name"] == unit.name and change.after["in_cap"] is False
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.last()
    assert event.operation == "unit_establish" and event.doc_no == DOC
    assert {r["model"] for r in event.records} == {"orgs.Unit", "orgs.UnitChange"}


def test_establish_name_rules(city, regions):
    establish(city, "示例市财政局")
    with refused(ErrorCode.FIELD_REQUIRED):
        establish(city, "  ")
    with refused(ErrorCode.NAME_TAKEN):
        establish(city, "示例市财政局")
    establish(regions[2], "示例市财政局")  # another region may use it


def test_establish_uscc_rules(city):
    with refused(ErrorCode.USCC_INVALID):
        establish(city, "甲", uscc="11990100MB0000001X")
    with refused(ErrorCode.USCC_INVALID):  # valid checksum but not an organ code
        establish(city, "甲", uscc="91350100M00010001T")
    establish(city, "甲", uscc=USCC_ORGAN.lower())
    assert Unit.objects.get(name="甲").uscc == USCC_ORGAN
    with refused(ErrorCode.USCC_TAKEN):
        establish(city, "乙", uscc=USCC_ORGAN)
    establish(city, "丙", uscc="")  # pending registration
    with refused(ErrorCode.VALUE_INVALID):
        establish(city, "丁领导小组", kind="coordination", uscc="12990100MB0000002T")


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"kind": "bureau"}, ErrorCode.VALUE_INVALID),
        ({"rank": "huge"}, ErrorCode.VALUE_INVALID),
        (
            {"kind": "institution", "institution_class": "class9"},
            ErrorCode.VALUE_INVALID,
        ),
        (
            {"kind": "gov_dept", "institution_class": "public_welfare_1"},
            ErrorCode.VALUE_INVALID,
        ),
        ({"kind": "gov_dept", "sector": "P"}, ErrorCode.VALUE_INVALID),
        ({"kind": "institution", "sector": "Z"}, ErrorCode.VALUE_INVALID),
        ({"kind": "gov_dept", "civil_service_managed": True}, ErrorCode.VALUE_INVALID),
        ({"kind": "institution", "in_cap": True}, ErrorCode.IN_CAP_KIND),
        ({"kind": "mass_org", "in_cap": True}, ErrorCode.IN_CAP_KIND),
        ({"civil_service_managed": "也许"}, ErrorCode.VALUE_INVALID),
        ({"doc_no": "第12号"}, ErrorCode.DOC_NO_INVALID),
        ({"effective_date": "2026-13-01"}, ErrorCode.DATE_INVALID),
        ({"parent": 999999}, ErrorCode.UNIT_UNKNOWN),
        ({"actor": UNIT_HR}, ErrorCode.ROLE_FORBIDDEN),
        ({"effective_date": dt.date(2025, 1, 1)}, ErrorCode.BACKDATE_REASON_REQUIRED),
    ],
)
def test_establish_refusals(city, kwargs, code):
    with refused(code):
        establish(city, "某单位", **kwargs)


def test_establish_allowed_combinations(city):
    inst = establish(
        city,
        "示例市第一中学",
        kind="institution",
        institution_class="public_welfare_1",
        sector="p",
        civil_service_managed=False,
    )
    assert (inst.institution_class, inst.sector) == ("public_welfare_1", "P")
    assert establish(city, "示例市总工会", kind="mass_org", civil_service_managed=True)
    assert establish(city, "示例市委办公室", kind="party_dept", in_cap=True).in_cap


def test_backdated_establishment_needs_reason_or_initial_load(city):
    past = dt.date(2019, 3, 1)
    with refused(ErrorCode.BACKDATE_REASON_REQUIRED):
        establish(city, "甲", effective_date=past, reason="  ")
    assert (
        establish(city, "甲", effective_date=past, reason="补录历史").established_on
        == past
    )
    assert establish(city, "乙", effective_date=past, doc_no="初始化导入")


def test_parent_must_be_active_unit_of_same_region(city, regions):
    dept = establish(city, "示例市教育局")
    school = establish(city, "示例市实验中学", kind="institution", parent=dept)
    assert school.parent == dept
    other = establish(regions[2], "示例区教育局")
    with refused(ErrorCode.VALUE_INVALID):
        establish(city, "示例市第二中学", kind="institution", parent=other)
    Unit.objects.filter(pk=dept.pk).update(status="revoked", revoked_on=TODAY)
    with refused(ErrorCode.UNIT_INACTIVE):
        establish(city, "示例市第三中学", kind="institution", parent=dept)
    later = establish(city, "示例市新局", effective_date=TODAY + dt.timedelta(days=10))
    with refused(ErrorCode.UNIT_INACTIVE):  # not yet established on that date
        establish(city, "示例市第四中学", kind="institution", parent=later)


def test_agency_cap_refuses_the_unit_beyond_it(city):
    establish(city, "无限额时可设", in_cap=True)  # no cap recorded: nothing refused
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=2, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    establish(city, "第二个", in_cap=True)
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED) as info:
        establish(city, "第三个", in_cap=True)
    assert info.value.params["cap"] == 2 and info.value.params["count"] == 3
    assert "2个" in info.value.message and "3个" in info.value.message
    establish(city, "不计入限额的政府部门", in_cap=False)
    assert selectors.in_cap_count(city, TODAY) == 2


def test_agency_cap_counts_future_establishments(city):
    """A unit established later still counts on its date."""
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=2, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    future = TODAY + dt.timedelta(days=30)
    establish(city, "将设立的局", in_cap=True, effective_date=future)
    assert selectors.in_cap_count(city, TODAY) == 0
    assert selectors.in_cap_count(city, future) == 1
    establish(city, "今日设立的局", in_cap=True)
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED) as info:
        establish(city, "再设一个", in_cap=True)
    assert info.value.params["date"] == future.isoformat()


def test_agency_cap_respects_a_later_lower_cap(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=3, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    later = TODAY + dt.timedelta(days=60)
    services.agency_cap_set(
        actor=OFFICE,
        region=city,
        cap=1,
        doc_no="示编〔2026〕2号",
        effective_date=later,
        today=TODAY,
    )
    establish(city, "甲局", in_cap=True)
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED):
        establish(city, "乙局", in_cap=True)


def test_lowering_the_cap_is_allowed_and_flags_the_excess(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=3, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    for name in ("甲局", "乙局", "丙局"):
        establish(city, name, in_cap=True)
    later = TODAY + dt.timedelta(days=1)
    cap = services.agency_cap_set(
        actor=OFFICE,
        region=city,
        cap=2,
        doc_no="示编〔2026〕9号",
        effective_date=later,
        today=TODAY,
    )
    assert "超出1个" in AuditEvent.objects.last().summary
    status = selectors.agency_cap_status(city, later)
    assert (status.cap, status.count, status.excess, status.cap_doc_no) == (
        2,
        3,
        1,
        cap.doc_no,
    )
    assert "消化前不得新设" in status.note
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED):
        establish(city, "丁局", in_cap=True, effective_date=later)
    establish(city, "戊局", effective_date=later)  # not in cap: allowed
    assert selectors.agency_cap_status(city, TODAY).excess == 0
    assert selectors.agency_cap_as_of(city, TODAY).cap == 3
    assert selectors.agency_cap_as_of(city, later) == cap


def test_agency_cap_set_refusals(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=5, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    with refused(ErrorCode.VALUE_INVALID):  # one version per date
        services.agency_cap_set(
            actor=OFFICE,
            region=city,
            cap=6,
            doc_no=DOC,
            effective_date=TODAY,
            today=TODAY,
        )
    with refused(ErrorCode.QUANTITY_INVALID):
        services.agency_cap_set(
            actor=OFFICE,
            region=city,
            cap=-1,
            doc_no=DOC,
            effective_date=TODAY + dt.timedelta(1),
            today=TODAY,
        )
    with refused(ErrorCode.BACKDATE_REASON_REQUIRED):
        services.agency_cap_set(
            actor=OFFICE,
            region=city,
            cap=6,
            doc_no=DOC,
            effective_date=dt.date(2025, 1, 1),
            today=TODAY,
        )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.agency_cap_set(
            actor=UNIT_HR,
            region=city,
            cap=6,
            doc_no=DOC,
            effective_date=TODAY,
            today=TODAY,
        )
    with refused(ErrorCode.REGION_UNKNOWN):
        services.agency_cap_set(
            actor=OFFICE,
            region="990999",
            cap=6,
            doc_no=DOC,
            effective_date=TODAY + dt.timedelta(1),
            today=TODAY,
        )


def test_rename_touches_only_the_changed_fields(city):
    unit = establish(city, "示例市旧名局", short_name="旧名局")
    events = AuditEvent.objects.count()
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="示例市新名局",
        doc_no="示编〔2026〕3号",
        effective_date=TODAY,
        today=TODAY,
    )
    unit.refresh_from_db()
    assert (unit.name, unit.short_name) == ("示例市新名局", "旧名局")
    change = UnitChange.objects.filter(unit=unit).last()
    assert (change.kind, change.status) == ("rename", "applied")
    assert (change.before, change.after) == (
        {"name": "示例市旧名局"},
        {"name": "示例市新名局"},
    )
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.last().operation == "unit_rename"
    services.unit_rename(
        actor=OFFICE,
        unit=unit,
        name="示例市新名局",
        short_name="新名局",
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    assert UnitChange.objects.filter(unit=unit).last().after == {"short_name": "新名局"}


def test_rename_refusals(city):
    unit = establish(city, "甲局", effective_date=dt.date(2026, 1, 1), reason="补录")
    establish(city, "乙局")
    kw = {
        "actor": OFFICE,
        "unit": unit,
        "doc_no": DOC,
        "effective_date": TODAY,
        "today": TODAY,
    }
    with refused(ErrorCode.NAME_TAKEN):
        services.unit_rename(**{**kw, "name": "乙局"})
    with refused(ErrorCode.VALUE_INVALID):  # nothing changes
        services.unit_rename(**{**kw, "name": "甲局"})
    with refused(ErrorCode.FIELD_REQUIRED):
        services.unit_rename(**{**kw, "name": ""})
    with refused(ErrorCode.DATE_INVALID):  # before the unit existed
        services.unit_rename(
            **{
                **kw,
                "name": "丙局",
                "effective_date": dt.date(2025, 1, 1),
                "reason": "补录",
            }
        )
    with refused(ErrorCode.BACKDATE_REASON_REQUIRED):
        services.unit_rename(
            **{**kw, "name": "丙局", "effective_date": dt.date(2026, 3, 1)}
        )
    with refused(ErrorCode.ROLE_FORBIDDEN):
        services.unit_rename(**{**kw, "name": "丙局", "actor": UNIT_HR})
    Unit.objects.filter(pk=unit.pk).update(status="revoked", revoked_on=TODAY)
    with refused(ErrorCode.UNIT_INACTIVE):
        services.unit_rename(**{**kw, "name": "丙局"})
    with refused(ErrorCode.UNIT_UNKNOWN):
        services.unit_rename(**{**kw, "name": "丙局", "unit": 999999})


def test_change_rank(city):
    unit = establish(city, "甲局", rank="vice_division")
    with refused(ErrorCode.VALUE_INVALID):
        services.unit_change_rank(
            actor=OFFICE,
            unit=unit,
            rank="正处",
            doc_no=DOC,
            effective_date=TODAY,
            today=TODAY,
        )
    services.unit_change_rank(
        actor=OFFICE,
        unit=unit,
        rank="division",
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    unit.refresh_from_db()
    assert unit.rank == "division"
    change = UnitChange.objects.filter(unit=unit).last()
    assert (change.kind, change.before, change.after) == (
        "change_rank",
        {"rank": "vice_division"},
        {"rank": "division"},
    )


def _attrs(unit, changes, **kw):
    kw.setdefault("effective_date", TODAY)
    return services.unit_change_attributes(
        actor=OFFICE, unit=unit, doc_no=DOC, changes=changes, today=TODAY, **kw
    )


def test_change_attributes_records_only_touched_fields(city):
    dept = establish(city, "示例市卫生健康委员会")
    hospital = establish(
        city,
        "示例市人民医院",
        kind="institution",
        institution_class="public_welfare_2",
        sector="Q",
    )
    events = AuditEvent.objects.count()
    _attrs(
        hospital,
        {
            "parent": dept.pk,
            "institution_class": "public_welfare_1",
            "sector": "Q",
            "uscc": "12990100MB0000002T",
        },
    )
    hospital.refresh_from_db()
    assert (hospital.parent_id, hospital.institution_class, hospital.uscc) == (
        dept.pk,
        "public_welfare_1",
        "12990100MB0000002T",
    )
    change = UnitChange.objects.filter(unit=hospital).last()
    assert change.kind == "change_attributes"
    assert change.before == {
        "parent": None,
        "institution_class": "public_welfare_2",
        "uscc": "",
    }
    assert change.after == {
        "parent": dept.pk,
        "institution_class": "public_welfare_1",
        "uscc": "12990100MB0000002T",
    }
    assert AuditEvent.objects.count() == events + 1


def test_change_attributes_refusals(city):
    dept = establish(city, "甲局")
    inst = establish(city, "甲中心", kind="institution", parent=dept)
    with refused(ErrorCode.FIELD_REQUIRED):
        _attrs(dept, {})
    with refused(ErrorCode.VALUE_INVALID):
        _attrs(dept, {"kind": "institution"})  # kind is not an attribute change
    with refused(ErrorCode.IN_CAP_KIND):
        _attrs(inst, {"in_cap": True})
    with refused(ErrorCode.VALUE_INVALID):
        _attrs(dept, {"civil_service_managed": True})
    with refused(ErrorCode.VALUE_INVALID):
        _attrs(dept, {"institution_class": "public_welfare_1"})
    with refused(ErrorCode.VALUE_INVALID):  # a cycle: the institution under dept
        _attrs(dept, {"parent": inst})
    with refused(ErrorCode.VALUE_INVALID):
        _attrs(dept, {"parent": dept})
    with refused(ErrorCode.USCC_INVALID):
        _attrs(dept, {"uscc": "123"})
    _attrs(inst, {"civil_service_managed": "是"})
    inst.refresh_from_db()
    assert inst.civil_service_managed


def test_in_cap_flag_beyond_cap_refused(city):
    services.agency_cap_set(
        actor=OFFICE, region=city, cap=1, doc_no=DOC, effective_date=TODAY, today=TODAY
    )
    establish(city, "甲局", in_cap=True)
    other = establish(city, "乙局")
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED):
        _attrs(other, {"in_cap": True})
    first = Unit.objects.get(name="甲局")
    _attrs(first, {"in_cap": False})
    _attrs(other, {"in_cap": True})
    assert selectors.in_cap_count(city, TODAY) == 1


def test_system_actor_may_write(city):
    assert establish(city, "甲局", actor=Actor.system())


def test_backdated_in_cap_flag_is_checked_on_every_later_date(city):
    services.agency_cap_set(
        actor=OFFICE,
        region=city,
        cap=1,
        doc_no=DOC,
        effective_date=dt.date(2025, 1, 1),
        reason="补录",
        today=TODAY,
    )
    old = establish(
        city, "甲局", effective_date=dt.date(2024, 1, 1), doc_no="初始化导入"
    )
    establish(
        city, "乙局", in_cap=True, effective_date=dt.date(2026, 1, 1), reason="补录"
    )
    # On 2025-06-01 only 甲局 would count, but from 2026-01-01 there would be two.
    with refused(ErrorCode.AGENCY_CAP_EXCEEDED) as info:
        _attrs(old, {"in_cap": True}, effective_date=dt.date(2025, 6, 1), reason="补录")
    assert info.value.params["date"] == "2026-01-01"
