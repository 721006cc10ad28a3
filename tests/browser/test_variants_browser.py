"""The Explorer's adaptive/global layers and 'same' padding in headless Chromium (issue 16):
opened from classroom links, the numbers on the page compared with hand-worked values and
pooling_core, the step player walked over overlapping bins, axe clean, and screenshots at a
phone (390×844), a projector (1024×768, projector mode) and a laptop (1366×768, with the
standalone page opened from file://) in test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from pw_helpers import (
    ARTIFACTS,
    assert_no_exception,
    heatmap_text,
    open_app,
    player,
    rerun_by,
    screenshot,
)

from pooling_core import AdaptiveSpec, PoolSpec, pool_backward, pool_forward
from ui.compute import _results
from ui.exports.standalone import standalone_html
from ui.format import fmt
from ui.links.urlstate import encode_grid

SEVERE = {"critical", "serious"}
X5 = np.array([[1, 4, 2, 0, 3], [6, 2, 8, 1, 5], [3, 7, 0, 9, 2], [4, 1, 5, 2, 6],
               [8, 3, 2, 7, 1]], dtype=np.float64)
X3 = np.array([[1, 4, 2], [4, 4, 3], [0, 3, 3]], dtype=np.float64)


def fmt_grid(a: np.ndarray) -> list[list[str]]:
    return [[fmt(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def link(app_url: str, x: np.ndarray, **fields: str) -> str:
    return f"{app_url}/?" + urlencode({"x": encode_grid(x.tolist()), **fields, "lang": "en"})


def severe(page: Page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n.get('target') for n in v.get('nodes', [])][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


def open_view(browser: Browser, url: str, width: int, height: int) -> tuple:
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    open_app(page, url)
    return context, page


def test_same_padding_and_adaptive_bins_from_links(browser: Browser, app_url: str,
                                                   tmp_path: Path) -> None:
    # TF 'same' on the 5x5, kernel 2, stride 2: the extra column on the right (hand-worked:
    # tests/pages/test_explorer_variants.py).
    context, page = open_view(browser, link(app_url, X5, k="2", s="2", pad="same"), 1366, 3000)
    try:
        assert_no_exception(page)
        assert heatmap_text(page, "fig_output") == fmt_grid([[6, 8, 5], [7, 9, 6], [8, 7, 1]])
        spec = PoolSpec(2, 2, padding="same")
        assert heatmap_text(page, "fig_grad_input") == fmt_grid(
            pool_backward(X5, np.ones((3, 3)), spec))
        expect(page.get_by_text("0 before, 1 after").first).to_be_visible()
        assert not severe(page)
        screenshot(page, "variants-same-1366")
    finally:
        context.close()

    # 3x3 -> 2x2 adaptive max with ties, at phone size: the bins overlap on the centre.
    url = link(app_url, X3, layer="adaptive", o="2", mode="max")
    context, page = open_view(browser, url, 390, 844)
    try:
        assert_no_exception(page)
        assert heatmap_text(page, "fig_output") == fmt_grid([[4, 4], [4, 4]])
        assert heatmap_text(page, "fig_grad_input") == fmt_grid(
            [[0, 2, 0], [1, 1, 0], [0, 0, 0]])
        expect(page.get_by_text("2 × 2 = 4 cells").first).to_be_attached()
        sentence = player(page).locator("#sentence")
        expect(sentence).to_contain_text("rows 0–1, columns 0–1")
        player(page).locator("#next").click()
        expect(sentence).to_contain_text("rows 0–1, columns 1–2")
        assert not severe(page)
        screenshot(page, "variants-adaptive-390")
        page.locator(".st-key-fig_input").first.scroll_into_view_if_needed()
        screenshot(page, "variants-adaptive-390-bins")
    finally:
        context.close()

    # torchvision's 7 -> 3 adaptive average, projector mode at 1024x768.
    x7 = (np.arange(49.0).reshape(7, 7) * 3) % 10
    spec7 = AdaptiveSpec(3, mode="avg")
    context, page = open_view(browser, link(app_url, x7, layer="adaptive", o="3", mode="avg"),
                              1024, 768)
    try:
        rerun_by(page, page.locator(".st-key-projector label").first)
        expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
        assert heatmap_text(page, "fig_output") == fmt_grid(pool_forward(x7, spec7).output)
        assert heatmap_text(page, "fig_grad_input") == fmt_grid(
            pool_backward(x7, np.ones((3, 3)), spec7))
        assert not severe(page)
        screenshot(page, "variants-adaptive-projector-1024")
        page.locator(".st-key-fig_input").first.scroll_into_view_if_needed()
        screenshot(page, "variants-adaptive-projector-1024-bins")
    finally:
        context.close()

    # The standalone page of the adaptive layer, opened from file:// at 1366x768.
    path = tmp_path / "adaptive.html"
    path.write_text(standalone_html(_results(X3, np.ones((2, 2)), AdaptiveSpec(2)), "en"),
                    encoding="utf-8")
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        host = page.locator("#pbe-player-host")
        expect(host.locator("#counter")).to_have_text("Step 1 / 4")
        expect(host.locator("#sentence")).to_contain_text("rows 0–1, columns 0–1")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "variants-standalone-1366.png"))
        assert not severe(page)
    finally:
        context.close()
