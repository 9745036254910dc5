"""The unit page in a real Chromium: Chinese glyphs render (no tofu), htmx works.

Run by .ci/run (`pytest -m browser`) with Debian's Chromium and fonts-noto-cjk;
Playwright's own browser download cannot work offline.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the live server's
# ORM calls from the test thread are safe here.
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
COPY_FOR_LEAD = Path("/tmp/coord/unit_page.png")

# Two different CJK characters drawn in the page font. Tofu boxes (.notdef)
# look the same for every character, and the same as a private-use code point.
GLYPH_CHECK = """
() => {
  const font = getComputedStyle(document.querySelector('h1')).fontFamily;
  const draw = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
    g.fillStyle = '#000'; g.font = '48px ' + font; g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    return c.toDataURL();
  };
  const inked = (ch) => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 64;
    const g = c.getContext('2d');
    g.font = '48px ' + font; g.textBaseline = 'top';
    g.fillText(ch, 4, 4);
    const d = g.getImageData(0, 0, 64, 64).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  };
  return {
    font,
    bian: draw('编'), zhi: draw('制'), notdef: draw('\\uE000'),
    ink: inked('编'),
  };
}
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


def _platform_fonts(page, selector: str) -> list[str]:
    """The fonts Chromium actually used for an element's text (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})
    return [f["familyName"] for f in fonts["fonts"]]


def test_unit_page_renders_chinese(browser, live_server, city, cast, tmp_path):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("ceshi-mima-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    assert "工作台" in page.content()

    page.goto(f"{live_server.url}/units/{city.finance.pk}/")
    heading = page.locator("h1#unit-name")
    assert heading.inner_text() == "示例市财政局"
    assert page.evaluate("() => document.fonts.status") == "loaded"
    assert page.evaluate("() => typeof window.htmx") == "object"

    glyphs = page.evaluate(GLYPH_CHECK)
    assert "Noto Sans CJK SC" in glyphs["font"]
    assert glyphs["bian"] != glyphs["zhi"], "different characters drew the same box"
    assert glyphs["bian"] != glyphs["notdef"], "CJK drew like a missing glyph"
    assert glyphs["ink"] > 150
    used = _platform_fonts(page, "h1#unit-name")
    assert any("CJK" in name or "SC" in name for name in used), used

    shot = tmp_path / "unit_page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 30_000
    if COPY_FOR_LEAD.parent.is_dir():
        shutil.copy(shot, COPY_FOR_LEAD)

    # as_of in the URL reproduces the view before the rename.
    page.goto(f"{live_server.url}/units/{city.finance.pk}/?as_of=2023-01-01")
    assert heading.inner_text() == "示例市财政委员会"
    context.close()


def test_numbers_panel_refreshes_with_htmx(browser, live_server, city, cast):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("ceshi-mima-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/office/quota_recall/")
    numbers = page.locator("#bz-numbers")
    assert "选择单位" in numbers.inner_text()
    page.locator("#f-unit").select_option(str(city.finance.pk))
    page.locator("#f-category").select_option("administrative")
    page.locator("#f-funding").select_option("full")
    page.wait_for_function(
        "() => document.querySelector('#bz-numbers').innerText.includes('空编数')"
    )
    assert "17" in numbers.inner_text()

    # A refusal comes back inline with its code; nothing is written.
    page.locator("#f-amount").fill("100")
    page.locator("#f-doc_no").fill("示编〔2026〕30号")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("#form-errors")
    assert "QUOTA_NEGATIVE" in page.locator("#form-errors").inner_text()
    context.close()


def wait_for_htmx(page):
    """Until htmx has swapped, settled and processed the new content."""
    page.wait_for_function(
        "() => !document.querySelector("
        "'.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def test_choosing_a_unit_reloads_dependent_inputs(browser, live_server, city, cast):
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill("ceshi-mima-2024")
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/office/internal_body_remove/")
    assert page.locator("#f-internal_body option").count() == 1  # 请选择 only
    page.locator("#f-unit").select_option(str(city.finance.pk))
    page.wait_for_function(
        "() => document.querySelectorAll('#f-internal_body option').length > 1"
    )
    assert "办公室" in page.locator("#f-internal_body").inner_text()
    assert "三定未录入" in page.locator("#bz-numbers").inner_text()

    page.goto(f"{live_server.url}/office/unit_change_attributes/")
    page.locator("#f-unit").select_option(str(city.finance.pk))
    page.wait_for_function("() => document.querySelector('#f-in_cap').checked")
    wait_for_htmx(page)  # the swapped-in select must be processed before it is used
    page.locator("#f-unit").select_option(str(city.centre.pk))
    page.wait_for_function("() => !document.querySelector('#f-in_cap').checked")
    assert page.locator("#f-parent").input_value() == str(city.finance.pk)
    context.close()
