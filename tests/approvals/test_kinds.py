"""A kind's transitions table is checked when it is registered."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from bianzhi.approvals import engine
from bianzhi.approvals.kinds import APPROVED, REJECTED, RETURNED, KindSpec, Step
from bianzhi.core.roles import Role

from .conftest import SPEC


def spec(*steps, **kwargs) -> KindSpec:
    kwargs.setdefault("submitter_roles", (Role.UNIT_HR,))
    return KindSpec(kind="bad", label="坏", serial_prefix="坏", steps=steps, **kwargs)


REVIEW = Step("review", "审核", Role.OFFICE_ADMIN, {"approve": APPROVED})


@pytest.mark.parametrize(
    ("kind", "problem"),
    [
        (spec(), "no steps"),
        (spec(Step("a", "甲", "nobody", {"approve": APPROVED})), "unknown role"),
        (spec(Step("a", "甲", Role.OFFICE_ADMIN, {"approve": "b"})), "unknown target"),
        (
            spec(Step("a", "甲", Role.OFFICE_ADMIN, {"return": RETURNED})),
            "needs a 'approve'",
        ),
        (
            spec(
                Step(
                    "a",
                    "甲",
                    Role.OFFICE_ADMIN,
                    {"approve": APPROVED, "return": REJECTED},
                )
            ),
            "return leads to RETURNED",
        ),
        (
            spec(
                Step(
                    "a",
                    "甲",
                    Role.OFFICE_ADMIN,
                    {"approve": APPROVED, "opinion": APPROVED},
                )
            ),
            "not allowed here",
        ),
        (
            spec(
                Step(
                    "j",
                    "联审",
                    Role.PARTNER_REVIEWER,
                    {"opinion": APPROVED, "approve": APPROVED},
                    joint=True,
                )
            ),
            "not allowed here",
        ),
        (spec(Step("a", "甲", Role.OFFICE_ADMIN, {"approve": "a"})), "unknown target"),
        (
            spec(
                Step("a", "甲", Role.OFFICE_ADMIN, {"approve": "b"}),
                Step("b", "乙", Role.OFFICE_ADMIN, {"approve": "a"}),
            ),
            "no step leads to APPROVED",
        ),
        (
            spec(
                Step("a", "甲", Role.OFFICE_ADMIN, {"approve": "b"}),
                Step("b", "乙", Role.OFFICE_ADMIN, {"approve": "a"}),
                Step("c", "丙", Role.OFFICE_ADMIN, {"approve": APPROVED}),
            ),
            "forward route loops",
        ),
        (spec(REVIEW, REVIEW), "duplicate step names"),
        (spec(REVIEW, submitter_roles=("someone",)), "unknown submitter role"),
        (
            KindSpec(
                kind="bad",
                label="坏",
                serial_prefix="a-b",
                submitter_roles=(),
                steps=(REVIEW,),
            ),
            "serial_prefix",
        ),
    ],
)
def test_bad_tables_are_refused_at_registration(kind, problem):
    with pytest.raises(ImproperlyConfigured) as info:
        engine.register_kind(kind)
    assert problem in str(info.value)
    assert not engine.is_registered("bad")


def test_a_second_different_kind_under_the_same_name_is_refused():
    engine.register_kind(SPEC)  # the same spec again is fine
    other = KindSpec(
        kind=SPEC.kind,
        label="另一个",
        serial_prefix="另",
        submitter_roles=(),
        steps=(REVIEW,),
    )
    with pytest.raises(ValueError):
        engine.register_kind(other)
    assert engine.kind_spec(SPEC.kind) is SPEC


def test_the_fallback_scope_covers_only_the_actors_own_unit_or_region():
    from bianzhi.core.actor import Actor

    region = engine.fallback_scope(Actor(1, "a", "office_admin", "region:990100"))
    assert region.covers(region_code="990100", unit_id=None)
    assert not region.covers(region_code="990102", unit_id=None)
    unit = engine.fallback_scope(Actor(2, "b", "unit_hr", "unit:7"))
    assert unit.covers(region_code="990100", unit_id=7)
    assert not unit.covers(region_code="990100", unit_id=8)
    assert engine.fallback_scope(Actor(3, "c", "sys_admin", "")) == engine.Scope()
    assert engine.fallback_scope(Actor.system()).everything
