"""The Explorer's max unpool layer (SegNet's round trip) in headless Chromium: opened from an
older link with `up=1` and from `layer=unpool`, the unpooled plane, the step view and the
landing sentences compared with hand-worked values, axe clean, screenshots in test-artifacts/
at a phone (390×844), a projector (1024×768, projector mode) and a laptop (1366×768); and
the Exercise's adaptive level at the same three sizes."""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, expect
from pw_helpers import (
    assert_no_exception,
    heatmap_text,
    open_app,
    rerun_by,
    screenshot,
    track_runs,
    wait_idle,
)

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


# (width, height, projector mode, name): a phone, a classroom projector, a laptop.
SIZES = ((390, 844, False, "390"), (1024, 768, True, "projector-1024"), (1366, 768, False, "1366"))


def test_unpool_layer_at_three_sizes(browser: Browser, app_url: str) -> None:
    """layer=unpool (the fourth layer choice): the radio, the step view and the plane, at a
    phone, a projector (projector mode) and a laptop; axe clean at each."""
    url = f"{app_url}/?" + urlencode({"x": encode_grid(X4.tolist()), "k": "2", "s": "2",
                                      "layer": "unpool", "lang": "en"})
    for width, height, projector, name in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="en-US")
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            open_app(page, url)
            if projector:
                rerun_by(page, page.locator(".st-key-projector label").first)
                expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
            assert_no_exception(page)
            expect(page.get_by_role("radio", name="Max unpool (pool → unpool round trip)")
                   ).to_be_checked()
            # Step 1 of 4: y[0,0] = 6 lands on (1,1); the plane so far holds only it.
            partial = np.zeros((4, 4))
            partial[1, 1] = 6
            assert heatmap_text(page, "fig_unpool_partial") == [
                [fmt(v) for v in row] for row in partial]
            expect(page.get_by_text("y[0,0] = 6 lands on (1,1).").first).to_be_visible()
            severe = [v["id"] for v in Axe().run(page).response["violations"]
                      if v.get("impact") in ("critical", "serious")]
            assert not severe, (name, severe)
            page.locator(".st-key-fig_unpool_y").first.scroll_into_view_if_needed()
            screenshot(page, f"unpool-layer-{name}")
        finally:
            context.close()


def test_adaptive_exercise_at_three_sizes(browser: Browser, app_url: str) -> None:
    """The Exercise's adaptive level from a link: the bins outlined on x, at three sizes."""
    url = f"{app_url}/exercise?" + urlencode({"level": "adaptive", "seed": "11", "lang": "en"})
    for width, height, projector, name in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="en-US")
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            track_runs(page)
            page.goto(url)
            page.wait_for_selector("[data-testid=stApp]")
            wait_idle(page, settle_ms=600)
            if projector:
                rerun_by(page, page.locator(".st-key-projector label").first)
            assert_no_exception(page)
            expect(page.get_by_text("Adaptive max pooling").first).to_be_visible()
            assert heatmap_text(page, "ex_fig_x")[1] == ["43", "23", "0", "49", "16"]
            severe = [v["id"] for v in Axe().run(page).response["violations"]
                      if v.get("impact") in ("critical", "serious")]
            assert not severe, (name, severe)
            page.locator(".st-key-ex_fig_x").first.scroll_into_view_if_needed()
            screenshot(page, f"exercise-adaptive-{name}")
        finally:
            context.close()
