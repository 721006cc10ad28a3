"""Issue 18, sections 3 and 4 in a real browser, at a phone, a projector (projector mode on) and
a laptop size: a question from the Explorer's menu opens its page with the question above it;
the Export area makes the animation and offers it; the Exercise page makes the worksheet and
offers it; axe-core finds no critical or serious violation in what was added. Element
screenshots go to test-artifacts/ to be looked at."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from pw_helpers import (
    ARTIFACTS,
    assert_no_exception,
    open_app,
    rerun_by,
    wait_idle,
)

SEVERE = {"critical", "serious"}
SIZES = {"phone": (390, 844, False), "projector": (1024, 768, True), "laptop": (1366, 768, False)}


def severe(page: Page, where: str, selector: str) -> list[str]:
    """axe-core's critical and serious violations inside what this issue added (`selector`)."""
    result = Axe().run(page, context=selector)
    return [f"{where} {v['id']}: {v['help']} at {[n.get('target') for n in v['nodes']][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


def shot(page: Page, selector: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    el = page.locator(selector).first
    el.scroll_into_view_if_needed()
    el.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def open_expander(page: Page, key: str) -> None:
    page.locator(f".st-key-{key} summary").first.click()
    wait_idle(page, settle_ms=1500)


@pytest.mark.parametrize("size", list(SIZES))
def test_questions_gif_and_worksheet(browser: Browser, app_url: str, size: str) -> None:
    width, height, projector = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(60_000)
    problems: list[str] = []
    try:
        page = context.new_page()
        open_app(page, f"{app_url}/?lang=en")
        if projector:
            if width < 1100:  # the sidebar may be collapsed: open it to reach the switch
                toggle = page.locator("[data-testid=stExpandSidebarButton]")
                if toggle.count():
                    toggle.first.click()
            rerun_by(page, page.locator(".st-key-projector label").first)
        # 3. a question opens its page with the question above it
        open_expander(page, "questions_open")
        shot(page, ".st-key-questions_open", f"slides-{size}-menu")
        problems += severe(page, "menu", ".st-key-questions_open")
        page.locator(".st-key-question_overlap button").first.click()
        wait_idle(page, settle_ms=1500)
        assert_no_exception(page)
        line = page.locator("[data-testid=stAlert]", has_text="stride is smaller than the kernel")
        expect(line.first).to_be_visible()
        shot(page, "[data-testid=stAlert]", f"slides-{size}-question")
        assert "q=overlap" in page.url
        problems += severe(page, "question", "[data-testid=stAlert]")
        # 4a. the animation from the Export area
        open_expander(page, "export_open")
        page.locator(".st-key-gif_make button").first.click()
        wait_idle(page, settle_ms=1500)
        assert_no_exception(page)
        expect(page.locator(".st-key-gif_download button").first).to_be_visible()
        shot(page, ".st-key-gif_box", f"slides-{size}-gif")
        problems += severe(page, "export", ".st-key-gif_box")
        # 4b. the worksheet on the Exercise page
        page.goto(f"{app_url}/exercise?lang=en&level=ties&seed=5")
        wait_idle(page, settle_ms=1500)
        open_expander(page, "ws_open")
        page.locator(".st-key-ws_make button").first.click()
        wait_idle(page, settle_ms=1500)
        assert_no_exception(page)
        expect(page.locator(".st-key-ws_download button").first).to_be_visible()
        shot(page, ".st-key-ws_open", f"slides-{size}-worksheet")
        problems += severe(page, "worksheet", ".st-key-ws_open")
    finally:
        context.close()
    assert not problems, "\n".join(problems)
