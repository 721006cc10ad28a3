"""The tie policies on hand-worked windows: who receives dL/dy, and how much.

Every expected receiver and amount below is worked out by hand from the policy's rule (see
pooling_core/ties.py): first = PyTorch's scan (``val > max or isnan(val)``, row-major), last =
the same scan keeping equals (``val >= max or isnan(val)``), split = every tied cell gets
g / n, all = every tied cell gets g. Padding is -inf and never ties.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from pooling_core import (
    TIE_POLICIES,
    PoolingError,
    PoolSpec,
    TiePolicy,
    pool_backward,
    scatter_steps,
    tie_policy,
    tied_cells,
    win_counts,
)

NAN = float("nan")

# (name, input, spec kwargs, dL/dy, the step k under test, tied cells of that window,
#  {policy: [(cell, amount), ...] in row-major order of the cells})
# dL/dy is 6 at the window under test (divisible by 2 and 3) and 0 elsewhere.
CASES = [
    (
        "no tie",  # one window; 3 at (0, 1) is the only maximum
        [[1.0, 3.0],
         [2.0, 0.0]],
        {"kernel_size": 2},
        [[6.0]], 0, [(0, 1)],
        {"first": [((0, 1), 6.0)], "last": [((0, 1), 6.0)],
         "split": [((0, 1), 6.0)], "all": [((0, 1), 6.0)]},
    ),
    (
        "2-way tie",  # 3 at (0, 0) and (1, 0)
        [[3.0, 1.0],
         [3.0, 0.0]],
        {"kernel_size": 2},
        [[6.0]], 0, [(0, 0), (1, 0)],
        {"first": [((0, 0), 6.0)], "last": [((1, 0), 6.0)],
         "split": [((0, 0), 3.0), ((1, 0), 3.0)], "all": [((0, 0), 6.0), ((1, 0), 6.0)]},
    ),
    (
        "3-way tie",  # 2 at (0, 0), (0, 1), (1, 0)
        [[2.0, 2.0],
         [2.0, 1.0]],
        {"kernel_size": 2},
        [[6.0]], 0, [(0, 0), (0, 1), (1, 0)],
        {"first": [((0, 0), 6.0)], "last": [((1, 0), 6.0)],
         "split": [((0, 0), 2.0), ((0, 1), 2.0), ((1, 0), 2.0)],
         "all": [((0, 0), 6.0), ((0, 1), 6.0), ((1, 0), 6.0)]},
    ),
    (
        # The maximum is NaN; the tied cells are the NaN cells. The scan takes every NaN it
        # meets, so first and last both end on the last NaN in row-major order, (1, 0).
        "NaN window",
        [[1.0, NAN],
         [NAN, 0.0]],
        {"kernel_size": 2},
        [[6.0]], 0, [(0, 1), (1, 0)],
        {"first": [((1, 0), 6.0)], "last": [((1, 0), 6.0)],
         "split": [((0, 1), 3.0), ((1, 0), 3.0)], "all": [((0, 1), 6.0), ((1, 0), 6.0)]},
    ),
    (
        # kernel 2, stride 2, padding 1 on a 3 x 3 input: window (0, 1) covers rows -1..0 and
        # columns 1..2; its top row is padding (-inf), its real cells (0, 1) and (0, 2) are
        # both -2 (negative: the padding still does not tie).
        "padded window",
        [[-5.0, -2.0, -2.0],
         [-9.0, -9.0, -9.0],
         [-9.0, -9.0, -9.0]],
        {"kernel_size": 2, "stride": 2, "padding": 1},
        [[0.0, 6.0],
         [0.0, 0.0]], 1, [(0, 1), (0, 2)],
        {"first": [((0, 1), 6.0)], "last": [((0, 2), 6.0)],
         "split": [((0, 1), 3.0), ((0, 2), 3.0)], "all": [((0, 1), 6.0), ((0, 2), 6.0)]},
    ),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("policy", TIE_POLICIES)
@pytest.mark.parametrize(("name", "x", "kw", "gy", "k", "tied", "expected"), CASES, ids=IDS)
def test_receivers_and_amounts_by_hand(name, x, kw, gy, k, tied, expected, policy):
    spec = PoolSpec(ties=policy, **kw)
    steps = scatter_steps(x, gy, spec)
    step = steps[k]
    assert list(step.tied) == tied
    assert [(cell, amount) for cell, amount in step.receivers] == expected[policy]
    # pool_backward hands the same amounts to the same cells (every other window has dL/dy 0).
    want = np.zeros(np.shape(x))
    for cell, amount in expected[policy]:
        want[cell] += amount
    np.testing.assert_array_equal(pool_backward(x, gy, spec), want)
    np.testing.assert_array_equal(steps.accumulated(len(steps) - 1), want)


@pytest.mark.parametrize("policy", TIE_POLICIES)
@pytest.mark.parametrize(("name", "x", "kw", "gy", "k", "tied", "expected"), CASES[:4],
                         ids=IDS[:4])
def test_win_counts_of_one_window_are_its_receivers(name, x, kw, gy, k, tied, expected, policy):
    """A single window: each of its receivers is counted once, every other cell 0."""
    spec = PoolSpec(ties=policy, **kw)
    want = np.zeros(np.shape(x), dtype=np.int64)
    for cell, _ in expected[policy]:
        want[cell] = 1
    np.testing.assert_array_equal(win_counts(x, spec), want)
    counts = scatter_steps(x, gy, spec).win_counts
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, want)


def test_padded_case_win_counts_by_hand():
    # Windows of the padded case (kernel 2, stride 2, padding 1, 3 x 3 input):
    # (0, 0) -> {(0, 0)} = -5; (0, 1) -> {(0, 1), (0, 2)} tied at -2;
    # (1, 0) -> {(1, 0), (2, 0)} all -9: a 2-way tie; (1, 1) -> 4 cells all -9: a 4-way tie.
    x = CASES[4][1]
    first = [[1, 1, 0], [1, 1, 0], [0, 0, 0]]
    last = [[1, 0, 1], [0, 0, 0], [1, 0, 1]]
    every = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    spec_kw = {"kernel_size": 2, "stride": 2, "padding": 1}
    gy = np.ones((2, 2))
    for policy, want in (("first", first), ("last", last), ("split", every), ("all", every)):
        spec = PoolSpec(ties=policy, **spec_kw)
        np.testing.assert_array_equal(win_counts(x, spec), want)
        np.testing.assert_array_equal(scatter_steps(x, gy, spec).win_counts, want)


def test_the_policy_table():
    assert TIE_POLICIES == ("first", "last", "split", "all")
    rows = {p: (tie_policy(p).single, tie_policy(p).scan_last, tie_policy(p).divides)
            for p in TIE_POLICIES}
    assert rows == {"first": (True, False, False), "last": (True, True, False),
                    "split": (False, False, True), "all": (False, False, False)}
    assert all(isinstance(tie_policy(p), TiePolicy) and tie_policy(p).name == p
               for p in TIE_POLICIES)


@pytest.mark.parametrize("bad", ["First", "", "max", None, 1, ["first"]])
def test_unknown_policy_is_refused(bad):
    with pytest.raises(PoolingError) as info:
        tie_policy(bad)
    assert info.value.code == "unknown_ties"
    with pytest.raises(PoolingError) as info:
        PoolSpec(ties=bad)
    assert info.value.code == "unknown_ties"


def test_rule_functions_on_a_hand_mask():
    # Two windows of four taps: window 0 ties taps 0 and 2 (the scan's winner is tap 2 for
    # "last", tap 0 for "first"); window 1 has one maximum at tap 3.
    tied = np.array([[True, False, True, False],
                     [False, False, False, True]])
    first = tie_policy("first").receivers(tied, np.array([0, 3]))
    last = tie_policy("last").receivers(tied, np.array([2, 3]))
    np.testing.assert_array_equal(first, [[True, False, False, False], [False, False, False, True]])
    np.testing.assert_array_equal(last, [[False, False, True, False], [False, False, False, True]])
    for p in ("split", "all"):
        np.testing.assert_array_equal(tie_policy(p).receivers(tied, None), tied)
    np.testing.assert_array_equal(tie_policy("split").divisor(tied), [2, 1])
    for p in ("first", "last", "all"):
        np.testing.assert_array_equal(tie_policy(p).divisor(tied), [1, 1])
    g = np.array([6.0, -4.0])
    np.testing.assert_array_equal(tie_policy("split").share(g, tied), [3.0, -4.0])
    np.testing.assert_array_equal(tie_policy("all").share(g, tied), [6.0, -4.0])


def test_tied_cells_rule():
    values = np.array([[1.0, NAN, NAN, 0.0],      # maximum NaN: the NaN cells tie
                       [2.0, 2.0, -np.inf, 1.0],  # maximum 2: two cells
                       [-np.inf, -np.inf, 5.0, 5.0]])  # tap 3 is padding: not real
    maximum = np.array([[NAN], [2.0], [5.0]])
    real = np.array([[True, True, True, True],
                     [True, True, True, True],
                     [True, True, True, False]])
    np.testing.assert_array_equal(tied_cells(values, maximum, real),
                                  [[False, True, True, False],
                                   [True, True, False, False],
                                   [False, False, True, False]])


def test_split_of_a_nan_upstream_and_share_dtype():
    # float32 stays float32: 1 / 3 of a float32 6 is float32(6) / float32(3) = 2.
    x = np.array([[2.0, 2.0], [2.0, 1.0]], dtype=np.float32)
    grad = pool_backward(x, np.array([[6.0]], dtype=np.float32), PoolSpec(2, ties="split"))
    assert grad.dtype == np.float32
    np.testing.assert_array_equal(grad, np.array([[2, 2], [2, 0]], dtype=np.float32))
    grad = pool_backward(x.astype(float), [[NAN]], PoolSpec(2, ties="split"))
    assert [math.isnan(v) for v in grad.ravel()] == [True, True, True, False]
