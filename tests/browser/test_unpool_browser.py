"""The Explorer's max unpool round trip (SegNet) in headless Chromium: opened from a link
with `up=1`, the unpooled plane and the landing sentences compared with hand-worked values,
axe clean, a screenshot at 1366 wide in test-artifacts/."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect
from pw_helpers import assert_no_exception, heatmap_text, open_app, screenshot

from ui.format import fmt
from ui.links.urlstate import encode_grid

X4 = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]], dtype=np.float64)


def test_unpool_round_trip_from_a_link(browser: Browser, app_url: str) -> None:
    url = f"{app_url}/?" + urlencode({"x": encode_grid(X4.tolist()), "k": "2", "s": "2",
                                      "up": "1", "lang": "en"})
    context = browser.new_context(viewport={"width": 1366, "height": 3600}, locale="en-US")
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        open_app(page, url)
        assert_no_exception(page)
        # Maxima 6 at (1,1), 4 at (0,3), 8 at (3,1), 9 at (2,2); every other cell 0.
        expected = np.zeros((4, 4))
        expected[1, 1], expected[0, 3], expected[3, 1], expected[2, 2] = 6, 4, 8, 9
        assert heatmap_text(page, "fig_unpool") == [[fmt(v) for v in row] for row in expected]
        expect(page.get_by_text("y[1,0] = 8 lands on (3,1).").first).to_be_visible()
        severe = [v["id"] for v in Axe().run(page).response["violations"]
                  if v.get("impact") in ("critical", "serious")]
        assert not severe, severe
        page.locator(".st-key-fig_unpool").first.scroll_into_view_if_needed()
        screenshot(page, "unpool-round-trip-1366")
    finally:
        context.close()
