"""The Frameworks page (issue 17) in headless Chromium: opened from a classroom link in five
languages on a hand-worked case where Caffe differs from PyTorch (4x4, kernel 3, stride 2:
Caffe rounds the output size up), the numbers and the framed cells read from the drawn
heatmaps, the reason shown, axe-core clean, no request to any host but the app's, and
screenshots at a phone (390x844), a projector (1024x768, projector mode) and a laptop
(1366x768) in test-artifacts/."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pw_helpers import OpenTab, assert_no_exception, heatmap_text, screenshot, wait_idle
from test_no_third_party import Recorder

from ui.i18n import LANGUAGES, t
from ui.links.urlstate import encode_grid
from ui.views.frameworks_port import port_available

SEVERE = {"critical", "serious"}
X4 = [[1, 3, 2, 0], [4, 9, 5, 1], [2, 6, 8, 7], [3, 0, 1, 4]]
# Hand-worked in tests/pages/test_frameworks_page.py: Caffe's 2x2 against PyTorch's 1x1.
CAFFE_Y = [["9", "8"], ["8", "8"]]
CAFFE_DX = [["0", "0", "0", "0"], ["0", "1", "0", "0"], ["0", "0", "3", "0"],
            ["0", "0", "0", "0"]]
CHARTS_DRAWN = """() => [...document.querySelectorAll('.pbe-chart')].every(
    c => c.classList.contains('js-plotly-plot') && c.getAttribute('aria-busy') !== 'true')"""
# The dashed black frames of the differing cells, as Plotly draws them
# (ui.views.frameworks_view.DIFF_LINE): a path with a black stroke and a dash array.
FRAMES_JS = """key => [...document.querySelectorAll(`.st-key-${key} .shapelayer path`)].filter(
    p => /\\b0, ?0, ?0\\b|#000000/.test(p.style.stroke || p.getAttribute('stroke') || '')
         && (p.style.strokeDasharray || '') !== '' && p.style.strokeDasharray !== 'none'
).length"""


def link(app_url: str, lang: str) -> str:
    query = {"x": encode_grid(X4), "k": "3", "s": "2", "from": "caffe", "to": "pytorch",
             "lang": lang}
    return f"{app_url}/frameworks?{urlencode(query)}"


def severe(page: Page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n.get('target') for n in v.get('nodes', [])][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


def open_frameworks(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("h1", timeout=60_000)
    wait_idle(page, timeout_ms=90_000, settle_ms=800)  # a loaded 2-core machine is slow
    page.wait_for_selector(".st-key-fw_y_caffe .pbe-chart", timeout=60_000)
    page.wait_for_function(CHARTS_DRAWN, timeout=60_000)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_frameworks_page_in_every_language(open_tab: OpenTab, app_url: str, lang: str) -> None:
    rec = Recorder(app_url)
    page = open_tab(viewport={"width": 1366, "height": 3000}, timeout_ms=60_000)
    page.on("request", rec.request)
    page.on("requestfailed", rec.request_failed)
    page.on("websocket", rec.websocket)
    page.on("console", rec.console)
    open_frameworks(page, link(app_url, lang))
    assert_no_exception(page)
    assert page.locator("h1").first.inner_text().strip() == t("frameworks.title", lang=lang)
    assert heatmap_text(page, "fw_y_pytorch") == [["9"]]
    assert heatmap_text(page, "fw_y_caffe") == CAFFE_Y
    assert heatmap_text(page, "fw_dx_caffe") == CAFFE_DX
    # Caffe's three extra outputs and the cell they feed are framed; PyTorch's none.
    assert page.evaluate(FRAMES_JS, "fw_y_caffe") == 3
    assert page.evaluate(FRAMES_JS, "fw_dx_caffe") == 1
    assert page.evaluate(FRAMES_JS, "fw_y_pytorch") == 0
    expect(page.get_by_text(t("frameworks.reason.output_size", lang=lang),
                            exact=False).first).to_be_visible()
    if port_available():  # the port section opened with the link's frameworks
        expect(page.locator(".st-key-fw_from [role=combobox]")).to_have_value("Caffe")
    problems = severe(page)
    assert not problems, problems
    screenshot(page, f"frameworks-{lang}-1366")
    assert rec.third_party() == [], rec.third_party()
    assert rec.network_errors() == [], rec.network_errors()


@pytest.mark.parametrize(("width", "height", "projector"),
                         [(390, 844, False), (1024, 768, True), (1366, 768, False)])
def test_frameworks_page_screenshots(open_tab: OpenTab, app_url: str, width: int, height: int,
                                     projector: bool) -> None:
    page = open_tab(viewport={"width": width, "height": height}, timeout_ms=60_000)
    name = f"frameworks-{width}x{height}" + ("-projector" if projector else "")
    open_frameworks(page, link(app_url, "en"))
    if projector:
        page.locator(".st-key-projector label").first.click()
        wait_idle(page, timeout_ms=90_000)
        expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
    assert_no_exception(page)
    assert heatmap_text(page, "fw_y_caffe") == CAFFE_Y
    screenshot(page, name)
    for key in ("fw_y_caffe", "fw_dx_caffe", "fw_port_target_y"):
        target = page.locator(f".st-key-{key}").first
        if target.count():
            target.scroll_into_view_if_needed()
            screenshot(page, f"{name}-{key}")
    if port_available():
        page.locator(".st-key-fw_from").first.scroll_into_view_if_needed()
        screenshot(page, f"{name}-port")
    problems = severe(page)
    assert not problems, problems
