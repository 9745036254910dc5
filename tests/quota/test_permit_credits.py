"""Permits where there is no vacancy to reserve (DOMAIN §3.4 capacity, §4.2):
an account full or over quota under N-out-1-in gets permits backed by its
intake credits; a reform cut that suspends a permit's reservation does not
leave the reservation behind; the roster's hook judges validity on the
service's today; permits approved on paper are recorded by the system."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from bianzhi.approvals import daily
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs import services_regions
from bianzhi.quota import checks as quota_checks
from bianzhi.quota import services as quota
from bianzhi.quota.models import QuotaAccount
from bianzhi.quota.permits import (
    credits_free,
    permit_record,
    reserved_problems,
    valid_until_by_credit,
)
from bianzhi.roster import checks as roster_checks
from bianzhi.roster import services as roster
from tests.conftest import grant_permit
from tests.racing import race

from .permit_world import (
    OFFICE,
    Permit,
    counters,
    enroll,
    events,
    make_world,
    permit_walk,
    submit,
    today,
)

SYSTEM = Actor.system()


@pytest.fixture
def world(db, settings):
    return make_world(settings)


def _n_out_1_in(w, n=1):
    services_regions.region_set_policy(
        actor=SYSTEM, region=w.city, over_quota_policy="n_out_1_in",
        releases_per_intake=n,
    )  # fmt: skip


def _cut(w, amount):
    """A reform cut of the bureau's administrative quota (收回, reform)."""
    quota.quota_recall(
        actor=SYSTEM, unit=w.bureau, category="administrative", funding="full",
        amount=amount, doc_no="示编〔2026〕5号", effective_date=today(),
        reason="机构改革核减", reform=True, today=today(),
    )  # fmt: skip


def _release(posting):
    return roster.person_release(
        actor=OFFICE, posting=posting, reason_code="辞职", exit_date=today(),
        today=today(), doc_no="示编〔2026〕6号",
    )  # fmt: skip


def _no_problems():
    assert reserved_problems() == []
    assert quota_checks.problems(today=today()) == []
    assert roster_checks.problems(today=today()) == []


def _full_with_credits(w, credits: int):
    """The bureau full (3 of 3), after a reform cut and `credits` releases
    while over quota under 出一进一: (approved, occupied) = (3, 3)."""
    _n_out_1_in(w)
    permit = permit_walk(w, count=3)
    postings = [enroll(w.bureau, i, permit=permit.number) for i in range(1, 4)]
    _cut(w, credits)
    assert counters(w.adm) == (3 - credits, 3, 0)
    for posting in postings[:credits]:
        _release(posting)
    account = QuotaAccount.objects.get(pk=w.adm.pk)
    assert (account.approved, account.occupied, account.intake_credits) == (
        3 - credits,
        3 - credits,
        credits,
    )
    return account


def test_a_full_account_gets_a_permit_backed_by_its_credits(world):
    w = world
    _full_with_credits(w, 1)
    permit = permit_walk(w, count=1)
    assert permit.by_credit is True
    assert permit.valid_until == valid_until_by_credit(today())
    assert counters(w.adm) == (2, 2, 0)  # nothing reserved: no vacancy to hold
    posting = enroll(w.bureau, 10, permit=permit.number)
    assert (posting.intake_resource, posting.permit_ref) == ("credit", permit.number)
    account = QuotaAccount.objects.get(pk=w.adm.pk)
    assert (account.occupied, account.reserved, account.intake_credits) == (3, 0, 0)
    permit.refresh_from_db()
    assert permit.status == "exhausted"
    _no_problems()


def test_the_permit_document_proves_the_credits_not_a_vacancy(world):
    from bianzhi.documents.models import Document
    from tests.documents.conftest import pages_png, pdf_bytes

    w = world
    _full_with_credits(w, 1)
    permit = permit_walk(w, count=1)
    document = Document.objects.get(kind="permit", subject_id=permit.pk)
    text = "".join(
        page["text"] for page in pages_png(pdf_bytes(document), "permit_credit")
    )
    assert "进人额度证明" in text and "尚余1名" in text
    assert "空编证明" not in text and "所预留编制同时释放" not in text


def test_credits_promised_to_a_permit_are_not_granted_twice(world):
    w = world
    _full_with_credits(w, 1)
    with pytest.raises(ApplicationError) as info:
        submit(
            "quota_use", w.hr, w.bureau,
            {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": 2},
        )  # fmt: skip
    assert info.value.code == ErrorCode.QUOTA_OVER_NO_INTAKE
    assert "尚可核准1名" in info.value.message and "申请2名" in info.value.message
    permit_walk(w, count=1)
    assert credits_free(QuotaAccount.objects.get(pk=w.adm.pk), today()) == 0
    with pytest.raises(ApplicationError) as info:
        permit_walk(w, count=1)
    assert info.value.code == ErrorCode.QUOTA_OVER_NO_INTAKE
    assert "尚可核准0名" in info.value.message


def test_policy_none_still_refuses_a_full_account(world):
    w = world
    permit = permit_walk(w, count=3)
    for i in range(1, 4):
        enroll(w.bureau, i, permit=permit.number)
    with pytest.raises(ApplicationError) as info:
        permit_walk(w, count=1)
    assert info.value.code == ErrorCode.QUOTA_FULL
    assert "核定3名，实有3名，预留0名，空编0名" in info.value.message


def test_a_credit_permit_is_valid_to_the_end_of_the_year_at_most():
    assert valid_until_by_credit(dt.date(2026, 3, 2)) == dt.date(2026, 9, 1)
    assert valid_until_by_credit(dt.date(2026, 9, 15)) == dt.date(2026, 12, 31)


def test_expiry_of_a_credit_permit_releases_no_reservation(world):
    w = world
    _full_with_credits(w, 1)
    permit = permit_record(
        actor=SYSTEM, unit_id=w.bureau.pk, account_id=w.adm.pk,
        channel="exam_recruitment", count=1, doc_no="示编〔2026〕7号",
        number="补录-1", today=dt.date(today().year, 1, 5),
    )  # fmt: skip
    assert permit.by_credit and permit.valid_until < today()
    lines = daily.run(actor=SYSTEM, today=today())
    assert any("补录-1" in line and "释放进人额度1名" in line for line in lines)
    assert counters(w.adm) == (2, 2, 0)
    _no_problems()


def test_a_reform_cut_suspends_the_reservation_and_the_credit_intake_releases_it(
    world,
):
    """Approved 3, occupied 2, a permit holds 1; the reform cut of 2 puts the
    account over quota, one release earns a credit; the intake on the permit
    takes the credit, and the permit's reservation goes with its slot."""
    w = world
    _n_out_1_in(w)
    filled = permit_walk(w, count=2)
    postings = [enroll(w.bureau, i, permit=filled.number) for i in (1, 2)]
    permit = permit_walk(w, count=1)
    assert counters(w.adm) == (3, 2, 1)
    _cut(w, 2)
    _release(postings[0])
    assert counters(w.adm) == (1, 1, 1)
    posting = enroll(w.bureau, 3, permit=permit.number)
    assert posting.intake_resource == "credit"
    assert counters(w.adm) == (1, 2, 0)
    _no_problems()


def test_the_hook_judges_validity_on_the_services_today(world):
    w = world
    permit = grant_permit(w.bureau, today=dt.date(2026, 1, 5))
    assert permit.valid_until == dt.date(2026, 7, 4)
    # Entered on 2026-08-03 (past its validity): refused, whatever the clock.
    with pytest.raises(ApplicationError) as info:
        enroll(w.bureau, 1, permit=permit.number, on=dt.date(2026, 8, 3))
    assert info.value.code == ErrorCode.PERMIT_EXPIRED
    # Entered on 2026-03-02 (within it): accepted, whatever the clock.
    posting = enroll(w.bureau, 2, permit=permit.number, on=dt.date(2026, 3, 2))
    assert posting.permit_ref == permit.number


def test_permit_record_is_the_systems_and_needs_the_approval_document(world):
    w = world
    office = Actor(user_id=1, name="编办", role="office_admin", scope="region:990100")
    common = dict(
        unit_id=w.bureau.pk, account_id=w.adm.pk, channel="exam_recruitment",
        count=1, number="补录-2", today=today(),
    )  # fmt: skip
    with pytest.raises(ApplicationError) as info:
        permit_record(actor=office, doc_no="示编〔2019〕3号", **common)
    assert info.value.code == ErrorCode.ROLE_FORBIDDEN
    with pytest.raises(ApplicationError) as info:
        permit_record(actor=SYSTEM, doc_no=" ", **common)
    assert info.value.code == ErrorCode.FIELD_REQUIRED
    assert Permit.objects.count() == 0 and counters(w.adm) == (3, 0, 0)
    permit = permit_record(actor=SYSTEM, doc_no="示编〔2019〕3号", **common)
    assert (permit.request_id, permit.doc_no, permit.by_credit) == (
        None,
        "示编〔2019〕3号",
        False,
    )
    assert counters(w.adm) == (3, 0, 1)
    (event,) = events("permit_record")
    assert event.doc_no == "示编〔2019〕3号"
    _no_problems()


def test_a_permit_names_its_request_or_its_approval_document(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Permit.objects.create(
            number="无来源", unit=world.bureau, account=world.adm,
            channel="exam_recruitment", count=1, valid_from=today(),
            valid_until=today(),
        )  # fmt: skip


def test_check_reports_a_reservation_nothing_holds(world):
    w = world
    QuotaAccount.objects.filter(pk=w.adm.pk).update(reserved=1)  # arrangement: drift
    (problem,) = quota_checks.problems(today=today())
    assert problem["code"] == "QUOTA_RESERVED_MISMATCH"
    assert problem["object"] == f"QuotaAccount:{w.adm.pk}"
    assert "预留数为1" in problem["message"] and "实际预留0" in problem["message"]


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_eight_threads_race_for_two_credits(world):
    w = world
    _full_with_credits(w, 2)

    def record(index: int) -> None:
        permit_record(
            actor=SYSTEM, unit_id=w.bureau.pk, account_id=w.adm.pk,
            channel="exam_recruitment", count=1, doc_no=f"示编〔2026〕{index}号",
            number=f"并发-{index}", today=today(),
        )  # fmt: skip

    result = race(8, record)
    assert not result.failures, result.failures
    assert len(result.won) == 2, result.refused
    assert result.refused == [ErrorCode.QUOTA_OVER_NO_INTAKE] * 6
    assert Permit.objects.filter(by_credit=True).count() == 2


def test_plans_cannot_promise_the_same_credit_twice(world):
    from .permit_world import approve

    w = world
    _full_with_credits(w, 1)

    def plan(count):
        return submit(
            "recruitment_plan", w.hr, w.bureau,
            {"year": today().year, "lines": [
                {"account_id": w.adm.pk, "channel": "exam_recruitment", "count": count}
            ]},
        )  # fmt: skip

    first = plan(1)
    approve(w.office, first, "office_review")
    approve(w.leader, first, "leader_approval")
    with pytest.raises(ApplicationError) as info:
        plan(1)
    assert info.value.code == ErrorCode.QUOTA_OVER_NO_INTAKE
    assert "尚可计划0名" in info.value.message
    # The plan's own permit converts its line: the credit is not counted twice.
    permit = permit_walk(w, count=1)
    assert permit.by_credit and permit.plan_line is not None


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_cancelling_while_intakes_race_keeps_the_reservation_right(world):
    """Seven intakes and one cancellation of a permit of 3 at once: whatever
    the order, the account holds exactly what the permit has left."""
    from bianzhi.quota.permits import permit_cancel

    w = world
    office = Actor(
        user_id=None, name="编办", role="office_admin", scope="region:990100"
    )
    permit = permit_walk(w, count=3)

    def act(index: int) -> None:
        if index == 0:
            permit_cancel(
                actor=office, permit_id=permit.pk, reason="招考取消", today=today()
            )
        else:
            enroll(w.bureau, 20 + index, permit=permit.number)

    result = race(8, act)
    assert not result.failures, result.failures
    permit.refresh_from_db()
    intakes = len([i for i in result.won if i])
    assert intakes == permit.used <= 3
    assert (0 in result.won) == (permit.status == "cancelled")
    assert counters(w.adm) == (3, intakes, 0 if 0 in result.won else 3 - intakes)
    _no_problems()
