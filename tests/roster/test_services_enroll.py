"""person_enroll: every rule of DOMAIN §3.4 and its refusal code."""

# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from bianzhi.core import audit
from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError
from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.orgs.models import Unit
from bianzhi.quota import occupancy
from bianzhi.quota import services as quota
from bianzhi.roster import checks, services, services_common
from bianzhi.roster.models import OffQuotaStaff, Person, Posting
from tests.conftest import grant_permit

from .conftest import make_id
from .helpers import (  # noqa: F401 - fixtures
    ADM,
    DOC,
    INS,
    LEADER,
    LOG,
    OFFICE,
    PL,
    TODAY,
    account,
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


def test_enroll_creates_person_posting_counter_and_one_audit_event(units):
    bureau = units["bureau"]
    permit = grant_permit(bureau)  # 考录 needs one (its own audit event)
    events = AuditEvent.objects.count()
    posting = enroll(bureau, person_data(1, name="张三丰"), permit=permit)
    person = posting.person
    assert (person.name, person.name_pinyin_initials, person.gender) == (
        "张三丰",
        "zsf",
        "M",
    )
    assert person.birth_date == person.certified_birth_date == dt.date(1985, 6, 7)
    assert (posting.unit, posting.start_date, posting.end_date) == (bureau, TODAY, None)
    assert (posting.move_kind, posting.channel, posting.intake_resource) == (
        "enroll",
        "exam_recruitment",
        "permit_reservation",
    )
    assert (account(bureau).occupied, account(bureau).reserved) == (1, 0)
    assert AuditEvent.objects.count() == events + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.operation == "person_enroll"
    assert {r["model"] for r in event.records} == {
        "quota.Permit",
        "roster.Person",
        "roster.Posting",
        "quota.QuotaAccount",
    }
    counter = next(r for r in event.records if r["model"] == "quota.QuotaAccount")
    assert (counter["before"]["occupied"], counter["after"]["occupied"]) == (0, 1)
    assert audit.verify_chain().ok
    assert checks.problems(today=TODAY) == []


def test_unit_hr_enrolls_into_own_unit_only(units):
    bureau, other = units["bureau"], units["other"]
    enroll(bureau, person_data(1), actor=hr(bureau))
    with refused(E.ROLE_FORBIDDEN):
        enroll(other, person_data(2), actor=hr(bureau))
    with refused(E.ROLE_FORBIDDEN):  # the initial load is the office's
        enroll(bureau, person_data(2), actor=hr(bureau), channel="初始化导入")
    inspector = Actor(user_id=9, name="赵六", role="inspector", scope="region:990100")
    with refused(E.ROLE_FORBIDDEN):
        enroll(bureau, person_data(3), actor=inspector)


def test_identity_numbers_checked(units):
    bureau = units["bureau"]
    bad = person_data(1)
    bad["id_number"] = bad["id_number"][:17] + (
        "0" if bad["id_number"][17] != "0" else "1"
    )
    with refused(E.ID_INVALID) as info:
        enroll(bureau, bad)
    assert info.value.field == "id_number"
    with refused(E.ID_MISMATCH):
        enroll(bureau, person_data(1, gender="女"))
    with refused(E.BIRTH_DATE_MISMATCH):
        enroll(bureau, person_data(1, birth_date="1985-06-08"))
    posting = enroll(
        bureau,
        person_data(1, birth_date="1984-12-01", certified_basis="干部档案1984年记载"),
    )
    person = posting.person
    assert person.birth_date == dt.date(1985, 6, 7)
    assert (person.certified_birth_date, person.certified_basis) == (
        dt.date(1984, 12, 1),
        "干部档案1984年记载",
    )


def test_old_region_codes_are_accepted(units):
    # 370102 is listed from 1983 on; staff born earlier hold such numbers.
    data = person_data(1, birth="19700301", region="370102")
    assert enroll(units["bureau"], data).person.birth_date == dt.date(1970, 3, 1)


@pytest.mark.parametrize(
    ("key", "value", "code"),
    [
        ("name", "", E.FIELD_REQUIRED),
        ("ethnicity", "火星族", E.VALUE_INVALID),
        ("education", "", E.FIELD_REQUIRED),
        ("rank", "管理岗三级", E.VALUE_INVALID),  # not a civil-servant rank
        ("work_start_date", "1980-01-01", E.VALUE_INVALID),  # before birth
        ("work_start_date", "", E.FIELD_REQUIRED),
        ("nickname", "小张", E.VALUE_INVALID),
    ],
)
def test_person_fields_validated(units, key, value, code):
    with refused(code):
        enroll(units["bureau"], person_data(1, **{key: value}))


def test_aliases_are_resolved(units):
    data = person_data(
        1, ethnicity="汉", political_status="党员", education="本科", rank="一级科员"
    )
    person = enroll(units["bureau"], data).person
    assert (
        person.ethnicity,
        person.political_status,
        person.education,
        person.rank,
    ) == (
        "01",
        "01",
        "undergraduate",
        "clerk_1",
    )


def test_identity_must_fit_category(units):
    school, bureau = units["school"], units["bureau"]
    with refused(E.CATEGORY_MISMATCH):
        enroll(school, person_data(1), category=INS)  # 公务员 into 事业编制
    staff = person_data(2, identity="事业人员", post_type="专业技术")
    with refused(E.CATEGORY_MISMATCH):
        enroll(bureau, staff)
    cs = person_data(3, identity="参公人员")
    with refused(E.CATEGORY_MISMATCH):
        enroll(bureau, cs)  # 参公 into a government department's 行政编制
    with refused(E.CATEGORY_MISMATCH):
        enroll(school, cs, category=INS)  # an institution that is not 参公
    enroll(units["cs_inst"], cs, category=INS)
    enroll(
        units["mass"], person_data(4, identity="参公人员")
    )  # 参公 群团: administrative
    enroll(school, staff, category=INS)
    enroll(bureau, person_data(5, identity="工勤人员", rank="技师"), category=LOG)
    enroll(units["court"], person_data(6), category=PL)
    assert Posting.objects.filter(end_date__isnull=True).count() == 5


def test_institution_staff_need_a_post_type(units):
    with refused(E.FIELD_REQUIRED) as info:
        enroll(units["school"], person_data(1, identity="事业人员"), category=INS)
    assert info.value.field == "post_type"


def test_age_limits(units):
    bureau = units["bureau"]
    with refused(E.AGE_OUT_OF_RANGE):
        enroll(bureau, person_data(1, birth="20100101", work_start_date="2026-01-01"))
    # A man born 1966-01 retires at 60 years 4 months: 2026-05.
    with refused(E.AGE_OUT_OF_RANGE):
        enroll(bureau, person_data(2, birth="19660115", work_start_date="1988-07-01"))
    # Back-dated to before his retirement month, he may still be enrolled.
    posting = enroll(
        bureau,
        person_data(2, birth="19660115", work_start_date="1988-07-01"),
        start_date=dt.date(2026, 4, 1),
        reason="补录",
    )
    assert not posting.flagged_past_retirement


def test_initial_load_checks_age_on_entering_the_unit_and_flags(units):
    bureau = units["bureau"]
    old = person_data(1, birth="19600115", work_start_date="1980-07-01")
    posting = enroll(
        bureau,
        old,
        channel="初始化导入",
        doc_no="初始化导入",
        start_date=dt.date(2020, 1, 1),
        entered_unit_on=dt.date(1995, 3, 1),
    )
    assert posting.flagged_past_retirement
    assert (posting.move_kind, posting.entered_unit_on) == (
        "initial_load",
        dt.date(1995, 3, 1),
    )
    young = person_data(2, birth="20000101", work_start_date="2020-07-01")
    with refused(E.AGE_OUT_OF_RANGE):
        enroll(
            bureau,
            young,
            channel="初始化导入",
            doc_no="初始化导入",
            start_date=dt.date(2022, 1, 1),
            entered_unit_on=dt.date(2015, 1, 1),
        )
    with refused(E.VALUE_INVALID):  # entered after the start date
        enroll(bureau, young, entered_unit_on=TODAY + DAY)


# The capacity rules are tested through a channel filed afterwards (军转): an
# intake needing a permit is refused earlier, for want of one, when no permit
# can reserve a post (PERMIT_REQUIRED; tests/quota/test_permits.py).
MIL = "军转干部安置"


def test_quota_full(units):
    other = units["other"]  # 3 approved
    for n in range(3):
        enroll(other, person_data(n + 1))
    with refused(E.QUOTA_FULL) as info:
        enroll(other, person_data(9), channel=MIL)
    assert "核定3名，实有3名" in info.value.message
    assert account(other).occupied == 3


def test_reservations_count_against_vacancy(units):
    other = units["other"]
    with transaction.atomic():
        occupancy.reserve(account(other), amount=2)
    enroll(other, person_data(1))
    with refused(E.QUOTA_FULL) as info:
        enroll(other, person_data(2), channel=MIL)
    assert "预留2名" in info.value.message


def _over_by(unit, n_people: int, cut: int):
    """Fill `unit`'s administrative account with n people, then a reform cut."""
    postings = [enroll(unit, person_data(40 + i)) for i in range(n_people)]
    quota.quota_recall(
        actor=LEADER,
        unit=unit,
        category=ADM,
        funding="full",
        amount=cut,
        doc_no="示编〔2026〕9号",
        effective_date=TODAY,
        reform=True,
        today=TODAY,
    )
    return postings


def test_over_quota_policy_none_refuses_intake(units):
    other = units["other"]
    postings = _over_by(other, 3, 1)
    acc = account(other)
    assert (acc.approved, acc.occupied, acc.over_since) == (2, 3, TODAY)
    with refused(E.QUOTA_OVER_NO_INTAKE):
        enroll(other, person_data(1), channel=MIL)
    release(postings[0])
    acc = account(other)
    assert (acc.occupied, acc.over_since, acc.intake_credits) == (2, None, 0)
    with refused(E.QUOTA_FULL):  # full now: 先出后进
        enroll(other, person_data(1), channel=MIL)
    release(postings[1])
    enroll(other, person_data(1))


def test_n_out_1_in_credits(units, city):
    orgs.region_set_policy(
        actor=OFFICE, region=city, over_quota_policy="n_out_1_in", releases_per_intake=2
    )
    other = units["other"]
    postings = _over_by(other, 3, 2)  # approved 1, occupied 3
    with refused(E.QUOTA_FULL):  # no credit yet
        enroll(other, person_data(1), channel=MIL)
    release(postings[0])
    acc = account(other)
    assert (acc.occupied, acc.releases_toward_credit, acc.intake_credits) == (2, 1, 0)
    release(postings[1])
    acc = account(other)
    assert (acc.occupied, acc.releases_toward_credit, acc.intake_credits) == (1, 0, 1)
    assert acc.credits_year == 2026 and acc.over_since is None
    posting = enroll(other, person_data(1), channel=MIL)
    assert posting.intake_resource == "credit"
    acc = account(other)
    assert (acc.occupied, acc.intake_credits, acc.over_since) == (2, 0, TODAY)
    with refused(E.QUOTA_FULL):
        enroll(other, person_data(2), channel=MIL)
    assert checks.problems(today=TODAY) == []


def test_credits_expire_with_the_year(units, city):
    orgs.region_set_policy(actor=OFFICE, region=city, over_quota_policy="n_out_1_in")
    other = units["other"]
    postings = _over_by(other, 3, 1)  # approved 2, occupied 3
    release(postings[0])
    assert account(other).intake_credits == 1
    next_year = dt.date(2027, 1, 4)
    release(postings[1], exit_date=next_year, today=next_year)  # not over: no credit
    assert account(other).intake_credits == 1
    enroll(other, person_data(1), start_date=next_year, today=next_year)  # vacancy
    with refused(E.QUOTA_FULL):  # the 2026 credit is void in 2027
        enroll(
            other, person_data(2), start_date=next_year, today=next_year, channel=MIL
        )


def test_account_unknown_and_unit_inactive(units):
    with refused(E.ACCOUNT_UNKNOWN):
        enroll(units["bureau"], person_data(1), category=PL)
    # No revoke service exists yet (matters/): arrange the state directly.
    Unit.objects.filter(pk=units["other"].pk).update(status="revoked")
    with refused(E.UNIT_INACTIVE):
        enroll(units["other"], person_data(1))
    with refused(E.UNIT_UNKNOWN):
        enroll(999999, person_data(1))


def test_backdated_start_needs_office_and_reason(units):
    bureau = units["bureau"]
    earlier = TODAY - 10 * DAY
    with refused(E.BACKDATE_REASON_REQUIRED):
        enroll(
            bureau, person_data(1), start_date=earlier, actor=hr(bureau), reason="补录"
        )
    with refused(E.BACKDATE_REASON_REQUIRED):
        enroll(bureau, person_data(1), start_date=earlier)
    assert (
        enroll(bureau, person_data(1), start_date=earlier, reason="补录").start_date
        == earlier
    )
    with refused(E.DATE_INVALID):
        enroll(bureau, person_data(2), start_date=TODAY + DAY)


def test_backdated_intake_needs_vacancy_on_every_past_date(units):
    other = units["other"]  # 3 approved since 2020
    kw = dict(
        actor=OFFICE,
        unit=other,
        category=ADM,
        funding="full",
        today=TODAY,
        reason="补录",
    )
    quota.quota_recall(
        amount=2, doc_no="示编〔2023〕1号", effective_date=dt.date(2023, 1, 1), **kw
    )
    quota.quota_grant(
        amount=2, doc_no="示编〔2025〕1号", effective_date=dt.date(2025, 1, 1), **kw
    )
    enroll(other, person_data(1), start_date=dt.date(2022, 6, 1), reason="补录")
    with refused(E.QUOTA_FULL) as info:
        enroll(other, person_data(2), start_date=dt.date(2022, 6, 1), reason="补录")
    assert "2023-01-01" in info.value.message
    enroll(other, person_data(2), start_date=dt.date(2025, 1, 1), reason="补录")


def test_start_before_the_unit_existed(units):
    with refused(E.VALUE_INVALID):
        enroll(
            units["bureau"],
            person_data(1),
            start_date=dt.date(2019, 1, 1),
            reason="补录",
        )


def test_one_active_posting_per_person(units):
    enroll(units["bureau"], person_data(1))
    with refused(E.PERSON_ALREADY_POSTED) as info:
        enroll(units["other"], person_data(1))
    assert "示例市财政局" in info.value.message


def test_reenrolling_a_released_person_updates_the_record(units):
    first = enroll(
        units["bureau"],
        person_data(1, major="会计"),
        start_date=TODAY - 30 * DAY,
        reason="补录",
    )
    release(first, "辞职", exit_date=TODAY - 5 * DAY, actor=hr(units["bureau"]))
    with refused(E.PERSON_ALREADY_POSTED):  # overlaps the old posting
        enroll(
            units["school"], person_data(1), start_date=TODAY - 6 * DAY, reason="补录"
        )
    with refused(E.VALUE_INVALID):  # a locked field differs
        enroll(units["other"], person_data(1, name="张三"))
    data = person_data(1, identity="事业人员", post_type="专业技术", rank="专技岗十级")
    second = enroll(units["school"], data, category=INS, channel="招聘")
    person = Person.objects.get()
    assert second.person == person
    assert (person.identity, person.rank, person.major) == (
        "institution_staff",
        "professional_10",
        "会计",
    )
    event = AuditEvent.objects.order_by("-seq").first()
    person_change = next(r for r in event.records if r["model"] == "roster.Person")
    assert person_change["before"]["identity"] == "civil_servant"


def test_enrollment_ends_running_off_quota_work(units):
    bureau = units["bureau"]
    data = person_data(1)
    services.offquota_add(
        actor=OFFICE,
        unit=bureau,
        name=data["name"],
        id_number=data["id_number"],
        employment_form="聘用",
        funding_source="财政",
        start_date=dt.date(2024, 1, 1),
        today=TODAY,
    )
    enroll(bureau, data)
    staff = OffQuotaStaff.objects.get()
    assert (staff.end_date, staff.end_reason) == (TODAY, "入编")
    assert checks.problems(today=TODAY) == []


def test_permit_hook(units):
    bureau = units["bureau"]
    calls = []

    def hook(*, channel, unit, category, funding, permit, start_date, today):
        calls.append((channel, today))
        if permit is None:
            raise ApplicationError(E.PERMIT_REQUIRED, field="permit")
        return services.PermitDecision(converts_reservation=True, ref=f"核准-{permit}")

    # Put back whatever hook the apps installed (roster.permit_hook), not the
    # accept-everything default: later tests in this process rely on it.
    installed = services_common._permit_hook
    services.set_permit_hook(hook)
    try:
        with refused(E.PERMIT_REQUIRED):
            enroll(bureau, person_data(1), permit=None)
        # Filed afterwards (军转) and the initial load do not go through it.
        enroll(bureau, person_data(2), channel="军转干部安置")
        enroll(
            bureau,
            person_data(3),
            channel="初始化导入",
            doc_no="初始化导入",
            start_date=dt.date(2021, 1, 1),
        )
        with transaction.atomic():
            occupancy.reserve(account(bureau))
        posting = enroll(bureau, person_data(4), permit=17)
        assert (posting.intake_resource, posting.permit_ref) == (
            "permit_reservation",
            "核准-17",
        )
        acc = account(bureau)
        assert (acc.occupied, acc.reserved) == (3, 0)
    finally:
        services.set_permit_hook(installed)
    # The hook judges validity on the service's today, which it is told.
    assert calls == [("exam_recruitment", TODAY), ("exam_recruitment", TODAY)]
    enroll(bureau, person_data(5))  # the installed hook again (a permit)


def test_make_id_agrees_with_stdnum():
    from stdnum.cn import ric

    first17 = make_id("19850607", "011")[:17]
    assert make_id("19850607", "011")[17] == ric.calc_check_digit(first17 + "0")
