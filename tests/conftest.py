"""Suite-wide fixtures.

Transactional tests (race tests, `live_server` browser tests) end with a
flush of every table, which also removes the rows that data migrations seed
(the working-day calendar, the national quota categories). A later
transactional test on the same database would then run against an empty
calendar. `_reseed_after_flush` puts them back: it replays, in migration
order, every RunPython of a project migration whose name contains "seed".
Name new data migrations accordingly (e.g. `0003_seed_ethnic_groups`).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture(scope="session", autouse=True)
def _keys():
    """Tests use their own key directory (settings.test.KEY_DIR)."""
    from pathlib import Path

    from django.conf import settings

    from bianzhi.core.keys import ensure_keys
    from bianzhi.documents.keys import ensure_office_certificate

    ensure_keys()
    ensure_office_certificate()
    # WhiteNoise warns on every request when STATIC_ROOT does not exist.
    Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


def _seed_functions() -> list:
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations.special import RunPython

    loader = MigrationLoader(None, ignore_no_migrations=True)
    graph = loader.graph
    ordered: list[tuple[str, str]] = []
    for leaf in sorted(graph.leaf_nodes()):
        for node in graph.forwards_plan(leaf):
            if node not in ordered:
                ordered.append(node)
    functions = []
    for app_label, name in ordered:
        migration = graph.nodes[(app_label, name)]
        if "seed" not in name or not type(migration).__module__.startswith("bianzhi."):
            continue
        functions += [
            op.code for op in migration.operations if isinstance(op, RunPython)
        ]
    return functions


def _is_transactional(request) -> bool:
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        return True
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return False
    return bool(
        marker.kwargs.get("transaction", marker.args[0] if marker.args else False)
    )


@pytest.fixture(autouse=True)
def _reseed_after_flush(request):
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps
    from django.db import connection, transaction

    from bianzhi.core.models import CalendarDay

    # A fresh test database always holds the calendar; an empty one was flushed.
    if not CalendarDay.objects.exists():
        with transaction.atomic():
            editor = SimpleNamespace(connection=connection)
            for function in _seed_functions():
                function(apps, editor)
    yield


def pytest_terminal_summary(terminalreporter):
    """Name the database the suite ran on (CI runs it on SQLite and PostgreSQL)."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    engine = database["ENGINE"].rsplit(".", 1)[-1]
    where = database.get("HOST") or (database.get("OPTIONS") or {}).get("host", "")
    terminalreporter.write_line(
        f"database: {engine} (test database of {database['NAME']}{' @ ' + where if where else ''})"
    )


# --- permits ------------------------------------------------------------------------

_permit_numbers = iter(range(1, 10**9))


def grant_permit(unit, *, category="administrative", funding="full", channel="考录",
                 count=1, today=None):  # fmt: skip
    """A permit (用编核准) of `count` intakes into the unit's account through
    `channel`, for tests about something else than permits.

    Recorded by the system's permit_record (the same issuing core as the
    quota_use workflow's effect, with its audit event), so the account's
    reservation is right (reserved + count; each intake converts one) —
    without walking the workflow's steps (tests/quota/permit_world.permit_walk
    does that). Valid from the real today by default, six months on.
    """
    from django.utils import timezone

    from bianzhi.core.actor import Actor
    from bianzhi.quota.models import QuotaAccount
    from bianzhi.quota.permits import permit_record
    from bianzhi.roster.values import CHANNEL, resolve

    code = resolve(CHANNEL, channel, field="channel")
    unit_id = getattr(unit, "pk", unit)
    account = QuotaAccount.objects.get(
        unit_id=unit_id, category_id=category, funding=funding
    )
    n = next(_permit_numbers)
    return permit_record(
        actor=Actor.system(),
        unit_id=unit_id,
        account_id=account.pk,
        channel=code,
        count=count,
        doc_no=f"测试编发〔2026〕{n}号",
        number=f"测试核准-{n}",
        today=today or timezone.localdate(),
        summary=f"用编核准测试核准-{n}（测试）",
    )
