"""Projector mode in a real browser: one switch makes every page larger and high-contrast, it
survives moving between pages, and axe-core still finds no critical or serious violation."""

from __future__ import annotations

import contextlib

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from pw_helpers import (
    assert_no_exception,
    player,
    rerun_by,
    screenshot,
    wait_idle,
)

SEVERE = {"critical", "serious"}


ROOT_FONT_JS = "parseFloat(getComputedStyle(document.documentElement).fontSize)"


def root_font_px(page: Page) -> float:
    return float(page.evaluate(ROOT_FONT_JS))


def wait_root_font(page: Page, px: float) -> None:
    """Wait (up to 10 s) until the root font is `px`: the projector style element is dropped
    by Streamlit's clean-up of the run's stale elements, which may land just after the run's
    end is reported. Fails with the size found when it never comes."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function(f"() => {ROOT_FONT_JS} === {px}", timeout=10_000)
    assert root_font_px(page) == px


def severe_violations(page: Page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']}: {v['help']} at {[n.get('target') for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


def test_projector_mode_on_every_page(page: Page, app_url: str) -> None:
    switch = page.locator(".st-key-projector input[type=checkbox]")
    expect(switch).not_to_be_checked()
    normal_px = root_font_px(page)
    rerun_by(page, page.locator(".st-key-projector label").first)
    assert_no_exception(page)
    expect(switch).to_be_checked()
    assert root_font_px(page) == 21 > normal_px
    # The step player (a component in the page) switches to its projector layout too.
    expect(player(page).locator(".projector").first).to_be_attached()
    screenshot(page, "projector-explorer")
    assert severe_violations(page) == []

    for label, path in (("Ties", "ties"), ("Next layer", "next_layer")):
        page.locator("[data-testid=stSidebarNav] a", has_text=label).first.click()
        page.wait_for_url(f"**/{path}*")
        wait_idle(page, settle_ms=800)
        assert_no_exception(page)
        expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
        assert root_font_px(page) == 21
        screenshot(page, f"projector-{path}")
        assert severe_violations(page) == [], path

    # And off again: the page returns to its normal size.
    rerun_by(page, page.locator(".st-key-projector label").first)
    wait_root_font(page, normal_px)
