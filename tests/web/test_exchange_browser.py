"""An import in a real Chromium: upload → queued page polls → worker runs → result.

Run by .ci/run (`pytest -m browser`) with Debian's Chromium. The job goes
through the real queue: the page is left polling while this thread drains it
with `bianzhi db_worker --batch`, and the page must reach the result by itself.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from django.core.management import call_command

from bianzhi.exchange.models import ImportRun
from bianzhi.roster.models import Posting

from .exchange_files import bad_id, good_rows, media, roster_file  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the ORM calls of
# the test and the worker from this thread are safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("media"),
]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
COPY_FOR_LEAD = Path("/tmp/coord/import_run_page.png")


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def drain_queue() -> None:
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0
        )
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)


def test_upload_progress_page_reaches_the_result(
    browser, live_server, city, cast, tmp_path
):
    rows = good_rows(3)
    rows[1]["id_number"] = bad_id(2)
    path = roster_file(tmp_path / "教育局名册.xlsx", rows)
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("ceshi-mima-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="数据导入").click()
    page.get_by_label("实名制人员信息").check()
    page.get_by_label("文件", exact=True).set_input_files(str(path))
    page.get_by_label("仅导入有效行（按文件顺序，跳过有错误的行）").check()
    page.locator("#mode-commit").check()
    page.get_by_role("button", name="上传并开始").click()
    page.wait_for_url("**/imports/*/")
    status = page.locator("#run-status")
    assert status.get_attribute("data-status") == "queued"
    assert "排队中" in status.inner_text()

    drain_queue()  # the page keeps polling on its own meanwhile

    page.wait_for_selector("#run-result", timeout=20_000)
    assert status.get_attribute("data-status") == "done"
    assert "已导入2行" in page.locator("#run-progress-text").inner_text()
    errors = page.locator("#run-errors").inner_text()
    assert "公民身份号码" in errors and "ID_INVALID" in errors
    assert Posting.objects.filter(unit=city.education).count() == 2
    run = ImportRun.objects.get()
    assert page.url.endswith(f"/imports/{run.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载错误报告（Excel）").click()
    assert download.value.suggested_filename == "教育局名册-错误报告.xlsx"

    shot = tmp_path / "import_run_page.png"
    page.screenshot(path=str(shot), full_page=True)
    if COPY_FOR_LEAD.parent.is_dir():
        shutil.copy(shot, COPY_FOR_LEAD)
    # The result survives a reload.
    page.reload()
    assert "已导入2行" in page.locator("#run-progress-text").inner_text()
    context.close()
