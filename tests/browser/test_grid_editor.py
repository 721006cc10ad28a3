"""The grid editor in a real browser: typing, Enter, Escape, arrows, paste, marks, names, and
the keyboard of the ARIA grid pattern (one tab stop, browse with arrows, edit with Enter/F2).

Expected numbers come from pooling_core on the default example written out by hand in
pw_helpers (kernel 3, stride 1), never from the page.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from playwright.sync_api import Locator, Page, expect
from pw_helpers import (
    DEFAULT_SPEC,
    DEFAULT_X,
    GRID,
    assert_no_exception,
    grid_cell,
    heatmap_text,
    open_cell_editor,
    rerun_by,
    reruns,
    screenshot,
    wait_idle,
)

from pooling_core import pool_forward
from ui.format import fmt, parse_number
from ui.widgets.grid import parse_csv

X, SPEC = DEFAULT_X, DEFAULT_SPEC  # pw_helpers: written out by hand


def output_text(x: np.ndarray) -> list[list[str]]:
    return [[fmt(v) for v in row] for row in pool_forward(x, SPEC).output]


def focused_cell(page: Page) -> str:
    """The id of the grid input that has the focus (inside the editor's shadow root)."""
    return page.locator(GRID).first.evaluate("el => el.getRootNode().activeElement?.id ?? ''")


def test_every_cell_is_a_named_text_box_in_an_aria_grid(page: Page) -> None:
    grid = page.locator(GRID).first
    expect(grid.get_by_role("textbox")).to_have_count(36)
    expect(grid.get_by_role("gridcell")).to_have_count(36)
    expect(grid.get_by_role("textbox", name="Row 2, column 3", exact=True)).to_have_value("6")
    table = grid.get_by_role("grid")
    expect(table).to_have_accessible_name(
        "Row 0 is at the top; a cell is named (row, column). Type a number, nan, inf or -inf.")
    expect(table).to_have_accessible_description(re.compile("^Arrow keys move between cells"))
    # The ARIA grid pattern: one cell in the tab order (a roving tabindex), 35 out of it.
    tab_stops = grid.locator("input").evaluate_all("els => els.filter(e => e.tabIndex === 0)"
                                                   ".map(e => e.id)")
    assert tab_stops == ["cell-0-0"]


def test_the_grid_is_one_tab_stop(page: Page) -> None:
    """Tab into the grid lands on one cell; the next Tab leaves it (36 stops before). The
    grid remembers the cell last visited and Shift+Tab comes back to it."""
    cell = open_cell_editor(page, 2, 3)  # a visit moves the tab stop to (2, 3)
    page.keyboard.press("ArrowDown")
    assert focused_cell(page) == "cell-3-3"
    page.keyboard.press("Tab")
    assert focused_cell(page) == ""  # left the grid in one press
    page.keyboard.press("Shift+Tab")
    assert focused_cell(page) == "cell-3-3"
    expect(cell).to_have_attribute("tabindex", "-1")
    assert_no_exception(page)


def test_browse_then_edit_with_enter_f2_or_typing(page: Page) -> None:
    open_cell_editor(page, 0, 0)
    page.keyboard.press("ArrowRight")  # browsing: arrows move whatever the caret
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    assert focused_cell(page) == "cell-0-1"
    page.keyboard.press("End")
    assert focused_cell(page) == "cell-0-5"
    page.keyboard.press("Home")
    assert focused_cell(page) == "cell-0-0"
    page.keyboard.press("F2")  # editing, caret at the end: the arrows move the caret now
    page.keyboard.press("ArrowLeft")
    page.keyboard.type("1")
    expect(grid_cell(page, 0, 0)).to_have_value("11")  # "1" was there; the caret before it
    page.keyboard.press("Escape")  # back to what it was, browsing again
    expect(grid_cell(page, 0, 0)).to_have_value("1")
    page.keyboard.press("ArrowDown")
    assert focused_cell(page) == "cell-1-0"
    page.keyboard.press("Enter")  # Enter on a browsed cell edits it
    page.keyboard.press("Backspace")
    page.keyboard.type("8")
    page.keyboard.press("Enter")  # Enter on an edited cell commits and moves down
    wait_idle(page)
    assert focused_cell(page) == "cell-2-0"
    x = X.copy()
    x[1, 0] = 8
    assert heatmap_text(page, "fig_output") == output_text(x)
    assert_no_exception(page)


def test_enter_commits_and_moves_down_arrows_move_escape_reverts(page: Page) -> None:
    cell = open_cell_editor(page, 0, 0)
    cell.press_sequentially("7")  # the text was selected: typing replaces it
    rerun_by(page, cell, "Enter")
    assert focused_cell(page) == "cell-1-0"  # Enter moved down, as in a spreadsheet
    x = X.copy()
    x[0, 0] = 7
    assert heatmap_text(page, "fig_output") == output_text(x)

    page.keyboard.press("ArrowRight")  # caret at the end of "2": the next cell
    assert focused_cell(page) == "cell-1-1"
    page.keyboard.press("ArrowUp")
    assert focused_cell(page) == "cell-0-1"
    sent = reruns(page)
    page.keyboard.type("99")
    page.keyboard.press("Escape")  # not committed: back to what it was, nothing sent
    expect(grid_cell(page, 0, 1)).to_have_value("2")
    page.keyboard.press("Tab")  # leaving an unchanged cell (and the grid) sends nothing
    wait_idle(page)
    assert reruns(page) == sent
    assert heatmap_text(page, "fig_output") == output_text(x)
    assert_no_exception(page)


def test_a_block_pasted_from_a_spreadsheet_fills_cells_in_one_rerun(page: Page) -> None:
    cell = open_cell_editor(page, 2, 2)
    # What a spreadsheet puts on the clipboard: tab between cells, a newline after each row.
    before = reruns(page)
    paste(cell, "10\t0\n0\t-3,5\n")
    wait_idle(page, since=before)
    for (r, c), text in {(2, 2): "10", (2, 3): "0", (3, 2): "0", (3, 3): "-3,5"}.items():
        expect(grid_cell(page, r, c)).to_have_value(text)
    x = X.copy()
    x[2, 2], x[2, 3], x[3, 2], x[3, 3] = 10, 0, 0, -3.5  # "-3,5": a decimal comma
    assert heatmap_text(page, "fig_output") == output_text(x)
    assert_no_exception(page)


def test_a_cell_that_is_not_a_number_is_marked_until_fixed(page: Page) -> None:
    cell = open_cell_editor(page, 4, 4)
    cell.fill("six")
    rerun_by(page, cell, "Enter")
    expect(grid_cell(page, 4, 4)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("These cells are not numbers: (4,4) “six”")).to_be_visible()
    screenshot(page, "grid-editor-bad-cell")
    cell = open_cell_editor(page, 4, 4)
    cell.fill("6")
    rerun_by(page, cell, "Enter")
    expect(grid_cell(page, 4, 4)).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("These cells are not numbers")).to_have_count(0)
    assert heatmap_text(page, "fig_output") == output_text(X)


def test_a_cell_being_typed_in_survives_the_rerun_of_the_one_before(page: Page) -> None:
    # Typing fast: Enter commits (0,0) and starts a rerun; the student is already typing in
    # (1,0). The rerun's answer must not wipe that half-typed text.
    cell = open_cell_editor(page, 0, 0)
    cell.fill("30")
    cell.press("Enter")
    page.keyboard.type("4")
    wait_idle(page)
    expect(grid_cell(page, 1, 0)).to_have_value("4")
    x = X.copy()
    x[0, 0] = 30
    assert heatmap_text(page, "fig_output") == output_text(x)  # (1,0) not sent yet
    page.keyboard.press("Enter")
    wait_idle(page)
    x[1, 0] = 4
    assert heatmap_text(page, "fig_output") == output_text(x)


PASTES = {  # one block per separator; parse_csv (Python) reads each as a 2 x 3 grid
    "tab": "1.5\t-2\t3\n4\t5,25\t6\n",  # a spreadsheet's copy: tab first, decimal commas kept
    "semicolon": "1,5;-2;3\r\n4;5,25;6\r\n",
    "comma": "7,-8,9\n10,11,12",
    "space": "  13 14   15\n\n16 17 18  ",
}


def paste(cell_input: Locator, text: str) -> None:
    """Paste `text` into a grid cell the way a browser does (a ClipboardEvent)."""
    cell_input.evaluate("""(el, text) => {
        const dt = new DataTransfer();
        dt.setData('text/plain', text);
        el.dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true,
                                                      composed: true, cancelable: true}));
    }""", text)


@pytest.mark.parametrize("kind", list(PASTES))
def test_a_pasted_block_is_split_as_parse_csv_splits_a_file(page: Page, kind: str) -> None:
    """The paste separator rule is Python's (ui.widgets.grid.SEPARATORS, given to the editor):
    the cells the browser fills are the numbers parse_csv reads from the same text."""
    text = PASTES[kind]
    want, header = parse_csv(text.encode())
    assert want.shape == (2, 3) and not header
    cell = open_cell_editor(page, 1, 2)
    before = reruns(page)
    paste(cell, text)
    wait_idle(page, since=before)
    got = np.array([[parse_number(grid_cell(page, 1 + r, 2 + c).input_value())
                     for c in range(3)] for r in range(2)], dtype=np.float64)
    np.testing.assert_array_equal(got, want)
    x = X.copy()
    x[1:3, 2:5] = want
    assert heatmap_text(page, "fig_output") == output_text(x)
    assert_no_exception(page)


def test_rows_and_columns_are_numbered_in_the_index_base(page: Page) -> None:
    # Cell (2,3) of the default example holds 6 (pw_helpers); 1-based it is row 3, column 4,
    # and the headers count from 1. Typing into it still edits that cell.
    grid = page.locator(GRID).first
    expect(grid.locator("thead th[scope=col]").first).to_have_text("0")
    rerun_by(page, page.locator(".st-key-w_index_base label").filter(has_text="1 (math").first)
    expect(grid.locator("thead th[scope=col]").first).to_have_text("1")
    expect(grid.locator("tbody th[scope=row]").last).to_have_text("6")
    expect(grid.get_by_role("textbox", name="Row 3, column 4", exact=True)).to_have_value("6")
    expect(grid.get_by_role("textbox", name="Row 2, column 3", exact=True)).to_have_value(
        str(int(X[1, 2])))
    grid.scroll_into_view_if_needed()
    screenshot(page, "grid-editor-base-1")
    assert_no_exception(page)
