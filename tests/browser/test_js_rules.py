"""The rules the JS components take from Python, applied in Chromium as Python applies them.

The player's colour of a dL/dx value (ui/assets/player.js `scaleColour`, given
figures.GRAD_SCALE and figures.grad_range), its cell pitch (`cellPitch`, given
figures.CELL_SIZES) and the grid editor's paste split (ui/assets/grid_editor.js `pasteRows`,
given ui.widgets.grid.SEPARATORS): each module is imported on a blank page (no app server) and
its exported function compared with an independent source: hand-worked colours, plotly.py's
own colorscale sampling, figures.cell_px and parse_csv.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import asdict

import numpy as np
import plotly.colors
import pytest
from playwright.sync_api import Browser, Page

from ui.assets import read_asset
from ui.format import parse_number
from ui.views.figures import CELL_SIZES, GRAD_SCALE, cell_px, grad_range, heatmap
from ui.widgets.grid import SEPARATOR_LINES, SEPARATORS, parse_csv


def module_url(name: str) -> str:
    """The asset as a data: URL an ES module import takes."""
    return "data:text/javascript;base64," + base64.b64encode(read_asset(name).encode()).decode()


@pytest.fixture(scope="module")
def blank(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()


def call(page: Page, asset: str, fn: str, args: list) -> list:
    """`fn(...a)` of the ES module `asset` for each argument list `a` of `args`."""
    return page.evaluate("""async ([url, fn, args]) => {
        const m = await import(url);
        return args.map((a) => m[fn](...a));
    }""", [module_url(asset), fn, args])


def colours_for(values: np.ndarray) -> dict:
    lo, hi = grad_range(values)
    return {"scale": GRAD_SCALE, "zmin": lo, "zmax": hi}


# ----------------------------------------------------------------- colours
def test_player_colours_at_stops_and_between_are_hand_worked(blank: Page) -> None:
    colours = colours_for(np.array([-4.0, 4.0]))  # the range -4 .. 4: stops at -4, -2, 0, 2, 4
    values = [-4, -2, 0, 2, 4, 1, -3, 9, -9]
    got = call(blank, "player.js", "scaleColour", [[v, colours] for v in values])
    assert got == [
        [33, 102, 172],   # #2166ac
        [146, 197, 222],  # #92c5de
        [247, 247, 247],  # #f7f7f7
        [244, 165, 130],  # #f4a582 (a linear blend of the two ends gave 213, 136, 145)
        [178, 24, 43],    # #b2182b
        [246, 206, 189],  # halfway from #f7f7f7 to #f4a582: 245.5, 206, 188.5 rounded up
        [90, 150, 197],   # halfway from #2166ac to #92c5de: 89.5, 149.5, 197
        [178, 24, 43],    # beyond the range: the end colour (clamped)
        [33, 102, 172],
    ]
    assert call(blank, "player.js", "scaleColour",
                [[None, colours], [float("nan"), colours]]) == [None, None]


def test_player_colours_match_plotly_colorscale_sampling(blank: Page) -> None:
    """For many values, the player's colour is the one plotly.py samples from the same scale
    and range (Plotly rounds each channel; plotly.py leaves it fractional)."""
    rng = np.random.default_rng(15)
    grad = np.round(rng.normal(0, 2, size=200), 4)
    colours = colours_for(grad)
    lo, hi = colours["zmin"], colours["zmax"]
    got = np.array(call(blank, "player.js", "scaleColour", [[float(v), colours] for v in grad]))
    sampled = plotly.colors.sample_colorscale(GRAD_SCALE, ((grad - lo) / (hi - lo)).tolist(),
                                              colortype="tuple")
    want = np.floor(np.array(sampled) * 255 + 0.5)
    assert np.abs(got - want).max() <= 1  # the last bit of a .5 may round either way
    assert (got == want).all(axis=1).mean() > 0.95


def test_all_zero_gradient_is_the_middle_colour_as_in_the_heatmap(blank: Page) -> None:
    colours = colours_for(np.zeros((2, 2)))  # the heatmap's range: -1 .. 1
    assert (colours["zmin"], colours["zmax"]) == (-1.0, 1.0)
    assert call(blank, "player.js", "scaleColour", [[0, colours]]) == [[247, 247, 247]]


def contrast(a: list[int], b: list[int]) -> float:
    def lum(rgb: list[int]) -> float:
        c = np.array(rgb) / 255
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2])

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_player_text_is_the_more_contrasting_of_dark_and_white(blank: Page) -> None:
    colours = colours_for(np.array([-1.0, 1.0]))
    values = np.linspace(-1, 1, 41).tolist()
    backgrounds = call(blank, "player.js", "scaleColour", [[v, colours] for v in values])
    texts = call(blank, "player.js", "textColour", [[bg] for bg in backgrounds])
    for bg, text in zip(backgrounds, texts, strict=True):
        dark, white = contrast(bg, [17, 17, 17]), contrast(bg, [255, 255, 255])
        assert text == ("#fff" if white > dark else "#111"), bg
        assert max(dark, white) >= 4.3, bg


# ----------------------------------------------------------------- cell size
@pytest.mark.parametrize("projector", [False, True])
def test_player_cell_pitch_is_figures_cell_px(blank: Page, projector: bool) -> None:
    cases = [(rows, cols, width) for rows in (1, 2, 4, 6, 9, 16, 32, 40)
             for cols in (1, 3, 6, 12, 18, 33, 64) for width in (90, 250, 371, 520, 1000)]
    cells = asdict(CELL_SIZES[projector])
    got = call(blank, "player.js", "cellPitch", [[r, c, w, cells] for r, c, w in cases])
    assert got == [cell_px(r, c, w, projector) for r, c, w in cases]


# ----------------------------------------------------------------- numbers in chart cells
def test_both_components_draw_numbers_from_the_same_font_size(blank: Page) -> None:
    sizes = blank.evaluate("""async ([chart, player]) => [
        (await import(chart)).MIN_TEXT_PX, (await import(player)).MIN_TEXT_PX]""",
                           [module_url("chart.js"), module_url("player.js")])
    assert sizes == [8, 8]


@pytest.mark.parametrize(("cols", "pitch", "font"), [(32, 16, 8), (34, 15, None), (6, 64, 20)])
def test_chart_cells_show_numbers_only_at_a_readable_size(blank: Page, cols: int, pitch: int,
                                                          font: int | None) -> None:
    """Hand-worked, for a chart of one-digit numbers drawn at its own width. A cell is its
    pitch less the 2 px gap; a line of text is 1.45 em tall and the widest "1" is far below
    the width bound, so the height decides: pitch 16 -> (14 - 2) / 1.45 = 8.3 -> 8 px,
    numbers drawn; pitch 15 -> (13 - 2) / 1.45 = 7.6 -> 7 px, below 8: colour only (the
    cell's value stays in the hover); 6 columns -> pitch 64, the figure's own 20 px kept."""
    fig = heatmap(np.ones((cols, cols)), "t")
    assert cell_px(cols, cols) == pitch  # the figure's cells, as the hand-work assumes
    trace = call(blank, "chart.js", "fitText", [[fig["data"][0], fig["layout"]]])[0]
    if font is None:
        assert trace["texttemplate"] == ""
    else:
        assert trace["texttemplate"] == "%{text}" and trace["textfont"]["size"] == font
    assert trace["text"] == fig["data"][0]["text"]  # the hover keeps every value


# ----------------------------------------------------------------- paste separators
PASTE_TEXTS = [
    "1\t2\t3\n4\t5\t6\n",                # a spreadsheet's copy
    "1,5\t2\n-0,25\t4\n",                # tab first: the commas are decimal commas
    "1;2,5;3\r\n4;5;6,75\r\n",           # semicolons, decimal commas
    "1,2,3\n4,5,6",                      # commas
    "1 2   3\n  4 5 6  \n",              # runs of spaces
    "1 2\n\n3 4\n",                      # a blank line is left out
    '"1,5";"2"\n"3";"-4,25"\n',          # quoted fields (the csv module's quotes)
    "1\n2\n3\n4\n5\n6;7\n",              # the separator is looked for in the first 5 lines
    "1;2\n3;4\n5;6\n7;8\n9;1\n2;3\n",
    "\ufeff1,2\n3,4\n",                  # a byte-order mark
    "1\r2\r3\n",                         # old Mac line ends
]


def test_paste_rows_split_as_parse_csv(blank: Page) -> None:
    paste = {"separators": list(SEPARATORS), "lines": SEPARATOR_LINES}
    got = call(blank, "grid_editor.js", "pasteRows", [[text, paste] for text in PASTE_TEXTS])
    for text, rows in zip(PASTE_TEXTS, got, strict=True):
        try:
            want, header = parse_csv(text.encode())
        except ValueError:  # parse_csv refuses it (a cell that is not a number)
            want = None
        if want is not None:
            assert not header
            assert [[parse_number(v) for v in row] for row in rows] == want.tolist(), text
        else:
            assert text == "1\n2\n3\n4\n5\n6;7\n", text  # no ';' in the first 5 lines
            assert rows == [["1"], ["2"], ["3"], ["4"], ["5"], ["6;7"]]
