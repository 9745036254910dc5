"""The job page with a real queue (task not yet run), the roster from the
database, and the comparison form without runs chosen."""

from __future__ import annotations

import os
import time

from bianzhi.reconcile import tasks
from bianzhi.reconcile.models import ReconcileRun

from .conftest import upload

DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_queued_job_polls_and_hints(cast, immediate, files, login, settings):
    settings.TASKS = DATABASE  # queued in the database; no worker runs here
    client = login(cast.office_admin)
    response = upload(client, payroll=files["payroll"])
    job_url = response.redirect_chain[-1][0]
    page = response.content.decode()
    assert 'data-state="queued"' in page and 'hx-trigger="every 1s"' in page
    assert "reconcile-stuck" not in page
    job = job_url.rstrip("/").rsplit("/", 1)[1]
    status_file = tasks.job_dir(job) / "status.json"
    old = time.time() - 120
    os.utime(status_file, (old, old))
    partial = client.get(job_url + "progress/")
    assert partial["Cache-Control"] == "no-store"
    assert "reconcile-stuck" in partial.content.decode()
    # The uploads stay until the job has finished (the worker reads them).
    assert any((immediate / "reconcile-uploads").rglob("*.csv"))
    assert ReconcileRun.objects.count() == 0


def test_roster_from_the_database(cast, immediate, files, login):
    client = login(cast.office_admin)
    response = upload(client, payroll=files["payroll"])
    assert 'data-state="done"' in response.content.decode()
    run = ReconcileRun.objects.get()
    assert run.roster_source == ReconcileRun.RosterSource.DATABASE
    detail = client.get(f"/reconcile/{run.pk}/").content.decode()
    assert "系统实名制数据" in detail


def test_compare_form_without_runs_chosen(office_run, cast, login):
    page = login(cast.office_admin).get("/reconcile/compare/").content.decode()
    assert 'id="compare-form"' in page and f"#{office_run.pk}" in page
    assert "compare-counts" not in page
