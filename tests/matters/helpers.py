"""Arrangement of the matters tests: the roster's fixtures (built through the
services) plus a fuller "nothing changed" snapshot covering orgs and quota."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from bianzhi.core.errors import ApplicationError
from bianzhi.orgs.models import InternalBody, Unit, UnitChange
from bianzhi.quota import services as quota
from bianzhi.quota.models import Loan, QuotaEntry, QuotaMovement
from tests.roster import helpers as roster_helpers
from tests.roster.helpers import OFFICE, PAST, TODAY

LOAN_DOC = "示编〔2026〕7号"


def state() -> dict:
    data = roster_helpers.state()
    for model in (Unit, UnitChange, InternalBody, QuotaMovement, QuotaEntry, Loan):
        data[model.__name__] = list(model.objects.order_by("pk").values())
    return data


@contextmanager
def refused(code):
    """The call inside raises `code` and changes nothing anywhere."""
    before = state()
    with pytest.raises(ApplicationError) as info:
        yield info
    assert info.value.code == code, info.value.message
    assert state() == before


def lend(city, unit, amount, *, category="administrative", funding="full"):
    """Fund the city's pool and lend `amount` to `unit` (due in a year)."""
    common = dict(
        actor=OFFICE,
        category=category,
        funding=funding,
        amount=amount,
        effective_date=PAST,
        reason="补录",
        today=TODAY,
    )
    quota.quota_pool_fund(region=city, doc_no=LOAN_DOC, **common)
    return quota.quota_loan(unit=unit, doc_no=LOAN_DOC, **common).loan
