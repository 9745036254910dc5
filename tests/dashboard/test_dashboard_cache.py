"""The dashboard's short cache: served again at the same audit head, computed
afresh after any write through a service, off when configured so."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bianzhi.stats.base import Selection
from bianzhi.stats.dashboard import dashboard_data

from .conftest import enroll, today

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


def city_selection() -> Selection:
    return Selection(as_of=today(), region_code="990100", label="示例市")


def test_the_same_view_again_reads_only_the_audit_head(
    city, staffed, django_assert_num_queries
):
    first = dashboard_data(city_selection())
    with django_assert_num_queries(1):
        again = dashboard_data(city_selection())
    assert again == first
    # callers decorate the dict (links); the cached copy stays clean
    again["headline"]["occupied"] = -1
    assert dashboard_data(city_selection()) == first


def test_a_write_through_a_service_shows_at_once(city, staffed):
    before = dashboard_data(city_selection())
    enroll(city.finance, 77, female=True)
    after = dashboard_data(city_selection())
    assert after["headline"]["occupied"] == before["headline"]["occupied"] + 1
    assert sum(after["age_pyramid"]["female"]) == (
        sum(before["age_pyramid"]["female"]) + 1
    )


def test_narrower_readers_and_other_dates_are_kept_apart(city, staffed):
    whole = dashboard_data(city_selection())
    finance_only = dashboard_data(
        city_selection(), unit_ids=frozenset({city.finance.pk})
    )
    assert finance_only["headline"]["units"] == 1
    assert whole["headline"]["units"] > 1
    assert dashboard_data(city_selection()) == whole


def test_zero_seconds_turns_it_off(city, staffed, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    dashboard_data(city_selection())
    with CaptureQueriesContext(connection) as queries:
        dashboard_data(city_selection())
    assert len(queries) > 1
