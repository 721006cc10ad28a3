"""`symbolic_grad`: dL/dx as terms coefficient × dL/dy[i, j].

Hand-worked cases (the Explorer's 6 × 6 default, a two-way tie under each policy, averages
with count_include_pad / divisor_override, an adaptive average), and properties over many
random layers: substituting dL/dy into the symbols gives dL/dx exactly, checked against the
loop reference (tests/loop_reference.py) with values whose sums are exact.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from loop_reference import (
    TIE_POLICIES,
    loop_adaptive_pool,
    loop_pool_backward,
    loop_spec,
    ref_out_hw,
    valid_axes,
)
from pool_strategies import axes_params

from pooling_core import (
    AdaptiveSpec,
    Exercise,
    PoolSpec,
    check,
    layer_shape,
    pool_backward,
    pool_forward,
    scatter_steps,
    symbolic_grad,
)

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

# The Explorer's default example (ui/widgets/grid.py "overlap_6x6"), kernel 3, stride 1.
DEFAULT_X = np.array([
    [1, 2, 3, 1, 0, 2],
    [2, 2, 5, 4, 1, 3],
    [0, 6, 9, 6, 2, 1],
    [3, 1, 4, 8, 7, 0],
    [5, 2, 0, 3, 6, 4],
    [1, 7, 2, 5, 1, 3],
], dtype=np.float64)
ONE = Fraction(1)
# lcm(1..16): a dL/dy that is a multiple of it divides exactly by every divisor drawn below
# (at most 9 tied cells, a 3 x 3 average, divisor_override <= 5).
LCM = 720720


def table(x, spec, gy=None, k=None):
    """{(r, c): [((i, j), coef), ...]} of the cells with terms (dL/dy all ones by default)."""
    x = np.asarray(x, dtype=np.float64)
    if gy is None:
        (oh, ow), _ = layer_shape(x.shape, spec)
        gy = np.ones((oh, ow))
    grid = symbolic_grad(scatter_steps(x, gy, spec)).grid(k)
    return {(r, c): [(t.out_index, t.coef) for t in cell]
            for r, row in enumerate(grid) for c, cell in enumerate(row) if cell}


def test_default_example_by_hand():
    # Worked by hand: the 9 sits at (2, 2) and wins the nine windows (0..2, 0..2); the 8 at
    # (3, 3) wins (1,3), (2,3), (3,1), (3,2), (3,3); (0,3) is won by the 6 at (2,3), (3,0) by
    # the 7 at (5,1). Every coefficient is 1 (no ties).
    got = table(DEFAULT_X, PoolSpec(kernel_size=3, stride=1))
    assert got == {
        (2, 2): [((i, j), ONE) for i in range(3) for j in range(3)],
        (2, 3): [((0, 3), ONE)],
        (3, 3): [((1, 3), ONE), ((2, 3), ONE), ((3, 1), ONE), ((3, 2), ONE), ((3, 3), ONE)],
        (5, 1): [((3, 0), ONE)],
    }


def test_default_example_running():
    spec = PoolSpec(kernel_size=3, stride=1)
    assert table(DEFAULT_X, spec, k=0) == {(2, 2): [((0, 0), ONE)]}
    assert table(DEFAULT_X, spec, k=1) == {(2, 2): [((0, 0), ONE), ((0, 1), ONE)]}
    after4 = table(DEFAULT_X, spec, k=4)
    assert after4 == {(2, 2): [((0, 0), ONE), ((0, 1), ONE), ((0, 2), ONE), ((1, 0), ONE)],
                      (2, 3): [((0, 3), ONE)]}


@pytest.mark.parametrize("ties, expected", [
    ("first", {(0, 0): [((0, 0), ONE)]}),
    ("last", {(0, 1): [((0, 0), ONE)]}),
    ("split", {(0, 0): [((0, 0), Fraction(1, 2))], (0, 1): [((0, 0), Fraction(1, 2))]}),
    ("all", {(0, 0): [((0, 0), ONE)], (0, 1): [((0, 0), ONE)]}),
])
def test_two_relu_zeros_tie(ties, expected):
    # [[0, 0], [-1, -2]], kernel 2: the two zeros tie for the maximum.
    assert table([[0, 0], [-1, -2]], PoolSpec(kernel_size=2, ties=ties)) == expected


def test_three_way_split_is_a_third_each():
    got = table([[4, 4], [4, 1]], PoolSpec(kernel_size=2, ties="split"))
    assert got == {rc: [((0, 0), Fraction(1, 3))] for rc in ((0, 0), (0, 1), (1, 0))}


def test_average_window_ninths():
    got = table(np.arange(9.0).reshape(3, 3), PoolSpec(kernel_size=3, mode="avg"))
    assert got == {(r, c): [((0, 0), Fraction(1, 9))] for r in range(3) for c in range(3)}


@pytest.mark.parametrize("cip, override, coef", [
    (True, None, Fraction(1, 9)),   # the 3 x 3 window with its 5 padding cells
    (False, None, Fraction(1, 4)),  # only the 4 real cells
    (True, 5, Fraction(1, 5)),      # divisor_override
])
def test_average_padding_divisor(cip, override, coef):
    # 2 x 2 input, kernel 3, stride 2, padding 1: one window, rows/cols -1..1.
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=cip,
                    divisor_override=override)
    got = table(np.ones((2, 2)), spec)
    assert got == {(r, c): [((0, 0), coef)] for r in range(2) for c in range(2)}


def test_overlapping_average_accumulates():
    # 3 x 3, kernel 2, stride 1: the centre is in all four windows, a corner in one.
    got = table(np.zeros((3, 3)), PoolSpec(kernel_size=2, stride=1, mode="avg"))
    q = Fraction(1, 4)
    assert got[(1, 1)] == [((0, 0), q), ((0, 1), q), ((1, 0), q), ((1, 1), q)]
    assert got[(0, 0)] == [((0, 0), q)]
    assert got[(0, 1)] == [((0, 0), q), ((0, 1), q)]


def test_adaptive_average_bins():
    # 3 -> 2 per axis: bins [0, 2) and [1, 3), each 2 x 2 cells: 1/4 each.
    got = table(np.zeros((3, 3)), AdaptiveSpec(output_size=2, mode="avg"))
    q = Fraction(1, 4)
    assert got[(1, 1)] == [((0, 0), q), ((0, 1), q), ((1, 0), q), ((1, 1), q)]
    assert got[(2, 2)] == [((1, 1), q)]


def test_symbols_do_not_depend_on_dl_dy():
    spec = PoolSpec(kernel_size=3, stride=1, ties="split")
    a = table(DEFAULT_X, spec, gy=np.arange(16.0).reshape(4, 4) - 5)
    b = table(DEFAULT_X, spec, gy=np.ones((4, 4)))
    assert a == b


def test_substitute_default_example_by_hand():
    gy = np.arange(1.0, 17.0).reshape(4, 4)  # z[i, j] = 4 i + j + 1
    sym = symbolic_grad(scatter_steps(DEFAULT_X, gy, PoolSpec(kernel_size=3, stride=1)))
    got = sym.substitute(gy)
    assert got[2, 2] == 1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11
    assert got[3, 3] == 8 + 12 + 14 + 15 + 16
    assert got[2, 3] == 4 and got[5, 1] == 13
    assert np.count_nonzero(got) == 4
    assert sym.term_counts()[2, 2] == 9 and sym.term_counts(k=0)[2, 2] == 1


# ------------------------------------------------------------------------ properties
@st.composite
def layers(draw):
    """(x (H, W) float64, dL/dy as integers × LCM, PoolSpec kwargs)."""
    mode = draw(st.sampled_from(["max", "avg"]))
    H, W = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    ceil_mode = draw(st.booleans())
    d_max = 2 if mode == "max" else 1
    h = draw(st.sampled_from(valid_axes(H, ceil_mode, 3, 3, d_max)))
    w = draw(st.sampled_from(valid_axes(W, ceil_mode, 3, 3, d_max)))
    params = axes_params(draw, (H, W), h, w, ceil_mode, mode, divisor_max=5)
    if mode == "max":
        params["ties"] = draw(st.sampled_from(TIE_POLICIES))
    elements = st.integers(0, 2).map(float)  # ties everywhere
    if draw(st.integers(0, 4)) == 0:
        elements = st.one_of(elements, st.sampled_from([np.nan, np.inf, -np.inf]))
    x = draw(hnp.arrays(np.float64, (H, W), elements=elements))
    oh, ow = ref_out_hw((H, W), loop_spec(**params))
    gy = draw(hnp.arrays(np.float64, (oh, ow), elements=st.integers(-6, 6).map(float))) * LCM
    return x, gy, params


@settings(max_examples=150, deadline=None)
@given(case=layers())
def test_substituting_dl_dy_gives_the_loop_reference_exactly(case):
    x, gy, params = case
    sym = symbolic_grad(scatter_steps(x, gy, PoolSpec(**params)))
    expected = loop_pool_backward(x, gy, **params)  # integers: exact sums
    exact = sym.substitute_exact(gy)
    assert [[float(v) for v in row] for row in exact] == expected.tolist()
    np.testing.assert_array_equal(sym.substitute(gy), expected)
    # Every coefficient is 1/n for a whole n >= 1, and cells with no term are 0.
    assert (sym.denominator >= 1).all()
    np.testing.assert_array_equal(sym.term_counts() == 0, np.asarray(
        [[not cell for cell in row] for row in sym.grid()]))


@settings(max_examples=60, deadline=None)
@given(case=layers(), data=st.data())
def test_running_symbols_match_running_numbers(case, data):
    x, gy, params = case
    steps = scatter_steps(x, gy, PoolSpec(**params))
    k = data.draw(st.integers(-1, len(steps) - 1))
    sym = symbolic_grad(steps)
    exact = sym.substitute_exact(gy, k)
    assert [[float(v) for v in row] for row in exact] == steps.accumulated(k).tolist()


@settings(max_examples=40, deadline=None)
@given(case=layers())
def test_substitute_random_thirds_equals_pool_backward(case):
    x, gy, params = case
    gy = gy / LCM / 3  # thirds: not exact, but the same operations in the same order
    spec = PoolSpec(**params)
    got = symbolic_grad(scatter_steps(x, gy, spec)).substitute(gy)
    np.testing.assert_array_equal(got, pool_backward(x, gy, spec))


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_adaptive_symbols_substitute_to_the_loop_reference(data):
    H, W = data.draw(st.integers(1, 7)), data.draw(st.integers(1, 7))
    oh, ow = data.draw(st.integers(1, H)), data.draw(st.integers(1, W))
    mode = data.draw(st.sampled_from(["max", "avg"]))
    ties = data.draw(st.sampled_from(TIE_POLICIES))
    x = data.draw(hnp.arrays(np.float64, (H, W), elements=st.integers(0, 2).map(float)))
    gy = data.draw(hnp.arrays(np.float64, (oh, ow),
                              elements=st.integers(-6, 6).map(float))) * LCM
    spec = AdaptiveSpec(output_size=(oh, ow), mode=mode, ties=ties)
    sym = symbolic_grad(scatter_steps(x, gy, spec))
    _, _, expected = loop_adaptive_pool(x, gy, (oh, ow), mode, ties)
    assert [[float(v) for v in row] for row in sym.substitute_exact(gy)] == expected.tolist()


# ------------------------------------------------------------------------ tie feedback
def _exercise(x, gy, spec) -> Exercise:
    x, gy = np.asarray(x, dtype=np.float64), np.asarray(gy, dtype=np.float64)
    steps = scatter_steps(x, gy, spec)
    return Exercise("ties", 0, x, gy, spec, pool_forward(x, spec).output,
                    steps.win_counts, pool_backward(x, gy, spec), steps)


def test_marking_names_the_policy_a_wrong_cell_follows():
    # [[0, 0], [-1, -2]], kernel 2, policy all, dL/dy = 3: both zeros tie and each gets 3.
    # A student who writes PyTorch's answer (first: 3 at (0,0), 0 at (0,1)) is wrong at (0,1),
    # where the policy *first* would give 0.
    ex = _exercise([[0, 0], [-1, -2]], [[3]], PoolSpec(kernel_size=2, ties="all"))
    res = check(ex, {"grad_input": np.array([[3.0, 0.0], [0.0, 0.0]])})
    grad = [e for e in res.explanations if e.part == "grad_input"]
    assert [e.cell for e in grad] == [(0, 1)]
    assert grad[0].params["tied"] == [(0, 0, 2)]
    assert grad[0].params["policy"] == "all" and grad[0].params["as_if"] == "first"
    # 1.5 in both: what split gives.
    res = check(ex, {"grad_input": np.array([[1.5, 1.5], [0.0, 0.0]])})
    grad = [e for e in res.explanations if e.part == "grad_input"]
    assert [e.params["as_if"] for e in grad] == ["split", "split"]
    # A value no policy gives: the tie is still named, with no other policy.
    res = check(ex, {"grad_input": np.array([[3.0, 7.0], [0.0, 0.0]])})
    grad = [e for e in res.explanations if e.part == "grad_input"]
    assert grad[0].params["tied"] == [(0, 0, 2)] and grad[0].params["as_if"] is None
    # A cell that ties nowhere (-1 at (1,0)) gets no tie reading.
    res = check(ex, {"grad_input": np.array([[3.0, 3.0], [5.0, 0.0]])})
    grad = [e for e in res.explanations if e.part == "grad_input"]
    assert [e.cell for e in grad] == [(1, 0)] and grad[0].params["tied"] == []
