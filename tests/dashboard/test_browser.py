"""The dashboard in a real Chromium: every chart is drawn (a canvas with ink).

Run by .ci/run (`pytest -m browser`) with Debian's Chromium; launch setup as
in tests/web/test_browser.py. Saves a screenshot (and a copy for the lead).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
COPY_FOR_LEAD = Path("/tmp/coord/dashboard.png")
CHARTS = (
    "trend",
    "pyramid",
    "education",
    "identity",
    "rank",
    "category",
    "over",
    "grid",
)

# Inked pixels of the canvas inside each chart container.
INK = """
(keys) => keys.map((key) => {
  const canvas = document.querySelector('#chart-' + key + ' canvas');
  if (!canvas) return [key, -1];
  const g = canvas.getContext('2d');
  const d = g.getImageData(0, 0, canvas.width, canvas.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
  return [key, n];
})
"""


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_dashboard_charts_are_drawn(
    browser, live_server, city, cast, staffed, tmp_path
):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("ceshi-mima-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/dashboard/")
    # The top-bar warnings count arrives by htmx after the page.
    page.wait_for_selector("#warnings-badge .badge")
    assert page.inner_text("#warnings-badge .badge").strip().isdigit()
    assert page.evaluate("() => typeof window.echarts") == "object"
    page.wait_for_function(
        "() => window.bianzhiCharts && Object.keys(window.bianzhiCharts).length >= 8"
    )
    ink = dict(page.evaluate(INK, list(CHARTS)))
    for key in CHARTS:
        assert ink[key] > 500, f"chart {key} is blank: {ink[key]}"

    # The table view replaces the chart and back; the CSV export downloads the table.
    page.click('[data-toggle-table="education"]')
    assert page.is_visible("#table-education table")
    assert not page.is_visible("#chart-education")
    with page.expect_download() as download:
        page.click('[data-export-csv="education"]')
    csv_path = tmp_path / "education.csv"
    download.value.save_as(csv_path)
    text = csv_path.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "学历,人数"
    assert "大学本科" in text
    page.click('[data-toggle-table="education"]')
    assert page.is_visible("#chart-education")

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if COPY_FOR_LEAD.parent.is_dir():
        shutil.copyfile(shot, COPY_FOR_LEAD)

    page.goto(f"{live_server.url}/dashboard/decision/?region=990102")
    page.wait_for_function("() => window.bianzhiCharts && window.bianzhiCharts.tilt")
    ink = dict(page.evaluate(INK, ["ageing", "education", "tilt"]))
    assert all(n > 500 for n in ink.values()), ink
    assert errors == []
    context.close()
