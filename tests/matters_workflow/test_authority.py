"""The authority table (VALUES.md: matters beyond local authority)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bianzhi.matters.authority import beyond_authority

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("rank", "county", "city", "province"),
    [
        ("section", "", "", ""),
        ("vice_division", "x", "", ""),
        ("division", "x", "", ""),
        ("vice_bureau", "x", "x", ""),
        ("bureau", "x", "x", ""),
        ("vice_minister", "x", "x", "x"),
        ("unranked", "", "", ""),
    ],
)
def test_rank_limits_by_level(w, rank, county, city, province):
    today = timezone.localdate()
    payload = {"rank": rank, "region_code": "990102"}
    for region, expected in ((w.district, county), (w.city, city),
                             (w.province, province)):  # fmt: skip
        found = beyond_authority("establish", payload, deciding=region, today=today)
        assert bool(found) == bool(expected), (region, rank, found)


def test_cross_region_administrative_transfer_needs_the_common_parent(w):
    from bianzhi.orgs import services as orgs

    from .conftest import _setup

    other = orgs.region_create_local(
        actor=w.office.__class__.system(), code="990103", name="另一区",
        level="county", parent=w.city,
    )  # fmt: skip
    target = orgs.unit_establish(
        region=other, name="另一区财政局", kind="gov_dept", rank="section", **_setup()
    )
    today = timezone.localdate()
    payload = {"operation": "transfer", "category": "administrative",
               "unit_id": w.finance.pk, "target_unit_id": target.pk}  # fmt: skip
    assert beyond_authority("change_quota", payload, deciding=w.district, today=today)
    assert not beyond_authority("change_quota", payload, deciding=w.city, today=today)
    institutional = payload | {"category": "institutional"}
    assert beyond_authority(
        "change_quota", institutional, deciding=w.district, today=today
    )
    same_region = payload | {"target_unit_id": w.archive.pk}
    assert not beyond_authority(
        "change_quota", same_region, deciding=w.district, today=today
    )
