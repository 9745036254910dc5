"""数据比对 in a real Chromium: upload → polling page → worker runs → results;
a review done in place with htmx (the page does not navigate).

Run by .ci/run (`pytest -m browser`) with Debian's Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bianzhi.reconcile.models import FindingReview
from tests.web.test_exchange_browser import browser, drain_queue  # noqa: F401

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOT = Path("/tmp/coord/reconcile_run_page.png")


def test_upload_poll_and_review_in_place(
    browser,  # noqa: F811
    live_server,
    cast,
    files,
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("admin")
    page.get_by_label("密码").fill("pw-123456")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="数据比对").first.click()
    page.get_by_role("link", name="新建比对").click()
    page.locator("#f-month").fill("2026-10")
    for field in ("payroll", "social", "population", "roster"):
        page.locator(f"#f-{field}").set_input_files(str(files[field]))
    page.get_by_role("button", name="上传并开始比对").click()
    page.wait_for_url("**/reconcile/jobs/*/")
    assert page.locator("#reconcile-job").get_attribute("data-state") == "queued"

    drain_queue()  # the page keeps polling on its own meanwhile

    page.wait_for_selector("#reconcile-result-link", timeout=30_000)
    page.locator("#reconcile-result-link").click()
    page.wait_for_url("**/reconcile/*/")
    url = page.url
    row = page.locator("tr[data-status]").filter(has_text="鬼影")
    row.get_by_role("textbox").fill("临时聘用，已核实")
    row.get_by_role("button", name="已说明").click()
    page.wait_for_selector("tr[data-status='explained']", timeout=10_000)
    assert page.url == url  # swapped in place
    assert (
        "临时聘用，已核实" in page.locator("tr[data-status='explained']").inner_text()
    )
    assert FindingReview.objects.get().verdict == "explained"
    if SHOT.parent.is_dir():
        page.screenshot(path=str(tmp_path / "shot.png"), full_page=True)
        (tmp_path / "shot.png").replace(SHOT)
    context.close()
