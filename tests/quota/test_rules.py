"""The pure rules of the ledger (quota.rules), one test per rule."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.actor import Actor
from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.quota import rules
from bianzhi.quota.rules import BalancePoint, Leg

D = dt.date(2026, 6, 15)


def code_of(fn, *args, **kwargs):
    with pytest.raises(ApplicationError) as info:
        fn(*args, **kwargs)
    return info.value.code


def test_balanced_legs_pass_and_unbalanced_fail():
    rules.check_balanced(
        [
            Leg("reserve", "administrative", "full", -3),
            Leg("unit", "administrative", "full", 3),
        ]
    )
    assert (
        code_of(
            rules.check_balanced,
            [
                Leg("reserve", "administrative", "full", -3),
                Leg("unit", "administrative", "full", 2),
            ],
        )
        == ErrorCode.QUOTA_UNBALANCED
    )


def test_balance_is_per_category_and_funding():
    # Sums to zero overall but mixes fundings: refused (no 混编).
    legs = [
        Leg("unit", "administrative", "full", -3),
        Leg("unit", "administrative", "partial", 3),
    ]
    assert code_of(rules.check_balanced, legs) == ErrorCode.QUOTA_UNBALANCED


def test_zero_leg_and_single_leg_are_unbalanced():
    assert (
        code_of(
            rules.check_balanced,
            [Leg("reserve", "a", "full", 0), Leg("unit", "a", "full", 0)],
        )
        == ErrorCode.QUOTA_UNBALANCED
    )
    assert code_of(rules.check_balanced, [Leg("unit", "a", "full", 1)]) == (
        ErrorCode.QUOTA_UNBALANCED
    )


@pytest.mark.parametrize(
    "kind,giver,receiver",
    [
        ("grant", "reserve", "unit"),
        ("recall", "unit", "reserve"),
        ("transfer", "unit", "unit"),
        ("pool_fund", "reserve", "pool"),
        ("pool_defund", "pool", "reserve"),
        ("loan", "pool", "unit"),
        ("return", "unit", "pool"),
        ("increase_total", "external", "reserve"),
        ("write_off", "reserve", "external"),
    ],
)
def test_leg_holders_per_kind(kind, giver, receiver):
    good = [
        Leg(giver, "a", "full", -1, 1 if giver == "unit" else None),
        Leg(receiver, "a", "full", 1, 2 if receiver == "unit" else None),
    ]
    rules.check_leg_shape(kind, good)
    wrong = [Leg(receiver, "a", "full", -1, 1), Leg(giver, "a", "full", 1, 2)]
    if giver != receiver:
        assert code_of(rules.check_leg_shape, kind, wrong) == ErrorCode.MOVEMENT_INVALID


def test_transfer_to_the_same_unit_is_invalid():
    legs = [Leg("unit", "a", "full", -1, 7), Leg("unit", "a", "full", 1, 7)]
    assert (
        code_of(rules.check_leg_shape, "transfer", legs) == ErrorCode.MOVEMENT_INVALID
    )


def test_conversion_shape_needs_two_accounts_of_one_unit_and_external_legs():
    good = [
        Leg("unit", "a", "partial", -2, 5),
        Leg("unit", "a", "full", 2, 5),
        Leg("external", "a", "partial", 2),
        Leg("external", "a", "full", -2),
    ]
    rules.check_leg_shape("conversion", good)
    other_unit = [*good[:1], Leg("unit", "a", "full", 2, 6), *good[2:]]
    assert code_of(rules.check_leg_shape, "conversion", other_unit) == (
        ErrorCode.MOVEMENT_INVALID
    )
    assert code_of(rules.check_leg_shape, "conversion", good[:2]) == (
        ErrorCode.MOVEMENT_INVALID
    )


def test_classify_dates():
    assert rules.classify(D - dt.timedelta(days=1), D) is rules.Timing.PAST
    assert rules.classify(D, D) is rules.Timing.TODAY
    assert rules.classify(D + dt.timedelta(days=1), D) is rules.Timing.FUTURE


def test_backdate_needs_reason_and_office():
    rules.check_backdate(rules.Timing.PAST, is_office=True, reason="补录")
    rules.check_backdate(rules.Timing.TODAY, is_office=True, reason="")
    for is_office, reason in [(True, ""), (True, "  "), (False, "补录")]:
        assert (
            code_of(
                rules.check_backdate,
                rules.Timing.PAST,
                is_office=is_office,
                reason=reason,
            )
            == ErrorCode.BACKDATE_REASON_REQUIRED
        )


def test_initial_load_doc_no_is_its_own_reason():
    rules.check_backdate(
        rules.Timing.PAST, is_office=True, reason="", doc_no="初始化导入"
    )
    assert (
        code_of(
            rules.check_backdate,
            rules.Timing.PAST,
            is_office=False,
            reason="",
            doc_no="初始化导入",
        )
        == ErrorCode.BACKDATE_REASON_REQUIRED
    )


def test_only_office_roles_move_quota():
    rules.check_office(True)
    assert code_of(rules.check_office, False) == ErrorCode.ROLE_FORBIDDEN


def test_reform_needs_office_leader():
    rules.check_reform(False, is_office_leader=False, doc_no="")
    rules.check_reform(True, is_office_leader=True, doc_no="示编〔2026〕1号")
    assert code_of(rules.check_reform, True, is_office_leader=False, doc_no="x") == (
        ErrorCode.REFORM_LEVEL_REQUIRED
    )


def test_vacancy_first_and_reform_reductions():
    rules.check_reduction(
        label="x", approved=10, occupied=5, reserved=2, amount=3, reform=False
    )
    with pytest.raises(ApplicationError) as info:
        rules.check_reduction(
            label="某局", approved=10, occupied=5, reserved=2, amount=4, reform=False
        )
    assert info.value.code == ErrorCode.QUOTA_NEGATIVE
    assert "空编3名" in info.value.message and "不足核减4名" in info.value.message
    # Reform: may cut below use, never below zero.
    rules.check_reduction(
        label="x", approved=10, occupied=9, reserved=0, amount=10, reform=True
    )
    assert (
        code_of(
            rules.check_reduction,
            label="x",
            approved=10,
            occupied=0,
            reserved=0,
            amount=11,
            reform=True,
        )
        == ErrorCode.QUOTA_NEGATIVE
    )


def test_series_checks_every_point():
    points = [BalancePoint(D, 5), BalancePoint(D + dt.timedelta(days=3), 2)]
    rules.check_series(label="x", points=points[:1], amount=5, reform=False)
    with pytest.raises(ApplicationError) as info:
        rules.check_series(label="x", points=points, amount=3, reform=False)
    assert info.value.code == ErrorCode.QUOTA_NEGATIVE
    assert str(D + dt.timedelta(days=3)) in info.value.message
    occupied = [BalancePoint(D, 5, occupied=4)]
    assert code_of(
        rules.check_series, label="x", points=occupied, amount=2, reform=False
    ) == (ErrorCode.QUOTA_NEGATIVE)
    rules.check_series(label="x", points=occupied, amount=2, reform=True)


def test_unit_kind_category_and_funding():
    kwargs = dict(
        unit_name="某局",
        category_code="administrative",
        category_name="行政编制",
        allowed_unit_kinds=["gov_dept"],
        full_funding_only=True,
    )
    rules.check_unit_may_hold(unit_kind="gov_dept", funding="full", **kwargs)
    assert code_of(
        rules.check_unit_may_hold, unit_kind="institution", funding="full", **kwargs
    ) == (ErrorCode.CATEGORY_NOT_ALLOWED)
    # Coordination bodies hold no quota even if a category listed them.
    listed = kwargs | {"allowed_unit_kinds": ["coordination"]}
    assert code_of(
        rules.check_unit_may_hold, unit_kind="coordination", funding="full", **listed
    ) == (ErrorCode.CATEGORY_NOT_ALLOWED)
    assert code_of(
        rules.check_unit_may_hold, unit_kind="gov_dept", funding="partial", **kwargs
    ) == (ErrorCode.VALUE_INVALID)


def test_reverse_flow_needs_approval():
    # institutional (2) → administrative (3): upward category.
    assert rules.is_reverse_flow(
        from_rank=2, from_funding="full", to_rank=3, to_funding="full"
    )
    # partial → full: upward funding.
    assert rules.is_reverse_flow(
        from_rank=2, from_funding="partial", to_rank=2, to_funding="full"
    )
    assert not rules.is_reverse_flow(
        from_rank=2, from_funding="full", to_rank=2, to_funding="self"
    )
    kwargs = dict(
        from_rank=2,
        from_funding="partial",
        to_rank=2,
        to_funding="full",
        description="x",
    )
    assert (
        code_of(rules.check_reverse_flow, approval_ref="", **kwargs)
        == ErrorCode.REVERSE_FLOW
    )
    rules.check_reverse_flow(approval_ref="示编〔2026〕9号", **kwargs)


def test_return_not_beyond_outstanding():
    rules.check_return(outstanding=3, amount=3)
    assert (
        code_of(rules.check_return, outstanding=3, amount=4)
        == ErrorCode.MOVEMENT_INVALID
    )


def test_loan_due_date_defaults_to_twelve_months():
    assert rules.default_due_date(dt.date(2026, 2, 28)) == dt.date(2027, 2, 28)
    assert rules.default_due_date(dt.date(2024, 2, 29)) == dt.date(2025, 2, 28)
    assert code_of(rules.check_due_date, D, D) == ErrorCode.MOVEMENT_INVALID


def test_funding_labels_and_aliases():
    assert rules.parse_funding("full") == "full"
    assert rules.parse_funding("差额拨款") == "partial"
    assert rules.parse_funding("自收自支") == "self"
    assert code_of(rules.parse_funding, "fully") == ErrorCode.VALUE_INVALID


def test_movement_args_order_and_normalisation():
    office = Actor(user_id=1, name="张三", role="office_admin")
    args = rules.movement_args(
        actor=office,
        doc_no="示编[2026]3号",
        effective_date="2026-06-15",
        today=D,
        funding="全额",
        amount="5",
    )
    assert (args.doc_no, args.effective_date, args.funding, args.amount) == (
        "示编〔2026〕3号",
        D,
        "full",
        5,
    )
    hr = Actor(user_id=3, name="王五", role="unit_hr")
    assert code_of(
        rules.movement_args, actor=hr, doc_no="坏", effective_date=D, today=D
    ) == (ErrorCode.ROLE_FORBIDDEN)
    with pytest.raises(ApplicationError) as info:
        rules.movement_args(actor=office, doc_no="x", effective_date=D, today=D)
    assert (info.value.code, info.value.field) == (ErrorCode.DOC_NO_INVALID, "doc_no")
    with pytest.raises(ApplicationError) as info:
        rules.movement_args(
            actor=office, doc_no="示编〔2026〕3号", effective_date=D, today=D, amount=0
        )
    assert (info.value.code, info.value.field) == (ErrorCode.QUANTITY_INVALID, "amount")
