"""Revoke, merge and conversion with postings: one transaction, one audit
event, every refusal with its code and nothing written."""

# Fixtures are imported from the roster helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.matters import services as matters
from bianzhi.orgs import checks as orgs_checks
from bianzhi.orgs import selectors as orgs_selectors
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import InternalBody, Unit, UnitChange
from bianzhi.quota import checks as quota_checks
from bianzhi.quota.models import HolderKind, Loan, QuotaAccount, QuotaMovement
from bianzhi.roster import checks as roster_checks
from bianzhi.roster import selectors
from bianzhi.roster.models import Appointment, Posting
from tests.roster.helpers import (  # noqa: F401 - fixtures
    ADM,
    INS,
    LOG,
    OFFICE,
    TODAY,
    account,
    appoint,
    city,
    enroll,
    establish,
    hr,
    person_data,
    providers,
    release,
    set_leader_posts,
    units,
)

from .helpers import lend, refused

pytestmark = pytest.mark.django_db
DOC = "示编〔2026〕9号"
STAFF = dict(identity="事业人员", post_type="管理", rank="管理岗八级")
WORKER = dict(identity="工勤人员", post_type="", rank="")


def clean() -> None:
    assert quota_checks.problems(today=TODAY) == []
    assert roster_checks.problems(today=TODAY) == []
    assert orgs_checks.problems(today=TODAY) == []
    assert audit.verify_chain().ok


def system(city, holder, category=ADM, funding="full") -> QuotaAccount:
    return QuotaAccount.objects.get(
        region=city, holder_kind=holder, category_id=category, funding=funding
    )


def revoke(unit, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("doc_no", DOC)
    kw.setdefault("effective_date", TODAY)
    kw.setdefault("today", TODAY)
    return matters.unit_revoke(unit=unit, **kw)


def merge(unit, into, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("doc_no", DOC)
    kw.setdefault("effective_date", TODAY)
    kw.setdefault("today", TODAY)
    return matters.unit_merge(unit=unit, into=into, **kw)


def convert(unit, category, funding, to_category, to_funding, amount, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("doc_no", DOC)
    kw.setdefault("effective_date", TODAY)
    kw.setdefault("today", TODAY)
    return matters.account_conversion(
        unit=unit,
        category=category,
        funding=funding,
        to_category=to_category,
        to_funding=to_funding,
        amount=amount,
        **kw,
    )


def body(unit, name="办公室"):
    return orgs.internal_body_add(
        actor=OFFICE,
        unit=unit,
        name=name,
        rank="section",
        doc_no="示编〔2020〕5号",
        effective_date=dt.date(2020, 1, 1),
        reason="补录",
        today=TODAY,
    )


# --- revoke --------------------------------------------------------------------------


def test_revoke_refused_while_people_are_posted(units):
    enroll(units["bureau"], person_data(1))
    with refused(E.UNIT_HAS_POSTINGS):
        revoke(units["bureau"])


def test_revoke_refused_when_a_release_postdates_the_effective_date(units):
    posting = enroll(
        units["bureau"], person_data(1), start_date=dt.date(2026, 6, 1), reason="补录"
    )
    release(posting, exit_date=dt.date(2026, 6, 10))
    with refused(E.UNIT_HAS_POSTINGS):
        revoke(units["bureau"], effective_date=dt.date(2026, 6, 5), reason="补办")


def test_revoke_after_releases_returns_loans_recalls_quota_ends_bodies(city, units):
    bureau = units["bureau"]
    loan = lend(city, bureau, 2)
    set_leader_posts(bureau, 1)
    posting = enroll(bureau, person_data(1))
    appointment = appoint(posting)
    office_body = body(bureau)
    release(posting)
    assert Appointment.objects.get(pk=appointment.pk).end_date == TODAY
    reserve_before = system(city, HolderKind.RESERVE).approved
    log_reserve_before = system(city, HolderKind.RESERVE, LOG).approved
    events = AuditEvent.objects.count()

    revoke(bureau, reason="机构改革")

    bureau.refresh_from_db()
    assert bureau.status == Unit.Status.REVOKED
    assert (bureau.revoked_on, bureau.revoked_doc_no) == (TODAY, DOC)
    assert account(bureau).approved == 0 and account(bureau, LOG).approved == 0
    assert Loan.objects.get(pk=loan.pk).outstanding == 0
    assert system(city, HolderKind.POOL).approved == 2
    # 5 granted come back to the reserve; the 2 borrowed went back to the pool.
    assert system(city, HolderKind.RESERVE).approved == reserve_before + 5
    assert system(city, HolderKind.RESERVE, LOG).approved == log_reserve_before + 2
    kinds = sorted(
        QuotaMovement.objects.filter(doc_no=DOC).values_list("kind", flat=True)
    )
    assert kinds == ["recall", "recall", "return"]
    assert InternalBody.objects.get(pk=office_body.pk).abolished_on == TODAY
    assert UnitChange.objects.filter(unit=bureau, kind="revoke").count() == 1
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "unit_revoke"
    models = {r["model"] for r in event.records}
    assert {"orgs.Unit", "quota.QuotaMovement", "orgs.InternalBody"} <= models
    clean()


def test_revoke_refusals_change_nothing(units):
    bureau = units["bureau"]
    with refused(E.ROLE_FORBIDDEN):
        revoke(bureau, actor=hr(bureau))
    with refused(E.DOC_NO_INVALID):
        revoke(bureau, doc_no="随便")
    with refused(E.DATE_INVALID):
        revoke(bureau, effective_date=TODAY + dt.timedelta(days=1))
    with refused(E.BACKDATE_REASON_REQUIRED):
        revoke(bureau, effective_date=TODAY - dt.timedelta(days=1))
    revoke(bureau)
    with refused(E.UNIT_INACTIVE):
        revoke(bureau)


# --- merge ----------------------------------------------------------------------------


@pytest.fixture
def staffed(city, units):
    """The bureau with two civil servants (one appointed), a logistics worker,
    an internal body and a pool loan of 1."""
    bureau = units["bureau"]
    loan = lend(city, bureau, 1)
    set_leader_posts(bureau, 1)
    first = enroll(
        bureau, person_data(1), start_date=dt.date(2026, 3, 2), reason="补录"
    )
    second = enroll(bureau, person_data(2))
    worker = enroll(bureau, person_data(3, **WORKER), category=LOG)
    appointment = appoint(first)
    return dict(
        unit=bureau,
        loan=loan,
        postings=[first, second, worker],
        appointment=appointment,
        body=body(bureau),
    )


def test_merge_moves_balances_and_people_keeping_history(city, units, staffed):
    bureau, other = staffed["unit"], units["other"]
    events = AuditEvent.objects.count()

    merge(bureau, other, reason="机构改革")

    bureau.refresh_from_db()
    assert bureau.status == Unit.Status.MERGED and bureau.merged_into_id == other.pk
    assert bureau.revoked_on == TODAY
    # administrative: 5 granted + 1 borrowed join the target's 3.
    target = account(other)
    assert (target.approved, target.occupied, target.over_since) == (9, 2, None)
    worker_account = account(other, LOG)
    assert (worker_account.approved, worker_account.occupied) == (2, 1)
    for source in (account(bureau), account(bureau, LOG)):
        assert (source.approved, source.occupied) == (0, 0)
    old_loan = Loan.objects.get(pk=staffed["loan"].pk)
    new_loan = Loan.objects.get(account=target)
    assert old_loan.outstanding == 0
    assert (new_loan.outstanding, new_loan.due_date) == (1, old_loan.due_date)

    first = staffed["postings"][0]
    history = selectors.person_history(first.person)
    assert [p.unit_id for p in history.postings] == [bureau.pk, other.pk]
    old, new = history.postings
    assert (old.end_date, old.ended_by, old.end_reason) == (TODAY, "posting_move", "")
    assert new.previous_id == old.pk and new.move_kind == "posting_move"
    assert new.intake_resource == "exempt" and new.channel == ""
    assert Appointment.objects.get(pk=staffed["appointment"].pk).end_date == TODAY
    assert InternalBody.objects.get(pk=staffed["body"].pk).abolished_on == TODAY
    assert not Posting.objects.filter(unit=bureau, end_date__isnull=True).exists()
    assert UnitChange.objects.filter(unit=other, kind="merge").count() == 1
    assert orgs_selectors.unit_as_of(bureau, TODAY - dt.timedelta(days=1)).is_active
    state = orgs_selectors.unit_as_of(bureau, TODAY)
    assert (state.status, state.merged_into_id) == ("merged", other.pk)
    assert orgs_selectors.unit_lineage(bureau)[-1].kind == "merge"
    assert AuditEvent.objects.count() == events + 1
    assert AuditEvent.objects.order_by("-seq").first().operation == "unit_merge"
    clean()


def test_merge_into_a_unit_that_may_not_hold_the_category(units, staffed):
    with refused(E.CATEGORY_NOT_ALLOWED):
        merge(staffed["unit"], units["school"])


def test_merge_identity_must_fit_the_target(city, units):
    # 参公 staff of a 参公 institution cannot move into an ordinary one.
    cs_inst = units["cs_inst"]
    enroll(cs_inst, person_data(5, identity="参公人员"), category=INS)
    plain = establish(
        city,
        "示例市第二中学",
        kind="institution",
        rank="section",
        institution_class="public_welfare_1",
        sector="P",
    )
    with refused(E.CATEGORY_MISMATCH):
        merge(cs_inst, plain)


def test_merge_refusals_change_nothing(city, units, staffed):
    bureau, other = staffed["unit"], units["other"]
    with refused(E.VALUE_INVALID):
        merge(bureau, bureau)
    with refused(E.ROLE_FORBIDDEN):
        merge(bureau, other, actor=Actor(user_id=9, name="赵六", role="viewer"))
    with refused(E.DATE_INVALID):
        merge(bureau, other, effective_date=TODAY + dt.timedelta(days=1))
    with refused(E.DATE_INVALID):
        # The second civil servant was enrolled only today.
        merge(bureau, other, effective_date=dt.date(2026, 5, 1), reason="补办")
    district = orgs.region_create_local(
        actor=OFFICE, code="990102", name="示例区", level="county", parent=city
    )
    elsewhere = establish(district, "示例区财政局")
    with refused(E.VALUE_INVALID):
        merge(bureau, elsewhere)
    revoke(units["court"])
    with refused(E.UNIT_INACTIVE):
        merge(bureau, units["court"])


# --- conversion ------------------------------------------------------------------------


def test_conversion_moves_the_postings_it_needs(units):
    school = units["school"]
    people = [
        enroll(school, person_data(n, **STAFF), category=INS, funding="partial")
        for n in (1, 2)
    ]
    with refused(E.REVERSE_FLOW):
        convert(school, INS, "partial", INS, "full", 2)
    events = AuditEvent.objects.count()

    movement = convert(school, INS, "partial", INS, "full", 2, approval_ref="特批1号")

    assert movement.kind == "conversion"
    partial, full = account(school, INS, "partial"), account(school, INS, "full")
    assert (partial.approved, partial.occupied) == (0, 0)
    assert (full.approved, full.occupied) == (5, 2)
    for old in people:
        new = Posting.objects.get(previous=old)
        assert new.move_kind == "conversion" and new.account_id == full.pk
        assert new.entered_unit_on == old.entered_unit_on
        assert new.approval_ref == "特批1号"
        assert Posting.objects.get(pk=old.pk).ended_by == "conversion"
    assert AuditEvent.objects.count() == events + 1
    clean()


def test_conversion_moves_only_whom_it_must_or_the_listed(units):
    school = units["school"]
    kept = enroll(school, person_data(1, **STAFF), category=INS)
    listed = enroll(school, person_data(2, **STAFF), category=INS)
    # full 3, occupied 2: converting 1 leaves 2 for 2 — nobody has to move.
    convert(school, INS, "full", INS, "partial", 1)
    assert Posting.objects.get(pk=kept.pk).end_date is None
    assert account(school, INS, "partial").approved == 3
    convert(school, INS, "full", INS, "partial", 1, persons=[listed.pk])
    assert Posting.objects.get(pk=listed.pk).ended_by == "conversion"
    partial = account(school, INS, "partial")
    assert (partial.approved, partial.occupied) == (4, 1)
    clean()


def test_conversion_refusals_change_nothing(units):
    bureau, school = units["bureau"], units["school"]
    servant = enroll(bureau, person_data(1))
    staff = enroll(school, person_data(2, **STAFF), category=INS)
    with refused(E.CATEGORY_MISMATCH):
        convert(bureau, ADM, "full", LOG, "full", 1, persons=[servant.pk])
    with refused(E.CATEGORY_MISMATCH):
        # 5 approved, 1 posted: taking all 5 must move the civil servant.
        convert(bureau, ADM, "full", LOG, "full", 5)
    with refused(E.QUOTA_FULL):
        convert(bureau, ADM, "full", LOG, "full", 1, persons=[servant.pk, staff.pk])
    with refused(E.VALUE_INVALID):
        convert(bureau, ADM, "full", LOG, "full", 1, persons=[staff.pk])
    with refused(E.VALUE_INVALID):
        convert(bureau, ADM, "full", LOG, "full", 1, persons="1")
    with refused(E.MOVEMENT_INVALID):
        convert(bureau, ADM, "full", ADM, "full", 1)
    with refused(E.QUANTITY_INVALID):
        convert(bureau, ADM, "full", LOG, "full", 0)
    with refused(E.CATEGORY_NOT_ALLOWED):
        convert(school, INS, "full", ADM, "full", 1, approval_ref="特批")
    with refused(E.ACCOUNT_UNKNOWN):
        convert(school, ADM, "full", INS, "full", 1)
    with refused(E.QUOTA_NEGATIVE):
        # Not enough moved: the source would keep more people than quota.
        convert(school, INS, "full", INS, "partial", 3, persons=[])
    with refused(E.ROLE_FORBIDDEN):
        convert(school, INS, "full", INS, "partial", 1, actor=hr(school))


def test_back_dated_merge_keeps_every_date_consistent(city, units):
    bureau, other = units["bureau"], units["other"]
    day = dt.date(2026, 5, 4)
    first = enroll(
        bureau, person_data(1), start_date=dt.date(2026, 3, 2), reason="补录"
    )
    with refused(E.BACKDATE_REASON_REQUIRED):
        merge(bureau, other, effective_date=day)
    merge(bureau, other, effective_date=day, reason="补办合并")
    new = Posting.objects.get(previous=first)
    assert (new.start_date, new.entered_unit_on) == (day, day)
    assert selectors.occupied_as_of([account(bureau).pk], day) == {
        account(bureau).pk: 0
    }
    assert selectors.occupied_as_of([account(other).pk], day) == {account(other).pk: 1}
    assert account(other).approved == 8
    clean()
