"""Every refusal of the quota services: the exact code, and nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from bianzhi.core.errors import ErrorCode
from bianzhi.quota import services
from bianzhi.quota.models import Loan, QuotaAccount

from .conftest import (
    ADM,
    INS,
    LEADER,
    LOG,
    PL,
    TODAY,
    UNIT_HR,
    account,
    common,
    refused,
)

E = ErrorCode
YESTERDAY = TODAY - dt.timedelta(days=1)


def calls(units, city, district):
    """One call of every service, as the unit HR user would try it."""
    loan = Loan(pk=1, movement_id=1, account_id=1, amount=1, outstanding=1)
    unit = dict(unit=units["finance"], category=ADM, funding="full", amount=1)
    region = dict(region=city, category=ADM, funding="full", amount=1)
    return {
        "grant": lambda **kw: services.quota_grant(**common(**unit, **kw)),
        "recall": lambda **kw: services.quota_recall(**common(**unit, **kw)),
        "transfer": lambda **kw: services.quota_transfer(
            **common(
                source_unit=units["finance"],
                target_unit=units["audit"],
                category=ADM,
                funding="full",
                amount=1,
                **kw,
            )
        ),
        "pool_fund": lambda **kw: services.quota_pool_fund(**common(**region, **kw)),
        "pool_defund": lambda **kw: services.quota_pool_defund(
            **common(**region, **kw)
        ),
        "loan": lambda **kw: services.quota_loan(**common(**unit, **kw)),
        "return": lambda **kw: services.quota_return(
            **common(loan=loan, amount=1, **kw)
        ),
        "increase_total": lambda **kw: services.quota_increase_total(
            **common(**region, **kw)
        ),
        "write_off": lambda **kw: services.quota_write_off(**common(**region, **kw)),
        "between_regions": lambda **kw: services.quota_transfer_between_regions(
            **common(
                source_region=city,
                target_region=district,
                category=ADM,
                funding="full",
                amount=1,
                **kw,
            )
        ),
        "conversion": lambda **kw: services.quota_conversion(
            **common(
                unit=units["town"],
                category=INS,
                funding="full",
                to_category=INS,
                to_funding="partial",
                amount=1,
                **kw,
            )
        ),
    }


@pytest.mark.parametrize(
    "name",
    [
        "grant",
        "recall",
        "transfer",
        "pool_fund",
        "pool_defund",
        "loan",
        "return",
        "increase_total",
        "write_off",
        "between_regions",
        "conversion",
    ],
)
def test_only_office_roles_move_quota(funded, city, district, name):
    with refused(E.ROLE_FORBIDDEN):
        calls(funded, city, district)[name](actor=UNIT_HR)


def test_reverse_needs_office_role(funded):
    movement = services.quota_recall(
        **common(unit=funded["finance"], category=ADM, funding="full", amount=1)
    )
    with refused(E.ROLE_FORBIDDEN):
        services.movement_reverse(
            actor=UNIT_HR,
            movement=movement,
            doc_no="示编〔2026〕2号",
            reason="x",
            today=TODAY,
        )


@pytest.mark.parametrize("doc_no", ["", "abc", "示编2026年1号"])
def test_doc_no_invalid(funded, doc_no):
    with refused(E.DOC_NO_INVALID) as info:
        services.quota_grant(
            **common(
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
                doc_no=doc_no,
            )
        )
    assert info.value.field == "doc_no"


@pytest.mark.parametrize("amount", [0, -1, "1.5", "abc", True, None])
def test_quantity_invalid(funded, amount):
    with refused(E.QUANTITY_INVALID) as info:
        services.quota_grant(
            **common(
                unit=funded["finance"], category=ADM, funding="full", amount=amount
            )
        )
    assert info.value.field == "amount"


def test_date_invalid(funded):
    with refused(E.DATE_INVALID):
        services.quota_grant(
            **common(
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
                effective_date="2026-13-01",
            )
        )


@pytest.mark.parametrize(
    "category,funding,field",
    [
        ("unknown", "full", "category"),
        (ADM, "fully", "funding"),
        (ADM, "partial", "funding"),
        (PL, "self", "funding"),
    ],
)
def test_value_invalid(funded, category, funding, field):
    unit = funded["court"]
    with refused(E.VALUE_INVALID) as info:
        services.quota_grant(
            **common(unit=unit, category=category, funding=funding, amount=1)
        )
    assert info.value.field == field


def test_admin_quota_total_only_full_funding(funded, city):
    with refused(E.VALUE_INVALID) as info:
        services.quota_increase_total(
            **common(region=city, category=ADM, funding="partial", amount=1)
        )
    assert "只能为财政拨款" in info.value.message


def test_approval_ref_too_long(funded):
    with refused(E.VALUE_INVALID):
        services.quota_grant(
            **common(
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
                approval_ref="批" * 121,
            )
        )


@pytest.mark.parametrize(
    "unit_name,category",
    [("school", ADM), ("group", LOG), ("group", ADM), ("finance", INS), ("party", PL)],
)
def test_category_not_allowed(funded, city, unit_name, category):
    services.quota_increase_total(
        **common(region=city, category=category, funding="full", amount=5)
    )
    with refused(E.CATEGORY_NOT_ALLOWED):
        services.quota_grant(
            **common(
                unit=funded[unit_name], category=category, funding="full", amount=1
            )
        )


def test_transfer_into_a_unit_that_may_not_hold_it(funded):
    with refused(E.CATEGORY_NOT_ALLOWED):
        services.quota_transfer(
            **common(
                source_unit=funded["finance"],
                target_unit=funded["school"],
                category=ADM,
                funding="full",
                amount=1,
            )
        )


def test_unit_inactive(funded):
    with refused(E.UNIT_INACTIVE):
        services.quota_grant(
            **common(unit=funded["gone"], category=ADM, funding="full", amount=1)
        )
    with refused(E.UNIT_INACTIVE):
        services.quota_transfer(
            **common(
                source_unit=funded["finance"],
                target_unit=funded["gone"],
                category=ADM,
                funding="full",
                amount=1,
            )
        )


def test_unit_revoked_after_the_caller_read_it(funded):
    """The status is re-read under lock, not taken from the caller's object."""
    stale = funded["audit"]
    type(stale).objects.filter(pk=stale.pk).update(status="revoked")
    with refused(E.UNIT_INACTIVE):
        services.quota_grant(
            **common(unit=stale, category=ADM, funding="full", amount=1)
        )


def test_effective_before_unit_established(funded):
    with refused(E.MOVEMENT_INVALID):
        services.quota_grant(
            **common(
                unit=funded["new"],
                category=ADM,
                funding="full",
                amount=1,
                effective_date=dt.date(2026, 5, 1),
                reason="补录",
            )
        )


def test_grant_beyond_reserve(funded):
    with refused(E.QUOTA_NEGATIVE) as info:
        services.quota_grant(
            **common(unit=funded["finance"], category=ADM, funding="full", amount=61)
        )
    assert "60" in info.value.message


def test_recall_takes_vacancy_only(funded):
    QuotaAccount.objects.filter(pk=account(funded["finance"]).pk).update(
        occupied=12, reserved=3
    )
    with refused(E.QUOTA_NEGATIVE) as info:
        services.quota_recall(
            **common(unit=funded["finance"], category=ADM, funding="full", amount=6)
        )
    assert "空编5名" in info.value.message
    services.quota_recall(
        **common(unit=funded["finance"], category=ADM, funding="full", amount=5)
    )
    assert account(funded["finance"]).approved == 15


def test_transfer_out_takes_vacancy_only(funded):
    QuotaAccount.objects.filter(pk=account(funded["audit"]).pk).update(occupied=9)
    with refused(E.QUOTA_NEGATIVE):
        services.quota_transfer(
            **common(
                source_unit=funded["audit"],
                target_unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=2,
            )
        )


def test_pool_defund_loan_and_write_off_limits(funded, city):
    with refused(E.QUOTA_NEGATIVE):
        services.quota_pool_defund(
            **common(region=city, category=ADM, funding="full", amount=11)
        )
    with refused(E.QUOTA_NEGATIVE):
        services.quota_loan(
            **common(unit=funded["audit"], category=ADM, funding="full", amount=11)
        )
    with refused(E.QUOTA_NEGATIVE):
        services.quota_write_off(
            **common(region=city, category=ADM, funding="full", amount=61)
        )
    with refused(E.QUOTA_NEGATIVE):
        services.quota_write_off(
            **common(region=city, category=INS, funding="full", amount=41)
        )


def test_between_regions_limited_by_reserve_and_distinct(funded, city, district):
    with refused(E.QUOTA_NEGATIVE):
        services.quota_transfer_between_regions(
            **common(
                source_region=city,
                target_region=district,
                category=ADM,
                funding="full",
                amount=61,
            )
        )
    with refused(E.MOVEMENT_INVALID):
        services.quota_transfer_between_regions(
            **common(
                source_region=city,
                target_region=city,
                category=ADM,
                funding="full",
                amount=1,
            )
        )


def test_return_takes_vacancy_and_not_beyond_outstanding(funded):
    movement = services.quota_loan(
        **common(unit=funded["audit"], category=ADM, funding="full", amount=3)
    )
    loan = Loan.objects.get(movement=movement)
    with refused(E.MOVEMENT_INVALID):
        services.quota_return(**common(loan=loan, amount=4))
    QuotaAccount.objects.filter(pk=account(funded["audit"]).pk).update(occupied=12)
    with refused(E.QUOTA_NEGATIVE):
        services.quota_return(**common(loan=loan, amount=2))
    with refused(E.MOVEMENT_INVALID):
        services.quota_return(
            **common(loan=loan, amount=1, effective_date=YESTERDAY, reason="补录")
        )


def test_loan_due_date_must_follow_effective_date(funded):
    with refused(E.MOVEMENT_INVALID):
        services.quota_loan(
            **common(
                unit=funded["audit"],
                category=ADM,
                funding="full",
                amount=1,
                due_date=TODAY,
            )
        )


def test_reform_needs_office_leader(funded):
    with refused(E.REFORM_LEVEL_REQUIRED):
        services.quota_recall(
            **common(
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
                reform=True,
            )
        )


def test_reform_never_below_zero(funded):
    QuotaAccount.objects.filter(pk=account(funded["finance"]).pk).update(occupied=20)
    with refused(E.QUOTA_NEGATIVE):
        services.quota_recall(
            **common(
                actor=LEADER,
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=21,
                reform=True,
            )
        )


def test_transfer_rules(funded, city, district):
    other = type(funded["finance"]).objects.create(
        region=district,
        name="示例区财政局",
        kind="gov_dept",
        rank="section",
        established_on=dt.date(2020, 1, 1),
        established_doc_no="示编〔2020〕1号",
    )
    with refused(E.MOVEMENT_INVALID):
        services.quota_transfer(
            **common(
                source_unit=funded["finance"],
                target_unit=other,
                category=ADM,
                funding="full",
                amount=1,
            )
        )
    with refused(E.MOVEMENT_INVALID):
        services.quota_transfer(
            **common(
                source_unit=funded["finance"],
                target_unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
            )
        )


def test_conversion_rules(funded):
    town = funded["town"]
    services.quota_grant(**common(unit=town, category=INS, funding="full", amount=5))
    conv = dict(unit=town, category=INS, funding="full")
    with refused(E.MOVEMENT_INVALID):
        services.quota_conversion(
            **common(**conv, to_category=INS, to_funding="full", amount=1)
        )
    # Upward category (事业 → 行政) without the special approval.
    with refused(E.REVERSE_FLOW):
        services.quota_conversion(
            **common(**conv, to_category=ADM, to_funding="full", amount=1)
        )
    services.quota_conversion(
        **common(**conv, to_category=INS, to_funding="partial", amount=2)
    )
    # Upward funding (partial → full) without the special approval.
    with refused(E.REVERSE_FLOW):
        services.quota_conversion(
            **common(
                unit=town,
                category=INS,
                funding="partial",
                to_category=INS,
                to_funding="full",
                amount=1,
            )
        )
    with refused(E.QUOTA_NEGATIVE):
        services.quota_conversion(
            **common(**conv, to_category=INS, to_funding="self", amount=4)
        )
    with refused(E.CATEGORY_NOT_ALLOWED):
        services.quota_conversion(
            **common(
                unit=funded["school"],
                category=INS,
                funding="full",
                to_category=ADM,
                to_funding="full",
                amount=1,
                approval_ref="示编〔2026〕8号",
            )
        )


def test_backdate_needs_reason(funded):
    with refused(E.BACKDATE_REASON_REQUIRED):
        services.quota_grant(
            **common(
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
                effective_date=YESTERDAY,
            )
        )


def test_model_validation_becomes_value_invalid(funded):
    """full_clean runs on the movement; its errors answer VALUE_INVALID, not a 500."""
    from bianzhi.core.actor import Actor

    long_name = Actor(user_id=1, name="张" * 151, role="office_admin")
    with refused(E.VALUE_INVALID) as info:
        services.quota_grant(
            **common(
                actor=long_name,
                unit=funded["finance"],
                category=ADM,
                funding="full",
                amount=1,
            )
        )
    assert info.value.field == "actor_name"
