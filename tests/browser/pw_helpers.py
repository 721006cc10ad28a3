"""Helpers for driving the Explorer in a real browser (Playwright, sync API).

Streamlit facts these rely on (Streamlit 1.67, see /work/shared/STYLE.md):
- after an interaction the app reruns; it is done when `[data-testid=stApp]` carries
  `data-test-script-state=notRunning` and no `stSkeleton` placeholder is left;
- a widget with `key="kh"` sits in an element container with the class `st-key-kh`;
- `st.selectbox` is a react-aria combobox: click `[role=combobox]`, then the `option`;
- the grid editors are our own v2 component (ui/widgets/grideditor.py): inside `.pbe-grid`, cell
  (r, c) is the text input `#cell-{r}-{c}`; Enter commits it and starts the rerun;
- Plotly heatmaps print each cell's text as `g.heatmap-label text` at pixel (x, y).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
from playwright.sync_api import Locator, Page, expect

from pooling_core import PoolSpec

# The Explorer's default example, written out by hand as the page must show it (row 0 on
# top): an expectation independent of the code under test.
DEFAULT_X = np.array([
    [1, 2, 3, 1, 0, 2],
    [2, 2, 5, 4, 1, 3],
    [0, 6, 9, 6, 2, 1],
    [3, 1, 4, 8, 7, 0],
    [5, 2, 0, 3, 6, 4],
    [1, 7, 2, 5, 1, 3],
], dtype=np.float64)
DEFAULT_SPEC = PoolSpec(kernel_size=3, stride=1)

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

PLAYER_TITLE = "Step-by-step player of the backward pass."  # alt.player in ui/locales/en
# The step player: a v2 component with key "player", its elements in an open shadow root
# (Playwright's CSS selectors pierce it: `player(page).locator("#counter")`).
PLAYER = ".st-key-player"

# A grid editor (ui/widgets/grideditor.py); also in an open shadow root.
# The first one on the Explorer
# is its input grid.
GRID = ".pbe-grid"


def wait_idle(page: Page, timeout_ms: int = 30_000, settle_ms: int = 400) -> None:
    """Wait until the script has finished its rerun and every element is drawn."""
    page.wait_for_timeout(150)  # let a rerun that was just triggered start
    for _ in range(2):  # twice: a rerun can start from a widget's own debounce
        page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]",
                               timeout=timeout_ms)
        expect(page.locator("[data-testid=stSkeleton]")).to_have_count(0, timeout=timeout_ms)
        page.wait_for_timeout(settle_ms)


def open_app(page: Page, url: str) -> None:
    """Open the app and wait for the first complete run (player drawn)."""
    page.goto(url)
    page.wait_for_selector(f"{PLAYER} #counter", timeout=60_000)
    wait_idle(page)
    expect(player(page).locator("#counter")).to_have_text(re.compile(r"\S"), timeout=20_000)


def player(page: Page) -> Locator:
    """The step player (ui.views.player.show_player), to look for its parts in: `#counter`, ..."""
    return page.locator(PLAYER)


def assert_no_exception(page: Page) -> None:
    exc = page.locator("[data-testid=stException]")
    assert exc.count() == 0, "the app shows an exception:\n" + "\n".join(exc.all_inner_texts())


def screenshot(page: Page, name: str) -> Path:
    """A viewport screenshot in test-artifacts/ (git-ignored) for a human to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def heatmap_text(page: Page, key: str) -> list[list[str]]:
    """The numbers a Plotly heatmap prints, as rows top to bottom, each left to right.

    Rows are grouped by the labels' pixel y, so row 0 of the result is what is drawn on top.
    """
    labels = page.locator(f".st-key-{key} g.heatmap-label text")
    expect(labels.first).to_be_attached(timeout=20_000)
    points = labels.evaluate_all(
        "els => els.map(e => [parseFloat(e.getAttribute('y')), parseFloat(e.getAttribute('x')),"
        " e.textContent])")
    rows: dict[float, list[tuple[float, str]]] = {}
    for y, x, text in points:
        rows.setdefault(round(y), []).append((x, text))
    return [[text for _, text in sorted(rows[y])] for y in sorted(rows)]


def number_input(page: Page, key: str) -> Locator:
    return page.locator(f".st-key-{key} input")


def set_number(page: Page, key: str, value: int | str) -> None:
    """Type a value into the number input with this widget key and commit it (Enter)."""
    box = number_input(page, key)
    box.fill(str(value))
    box.press("Enter")
    wait_idle(page)
    expect(box).to_have_value(str(value))


def choose(page: Page, key: str, option_text: str) -> None:
    """Pick an option of the selectbox with this widget key by its visible text."""
    box = page.locator(f".st-key-{key} [role=combobox]")
    box.click()
    page.get_by_role("option", name=option_text, exact=True).click()
    wait_idle(page)
    expect(box).to_have_value(option_text)


def grid_cell(page: Page, r: int, c: int, editor: Locator | None = None) -> Locator:
    """The text input of cell (r, c) of a grid editor (the page's first one by default;
    `editor`: an element that holds one, e.g. `page.locator(".st-key-gy_editor_4x4")`)."""
    editor = editor or page.locator(GRID).first
    return editor.locator(f"#cell-{r}-{c}")


def open_cell_editor(page: Page, r: int, c: int, editor: Locator | None = None) -> Locator:
    """Put the focus in cell (r, c) of a grid editor, its text selected (nothing typed yet).
    Returns the cell's input."""
    cell = grid_cell(page, r, c, editor)
    cell.click()
    expect(cell).to_be_focused()
    return cell


def edit_cell(page: Page, r: int, c: int, text: str, editor: Locator | None = None,
              wait: bool = True) -> None:
    """Type `text` into cell (r, c) of a grid editor and commit it with Enter.

    `wait`: also wait for the rerun the edit starts (off when typing many cells in a row: each
    commit holds the editor's whole state, so the last rerun carries every edit)."""
    cell = open_cell_editor(page, r, c, editor)
    cell.fill(text)
    cell.press("Enter")
    if wait:
        wait_idle(page)
    expect(cell).to_have_value(text)
