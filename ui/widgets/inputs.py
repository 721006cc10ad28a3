"""The input grid's widgets: examples, size, random fill, CSV file, picture and the editor.

The grid is held as text in `st.session_state.grid_text` (what the editor shows) with
`grid_version`: `set_grid` puts a new grid in place (a new editor, so a loaded grid replaces
the edits of the last one). Callbacks change the state before the widgets are drawn, so
examples and resizes never fight a widget.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.errors import InputError, cell_errors_text, input_error_text
from ui.format import index_base, ix
from ui.i18n import t
from ui.views.projector import projector_on
from ui.widgets.grid import (
    MAX_SIDE,
    PRESETS,
    CellError,
    parse_csv,
    parse_grid,
    preset_text,
    random_grid,
    resize,
    to_text,
)
from ui.widgets.grideditor import grid_editor as _grid_editor
from ui.widgets.grideditor import is_number
from ui.widgets.params import layer_state

# A grid caption that says "row 0 is at the top", as said in a 1-based session (issue #18).
ONE_BASED_CAPTIONS = {"input.caption": "grid_base.input_caption_1",
                      "ties.input.caption": "grid_base.ties_caption_1",
                      "exercise.editor.caption": "grid_base.exercise_caption_1"}


def base_caption(key: str, **params: object) -> str:
    """The grid caption `key` translated, naming the top row in the session's index base."""
    return t(ONE_BASED_CAPTIONS.get(key, key) if index_base() else key, **params)


def grid_editor(key: str, rows: list[list[str]], label: str,
                accepts: Callable[[str], bool] = is_number) -> list[list[str]]:
    """A keyed, fixed-size text grid editor (ui.widgets.grideditor); returns the H x W text shown.

    Cells whose text `accepts` refuses are marked in the grid; the caller says why.
    """
    return _grid_editor(key, rows, label, projector=projector_on(), accepts=accepts)


def set_grid(rows: list[list[str]]) -> None:
    """Put the text grid `rows` (H x W) in the editor's place, with its size in the size boxes."""
    ss = st.session_state
    ss.grid_text = rows
    ss.grid_version = ss.get("grid_version", 0) + 1
    ss.rows, ss.cols = len(rows), len(rows[0])


def load_preset() -> None:
    """Callback: put the chosen example's grid and layer in place (parameters it does not
    name stay as they are), at the first step."""
    ss = st.session_state
    p = PRESETS[ss.preset]
    set_grid(preset_text(p.key))
    ss.update(layer_state(p.params))
    ss.step = 0


def _resize() -> None:
    ss = st.session_state
    set_grid(resize(ss.grid_text, int(ss.rows or 1), int(ss.cols or 1)))


def _random_fill() -> None:
    ss = st.session_state
    grid = random_grid(int(ss.rand_rows), int(ss.rand_cols), int(ss.rand_seed),
                       float(ss.rand_low), float(ss.rand_high), bool(ss.rand_int))
    set_grid(to_text(grid))


def csv_loaded() -> None:
    """Callback of the CSV uploader: its grid in place, or the reason it was refused."""
    ss = st.session_state
    ss.csv_message = None
    upload = ss.get("csv_upload")
    if upload is None:
        return
    try:
        grid, header = parse_csv(upload.getvalue())
    except InputError as e:  # the file's own text in the message is shown literally
        ss.csv_message = ("error", input_error_text(e))
        return
    set_grid(to_text(grid))
    ss.csv_message = ("info", t("csv.loaded_header" if header else "csv.loaded",
                                rows=grid.shape[0], cols=grid.shape[1]))


def example_row() -> None:
    """The example box and its Load button (above the grid: `grid_controls`)."""
    # The example row spans the page, above the grid: in a column beside the grid the chosen
    # example's name was cut ("6×6, kernel 3,") at 1024 px in projector mode, and a select box
    # cannot wrap its text. The box keeps room for the longest example name (22rem: 352 px,
    # 462 px in projector mode) or the whole row; the button wraps below it when both do not
    # fit (a phone, projector mode at 1024 px).
    st.html("<style>.st-key-preset_row > .st-key-preset { min-width: min(100%, 22rem); }"
            "</style>")
    with st.container(horizontal=True, vertical_alignment="bottom", key="preset_row"):
        st.selectbox(t("input.preset"), list(PRESETS), key="preset",
                     format_func=lambda k: t(f"preset.{k}"))
        st.button(t("input.load"), key="load_preset", on_click=load_preset,
                  icon=":material/upload:", wrap=True)


# The random fill's numbers, kept while its expander is closed (ui.state.keep, init_state).
RANDOM_DEFAULTS: dict[str, object] = {"rand_rows": 8, "rand_cols": 8, "rand_low": 0.0,
                                      "rand_high": 4.0, "rand_seed": 0, "rand_int": True}


def _lazy_expander(label: str, icon: str, key: str) -> DeltaGenerator:
    """A closed-by-default expander whose contents are drawn only while it is open (opening
    it reruns the page): closed, its widgets cost nothing on each run (every widget drawn,
    even hidden, is sent to the browser and rendered again on every edit)."""
    return st.expander(label, icon=icon, key=key, on_change="rerun")


def _sources() -> None:
    """Size boxes, random fill, CSV file and picture (each loads a grid with `set_grid`)."""
    ss = st.session_state
    r1, r2 = st.columns(2)
    r1.number_input(t("input.rows"), 1, MAX_SIDE, step=1, key="rows", on_change=_resize)
    r2.number_input(t("input.cols"), 1, MAX_SIDE, step=1, key="cols", on_change=_resize)
    box = _lazy_expander(t("input.random"), ":material/casino:", "rand_open")
    if box.open:
        with box:
            a, b = st.columns(2)
            a.number_input(t("input.rows"), 1, MAX_SIDE, key="rand_rows")
            b.number_input(t("input.cols"), 1, MAX_SIDE, key="rand_cols")
            a.number_input(t("input.low"), key="rand_low")
            b.number_input(t("input.high"), key="rand_high")
            a.number_input(t("input.seed"), 0, 2**31 - 1, key="rand_seed")
            b.checkbox(t("input.integers"), key="rand_int", help=t("help.integers"))
            st.button(t("input.fill"), key="rand_fill", on_click=_random_fill)
    box = _lazy_expander(t("input.csv"), ":material/table_view:", "csv_open")
    if box.open:
        with box:
            st.file_uploader(t("input.csv_label"), type=["csv", "txt", "tsv"],
                             key="csv_upload", on_change=csv_loaded, help=t("help.csv"))
            msg = ss.get("csv_message")
            if msg:
                (st.error if msg[0] == "error" else st.info)(msg[1])
    box = _lazy_expander(t("image.label"), ":material/image:", "image_open")
    if box.open:
        with box:
            from ui.widgets.picture import image_input

            image_input(on_load=lambda grid: set_grid(to_text(grid)))


def preset_note(key: str, base: int | None = None) -> str:
    """Example `key`'s note, its rows, columns and cells ({r0}..{r6} in the catalogue) named in
    `base` (default: the session's index base), as the grid's own labels."""
    return t(f"preset.{key}.note", **{f"r{n}": ix(n, base) for n in range(7)})


def _is_presets_layer(key: str) -> bool:
    """Whether the sidebar's layer is still the one example `key` loads, so that its note
    ("windows (0,0) and (0,1) share their maximum") still holds; the tie policy aside, as the
    notes invite changing it."""
    ss = st.session_state
    return all(ss.get(k) == v for k, v in layer_state(PRESETS[key].params).items()
               if k != "ties")


def grid_controls() -> tuple[np.ndarray | None, list[CellError]]:
    """Size, random fill, CSV file, picture and the grid editor (below `example_row`).

    Returns (x (H, W) float64 or None, the cells that are not numbers).
    """
    ss = st.session_state
    c1, c2 = st.columns([3, 2], gap="large")
    with c2:
        note = st.empty()  # the example's note, while the grid is the example (below)
        _sources()
    with c1:
        rows = grid_editor(f"grid_editor_{ss.grid_version}", ss.grid_text,
                           base_caption("input.caption"))
    # The editor's own state replays the edits onto this text, which then already holds them;
    # kept here, they outlive the editor when the student visits another page.
    ss.grid_text = rows
    if rows == preset_text(ss.preset) and _is_presets_layer(ss.preset):  # else: no longer true
        note.caption(preset_note(ss.preset))
    x, errors = parse_grid(rows)
    if errors:
        c1.error(cell_errors_text(errors), icon=":material/error:")
    return x, errors
