import datetime as dt

import pytest

from bianzhi.core.errors import ErrorCode
from bianzhi.core.models import AuditEvent
from bianzhi.orgs import services
from bianzhi.orgs.models import UnitChange
from bianzhi.quota import leader_posts
from bianzhi.quota.models import LeaderPostQuota

from .conftest import DOC, OFFICE, TODAY, UNIT_HR, establish, refused

LATER = TODAY + dt.timedelta(days=30)


def set_posts(unit, count, *, scope="unit", level="county", kind="chief", **kw):
    kw.setdefault("effective_date", TODAY)
    kw.setdefault("doc_no", DOC)
    return leader_posts.leader_posts_set(
        actor=kw.pop("actor", OFFICE),
        unit=unit,
        scope=scope,
        level=level,
        kind=kind,
        count=count,
        today=TODAY,
        **kw,
    )


@pytest.fixture
def unit(city):
    return establish(
        city, "示例市甲局", effective_date=dt.date(2020, 1, 1), doc_no="初始化导入"
    )


@pytest.fixture
def appointed():
    """A stand-in for the roster's counter: {(date, key): appointments from then}."""
    table: dict = {}

    def counter(unit, as_of):
        totals: dict = {}
        for (day, key), n in table.items():
            if day <= as_of:
                totals[key] = totals.get(key, 0) + n
        return totals

    leader_posts.register_appointment_counter(counter)
    yield table
    leader_posts._counters.remove(counter)


def test_versions_are_effective_dated(unit):
    events, changes = AuditEvent.objects.count(), UnitChange.objects.count()
    set_posts(unit, 1)
    set_posts(unit, 3, kind="deputy")
    set_posts(unit, 2, kind="deputy", effective_date=LATER, doc_no="示编〔2026〕6号")
    assert AuditEvent.objects.count() == events + 3
    assert UnitChange.objects.count() == changes  # the versions are the records
    assert AuditEvent.objects.last().operation == "leader_posts_set"
    now = leader_posts.leader_posts_as_of(unit, TODAY)
    assert [(v.kind, v.count, v.appointed, v.over) for v in now] == [
        ("chief", 1, 0, 0),
        ("deputy", 3, 0, 0),
    ]
    assert now[0].level_label == "县处级" and now[0].kind_label == "正职"
    later = leader_posts.leader_posts_as_of(unit, LATER)
    assert [(v.kind, v.count, v.doc_no) for v in later] == [
        ("chief", 1, DOC),
        ("deputy", 2, "示编〔2026〕6号"),
    ]
    assert leader_posts.leader_posts_as_of(unit, TODAY - dt.timedelta(days=1)) == []
    assert (
        leader_posts.leader_post_count(
            unit, scope="unit", level="county", kind="deputy", as_of=LATER
        )
        == 2
    )
    assert (
        leader_posts.leader_post_count(
            unit, scope="unit", level="bureau", kind="deputy", as_of=LATER
        )
        is None
    )
    assert len(leader_posts.leader_post_history(unit)) == 3


def test_internal_body_scope(unit, city):
    body = services.internal_body_add(
        actor=OFFICE,
        unit=unit,
        name="办公室",
        rank="section",
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    other_unit = establish(city, "乙局")
    other_body = services.internal_body_add(
        actor=OFFICE,
        unit=other_unit,
        name="办公室",
        rank="section",
        doc_no=DOC,
        effective_date=TODAY,
        today=TODAY,
    )
    with refused(ErrorCode.FIELD_REQUIRED):
        set_posts(unit, 1, scope="internal_body", level="township")
    with refused(ErrorCode.VALUE_INVALID):
        set_posts(unit, 1, scope="unit", internal_body=body)
    with refused(ErrorCode.VALUE_INVALID):
        set_posts(unit, 1, scope="internal_pool", internal_body=body)
    with refused(ErrorCode.VALUE_INVALID):
        set_posts(
            unit, 1, scope="internal_body", level="township", internal_body=other_body
        )
    with refused(ErrorCode.UNIT_INACTIVE):  # the body does not exist yet on that date
        set_posts(
            unit,
            1,
            scope="internal_body",
            level="township",
            internal_body=body,
            effective_date=TODAY - dt.timedelta(days=1),
            reason="补录",
        )
    set_posts(unit, 1, scope="internal_body", level="township", internal_body=body)
    set_posts(unit, 6, scope="internal_pool", level="township", kind="deputy")
    views = leader_posts.leader_posts_as_of(unit, TODAY)
    assert [(v.scope, v.internal_body_id, v.count) for v in views] == [
        ("internal_body", body.pk, 1),
        ("internal_pool", None, 6),
    ]
    services.internal_body_remove(
        actor=OFFICE, body=body, doc_no=DOC, effective_date=LATER, today=TODAY
    )
    assert [v.scope for v in leader_posts.leader_posts_as_of(unit, LATER)] == [
        "internal_pool"
    ]


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"scope": "division"}, ErrorCode.VALUE_INVALID),
        ({"level": "正处"}, ErrorCode.VALUE_INVALID),
        ({"kind": "assistant"}, ErrorCode.VALUE_INVALID),
        ({"count": -1}, ErrorCode.QUANTITY_INVALID),
        ({"count": "一"}, ErrorCode.QUANTITY_INVALID),
        ({"doc_no": "x"}, ErrorCode.DOC_NO_INVALID),
        ({"actor": UNIT_HR}, ErrorCode.ROLE_FORBIDDEN),
        ({"effective_date": dt.date(2025, 1, 1)}, ErrorCode.BACKDATE_REASON_REQUIRED),
        (
            {"effective_date": dt.date(2019, 1, 1), "reason": "补录"},
            ErrorCode.DATE_INVALID,
        ),
        ({"unit": 999999}, ErrorCode.UNIT_UNKNOWN),
    ],
)
def test_refusals(unit, kwargs, code):
    target = kwargs.pop("unit", unit)
    with refused(code):
        set_posts(target, kwargs.pop("count", 1), **kwargs)


def test_one_version_per_date(unit):
    set_posts(unit, 1)
    with refused(ErrorCode.VALUE_INVALID):
        set_posts(unit, 2)


def test_lowering_below_appointed_is_allowed_and_flagged(unit, appointed):
    key = ("unit", None, "county", "deputy")
    set_posts(unit, 3, kind="deputy")
    appointed[(TODAY, key)] = 3
    assert leader_posts.leader_posts_as_of(unit, TODAY)[0].over == 0
    set_posts(unit, 2, kind="deputy", effective_date=LATER, doc_no="示编〔2026〕6号")
    assert "超出1名" in AuditEvent.objects.last().summary
    view = leader_posts.leader_posts_as_of(unit, LATER)[0]
    assert (view.count, view.appointed, view.over, view.vacancy) == (2, 3, 1, 0)
    assert leader_posts.problems(today=LATER) == []  # explained by the lowering
    assert [w["code"] for w in leader_posts.warnings(today=LATER)] == [
        "LEADER_POSTS_EXCESS"
    ]
    # One more appointed after the lowering is a breach.
    day_after = LATER + dt.timedelta(days=1)
    appointed[(day_after, key)] = 1
    problems = leader_posts.problems(today=day_after)
    assert [p["code"] for p in problems] == ["LEADER_POSTS_FULL"]


def test_posts_in_use_without_any_quota_show_as_over(unit, appointed):
    appointed[(TODAY, ("unit", None, "county", "chief"))] = 1
    view = leader_posts.leader_posts_as_of(unit, TODAY)[0]
    assert (view.count, view.appointed, view.over) == (0, 1, 1)
    assert [p["code"] for p in leader_posts.problems(today=TODAY)] == [
        "LEADER_POSTS_FULL"
    ]


def test_quota_row_constraint_holds(unit):
    set_posts(unit, 1)
    assert LeaderPostQuota.objects.get().internal_body_id is None
