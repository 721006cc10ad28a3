"""Helpers for driving the Explorer in a real browser (Playwright, sync API).

Streamlit facts these rely on (Streamlit 1.67, see /work/shared/STYLE.md):
- after an interaction the app reruns; it is done when `[data-testid=stApp]` carries
  `data-test-script-state=notRunning` and no `stSkeleton` placeholder is left;
- a widget with `key="kh"` sits in an element container with the class `st-key-kh`;
- `st.selectbox` is a react-aria combobox: click `[role=combobox]`, then the `option`;
- `st.data_editor` is a glide-data-grid canvas; its hidden accessibility table names cell
  (row r, data column c) `#glide-cell-{c + 1}-{r}` (column 0 is the index) and marks the
  selected cell `aria-selected=true`; a double-click opens a textarea inside
  `[data-testid=portal]`;
- Plotly heatmaps print each cell's text as `g.heatmap-label text` at pixel (x, y).
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from ui.controls import editor_col_width

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts"

PLAYER_TITLE = "Step-by-step player of the backward pass."  # alt.player in ui/locales/en
# The step player: a v2 component with key "player", its elements in an open shadow root
# (Playwright's CSS selectors pierce it: `player(page).locator("#counter")`).
PLAYER = ".st-key-player"

# glide-data-grid geometry in Streamlit 1.67 (default row height, header, index column width,
# column widths from ui.controls.editor_col_width). Checked by a single click before every edit.
GRID_HEADER_PX = 35
GRID_ROW_PX = 35
GRID_INDEX_PX = 54


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
    """The step player (ui.player.show_player), to look for its parts in: `#counter`, ..."""
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


def grid_cell_text(page: Page, r: int, c: int, editor: Locator | None = None) -> Locator:
    """The accessibility-table cell holding data cell (r, c) of a data editor."""
    editor = editor or page.locator("[data-testid=stDataFrame]").first
    return editor.locator(f"#glide-cell-{c + 1}-{r}")


def open_cell_editor(page: Page, r: int, c: int, editor: Locator | None = None,
                     n_cols: int = 6) -> Locator:
    """Select data cell (r, c) of a data editor with `n_cols` columns and open its text box
    (nothing typed yet). Returns the cell's node in the editor's accessibility table."""
    editor = editor or page.locator("[data-testid=stDataFrame]").first
    editor.scroll_into_view_if_needed()
    box = editor.bounding_box()
    assert box is not None, "the data editor is not visible"
    x = box["x"] + 1 + GRID_INDEX_PX + (c + 0.5) * editor_col_width(n_cols)
    y = box["y"] + 1 + GRID_HEADER_PX + (r + 0.5) * GRID_ROW_PX
    target = grid_cell_text(page, r, c, editor)
    for _ in range(3):  # a click that only blurs another widget (and reruns) selects nothing
        page.mouse.click(x, y)
        try:
            expect(target).to_have_attribute("aria-selected", "true", timeout=2_000)
            break
        except AssertionError:
            wait_idle(page)
    else:
        got = editor.locator("[aria-selected=true]").evaluate_all("els => els.map(e => e.id)")
        raise AssertionError(
            f"clicking at ({x:.0f}, {y:.0f}) selected {got}, not cell ({r},{c}); "
            "the grid geometry constants in pw_helpers.py may no longer match")
    page.mouse.dblclick(x, y)
    expect(page.locator("[data-testid=portal] textarea")).to_be_visible(timeout=5_000)
    return target


def edit_cell(page: Page, r: int, c: int, text: str, editor: Locator | None = None,
              n_cols: int = 6, wait: bool = True) -> None:
    """Type `text` into data cell (r, c) of a data editor with `n_cols` columns and commit it.

    `wait`: also wait for the rerun the edit starts (off when typing many cells in a row: each
    commit holds the editor's whole state, so the last rerun carries every edit)."""
    target = open_cell_editor(page, r, c, editor, n_cols)
    area = page.locator("[data-testid=portal] textarea")
    area.fill(text)
    area.press("Enter")
    if wait:
        wait_idle(page)
    expect(target).to_have_text(text)
