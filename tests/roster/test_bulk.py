"""The bulk path of the initial load: the same decisions and end state as
person_enroll row by row (property test), all-or-nothing, accept_excess, and
one audit event per person under a batch id."""
# Fixtures are imported from .helpers and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from bianzhi.core import audit
from bianzhi.core.errors import ApplicationError
from bianzhi.core.errors import ErrorCode as E
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services as orgs
from bianzhi.quota.models import QuotaAccount
from bianzhi.roster import checks, services
from bianzhi.roster.bulk import bulk_enroll
from bianzhi.roster.bulk_plan import EXCESS_REASON
from bianzhi.roster.models import Person, Posting
from tests.conftest import grant_permit

from .helpers import (  # noqa: F401  (fixtures)
    ADM,
    INS,
    LOG,
    OFFICE,
    TODAY,
    account,
    city,
    person_data,
    providers,
    release,
    units,
)

START = dt.date(2025, 1, 1)
SEEN: set[str] = set()  # what the property test met (printed with -s)
LOAD = "初始化导入"


def row(unit, data, category=ADM, funding="full", entered=None) -> dict:
    out = {
        "unit": unit.pk if hasattr(unit, "pk") else unit,
        "category": category,
        "funding": funding,
        "person": data,
    }
    if entered:
        out["entered_unit_on"] = entered
    return out


def load(rows, **kw):
    kw.setdefault("actor", OFFICE)
    kw.setdefault("start_date", START)
    kw.setdefault("today", TODAY)
    kw.setdefault("doc_no", LOAD)
    return bulk_enroll(rows=rows, **kw)


def sequential(rows) -> tuple[list[int], list[tuple[int, str]]]:
    accepted, refused = [], []
    for index, r in enumerate(rows):
        try:
            services.person_enroll(
                actor=OFFICE,
                unit=r["unit"],
                category=r["category"],
                funding=r["funding"],
                person=r["person"],
                channel=LOAD,
                start_date=START,
                doc_no=LOAD,
                entered_unit_on=r.get("entered_unit_on"),
                today=TODAY,
            )
            accepted.append(index)
        except ApplicationError as exc:
            refused.append((index, exc.code))
    return accepted, refused


def snapshot() -> dict:
    persons = sorted(
        Person.objects.values_list(
            "id_number", "name", "identity", "post_type", "rank", "certified_birth_date"
        )
    )
    postings = sorted(
        Posting.objects.values_list(
            "person__id_number",
            "account_id",
            "start_date",
            "end_date",
            "intake_resource",
            "flagged_past_retirement",
            "entered_unit_on",
            "move_kind",
            "doc_no",
        )
    )
    accounts = list(
        QuotaAccount.objects.order_by("pk").values_list(
            "pk", "approved", "occupied", "reserved", "intake_credits", "over_since"
        )
    )
    return {
        "persons": persons,
        "postings": postings,
        "accounts": accounts,
        "audit": AuditEvent.objects.filter(operation="person_enroll").count(),
    }


def both_ways(rows):
    """Run the bulk and the single path on the same state; roll both back."""
    with transaction.atomic():
        result = load(rows, valid_only=True)
        bulk = (
            result.accepted,
            [(i, exc.code) for i, exc in result.refused],
            snapshot(),
        )
        assert audit.verify_chain().ok
        transaction.set_rollback(True)
    with transaction.atomic():
        accepted, refused = sequential(rows)
        single = (accepted, refused, snapshot())
        transaction.set_rollback(True)
    return bulk, single


# --- the property test --------------------------------------------------------------

PEOPLE = [
    # (person_data kwargs, category, funding, unit key): valid and invalid ones
    ({}, ADM, "full", "bureau"),
    ({"identity": "事业人员", "post_type": "管理"}, INS, "full", "school"),
    ({"identity": "事业人员", "post_type": "专业技术"}, INS, "partial", "school"),
    ({"identity": "机关工勤人员"}, LOG, "full", "bureau"),
    ({}, INS, "full", "school"),  # CATEGORY_MISMATCH
    ({}, ADM, "full", "other"),  # over-quota account
    ({}, ADM, "full", "mass"),  # 群团: a civil servant may not hold it
    ({"identity": "参公人员"}, ADM, "full", "mass"),
    ({}, LOG, "partial", "bureau"),  # ACCOUNT_UNKNOWN
    ({}, ADM, "full", None),  # UNIT_UNKNOWN
    ({"birth": "19550301", "work_start_date": "1975-07-01"}, ADM, "full", "bureau"),
    ({"birth": "20100101", "work_start_date": "2024-07-01"}, ADM, "full", "bureau"),
]


def _bad_id(data: dict) -> dict:
    data = dict(data)
    last = data["id_number"][-1]
    data["id_number"] = data["id_number"][:-1] + ("1" if last != "1" else "2")
    return data


row_spec = st.tuples(
    st.integers(0, len(PEOPLE) - 1),  # which kind of row
    st.integers(1, 6),  # which ID (small range: duplicates)
    st.booleans(),  # an invalid ID (1 in 8)
    st.integers(0, 7),
)


def build(specs, made) -> list[dict]:
    rows = []
    for kind, n, _, bad in specs:
        over, category, funding, key = PEOPLE[kind]
        over = dict(over)
        birth = over.pop("birth", "19850607")
        data = person_data(n, birth=birth, **over)
        entered = None
        if birth == "19550301":
            entered = "2000-01-01"  # loaded, flagged past retirement
        elif birth == "20100101":
            entered = "2024-12-01"  # under 18: AGE_OUT_OF_RANGE
        if bad == 0:
            data = _bad_id(data)
        unit = made[key] if key else 999_999
        rows.append(row(unit, data, category, funding, entered))
    return rows


@pytest.fixture
def arranged(units, city):
    """`other` (administrative 3) loaded over quota with 4; one of them left
    under N-out-1-in, which earns a credit when the policy is on."""
    orgs.region_set_policy(
        actor=OFFICE, region=city, over_quota_policy="n_out_1_in", releases_per_intake=1
    )
    rows = [row(units["other"], person_data(50 + i)) for i in range(5)]
    load(rows, accept_excess=True)
    gone = Posting.objects.get(person__id_number=rows[0]["person"]["id_number"])
    release(gone, "辞职", exit_date=TODAY)
    # School institutional full (3): two taken, one vacancy left.
    load(
        [
            row(
                units["school"],
                person_data(60 + i, identity="事业人员", post_type="管理"),
                INS,
            )
            for i in range(2)
        ]
    )
    return units, city


@pytest.mark.parametrize("policy", ["none", "n_out_1_in"])
def test_bulk_and_single_decide_alike(arranged, policy):
    made, city = arranged
    orgs.region_set_policy(actor=OFFICE, region=city, over_quota_policy=policy)

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.lists(row_spec, min_size=1, max_size=10))
    def check(specs):
        rows = build(specs, made)
        bulk, single = both_ways(rows)
        assert bulk[0] == single[0]
        assert bulk[1] == single[1]
        assert bulk[2] == single[2]
        for _, code in single[1]:
            event(str(code))
            SEEN.add(str(code))
        SEEN.add(f"accepted>{min(len(single[0]), 3)}")

    check()
    print(policy, sorted(SEEN))


# --- plain tests ---------------------------------------------------------------------


def test_all_or_nothing_without_valid_only(units):
    bureau = units["bureau"]
    before = snapshot()
    rows = [row(bureau, person_data(1)), row(units["school"], person_data(2), INS)]
    with pytest.raises(ApplicationError) as info:
        load(rows)
    assert (info.value.code, info.value.params["row"]) == (E.CATEGORY_MISMATCH, 1)
    assert snapshot() == before
    result = load(rows, valid_only=True)
    assert result.accepted == [0]
    assert [(i, e.code) for i, e in result.refused] == [(1, E.CATEGORY_MISMATCH)]


def test_quota_full_refused_or_accepted_as_excess(units):
    other = units["other"]  # administrative 3
    rows = [row(other, person_data(n)) for n in range(1, 6)]
    result = load(rows, valid_only=True)
    assert result.accepted == [0, 1, 2]
    assert {e.code for _, e in result.refused} == {E.QUOTA_FULL}
    assert account(other).occupied == 3


def test_accept_excess_records_over_quota_from_load_date(units):
    other = units["other"]
    rows = [row(other, person_data(n)) for n in range(1, 6)]
    result = load(rows, accept_excess=True)
    assert result.accepted == [0, 1, 2, 3, 4]
    acct = account(other)
    assert (acct.occupied, acct.over_since, acct.over_reason) == (
        5,
        START,
        EXCESS_REASON,
    )
    resources = list(
        Posting.objects.filter(account=acct)
        .order_by("pk")
        .values_list("intake_resource", flat=True)
    )
    assert resources == ["vacancy"] * 3 + ["exempt"] * 2
    assert checks.problems(today=TODAY) == []


def test_one_audit_event_per_person_under_batch_and_chain_valid(units):
    bureau = units["bureau"]
    old = person_data(9, birth="19550301", work_start_date="1975-07-01")
    rows = [row(bureau, person_data(n)) for n in range(1, 4)]
    rows.append(row(bureau, old, entered="2000-01-01"))
    result = load(rows, batch_id="batch-1")
    assert result.batch_id == "batch-1"
    events = list(AuditEvent.objects.filter(batch_id="batch-1").order_by("seq"))
    assert len(events) == 4
    assert all(e.operation == "person_enroll" for e in events)
    assert "已过退休时间" in events[-1].summary
    models = [r["model"] for r in events[0].records]
    assert models == ["roster.Person", "roster.Posting", "quota.QuotaAccount"]
    occupied = [e.records[-1]["after"]["occupied"] for e in events]
    assert occupied == [1, 2, 3, 4]
    assert audit.verify_chain().ok
    # a later single enrollment chains on
    services.person_enroll(
        actor=OFFICE,
        unit=bureau,
        category=ADM,
        funding="full",
        person=person_data(20),
        channel="考录",
        start_date=TODAY,
        doc_no="示编〔2026〕1号",
        today=TODAY,
        permit=grant_permit(bureau),
    )
    assert audit.verify_chain().ok
    assert Posting.objects.get(
        person__id_number=old["id_number"]
    ).flagged_past_retirement
    assert checks.problems(today=TODAY) == []


def test_only_the_office_and_only_the_initial_load(units):
    from bianzhi.core.actor import Actor

    hr = Actor(
        user_id=3, name="王五", role="unit_hr", scope=f"unit:{units['bureau'].pk}"
    )
    with pytest.raises(ApplicationError) as info:
        load([row(units["bureau"], person_data(1))], actor=hr)
    assert info.value.code == E.ROLE_FORBIDDEN
    with pytest.raises(ApplicationError) as info:
        load([row(units["bureau"], person_data(1))], channel="考录")
    assert info.value.code == E.VALUE_INVALID


def test_existing_persons_decide_alike(units):
    """A person released after the load date, one released before it (whose
    record is updated), and one with running off-quota work (which ends)."""
    from bianzhi.roster.models import OffQuotaStaff

    bureau, other = units["bureau"], units["other"]
    load([row(other, person_data(n)) for n in (1, 2)], start_date=dt.date(2021, 1, 1))
    for n, exit_date in ((1, TODAY), (2, dt.date(2024, 6, 1))):
        posting = Posting.objects.get(person__id_number=person_data(n)["id_number"])
        release(posting, "辞职", exit_date=exit_date, reason="补录")
    services.offquota_add(
        actor=OFFICE,
        unit=bureau,
        name="测试3",
        id_number=person_data(3)["id_number"],
        employment_form="contract",
        funding_source="public",
        start_date=dt.date(2023, 1, 1),
        today=TODAY,
    )
    rows = [
        row(bureau, person_data(1)),  # still in post on START: refused
        row(bureau, person_data(2, major="法学")),  # updated and enrolled
        row(bureau, person_data(3)),  # off-quota work ends
        row(bureau, person_data(2, name="别名")),  # now posted: refused
    ]
    bulk, single = both_ways(rows)
    assert bulk == single
    assert bulk[0] == [1, 2]
    assert bulk[1] == [(0, E.PERSON_ALREADY_POSTED), (3, E.PERSON_ALREADY_POSTED)]
    result = load(rows, valid_only=True)
    assert result.accepted == [1, 2]
    staff = OffQuotaStaff.objects.get(id_number=person_data(3)["id_number"])
    assert (staff.end_date, staff.end_reason) == (START, "入编")
    assert Person.objects.get(id_number=person_data(2)["id_number"]).major == "法学"
    assert audit.verify_chain().ok
    assert checks.problems(today=TODAY) == []
