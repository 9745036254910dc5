"""Capacity and the over-quota policy, credits, reverse flow (DOMAIN §3.4)."""

import datetime as dt

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.roster.rules import (
    CreditUpdate,
    can_take_intake,
    check_reverse_flow,
    credit_after_release,
    credits_valid,
    reverse_flow,
)

NONE, N_OUT = "none", "n_out_1_in"


@pytest.mark.parametrize(
    "approved,occupied,reserved,policy,credits,own,expected",
    [
        (10, 8, 1, NONE, 0, False, "vacancy"),
        (10, 8, 1, N_OUT, 3, False, "vacancy"),  # vacancy first, credits kept
        (10, 9, 1, NONE, 0, True, "permit_reservation"),
        (10, 9, 1, N_OUT, 0, True, "permit_reservation"),
        (10, 9, 0, NONE, 0, True, "vacancy"),  # no reservation held after all
        (10, 10, 0, N_OUT, 1, False, "credit"),  # full by occupation, credit left
        (10, 12, 0, N_OUT, 1, False, "credit"),  # over, credit left
        (10, 12, 1, N_OUT, 1, True, "credit"),  # reservation suspended while over
    ],
)
def test_intake_resource(approved, occupied, reserved, policy, credits, own, expected):
    assert (
        can_take_intake(approved, occupied, reserved, policy, credits, own) == expected
    )


@pytest.mark.parametrize(
    "approved,occupied,reserved,policy,credits,own,code",
    [
        (10, 10, 0, NONE, 0, False, ErrorCode.QUOTA_FULL),
        (10, 9, 1, NONE, 0, False, ErrorCode.QUOTA_FULL),  # vacancy counts reservations
        (
            10,
            8,
            2,
            N_OUT,
            1,
            False,
            ErrorCode.QUOTA_FULL,
        ),  # credits do not beat reservations
        (0, 0, 0, NONE, 0, False, ErrorCode.QUOTA_FULL),
        (10, 10, 0, N_OUT, 0, False, ErrorCode.QUOTA_FULL),
        (10, 11, 0, NONE, 0, False, ErrorCode.QUOTA_OVER_NO_INTAKE),
        (
            10,
            11,
            0,
            NONE,
            5,
            False,
            ErrorCode.QUOTA_OVER_NO_INTAKE,
        ),  # credits need N-out-1-in
        (10, 11, 1, NONE, 0, True, ErrorCode.QUOTA_OVER_NO_INTAKE),
        (10, 11, 0, N_OUT, 0, False, ErrorCode.QUOTA_FULL),  # over, no credit yet
    ],
)
def test_intake_refused(approved, occupied, reserved, policy, credits, own, code):
    with pytest.raises(ApplicationError) as error:
        can_take_intake(approved, occupied, reserved, policy, credits, own)
    assert error.value.code == code
    assert f"核定{approved}名" in error.value.message
    assert f"实有{occupied}名" in error.value.message


def _simulate(approved, occupied, n, events):
    """Run releases ("out") and intakes ("in") through the rules."""
    releases, credits, log = 0, 0, []
    for event in events:
        if event == "out":
            update = credit_after_release(n, releases, occupied - approved)
            releases, credits = (
                update.releases_toward_credit,
                credits + update.credits_earned,
            )
            occupied -= 1
            log.append("out")
            continue
        policy = N_OUT if n else NONE
        try:
            resource = can_take_intake(approved, occupied, 0, policy, credits, False)
        except ApplicationError as error:
            log.append(error.code.value)
            continue
        if resource == "credit":
            credits -= 1
        occupied += 1
        log.append(resource)
    return occupied, credits, log


def test_two_out_one_in_digests_the_excess():
    occupied, credits, log = _simulate(
        10, 13, 2, ["in", "out", "in", "out", "in", "in"]
    )
    assert log == ["QUOTA_FULL", "out", "QUOTA_FULL", "out", "credit", "QUOTA_FULL"]
    assert (occupied, credits) == (12, 0)


def test_one_out_one_in_keeps_the_level():
    occupied, credits, log = _simulate(10, 11, 1, ["out", "in", "out", "in"])
    assert log == ["out", "credit", "out", "credit"]
    assert (occupied, credits) == (11, 0)


def test_policy_none_waits_until_below_approved():
    occupied, _, log = _simulate(10, 11, None, ["in", "out", "in", "out", "in"])
    assert log == ["QUOTA_OVER_NO_INTAKE", "out", "QUOTA_FULL", "out", "vacancy"]
    assert occupied == 10


def test_full_account_release_frees_the_post():
    occupied, credits, log = _simulate(10, 10, 2, ["in", "out", "in"])
    assert log == ["QUOTA_FULL", "out", "vacancy"]
    assert (occupied, credits) == (10, 0)


def test_credit_after_release_counts_only_while_over():
    assert credit_after_release(2, 0, 3) == CreditUpdate(1, 0)
    assert credit_after_release(2, 1, 2) == CreditUpdate(0, 1)
    assert credit_after_release(1, 0, True) == CreditUpdate(0, 1)
    assert credit_after_release(2, 1, 0) == CreditUpdate(0, 0)  # not over: reset
    assert credit_after_release(None, 0, 5) == CreditUpdate(0, 0)  # policy none


def test_credits_valid_to_the_end_of_their_year():
    assert credits_valid(2, 2025, dt.date(2025, 12, 31)) == 2
    assert credits_valid(2, 2025, dt.date(2026, 1, 1)) == 0
    assert credits_valid(2, None, dt.date(2026, 1, 1)) == 0


# --- reverse flow --------------------------------------------------------
LOGISTICS, INSTITUTIONAL, ADMIN = 1, 2, 3


@pytest.mark.parametrize(
    "from_rank,from_funding,to_rank,to_funding,from_id,to_id,needed",
    [
        (
            INSTITUTIONAL,
            "self",
            INSTITUTIONAL,
            "full",
            "institution_staff",
            "institution_staff",
            True,
        ),
        (
            INSTITUTIONAL,
            "self",
            INSTITUTIONAL,
            "partial",
            "institution_staff",
            "institution_staff",
            True,
        ),
        (
            INSTITUTIONAL,
            "partial",
            INSTITUTIONAL,
            "full",
            "institution_staff",
            "institution_staff",
            True,
        ),
        (
            INSTITUTIONAL,
            "full",
            INSTITUTIONAL,
            "self",
            "institution_staff",
            "institution_staff",
            False,
        ),
        (
            INSTITUTIONAL,
            "full",
            INSTITUTIONAL,
            "full",
            "institution_staff",
            "institution_staff",
            False,
        ),
        (
            LOGISTICS,
            "full",
            INSTITUTIONAL,
            "full",
            "logistics_worker",
            "institution_staff",
            True,
        ),
        (
            INSTITUTIONAL,
            "full",
            ADMIN,
            "full",
            "institution_staff",
            "civil_servant",
            True,
        ),
        (
            ADMIN,
            "full",
            INSTITUTIONAL,
            "full",
            "civil_servant",
            "institution_staff",
            False,
        ),
        (
            ADMIN,
            "full",
            ADMIN,
            "full",
            "civil_servant",
            "civil_servant",
            False,
        ),  # 行政 = 政法专项
        (
            ADMIN,
            "full",
            ADMIN,
            "full",
            "cs_managed",
            "civil_servant",
            True,
        ),  # 参公 → 公务员
        (INSTITUTIONAL, "full", ADMIN, "full", "cs_managed", "civil_servant", True),
        (ADMIN, "full", ADMIN, "full", "civil_servant", "cs_managed", False),
    ],
)
def test_reverse_flow(
    from_rank, from_funding, to_rank, to_funding, from_id, to_id, needed
):
    assert (
        reverse_flow(from_rank, from_funding, to_rank, to_funding, from_id, to_id)
        is needed
    )


def test_reverse_flow_needs_a_special_approval_reference():
    move = dict(
        from_category_rank=INSTITUTIONAL,
        from_funding="self",
        to_category_rank=INSTITUTIONAL,
        to_funding="full",
        from_identity="institution_staff",
        to_identity="institution_staff",
    )
    with pytest.raises(ApplicationError) as error:
        check_reverse_flow(**move, approval_ref="  ")
    assert error.value.code == ErrorCode.REVERSE_FLOW
    assert "经费形式由低向高" in error.value.message
    assert check_reverse_flow(**move, approval_ref="鲁编办〔2025〕3号") is True
    move["to_funding"] = "self"
    assert check_reverse_flow(**move) is False
