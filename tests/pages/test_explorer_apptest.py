"""The Explorer page driven through Streamlit's AppTest, checked against independent numbers.

Every test compares what the page shows (session_state.last_valid, markdown, messages, the
Plotly figures' cell texts, the step player's payload) with pooling_core called here or with
numbers worked out by hand in the comments. Grid edits are seeded through the grid editor's
session-state key (AppTest cannot type into a grid editor).
"""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from page_helpers import (
    SPEC6,
    X6,
    chart_values,
    charts,
    component_data,
    edit_grid,
    figure,
    fresh,
    run,
    shown,
)
from streamlit.testing.v1 import AppTest

from pooling_core import (
    PoolSpec,
    gradient_check,
    gradient_sum_check,
    pool_backward,
    pool_forward,
    scatter_steps,
)
from ui.format import fmt
from ui.widgets.grid import PRESETS

# The default example X6, SPEC6 (tests/page_helpers.py): a 4x4 output.
# Worked by hand with dL/dy = ones: the 9 at (2,2) is the maximum of the 9 windows whose rows
# and columns both start at 0..2 -> 9; windows (0,3) -> 6 at (2,3); (1,3), (2,3), (3,1), (3,2),
# (3,3) -> 8 at (3,3) (5 windows); (3,0) = rows 3-5, cols 0-2 -> 7 at (5,1). 9+1+5+1 = 16.
GX6_ONES = np.zeros((6, 6))
GX6_ONES[2, 2], GX6_ONES[2, 3], GX6_ONES[3, 3], GX6_ONES[5, 1] = 9, 1, 5, 1

SUMS_RE = re.compile(r"^sum\(dL/dy\) = \*\*(.+)\*\*, sum\(dL/dx\) = \*\*(.+)\*\*$")
LAST_VALID = "Showing the last valid result until the input is fixed."
PARAM_KEYS = {"kernel_size": ("kh", "kw"), "stride": ("sh", "sw"), "padding": ("ph", "pw"),
              "dilation": ("dh", "dw")}

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


# --------------------------------------------------------------------------- helpers


def title(at: AppTest, key: str) -> str:
    return figure(at, key)["layout"]["title"]["text"]


def sums(at: AppTest) -> tuple[str, str]:
    hits = [SUMS_RE.match(m.value) for m in at.markdown]
    hits = [h for h in hits if h]
    assert len(hits) == 1, [m.value for m in at.markdown]
    return hits[0].group(1), hits[0].group(2)


def player(at: AppTest) -> dict:
    """The payload the step player (a v2 component) was given, its start step included."""
    (data,) = component_data(at, "pbe_step_player")
    return {**json.loads(data["page"]), "start": data["start"]}


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def last_spec(at: AppTest) -> PoolSpec:
    spec = at.session_state.last_valid[2]
    assert isinstance(spec, PoolSpec)  # the frozen spec itself is the state and the cache key
    return spec


def assert_same_result(at: AppTest, x: np.ndarray, gy: np.ndarray, spec: PoolSpec) -> None:
    """last_valid, dL/dx on the page and the sums text all match pooling_core on (x, gy, spec)."""
    lx, lgy, _ = at.session_state.last_valid
    np.testing.assert_array_equal(lx, x)
    np.testing.assert_array_equal(lgy, gy)
    assert last_spec(at) == spec
    grad = pool_backward(x, gy, spec)
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), grad)
    np.testing.assert_array_equal(shown(at, "fig_output"), pool_forward(x, spec).output)
    chk = gradient_sum_check(x, gy, spec)
    assert sums(at) == (fmt(chk.sum_grad_output), fmt(chk.sum_grad_input))


# --------------------------------------------------------------------------- default load
def test_default_load_shows_the_6x6_example_and_its_checks():
    at = fresh()
    assert not at.error and not at.sidebar.error and not at.warning
    x, gy, _ = at.session_state.last_valid
    np.testing.assert_array_equal(x, X6)
    np.testing.assert_array_equal(gy, np.ones((4, 4)))
    assert last_spec(at) == SPEC6
    assert sums(at) == ("16", "16")
    assert "sum(dL/dy) = **16**, sum(dL/dx) = **16**" in texts(at.markdown)
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), GX6_ONES)
    # y[0,0] = max of the top-left 3x3 block = 9; y[3,0] = max(rows 3-5, cols 0-2) = 7.
    y = shown(at, "fig_output")
    assert y.shape == (4, 4) and y[0, 0] == 9 and y[3, 0] == 7
    success = texts(at.success)
    assert "The sums agree: every window passes its upstream gradient on, whole." in success
    chk = gradient_check(X6, np.ones((4, 4)), SPEC6)
    assert chk.ok and int(chk.checked.sum()) == 36
    assert any(s.startswith("Central differences agree with dL/dx in all 36 cells checked")
               for s in success), success
    assert title(at, "fig_input") == "Input x — window (0,0)"
    assert "Output size" in " ".join(texts(at.sidebar.markdown))


# --------------------------------------------------------------------------- presets
def _preset_spec(params: dict) -> PoolSpec:
    return PoolSpec(kernel_size=params["kernel_size"], stride=params["stride"],
                    padding=params["padding"], dilation=params["dilation"],
                    ceil_mode=params["ceil_mode"], mode=params["mode"],
                    ties=params.get("ties", "first"))


# The presets of a kernel layer with symmetric padding (tests/pages/test_explorer_variants.py
# loads the adaptive and 'same' ones).
@pytest.mark.parametrize("name", [k for k, p in PRESETS.items()
                                  if isinstance(p.params.get("padding"), tuple)])
def test_every_preset_loads_its_grid_and_parameters(name):
    at = fresh()
    # Move away from every preset's parameters first, so loading has something to undo.
    at.radio(key="mode").set_value("avg")
    at.checkbox(key="ceil_mode").check()
    for k, v in (("kh", 2), ("kw", 2), ("sh", 2), ("sw", 2), ("ph", 1), ("pw", 1)):
        at.number_input(key=k).set_value(v)
    run(at)
    at.selectbox(key="preset").set_value(name)
    run(at.button(key="load_preset").click())

    preset = PRESETS[name]
    params = dict(preset.params)
    for pname, (a, b) in PARAM_KEYS.items():
        assert (at.session_state[a], at.session_state[b]) == tuple(params[pname]), pname
    for k in ("mode", "ceil_mode", "ties"):
        if k in params:
            assert at.session_state[k] == params[k], k
    if params.get("layer") == "unpool":  # max unpool: max pooling, no mode to choose
        assert at.radio(key="layer").value == "unpool" and "fig_unpool" in charts(at)
    else:
        assert at.radio(key="mode").value == params["mode"]
    assert at.checkbox(key="ceil_mode").value == params["ceil_mode"]
    x = np.array(preset.grid, dtype=np.float64)
    assert (at.session_state.rows, at.session_state.cols) == x.shape
    assert not at.error and not at.sidebar.error
    spec = _preset_spec(params)
    oh, ow = pool_forward(x, spec).output.shape
    assert_same_result(at, x, np.ones((oh, ow)), spec)
    assert title(at, "fig_input") == "Input x — window (0,0)"


# --------------------------------------------------------------------------- editing the grid
@pytest.mark.parametrize(
    ("text", "value"),
    [("20", 20.0), ("-2,5", -2.5), ("nan", math.nan), ("1e-3", 0.001)],
)
def test_editing_a_cell_changes_x_and_the_results(text, value):
    at = fresh()
    edit_grid(at, {0: {"0": text}})
    assert not at.error
    x = X6.copy()
    x[0, 0] = value
    np.testing.assert_array_equal(at.session_state.last_valid[0], x)
    assert_same_result(at, x, np.ones((4, 4)), SPEC6)


def test_a_new_maximum_at_0_0_takes_window_0_0s_gradient():
    at = fresh()
    edit_grid(at, {0: {"0": "20"}})
    grad = shown(at, "fig_grad_input")
    # Window (0,0) now peaks at the 20 at (0,0); the 9 at (2,2) keeps the other 8 windows.
    expected = GX6_ONES.copy()
    expected[0, 0], expected[2, 2] = 1, 8
    np.testing.assert_array_equal(grad, expected)
    assert sums(at) == ("16", "16")
    assert player(at)["x"][0] == "20"


# --------------------------------------------------------------------------- bad inputs
def test_non_numeric_and_blank_cells_are_listed_and_the_last_valid_result_stays():
    at = fresh()
    before = shown(at, "fig_grad_input")
    edit_grid(at, {0: {"0": "abc"}, 1: {"2": None}})
    errors = texts(at.error)
    assert len(errors) == 1, errors
    assert errors[0].startswith("These cells are not numbers:")
    assert "(0,0) “abc”" in errors[0] and "(1,2) is empty" in errors[0]
    assert LAST_VALID in texts(at.warning)
    x, gy, _ = at.session_state.last_valid
    np.testing.assert_array_equal(x, X6)
    np.testing.assert_array_equal(gy, np.ones((4, 4)))
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), before)
    assert sums(at) == ("16", "16")

    # Fixing the cells clears the messages and uses the new value.
    edit_grid(at, {0: {"0": "7"}, 1: {"2": "5"}})
    assert not at.error and LAST_VALID not in texts(at.warning)
    x = X6.copy()
    x[0, 0] = 7
    assert_same_result(at, x, np.ones((4, 4)), SPEC6)


def _assert_kept_last_valid(at: AppTest) -> None:
    assert LAST_VALID in texts(at.warning)
    x, gy, _ = at.session_state.last_valid
    np.testing.assert_array_equal(x, X6)
    np.testing.assert_array_equal(gy, np.ones((4, 4)))
    assert last_spec(at) == SPEC6
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), GX6_ONES)
    assert sums(at) == ("16", "16")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"sh": 0}, "Stride (height) must be at least 1, got 0: a window has to move forward."),
        ({"sw": 0}, "Stride (width) must be at least 1, got 0: a window has to move forward."),
        ({"kh": 0}, "Kernel size (height) must be at least 1, got 0."),
        ({"dw": 0}, "Dilation (width) must be at least 1, got 0."),
        # kernel 3, dilation 1: at most ((3 - 1)·1 + 1) // 2 = 1.
        ({"ph": 2}, "Padding (height) is 2, but it can be at most half the window span: "
                    "((k − 1)·d + 1) // 2 = ((3 − 1)·1 + 1) // 2 = 1."),
        # kernel 2, dilation 1: at most ((2 - 1)·1 + 1) // 2 = 1.
        ({"pw": 2, "kw": 2}, "Padding (width) is 2, but it can be at most half the window "
                             "span: ((k − 1)·d + 1) // 2 = ((2 − 1)·1 + 1) // 2 = 1."),
        # kernel 7 on 6 rows: the window spans 7 cells, the input has 6.
        ({"kh": 7}, "The window does not fit along the height: it spans 7 cells but the padded "
                    "input has only 6."),
    ],
)
def test_invalid_parameters_give_a_sidebar_error_and_keep_the_last_result(changes, message):
    at = fresh()
    for k, v in changes.items():
        run(at.number_input(key=k).set_value(v))
    side = texts(at.sidebar.error)
    assert len(side) == 1 and side[0].startswith(message), side
    _assert_kept_last_valid(at)


def test_stride_zero_then_one_recovers():
    at = fresh()
    run(at.number_input(key="sh").set_value(0))
    assert texts(at.sidebar.error) == [
        "Stride (height) must be at least 1, got 0: a window has to move forward."]
    _assert_kept_last_valid(at)
    run(at.number_input(key="sh").set_value(1))
    assert not at.sidebar.error and LAST_VALID not in texts(at.warning)
    assert_same_result(at, X6, np.ones((4, 4)), SPEC6)


def test_avg_mode_with_dilation_2_is_refused():
    at = fresh()
    run(at.radio(key="mode").set_value("avg"))
    # A valid avg result first: 3x3 averages, divisor 9 everywhere.
    avg = PoolSpec(kernel_size=3, stride=1, mode="avg")
    assert_same_result(at, X6, np.ones((4, 4)), avg)
    run(at.number_input(key="dh").set_value(2))
    side = texts(at.sidebar.error)
    assert side == ["Average pooling has no dilation (as in PyTorch's avg_pool2d): "
                    "set dilation to 1."]
    assert LAST_VALID in texts(at.warning)
    assert last_spec(at) == avg


def test_shrinking_the_grid_below_the_kernel_keeps_the_last_result():
    at = fresh()
    run(at.number_input(key="rows").set_value(2))
    run(at.number_input(key="cols").set_value(2))
    assert at.session_state.grid_text == [["1", "2"], ["2", "2"]]  # top-left corner kept
    side = texts(at.sidebar.error)
    assert len(side) == 1
    assert side[0].startswith("The window does not fit along the height: it spans 3 cells "
                              "but the padded input has only 2.")
    _assert_kept_last_valid(at)

    # A 2x2 kernel fits: one window, maximum 2 first met at (0,1) (policy "first").
    run(at.number_input(key="kh").set_value(2))
    run(at.number_input(key="kw").set_value(2))
    assert not at.sidebar.error
    x2 = np.array([[1.0, 2.0], [2.0, 2.0]])
    assert_same_result(at, x2, np.ones((1, 1)), PoolSpec(kernel_size=2, stride=1))
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), [[0, 1], [0, 0]])


def test_a_window_of_only_padding_is_refused():
    at = fresh()
    run(at.number_input(key="rows").set_value(1))
    for k, v in (("kh", 2), ("dh", 3), ("ph", 2)):
        run(at.number_input(key=k).set_value(v))
    # Height: n = 1, k = 2, d = 3, p = 2 -> 2 windows; window 0 reads rows -2 and 1: no real row.
    side = texts(at.sidebar.error)
    assert side == ["With this dilation and padding, window 0 along the height reads only "
                    "padding (cells [-2, 1] of 1). Reduce the dilation or the padding."]
    assert LAST_VALID in texts(at.warning)
    np.testing.assert_array_equal(at.session_state.last_valid[0], X6)


def test_onehot_out_of_range_names_the_output_size_and_keeps_the_last_gradient():
    at = fresh()
    run(at.radio(key="gy_mode").set_value("onehot"))
    run(at.number_input(key="gy_i").set_value(2))
    run(at.number_input(key="gy_j").set_value(3))
    g = np.zeros((4, 4))
    g[2, 3] = 1
    # Window (2,3) = rows 2-4, cols 3-5: its maximum 8 is at (3,3).
    expected = np.zeros((6, 6))
    expected[3, 3] = 1
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), expected)
    assert_same_result(at, X6, g, SPEC6)

    run(at.number_input(key="gy_i").set_value(5))
    assert texts(at.error) == ["Output cell (5,3) does not exist: the output has 4 rows and 4 "
                               "columns (0 to 4-1, 0 to 4-1)."]
    assert LAST_VALID in texts(at.warning)
    assert_same_result(at, X6, g, SPEC6)


# --------------------------------------------------------------------------- average pooling
def test_avg_padding_counted_in_the_divisor_loses_gradient():
    at = fresh()
    run(at.radio(key="mode").set_value("avg"))
    run(at.number_input(key="ph").set_value(1))
    run(at.number_input(key="pw").set_value(1))
    assert at.session_state.count_include_pad is True
    spec = PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg", count_include_pad=True)
    gy = np.ones((6, 6))  # (6 + 2 - 2 - 1) / 1 + 1 = 6 per axis
    assert_same_result(at, X6, gy, spec)
    # By hand: per axis the windows hold 2,3,3,3,3,2 real cells (16 in all), so the 36 windows
    # pass on 16·16 / 9 = 256/9 of the 36 units; the 36 - 16 = 20 windows touching the
    # padding lose some. Difference = 256/9 - 36 = -68/9 = -7.556.
    assert sums(at) == ("36", "28.44")
    diff = 256 / 9 - 36
    chk = gradient_sum_check(X6, gy, spec)
    assert chk.reason == "avg_divisor" and chk.windows == 20
    assert math.isclose(chk.difference, diff)
    info = texts(at.info)
    assert (f"The sums differ by {fmt(diff)}: in 20 windows the divisor counts more cells "
            "than receive the gradient") in " ".join(info), info
    assert fmt(diff) == "-7.556"
    assert "padding counted, or divisor_override" in " ".join(info)
    np.testing.assert_array_equal(shown(at, "fig_divisor"), np.full((6, 6), 9.0))

    # count_include_pad off: each window divides by its real cells, the sums agree.
    run(at.checkbox(key="count_include_pad").uncheck())
    spec2 = PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg", count_include_pad=False)
    assert_same_result(at, X6, gy, spec2)
    assert sums(at) == ("36", "36")
    assert "The sums agree: every window passes its upstream gradient on, whole." in texts(
        at.success)
    per_axis = np.array([2, 3, 3, 3, 3, 2])
    np.testing.assert_array_equal(shown(at, "fig_divisor"), np.outer(per_axis, per_axis))


def test_avg_divisor_override_shrinks_the_gradient():
    at = fresh()
    run(at.radio(key="mode").set_value("avg"))
    run(at.number_input(key="divisor_override").set_value(18))
    spec = PoolSpec(kernel_size=3, stride=1, mode="avg", divisor_override=18)
    assert_same_result(at, X6, np.ones((4, 4)), spec)
    # Each of the 16 windows passes on 9/18 of its unit: sum(dL/dx) = 8, difference -8.
    assert sums(at) == ("16", "8")
    assert any(s.startswith("The sums differ by -8: in 16 windows") for s in texts(at.info))


# --------------------------------------------------------------------------- tie policies
PLATEAU = np.array(PRESETS["plateau"].grid, dtype=np.float64)


def _load(at: AppTest, name: str) -> AppTest:
    at.selectbox(key="preset").set_value(name)
    return run(at.button(key="load_preset").click())


def test_plateau_split_agrees_and_all_grows_the_gradient():
    at = _load(fresh(), "plateau")
    assert at.session_state.ties == "split"
    # Windows: (0,0) four 5s; (0,1) [1,2;3,3] two 3s; (1,0) [0,1;2,0] one 2 at (3,0);
    # (1,1) four 4s. Split: 1/4 each, 1/2 each, 1, 1/4 each.
    split = np.array([[.25, .25, 0, 0], [.25, .25, .5, .5], [0, 0, .25, .25], [1, 0, .25, .25]])
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), split)
    assert sums(at) == ("4", "4")
    assert "The sums agree: every window passes its upstream gradient on, whole." in texts(
        at.success)
    assert title(at, "fig_mask") == "Argmax mask (policy split): windows won"

    run(at.selectbox(key="ties").set_value("all"))
    # All: every tied cell gets the full 1 -> 4 + 2 + 1 + 4 = 11; 3 windows have ties; +7.
    every = np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 1, 1], [1, 0, 1, 1]], dtype=float)
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), every)
    assert_same_result(at, PLATEAU, np.ones((2, 2)),
                       PoolSpec(kernel_size=2, stride=2, ties="all"))
    assert sums(at) == ("4", "11")
    chk = gradient_sum_check(PLATEAU, np.ones((2, 2)), PoolSpec(kernel_size=2, ties="all"))
    assert (chk.reason, chk.windows, chk.difference) == ("ties_all", 3, 7.0)
    info = texts(at.info)
    assert any(s.startswith('The sums differ by 7: under policy "all", each of the 3 '
                            "tied windows") for s in info), info
    assert not any("The sums agree" in s for s in texts(at.success))
    assert title(at, "fig_mask") == "Argmax mask (policy all): windows won"


@pytest.mark.parametrize("policy", ["first", "last"])
def test_plateau_first_and_last_pick_one_tied_cell(policy):
    at = _load(fresh(), "plateau")
    run(at.selectbox(key="ties").set_value(policy))
    spec = PoolSpec(kernel_size=2, stride=2, ties=policy)
    assert_same_result(at, PLATEAU, np.ones((2, 2)), spec)
    grad = shown(at, "fig_grad_input")
    # first: (0,0), (1,2), (3,0), (2,2); last: (1,1), (1,3), (3,0), (3,3).
    cells = ([(0, 0), (1, 2), (3, 0), (2, 2)] if policy == "first"
             else [(1, 1), (1, 3), (3, 0), (3, 3)])
    expected = np.zeros((4, 4))
    for r, c in cells:
        expected[r, c] = 1
    np.testing.assert_array_equal(grad, expected)
    assert sums(at) == ("4", "4")


# --------------------------------------------------------------------------- upstream gradient
def _gy_random(seed: int) -> np.ndarray:
    return np.round(np.random.default_rng(seed).uniform(-1, 1, size=(4, 4)), 1)


@pytest.mark.parametrize("mode", ["ones", "random", "onehot", "custom"])
def test_upstream_modes_feed_pool_backward(mode):
    at = fresh()
    run(at.radio(key="gy_mode").set_value(mode))
    if mode == "ones":
        gy = np.ones((4, 4))
    elif mode == "random":
        gy = _gy_random(1)
        np.testing.assert_array_equal(at.session_state.last_valid[1], gy)
        run(at.number_input(key="gy_seed").set_value(7))
        gy = _gy_random(7)
    elif mode == "onehot":
        run(at.number_input(key="gy_i").set_value(1))
        run(at.number_input(key="gy_j").set_value(2))
        gy = np.zeros((4, 4))
        gy[1, 2] = 1
    else:
        np.testing.assert_array_equal(at.session_state.last_valid[1], np.ones((4, 4)))
        edit_grid(at, {0: {"1": "5"}, 3: {"3": "-2,5"}}, key="gy_editor_4x4")
        gy = np.ones((4, 4))
        gy[0, 1], gy[3, 3] = 5, -2.5
    assert not at.error
    lgy = at.session_state.last_valid[1]
    assert lgy.shape == (4, 4)
    if mode == "random":
        assert not np.array_equal(lgy, _gy_random(1))
        assert np.all(np.abs(lgy) <= 1) and np.allclose(lgy * 10, np.round(lgy * 10))
    assert_same_result(at, X6, gy, SPEC6)
    pl = player(at)
    assert pl["gy"] == [fmt(v) for v in gy.ravel()]
    assert (pl["oh"], pl["ow"]) == (4, 4)


def test_custom_upstream_with_a_typo_keeps_the_last_gradient():
    at = fresh()
    run(at.radio(key="gy_mode").set_value("custom"))
    edit_grid(at, {0: {"0": "3"}}, key="gy_editor_4x4")
    gy = np.ones((4, 4))
    gy[0, 0] = 3
    assert_same_result(at, X6, gy, SPEC6)
    # dL/dx[2,2] = 3 (window (0,0)) + 8 ones = 11.
    assert shown(at, "fig_grad_input")[2, 2] == 11
    edit_grid(at, {0: {"0": "3"}, 2: {"1": "x"}}, key="gy_editor_4x4")
    errors = texts(at.error)
    assert len(errors) == 1 and "(2,1) “x”" in errors[0]
    assert LAST_VALID in texts(at.warning)
    assert_same_result(at, X6, gy, SPEC6)


# --------------------------------------------------------------------------- step slider
def _window_outline(at: AppTest) -> tuple[float, float, float, float]:
    thick = [s for s in figure(at, "fig_input")["layout"]["shapes"] if s["line"]["width"] == 4]
    assert len(thick) == 1
    s = thick[0]
    return (s["y0"], s["x0"], s["y1"], s["x1"])


@pytest.mark.parametrize("step", [0, 1, 5, 15])
def test_step_slider_moves_the_current_window(step):
    at = fresh()
    run(at.slider(key="jump").set_value(step + 1))  # the slider counts from 1
    i, j = divmod(step, 4)
    assert title(at, "fig_input") == f"Input x — window ({i},{j})"
    st = scatter_steps(X6, np.ones((4, 4)), SPEC6)[step]
    rows = [r for r, _ in st.window]
    cols = [c for _, c in st.window]
    assert _window_outline(at) == (min(rows) - 0.5, min(cols) - 0.5,
                                   max(rows) + 0.5, max(cols) + 0.5)
    assert player(at)["start"] == step
    # The output cell of this step is outlined in the output heatmap.
    marked = [s for s in figure(at, "fig_output")["layout"]["shapes"] if s["line"]["width"] == 3]
    assert len(marked) == 1
    assert (marked[0]["y0"] + 0.5 - 0.08, marked[0]["x0"] + 0.5 - 0.08) == pytest.approx((i, j))


def test_the_jump_slider_counts_steps_from_1_as_the_player():
    """Step 6 of 16 (0-based 5 in the session and the link) is 6 on the slider, 1..16, as the
    player's "Step 6 / 16"; the link keeps counting from 0."""
    at = fresh({"step": "5"})
    slider = at.slider(key="jump")
    assert (slider.min, slider.max, slider.value) == (1, 16, 6)
    assert at.session_state.step == 5 and player(at)["start"] == 5
    run(at.slider(key="jump").set_value(1))
    assert at.session_state.step == 0 and at.query_params.get("step") in (None, "0")
    run(at.slider(key="jump").set_value(16))
    assert at.session_state.step == 15 and at.query_params["step"] == "15"
    assert at.slider(key="jump").value == 16


def test_step_is_clamped_when_the_output_shrinks():
    at = fresh()
    run(at.slider(key="jump").set_value(16))
    assert title(at, "fig_input") == "Input x — window (3,3)"
    run(at.number_input(key="kh").set_value(5))   # output 2x4: 8 steps, step 15 -> 7
    assert at.session_state.step == 7 and at.slider(key="jump").value == 8
    assert title(at, "fig_input") == "Input x — window (1,3)"
    run(at.number_input(key="kw").set_value(5))   # output 2x2: 4 steps -> 3
    assert at.session_state.step == 3
    assert title(at, "fig_input") == "Input x — window (1,1)"


def test_show_all_windows_counts_the_windows_over_each_cell():
    """Overlap as numbers: how many 3x3 stride-1 windows read each cell of the 6x6 (a corner
    1, the middle 9), instead of a mesh of 16 outlines."""
    at = fresh()
    assert not any(c.proto.id.endswith("-fig_cover") for c in at.get("bidi_component"))
    run(at.toggle(key="show_all_windows").set_value(True))
    per_axis = np.array([1, 2, 3, 3, 2, 1])
    np.testing.assert_array_equal(chart_values(at, "fig_cover"), np.outer(per_axis, per_axis))
    assert len(figure(at, "fig_input")["layout"]["shapes"]) == 1 + 1  # window + receiver


def test_dilated_window_outlines_its_taps():
    """Dilation 2: the current window is outlined tap by tap (9 cells 2 apart), not as one
    5x5 rectangle over cells it does not read."""
    at = fresh()
    run(at.number_input(key="dh").set_value(2))
    run(at.number_input(key="dw").set_value(2))
    shapes = figure(at, "fig_input")["layout"]["shapes"]
    taps = sorted((s["y0"] + 0.5, s["x0"] + 0.5) for s in shapes
                  if s["line"]["width"] == 4 and s["x1"] - s["x0"] == 1)
    assert taps == [(float(r), float(c)) for r in (0, 2, 4) for c in (0, 2, 4)]


def test_random_fill_loads_a_reproducible_grid():
    at = fresh()
    assert "rand_fill" not in [b.key for b in at.button]  # closed: its widgets are not drawn
    at.session_state["rand_open"] = True  # the student opens "Random fill"
    run(at)
    run(at.button(key="rand_fill").click())
    x = at.session_state.last_valid[0]
    # Defaults: 8x8, seed 0, whole numbers from 0 to 4.
    expected = np.random.default_rng(0).integers(0, 5, size=(8, 8)).astype(np.float64)
    np.testing.assert_array_equal(x, expected)
    assert (at.session_state.rows, at.session_state.cols) == (8, 8)
    assert_same_result(at, expected, np.ones((6, 6)), SPEC6)


# --------------------------------------------------------------------------- known bugs
@pytest.mark.parametrize("breakage", ["stride", "cell"])
def test_upstream_choice_survives_a_temporary_error(breakage):
    at = fresh()
    run(at.radio(key="gy_mode").set_value("onehot"))
    run(at.number_input(key="gy_i").set_value(2))
    run(at.number_input(key="gy_j").set_value(3))
    g = np.zeros((4, 4))
    g[2, 3] = 1
    np.testing.assert_array_equal(at.session_state.last_valid[1], g)
    if breakage == "stride":
        run(at.number_input(key="sh").set_value(0))
        assert at.sidebar.error
        run(at.number_input(key="sh").set_value(1))
    else:
        edit_grid(at, {0: {"0": "abc"}})
        assert at.error
        edit_grid(at, {0: {"0": "1"}})
    assert not at.error and not at.sidebar.error
    assert at.radio(key="gy_mode").value == "onehot"
    np.testing.assert_array_equal(at.session_state.last_valid[1], g)


def test_tie_policy_survives_a_visit_to_avg_mode():
    at = fresh()
    run(at.selectbox(key="ties").set_value("last"))
    run(at.radio(key="mode").set_value("avg"))
    run(at.radio(key="mode").set_value("max"))
    assert at.selectbox(key="ties").value == "last"
    assert last_spec(at).ties == "last"


def test_divisor_override_below_the_window_size_is_explained_as_growth():
    at = fresh()
    run(at.radio(key="mode").set_value("avg"))
    run(at.number_input(key="divisor_override").set_value(1))
    spec = PoolSpec(kernel_size=3, stride=1, mode="avg", divisor_override=1)
    assert_same_result(at, X6, np.ones((4, 4)), spec)
    # Each of the 16 windows hands 1/1 to each of its 9 cells: 144, 128 more than sum(dL/dy).
    assert sums(at) == ("16", "144")
    info = " ".join(texts(at.info))
    assert info.startswith("The sums differ by 128")
    assert "not passed on" not in info and "not in the input" not in info


NOTE_0 = ("Windows (0,0) and (0,1) share their maximum 9 at (2,2): its gradient is "
          "dL/dy[0,0] + dL/dy[0,1].")


def test_example_note_names_cells_in_the_index_base():
    """Counting from 1, the note names the cells as the grid's labels do."""
    assert NOTE_0 in [c.value for c in fresh().caption]
    at = fresh({"base": "1"})
    assert ("Windows (1,1) and (1,2) share their maximum 9 at (3,3): its gradient is "
            "dL/dy[1,1] + dL/dy[1,2].") in [c.value for c in at.caption]
    assert NOTE_0 not in [c.value for c in at.caption]


def test_example_note_only_while_the_grid_is_the_example():
    """The example's caption describes its grid ("... share their maximum 9 at (2,2)"): once a
    cell is edited it is gone, and loading the example again brings it back."""
    note = NOTE_0
    at = fresh()
    assert note in [c.value for c in at.caption]
    edit_grid(at, {2: {"2": "1"}})
    assert at.session_state.grid_text[2][2] == "1"
    assert note not in [c.value for c in at.caption]
    run(at.button(key="load_preset").click())
    assert note in [c.value for c in at.caption]


def test_example_note_only_while_the_layer_is_the_examples():
    """With kernel 2 stride 2 the example's windows (0,0) and (0,1) no longer share the 9 at
    (2,2) (they are rows 0-1, columns 0-1 and 2-3): the note goes, and comes back with the
    example's kernel. The tie policy, which the notes invite changing, keeps it."""
    note = NOTE_0
    at = fresh()
    run(at.number_input(key="kh").set_value(2))
    assert note not in [c.value for c in at.caption]
    run(at.number_input(key="kh").set_value(3))
    assert note in [c.value for c in at.caption]
    run(at.number_input(key="sw").set_value(2))
    assert note not in [c.value for c in at.caption]
    run(at.number_input(key="sw").set_value(1))
    run(at.selectbox(key="ties").set_value("split"))
    assert note in [c.value for c in at.caption]
    run(at.radio(key="mode").set_value("avg"))
    assert note not in [c.value for c in at.caption]
