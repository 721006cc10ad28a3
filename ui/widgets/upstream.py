"""The upstream gradient dL/dy: its widgets, the seeded random one, and how a link names it.

Session keys: gy_mode (ones, random, onehot, custom), gy_seed, gy_i, gy_j (widgets) and
gy_grid (the custom grid's numbers, plain state). In a link dL/dy is one value
(ui.links.urlstate.decode_upstream): ("ones",), ("random", seed), ("onehot", i, j) or
("custom", grid).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import streamlit as st

from ui.errors import cell_errors_text
from ui.i18n import shape_words, t
from ui.widgets.grid import MAX_SIDE, parse_grid, to_text
from ui.widgets.inputs import grid_editor

GY_MODES = ("ones", "random", "onehot", "custom")
GY_DEFAULTS: dict[str, object] = {"gy_mode": "ones", "gy_seed": 1, "gy_i": 0, "gy_j": 0}


def random_upstream(shape: tuple[int, int], seed: int) -> np.ndarray:
    """The seeded random dL/dy of `shape` (OH, OW): values in [-1, 1] with one decimal."""
    rng = np.random.default_rng(int(seed))
    return np.round(rng.uniform(-1, 1, size=shape), 1)


def upstream_controls(out_hw: tuple[int, int]) -> tuple[np.ndarray | None, str | None]:
    """Choose dL/dy of shape `out_hw` (OH, OW). Returns (array or None, error text or None)."""
    ss = st.session_state
    oh, ow = out_hw
    st.radio(t("gy.mode"), GY_MODES, key="gy_mode", horizontal=True,
             format_func=lambda m: t(f"gy.{m}"))
    mode = ss.gy_mode
    if mode == "ones":
        return np.ones(out_hw), None
    if mode == "random":
        st.number_input(t("input.seed"), 0, 2**31 - 1, key="gy_seed")
        return random_upstream(out_hw, int(ss.gy_seed)), None
    if mode == "onehot":
        a, b = st.columns(2)
        a.number_input(t("gy.i"), 0, MAX_SIDE, key="gy_i")
        b.number_input(t("gy.j"), 0, MAX_SIDE, key="gy_j")
        i, j = int(ss.gy_i), int(ss.gy_j)
        if i >= oh or j >= ow:
            return None, t("gy.onehot_out", i=i, j=j, oh=oh, ow=ow, **shape_words(oh, ow))
        g = np.zeros(out_hw)
        g[i, j] = 1.0
        return g, None
    key = f"gy_editor_{oh}x{ow}"
    start = ss.get("gy_grid")
    if start is not None and np.shape(start) == (oh, ow):
        base = to_text(np.array(start, dtype=np.float64))
    else:
        base = [["1"] * ow for _ in range(oh)]
    rows = grid_editor(key, base, t("gy.caption", oh=oh, ow=ow))
    g, errors = parse_grid(rows)
    if errors:
        return None, cell_errors_text(errors)
    ss.gy_grid = g.tolist()
    return g, None


def upstream_link(gy: np.ndarray, state: Mapping[str, object]) -> tuple:
    """dL/dy (OH, OW) described compactly for a link: ones, one-hot, the seeded random one
    (when the widgets in `state` chose it), or the grid itself."""
    if np.array_equal(gy, np.ones_like(gy)):
        return ("ones",)
    hot = np.argwhere(gy != 0)
    if len(hot) == 1 and gy[tuple(hot[0])] == 1:
        return ("onehot", int(hot[0][0]), int(hot[0][1]))
    seed = int(state.get("gy_seed", 1))  # type: ignore[call-overload]
    if state.get("gy_mode") == "random" and np.array_equal(gy, random_upstream(gy.shape, seed)):
        return ("random", seed)
    return ("custom", gy.tolist())


def upstream_state(link: tuple) -> dict[str, object]:
    """A link's dL/dy (see the module docstring) -> the session values that choose it."""
    kind, *rest = link
    if kind == "random":
        return {"gy_mode": "random", "gy_seed": rest[0]}
    if kind == "onehot":
        return {"gy_mode": "onehot", "gy_i": rest[0], "gy_j": rest[1]}
    if kind == "custom":
        return {"gy_mode": "custom", "gy_grid": rest[0]}
    return {"gy_mode": "ones"}


def state_upstream(state: Mapping[str, object]) -> tuple | None:
    """The inverse of `upstream_state`: the dL/dy the session values choose (None: a custom
    grid that has not been entered)."""
    mode = state.get("gy_mode", "ones")
    if mode == "random":
        return ("random", int(state.get("gy_seed", 1)))  # type: ignore[call-overload]
    if mode == "onehot":
        return ("onehot", int(state.get("gy_i", 0)), int(state.get("gy_j", 0)))  # type: ignore[call-overload]
    if mode == "custom":
        return None if state.get("gy_grid") is None else ("custom", state["gy_grid"])
    return ("ones",)
