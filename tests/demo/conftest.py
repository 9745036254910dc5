"""One small demo city per test module, rolled back at the module's end.

Building the city takes seconds, so the module's tests share one load; each
test still runs in its own savepoint (pytest-django) inside that transaction.
"""

import io

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker):
    """Output of `bianzhi demo --scale small --persons 100` on an empty database."""
    with django_db_blocker.unblock():
        with transaction.atomic():
            out = io.StringIO()
            call_command(
                "demo", "--scale", "small", "--persons", "100", "--seed", "2026",
                stdout=out,
            )  # fmt: skip
            yield out.getvalue()
            transaction.set_rollback(True)
