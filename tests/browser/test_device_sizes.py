"""The Explorer at real device sizes: a phone (390×844), a laptop (1366×768) and a classroom
projector (1024×768, projector mode on), in max and in average mode.

For every cell of the step player: its number is shown, not clipped (the text's box inside the
cell's, nothing scrolled) and at least 12 / 14 / 20 px. For every heatmap: each number fits its
cell, at least the same sizes less a little (Plotly's type), and the title is whole. Also: a lone
maximum is never drawn as a tie, and the player keeps its step across an edit.
Screenshots of each state land in test-artifacts/ (device-*.png) for a human to look at.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from pw_helpers import (
    ARTIFACTS,
    DEFAULT_SPEC,
    DEFAULT_X,
    OpenTab,
    assert_no_exception,
    edit_cell,
    open_app,
    player,
    rerun_by,
    wait_idle,
)

from pooling_core import scatter_steps
from ui.i18n import t

pytestmark = pytest.mark.browser

DEVICES = {  # name: (viewport, projector mode, least font px of a number)
    "phone": ({"width": 390, "height": 844}, False, 12),
    "laptop": ({"width": 1366, "height": 768}, False, 14),
    "projector": ({"width": 1024, "height": 768}, True, 20),
}
CHART_KEYS = ("fig_input", "fig_output", "fig_mask", "fig_divisor", "fig_grad_input")

# Every player cell: its own text (the badge apart), font size, whether it is clipped.
PLAYER_CELLS_JS = """root => {
  const out = [];
  for (const cell of root.querySelectorAll('.grid .cell')) {
    const box = cell.getBoundingClientRect();
    let text = '', tb = null;
    for (const n of cell.childNodes) {
      if (n.nodeType !== 3) continue;
      text += n.textContent;
      const range = document.createRange(); range.selectNodeContents(n);
      tb = range.getBoundingClientRect();
    }
    const badge = cell.querySelector('.badge');
    const bb = badge && badge.getBoundingClientRect();
    const inside = (b) => b && b.left >= box.left - 0.5 && b.right <= box.right + 0.5 &&
                          b.top >= box.top - 0.5 && b.bottom <= box.bottom + 0.5;
    out.push({title: cell.title, text, font: parseFloat(getComputedStyle(cell).fontSize),
              scrolled: cell.scrollWidth > cell.clientWidth ||
                        cell.scrollHeight > cell.clientHeight,
              inside: inside(tb), badge: badge ? badge.textContent : null,
              badgeInside: badge ? inside(bb) && badge.scrollWidth <= badge.clientWidth
                                 : true,
              overlap: !!(bb && tb && bb.bottom > tb.top + 0.5 && bb.left < tb.right - 0.5)});
  }
  return out;
}"""

# Every heatmap number: its text, font size, and its box against its cell's.
CHART_JS = """box => {
  const gd = box.querySelector('.js-plotly-plot') || box.querySelector('.pbe-chart');
  const L = gd._fullLayout, xa = L.xaxis, ya = L.yaxis;
  const cw = xa._length / Math.abs(xa.range[1] - xa.range[0]);
  const ch = ya._length / Math.abs(ya.range[1] - ya.range[0]);
  const labels = [];
  for (const el of gd.querySelectorAll('g.heatmap-label text')) {
    const b = el.getBoundingClientRect();
    labels.push({text: el.textContent, font: parseFloat(el.style.fontSize ||
                 getComputedStyle(el).fontSize), w: b.width, h: b.height});
  }
  const title = gd.querySelector('.gtitle');
  const tb = title ? title.getBoundingClientRect() : null, gb = gd.getBoundingClientRect();
  const lines = title ? [...title.querySelectorAll('tspan.line')].map(s => s.textContent) : [];
  return {cw, ch, labels,
          title: title ? (lines.length ? lines.join(' ') : title.textContent) : null,
          titleInside: !tb || (tb.left >= gb.left - 0.5 && tb.right <= gb.right + 0.5 &&
                               tb.right <= document.documentElement.clientWidth + 0.5),
          titleFont: title ? parseFloat(title.style.fontSize) : null};
}"""


def open_at(open_tab: OpenTab, app_url: str, device: str, query: str = "") -> Page:
    viewport, projector, _ = DEVICES[device]
    page = open_tab(viewport=viewport)
    open_app(page, app_url + query)
    if projector:
        rerun_by(page, page.locator(".st-key-projector label").first)
        expect(player(page).locator(".projector").first).to_be_attached()
    return page


def player_problems(page: Page, least_px: float) -> list[str]:
    cells = player(page).locator("#player").evaluate(PLAYER_CELLS_JS)
    assert cells, "no player cells"
    bad = []
    for c in cells:
        want = c["title"].split(" = ", 1)[1].split(" (")[0]
        if c["text"] != want:
            bad.append(f"{c['title']}: shows {c['text']!r}")
        elif c["scrolled"] or not c["inside"]:
            bad.append(f"{c['title']}: {c['text']!r} clipped")
        elif c["font"] < least_px:
            bad.append(f"{c['title']}: {c['font']} px")
        if c["badge"] is not None and (not c["badgeInside"] or c["overlap"]):
            bad.append(f"{c['title']}: badge {c['badge']!r} clipped or over the number")
    return bad


def chart_problems(page: Page, key: str, least_px: float, title: str) -> list[str]:
    box = page.locator(f".st-key-{key}")
    expect(box.locator("g.heatmap-label text").first).to_be_attached(timeout=20_000)
    info = box.evaluate(CHART_JS)
    bad = []
    if info["title"] != title or not info["titleInside"]:
        bad.append(f"{key} title {info['title']!r} (want {title!r}), inside: "
                   f"{info['titleInside']}")
    for lab in info["labels"]:
        if not lab["text"]:
            continue
        if lab["w"] > info["cw"] - 1 or lab["h"] > info["ch"] + 1:
            bad.append(f"{key} {lab['text']!r} {lab['w']:.0f}x{lab['h']:.0f} px in a "
                       f"{info['cw']:.0f}x{info['ch']:.0f} cell")
        elif lab["font"] < least_px:
            bad.append(f"{key} {lab['text']!r} {lab['font']} px")
    return bad


def shoot(page: Page, name: str) -> None:
    """Screenshots of the page's top at the device size, then of the player and each chart
    with the window made taller (same width, same layout): Streamlit scrolls inside its own
    container, so a tall element is only drawn whole in a tall window."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"device-{name}-top.png"))
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": 5000})
    try:
        page.wait_for_timeout(300)
        player(page).screenshot(path=str(ARTIFACTS / f"device-{name}-player.png"))
        for key in CHART_KEYS:
            box = page.locator(f".st-key-{key}")
            if box.count():
                box.screenshot(path=str(ARTIFACTS / f"device-{name}-{key}.png"))
    finally:
        page.set_viewport_size(size)
        page.wait_for_timeout(300)


@pytest.mark.parametrize("device", list(DEVICES))
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_every_number_readable(open_tab: OpenTab, app_url: str, device: str, mode: str) -> None:
    least = DEVICES[device][2]
    page = open_at(open_tab, app_url, device, "/?mode=avg" if mode == "avg" else "")
    fr = player(page)
    if mode == "avg":
        # Step 5 of the average: cells fed by several windows (badges, 0.2222-like text).
        for _ in range(4):
            fr.locator("#next").click()
        expect(fr.locator("#counter")).to_have_text(re.compile(r"Step 5 / 16"))
        # The player reports its step: the outlined window follows it (step 4 = (1,0)).
        expect(page.locator(".st-key-fig_input .gtitle")).to_have_text(
            re.compile(r"window \(1,0\)"))
        wait_idle(page)
    shoot(page, f"{device}-{mode}")
    problems = player_problems(page, least)
    i = 1 if mode == "avg" else 0
    titles = {"fig_input": t("forward.input", "en", i=i, j=0),
              "fig_output": t("forward.output", "en"),
              "fig_grad_input": t("result.grad_input", "en")}
    if mode == "max":
        titles["fig_mask"] = t("forward.mask", "en", policy="first")
    else:
        titles["fig_divisor"] = t("forward.divisor", "en")
    for key, title in titles.items():
        # Plotly's numbers may be a little smaller than the player's, never small.
        problems += chart_problems(page, key, least - 2, title)
    assert problems == [], f"{device} {mode}: {len(problems)} problems: {problems[:12]}"
    assert_no_exception(page)


def test_small_grid_titles_whole_and_lone_maximum_not_a_tie(page: Page, app_url: str) -> None:
    """A 2×2 grid (charts about 120 px wide): every title is whole (wrapped, not cut); and on
    the default example no step marks a lone maximum as tied."""
    fr = player(page)
    steps = scatter_steps(DEFAULT_X, np.ones((4, 4)), DEFAULT_SPEC)
    for k in range(len(steps)):
        tied = fr.locator("#gx .cell.tied").count()
        assert tied == (len(steps[k].tied) if len(steps[k].tied) >= 2 else 0), k
        assert tied != 1
        fr.locator("#next").click()
    page.goto(app_url + "/?x=t2x2~1,3,2,4&k=2&s=2")
    wait_idle(page)
    expect(player(page).locator("#counter")).to_have_text("Step 1 / 1")
    titles = {"fig_input": t("forward.input", "en", i=0, j=0),
              "fig_output": t("forward.output", "en"),
              "fig_mask": t("forward.mask", "en", policy="first"),
              "fig_grad_input": t("result.grad_input", "en")}
    problems = []
    for key, title in titles.items():
        problems += chart_problems(page, key, 12, title)
    page.locator(".st-key-fig_mask").screenshot(path=str(ARTIFACTS / "device-2x2-fig_mask.png"))
    assert problems == []


def test_player_keeps_its_step_across_an_edit(page: Page) -> None:
    """Step 5 in the player, then a cell edit: still step 5 (the player reported its step, so
    the jump slider and the outlined window agree with it)."""
    fr = player(page)
    for _ in range(4):
        fr.locator("#next").click()
    expect(fr.locator("#counter")).to_have_text("Step 5 / 16")
    expect(page.locator(".st-key-fig_input .gtitle")).to_have_text(re.compile(r"window \(1,0\)"))
    wait_idle(page)
    expect(page.locator(".st-key-jump input[type=range]")).to_have_value("5")
    edit_cell(page, 5, 5, "11")
    expect(fr.locator("#counter")).to_have_text("Step 5 / 16")
    expect(fr.locator("#gx .cell").last).to_have_attribute("title", "x[5,5] = 11")
    # A smaller output clamps: kernel 5 gives 2x2 = 4 steps, the last one.
    page.goto(page.url.split("?")[0] + "?" + page.url.split("?")[1].replace("k=3", "k=5")
              if "k=3" in page.url else page.url + "&k=5")
    wait_idle(page)
    expect(fr.locator("#counter")).to_have_text("Step 4 / 4")
    assert_no_exception(page)
