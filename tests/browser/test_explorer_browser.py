"""End-to-end tests of the Explorer page in headless Chromium.

Each test starts from a fresh session on the default example (6×6, kernel 3, stride 1,
dL/dy all ones), drives the page like a student would, and compares the numbers the page
shows with pooling_core computed here. Screenshots land in test-artifacts/ for a human look.
"""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from pw_helpers import (
    DEFAULT_SPEC,
    DEFAULT_X,
    PLAYER_TITLE,
    OpenTab,
    assert_no_exception,
    choose,
    edit_cell,
    grid_cell,
    heatmap_text,
    open_app,
    player,
    rerun_by,
    screenshot,
    set_number,
    wait_idle,
)

from pooling_core import (
    PoolSpec,
    gradient_check,
    gradient_sum_check,
    pool_backward,
    pool_forward,
    scatter_steps,
)
from ui.format import fmt
from ui.i18n import t

pytestmark = pytest.mark.browser

PLATEAU_X = np.array([[5, 5, 1, 2], [5, 5, 3, 3], [0, 1, 4, 4], [2, 0, 4, 4]], dtype=np.float64)
WINDOWS_LABEL = "windows:"  # player.windows in ui/locales/en/player.json


def ones_gy(x: np.ndarray, spec: PoolSpec) -> np.ndarray:
    return np.ones(pool_forward(x, spec).output.shape)


def fmt_grid(a: np.ndarray) -> list[list[str]]:
    return [[fmt(v) for v in row] for row in np.asarray(a, dtype=np.float64)]


def cell_titles(page: Page, panel: str) -> list[str]:
    return player(page).locator(f"#{panel} .cell").evaluate_all("els => els.map(e => e.title)")


def expected_input_titles(x: np.ndarray) -> list[str]:
    return [f"x[{r},{c}] = {fmt(x[r, c])}" for r in range(x.shape[0]) for c in range(x.shape[1])]


def expected_running_titles(x: np.ndarray, spec: PoolSpec, k: int) -> list[str]:
    """The #gx2 titles after step k (0-based): dL/dx so far, and how many windows fed it."""
    steps = scatter_steps(x, ones_gy(x, spec), spec)
    acc, hits = steps.accumulated(k), steps.contributions(k)
    out = []
    for r in range(x.shape[0]):
        for c in range(x.shape[1]):
            extra = f" ({WINDOWS_LABEL} {hits[r, c]})" if hits[r, c] > 1 else ""
            out.append(f"dL/dx[{r},{c}] = {fmt(acc[r, c])}{extra}")
    return out


def expect_counter(page: Page, k: int, n: int) -> None:
    expect(player(page).locator("#counter")).to_have_text(f"Step {k} / {n}")


# ------------------------------------------------------------------------------------ load
def test_default_example_loads(page: Page) -> None:
    assert_no_exception(page)
    # The player is one labelled region of the page (no frame of its own).
    expect(page.get_by_role("region", name=PLAYER_TITLE)).to_have_count(1)
    expect(page.locator("iframe")).to_have_count(0)
    expect_counter(page, 1, 16)

    fwd = pool_forward(DEFAULT_X, DEFAULT_SPEC)
    assert heatmap_text(page, "fig_input") == fmt_grid(DEFAULT_X)
    assert heatmap_text(page, "fig_output") == fmt_grid(fwd.output)
    assert heatmap_text(page, "fig_grad_input") == fmt_grid(
        pool_backward(DEFAULT_X, ones_gy(DEFAULT_X, DEFAULT_SPEC), DEFAULT_SPEC))
    assert cell_titles(page, "gx") == expected_input_titles(DEFAULT_X)
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, 0)

    first = scatter_steps(DEFAULT_X, ones_gy(DEFAULT_X, DEFAULT_SPEC), DEFAULT_SPEC)[0]
    (r, c), _ = first.receivers[0]
    expect(player(page).locator("#sentence")).to_contain_text(
        f"its maximum {fmt(first.value)} is at ({r},{c})")
    expect(page.get_by_text("The sums agree")).to_be_visible()
    screenshot(page, "01_default_load")


# ---------------------------------------------------------------------------- player steps
def test_player_steps_with_buttons_and_keys(page: Page) -> None:
    fr = player(page)
    steps = scatter_steps(DEFAULT_X, ones_gy(DEFAULT_X, DEFAULT_SPEC), DEFAULT_SPEC)
    n = len(steps)

    fr.locator("#next").click()
    expect_counter(page, 2, n)
    fr.locator("#next").click()
    expect_counter(page, 3, n)

    # Step 3 is window (0,2): its maximum 9 at (2,2) already received from windows (0,0), (0,1).
    before, after = steps.accumulated(1)[2, 2], steps.accumulated(2)[2, 2]
    assert before != 0
    expect(fr.locator("#sentence")).to_contain_text(
        f"goes to dL/dx[2,2], which already held {fmt(before)}")
    expect(fr.locator("#sentence")).to_contain_text(f"→ {fmt(after)}.")
    cell = fr.locator("#gx2 .cell[title^='dL/dx[2,2] =']")
    expect(cell).to_have_attribute(
        "title", f"dL/dx[2,2] = {fmt(after)} ({WINDOWS_LABEL} {steps.contributions(2)[2, 2]})")
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, 2)
    screenshot(page, "02_after_two_steps")

    fr.locator("#prev").click()
    expect_counter(page, 2, n)
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, 1)

    # Keyboard: the player itself takes ← → Home End.
    fr.locator("#player").focus()
    fr.locator("#player").press("ArrowRight")
    expect_counter(page, 3, n)
    fr.locator("#player").press("End")
    expect_counter(page, n, n)
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, n - 1)
    fr.locator("#player").press("Home")
    expect_counter(page, 1, n)

    # Latency: the click's event time to the counter's change, measured in the page.
    fr.locator("#player").evaluate("""root => {
        const t = window.__timing = {};
        new MutationObserver(() => { if (t.changed === undefined) t.changed = performance.now(); })
            .observe(root.querySelector('#counter'),
                     {childList: true, characterData: true, subtree: true});
        root.querySelector('#next').addEventListener(
            'click', e => { t.clicked = e.timeStamp; }, {capture: true, once: true});
    }""")
    t0 = time.perf_counter()
    fr.locator("#next").click()
    expect_counter(page, 2, n)
    round_trip_ms = (time.perf_counter() - t0) * 1000
    timing = fr.locator("#player").evaluate("() => window.__timing")
    in_page_ms = timing["changed"] - timing["clicked"]
    print(f"\nplayer step latency: click -> #counter change {in_page_ms:.2f} ms in the page; "
          f"{round_trip_ms:.1f} ms including Playwright's round trips")

    # A step writes the grids' changed cells, the sentence and the counter, nothing of the
    # controls (a play button written again on every step laid the controls out again).
    touched = fr.locator("#player").evaluate("""root => {
        const seen = new Set();
        const mo = new MutationObserver(() => {});
        mo.observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
        root.querySelector('#next').click();
        for (const m of mo.takeRecords()) {
            const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
            seen.add(el.closest('.controls') ? 'controls:' + (el.id || el.tagName) : 'other');
        }
        mo.disconnect();
        return [...seen].sort();
    }""")
    assert touched == ["controls:counter", "other"], touched
    assert_no_exception(page)



@pytest.mark.parametrize("mode", ["max", "avg"])
def test_stepping_never_moves_the_grids(open_tab: OpenTab, app_url: str, mode: str) -> None:
    """On a phone the step sentences wrap onto more or fewer lines; the sentence's box keeps
    the height of the tallest one, so the grids below it stay where they are on every step
    (a moved grid is laid out and painted again, and the page jumps under the student's
    eyes), and no sentence is cut."""
    page = open_tab(viewport={"width": 390, "height": 844})
    open_app(page, f"{app_url}/?lang=en&mode={mode}")
    fr = player(page)
    n = len(scatter_steps(DEFAULT_X, ones_gy(DEFAULT_X, DEFAULT_SPEC), DEFAULT_SPEC))
    expect_counter(page, 1, n)
    seen = fr.locator("#player").evaluate("""(root, n) => {
        const out = [];
        const look = () => {
            const s = root.querySelector('#sentence'), text = document.createRange();
            text.selectNodeContents(s);
            out.push({grid: root.querySelector('#gx').getBoundingClientRect().top -
                            root.getBoundingClientRect().top,
                      lines: Math.round(text.getBoundingClientRect().height /
                                        parseFloat(getComputedStyle(s).lineHeight)),
                      cut: s.scrollHeight - s.clientHeight});
        };
        look();
        for (let i = 1; i < n; i++) { root.querySelector('#next').click(); look(); }
        return out;
    }""", n)
    assert len(seen) == n
    assert len({round(s["grid"], 1) for s in seen}) == 1, seen  # the grids never moved
    assert max(s["cut"] for s in seen) <= 1, seen  # no sentence taller than its box
    # The sentences do wrap differently (or the test would not test anything).
    assert len({s["lines"] for s in seen}) > 1, seen


def test_player_keeps_its_step_across_other_reruns_and_follows_the_jump_slider(
        page: Page) -> None:
    """The player is one element that stays mounted: a rerun that does not change its steps
    (here: "Show all windows") leaves it on the student's step; the jump slider moves it."""
    fr = player(page)
    n = 16
    fr.locator("#next").click()
    fr.locator("#next").click()
    expect_counter(page, 3, n)
    rerun_by(page, page.locator(".st-key-show_all_windows label"))
    expect(page.locator(".st-key-show_all_windows input")).to_be_checked()
    expect_counter(page, 3, n)
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, 2)

    # The player reported its step: the slider says step 3, as the player (it counts from 1);
    # one step right jumps to step 4.
    # A jump moves the outlines and nothing else: the charts' cells and numbers stay the same
    # SVG nodes (Plotly redraws a layout change, not the whole chart: on 32 x 32 that is
    # 4-10 ms a chart instead of about 130).
    thumb = page.locator(".st-key-jump input[type=range]")
    expect(thumb).to_have_value("3")
    labels = page.locator(".st-key-fig_input g.heatmap-label text, "
                          ".st-key-fig_output g.heatmap-label text")
    assert labels.evaluate_all("els => { els.forEach(e => { e.__pbeKept = true; });"
                               " return els.length; }") == 36 + 16
    for k in (3, 4):
        thumb.focus()
        rerun_by(page, thumb, "ArrowRight")
        expect_counter(page, k + 1, n)
        assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, DEFAULT_SPEC, k)
        i, j = divmod(k, 4)  # the 4 x 4 output, row-major
        expect(page.locator(".st-key-fig_input .gtitle")).to_have_text(
            re.compile(rf"window \({i},{j}\)"))
        assert labels.evaluate_all("els => els.length === 52 && els.every(e => e.__pbeKept)")
    assert heatmap_text(page, "fig_input") == fmt_grid(DEFAULT_X)
    assert_no_exception(page)

# ---------------------------------------------------------------------------- grid editing
def test_edit_grid_cell_updates_output_and_player(page: Page) -> None:
    edit_cell(page, 0, 0, "20")
    x = DEFAULT_X.copy()
    x[0, 0] = 20

    fr = player(page)
    expect(fr.locator("#gx .cell").first).to_have_attribute("title", "x[0,0] = 20")
    expect(fr.locator("#sentence")).to_contain_text("its maximum 20 is at (0,0)")
    expect_counter(page, 1, 16)
    assert cell_titles(page, "gx") == expected_input_titles(x)
    fwd = pool_forward(x, DEFAULT_SPEC)
    assert fwd.output[0, 0] == 20
    assert heatmap_text(page, "fig_output") == fmt_grid(fwd.output)
    assert heatmap_text(page, "fig_grad_input") == fmt_grid(
        pool_backward(x, ones_gy(x, DEFAULT_SPEC), DEFAULT_SPEC))
    assert_no_exception(page)
    screenshot(page, "03_edited_cell")


# -------------------------------------------------------------------------- kernel/stride
def test_kernel_and_stride_from_sidebar(page: Page) -> None:
    for key in ("kh", "kw", "sh", "sw"):
        set_number(page, key, 2)
    spec = PoolSpec(kernel_size=2, stride=2)
    fwd = pool_forward(DEFAULT_X, spec)
    assert fwd.output.shape == (3, 3)

    expect_counter(page, 1, 9)
    assert heatmap_text(page, "fig_output") == fmt_grid(fwd.output)
    grad = pool_backward(DEFAULT_X, ones_gy(DEFAULT_X, spec), spec)
    assert heatmap_text(page, "fig_grad_input") == fmt_grid(grad)
    fr = player(page)
    fr.locator("#last").click()
    expect_counter(page, 9, 9)
    assert cell_titles(page, "gx2") == expected_running_titles(DEFAULT_X, spec, 8)
    # The player reports its step (350 ms after the click): the slider follows it, and the
    # picture below shows the page as it settles, not the slider still at step 1.
    expect(page.locator(".st-key-jump input[type=range]")).to_have_value("9")
    wait_idle(page)
    expect(page.locator("[data-testid=stSidebar]")).to_contain_text(
        "⌊(6 + 2·0 − 1·(2 − 1) − 1) / 2⌋ + 1 = ⌊4 / 2⌋ + 1 = 3")
    assert_no_exception(page)
    screenshot(page, "04_kernel2_stride2")


# ---------------------------------------------------------------------------- tie policy
def test_plateau_example_with_policy_all(page: Page) -> None:
    choose(page, "preset", t("preset.plateau", lang="en"))
    rerun_by(page, page.locator(".st-key-load_preset button"))
    expect(grid_cell(page, 2, 2)).to_have_value("4")
    choose(page, "ties", t("policy.all.short", lang="en"))

    spec = PoolSpec(kernel_size=2, stride=2, ties="all")
    gy = ones_gy(PLATEAU_X, spec)
    sums = gradient_sum_check(PLATEAU_X, gy, spec)
    assert sums.reason == "ties_all"
    steps = scatter_steps(PLATEAU_X, gy, spec)
    tied = ", ".join(f"({r},{c})" for r, c in steps[0].tied)
    assert len(steps[0].tied) == 4

    expect(page.get_by_text(
        f"The sums differ by {fmt(sums.difference)}: under policy \"all\", each of the "
        f"{sums.windows} tied windows")).to_be_visible()
    expect(page.get_by_text(
        f"sum(dL/dy) = {fmt(sums.sum_grad_output)}, sum(dL/dx) = {fmt(sums.sum_grad_input)}"
    )).to_be_visible()
    fr = player(page)
    expect_counter(page, 1, len(steps))
    sentence = fr.locator("#sentence")
    expect(sentence).to_contain_text(f"occurs 4 times, at {tied} — a tie; policy \"all\"")
    expect(sentence).to_contain_text("each of the 4 tied cells gets the full dL/dy[0,0] = 1")
    assert cell_titles(page, "gx2") == expected_running_titles(PLATEAU_X, spec, 0)
    assert heatmap_text(page, "fig_grad_input") == fmt_grid(pool_backward(PLATEAU_X, gy, spec))
    assert_no_exception(page)
    screenshot(page, "05_ties_all")


# ---------------------------------------------------------------------------- bad inputs
def test_text_in_grid_cell_keeps_last_valid_result(page: Page) -> None:
    edit_cell(page, 1, 1, "abc")
    expect(page.get_by_text("These cells are not numbers: (1,1) “abc”")).to_be_visible()
    expect(page.get_by_text("Showing the last valid result")).to_be_visible()
    fr = player(page)
    expect_counter(page, 1, 16)
    assert cell_titles(page, "gx") == expected_input_titles(DEFAULT_X)
    assert heatmap_text(page, "fig_output") == fmt_grid(pool_forward(DEFAULT_X,
                                                                     DEFAULT_SPEC).output)
    fr.locator("#next").click()
    expect_counter(page, 2, 16)
    assert_no_exception(page)
    screenshot(page, "06_bad_cell_text")


def test_stride_zero_names_the_problem(page: Page) -> None:
    set_number(page, "sh", 0)
    sidebar = page.locator("[data-testid=stSidebar]")
    expect(sidebar.get_by_text(re.compile(r"Stride \(height\) must be at least 1"))).to_be_visible()
    assert_no_exception(page)
    expect(page.get_by_text("Showing the last valid result")).to_be_visible()
    expect_counter(page, 1, 16)
    screenshot(page, "07_bad_stride_zero")


# ------------------------------------------------------------------------- regressions
def test_link_of_last_valid_view_opens_cleanly(page: Page, open_tab: OpenTab) -> None:
    set_number(page, "sh", 0)
    expect(page.get_by_text("Showing the last valid result")).to_be_visible()
    link = page.url
    other = open_tab()
    open_app(other, link)
    expect_counter(other, 1, 16)  # the shown view (stride 1) is what the link reopens
    notes = other.get_by_text("The link's parameter")
    assert notes.count() == 0, f"{link} opens with: {notes.all_inner_texts()}"


def test_default_grid_editor_shows_every_column(page: Page) -> None:
    scroller = page.locator(".pbe-grid .scroll").first
    scroll_w, client_w = scroller.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert scroll_w <= client_w, f"grid content {scroll_w} px wide in a {client_w} px box"


def test_gradcheck_warning_lists_or_counts_every_mismatch(blank_page: Page, app_url: str) -> None:
    page = blank_page
    spec = PoolSpec(kernel_size=2, stride=2, ties="all")
    check = gradient_check(PLATEAU_X, ones_gy(PLATEAU_X, spec), spec)
    assert len(check.mismatch_cells) == 10
    cells = ",".join(fmt(v) for v in PLATEAU_X.ravel())
    query = urlencode({"x": f"t4x4~{cells}", "k": "2", "s": "2", "ties": "all", "lang": "en"})
    open_app(page, f"{app_url}/?{query}")
    warning = page.get_by_text("Central differences disagree in 10 cells")
    expect(warning).to_be_visible()
    text = warning.inner_text()
    # The first eight cells in row-major order are named, the other two are counted.
    named = [f"({r},{c})" for r, c in check.mismatch_cells]
    assert all(cell in text for cell in named[:8]), text
    assert not any(cell in text for cell in named[8:]), text
    assert "… and 2 more" in text, text


def test_a_32x32_grid_is_drawn_in_colour_with_every_value_on_hover(blank_page: Page,
                                                                   app_url: str) -> None:
    """Cells of a 32 x 32 chart beside another are ~10 px: no number is drawn in them (it
    would be 4-6 px, unreadable; chart.js MIN_TEXT_PX), but the chart holds every value and a
    hovered cell names it. x[r, c] = (r * 32 + c) % 7 - 3, by hand: x[0,0] = -3, x[5,9] =
    (160 + 9) % 7 - 3 = 1 - 3 = -2."""
    page = blank_page
    x = (np.arange(32 * 32).reshape(32, 32) % 7 - 3).astype(float)
    cells = ",".join(fmt(v) for v in x.ravel())
    open_app(page, f"{app_url}/?" + urlencode({"x": f"t32x32~{cells}", "k": "2", "s": "1",
                                               "lang": "en"}))
    for key in ("fig_input", "fig_output", "fig_grad_input"):
        expect(page.locator(f".st-key-{key} .pbe-chart")).not_to_have_attribute(
            "aria-busy", "true")
        assert page.locator(f".st-key-{key} g.heatmap-label text").count() == 0, key
    shown = page.locator(".st-key-fig_input .pbe-chart").evaluate(
        "gd => [gd.data[0].texttemplate, gd.data[0].text]")
    assert shown == ["", [[fmt(v) for v in row] for row in x]]
    # Hover x[5,9]: the plot area is 32 cells wide and 32 high, row 0 on top.
    area = page.locator(".st-key-fig_input .nsewdrag").first.bounding_box()
    cw, ch = area["width"] / 32, area["height"] / 32
    page.mouse.move(area["x"] + (9 + 0.5) * cw, area["y"] + (5 + 0.5) * ch)
    expect(page.locator(".st-key-fig_input .hovertext").first).to_contain_text("x[5,9] = -2")
    screenshot(page, "explorer-32x32-colour-only")
    assert_no_exception(page)


def test_an_edit_keeps_the_players_cells_and_leaves_no_mark_of_the_view_before(
        page: Page) -> None:
    """An edit that keeps every shape writes into the player's cells instead of building new
    ones (on 32 x 32 that was ~250 ms of the edit): the same nodes, the new numbers and names,
    and only the shown step's marks. Window and winner by hand (numpy's first argmax, kernel 3,
    stride 1, x[0,0] = 20): step k's window is rows i..i+2, columns j..j+2,
    (i, j) = divmod(k, 4)."""
    fr = player(page)
    for _ in range(5):
        fr.locator("#next").click()
    expect_counter(page, 6, 16)
    wait_idle(page)  # the player's step report and its rerun
    cells = fr.locator(".cell")
    assert cells.evaluate_all("els => { els.forEach(e => { e.__kept = true; });"
                              " return els.length; }") == 36 + 16 + 36
    edit_cell(page, 0, 0, "20")
    x = DEFAULT_X.copy()
    x[0, 0] = 20
    expect(fr.locator("#gx .cell").first).to_have_attribute("title", "x[0,0] = 20")
    k = int(fr.locator("#counter").inner_text().split()[1]) - 1
    assert cells.evaluate_all("els => els.length === 88 && els.every(e => e.__kept)")
    assert cell_titles(page, "gx") == expected_input_titles(x)
    assert cell_titles(page, "gx2") == expected_running_titles(x, DEFAULT_SPEC, k)
    i, j = divmod(k, 4)
    window = [(r, c) for r in range(i, i + 3) for c in range(j, j + 3)]
    win = window[int(np.argmax([x[r, c] for r, c in window]))]
    titles = "els => els.map(e => e.title)"
    assert sorted(fr.locator("#gx .cell.inwin").evaluate_all(titles)) == sorted(
        f"x[{r},{c}] = {fmt(x[r, c])}" for r, c in window)
    assert fr.locator("#gx .cell.recv").evaluate_all(titles) == [
        f"x[{win[0]},{win[1]}] = {fmt(x[win])}"]
    assert [s.split(" = ")[0] for s in fr.locator("#gx2 .cell.recv").evaluate_all(titles)] == [
        f"dL/dx[{win[0]},{win[1]}]"]
    assert [s.split(" = ")[0] for s in fr.locator("#gy .cell.cur").evaluate_all(titles)] == [
        f"dL/dy[{i},{j}]"]
    assert fr.locator("#gx .cell.tied").count() == 0
    # Projector mode keeps the shapes but widens the row numbers' column (hdrWidth: 8 px a
    # digit + 8, in projector mode 10 px a digit + 8; rows 0..5: one digit), so it is rebuilt.
    columns = "e => e.style.gridTemplateColumns.split(' ')[0]"
    assert fr.locator("#gx").evaluate(columns) == "16px"
    rerun_by(page, page.locator(".st-key-projector label").first)
    expect(fr.locator(".projector").first).to_be_attached()
    assert fr.locator("#gx").evaluate(columns) == "18px"
    assert_no_exception(page)
