"""`bianzhi daily` for the exchange layer (exchange/daily.py): abandoned runs
are closed with a reason, spent files with personal data are removed."""

from __future__ import annotations

import datetime as dt
import os
import time

import pytest
from django.utils import timezone

from bianzhi.core.actor import Actor
from bianzhi.exchange import daily
from bianzhi.exchange.imports import run_import
from bianzhi.exchange.models import ImportRun
from bianzhi.exchange.services import import_run_create, import_run_start
from bianzhi.web.uploads import store_upload

from .exchange_files import good_rows, media, roster_file  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]

SYSTEM = Actor.system("每日任务")


def _office(cast) -> Actor:
    return Actor(cast.office.pk, "张科员", "office_admin", "region:990100")


def _age(run: ImportRun, **delta) -> None:
    """Test setup: make a run older than it is (only its timestamps)."""
    past = timezone.now() - dt.timedelta(**delta)
    ImportRun.objects.filter(pk=run.pk).update(created_at=past)
    if run.finished_at:
        ImportRun.objects.filter(pk=run.pk).update(finished_at=past)


def test_daily_closes_abandoned_runs(cast, tmp_path):
    path = roster_file(tmp_path / "名册.xlsx", good_rows(1))

    def make(commit: bool) -> ImportRun:
        return import_run_create(
            actor=_office(cast),
            kind="roster",
            filename="名册.xlsx",
            path=path,
            commit=commit,
        )

    killed, never_started, fresh = make(True), make(True), make(False)
    import_run_start(run=killed)
    _age(killed, hours=7)
    _age(never_started, days=2)

    lines = daily.run(actor=SYSTEM, today=timezone.localdate())

    statuses = dict(ImportRun.objects.values_list("pk", "status"))
    assert statuses[killed.pk] == ImportRun.Status.FAILED
    assert statuses[never_started.pk] == ImportRun.Status.FAILED
    assert statuses[fresh.pk] == ImportRun.Status.QUEUED
    assert "后台任务进程可能已重启" in ImportRun.objects.get(pk=killed.pk).message
    assert "db_worker" in ImportRun.objects.get(pk=never_started.pk).message
    assert len(lines) == 2
    assert daily.run(actor=SYSTEM, today=timezone.localdate()) == []


class _Upload:
    """What store_upload reads of an UploadedFile."""

    def __init__(self, path) -> None:
        self.name = path.name
        self._data = path.read_bytes()

    def chunks(self):
        yield self._data


def test_daily_removes_spent_uploads_and_old_exports(cast, settings, tmp_path):
    source = roster_file(tmp_path / "名册.xlsx", good_rows(1))
    old_file = store_upload(_Upload(source))
    new_file = store_upload(_Upload(source))
    old, new = (
        import_run_create(
            actor=_office(cast),
            kind="roster",
            filename="名册.xlsx",
            path=p,
            commit=False,
        )
        for p in (old_file, new_file)
    )
    for run in (old, new):
        run_import(actor=_office(cast), kind="roster", path=run.file_path, run=run)
    old.refresh_from_db()
    _age(old, days=31)
    cli_run = import_run_create(
        actor=_office(cast),
        kind="roster",
        filename="名册.xlsx",
        path=source,
        commit=False,
    )
    run_import(actor=_office(cast), kind="roster", path=source, run=cli_run)
    cli_run.refresh_from_db()
    _age(cli_run, days=31)
    exports = settings.MEDIA_ROOT / "exports"
    stale_job, live_job = exports / ("a" * 32), exports / ("b" * 32)
    for job in (stale_job, live_job):
        job.mkdir(parents=True)
        (job / "名册.xlsx").write_bytes(b"data")
    three_days_ago = time.time() - 3 * 86400
    os.utime(stale_job, (three_days_ago, three_days_ago))

    lines = daily.run(actor=SYSTEM, today=timezone.localdate())

    assert not old_file.exists() and not old_file.parent.exists()
    assert new_file.exists()
    assert source.exists()  # not a web upload: never touched
    assert not stale_job.exists() and live_job.exists()
    assert lines == ["已删除过期的导出文件 1 份", "已删除已完成导入任务的上传文件 1 份"]
    assert ImportRun.objects.filter(pk=old.pk).exists()  # the record stays
