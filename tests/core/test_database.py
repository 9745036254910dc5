"""The test database itself: which engine runs the suite, and that seeded rows
survive the flush that ends every transactional test."""

import os

import pytest
from django.db import connection

from bianzhi.core.models import CalendarDay


@pytest.mark.django_db
def test_database_vendor_is_the_expected_one():
    # .ci/run sets BIANZHI_EXPECT_DB for each part, so a PostgreSQL part that
    # silently fell back to SQLite fails here.
    print(f"database vendor: {connection.vendor} {connection.settings_dict['NAME']}")
    expected = os.environ.get("BIANZHI_EXPECT_DB")
    assert (
        connection.vendor == expected
        if expected
        else connection.vendor
        in {
            "sqlite",
            "postgresql",
        }
    )


@pytest.mark.parametrize("attempt", [1, 2, 3])
@pytest.mark.django_db(transaction=True)
def test_seeded_rows_present_in_every_transactional_test(attempt):
    from django.apps import apps

    assert CalendarDay.objects.count() > 8000
    if apps.is_installed("bianzhi.quota"):
        category = apps.get_model("quota", "QuotaCategory")
        assert category.objects.filter(is_national=True).count() == 5
    # Leave the tables dirty, as a real test does, before the flush.
    CalendarDay.objects.filter(date__year=2004).delete()


@pytest.mark.django_db
def test_history_lookup_of_audit_records_is_indexed_on_postgresql():
    """core 0003: histories find events by jsonb containment through a GIN
    index on PostgreSQL; SQLite gets none (it scans the records' text)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                ["core_auditevent_records_gin"],
            )
            (definition,) = cursor.fetchone()
            assert "gin" in definition and "jsonb_path_ops" in definition
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = %s",
                ["core_auditevent_records_gin"],
            )
            assert cursor.fetchone() == (0,)
