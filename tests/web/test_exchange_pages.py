"""数据导入 pages: upload → job → run page with progress, result and report.

Jobs run in the request here (ImmediateBackend); test_exchange_worker.py runs
them through the real database queue and `bianzhi db_worker`.
"""

from __future__ import annotations

import io

import openpyxl
import pytest

from bianzhi.core.actor import Actor
from bianzhi.exchange import tasks
from bianzhi.exchange.imports import run_import
from bianzhi.exchange.models import ImportRun
from bianzhi.exchange.services import import_run_create, import_run_start
from bianzhi.roster.models import Person, Posting

from .conftest import _user
from .exchange_files import (  # noqa: F401 — fixtures
    XLSX,
    bad_id,
    good_rows,
    immediate,
    media,
    person_row,
    roster_file,
    upload,
)

# Every test: MEDIA_ROOT in tmp_path, jobs run in the request.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("immediate")]


def _run() -> ImportRun:
    return ImportRun.objects.get()


def test_good_roster_file_is_imported_and_the_run_page_shows_the_result(
    cast, as_user, settings, tmp_path
):
    client = as_user(cast.office)
    path = roster_file(tmp_path / "教育局名册.xlsx", good_rows(3))

    response = upload(client, path)

    run = _run()
    assert response.status_code == 302
    assert response["Location"] == f"/imports/{run.pk}/"
    assert run.status == ImportRun.Status.DONE and run.commit
    assert (run.rows_total, run.accepted, run.refused) == (3, 3, 0)
    assert run.created_by_name == "张科员"
    assert Posting.objects.filter(unit__name="示例市教育局").count() == 3
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "教育局名册.xlsx" in html
    assert "已写入" in html
    assert 'hx-trigger="every 1s"' not in html  # finished: no more polling
    assert "下载错误报告" not in html  # nothing wrong, no report
    # The upload is kept under MEDIA_ROOT/uploads/<uuid>/ with its own name.
    assert run.file_path.startswith(str(settings.MEDIA_ROOT / "uploads"))
    assert run.file_path.endswith("教育局名册.xlsx")


def test_bad_roster_file_writes_nothing_and_its_report_is_in_chinese(
    cast, as_user, settings, tmp_path
):
    client = as_user(cast.office)
    wrong = bad_id(2)
    rows = good_rows(3)
    rows[1]["id_number"] = wrong
    rows[2]["unit_name"] = "不存在的单位"
    persons = Person.objects.count()

    response = upload(client, roster_file(tmp_path / "名册.xlsx", rows))

    run = _run()
    assert run.status == ImportRun.Status.FAILED
    assert not run.commit
    assert run.refused == 2
    assert Person.objects.count() == persons  # all or nothing: nothing written
    html = client.get(response["Location"]).content.decode()
    assert "未写入任何数据" in html
    assert "正式导入" in html  # the mode asked for, though nothing was written
    assert 'id="run-errors"' in html
    assert "公民身份号码" in html and "ID_INVALID" in html
    assert "UNIT_UNKNOWN" in html
    assert wrong not in html  # the page masks ID numbers; the report has them
    report = client.get(f"/imports/{run.pk}/report/")
    assert report.status_code == 200
    assert report["Content-Type"] == XLSX
    assert "attachment" in report["Content-Disposition"]
    assert "private" in report["Cache-Control"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(report.streaming_content)))
    assert book.sheetnames == ["错误清单", "汇总"]
    sheet = book["错误清单"]
    header = [c.value for c in sheet[1]]
    assert header == ["行号", "列", "值", "问题", "错误代码"]
    lines = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [3, "公民身份号码", wrong] == lines[0][:3]
    assert lines[0][4] == "ID_INVALID"
    assert any(line[0] == 4 and line[4] == "UNIT_UNKNOWN" for line in lines)


def test_dry_run_then_commit_from_the_run_page(cast, as_user, settings, tmp_path):
    client = as_user(cast.office)
    path = roster_file(tmp_path / "名册.xlsx", good_rows(2))

    response = upload(client, path, mode="dry")

    dry = _run()
    assert dry.status == ImportRun.Status.DONE and not dry.commit
    assert dry.accepted == 2
    assert not Posting.objects.filter(unit__name="示例市教育局").exists()
    html = client.get(response["Location"]).content.decode()
    assert "试运行（只检查，不写入）" in html
    assert "检查通过，正式导入此文件" in html
    committed = client.post(f"/imports/{dry.pk}/commit/")
    new = ImportRun.objects.exclude(pk=dry.pk).get()
    assert committed["Location"] == f"/imports/{new.pk}/"
    assert new.status == ImportRun.Status.DONE and new.commit
    assert Posting.objects.filter(unit__name="示例市教育局").count() == 2
    # The same file again: detected, nothing duplicated.
    again = upload(client, path)
    third = ImportRun.objects.order_by("-pk").first()
    assert third.status == ImportRun.Status.FAILED
    assert "已导入" in client.get(again["Location"]).content.decode()
    assert Posting.objects.filter(unit__name="示例市教育局").count() == 2


def test_valid_only_and_accept_excess_reach_the_import(
    cast, as_user, settings, tmp_path
):
    client = as_user(cast.office)
    rows = good_rows(3)
    rows[0]["id_number"] = bad_id(1)

    upload(
        client,
        roster_file(tmp_path / "名册.xlsx", rows),
        valid_only="on",
        accept_excess="on",
    )

    run = _run()
    assert run.valid_only and run.accept_excess
    assert run.status == ImportRun.Status.DONE and run.commit
    assert (run.accepted, run.refused) == (2, 1)
    assert Posting.objects.filter(unit__name="示例市教育局").count() == 2


def test_file_over_the_limit_gets_a_clear_message(cast, as_user, settings, tmp_path):
    settings.UPLOAD_MAX_BYTES = 1000
    client = as_user(cast.office)
    path = roster_file(tmp_path / "名册.xlsx", good_rows(5))
    assert path.stat().st_size > 1000

    response = upload(client, path)

    html = response.content.decode()
    assert response.status_code == 400
    assert "文件超过大小限制" in html and "FILE_TOO_LARGE" in html
    assert "1000 字节" in html
    assert not ImportRun.objects.exists()
    assert not (settings.MEDIA_ROOT / "uploads").exists()
    # A body far over the limit is refused from its length, before reading it.
    settings.UPLOAD_MAX_BYTES = 10 * 1024
    big = tmp_path / "大文件.csv"
    big.write_bytes(b"x" * (200 * 1024))
    response = upload(client, big)
    assert response.status_code == 400
    assert "10 KB" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_missing_or_empty_file_and_unknown_kind(cast, as_user, settings, tmp_path):
    client = as_user(cast.office)
    response = client.post("/imports/", {"kind": "roster", "mode": "commit"})
    assert response.status_code == 400
    assert "请选择要上传的文件" in response.content.decode()
    path = roster_file(tmp_path / "名册.xlsx", good_rows(1))
    response = upload(client, path, kind="payroll")
    assert response.status_code == 400
    assert "请选择导入类型" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_not_a_spreadsheet_ends_failed_with_the_reason(
    cast, as_user, settings, tmp_path
):
    client = as_user(cast.office)
    path = tmp_path / "照片.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)

    response = upload(client, path)

    run = _run()
    assert run.status == ImportRun.Status.FAILED
    html = client.get(response["Location"]).content.decode()
    assert "FILE_UNREADABLE" in html
    assert client.get(f"/imports/{run.pk}/report/").status_code == 200


def test_vanished_upload_ends_failed_never_running(cast, settings, tmp_path):
    """The job itself: a run whose file is gone is closed with a reason."""
    office = Actor(cast.office.pk, "张科员", "office_admin", "region:990100")
    path = roster_file(tmp_path / "名册.xlsx", good_rows(1))
    run = import_run_create(
        actor=office, kind="roster", filename="名册.xlsx", path=path, commit=True
    )
    path.unlink()

    tasks.import_task.call(run.pk)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.FAILED
    assert run.message
    # A second delivery of the same task leaves the finished run alone.
    assert tasks.import_task.call(run.pk)["status"] == ImportRun.Status.FAILED


def test_unit_hr_cannot_import_nor_see_runs(cast, as_user, settings, tmp_path):
    office = as_user(cast.office)
    upload(
        office,
        roster_file(tmp_path / "名册.xlsx", [person_row(1, id_number=bad_id(1))]),
    )
    run = _run()
    assert run.report_path

    hr = as_user(cast.hr_education)
    assert hr.get("/imports/").status_code == 403
    path = roster_file(tmp_path / "b.xlsx", good_rows(1))
    assert upload(hr, path).status_code == 403
    assert ImportRun.objects.count() == 1
    for suffix in ("", "progress/", "report/"):
        assert hr.get(f"/imports/{run.pk}/{suffix}").status_code == 404
    assert hr.post(f"/imports/{run.pk}/commit/").status_code == 404
    # Navigation: no import item for unit HR, both items for the office.
    assert "数据导入" not in hr.get("/").content.decode()


def test_runs_are_shared_within_the_office_scope_only(
    city, cast, as_user, settings, tmp_path
):
    office = as_user(cast.office)
    upload(
        office,
        roster_file(tmp_path / "名册.xlsx", [person_row(1, id_number=bad_id(1))]),
    )
    run = _run()
    listing = office.get("/imports/").content.decode()
    assert "名册.xlsx" in listing and "张科员" in listing
    assert 'href="/imports/"' in listing  # navigation item

    leader = as_user(cast.leader)  # same city
    assert leader.get(f"/imports/{run.pk}/").status_code == 200
    assert leader.get(f"/imports/{run.pk}/report/").status_code == 200
    district = _user("district_office", "吴科员", "office_admin", region=city.district)
    other = as_user(district)  # an office of a region below: not their run
    assert other.get(f"/imports/{run.pk}/").status_code == 404
    assert other.get(f"/imports/{run.pk}/report/").status_code == 404
    assert "名册.xlsx" not in other.get("/imports/").content.decode()
    assert other.get("/imports/999999/").status_code == 404


def test_progress_partial_polls_until_the_run_finishes(cast, as_user, tmp_path):
    office = Actor(cast.office.pk, "张科员", "office_admin", "region:990100")
    path = roster_file(tmp_path / "名册.xlsx", good_rows(1))
    run = import_run_create(
        actor=office, kind="roster", filename="名册.xlsx", path=path, commit=False
    )
    client = as_user(cast.office)
    url = f"/imports/{run.pk}/progress/"

    queued = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in queued and "排队中" in queued

    import_run_start(run=run, rows_total=100)
    progress = tasks.ProgressFile(run.pk)
    progress(40, 100)
    progress.flush()
    running = client.get(url)
    html = running.content.decode()
    assert running["Cache-Control"] == "no-store"
    assert 'hx-trigger="every 1s"' in html
    assert "正在读取并检查" in html and "已处理 40 / 100 行" in html
    assert 'aria-valuenow="20"' in html  # reading is the first half of the bar
    progress(100, 100)
    progress(30, 100)  # the writing pass starts over
    progress.flush()
    html = client.get(url).content.decode()
    assert "正在写入" in html and 'aria-valuenow="65"' in html

    # The job finishes the run (called directly: it is already started).
    run_import(actor=office, kind="roster", path=path, run=run)
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 1s"' not in html
    assert 'aria-valuenow="100"' in html and "检查完成" in html
    # The full page renders the same partial (it survives a reload).
    assert 'id="run-status"' in client.get(f"/imports/{run.pk}/").content.decode()
