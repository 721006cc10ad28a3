"""Next layer: where the upstream gradient dL/dP comes from when a dense or conv layer follows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pooling_core import (
    ACTIVATIONS,
    PoolingError,
    PoolSpec,
    chain_to_input,
    conv_backward,
    conv_forward,
    dense_backward,
    output_size,
    pool_backward,
    pool_forward,
)
from ui.format import fmt
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import NEXT_FIELDS, NEXT_SOURCES, encode_fields
from ui.views import figures
from ui.views.charts import chart
from ui.views.projector import projector_on
from ui.widgets.controls import cell_error_text, error_text, grid_editor
from ui.widgets.grid import (
    PRESETS,
    CellError,
    grids_differ,
    parse_grid,
    preset_text,
    random_grid,
    to_text,
)

SOURCES = list(NEXT_SOURCES)  # the presets without NaN/inf, and a seeded random grid
DEFAULTS: dict[str, object] = {
    "nl_source": "nonoverlap_4x4", "nl_kernel": 2, "nl_stride": 2, "nl_mode": "max",
    "nl_rand_rows": 4, "nl_rand_cols": 4, "nl_rand_seed": 0,
    "nl_m": 3, "nl_act": "relu", "nl_w_seed": 0,
    "nl_ksize": 2, "nl_pad_2": 1, "nl_pad_3": 1, "nl_k_seed": 0,
    "nl_dy_mode": "ones", "nl_dy_seed": 1, "nl_from": "dense",
}

# Link parameter -> session key, for the plain values
# (ui.links.urlstate.NEXT_FIELDS lists them all).
LINK_SCALARS = {
    "src": "nl_source", "rows": "nl_rand_rows", "cols": "nl_rand_cols", "rs": "nl_rand_seed",
    "k": "nl_kernel", "s": "nl_stride", "mode": "nl_mode", "m": "nl_m", "act": "nl_act",
    "ws": "nl_w_seed", "ck": "nl_ksize", "cs": "nl_k_seed", "dy": "nl_dy_mode",
    "dys": "nl_dy_seed", "from": "nl_from",
}

ss = st.session_state
for _k, _v in DEFAULTS.items():
    ss[_k] = ss.get(_k, _v)  # re-written each run: a widget's value would be forgotten
projector = projector_on()


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


def apply_link() -> None:
    """A classroom link opened on this page: check every value against the others, keep what
    fits (grids wait in nl_link_grids until their editor is drawn), and note the rest."""
    link = pagelink.load_fields("next_layer", NEXT_FIELDS)
    if not link:
        return

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


def linked_default(name: str, key: str, default: list[list[str]]) -> list[list[str]]:
    """The text an editor starts from: the link's grid the first time the editor `key` is drawn
    after a link brought one (it stays bound to that key), else `default`."""
    bound = ss.setdefault("nl_bound_grids", {})
    pending = ss.get("nl_link_grids") or {}
    if name in pending:
        bound[key] = to_text(np.array(pending.pop(name), dtype=np.float64))
    return bound.get(key, default)


apply_link()
link_state: dict[str, object] = {}  # what the link to this view carries, filled as we go


# ----------------------------------------------------------------- small helpers
def show_error(e: PoolingError) -> None:
    """A core error in the user's language (this page's texts first, then the shared ones)."""
    text = t(f"next.error.{e.code}", **e.params)
    if text == f"next.error.{e.code}":
        text = error_text(e)
    st.error(text, icon=":material/error:")


def cells_error(what: str, errors: list[CellError]) -> None:
    shown = ", ".join(
        cell_error_text(e, "next.blank")
        for e in errors[:6]
    )
    st.error(t("next.bad_cells", what=what, cells=shown), icon=":material/error:")


def edit(key: str, default: list[list[str]], caption: str, what: str) -> np.ndarray | None:
    """A keyed grid editor; the numbers, or None after showing which cells are not numbers.

    `what` also names the editor's link parameter (x, W, b, dL/da -> da, K)."""
    name = "da" if what == "dL/da" else what
    arr, errors = parse_grid(grid_editor(key, linked_default(name, key, default), caption))
    if errors:
        cells_error(what, errors)
        return None
    return arr


def num(v: float) -> str:
    """A number inside a written sum: negatives in parentheses."""
    s = fmt(v)
    return f"({s})" if v < 0 else s


def three_slots() -> list:
    """Three figures side by side; in projector mode two and one below (in a third of the
    page at 1024 px, a padded P's numbers came out about 10 px)."""
    if not projector:
        return st.columns(3, gap="medium")
    return [*st.columns(2, gap="medium"), st.columns(2, gap="medium")[0]]


def cell_mask(shape: tuple[int, int], cells: list[tuple[int, int]]) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for r, c in cells:
        mask[r, c] = True
    return mask


def source_changed() -> None:
    """Callback: a preset brings its kernel, stride and mode."""
    preset = PRESETS.get(ss.nl_source)
    if preset is not None:
        ss.nl_kernel = int(preset.params["kernel"][0])
        ss.nl_stride = int(preset.params["stride"][0])
        ss.nl_mode = preset.params["mode"]


st.title(t("next.title"))
st.markdown(t("next.intro"))
pagelink.show_notes("next_layer")

# ----------------------------------------------------------------- 1. the pooling layer
st.subheader(t("next.pool.header"))
# The source box spans the page: in the narrow column its name was cut in projector mode.
st.selectbox(t("next.pool.source"), SOURCES, key="nl_source", on_change=source_changed,
             format_func=lambda k: t(f"next.preset.{k}"))
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
        link_state.update(rows=rows, cols=cols, rs=seed)
    else:
        x_key = f"nl_x_{ss.nl_source}"
    x = edit(x_key, x_text, t("next.pool.x_caption"), "x")
if x is None:
    st.stop()

try:
    spec = PoolSpec(kernel_size=int(ss.nl_kernel), stride=int(ss.nl_stride), mode=ss.nl_mode)
    P = pool_forward(x, spec).output
except PoolingError as e:
    show_error(e)
    st.stop()
OH, OW = P.shape
n = P.size
x0, _ = parse_grid(x_text)
link_state.update(src=ss.nl_source, x=x.tolist() if grids_differ(x, x0) else None,
                  k=int(ss.nl_kernel), s=int(ss.nl_stride), mode=ss.nl_mode)
if "nl_link_cell" in ss:
    ss[f"nl_cell_{OH}x{OW}"] = ss.pop("nl_link_cell")

st.selectbox(t("next.cell"), range(n), key=f"nl_cell_{OH}x{OW}",
             format_func=lambda k: t("next.cell_option", r=k // OW, c=k % OW, j=k),
             help=t("next.cell_help"))
j = int(ss[f"nl_cell_{OH}x{OW}"])
link_state["cell"] = j
r, c = divmod(j, OW)
chosen = cell_mask((OH, OW), [(r, c)])

c1, c2 = st.columns(2, gap="large")
with c1:
    chart(figures.heatmap(x, t("next.fig.x"), name="x", projector=projector),
          "nl_fig_x", t("next.alt.x", h=x.shape[0], w=x.shape[1]))
with c2:
    chart(figures.heatmap(P, t("next.fig.P"), name="P",
                          marked=chosen, projector=projector),
          "nl_fig_P", t("next.alt.P", oh=OH, ow=OW, r=r, c=c))
st.caption(t("next.pool.figs", mode=t(f"next.mode.{spec.mode}"), r=r, c=c))
if not np.isfinite(P).all():
    st.warning(t("next.pool.non_finite"), icon=":material/warning:")

grads: dict[str, np.ndarray | None] = {"dense": None, "conv": None}
LAYERS = ("dense", "conv")


def layer_tab_changed() -> None:
    """Callback: the tab the student opened is the layer section 3 carries back (nl_from)."""
    labels = {t(f"next.tab.{v}"): v for v in LAYERS}
    ss.nl_from = labels.get(ss.get("nl_tab"), ss.nl_from)


st.subheader(t("next.layer.header"))
st.caption(t("next.layer.explain"))
# One choice, nl_from, drives both the open tab and section 3 (a link's `from` opens its tab).
# Both tabs are still computed on every run: the other tab's edits and link values stay.
ss.nl_tab = t(f"next.tab.{ss.nl_from}")
tab_dense, tab_conv = st.tabs([t(f"next.tab.{v}") for v in LAYERS], key="nl_tab",
                              on_change=layer_tab_changed)


# ----------------------------------------------------------------- 2a. dense layer
def dense_tab() -> np.ndarray | None:
    st.markdown(t("next.dense.explain", n=n, oh=OH, ow=OW))
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
    W = edit(f"nl_W_{m}x{n}_{seed}", to_text(W0), t("next.dense.W_caption", m=m, n=n), "W")
    e1, e2 = st.columns(2)
    with e1:
        bias = edit(f"nl_b_{m}_{seed}", to_text(b0), t("next.dense.b_caption", last=m - 1), "b")
    with e2:
        da = edit(f"nl_da_{m}", [["1"] * m], t("next.dense.da_caption", last=m - 1), "dL/da")
    if W is None or bias is None or da is None:
        return None
    link_state.update(m=m, act=ss.nl_act, ws=seed,
                      W=W.tolist() if grids_differ(W, W0) else None,
                      b=bias.tolist() if grids_differ(bias, b0) else None,
                      da=da.tolist() if grids_differ(da, np.ones((1, m))) else None)
    try:
        res = dense_backward(P, W, bias[0], ss.nl_act, da[0])
    except PoolingError as e:
        show_error(e)
        return None

    st.markdown(f"**{t('next.dense.forward_header')}**")
    table = pd.DataFrame(
        {
            t("next.dense.col_z"): [fmt(v) for v in res.z],
            t("next.dense.col_a"): [fmt(v) for v in res.a],
            t("next.dense.col_fprime"): [fmt(v) for v in res.fprime],
            t("next.dense.col_delta"): [fmt(v) for v in res.delta],
            t("next.dense.col_grad_z"): [fmt(v) for v in res.grad_z],
        },
        index=pd.Index([str(i) for i in range(m)], name="i"),
    )
    st.table(table)
    off = [str(i) for i in np.flatnonzero(res.fprime == 0)]
    if off:
        st.caption(t("next.dense.off", neurons=", ".join(off)))

    products = " + ".join(
        t("next.dense.term_product", d=num(res.delta[i]), f=num(res.fprime[i]),
          w=num(W[i, j]))
        for i in range(m)
    )
    terms = " + ".join(num(v) for v in res.terms[:, j])
    st.markdown(t("next.dense.sum", r=r, c=c, j=j, products=products, terms=terms,
                  total=fmt(res.grad_P[r, c])))
    col = np.zeros(res.terms.shape, dtype=bool)
    col[:, j] = True
    h1, h2 = st.columns(2, gap="large")
    with h1:
        chart(figures.heatmap(res.terms, t("next.fig.terms"), kind="grad",
                              name=t("next.dense.terms_name"), marked=col, projector=projector),
              "nl_fig_terms", t("next.alt.terms", m=m, n=n, j=j))
    with h2:
        chart(figures.heatmap(res.grad_P, t("next.fig.grad_P"), kind="grad",
                              name="dL/dP", marked=chosen, projector=projector),
              "nl_fig_dense_grad", t("next.alt.grad_P", oh=OH, ow=OW))
    st.caption(t("next.dense.figs", r=r, c=c, j=j))
    st.info(t("next.dense.different"), icon=":material/lightbulb:")
    return res.grad_P


# ----------------------------------------------------------------- 2b. convolution
def conv_tab() -> np.ndarray | None:
    st.markdown(t("next.conv.explain"))
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
    link_state.update(ck=k, cp=pad, cs=seed, K=K.tolist() if grids_differ(K, K0) else None,
                      dy=ss.nl_dy_mode,
                      dys=int(ss.nl_dy_seed) if ss.nl_dy_mode == "random" else None)
    try:
        Y = conv_forward(P, K, pad)
        if ss.nl_dy_mode == "ones":
            delta = np.ones(Y.shape)
        else:
            rng = np.random.default_rng(int(ss.nl_dy_seed))
            delta = np.round(rng.uniform(-1, 1, size=Y.shape), 1)
        res = conv_backward(P, K, pad, delta)
    except PoolingError as e:
        show_error(e)
        return None
    YH, YW = Y.shape
    terms = res.cell_terms(r, c)
    touching = cell_mask(Y.shape, [(tm.u, tm.v) for tm in terms])
    k_used = cell_mask(K.shape, [(tm.kr, tm.kc) for tm in terms])

    st.markdown(t("next.conv.shapes", oh=OH, ow=OW, p=pad, k=k, yh=YH, yw=YW))
    h1, h2, h3 = three_slots()
    with h1:
        chart(figures.heatmap(P, t("next.fig.pad_P"), name="P", marked=chosen,
                              pad=(pad, pad, pad, pad), projector=projector),
              "nl_fig_conv_P", t("next.alt.conv_P", p=pad, r=r, c=c))
    with h2:
        chart(figures.heatmap(K, t("next.fig.K"), name="K", marked=k_used,
                              projector=projector),
              "nl_fig_conv_K", t("next.alt.K", k=k))
    with h3:
        chart(figures.heatmap(res.Y, t("next.fig.Y"), name="Y", marked=touching,
                              projector=projector),
              "nl_fig_conv_Y", t("next.alt.Y", yh=YH, yw=YW))
    st.caption(t("next.conv.figs", p=pad, r=r, c=c))

    names = " + ".join(t("next.conv.term_name", u=tm.u, v=tm.v, kr=tm.kr, kc=tm.kc)
                       for tm in terms)
    products = " + ".join(t("next.conv.term_product", d=num(tm.delta), w=num(tm.weight))
                          for tm in terms)
    values = " + ".join(num(tm.product) for tm in terms)
    st.markdown(t("next.conv.touching", r=r, c=c, count=len(terms)))
    st.markdown(t("next.conv.sum", r=r, c=c, p=pad, names=names, products=products,
                  values=values, total=fmt(res.grad_P[r, c])))

    h1, h2, h3 = three_slots()
    with h1:
        chart(figures.heatmap(res.delta, t("next.fig.dY"), kind="grad", name="dL/dY",
                              marked=touching, projector=projector),
              "nl_fig_conv_dY", t("next.alt.dY", yh=YH, yw=YW))
    with h2:
        kh, kw = K.shape
        inner = (kh - 1, kw - 1, kh - 1 + YH - 1, kw - 1 + YW - 1)
        chart(figures.heatmap(res.delta_full, t("next.fig.full"),
                              kind="grad", name="dL/dY", rects=[res.window_in_full(r, c)],
                              thin_rects=[inner], projector=projector),
              "nl_fig_conv_full", t("next.alt.full", r=r, c=c))
    with h3:
        chart(figures.heatmap(res.K_flipped, t("next.fig.flip"), name="K_flip",
                              projector=projector),
              "nl_fig_conv_flip", t("next.alt.flip", k=k))
    st.markdown(t("next.conv.full_explain", p=pad, km1=k - 1, r=r, c=c))
    chart(figures.heatmap(res.grad_P, t("next.fig.grad_P"), kind="grad", name="dL/dP",
                          marked=chosen, projector=projector),
          "nl_fig_conv_grad", t("next.alt.grad_P", oh=OH, ow=OW))
    return res.grad_P


with tab_dense:
    grads["dense"] = dense_tab()
with tab_conv:
    grads["conv"] = conv_tab()

# ----------------------------------------------------------------- 3. back through the pool
st.subheader(t("next.back.header"))
st.markdown(t("next.back.source", layer=t(f"next.tab.{ss.nl_from}")))
grad_pooled = grads[ss.nl_from]
if grad_pooled is None:
    st.info(t("next.back.unavailable"), icon=":material/info:")
    st.stop()
try:
    grad_x = chain_to_input(x, spec, grad_pooled)
    one_hot = np.zeros(P.shape)
    one_hot[r, c] = 1.0
    receivers = pool_backward(x, one_hot, spec) != 0
except PoolingError as e:
    show_error(e)
    st.stop()
st.markdown(t(f"next.back.sentence_{spec.mode}", r=r, c=c, g=fmt(grad_pooled[r, c]),
              k=spec.k[0], kk=spec.k[0] * spec.k[1]))
b1, b2 = st.columns(2, gap="large")
with b1:
    chart(figures.heatmap(grad_pooled, t("next.fig.grad_P"),
                          kind="grad", name="dL/dP", marked=chosen, projector=projector),
          "nl_fig_back_gP", t("next.alt.grad_P", oh=OH, ow=OW))
with b2:
    chart(figures.heatmap(grad_x, t("next.fig.grad_x"), kind="grad", name="dL/dx",
                          marked=receivers, projector=projector),
          "nl_fig_back_gx", t("next.alt.grad_x", h=x.shape[0], w=x.shape[1], r=r, c=c))
st.caption(t("next.back.figs", layer=t(f"next.tab.{ss.nl_from}"), r=r, c=c))
st.caption(t("next.back.caption"))

# ----------------------------------------------------------------- the link to this view
link_state["from"] = ss.nl_from
query = encode_fields(NEXT_FIELDS, link_state)
pagelink.publish(query)
with st.sidebar:
    pagelink.share_box(query, note="classroom.share_note.next")
