"""The Frameworks page's state: the Explorer's layer, input and dL/dy (one session state shared
by both pages), the port section's source and target framework, and the page's classroom link.

The layer, x and dL/dy are the Explorer's own session values (`ui.widgets.session`,
`ui.widgets.params`, `ui.widgets.upstream`): the Frameworks page shows the layer the Explorer
shows, and a link opened on the Frameworks page sets the Explorer's state, as the Explorer's
own link does (`ui.links.explorerlink.apply_url_state`). The port section's keys are
`fw_from` and `fw_to` (kept across pages by `ui.state.keep`).
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import streamlit as st

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec, output_size
from ui.errors import error_text
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import FRAMEWORK_IDS, FRAMEWORKS_FIELDS, encode_fields, link_spec, spec_link
from ui.state import keep
from ui.widgets.grid import to_text
from ui.widgets.inputs import set_grid
from ui.widgets.params import PARAM_DEFAULTS, spec_from_state, spec_state
from ui.widgets.upstream import random_upstream, state_upstream, upstream_link, upstream_state

PAGE = "frameworks"  # the page's URL path
PORT_DEFAULTS: dict[str, object] = {"fw_from": "tensorflow", "fw_to": "pytorch"}
ONES = ("ones",)


def init_port_state() -> None:
    """The port section's framework choices, kept across reruns and pages (an unknown value,
    e.g. from an older session, is replaced by the default)."""
    keep(PORT_DEFAULTS, valid={k: (lambda v: v in FRAMEWORK_IDS) for k in PORT_DEFAULTS})


def apply_link() -> None:
    """On the session's first run of this page: the layer, x, dL/dy and the port's frameworks
    a link carries. Each value is checked alone (`decode_fields`); a layer that cannot pool
    the link's grid is dropped with a note (the Explorer's layer stays)."""
    ss = st.session_state
    link = pagelink.load_fields(PAGE, FRAMEWORKS_FIELDS)
    if not link:
        return
    for name, key in (("from", "fw_from"), ("to", "fw_to")):
        if name in link:
            ss[key] = link[name]
    if "x" in link:
        set_grid(to_text(np.array(link["x"], dtype=np.float64)))
    params = spec_state(link_spec(link))
    try:
        spec = spec_from_state({**{k: ss[k] for k in PARAM_DEFAULTS}, **params})
        output_size((len(ss.grid_text), len(ss.grid_text[0])), spec)
    except PoolingError as e:
        pagelink.add_note(PAGE, t("url.url_combo", reason=error_text(e)))
        params = {}
    ss.update(params)
    if "gy" in link:
        ss.update(upstream_state(link["gy"]))  # type: ignore[arg-type]


def upstream_of(state: object, out_hw: tuple[int, int]) -> np.ndarray:
    """dL/dy (OH, OW) the Explorer's dL/dy values choose, without its widgets: a one-hot
    outside the output or a custom grid of another shape falls back to all ones (as the
    Explorer does while they are invalid)."""
    chosen = state_upstream(state) or ONES  # type: ignore[arg-type]
    kind, *rest = chosen
    if kind == "random":
        return random_upstream(out_hw, int(rest[0]))
    if kind == "onehot":
        i, j = int(rest[0]), int(rest[1])
        if i < out_hw[0] and j < out_hw[1]:
            g = np.zeros(out_hw)
            g[i, j] = 1.0
            return g
    if kind == "custom" and np.shape(rest[0]) == tuple(out_hw):
        return np.array(rest[0], dtype=np.float64)
    return np.ones(out_hw)


def current_view(x: np.ndarray | None, spec: PoolSpec | AdaptiveSpec | None, sizes: tuple | None,
                 ) -> tuple[np.ndarray, np.ndarray, PoolSpec | AdaptiveSpec] | None:
    """(x (H, W), dL/dy (OH, OW), spec) of the Explorer's state (x, its layer `spec` and the
    output `sizes` read by the caller), or its last valid view while the state is invalid
    (`spec` None: a cell that is not a number, a layer that does not fit); None when there
    is neither."""
    ss = st.session_state
    if x is None or spec is None or sizes is None:
        last = ss.get("last_valid")
        return tuple(last) if last else None  # type: ignore[return-value]
    gy = upstream_of(ss, (sizes[0].size, sizes[1].size))
    ss.last_valid = (x, gy, spec)
    return x, gy, spec


def page_query(x: np.ndarray, gy: np.ndarray, spec: PoolSpec | AdaptiveSpec) -> dict[str, str]:
    """The page's link: x, the layer, dL/dy (left out when all ones) and the port's choices."""
    ss = st.session_state
    g = upstream_link(gy, ss)
    return encode_fields(FRAMEWORKS_FIELDS, {
        "x": x.tolist(), **spec_link(asdict(spec)), "gy": None if g == ONES else g,
        "from": ss.get("fw_from"), "to": ss.get("fw_to"),
    })

