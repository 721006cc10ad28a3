"""The step player and the dL/dx heatmap give a value the same colour (issue 15).

On an 8x8 grid of distinct values, 2x2 windows with stride 2 and an upstream gradient of 16
values of both signs, dL/dx holds those 16 values (each at its window's maximum) and 48 zeros:
the player at its last step shows it, as the heatmap "dL/dx" does. For every cell: the
player's background (computed style) is within 2 per channel of the colour Plotly drew for the
same cell (the most common pixel of the cell in a screenshot), and within 1 of the colour
plotly.py samples from figures.GRAD_SCALE at that value (pooling_core's dL/dx, not the page's).
"""

from __future__ import annotations

import io
import re
from collections import Counter

import numpy as np
import plotly.colors
from PIL import Image
from playwright.sync_api import Page, expect
from pw_helpers import (
    ARTIFACTS,
    assert_no_exception,
    player,
    wait_idle,
)

from pooling_core import PoolSpec, pool_backward
from ui.views.figures import GRAD_SCALE

# 64 distinct values (37 and 64 share no factor); 16 upstream values from every part of the
# colour scale: between each pair of its stops, at them, and beyond none (4 is the largest).
X = np.array([[(r * 8 + c) * 37 % 64 for c in range(8)] for r in range(8)], dtype=np.float64)
GY = np.array([[-4, -3.5, -2.75, -2], [-1.5, -1, -0.25, 0.25],
               [0.5, 1, 1.25, 2], [2.5, 3, 3.75, 4]], dtype=np.float64)
SPEC = PoolSpec(kernel_size=2, stride=2)
QUERY = ("/?x=t8x8~" + ",".join(f"{v:g}" for v in X.ravel()) + "&k=2&s=2"
         + "&gy=custom.t4x4~" + ",".join(f"{v:g}" for v in GY.ravel()))

# Each dL/dx cell of the player: its (r, c) from its name, and its background colour.
PLAYER_JS = """root => [...root.querySelectorAll('#gx2 .cell')].map(cell => [
    cell.title, getComputedStyle(cell).backgroundColor])"""

# Each heatmap cell's box in CSS px, relative to the chart element (Plotly's own axes).
CELLS_JS = """box => {
  const gd = box.querySelector('.js-plotly-plot') || box;
  const L = gd._fullLayout, xa = L.xaxis, ya = L.yaxis, b = box.getBoundingClientRect();
  const g = gd.getBoundingClientRect();
  const pitch = xa._length / Math.abs(xa.range[1] - xa.range[0]);
  const z = gd._fullData[0].z;
  const out = [];
  for (let r = 0; r < z.length; r++) for (let c = 0; c < z[0].length; c++) {
    out.push([r, c, g.left - b.left + xa._offset + xa.c2p(c),
              g.top - b.top + ya._offset + ya.c2p(r), pitch]);
  }
  return out;
}"""


def rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in re.findall(r"\d+", css)[:3])
    return r, g, b


def drawn_colour(image: Image.Image, x: float, y: float, pitch: float) -> tuple[int, int, int]:
    """The most common colour of the cell centred at (x, y): its fill (the number's strokes
    and the gaps between cells are a small part)."""
    half = int(pitch * 0.35)
    box = image.crop((round(x) - half, round(y) - half, round(x) + half, round(y) + half))
    pixels = np.asarray(box.convert("RGB")).reshape(-1, 3)
    counts = Counter(map(tuple, pixels.tolist()))
    return counts.most_common(1)[0][0]


def test_player_and_heatmap_give_a_value_the_same_colour(blank_page: Page, app_url: str) -> None:
    page = blank_page
    page.goto(app_url + QUERY)
    wait_idle(page)
    fr = player(page)
    expect(fr.locator("#counter")).to_have_text("Step 1 / 16")
    # Drawn at step 1: 63 cells at 0, each in the scale's middle colour #f7f7f7, as the
    # heatmap draws a 0 (not the empty cell's grey).
    first = fr.locator("#player").evaluate(PLAYER_JS)
    zeros = [css for title, css in first if title.endswith(" = 0")]
    assert len(zeros) == 63 and set(zeros) == {"rgb(247, 247, 247)"}
    fr.locator("#last").click()
    expect(fr.locator("#counter")).to_have_text("Step 16 / 16")
    expect(fr.locator("#gx2 .cell")).to_have_count(64)
    wait_idle(page)  # the player reports its step; the page follows
    assert_no_exception(page)

    grad = pool_backward(X, GY, SPEC)
    assert sorted(grad[grad != 0].tolist()) == sorted(GY.ravel().tolist())
    m = 4.0  # the largest |dL/dx|: the colour range is -4 .. 4
    sampled = plotly.colors.sample_colorscale(GRAD_SCALE, ((grad.ravel() + m) / (2 * m)).tolist(),
                                              colortype="tuple")
    expected = np.floor(np.array(sampled) * 255 + 0.5).reshape(*grad.shape, 3)

    shown = {}
    for title, css in fr.locator("#player").evaluate(PLAYER_JS):
        r, c = (int(v) for v in re.match(r"dL/dx\[(\d+),(\d+)\]", title).groups())
        shown[r, c] = rgb(css)
    assert len(shown) == grad.size

    chart = page.locator(".st-key-fig_grad_input .pbe-chart")
    expect(chart).not_to_have_attribute("aria-busy", "true")
    cells = chart.evaluate(CELLS_JS)
    assert len(cells) == grad.size
    ARTIFACTS.mkdir(exist_ok=True)
    image = Image.open(io.BytesIO(chart.screenshot(path=str(ARTIFACTS / "colours-heatmap.png"))))
    fr.locator("#player").screenshot(path=str(ARTIFACTS / "colours-player.png"))
    problems = []
    for r, c, x, y, pitch in cells:
        drawn = drawn_colour(image, x, y, pitch)
        player_rgb = shown[r, c]
        want = tuple(int(v) for v in expected[r, c])
        if max(abs(a - b) for a, b in zip(player_rgb, drawn, strict=True)) > 2:
            problems.append(f"({r},{c}) = {grad[r, c]:g}: player {player_rgb}, heatmap {drawn}")
        if max(abs(a - b) for a, b in zip(player_rgb, want, strict=True)) > 1:
            problems.append(f"({r},{c}) = {grad[r, c]:g}: player {player_rgb}, sampled {want}")
    assert problems == []
