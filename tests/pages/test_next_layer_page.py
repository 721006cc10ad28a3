"""The Next layer page, run headless with AppTest.

Values the page shows (tables, written sums, heatmap cells) are compared with
pooling_core.upstream computed here, and with central finite differences of the whole
chain x -> pool -> next layer -> L, also computed here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from loop_reference import loop_pool_backward
from page_helpers import X6, chart_values, charts, grid_editor_data
from streamlit.testing.v1 import AppTest

from pooling_core import (
    PoolSpec,
    chain_to_input,
    conv_backward,
    dense_backward,
    pool_forward,
)
from ui.format import fmt
from ui.i18n import t
from ui.widgets.grid import PRESETS

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(ROOT / "app_pages" / "next_layer.py")
CATALOGUE = json.loads((ROOT / "ui" / "locales" / "en" / "next_layer.json").read_text("utf-8"))

X = np.array(PRESETS["nonoverlap_4x4"].grid, dtype=np.float64)  # the default input
SPEC = PoolSpec(kernel_size=2, stride=2, mode="max")
W = np.array([[0.5, -1.0, 0.25, 0.0],
              [-0.2, 0.1, 0.3, -0.4],
              [0.05, 0.05, -0.1, 0.2]])
B = np.array([-0.5, 0.5, -0.3])
DA = np.array([1.0, -2.0, 0.5])
K = np.array([[1.0, -2.0], [0.5, 3.0]])


def edits(values: np.ndarray) -> dict:
    """A grid-editor state that sets every cell of a 2-D array (as typed text)."""
    rows = {i: {str(j): repr(float(v)) for j, v in enumerate(row)}
            for i, row in enumerate(np.atleast_2d(values))}
    return {"edited_rows": rows}


def new_app(**state) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["nl_W_3x4_0"] = edits(W)
    at.session_state["nl_b_3_0"] = edits(B)
    at.session_state["nl_da_3"] = edits(DA)
    at.session_state["nl_K_2_0"] = edits(K)
    for key, value in state.items():
        at.session_state[key] = value
    return at


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, at.exception
    return at


def markdown_with(at: AppTest, start: str) -> str:
    hits = [m.value for m in at.markdown if m.value.startswith(start)]
    assert len(hits) == 1, (start, [m.value[:60] for m in at.markdown])
    return hits[0]


def numeric_grad(fun, x: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    x = np.array(x, dtype=np.float64)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + eps
        hi = fun(x)
        x[idx] = old - eps
        lo = fun(x)
        x[idx] = old
        g[idx] = (hi - lo) / (2 * eps)
    return g


def pool(x: np.ndarray) -> np.ndarray:
    """2x2 / stride 2 max pooling written here (for the finite differences)."""
    return x.reshape(2, 2, 2, 2).max(axis=(1, 3))


def dense_loss(P: np.ndarray) -> float:
    return float(DA @ np.maximum(W @ P.ravel() + B, 0.0))


def conv_loss(P: np.ndarray, delta: np.ndarray, pad: int) -> float:
    Pp = np.pad(P, pad)
    kh, kw = K.shape
    Y = np.array([[np.sum(Pp[u : u + kh, v : v + kw] * K)
                   for v in range(Pp.shape[1] - kw + 1)]
                  for u in range(Pp.shape[0] - kh + 1)])
    return float(np.sum(delta * Y))


def all_text(at: AppTest) -> list[str]:
    texts = [e.value for kind in ("markdown", "caption", "error", "info", "warning",
                                  "subheader", "title") for e in getattr(at, kind)]
    for kind in ("selectbox", "radio", "number_input"):
        texts += [w.label for w in getattr(at, kind)]
    texts += [str(o) for w in at.selectbox for o in w.options]
    return texts


# --------------------------------------------------------------------------- dense
def test_default_page_dense_values_match_core_and_finite_differences():
    at = run(new_app())
    assert not at.error
    P = pool_forward(X, SPEC).output
    np.testing.assert_array_equal(chart_values(at, "nl_fig_P"), P)
    res = dense_backward(P, W, B, "relu", DA)

    table = at.table[0].value
    assert list(table.iloc[:, 0]) == [fmt(v) for v in res.z]
    assert list(table.iloc[:, 1]) == [fmt(v) for v in res.a]
    assert list(table.iloc[:, 2]) == [fmt(v) for v in res.fprime]
    assert list(table.iloc[:, 4]) == [fmt(v) for v in res.grad_z]

    np.testing.assert_allclose(chart_values(at, "nl_fig_terms"), res.terms)
    shown = chart_values(at, "nl_fig_dense_grad")
    np.testing.assert_allclose(shown, res.grad_P)
    np.testing.assert_allclose(shown, numeric_grad(dense_loss, P), rtol=1e-6, atol=1e-8)

    text = markdown_with(at, "**dL/dP[0,0]** = Σᵢ")
    assert text.endswith(f"= **{fmt(res.grad_P[0, 0])}**")
    assert " + ".join(fmt(v) if v >= 0 else f"({fmt(v)})" for v in res.terms[:, 0]) in text


def test_dense_other_cell_and_activation():
    at = run(new_app(nl_act="tanh", nl_cell_2x2=3))
    P = pool_forward(X, SPEC).output
    res = dense_backward(P, W, B, "tanh", DA)
    text = markdown_with(at, "**dL/dP[1,1]** = Σᵢ")
    assert "Wᵢ,3" in text and text.endswith(f"= **{fmt(res.grad_P[1, 1])}**")
    np.testing.assert_allclose(chart_values(at, "nl_fig_dense_grad"), res.grad_P)
    # the pooled neurons get different gradients
    assert len(np.unique(np.round(res.grad_P, 12))) == 4


# --------------------------------------------------------------------------- conv + back
@pytest.mark.parametrize("pad", [0, 1])
def test_conv_values_match_core_and_chain_matches_finite_differences(pad):
    at = run(new_app(nl_pad_2=pad, nl_dy_mode="random", nl_from="conv", nl_cell_2x2=1))
    assert not at.error
    P = pool_forward(X, SPEC).output
    # dL/dY is shown: read it back, then recompute everything here
    delta = chart_values(at, "nl_fig_conv_dY")
    res = conv_backward(P, K, pad, delta)
    np.testing.assert_allclose(chart_values(at, "nl_fig_conv_Y"), res.Y)
    shown = chart_values(at, "nl_fig_conv_grad")
    np.testing.assert_allclose(shown, res.grad_P)
    np.testing.assert_allclose(shown, numeric_grad(lambda q: conv_loss(q, delta, pad), P),
                               rtol=1e-6, atol=1e-8)

    text = markdown_with(at, "**dL/dP[0,1]** = Σ δ[u,v]")
    terms = res.cell_terms(0, 1)
    names = " + ".join(f"δ[{m.u},{m.v}] · K[{m.kr},{m.kc}]" for m in terms)
    assert names in text and text.endswith(f"= **{fmt(res.grad_P[0, 1])}**")

    # back through the pool, from the convolution
    gx = chart_values(at, "nl_fig_back_gx")
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gP"), res.grad_P)
    np.testing.assert_allclose(gx, chain_to_input(X, SPEC, res.grad_P))
    num = numeric_grad(lambda q: conv_loss(pool(q), delta, pad), X)
    np.testing.assert_allclose(gx, num, rtol=1e-6, atol=1e-8)


def test_back_through_the_pool_from_dense_avg():
    spec = PoolSpec(kernel_size=2, stride=2, mode="avg")
    at = run(new_app(nl_mode="avg"))
    P = pool_forward(X, spec).output
    np.testing.assert_allclose(chart_values(at, "nl_fig_P"), P)
    res = dense_backward(P, W, B, "relu", DA)
    gx = chart_values(at, "nl_fig_back_gx")
    np.testing.assert_allclose(gx, chain_to_input(X, spec, res.grad_P))

    def loss(q):
        return dense_loss(q.reshape(2, 2, 2, 2).mean(axis=(1, 3)))

    np.testing.assert_allclose(gx, numeric_grad(loss, X), rtol=1e-6, atol=1e-8)
    assert any("/ 4" in m.value for m in at.markdown)


def loop_max_pool(x: np.ndarray, k: int, s: int) -> np.ndarray:
    """k x k / stride s max pooling without padding, written here with loops."""
    oh, ow = (x.shape[0] - k) // s + 1, (x.shape[1] - k) // s + 1
    return np.array([[x[i * s:i * s + k, j * s:j * s + k].max() for j in range(ow)]
                     for i in range(oh)])


def loop_conv(P: np.ndarray, K: np.ndarray, pad: int) -> np.ndarray:
    """Y = P (zero-padded by `pad`) cross-correlated with K, written here with loops."""
    Pp = np.pad(P, pad)
    k = K.shape[0]
    return np.array([[np.sum(Pp[u:u + k, v:v + k] * K) for v in range(Pp.shape[1] - k + 1)]
                     for u in range(Pp.shape[0] - k + 1)])


def editor_grid(at: AppTest, key: str) -> np.ndarray:
    """The numbers an input editor starts from (the page's inputs, not its results)."""
    return np.array(grid_editor_data(at, key)["rows"], dtype=np.float64)


def table_numbers(at: AppTest) -> np.ndarray:
    """The dense table (m rows: z, a, f'(z), dL/da, dL/dz) read back as numbers."""
    return at.table[0].value.map(float).to_numpy()


def test_overlap_preset_hand_worked_values():
    """overlap_6x6 (written out in tests/page_helpers.py), kernel 3, stride 1, one ReLU neuron
    with the page's seeded W and b (read off the editors); every number worked out by hand.

    P = [[9,9,9,6], [9,9,9,8], [9,9,9,8], [7,8,8,8]] (the 9 at x[2,2] is in the first nine
    windows). z = W p + b = -15.9 + 18.4 + 6.4 - 3.1 (row by row) + 0.4 = 6.2 > 0, so
    f'(z) = 1, dL/dz = dL/da = 1 and dL/dP = W as a 4 x 4 grid. Back through the pool every
    window sends its dL/dP to its maximum: x[2,2] gets the sum of the nine 9-windows' entries
    (2.1), x[2,3] (the 6) gets -1, x[5,1] (the 7) 0.7, and x[3,3] (the 8 of the other five
    windows) 0.5 - 1 - 0.9 + 0.5 - 0.6 = -1.5. The 2 x 2 kernel with padding 1 touches every
    P cell with each of its four weights: with dL/dY = 1, dL/dP = sum(K) everywhere.
    """
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in {"nl_source": "overlap_6x6", "nl_kernel": 3, "nl_stride": 1,
                       "nl_m": 1}.items():
        at.session_state[key] = value
    at = run(at)
    assert not at.error, [e.value for e in at.error]
    np.testing.assert_array_equal(editor_grid(at, "nl_x_overlap_6x6"), X6)
    P = np.array([[9, 9, 9, 6], [9, 9, 9, 8], [9, 9, 9, 8], [7, 8, 8, 8]], dtype=np.float64)
    np.testing.assert_array_equal(chart_values(at, "nl_fig_P"), P)
    W = editor_grid(at, "nl_W_1x16_0")
    np.testing.assert_array_equal(W, [[0.3, -0.5, -0.9, -1, 0.6, 0.8, 0.2, 0.5,
                                       0.1, 0.9, 0.6, -1, 0.7, -0.9, 0.5, -0.6]])
    assert editor_grid(at, "nl_b_1_0").tolist() == [[0.4]]
    np.testing.assert_allclose(table_numbers(at), [[6.2, 6.2, 1, 1, 1]])
    grad_P = W.reshape(4, 4)  # dL/dz = 1
    np.testing.assert_allclose(chart_values(at, "nl_fig_dense_grad"), grad_P)
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gP"), grad_P)
    grad_x = np.zeros((6, 6))
    grad_x[2, 2], grad_x[2, 3], grad_x[3, 3], grad_x[5, 1] = 2.1, -1.0, -1.5, 0.7
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gx"), grad_x, atol=1e-12)

    K = editor_grid(at, "nl_K_2_0")
    Y = chart_values(at, "nl_fig_conv_Y")
    assert Y.shape == (5, 5)
    assert Y[0, 0] == K[1, 1] * P[0, 0] and Y[4, 4] == K[0, 0] * P[3, 3]  # corners: one tap
    np.testing.assert_allclose(Y, loop_conv(P, K, 1))
    np.testing.assert_allclose(chart_values(at, "nl_fig_conv_grad"), np.full((4, 4), K.sum()))


def test_random_grid_sigmoid_values_from_an_independent_computation():
    """A seeded random 5 x 6 grid, kernel 2, stride 2 (the last row is in no window), four
    sigmoid neurons, a 3 x 3 kernel with padding 2: the page's inputs read off its editors,
    every result computed here with loops and NumPy formulas."""
    state = {"nl_source": "random", "nl_rand_rows": 5, "nl_rand_cols": 6, "nl_m": 4,
             "nl_act": "sigmoid", "nl_ksize": 3, "nl_pad_3": 2}
    at = AppTest.from_file(PAGE, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at = run(at)
    assert not at.error, [e.value for e in at.error]
    x = editor_grid(at, "nl_x_random_5x6_0")
    assert x.shape == (5, 6)
    P = loop_max_pool(x, 2, 2)
    np.testing.assert_array_equal(chart_values(at, "nl_fig_P"), P)

    W, b = editor_grid(at, "nl_W_4x6_0"), editor_grid(at, "nl_b_4_0")[0]
    da = editor_grid(at, "nl_da_4")[0]
    np.testing.assert_array_equal(da, np.ones(4))
    z = np.array([sum(W[i, q] * P.flat[q] for q in range(6)) + b[i] for i in range(4)])
    a = 1.0 / (1.0 + np.exp(-z))
    fprime = a * (1.0 - a)
    grad_z = da * fprime
    table = table_numbers(at)
    assert table.shape == (4, 5)
    np.testing.assert_allclose(table, np.stack([z, a, fprime, da, grad_z], axis=1),
                               rtol=1e-3)  # the table shows four significant digits
    grad_P = np.array([sum(W[i, q] * grad_z[i] for i in range(4)) for q in range(6)])
    grad_P = grad_P.reshape(2, 3)
    np.testing.assert_allclose(chart_values(at, "nl_fig_dense_grad"), grad_P, rtol=1e-12)
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gP"), grad_P, rtol=1e-12)
    grad_x = loop_pool_backward(x, grad_P, kernel_size=2, stride=2)
    assert not grad_x[4].any()  # the last row is in no window
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gx"), grad_x, rtol=1e-12)

    # padding 2 = k - 1: each P cell meets all nine weights, so dL/dP = sum(K) with dL/dY = 1
    K = editor_grid(at, "nl_K_3_0")
    np.testing.assert_allclose(chart_values(at, "nl_fig_conv_Y"), loop_conv(P, K, 2))
    np.testing.assert_allclose(chart_values(at, "nl_fig_conv_grad"), np.full((2, 3), K.sum()))


# --------------------------------------------------------------------------- bad input
def test_non_numeric_weight_cell_shows_an_error_not_a_traceback():
    at = new_app()
    at.session_state["nl_W_3x4_0"] = {"edited_rows": {1: {"2": "abc"}}}
    at = run(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "W" in errors[0] and "(1,2)" in errors[0] and "abc" in errors[0]
    assert any("fix the error" in i.value for i in at.info)  # back section waits for dense
    assert chart_values(at, "nl_fig_conv_grad").shape == (2, 2)  # the conv tab still works


def test_non_numeric_input_cell_stops_cleanly():
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["nl_x_nonoverlap_4x4"] = {"edited_rows": {0: {"0": ""}}}
    at = run(at)
    assert len(at.error) == 1 and "(0,0)" in at.error[0].value
    assert not charts(at)


@pytest.mark.parametrize("state,needle", [
    ({"nl_ksize": 3, "nl_pad_3": 0}, "does not fit"),
    ({"nl_K_2_0": {"edited_rows": {0: {"0": "nan"}}}},
     "finite"),
    ({"nl_kernel": 5}, "window"),
])
def test_core_errors_are_shown_as_messages(state, needle):
    at = run(new_app(**state))
    assert at.error and any(needle in e.value for e in at.error), [e.value for e in at.error]


# --------------------------------------------------------------------------- keys and texts
def test_keys_are_prefixed_unique_and_every_text_is_translated():
    at = run(new_app(nl_dy_mode="random"))
    keys = [w.key for kind in ("selectbox", "radio", "number_input") for w in getattr(at, kind)]
    keys += list(charts(at))
    assert keys and all(k.startswith("nl_") for k in keys)
    assert len(keys) == len(set(keys))
    assert len(charts(at)) == 13
    missing = [s for s in all_text(at) if re.search(r"\bnext\.[a-z_]+", s)]
    assert not missing
    assert "nav.next_layer" in CATALOGUE
    assert all(k == "nav.next_layer" or k.startswith("next.") for k in CATALOGUE)


# --------------------------------------------------------------------------- the layer choice
@pytest.mark.parametrize("layer, grad_key", [("dense", "nl_fig_dense_grad"),
                                             ("conv", "nl_fig_conv_grad")])
def test_the_open_tab_is_the_layer_section_3_carries_back(layer, grad_key):
    """One choice, nl_from: it opens its tab in section 2 (nl_tab, the tabs' state) and section
    3 carries that layer's dL/dP (before: a separate radio, and on the Convolution tab section 3
    showed the dense numbers). Clicking a tab sets nl_from (browser test)."""
    at = run(new_app(nl_from=layer))
    assert at.session_state["nl_tab"] == t(f"next.tab.{layer}")
    assert "nl_from" not in [w.key for w in at.radio]  # no second control for the choice
    np.testing.assert_allclose(chart_values(at, "nl_fig_back_gP"), chart_values(at, grad_key))
    assert t("next.back.source", layer=t(f"next.tab.{layer}")) in [m.value for m in at.markdown]


# --------------------------------------------------------------------------- a page visit
def test_values_survive_a_visit_to_another_page(tmp_path: Path):
    """The pooling layer, the activation and the layer carried back are kept (ui.state.keep)
    when the student visits another page and comes back."""
    (tmp_path / "app_pages").symlink_to(ROOT / "app_pages", target_is_directory=True)
    (tmp_path / "nav.py").write_text(
        "import streamlit as st\n"
        'st.navigation([st.Page("app_pages/next_layer.py", default=True), '
        'st.Page("app_pages/theory.py")]).run()\n')
    at = AppTest.from_file(str(tmp_path / "nav.py"), default_timeout=60)
    at = run(at)
    at.number_input(key="nl_kernel").set_value(1).run()
    at.radio(key="nl_mode").set_value("avg").run()
    at.selectbox(key="nl_act").set_value("tanh").run()
    at.session_state["nl_from"] = "conv"
    at = run(at)
    at.switch_page("app_pages/theory.py").run()
    at.switch_page("app_pages/next_layer.py").run()
    assert not at.exception
    assert at.number_input(key="nl_kernel").value == 1
    assert at.radio(key="nl_mode").value == "avg"
    assert at.selectbox(key="nl_act").value == "tanh"
    assert at.session_state["nl_tab"] == t("next.tab.conv")
    # kernel 1, stride 2: P is every other cell of x
    np.testing.assert_array_equal(chart_values(at, "nl_fig_P"), X[::2, ::2])
