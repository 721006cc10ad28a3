"""The grid editor: one text input per cell, mounted as a Streamlit v2 component.

Why not `st.data_editor`: it waits 150 ms after each edit before it asks for a rerun, redraws
its canvas on every rerun, does not grow in projector mode, and a screen reader cannot reach
its cells. This editor (ui/assets/grid_editor.js and .css) sends a cell the moment it is
committed (Enter, Tab, an arrow key, leaving the cell), stays mounted across reruns, marks
the cells that are not numbers, and names every cell for assistive technology. It is one tab
stop with arrow keys inside (the ARIA grid pattern; the keys are listed in grid_editor.js).

State: under the editor's key, `{"edited_rows": {row: {col: text}}}`, every cell typed since
the editor was first drawn with that key (row and column as ints or as the strings JSON
makes of them; the same shape as `st.data_editor`'s edited rows). The text shown is the
starting rows with those edits on top; a new starting grid gets a new key.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from ui.assets import read_asset
from ui.format import MAX_CELL_CHARS, index_base, parse_number
from ui.i18n import t
from ui.widgets.grid import SEPARATOR_LINES, SEPARATORS

COMPONENT_NAME = "pbe_grid_editor"


def _no_callback() -> None:
    """The component's state is read from its result; a callback only declares the state."""


def edits_of(state: object) -> dict[int, dict[int, str]]:
    """The typed cells held in an editor's state, as {row: {col: text}} with int indices.

    Anything that is not that shape (no state yet, a stale value) counts as no edits. The
    browser caps a cell at MAX_CELL_CHARS characters; a longer text (a client that ignores
    the cap) is cut there and marked with "…", which is not a number, so the page says so.
    """
    raw = state.get("edited_rows") if isinstance(state, dict) else None
    out: dict[int, dict[int, str]] = {}
    if not isinstance(raw, dict):
        return out
    for r, cols in raw.items():
        if not isinstance(cols, dict):
            continue
        for c, text in cols.items():
            try:
                ri, ci = int(r), int(c)
            except (TypeError, ValueError):
                continue
            text = "" if text is None else str(text)
            if len(text) > MAX_CELL_CHARS:
                text = text[:MAX_CELL_CHARS] + "…"
            out.setdefault(ri, {})[ci] = text
    return out


def apply_edits(rows: list[list[str]], edits: dict[int, dict[int, str]]) -> list[list[str]]:
    """`rows` (H x W text) with the typed cells on top; edits outside the grid are ignored."""
    out = [list(row) for row in rows]
    for r, cols in edits.items():
        if 0 <= r < len(out):
            for c, text in cols.items():
                if 0 <= c < len(out[r]):
                    out[r][c] = text
    return out


def _inside(edits: dict[int, dict[int, str]], rows: list[list[str]]) -> dict[int, dict[int, str]]:
    """The edits of cells inside `rows` (only those are sent back to the browser)."""
    out = {}
    for r, cols in edits.items():
        if 0 <= r < len(rows):
            kept = {c: text for c, text in cols.items() if 0 <= c < len(rows[r])}
            if kept:
                out[r] = kept
    return out


def is_number(text: str) -> bool:
    """Whether a cell's text is a number the pooling core can take (see ui.format)."""
    return parse_number(text) is not None


def grid_editor(key: str, rows: list[list[str]], label: str, projector: bool = False,
                accepts: Callable[[str], bool] = is_number) -> list[list[str]]:
    """Draw the editor for `rows` (H x W text) under `key`; return the H x W text shown.

    `label` is printed under the grid and names it for screen readers; cells whose text
    `accepts` refuses are marked (red border, aria-invalid). Blank cells are "". A cell holds
    at most MAX_CELL_CHARS characters (see `edits_of`). Row and column numbers are shown in
    the session's index base (ui.format.index_base); the state's keys stay 0-based.
    """
    base = [["" if v is None else str(v) for v in row] for row in rows]
    edits = _inside(edits_of(st.session_state.get(key)), base)
    current = apply_edits(base, edits)
    bad = [[r, c] for r, row in enumerate(current) for c, text in enumerate(row)
           if not accepts(text)]
    mount = st.components.v2.component(COMPONENT_NAME, css=read_asset("grid_editor.css"),
                                       js=read_asset("grid_editor.js"))
    mount(
        data={
            "rows": base,
            "edits": {str(r): {str(c): v for c, v in cols.items()} for r, cols in edits.items()},
            "bad": bad,
            "label": label,
            "cell": t("grid.cell", r="{r}", c="{c}"),
            "keys": t("grid.keys"),
            "projector": projector,
            "maxlen": MAX_CELL_CHARS,
            "base": index_base(),  # added to the row/column numbers shown; keys stay 0-based
            # A pasted block is split by parse_csv's separator rule (grid_editor.js pasteRows).
            "paste": {"separators": list(SEPARATORS), "lines": SEPARATOR_LINES},
        },
        key=key,
        default={"edited_rows": {}},
        on_edited_rows_change=_no_callback,
        width="stretch",
    )
    return current
