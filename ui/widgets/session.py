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

# Widget values the Explorer keeps across reruns and page visits (ui.state.keep).
EXPLORER_DEFAULTS: dict[str, object] = {**PARAM_DEFAULTS, **GY_DEFAULTS, **RANDOM_DEFAULTS,
                                        "step": 0, "preset": DEFAULT_PRESET}
# Those of them whose widgets the Explorer's fragments draw (app_pages/explorer.py): the
# layer's (`layer_and_results`) and dL/dy's, the random fill's and the step
# (`grid_and_results`); the example box ("preset") is drawn by the page. A fragment's run
# alone can be the page's last before a visit to another page, so each fragment keeps its own
# widgets' values (`keep_fragment_state`) before it draws them.
RESULTS_DEFAULTS: dict[str, object] = {**GY_DEFAULTS, **RANDOM_DEFAULTS, "step": 0}


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


def keep_fragment_state(layer: bool) -> None:
    """`keep` the values of the widgets one of the Explorer's fragments draws, on each of its
    runs, before they are drawn: the layer's controls (`layer`) or those of the grid and
    results. What a visit to another page drops is restored from these copies."""
    keep(PARAM_DEFAULTS if layer else RESULTS_DEFAULTS)


def open_in_explorer(rows: list[list[str]], spec: PoolSpec) -> None:
    """Another page's view into the Explorer's state (a callback before a page switch): the grid
    `rows` (text) and the layer `spec`, dL/dy all ones, the first step."""
    ss = st.session_state
    set_grid([list(row) for row in rows])
    ss.update(layer_state(values_of(spec)))
    ss.gy_mode = "ones"
    ss.step = 0
