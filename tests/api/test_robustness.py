"""Junk in any field of any write gives a coded 4xx answer, never a 500."""

import pytest
from django.utils import timezone

from bianzhi.orgs import services as orgs

from .conftest import SYSTEM

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate().isoformat()
DOC = {"doc_no": "示编〔2026〕50号", "effective_date": TODAY}
JUNK = [None, [], {}, "ｘ", 10**30, -(10**30), True, "9" * 40]


def endpoints(world):
    body = orgs.internal_body_add(
        actor=SYSTEM, unit=world.x, name="综合科", rank="section", **DOC
    )
    x = world.x.pk
    money = {"category": "administrative", "funding": "full", "amount": 1, **DOC}
    return [
        ("/api/regions/990100/agency-caps/", {"cap": 30, **DOC}),
        ("/api/units/", {"region": "990100", "name": "新单位", "kind": "gov_dept",
                         "rank": "division", "parent": x, **DOC}),
        (f"/api/units/{x}/rename/", {"name": "新名称", **DOC}),
        (f"/api/units/{x}/change-rank/", {"rank": "vice_bureau", **DOC}),
        (f"/api/units/{x}/change-attributes/", {"changes": {"short_name": "发改"}, **DOC}),
        (f"/api/units/{x}/internal-bodies/", {"name": "规划科", "rank": "section", **DOC}),
        (f"/api/units/{x}/mandates/", {"internal_bodies_approved": 5, **DOC}),
        (f"/api/units/{x}/leader-posts/", {"scope": "internal_body", "level": "township",
                                           "kind": "chief", "count": 1,
                                           "internal_body": body.pk, **DOC}),
        (f"/api/internal-bodies/{body.pk}/remove/", DOC),
        ("/api/movements/", {"kind": "grant", "unit": x, **money}),
        ("/api/movements/", {"kind": "transfer", "source_unit": x,
                             "target_unit": world.y.pk, **money}),
        ("/api/movements/", {"kind": "loan", "unit": x, "due_date": "2027-01-01", **money}),
        ("/api/movements/", {"kind": "return", "loan": 1, "amount": 1, **DOC}),
        ("/api/movements/", {"kind": "conversion", "unit": world.z.pk, **money,
                             "category": "institutional", "to_category": "institutional",
                             "to_funding": "partial"}),
        ("/api/movements/", {"kind": "cross_region", "source_region": "990100",
                             "target_region": "990200", **money}),
        (f"/api/movements/{world.grant_x.pk}/reverse/", {"doc_no": DOC["doc_no"],
                                                         "reason": "错"}),
    ]  # fmt: skip


def test_junk_never_breaks_a_write(world, cast, as_user):
    client = as_user(cast.office_leader)
    for url, valid in endpoints(world):
        for key in valid:
            for junk in JUNK:
                response = client.post(url, {**valid, key: junk}, format="json")
                where = f"{url} {key}={junk!r}"
                assert response.status_code != 500, where
                if response.status_code >= 400:
                    body = response.json()
                    assert set(body) >= {"code", "message"}, (where, body)
