"""Predict mode of the step player in headless Chromium (issue 18, section 1).

A student opens the default example (6×6, kernel 3, stride 1, max, first, dL/dy all ones)
predicting, picks cells of x, types amounts and checks. The expected receivers are worked by
hand from the grid (pw_helpers.DEFAULT_X): windows 0, 1 and 2 (rows 0-2; columns 0-2, 1-3,
2-4) all have their maximum 9 at x[2,2], so each sends 1 there (running total 1, 2, 3).
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from pw_helpers import (
    ARTIFACTS,
    OpenTab,
    assert_no_exception,
    edit_cell,
    open_app,
    player,
    rerun_by,
    screenshot,
    wait_idle,
)

from ui.i18n import LANGUAGES, t

pytestmark = pytest.mark.browser
W = 6  # the default example's width
SEVERE = {"critical", "serious"}


def open_predicting(open_tab: OpenTab, app_url: str, query: str = "predict=1",
                    viewport: dict | None = None) -> Page:
    page = open_tab(viewport=viewport)
    open_app(page, f"{app_url}/?{query}")
    return page


def x_cell(page: Page, r: int, c: int):
    return player(page).locator("#gx .cell:not(.padcell)").nth(r * W + c)  # x, not padding


def feed(page: Page):
    return player(page).locator("#pfeed")


def predict_step(page: Page, picks: dict[tuple[int, int], str]) -> None:
    """Click each cell, type its amount, Check, and wait for the marking's rerun."""
    for (r, c), text in picks.items():
        x_cell(page, r, c).click()
        player(page).locator(f'#picks input[data-cell="{r},{c}"]').fill(text)
    rerun_by(page, player(page).locator("#pcheck"))


def next_step(page: Page, step: int) -> None:
    """The Check button, once a step is marked, moves on (and the player reports the step)."""
    rerun_by(page, player(page).locator("#pcheck"))
    expect(player(page).locator("#counter")).to_have_text(f"Step {step} / 16")


def test_two_wrong_predictions_two_rule_named_corrections(open_tab: OpenTab,app_url: str):
    page = open_predicting(open_tab, app_url)
    expect(page.locator(".st-key-predict_on input[type=checkbox]")).to_be_checked()
    sentence = player(page).locator("#sentence")
    expect(sentence).to_have_text(t("predict.prompt", "en", step=1, i=0, j=0, g="1"))
    # Hidden until checked: no receiver marked, dL/dx still all 0.
    expect(player(page).locator("#gx .cell.recv")).to_have_count(0)
    expect(page.get_by_text(t("predict.result_hidden", "en"))).to_be_visible()
    expect(player(page).locator("#play")).to_be_disabled()  # one step at a time

    predict_step(page, {(2, 2): "1"})  # right
    expect(feed(page).locator("p").first).to_have_text(t("predict.right", "en"))
    expect(x_cell(page, 2, 2)).to_have_class(re.compile(r"\bv-right\b"))
    expect(player(page).locator("#gx2 .cell").nth(2 * W + 2)).to_have_text("1")

    next_step(page, 2)
    predict_step(page, {(2, 2): "2"})  # the running total, not what window 1 sends
    lines = feed(page).locator("p")
    expect(lines.first).to_have_text(t("predict.wrong", "en"))
    expect(feed(page)).to_contain_text("x[2,2] receives 1, not 2.")
    expect(feed(page)).to_contain_text("Overlap accumulation — this window sends 1 to x[2,2]; "
                                       "the 1 already there")
    expect(x_cell(page, 2, 2)).to_have_class(re.compile(r"\bv-amount\b"))

    next_step(page, 3)
    predict_step(page, {(1, 2): "1"})  # the 5 above the maximum 9
    expect(feed(page)).to_contain_text("x[1,2] receives nothing from this window")
    expect(feed(page)).to_contain_text("x[2,2] receives 1, but you did not pick it.")
    expect(feed(page)).to_contain_text("Argmax routing — only the window's maximum (9)")
    expect(x_cell(page, 1, 2)).to_have_class(re.compile(r"\bv-extra\b"))
    expect(x_cell(page, 2, 2)).to_have_class(re.compile(r"\bv-missed\b"))

    expect(player(page).locator("#pscore")).to_have_text(
        "Score (steps right / steps tried): 1 / 3")
    player(page).locator("#psum").click()
    expect(player(page).locator("#psummary")).to_have_text(
        "Mistakes by rule: Argmax routing ×1, Overlap accumulation ×1.")
    assert_no_exception(page)
    screenshot(page, "predict-corrections")


def test_keyboard_only(open_tab: OpenTab, app_url: str):
    page = open_predicting(open_tab, app_url)
    grid = player(page).locator("#gx")
    grid.focus()
    announce = player(page).locator("#pannounce")
    for key in ("ArrowDown", "ArrowDown", "ArrowRight", "ArrowRight"):  # (0,0) -> (2,2)
        page.keyboard.press(key)
    expect(announce).to_have_text("x[2,2] = 9")
    page.keyboard.press("Space")
    expect(announce).to_have_text("x[2,2] = 9, picked")
    page.keyboard.press("1")  # a digit on the grid starts the picked cell's amount
    box = player(page).locator('#picks input[data-cell="2,2"]')
    expect(box).to_be_focused()
    page.keyboard.type("/1")
    expect(box).to_have_value("1/1")
    rerun_by(page, page.keyboard, "Enter")
    expect(feed(page).locator("p").first).to_have_text(t("predict.right", "en"))
    expect(grid).to_be_focused()
    rerun_by(page, page.keyboard, "Enter")  # the step is marked: Enter goes on
    expect(player(page).locator("#counter")).to_have_text("Step 2 / 16")
    expect(player(page).locator("#sentence")).to_have_text(
        t("predict.prompt", "en", step=2, i=0, j=1, g="1"))
    expect(grid).to_be_focused()
    # Window 1 starts at (0,1): down twice and right once reach (2,2); a digit picks it.
    for key in ("ArrowDown", "ArrowDown", "ArrowRight"):
        page.keyboard.press(key)
    expect(announce).to_have_text("x[2,2] = 9")
    for key in ("-", "1"):
        page.keyboard.press(key)
    expect(box).to_be_focused()
    expect(box).to_have_value("-1")
    rerun_by(page, page.keyboard, "Enter")
    expect(player(page).locator("#counter")).to_have_text("Step 2 / 16")
    expect(feed(page)).to_contain_text("x[2,2] receives 1, not -1.")
    expect(player(page).locator("#pscore")).to_have_text(
        "Score (steps right / steps tried): 1 / 2")
    assert_no_exception(page)


def test_a_bad_amount_is_named_and_the_step_stays_hidden(open_tab: OpenTab,app_url: str):
    page = open_predicting(open_tab, app_url)
    predict_step(page, {(2, 2): "1/0"})
    expect(feed(page)).to_have_text(t("predict.error.not_number", "en", r=2, c=2, text="1/0"))
    expect(player(page).locator("#gx .cell.recv")).to_have_count(0)
    expect(player(page).locator("#pscore")).to_have_text("")
    # The typed text stays, to be corrected.
    expect(player(page).locator('#picks input[data-cell="2,2"]')).to_have_value("1/0")


def test_the_link_carries_predict(open_tab: OpenTab, app_url: str):
    page = open_predicting(open_tab, app_url, "predict=1&step=3")
    expect(player(page).locator("#counter")).to_have_text("Step 4 / 16")
    expect(player(page).locator("#sentence")).to_have_text(
        t("predict.prompt", "en", step=4, i=0, j=3, g="1"))
    assert "predict=1" in page.url
    rerun_by(page, page.locator(".st-key-predict_on label").first)  # off: the step as usual
    expect(player(page).locator("#predict")).to_be_hidden()
    expect(player(page).locator("#play")).to_be_enabled()
    assert "predict=1" not in page.url
    expect(player(page).locator("#gx .cell.recv")).to_have_count(1)


def test_a_padding_cell_can_be_picked_and_never_wins(open_tab: OpenTab, app_url: str):
    # k 3, s 2, p 1 on the 6 x 6 example: windows start at rows/columns -1, 1, 3 and end at
    # 1, 3, 5, so only the padding above and to the left is read: x is drawn 7 x 7.
    page = open_predicting(open_tab, app_url, "predict=1&k=3&s=2&p=1")
    pad = player(page).locator('#gx .padcell[data-rc="-1,-1"]')
    expect(pad).to_have_class(re.compile(r"\binwin\b"))
    expect(player(page).locator("#gx .padcell")).to_have_count(7 * 7 - 36)
    pad.click()
    player(page).locator('#picks input[data-cell="-1,-1"]').fill("1")
    rerun_by(page, player(page).locator("#pcheck"))
    expect(feed(page)).to_contain_text("x[-1,-1] receives nothing from this window")
    expect(feed(page)).to_contain_text("Padding never wins — a padding cell is not part of x")
    expect(pad).to_have_class(re.compile(r"\bv-extra\b"))
    expect(pad).to_have_attribute("title", re.compile(r"^x\[-1,-1\]: "))
    # dL/dx, drawn below x, starts one ring further right: its column c under x's c.
    xs = [x_cell(page, 0, c).bounding_box()["x"] for c in range(W)]
    gs = [player(page).locator("#gx2 .cell").nth(c).bounding_box()["x"] for c in range(W)]
    below = player(page).locator("#gx2").bounding_box()["y"]
    assert below > x_cell(page, 5, 0).bounding_box()["y"]
    assert max(abs(a - b) for a, b in zip(xs, gs, strict=True)) < 1, (xs, gs)
    ARTIFACTS.mkdir(exist_ok=True)
    player(page).screenshot(path=str(ARTIFACTS / "predict-padding.png"))
    # Predict mode off: the player's x is x alone again.
    rerun_by(page, page.locator(".st-key-predict_on label").first)
    expect(player(page).locator("#gx .padcell")).to_have_count(0)
    expect(player(page).locator("#gx .cell")).to_have_count(36)
    assert_no_exception(page)


def test_an_average_without_the_padding_in_n(open_tab: OpenTab, app_url: str):
    # Average, k 3, s 2, p 1, count_include_pad off: window (0,0) holds the 4 real cells
    # x[0..1, 0..1] (and 5 padding taps), so each receives 1 / 4.
    page = open_predicting(open_tab, app_url, "predict=1&mode=avg&k=3&s=2&p=1&cip=0")
    predict_step(page, {(0, 0): "1/4", (0, 1): "0.25", (1, 0): "1/9", (1, 1): "1/4"})
    expect(feed(page)).to_contain_text("x[1,0] receives 1/4, not 1/9.")
    expect(feed(page)).to_contain_text(
        "The average's 1/n — every real cell of an average's window receives dL/dy[0,0] / n "
        "= 1 / 4 = 1/4, where n is the 4 real cells only (count_include_pad is off; with "
        "the padding the window has 9 taps).")
    expect(x_cell(page, 0, 1)).to_have_class(re.compile(r"\bv-right\b"))
    expect(x_cell(page, 1, 0)).to_have_class(re.compile(r"\bv-amount\b"))
    assert_no_exception(page)


def test_the_ties_link_opens_the_explorer_predicting(open_tab: OpenTab, app_url: str):
    page = open_tab()
    page.goto(f"{app_url}/ties?predict=1&policy=split")
    page.wait_for_selector("[data-testid=stApp]")
    wait_idle(page, settle_ms=800)
    expect(page.locator(".st-key-ties_predict input[type=checkbox]")).to_be_checked()
    assert "predict=1" in page.url
    page.locator(".st-key-ties_open button").click()
    page.wait_for_selector(".st-key-player #counter", timeout=60_000)
    wait_idle(page)
    expect(page.locator(".st-key-predict_on input[type=checkbox]")).to_be_checked()
    expect(player(page).locator("#predict")).to_be_visible()
    assert_no_exception(page)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_five_languages_and_axe(open_tab: OpenTab, app_url: str, lang: str):
    page = open_predicting(open_tab, app_url, f"predict=1&lang={lang}",
                           viewport={"width": 1280, "height": 2400})
    expect(player(page).locator("#sentence")).to_have_text(
        t("predict.prompt", lang, step=1, i=0, j=0, g="1"))
    predict_step(page, {(2, 2): "2"})
    expect(feed(page).locator("p").first).to_have_text(t("predict.wrong", lang))
    expect(feed(page)).to_contain_text(t("predict.rule_name.argmax", lang))
    expect(player(page).locator("#pcheck")).to_have_text(t("predict.next", lang))
    assert_no_exception(page)
    ARTIFACTS.mkdir(exist_ok=True)
    player(page).screenshot(path=str(ARTIFACTS / f"predict-{lang}.png"))
    problems = [f"{v['id']} ({v['impact']}): {v['help']} at "
                f"{[n.get('target') for n in v.get('nodes', [])][:3]}"
                for v in Axe().run(page).response["violations"] if v.get("impact") in SEVERE]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("name", "viewport", "projector"), [
    ("phone", {"width": 390, "height": 844}, False),
    ("projector", {"width": 1024, "height": 768}, True),
    ("laptop", {"width": 1366, "height": 768}, False),
])
def test_screenshots(open_tab: OpenTab, app_url: str, name: str, viewport: dict,projector: bool):
    page = open_predicting(open_tab, app_url, viewport=viewport)
    if projector:
        rerun_by(page, page.locator(".st-key-projector label").first)
        expect(player(page).locator(".projector").first).to_be_attached()
    x_cell(page, 1, 2).click()
    player(page).locator('#picks input[data-cell="1,2"]').fill("1/2")
    player(page).locator("#predict").scroll_into_view_if_needed()
    screenshot(page, f"predict-{name}-picking")
    rerun_by(page, player(page).locator("#pcheck"))
    expect(feed(page).locator("p").first).to_have_text(t("predict.wrong", "en"))
    player(page).locator("#predict").scroll_into_view_if_needed()
    screenshot(page, f"predict-{name}-marked")
    # The whole player at the same width (Streamlit scrolls inside its own container, so
    # a tall element is only drawn whole in a tall window).
    page.set_viewport_size({"width": viewport["width"], "height": 5000})
    expect(feed(page).locator("p").first).to_be_visible()
    player(page).screenshot(path=str(ARTIFACTS / f"predict-{name}-player.png"))
    assert_no_exception(page)


def test_after_an_edit_a_click_picks_a_cell_once(open_tab: OpenTab, app_url: str):
    """The player keeps its cells across an edit of the same shape; a kept cell must not get
    a second click handler (two would pick and unpick it in one click)."""
    page = open_predicting(open_tab, app_url)
    edit_cell(page, 5, 5, "7")
    expect(player(page).locator("#gx .cell").nth(35)).to_have_attribute("title", "x[5,5] = 7")
    x_cell(page, 2, 2).click()
    expect(player(page).locator('#picks input[data-cell="2,2"]')).to_have_count(1)
    x_cell(page, 2, 2).click()
    expect(player(page).locator("#picks input")).to_have_count(0)
    assert_no_exception(page)
