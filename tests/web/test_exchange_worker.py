"""The import job through the real queue: upload → DatabaseBackend → `bianzhi db_worker`.

The worker runs in-process (`db_worker --batch` drains the queue and exits).
It commits its own transactions and closes connections, so these tests run
without the test-case transaction (transaction=True).
"""

from __future__ import annotations

import signal

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from bianzhi.core.models import AuditEvent
from bianzhi.exchange.models import ImportRun
from bianzhi.roster.models import Posting

from .exchange_files import DATABASE, good_rows, media, roster_file, upload  # noqa: F401

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media"),
]


def drain_queue() -> None:
    """`bianzhi db_worker --batch`, restoring the signal handlers it installs."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
        )
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def test_upload_is_queued_and_the_worker_imports_it(cast, as_user, settings, tmp_path):
    settings.TASKS = DATABASE
    client = as_user(cast.office)

    response = upload(client, roster_file(tmp_path / "名册.xlsx", good_rows(2)))

    run = ImportRun.objects.get()
    assert run.status == ImportRun.Status.QUEUED  # nothing ran in the request
    task = DBTaskResult.objects.get()
    assert task.task_path == "bianzhi.exchange.tasks.import_task"
    queued = client.get(f"/imports/{run.pk}/progress/").content.decode()
    assert 'hx-trigger="every 1s"' in queued

    drain_queue()

    run.refresh_from_db()
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert run.status == ImportRun.Status.DONE and run.commit
    assert Posting.objects.filter(unit__name="示例市教育局").count() == 2
    html = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' not in html and "已写入" in html
    operations = set(AuditEvent.objects.values_list("operation", flat=True))
    assert {"import_run_create", "import_run_finish"} <= operations
