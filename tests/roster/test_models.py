"""Database constraints of the roster models (the last line of defence)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from bianzhi.orgs.models import Region, Unit
from bianzhi.quota.models import QuotaAccount, QuotaCategory
from bianzhi.roster.models import (
    Appointment,
    OffQuotaStaff,
    Person,
    Posting,
    RetirementException,
)
from bianzhi.roster.retirement import retirement_date

from .conftest import make_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def region():
    return Region.objects.create(
        code="990100", name="示例市", level="city", is_local=True
    )


def _unit(region, name, kind="gov_dept"):
    return Unit.objects.create(
        name=name,
        region=region,
        kind=kind,
        rank="division",
        established_on=dt.date(2000, 1, 1),
        established_doc_no="初始化导入",
    )


def _account(unit, category="administrative"):
    return QuotaAccount.objects.create(
        region=unit.region,
        holder_kind="unit",
        unit=unit,
        category=QuotaCategory.objects.get(code=category),
        funding="full",
        approved=10,
    )


def _person(n=1, **fields):
    data = dict(
        id_number=make_id("19850607", f"{n:02d}1"),
        name=f"张{n}",
        gender="M",
        birth_date=dt.date(1985, 6, 7),
        certified_birth_date=dt.date(1985, 6, 7),
        ethnicity="01",
        political_status="01",
        education="undergraduate",
        degree="bachelor",
        identity="civil_servant",
        rank="principal_clerk_2",
        work_start_date=dt.date(2008, 7, 1),
    )
    data.update(fields)
    return Person.objects.create(**data)


def _posting(person, account, start=dt.date(2020, 1, 1), **fields):
    data = dict(move_kind="enroll", channel="exam_recruitment")
    data.update(fields)
    return Posting.objects.create(
        person=person,
        account=account,
        unit=account.unit,
        start_date=start,
        entered_unit_on=start,
        **data,
    )


def _refused(create):
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_one_active_posting_per_person(region):
    a = _account(_unit(region, "甲局"))
    b = _account(_unit(region, "乙局"))
    person = _person()
    first = _posting(person, a)
    _refused(lambda: _posting(person, b))
    first.end_date = dt.date(2024, 5, 1)
    first.ended_by = "transfer"
    first.save()
    second = _posting(person, b, start=dt.date(2024, 5, 1), move_kind="transfer")
    assert second.is_active
    assert Posting.objects.filter(person=person, end_date__isnull=True).count() == 1


def test_posting_dates_and_end_fields(region):
    account = _account(_unit(region, "甲局"))
    _refused(lambda: _posting(_person(1), account, end_date=dt.date(2019, 12, 31)))
    _refused(lambda: _posting(_person(2), account, end_reason="resignation"))
    _refused(
        lambda: _posting(
            _person(3), account, end_date=dt.date(2021, 1, 1), ended_by="release"
        )
    )
    released = _posting(
        _person(4),
        account,
        end_date=dt.date(2021, 1, 1),
        ended_by="release",
        end_reason="resignation",
        late_release=True,
    )
    assert released.late_release


def test_posting_unit_must_be_the_accounts(region):
    account = _account(_unit(region, "甲局"))
    other = _unit(region, "乙局")
    posting = Posting(
        person=_person(),
        account=account,
        unit=other,
        start_date=dt.date(2020, 1, 1),
        entered_unit_on=dt.date(2020, 1, 1),
        move_kind="enroll",
    )
    with pytest.raises(ValidationError) as error:
        posting.full_clean()
    assert "unit" in error.value.message_dict


def test_person_constraints():
    _refused(lambda: _person(1, certified_birth_date=dt.date(1985, 1, 1)))
    person = _person(
        2, certified_birth_date=dt.date(1985, 1, 1), certified_basis="档案"
    )
    assert person.certified_birth_date != person.birth_date
    _refused(lambda: _person(3, identity="institution_staff", rank=""))
    _refused(lambda: _person(4, id_number="11010119850607041"))
    _refused(lambda: _person(5, gender="X"))
    _refused(lambda: _person(2, name="重号"))  # same id_number


def test_person_value_sets_validated_by_full_clean():
    person = _person()
    person.full_clean()
    person.ethnicity = "99"
    person.education = "本科"  # a label, not the code
    with pytest.raises(ValidationError) as error:
        person.full_clean()
    assert {"ethnicity", "education"} <= set(error.value.message_dict)


def test_retirement_exception_months_fit_the_kind():
    person = _person(
        gender="F",
        id_number=make_id("19700115", "022"),
        birth_date=dt.date(1970, 1, 15),
        certified_birth_date=dt.date(1970, 1, 15),
    )

    def make(kind, months):
        return RetirementException.objects.create(
            person=person,
            kind=kind,
            months=months,
            doc_no="组通字〔2015〕14号",
            effective_from=dt.date(2024, 1, 1),
        )

    _refused(lambda: make("senior_female_cadre_60", 12))
    _refused(lambda: make("flexible_delay", 37))
    _refused(lambda: make("flexible_delay", None))
    _refused(lambda: make("senior_expert_extension", 121))
    exception = make("senior_female_cadre_60", None)
    # The model row is a RetirementAdjustment.
    assert retirement_date(
        person.certified_birth_date, "F", "civil_servant", "", [exception]
    ) == dt.date(2030, 1, 1)


def test_appointment_internal_body_matches_scope(region):
    unit = _unit(region, "甲局")
    person = _person()
    posting = _posting(person, _account(unit))
    _refused(
        lambda: Appointment.objects.create(
            person=person,
            posting=posting,
            unit=unit,
            scope="internal_body",
            level="township",
            kind="chief",
            title="科长",
            start_date=dt.date(2021, 1, 1),
            doc_no="示组〔2021〕1号",
        )
    )
    Appointment.objects.create(
        person=person,
        posting=posting,
        unit=unit,
        scope="unit",
        level="county",
        kind="chief",
        title="局长",
        start_date=dt.date(2021, 1, 1),
        doc_no="示组〔2021〕1号",
    )


def test_off_quota_staff_one_active_record_per_unit(region):
    unit = _unit(region, "甲局")

    def make(**fields):
        return OffQuotaStaff.objects.create(
            unit=unit,
            name="李四",
            id_number=make_id("19950101", "013"),
            employment_form="dispatch",
            funding_source="public",
            start_date=dt.date(2023, 1, 1),
            **fields,
        )

    make(end_date=dt.date(2023, 12, 31))
    make()
    _refused(make)
