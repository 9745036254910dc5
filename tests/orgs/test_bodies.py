import datetime as dt

from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import checks, selectors, services
from bianzhi.orgs.models import Mandate, UnitChange

from .conftest import DOC, OFFICE, TODAY, UNIT_HR, establish, refused

LATER = TODAY + dt.timedelta(days=30)


def add(unit, name, **kw):
    kw.setdefault("effective_date", TODAY)
    return services.internal_body_add(
        actor=kw.pop("actor", OFFICE),
        unit=unit,
        name=name,
        rank=kw.pop("rank", "section"),
        doc_no=DOC,
        today=TODAY,
        **kw,
    )


def mandate(unit, approved, effective_date=TODAY, doc_no=DOC, **kw):
    return services.mandate_set(
        actor=OFFICE,
        unit=unit,
        doc_no=doc_no,
        effective_date=effective_date,
        internal_bodies_approved=approved,
        today=TODAY,
        **kw,
    )


def test_without_mandate_nothing_is_refused(city):
    unit = establish(city, "甲局")
    for i in range(4):
        add(unit, f"第{i}科")
    status = selectors.internal_bodies_status(unit, TODAY)
    assert (status.approved, status.count, status.note) == (None, 4, "三定未录入")
    assert selectors.mandate_as_of(unit, TODAY) is None


def test_bodies_stay_within_the_mandate(city):
    unit = establish(city, "甲局")
    m = mandate(unit, 2, functions="负责……")
    change = UnitChange.objects.get(unit=unit, kind="mandate")
    assert change.after["mandate"][
        "internal_bodies_approved"
    ] == 2 and change.before == {"mandate": None}
    add(unit, "办公室")
    add(unit, "业务科")
    with refused(ErrorCode.INTERNAL_BODIES_EXCEEDED) as info:
        add(unit, "第三科")
    assert info.value.params == {"approved": 2, "count": 3, "date": TODAY.isoformat()}
    assert selectors.mandate_as_of(unit, TODAY) == m


def test_body_add_checks_a_later_mandate(city):
    unit = establish(city, "甲局")
    mandate(unit, 3)
    mandate(unit, 2, effective_date=LATER, doc_no="示编〔2026〕8号")
    add(unit, "办公室")
    add(unit, "业务科")
    with refused(ErrorCode.INTERNAL_BODIES_EXCEEDED) as info:
        add(unit, "第三科")
    assert info.value.params["date"] == LATER.isoformat()


def test_body_add_and_remove(city):
    unit = establish(city, "甲局")
    events = AuditEvent.objects.count()
    body = add(unit, "办公室")
    assert AuditEvent.objects.count() == events + 1
    with refused(ErrorCode.NAME_TAKEN):
        add(unit, "办公室")
    with refused(ErrorCode.VALUE_INVALID):
        add(unit, "法规科", rank="bureau")
    with refused(ErrorCode.FIELD_REQUIRED):
        add(unit, "")
    with refused(ErrorCode.ROLE_FORBIDDEN):
        add(unit, "法规科", actor=UNIT_HR)
    with refused(ErrorCode.DATE_INVALID):
        services.internal_body_remove(
            actor=OFFICE,
            body=body,
            doc_no=DOC,
            effective_date=TODAY - dt.timedelta(days=1),
            reason="补录",
            today=TODAY,
        )
    removed = services.internal_body_remove(
        actor=OFFICE, body=body, doc_no=DOC, effective_date=LATER, today=TODAY
    )
    assert removed.abolished_on == LATER and removed.abolished_doc_no == DOC
    change = UnitChange.objects.get(unit=unit, kind="internal_body_remove")
    assert change.before["internal_body"]["abolished_on"] is None
    assert change.after["internal_body"]["abolished_on"] == LATER.isoformat()
    assert change.status == "pending"
    with refused(ErrorCode.UNIT_INACTIVE):
        services.internal_body_remove(
            actor=OFFICE, body=body, doc_no=DOC, effective_date=LATER, today=TODAY
        )
    assert selectors.internal_bodies_as_of(unit, TODAY) == [body]
    assert selectors.internal_bodies_as_of(unit, LATER) == []
    add(unit, "办公室", effective_date=LATER)  # the name is free again


def test_mandate_lowering_is_allowed_and_flags_the_excess(city):
    unit = establish(city, "甲局")
    mandate(unit, 3)
    for name in ("办公室", "业务科", "法规科"):
        add(unit, name)
    mandate(unit, 2, effective_date=LATER, doc_no="示编〔2026〕8号")
    assert "超出1个" in AuditEvent.objects.last().summary
    status = selectors.internal_bodies_status(unit, LATER)
    assert (status.approved, status.count, status.excess) == (2, 3, 1)
    assert "消化前不得增设" in status.note
    with refused(ErrorCode.INTERNAL_BODIES_EXCEEDED):
        add(unit, "第四科", effective_date=LATER)
    assert checks.problems(today=LATER) == []
    codes = [w["code"] for w in checks.warnings(today=LATER)]
    assert "INTERNAL_BODIES_EXCESS" in codes


def test_mandate_refusals(city):
    unit = establish(city, "甲局")
    mandate(unit, 2)
    with refused(ErrorCode.VALUE_INVALID):
        mandate(unit, 3)  # one version per date
    with refused(ErrorCode.QUANTITY_INVALID):
        mandate(unit, -1, effective_date=LATER)
    with refused(ErrorCode.QUANTITY_INVALID):
        mandate(unit, "两个", effective_date=LATER)
    with refused(ErrorCode.BACKDATE_REASON_REQUIRED):
        mandate(unit, 3, effective_date=TODAY - dt.timedelta(days=1))
    with refused(ErrorCode.DOC_NO_INVALID):
        mandate(unit, 3, effective_date=LATER, doc_no="无文号")
    mandate(unit, "０", effective_date=LATER)  # full-width zero
    assert Mandate.objects.get(effective_date=LATER).internal_bodies_approved == 0
