"""The Explorer's session: its defaults, the input grid's text, and other pages' way in.

State lives in `st.session_state` (one per browser session). The layer's widgets use the keys
of `ui.widgets.params.WIDGET_KEYS`, dL/dy's those of `ui.widgets.upstream`, the grid's those of
`ui.widgets.inputs` (`grid_text`, `grid_version`).
"""

from __future__ import annotations

import streamlit as st

from pooling_core import PoolSpec
from ui.state import keep
from ui.widgets.grid import DEFAULT_PRESET, preset_text
from ui.widgets.inputs import RANDOM_DEFAULTS, set_grid
from ui.widgets.params import PARAM_DEFAULTS, layer_state, values_of
from ui.widgets.upstream import GY_DEFAULTS

# Widget values the Explorer keeps across reruns and page visits (ui.state.keep). A fragment's
# run alone can be the page's last before a visit to another page, so each of the Explorer's
# fragments (app_pages/explorer.py) also keeps the values of the widgets it draws, before it
# draws them: PARAM_DEFAULTS (the layer's controls, `layer_and_results`) and RESULTS_DEFAULTS
# (dL/dy, the random fill and the step, `grid_and_results`); the example box ("preset") is
# drawn by the page.
RESULTS_DEFAULTS: dict[str, object] = {**GY_DEFAULTS, **RANDOM_DEFAULTS, "step": 0}
EXPLORER_DEFAULTS: dict[str, object] = {**PARAM_DEFAULTS, **RESULTS_DEFAULTS,
                                        "preset": DEFAULT_PRESET}


def init_state() -> None:
    """Defaults for a new session (the 6x6 overlap example), and widget values kept alive
    (ui.state.keep: a value another page set on purpose, e.g. Ties' "Open in the Explorer",
    wins over the kept one)."""
    ss = st.session_state
    keep(EXPLORER_DEFAULTS)
    if "grid_text" not in ss:
        ss.grid_text = preset_text(DEFAULT_PRESET)
        ss.grid_version = 0
    ss.setdefault("rows", len(ss.grid_text))
    ss.setdefault("cols", len(ss.grid_text[0]))


def open_in_explorer(rows: list[list[str]], spec: PoolSpec) -> None:
    """Another page's view into the Explorer's state (a callback before a page switch): the grid
    `rows` (text) and the layer `spec`, dL/dy all ones, the first step."""
    ss = st.session_state
    set_grid([list(row) for row in rows])
    ss.update(layer_state(values_of(spec)))
    ss.gy_mode = "ones"
    ss.step = 0
