"""The same seed gives the same city (names, balances, 文号)."""

import random

import pytest
from django.db import transaction

from bianzhi.demo.builder import build_demo
from bianzhi.demo.specs import FULL, Scale, build_specs
from bianzhi.orgs.models import Unit
from bianzhi.quota.models import QuotaAccount, QuotaMovement

TINY = Scale(districts=1, city_organs=0, local_organs=0, townships=2, institutions=0)


def fingerprint() -> dict:
    return {
        "units": sorted(Unit.objects.values_list("name", "uscc")),
        "balances": sorted(
            QuotaAccount.objects.values_list(
                "region_id",
                "holder_kind",
                "unit__name",
                "category_id",
                "funding",
                "approved",
            ),
            key=str,
        ),
        "doc_nos": list(
            QuotaMovement.objects.order_by("effective_date", "id").values_list(
                "effective_date", "kind", "doc_no"
            )
        ),
    }


@pytest.mark.django_db
def test_same_seed_same_city():
    with transaction.atomic():
        build_demo(7, TINY)
        first = fingerprint()
        transaction.set_rollback(True)
    assert not Unit.objects.exists()
    build_demo(7, TINY)
    assert fingerprint() == first
    assert len(first["doc_nos"]) > 50


def test_specs_depend_only_on_the_seed():
    def names_and_amounts(seed):
        return [
            (s.name, s.uscc, s.quotas, s.bodies)
            for s in build_specs(random.Random(seed), FULL)
        ]

    assert names_and_amounts(1) == names_and_amounts(1)
    assert names_and_amounts(1) != names_and_amounts(2)
    specs = build_specs(random.Random(2026), FULL)
    assert len({s.key for s in specs}) == len(specs)
    assert len([s for s in specs if s.kind == "institution"]) >= 250
