"""The symbolic view in a real browser, at a phone (390×844), a projector (1024×768, projector
mode on) and a laptop (1366×768): dL/dx typeset as symbols by Streamlit's bundled KaTeX, the
step player's running symbols, the index base switch, axe-core clean, and no request to any
host but the app's own while KaTeX typesets (its fonts included).

Hand-worked on the default example (6 × 6, kernel 3, stride 1): x[2,2] = 9 wins the nine
windows (0..2, 0..2), so in 1-based notation ∂L/∂x₃₃ = ∂L/∂z₁₁ + ∂L/∂z₁₂ + … + ∂L/∂z₃₃ (nine
terms; after step 2 of the player: ∂L/∂z₁₁ + ∂L/∂z₁₂). In 0-based notation the same cell is
x[2,2] and its first term ∂L/∂y[0,0]. Screenshots: test-artifacts/symbolic-*.png.
"""

from __future__ import annotations

from contextlib import suppress
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect
from pw_helpers import (
    assert_no_exception,
    open_app,
    player,
    rerun_by,
    reruns,
    screenshot,
    wait_idle,
)

pytestmark = pytest.mark.browser

SEVERE = {"critical", "serious"}
SIZES = {"phone": (390, 844, False), "projector": (1024, 768, True),
         "laptop": (1366, 768, False)}
NINE_1 = " + ".join(rf"\partial L/\partial z_{{{i}{j}}}" for i in (1, 2, 3) for j in (1, 2, 3))
NINE_0 = " + ".join(rf"\partial L/\partial y[{i},{j}]" for i in (0, 1, 2) for j in (0, 1, 2))
RESULT = ".st-key-sym_result"


def severe(page: Page) -> list[str]:
    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {[n.get('target') for n in v.get('nodes', [])][:3]}"
            for v in result.response["violations"] if v.get("impact") in SEVERE]


def open_sidebar(page: Page) -> None:
    """On a narrow screen the sidebar starts collapsed: open it."""
    for sel in ("[data-testid=stExpandSidebarButton]",
                "[data-testid=stSidebarCollapsedControl] button"):
        button = page.locator(sel)
        if button.count() and button.first.is_visible():
            button.first.click()
            break
    expect(page.locator(".st-key-w_show_symbols")).to_be_visible()


def close_sidebar(page: Page) -> None:
    with suppress(Exception):
        button = page.locator("[data-testid=stSidebarCollapseButton] button")
        if button.count() and button.first.is_visible():
            button.first.click()


def tex_of_equations(page: Page) -> list[str]:
    """The TeX source KaTeX typeset, of each listed equation (its MathML annotation)."""
    return page.locator(f"{RESULT} li annotation[encoding='application/x-tex']").evaluate_all(
        "els => els.map(e => e.textContent)")


@pytest.mark.parametrize("device", list(SIZES))
def test_symbolic_view_at_three_sizes(browser: Browser, app_url: str, device: str) -> None:
    width, height, projector = SIZES[device]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    context.set_default_timeout(30_000)
    own = urlsplit(app_url).netloc
    asked: list[str] = []
    context.on("request", lambda r: asked.append(r.url))
    try:
        page = context.new_page()
        open_app(page, f"{app_url}/?base=1&lang=en")
        narrow = width < 800
        if narrow:
            open_sidebar(page)
        if projector:
            rerun_by(page, page.locator(".st-key-projector label").first)
            expect(page.locator(".st-key-projector input[type=checkbox]")).to_be_checked()
        rerun_by(page, page.locator(".st-key-w_show_symbols label").first)
        assert_no_exception(page)
        expect(page.locator(".st-key-w_show_symbols input[type=checkbox]")).to_be_checked()
        if narrow:
            close_sidebar(page)

        # The result, typeset by KaTeX: the matrix and one equation per cell.
        expect(page.locator(f"{RESULT} .katex").first).to_be_visible()
        eqs = tex_of_equations(page)
        assert eqs[0].strip() == rf"\partial L/\partial x_{{33}} = {NINE_1}", eqs
        assert len(eqs) == 4
        # The player: cell x₃₃ (row 3, column 3 in 1-based labels) shows z₁₁, then z₁₁+⋯.
        grad = player(page).locator("#gx2 .cell")
        expect(grad.nth(14)).to_have_text("z₁₁")
        expect(grad.nth(14)).to_have_attribute("title", "dL/dx[3,3] = ∂L/∂z₁₁")
        expect(player(page).locator("#gx2 .hdr").first).to_have_text("1")
        player(page).locator("#next").click()
        expect(grad.nth(14)).to_contain_text("z₁₁+⋯")
        expect(grad.nth(14)).to_have_attribute("title",
                                                "dL/dx[3,3] = ∂L/∂z₁₁ + ∂L/∂z₁₂ (windows: 2)")
        expect(player(page).locator("#sentence")).to_contain_text("∂L/∂x₃₃ = ∂L/∂z₁₁ + ∂L/∂z₁₂")
        wait_idle(page, settle_ms=800)  # the player reports its step: one rerun
        page.locator(PLAYER_SEL).first.scroll_into_view_if_needed()
        screenshot(page, f"symbolic-{device}-player")
        page.locator(RESULT).first.scroll_into_view_if_needed()
        screenshot(page, f"symbolic-{device}-result")
        assert severe(page) == [], device

        # 0-based: the same cell is x[2,2].
        if narrow:
            open_sidebar(page)
        before = reruns(page)  # wait for the switch's own rerun, however slow its request
        page.locator(".st-key-w_index_base label").filter(has_text="0 (code").first.click()
        wait_idle(page, since=before)
        if narrow:
            close_sidebar(page)
        eqs = tex_of_equations(page)
        assert eqs[0].strip() == rf"\partial L/\partial x[2,2] = {NINE_0}", eqs
        expect(player(page).locator("#gx2 .hdr").first).to_have_text("0")
        page.locator(RESULT).first.scroll_into_view_if_needed()
        screenshot(page, f"symbolic-{device}-result-0based")
    finally:
        context.close()
    # KaTeX (and its fonts) come with Streamlit's frontend: nothing from another host.
    third = [u for u in dict.fromkeys(asked)
             if urlsplit(u).scheme in ("http", "https", "ws", "wss")
             and urlsplit(u).netloc not in {own, own.replace("127.0.0.1", "localhost")}]
    assert third == [], third
    fonts = [u for u in asked if "KaTeX" in u or "katex" in u]
    assert all(urlsplit(u).netloc == own for u in fonts), fonts


PLAYER_SEL = ".st-key-player"


def test_ties_page_split_shares_typeset(browser: Browser, app_url: str) -> None:
    # The plateau (4 x 4, kernel 2, stride 2): window (0,0) holds four 5s, so under split each
    # of x₁₁, x₁₂, x₂₁, x₂₂ gets ¼ of ∂L/∂z₁₁, written \tfrac1{4}.
    context = browser.new_context(viewport={"width": 1366, "height": 3000}, locale="en-US")
    context.set_default_timeout(30_000)
    try:
        page = context.new_page()
        page.goto(f"{app_url}/ties?lang=en")
        page.wait_for_selector("[data-testid=stApp]")
        wait_idle(page, settle_ms=800)
        rerun_by(page, page.locator(".st-key-ties_w_show_symbols label").first)
        rerun_by(page, page.locator(".st-key-ties_w_index_base label")
                 .filter(has_text="1 (math").first)
        assert_no_exception(page)
        split = page.locator(".st-key-sym_result_split")
        expect(split.locator(".katex").first).to_be_visible()
        assert split.locator(".katex-error").count() == 0
        tex = split.locator("li annotation[encoding='application/x-tex']").evaluate_all(
            "els => els.map(e => e.textContent)")
        assert tex[0].strip() == (
            r"\partial L/\partial x_{11} = \tfrac1{4}\,\partial L/\partial z_{11}")
        # KaTeX drew a fraction (a .mfrac), not the literal text "tfrac".
        assert split.locator("li").first.locator(".mfrac").count() == 1
        split.scroll_into_view_if_needed()
        screenshot(page, "symbolic-ties-split-laptop")
        assert severe(page) == []
    finally:
        context.close()
