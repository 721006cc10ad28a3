"""The Explorer's classroom link: its session state to and from the query (one codec:
ui.links.urlstate.EXPLORER_FIELDS), applied when a session opens on it, and the share box.

The layer goes PoolSpec values -> link through `urlstate.spec_link` / `link_spec` and to the
widgets through `ui.widgets.params.spec_state`; dL/dy through `ui.widgets.upstream`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import numpy as np
import streamlit as st

from pooling_core import PoolingError, PoolSpec, output_size
from ui.errors import error_text
from ui.format import BASE_KEY
from ui.i18n import t
from ui.links.pagelink import app_params, note_texts, share_box, take_link
from ui.links.urlstate import (
    EXPLORER_FIELDS,
    SPEC_FIELDS,
    decode_fields,
    encode_fields,
    link_spec,
    spec_link,
)
from ui.widgets.grid import to_text
from ui.widgets.inputs import set_grid
from ui.widgets.params import (
    PARAM_DEFAULTS,
    UNPOOL_PAD_FORMS,
    WIDGET_KEYS,
    spec_from_state,
    spec_state,
    spec_values,
)
from ui.widgets.upstream import state_upstream, upstream_link, upstream_state

# Link parameter -> its two widget keys, for the pairs ("k" -> ("kh", "kw")).
PAIR_KEYS = {f.name: WIDGET_KEYS[f.attr] for f in SPEC_FIELDS if f.kind == "pair"}
ONES = ("ones",)  # dL/dy all ones: the default, left out of a link


def decode_state(query: Mapping[str, str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Query parameters -> (valid session values, [(parameter, problem code)] ignored).

    Session values: the layer's widget keys (kh, kw, ..., mode, ties, ...), "grid" (numbers),
    the dL/dy keys (gy_mode, gy_seed, gy_i, gy_j, gy_grid), "step" and "hide". Never raises:
    each parameter is checked on its own; what fails is left out and noted.
    """
    link, notes = decode_fields(EXPLORER_FIELDS, query)
    fields = spec_state(link_spec(link))
    if "x" in link:
        fields["grid"] = link["x"]
    if "gy" in link:
        fields.update(upstream_state(link["gy"]))  # type: ignore[arg-type]
    fields.update({k: link[k] for k in ("step", "hide") if k in link})
    if link.get("up") and "layer" not in link:  # an older link's round trip: the unpool layer
        fields["layer"] = "unpool"
    if fields.get("layer") == "unpool" and fields.get("pad_form", "symmetric") not in (
            UNPOOL_PAD_FORMS):  # MaxUnpool2d's padding is one number per axis
        fields.pop("pad_form")
        notes += [(name, "url_choice") for name in ("pad", "ps") if name in link]
    if link.get("predict"):
        fields["predict_on"] = True
    if link.get("base"):
        fields[BASE_KEY] = 1
    return fields, notes


def encode_state(state: Mapping[str, object]) -> dict[str, str]:
    """Session values (as `decode_state` returns them; the layer's keys all present) -> query
    parameters."""
    gy = state_upstream(state)
    return encode_fields(EXPLORER_FIELDS, {
        "x": state.get("grid"), **spec_link(spec_values(state)),
        "gy": None if gy == ONES else gy, "step": state.get("step"), "hide": state.get("hide"),
        "predict": bool(state.get("predict_on")),
        "base": state.get(BASE_KEY) == 1,
    })


def apply_url_state() -> list[str]:
    """On a session's first run: load the state a link carries. Returns notes to show.

    Each parameter is validated alone (`decode_state`); then grid and layer together: a
    layer that cannot pool the grid is dropped with a note, and the defaults stay.
    """
    ss = st.session_state
    query = take_link("")  # the Explorer is the default page: its path is ""
    if query is None:
        return ss.get("url_notes", [])
    fields, problems = decode_state(query)
    notes = note_texts(problems)
    grid = fields.pop("grid", None)
    params = {k: v for k, v in fields.items() if k in PARAM_DEFAULTS}
    others = {k: v for k, v in fields.items() if k not in PARAM_DEFAULTS}
    if grid is not None:
        set_grid(to_text(np.array(grid, dtype=np.float64)))
    try:
        spec = spec_from_state({**{k: ss[k] for k in PARAM_DEFAULTS}, **params})
        output_size((len(ss.grid_text), len(ss.grid_text[0])), spec)
    except PoolingError as e:
        notes.append(t("url.url_combo", reason=error_text(e)))
        params = {}
    ss.update({**params, **others})
    ss.url_notes = notes
    return notes


def current_query(x: np.ndarray, gy: np.ndarray, spec: PoolSpec) -> dict[str, str]:
    """The query parameters of the view on screen: the last valid x (H, W), dL/dy (OH, OW) and
    spec (never the half-typed widget values), the step, hide options and the language."""
    ss = st.session_state
    g = upstream_link(gy, ss)
    values = asdict(spec)
    if ss.get("layer") == "unpool" and isinstance(spec, PoolSpec):
        values["layer"] = "unpool"
    q = encode_fields(EXPLORER_FIELDS, {
        "x": x.tolist(), **spec_link(values), "gy": None if g == ONES else g,
        "step": ss.get("step", 0), "hide": ss.get("hide"), "predict": bool(ss.get("predict_on")),
        "base": ss.get(BASE_KEY) == 1,
    })
    q.update(app_params())  # base (already in its place) and the language
    return q


def share_controls(query: dict[str, str]) -> None:
    """'Share this exact view' for the Explorer, with both classroom hide options."""
    share_box(query, ("controls", "answers"))
