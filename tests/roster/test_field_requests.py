"""信息变更申请: unit HR asks for a locked-field change, the office decides."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.roster import checks, selectors, services
from bianzhi.roster.models import FieldChangeRequest, Person
from tests.conftest import grant_permit

from .conftest import make_id
from .helpers import (  # noqa: F401 - fixtures
    ADM,
    INS,
    LOG,
    OFFICE,
    TODAY,
    account,
    city,
    enroll,
    hr,
    permit_for,
    person_data,
    providers,
    state,
    units,
)

pytestmark = pytest.mark.django_db
INSPECTOR = Actor(user_id=9, name="钱监察", role="inspector", scope="region:990100")
OTHER_OFFICE = Actor(user_id=8, name="外市", role="office_admin", scope="region:990200")
DOC = "示编〔2026〕9号"


def everything() -> dict:
    data = state()
    data["requests"] = list(FieldChangeRequest.objects.order_by("pk").values())
    return data


@contextmanager
def refused(code, field=None):
    """The call raises `code` (on `field`) and writes nothing, audit included."""
    before = everything()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    if field is not None:
        assert info.value.field == field
    assert everything() == before


def ask(person, field, value, *, actor=None, reason="档案核实有误", **kw):
    kw.setdefault("today", TODAY)
    unit = selectors.active_posting(person).unit
    return services.field_change_request(
        actor=actor or hr(unit),
        person=person,
        field=field,
        new_value=value,
        reason=reason,
        **kw,
    )


def decide(request, approve=True, note="", actor=OFFICE, **kw):
    kw.setdefault("today", TODAY)
    return services.field_change_decide(
        actor=actor, request=request, approve=approve, note=note, **kw
    )


def operations(since: int) -> list[str]:
    return list(
        AuditEvent.objects.filter(seq__gt=since)
        .order_by("seq")
        .values_list("operation", flat=True)
    )


def head() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()


def staff(n, **over):
    """An institution staff member (事业人员, 专技岗)."""
    return person_data(n, identity="事业人员", post_type="专业技术", **over)


# --- each field: request, approve, applied -------------------------------------------


NEW_ID = make_id("19850607", "551")


@pytest.mark.parametrize(
    ("field", "value", "extra", "check"),
    [
        ("name", "王小明", None, lambda p: p.name == "王小明"),
        (
            "id_number",
            NEW_ID.lower(),
            None,
            lambda p: p.id_number == NEW_ID and p.certified_birth_date.day == 7,
        ),
        (
            "certified_birth_date",
            "1984-03-01",
            {"certified_basis": "干部档案最早记载"},
            lambda p: (
                (p.certified_birth_date, p.certified_basis)
                == (dt.date(1984, 3, 1), "干部档案最早记载")
            ),
        ),
        (
            "work_start_date",
            "2007年9月1日",
            None,
            lambda p: p.work_start_date == dt.date(2007, 9, 1),
        ),
    ],
)
def test_each_person_field_request_then_approve(units, field, value, extra, check):
    bureau = units["bureau"]
    person = enroll(bureau, person_data(1)).person
    start = head()
    request = ask(person, field, value, extra=extra)
    assert request.status == "pending"
    assert request.unit_id == bureau.pk
    assert request.requested_by_name == "王五"
    assert operations(start) == ["field_change_request"]
    event = AuditEvent.objects.get(seq=start + 1)
    assert event.records[0]["model"] == "roster.FieldChangeRequest"
    assert event.records[0]["before"] is None
    # Nothing applied before the decision.
    assert Person.objects.get(pk=person.pk).name == person.name

    decided = decide(request, note="同意")
    assert decided.status == "approved"
    assert decided.decided_by_name == OFFICE.name
    assert check(Person.objects.get(pk=person.pk))
    assert operations(start) == [
        "field_change_request",
        "person_change_locked_field",
        "field_change_decide",
    ]
    decision = AuditEvent.objects.order_by("-seq").first()
    assert decision.records[0]["before"]["status"] == "pending"
    assert decision.records[0]["after"]["status"] == "approved"
    change = AuditEvent.objects.get(seq=start + 2)
    assert f"第{request.pk}号" in change.summary
    assert checks.problems() == []


def test_identity_change_in_a_cs_managed_mass_org(units):
    mass = units["mass"]
    person = enroll(mass, person_data(1, identity="参公")).person
    request = ask(person, "identity", "公务员")
    assert (request.old_value, request.new_value) == ("cs_managed", "civil_servant")
    decide(request)
    assert Person.objects.get(pk=person.pk).identity == "civil_servant"


def test_account_change_is_an_in_unit_transfer(units):
    school = units["school"]
    posting = enroll(school, staff(1), category=INS, funding="full")
    person = posting.person
    target = account(school, INS, "partial")
    # An account change is an intake into the new account (调入: a permit).
    grant_permit(school, category=INS, funding="partial", channel="transfer_in")
    request = ask(person, "account", target.pk)
    assert request.old_value == str(posting.account_id)
    assert request.new_value == str(target.pk)
    assert request.extra["to_label"] == "事业编制·财政补贴"
    # "category:funding" names the same account.
    services.field_change_withdraw(actor=hr(school), request=request)
    request = ask(person, "account", "institutional:partial")
    start = head()
    with refused(E.FIELD_REQUIRED, "doc_no"):
        decide(request)
    decide(request, doc_no=DOC)
    now = selectors.active_posting(person)
    assert now.account_id == target.pk
    assert now.unit_id == school.pk
    assert now.previous_id == posting.pk
    assert (account(school, INS, "full").occupied, target.occupied + 1) == (
        0,
        account(school, INS, "partial").occupied,
    )
    assert operations(start) == ["person_transfer", "field_change_decide"]
    assert checks.problems() == []


def test_account_change_into_higher_funding_needs_the_approval_ref(units):
    school = units["school"]
    person = enroll(school, staff(1), category=INS, funding="partial").person
    request = ask(person, "account", "institutional:full", extra={"doc_no": DOC})
    grant_permit(school, category=INS, funding="full", channel="transfer_in")
    with refused(E.REVERSE_FLOW):
        decide(request)
    assert FieldChangeRequest.objects.get(pk=request.pk).status == "pending"
    decide(request, approval_ref="示编〔2026〕特批1号")
    assert selectors.active_posting(person).account.funding == "full"


# --- early refusals: the new value is checked as the change would check it -------------


def test_request_refusals(units):
    bureau, school = units["bureau"], units["school"]
    person = enroll(bureau, person_data(1)).person
    other = enroll(bureau, person_data(2)).person
    bad_check = NEW_ID[:17] + ("0" if NEW_ID[17] != "0" else "1")
    with refused(E.ID_INVALID, "new_value"):
        ask(person, "id_number", bad_check)
    with refused(E.ID_INVALID, "new_value"):
        ask(person, "id_number", "1.10105E+17")
    with refused(E.VALUE_INVALID, "new_value"):
        ask(person, "id_number", other.id_number)
    with refused(E.CATEGORY_MISMATCH, "new_value"):
        ask(person, "identity", "工勤人员")
    with refused(E.VALUE_INVALID, "new_value"):
        ask(person, "identity", "宇航员")
    with refused(E.BIRTH_DATE_MISMATCH, "certified_basis"):
        ask(person, "certified_birth_date", "1984-03-01")
    with refused(E.DATE_INVALID, "new_value"):
        ask(person, "work_start_date", "去年")
    with refused(E.VALUE_INVALID, "new_value"):
        ask(person, "work_start_date", "1980-01-01")  # before birth
    with refused(E.VALUE_INVALID, "new_value"):
        ask(person, "work_start_date", TODAY + dt.timedelta(days=1))
    with refused(E.VALUE_INVALID, "new_value"):
        ask(person, "name", person.name)  # same as now
    with refused(E.FIELD_REQUIRED, "new_value"):
        ask(person, "name", "  ")
    with refused(E.FIELD_REQUIRED, "reason"):
        ask(person, "name", "王小明", reason=" ")
    with refused(E.VALUE_INVALID, "field"):
        ask(person, "gender", "F")
    with refused(E.VALUE_INVALID, "field"):
        ask(person, "phone", "123")  # not locked: person_update_fields
    with refused(E.DOC_NO_INVALID):
        ask(person, "name", "王小明", extra={"doc_no": "随便写"})
    with refused(E.VALUE_INVALID):
        ask(person, "name", "王小明", extra={"anything": "x"})
    # The occupied account: same unit, not the current one, identity fits, room.
    with refused(E.ACCOUNT_UNKNOWN, "new_value"):
        ask(person, "account", account(school, INS, "full").pk)
    with refused(E.PERSON_ALREADY_POSTED, "new_value"):
        ask(person, "account", account(bureau, ADM, "full").pk)
    with refused(E.CATEGORY_MISMATCH, "new_value"):
        ask(person, "account", account(bureau, LOG, "full").pk)


def test_account_request_into_a_full_account_is_refused_early(units):
    school = units["school"]
    person = enroll(school, staff(1), category=INS, funding="full").person
    enroll(school, staff(2), category=INS, funding="partial")
    enroll(school, staff(3), category=INS, funding="partial")
    with refused(E.QUOTA_FULL, "new_value"):
        ask(person, "account", "institutional:partial")


def test_person_not_in_post_has_no_unit_to_ask(units):
    from .helpers import release

    posting = enroll(units["bureau"], person_data(1))
    release(posting)
    with refused(E.VALUE_INVALID, "person"):
        services.field_change_request(
            actor=OFFICE,
            person=posting.person,
            field="name",
            new_value="王小明",
            reason="x",
            today=TODAY,
        )


# --- roles and scope ------------------------------------------------------------------


def test_wrong_roles(units):
    bureau, other_unit = units["bureau"], units["other"]
    person = enroll(bureau, person_data(1)).person
    for actor in (hr(other_unit), INSPECTOR):
        with refused(E.ROLE_FORBIDDEN):
            ask(person, "name", "王小明", actor=actor)
    request = ask(person, "name", "王小明")
    # Unit HR cannot decide, not even for their own unit; an inspector neither.
    for actor in (hr(bureau), INSPECTOR):
        with refused(E.ROLE_FORBIDDEN):
            decide(request, actor=actor)
    with refused(E.OUT_OF_SCOPE):
        decide(request, actor=OTHER_OFFICE)
    with refused(E.ROLE_FORBIDDEN):
        services.field_change_withdraw(actor=hr(other_unit), request=request)
    # The office may ask too (and decides someone else's request the same way).
    office_request = ask(person, "work_start_date", "2007-09-01", actor=OFFICE)
    assert office_request.requested_by_name == OFFICE.name
    # ... but never their own: four eyes on every locked-field change.
    for approve in (True, False):
        with refused(E.ROLE_FORBIDDEN):
            decide(office_request, approve=approve, note="自审", actor=OFFICE)
    colleague = Actor(
        user_id=77, name="孙复核", role="office_admin", scope=OFFICE.scope
    )
    decide(office_request, actor=colleague)
    person.refresh_from_db()
    assert person.work_start_date.isoformat() == "2007-09-01"


# --- refusal, withdrawal, one pending per field ------------------------------------------


def test_refusal_needs_a_note_and_changes_nothing_on_the_person(units):
    person = enroll(units["bureau"], person_data(1)).person
    request = ask(person, "name", "王小明")
    with refused(E.FIELD_REQUIRED, "note"):
        decide(request, approve=False, note="  ")
    start = head()
    decided = decide(request, approve=False, note="请提供户籍证明")
    assert (decided.status, decided.decision_note) == ("refused", "请提供户籍证明")
    assert Person.objects.get(pk=person.pk).name == person.name
    assert operations(start) == ["field_change_decide"]
    with refused(E.STEP_OUT_OF_TURN):
        decide(request)
    with refused(E.STEP_OUT_OF_TURN):
        services.field_change_withdraw(actor=hr(units["bureau"]), request=request)


def test_one_pending_request_per_field(units):
    bureau = units["bureau"]
    person = enroll(bureau, person_data(1)).person
    first = ask(person, "name", "王小明")
    with refused(E.STEP_OUT_OF_TURN, "field"):
        ask(person, "name", "王大明")
    ask(person, "work_start_date", "2007-09-01")  # another field is fine
    start = head()
    withdrawn = services.field_change_withdraw(actor=hr(bureau), request=first)
    assert withdrawn.status == "withdrawn"
    assert operations(start) == ["field_change_withdraw"]
    with refused(E.STEP_OUT_OF_TURN):
        decide(first)
    again = ask(person, "name", "王大明")
    assert again.status == "pending"


# --- the decision re-checks the rules at decision time -----------------------------------


def test_approval_rechecks_capacity(units):
    school = units["school"]
    person = enroll(school, staff(1), category=INS, funding="full").person
    request = ask(person, "account", "institutional:partial", extra={"doc_no": DOC})
    enroll(school, staff(2), category=INS, funding="partial")
    enroll(school, staff(3), category=INS, funding="partial")  # now full
    # Full: no permit can hold a post for the move (it would have reserved
    # one), so the approval is refused for want of a permit.
    with refused(E.PERMIT_REQUIRED):
        decide(request)
    assert FieldChangeRequest.objects.get(pk=request.pk).status == "pending"
    assert selectors.active_posting(person).account.funding == "full"


def test_approval_rechecks_the_id_number_and_the_identity(units):
    bureau, mass = units["bureau"], units["mass"]
    person = enroll(bureau, person_data(1)).person
    request = ask(person, "id_number", NEW_ID)
    enroll(bureau, person_data(2, id_number=NEW_ID))  # someone took it meanwhile
    with refused(E.VALUE_INVALID):
        decide(request)
    # Identity: fits when asked, no longer fits after a move by the office.
    member = enroll(mass, person_data(3)).person
    identity_request = ask(member, "identity", "参公")
    services.person_transfer(
        actor=OFFICE,
        person=member,
        to_unit=bureau,
        category=ADM,
        funding="full",
        start_date=TODAY,
        doc_no=DOC,
        today=TODAY,
        permit=permit_for(bureau, channel="transfer_in"),
    )
    with refused(E.CATEGORY_MISMATCH):
        decide(identity_request)


def test_account_approval_refused_when_the_person_moved(units):
    school = units["school"]
    posting = enroll(school, staff(1), category=INS, funding="full")
    request = ask(posting.person, "account", "institutional:partial")
    services.person_transfer(
        actor=OFFICE,
        person=posting.person,
        to_unit=units["cs_inst"],
        category=INS,
        funding="full",
        start_date=TODAY,
        doc_no=DOC,
        identity="参公",
        today=TODAY,
        permit=permit_for(units["cs_inst"], INS, "full", "transfer_in"),
    )
    grant_permit(school, category=INS, funding="partial", channel="transfer_in")
    with refused(E.PERSON_ALREADY_POSTED):
        decide(request, doc_no=DOC)


# --- race -------------------------------------------------------------------------------


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_eight_threads_asking_for_the_same_field_leave_one_pending(units):
    bureau = units["bureau"]
    person = enroll(bureau, person_data(1)).person
    barrier = threading.Barrier(8)
    outcomes: Counter = Counter()
    failures: list[BaseException] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        try:
            barrier.wait()
            try:
                services.field_change_request(
                    actor=hr(bureau),
                    person=person.pk,
                    field="name",
                    new_value=f"王小{index}",
                    reason="并发",
                    today=TODAY,
                )
                outcome = "ok"
            except ApplicationError as exc:
                outcome = str(exc.code)
            with lock:
                outcomes[outcome] += 1
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    assert outcomes == Counter({"ok": 1, "STEP_OUT_OF_TURN": 7})
    assert FieldChangeRequest.objects.filter(status="pending").count() == 1
    assert AuditEvent.objects.filter(operation="field_change_request").count() == 1
