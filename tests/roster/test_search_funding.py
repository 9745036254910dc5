"""roster.search: the funding filter (经费形式), alone and with a unit and a
category — the stats drill-down from one quota account lists exactly its
persons — through the service and the search page."""

# Fixtures are imported and requested by name.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from bianzhi.core.errors import ApplicationError, ErrorCode
from bianzhi.orgs.models import Unit
from bianzhi.roster.search import PersonFilters, search_persons

from .helpers import TODAY, city, providers, units  # noqa: F401 - fixtures
from .search_cast import cast  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def names(**filters) -> list[str]:
    page = search_persons(
        units=Unit.objects.all(),
        filters=PersonFilters(**filters),
        page_size=200,
        today=TODAY,
    )
    return sorted(row["person__name"] for row in page.rows)


def test_funding_by_code_and_label_with_unit_and_category(cast):
    school = cast.units["school"]
    assert names(funding="partial") == ["吴九", "孙十"]
    assert names(funding="财政补贴") == ["吴九", "孙十"]
    assert names(unit_id=school.pk, category="institutional", funding="full") == [
        "王芳"
    ]
    assert names(unit_id=school.pk, category="institutional") == [
        "吴九",
        "孙十",
        "王芳",
    ]
    assert names(funding="self") == []
    with pytest.raises(ApplicationError) as info:
        names(funding="自收自支以外")
    assert info.value.code == ErrorCode.VALUE_INVALID


def test_search_page_takes_the_funding_parameter(cast, client):
    from django.contrib.auth import get_user_model

    from bianzhi.accounts.services import role_assign
    from bianzhi.core.actor import Actor

    user = get_user_model().objects.create_user("office-funding", password="x")
    role_assign(
        actor=Actor.system("测试"),
        user=user,
        role="office_admin",
        region=cast.units["school"].region,
    )
    client.force_login(user)
    response = client.get(
        "/roster/search/", {"funding": "partial", "category": "institutional"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('href="/persons/') == 2
    assert 'name="funding"' in body
