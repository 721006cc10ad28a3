"""The Next layer page's inputs: the pooling layer (a source grid, kernel, stride, mode), the
output cell to follow, the layer after the pool (a dense layer's W, b, dL/da or a
convolution's K, padding, dL/dY), and a classroom link applied to them.

Each input function draws its widgets and returns the numbers with the link fields they carry
(ui.links.urlstate.NEXT_FIELDS), or None after showing which cells are not numbers. The plain
values (DEFAULTS) are kept across pages by `ui.state.keep` (`keep_inputs`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from pooling_core import ACTIVATIONS, PoolingError, PoolSpec, output_size
from ui.errors import cell_error_text, error_text
from ui.format import index_base, ix
from ui.i18n import shape_words, t
from ui.links import pagelink
from ui.links.urlstate import NEXT_FIELDS, NEXT_SOURCES
from ui.state import keep
from ui.widgets.grid import PRESETS, grids_differ, parse_grid, preset_text, random_grid, to_text
from ui.widgets.inputs import grid_editor

SOURCES = list(NEXT_SOURCES)  # the presets without NaN/inf, and a seeded random grid
LAYERS = ("dense", "conv")  # the layers after the pool, one tab each
DEFAULTS: dict[str, object] = {
    "nl_source": "nonoverlap_4x4", "nl_kernel": 2, "nl_stride": 2, "nl_mode": "max",
    "nl_rand_rows": 4, "nl_rand_cols": 4, "nl_rand_seed": 0,
    "nl_m": 3, "nl_act": "relu", "nl_w_seed": 0,
    "nl_ksize": 2, "nl_pad_2": 1, "nl_pad_3": 1, "nl_k_seed": 0,
    "nl_dy_mode": "ones", "nl_dy_seed": 1, "nl_from": "dense",
}
# Link parameter -> session key, for the plain values (NEXT_FIELDS lists them all).
LINK_SCALARS = {
    "src": "nl_source", "rows": "nl_rand_rows", "cols": "nl_rand_cols", "rs": "nl_rand_seed",
    "k": "nl_kernel", "s": "nl_stride", "mode": "nl_mode", "m": "nl_m", "act": "nl_act",
    "ws": "nl_w_seed", "ck": "nl_ksize", "cs": "nl_k_seed", "dy": "nl_dy_mode",
    "dys": "nl_dy_seed", "from": "nl_from",
}
GRID_LINK_NAMES = {"dL/da": "da"}  # an editor's name in messages -> its link parameter


# ----------------------------------------------------------------- defaults and the link
def source_default(state: dict) -> list[list[str]]:
    """The input grid a source gives before any edit (a preset, or the seeded random grid)."""
    if state["nl_source"] == "random":
        return to_text(random_grid(int(state["nl_rand_rows"]), int(state["nl_rand_cols"]),
                                   int(state["nl_rand_seed"]), 0, 9, True))
    return preset_text(state["nl_source"])


def dense_defaults(m: int, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The seeded weights W (m, n) and bias (1, m) of the dense layer."""
    rng = np.random.default_rng(seed)
    return np.round(rng.uniform(-1, 1, size=(m, n)), 1), np.round(rng.uniform(-0.5, 0.5,
                                                                           size=(1, m)), 1)


def conv_default(k: int, seed: int) -> np.ndarray:
    """The seeded k x k convolution kernel (whole numbers -2..2)."""
    return np.random.default_rng(seed).integers(-2, 3, size=(k, k)).astype(np.float64)


def keep_inputs() -> None:
    """Every plain value kept across pages (ui.state.keep), after a classroom link opened on
    this page has been applied to them."""
    keep(DEFAULTS)
    if apply_link():
        keep(DEFAULTS)  # the link's values are the ones to keep


def apply_link() -> bool:
    """A classroom link opened on this page: check every value against the others, keep what
    fits (grids wait in nl_link_grids until their editor is drawn), and note the rest.
    Whether there was a link."""
    link = pagelink.load_fields("next_layer", NEXT_FIELDS)
    if not link:
        return False
    ss = st.session_state

    def note(name: str, code: str, **kw: object) -> None:
        pagelink.add_note("next_layer", t(f"url.{code}", name=name, **kw))

    trial = {key: ss[key] for key in DEFAULTS}
    trial.update({key: link[q] for q, key in LINK_SCALARS.items() if q in link})
    x_default = source_default(trial)
    x_shape = len(x_default), len(x_default[0])
    grids = {name: link[name] for name in ("x", "W", "b", "da", "K") if name in link}
    if "x" in grids and (len(grids["x"]), len(grids["x"][0])) != x_shape:
        note("x", "url_grid_size")
        del grids["x"]
    try:
        sizes = output_size(x_shape, PoolSpec(kernel_size=int(trial["nl_kernel"]),
                                             stride=int(trial["nl_stride"])))
    except PoolingError as e:
        pagelink.add_note("next_layer", t("url.url_combo", reason=error_text(e)))
        trial["nl_kernel"], trial["nl_stride"] = ss.nl_kernel, ss.nl_stride
        sizes = output_size(x_shape, PoolSpec(kernel_size=int(ss.nl_kernel),
                                             stride=int(ss.nl_stride)))
    n, m, k = sizes[0].size * sizes[1].size, int(trial["nl_m"]), int(trial["nl_ksize"])
    shapes = {"x": x_shape, "W": (m, n), "b": (1, m), "da": (1, m), "K": (k, k)}
    for name, rows in list(grids.items()):
        if (len(rows), len(rows[0])) != shapes[name]:
            note(name, "url_grid_size")
            del grids[name]
    if "cp" in link:
        if int(link["cp"]) <= k - 1:
            trial[f"nl_pad_{k}"] = int(link["cp"])
        else:
            note("cp", "url_number")
    if "cell" in link:
        if int(link["cell"]) < n:
            ss.nl_link_cell = int(link["cell"])
        else:
            note("cell", "url_number")
    for key in DEFAULTS:
        ss[key] = trial[key]
    ss.nl_link_grids = grids
    return True


def linked_default(name: str, key: str, default: list[list[str]]) -> list[list[str]]:
    """The text an editor starts from: the link's grid the first time the editor `key` is drawn
    after a link brought one (it stays bound to that key), else `default`."""
    ss = st.session_state
    bound = ss.setdefault("nl_bound_grids", {})
    pending = ss.get("nl_link_grids") or {}
    if name in pending:
        bound[key] = to_text(np.array(pending.pop(name), dtype=np.float64))
    return bound.get(key, default)


# ----------------------------------------------------------------- editors
def edit(key: str, default: list[list[str]], caption: str, what: str) -> np.ndarray | None:
    """A keyed grid editor; the numbers (float64, the shape of `default`), or None after
    showing which cells are not numbers. `what` names the editor in messages and, through
    GRID_LINK_NAMES, its link parameter (x, W, b, dL/da -> da, K)."""
    name = GRID_LINK_NAMES.get(what, what)
    arr, errors = parse_grid(grid_editor(key, linked_default(name, key, default), caption))
    if errors:
        shown = ", ".join(cell_error_text(e, "next.blank") for e in errors[:6])
        st.error(t("next.bad_cells", what=what, cells=shown), icon=":material/error:")
        return None
    return arr


def changed(values: np.ndarray, default: np.ndarray) -> list | None:
    """A grid for the link: its values when they differ from its default, else None."""
    return values.tolist() if grids_differ(values, default) else None


# ----------------------------------------------------------------- 1. the pooling layer
@dataclass(frozen=True)
class PoolInputs:
    """The pooling layer as chosen: x (H, W) float64, kernel, stride, mode ("max" / "avg"),
    and the link fields they carry."""

    x: np.ndarray
    kernel: int
    stride: int
    mode: str
    link: dict[str, object]


def _source_changed() -> None:
    """Callback: a preset brings its kernel, stride and mode."""
    ss = st.session_state
    preset = PRESETS.get(ss.nl_source)
    if preset is not None:
        ss.nl_kernel = int(preset.params["kernel_size"][0])
        ss.nl_stride = int(preset.params["stride"][0])
        ss.nl_mode = preset.params["mode"]


def pool_inputs() -> PoolInputs | None:
    """The source box across the page, then the input editor beside the pooling parameters
    (random grid size and seed, kernel, stride, mode). None when a cell of x is not a number."""
    ss = st.session_state
    # The source box spans the page: in the narrow column its name was cut in projector mode.
    st.selectbox(t("next.pool.source"), SOURCES, key="nl_source", on_change=_source_changed,
                 format_func=lambda k: t(f"next.preset.{k}"))
    link: dict[str, object] = {}
    c_in, c_par = st.columns([3, 2], gap="large")
    with c_par:
        if ss.nl_source == "random":
            r1, r2, r3 = st.columns(3)
            r1.number_input(t("next.pool.rows"), 2, 8, step=1, key="nl_rand_rows")
            r2.number_input(t("next.pool.cols"), 2, 8, step=1, key="nl_rand_cols")
            r3.number_input(t("next.seed"), 0, 9999, step=1, key="nl_rand_seed")
        p1, p2 = st.columns(2)
        p1.number_input(t("next.pool.kernel"), 1, 6, step=1, key="nl_kernel",
                        help=t("next.pool.kernel_help"))
        p2.number_input(t("next.pool.stride"), 1, 6, step=1, key="nl_stride",
                        help=t("next.pool.stride_help"))
        st.radio(t("next.pool.mode"), ("max", "avg"), key="nl_mode", horizontal=True,
                 format_func=lambda m: t(f"next.mode.{m}"))
    with c_in:
        x_text = source_default(ss)
        if ss.nl_source == "random":
            rows, cols, seed = int(ss.nl_rand_rows), int(ss.nl_rand_cols), int(ss.nl_rand_seed)
            x_key = f"nl_x_random_{rows}x{cols}_{seed}"
            link.update(rows=rows, cols=cols, rs=seed)
        else:
            x_key = f"nl_x_{ss.nl_source}"
        x = edit(x_key, x_text, t("next.pool.x_caption"), "x")
    if x is None:
        return None
    link.update(src=ss.nl_source, x=changed(x, parse_grid(x_text)[0]), k=int(ss.nl_kernel),
                s=int(ss.nl_stride), mode=ss.nl_mode)
    return PoolInputs(x, int(ss.nl_kernel), int(ss.nl_stride), str(ss.nl_mode), link)


def cell_choice(out_hw: tuple[int, int]) -> tuple[int, int]:
    """The output cell (r, c) of P (OH, OW) to follow; a link's cell is chosen once."""
    ss = st.session_state
    OH, OW = out_hw
    key = f"nl_cell_{OH}x{OW}"
    if "nl_link_cell" in ss:
        ss[key] = ss.pop("nl_link_cell")
    b = index_base()  # the option names P[r,c] and j in the session's base; keys stay 0-based
    st.selectbox(t("next.cell"), range(OH * OW), key=key,
                 format_func=lambda k: t("next.cell_option", r=k // OW + b, c=k % OW + b,
                                         j=k + b),
                 help=t("next_base.cell_help" if b else "next.cell_help"))
    r, c = divmod(int(ss[key]), OW)
    return r, c


# ----------------------------------------------------------------- 2. the next layer
def _layer_tab_changed() -> None:
    """Callback: the tab the student opened is the layer section 3 carries back (nl_from)."""
    ss = st.session_state
    labels = {t(f"next.tab.{v}"): v for v in LAYERS}
    ss.nl_from = labels.get(ss.get("nl_tab"), ss.nl_from)


def layer_tabs() -> list:
    """One tab per layer (LAYERS order). One choice, nl_from, drives both the open tab and
    section 3 (a link's `from` opens its tab)."""
    ss = st.session_state
    ss.nl_tab = t(f"next.tab.{ss.nl_from}")
    return st.tabs([t(f"next.tab.{v}") for v in LAYERS], key="nl_tab",
                   on_change=_layer_tab_changed)


@dataclass(frozen=True)
class DenseInputs:
    """The dense layer after the pool: W (m, n), bias (m,), dL/da (m,), the activation's name
    and the link fields they carry."""

    W: np.ndarray
    bias: np.ndarray
    grad_a: np.ndarray
    activation: str
    link: dict[str, object]


def dense_inputs(n: int) -> DenseInputs | None:
    """Activation, number of neurons m and weight seed, then the W (m, n), b and dL/da editors.
    None when a cell is not a number."""
    ss = st.session_state
    # The activation's name with its formula needs the width of two columns: in a third of
    # the page it was cut ("ReLU: f(z) = …") in projector mode.
    b, a, s = st.columns([2, 1, 1], vertical_alignment="bottom")
    b.selectbox(t("next.dense.activation"), ACTIVATIONS, key="nl_act",
                format_func=lambda k: t(f"next.act.{k}"))
    a.number_input(t("next.dense.m"), 1, 4, step=1, key="nl_m", help=t("next.dense.m_help"))
    s.number_input(t("next.dense.seed"), 0, 9999, step=1, key="nl_w_seed",
                   help=t("next.dense.seed_help"))
    m, seed = int(ss.nl_m), int(ss.nl_w_seed)
    W0, b0 = dense_defaults(m, n, seed)
    W = edit(f"nl_W_{m}x{n}_{seed}", to_text(W0), t("next.dense.W_caption", **shape_words(m, n)),
             "W")
    e1, e2 = st.columns(2)
    neurons = {"first": ix(0), "last": ix(m - 1)}  # i in the session's base, as the headers
    with e1:
        bias = edit(f"nl_b_{m}_{seed}", to_text(b0), t("next.dense.b_caption", **neurons), "b")
    with e2:
        da = edit(f"nl_da_{m}", [["1"] * m], t("next.dense.da_caption", **neurons), "dL/da")
    if W is None or bias is None or da is None:
        return None
    link = {"m": m, "act": ss.nl_act, "ws": seed, "W": changed(W, W0), "b": changed(bias, b0),
            "da": changed(da, np.ones((1, m)))}
    return DenseInputs(W, bias[0], da[0], str(ss.nl_act), link)


@dataclass(frozen=True)
class ConvInputs:
    """The convolution after the pool: K (k, k), padding, the seed of a random dL/dY (None:
    dL/dY is all ones) and the link fields they carry."""

    K: np.ndarray
    pad: int
    dy_seed: int | None
    link: dict[str, object]

    def grad_Y(self, shape: tuple[int, int]) -> np.ndarray:
        """dL/dY for an output Y of `shape`: ones, or seeded numbers -1..1 with one decimal."""
        if self.dy_seed is None:
            return np.ones(shape)
        return np.round(np.random.default_rng(self.dy_seed).uniform(-1, 1, size=shape), 1)


def conv_inputs() -> ConvInputs | None:
    """Kernel size, padding, kernel seed and dL/dY (ones or random, with its seed), then the
    K editor. None when a cell of K is not a number."""
    ss = st.session_state
    a, b, s, d = st.columns(4)
    a.radio(t("next.conv.ksize"), (2, 3), key="nl_ksize", horizontal=True,
            format_func=lambda k: f"{k}×{k}")
    k = int(ss.nl_ksize)
    b.number_input(t("next.conv.padding"), 0, k - 1, step=1, key=f"nl_pad_{k}",
                   help=t("next.conv.padding_help", km1=k - 1))
    s.number_input(t("next.conv.seed"), 0, 9999, step=1, key="nl_k_seed")
    d.radio(t("next.conv.dy"), ("ones", "random"), key="nl_dy_mode",
            format_func=lambda v: t(f"next.conv.dy_{v}"))
    if ss.nl_dy_mode == "random":
        d.number_input(t("next.seed"), 0, 9999, step=1, key="nl_dy_seed")
    pad, seed = int(ss[f"nl_pad_{k}"]), int(ss.nl_k_seed)
    K0 = conv_default(k, seed)
    K = edit(f"nl_K_{k}_{seed}", to_text(K0), t("next.conv.K_caption", k=k), "K")
    if K is None:
        return None
    dy_seed = int(ss.nl_dy_seed) if ss.nl_dy_mode == "random" else None
    link = {"ck": k, "cp": pad, "cs": seed, "K": changed(K, K0), "dy": ss.nl_dy_mode,
            "dys": dy_seed}
    return ConvInputs(K, pad, dy_seed, link)
