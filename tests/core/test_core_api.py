"""The public API contract of pooling_core, on hand-worked examples.

Every expected value here is worked out by hand (see the comments) or by the loop reference,
never computed by pooling_core itself.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from exact_compare import assert_exact
from loop_reference import loop_pool_backward, loop_pool_forward

import pooling_core
from pooling_core import (
    PoolingError,
    PoolSpec,
    output_size,
    pool_backward,
    pool_forward,
    scatter_steps,
)

# --------------------------------------------------------------------------- shared examples
# The course's worked example: 6x6 input, 3x3 kernel, stride 1. The top-left 3x4 block is
# [[1,2,3,1],[2,2,5,4],[0,6,9,6]]; every other value is < 9, so the 9 at (2, 2) is the
# maximum of windows (0, 0) = [[1,2,3],[2,2,5],[0,6,9]] and (0, 1) = [[2,3,1],[2,5,4],[6,9,6]].
COURSE_X = np.array(
    [
        [1, 2, 3, 1, 0, 4],
        [2, 2, 5, 4, 7, 1],
        [0, 6, 9, 6, 3, 2],
        [4, 1, 8, 2, 5, 7],
        [3, 7, 2, 6, 1, 0],
        [5, 0, 4, 3, 8, 6],
    ],
    dtype=np.float64,
)
# By hand, window (i, j) covers rows i..i+2 and columns j..j+2:
#   the 9 at (2, 2) is the maximum of the nine windows (i, j) with i, j <= 2;
#   (0, 3): max 7 at (1, 4);  (1, 3): 7 at (1, 4) and (3, 5), a tie;  (2, 3): 7 at (3, 5);
#   (3, 0), (3, 1): 8 at (3, 2);  (3, 2): 8 at (3, 2) and (5, 4), a tie;  (3, 3): 8 at (5, 4).
COURSE_OUT = np.array([[9, 9, 9, 7], [9, 9, 9, 7], [9, 9, 9, 7], [8, 8, 8, 8]], dtype=float)
COURSE_IDX = np.array(
    [[14, 14, 14, 10], [14, 14, 14, 10], [14, 14, 14, 23], [20, 20, 20, 34]], dtype=np.int64
)
COURSE_DZ = np.arange(1.0, 17.0).reshape(4, 4)  # distinct upstream values 1..16


def course_grad(cells: dict[tuple[int, int], float]) -> np.ndarray:
    grad = np.zeros((6, 6))
    for cell, value in cells.items():
        grad[cell] = value
    return grad


# dL/dx under each tie policy with dz = 1..16, by hand. (2, 2) gets 1+2+3+5+6+7+9+10+11 = 54.
COURSE_GRAD = {
    # (1, 4) <- dz 4, 8 (tie won by the first); (3, 5) <- 12; (3, 2) <- 13, 14, 15; (5, 4) <- 16
    "first": course_grad({(2, 2): 54, (1, 4): 12, (3, 5): 12, (3, 2): 42, (5, 4): 16}),
    # the ties go to the later cell: (3, 5) <- 8, 12; (5, 4) <- 15, 16
    "last": course_grad({(2, 2): 54, (1, 4): 4, (3, 5): 20, (3, 2): 27, (5, 4): 31}),
    # the ties split 8 -> 4 + 4 and 15 -> 7.5 + 7.5
    "split": course_grad({(2, 2): 54, (1, 4): 8, (3, 5): 16, (3, 2): 34.5, (5, 4): 23.5}),
    # both tied cells get the full 8 and 15
    "all": course_grad({(2, 2): 54, (1, 4): 12, (3, 5): 20, (3, 2): 42, (5, 4): 31}),
}


# --------------------------------------------------------------------------- imports, basics
def test_public_names():
    assert {"PoolSpec", "pool_forward", "pool_backward", "scatter_steps"} <= set(
        pooling_core.__all__
    )
    assert issubclass(PoolingError, ValueError)
    assert tuple(pooling_core.MODES) == ("max", "avg")
    assert tuple(pooling_core.TIE_POLICIES) == ("first", "last", "split", "all")
    spec = PoolSpec()
    assert (spec.kernel_size, spec.stride, spec.padding, spec.dilation) == (
        (2, 2), (2, 2), (0, 0), (1, 1)
    )
    assert (spec.mode, spec.ties, spec.ceil_mode) == ("max", "first", False)
    assert (spec.count_include_pad, spec.divisor_override) == (True, None)


def test_spec_normalises_to_pairs():
    spec = PoolSpec(kernel_size=[2, 3], stride=(1, 2), padding=1, dilation=np.int64(2))
    assert spec.kernel_size == (2, 3) and spec.k == (2, 3)
    assert spec.stride == (1, 2) and spec.s == (1, 2)
    assert spec.padding == (1, 1) and spec.p == (1, 1)
    assert spec.dilation == (2, 2) and spec.d == (2, 2)
    assert all(type(v) is int for v in spec.kernel_size + spec.dilation)
    assert spec.effective_kernel == (3, 5)  # (k - 1) * d + 1


@pytest.mark.parametrize("kernel", [3, (3, 3), (2, 3), [3, 2]])
def test_stride_none_means_kernel(kernel):
    spec = PoolSpec(kernel_size=kernel)
    k = (kernel, kernel) if isinstance(kernel, int) else tuple(kernel)
    assert spec.stride == k
    x = np.arange(42.0).reshape(6, 7)
    fwd = pool_forward(x, spec)
    out, idx = loop_pool_forward(x, kernel_size=k, stride=k)
    assert_exact(fwd.output, out)
    assert_exact(fwd.indices, idx)
    assert_exact(pool_forward(x, PoolSpec(kernel_size=kernel, stride=k)).output, out)


def test_stride_none_hand_example():
    # 6x6 arange with 3x3 non-overlapping windows: maxima at the bottom-right of each block.
    x = np.arange(36.0).reshape(6, 6)
    fwd = pool_forward(x, PoolSpec(3))
    np.testing.assert_array_equal(fwd.output, [[14, 17], [32, 35]])
    np.testing.assert_array_equal(fwd.indices, [[14, 17], [32, 35]])


# --------------------------------------------------------------------------- dtypes
@pytest.mark.parametrize(
    "dtype, expected",
    [
        (np.float64, np.float64),
        (np.float32, np.float32),
        (np.int8, np.float64),
        (np.int32, np.float64),
        (np.int64, np.float64),
        (np.uint8, np.float64),
        (np.uint16, np.float64),
        (np.bool_, np.float64),
        (np.float16, np.float64),
    ],
)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_dtype_rules(dtype, expected, mode):
    x = (np.arange(20).reshape(4, 5) % 7).astype(dtype)
    spec = PoolSpec(2, stride=1, padding=1, mode=mode)
    fwd = pool_forward(x, spec)
    assert fwd.output.dtype == expected
    g = np.ones(fwd.output.shape, dtype=np.float64)  # float64 upstream on a float32 input
    grad = pool_backward(x, g, spec)
    assert grad.dtype == expected
    assert grad.shape == x.shape
    x_ref = x.astype(expected)
    out, _ = loop_pool_forward(x_ref, kernel_size=2, stride=1, padding=1, mode=mode)
    assert_exact(fwd.output, out)
    assert_exact(grad, loop_pool_backward(x_ref, g, kernel_size=2, stride=1, padding=1, mode=mode))


def test_python_lists_become_float64():
    fwd = pool_forward([[1, 2], [3, 4]], PoolSpec(2))
    assert fwd.output.dtype == np.float64
    assert fwd.output.tolist() == [[4.0]]
    grad = pool_backward([[1, 2], [3, 4]], [[2]], PoolSpec(2))
    assert grad.dtype == np.float64
    assert grad.tolist() == [[0, 0], [0, 2]]


def test_inputs_are_not_modified():
    x = np.arange(30.0).reshape(5, 6) % 4
    g = np.arange(9.0).reshape(3, 3)
    x0, g0 = x.copy(), g.copy()
    spec = PoolSpec(3, stride=2, padding=1, ties="split")
    pool_forward(x, spec)
    pool_backward(x, g, spec)
    scatter_steps(x, g, spec).accumulated(8)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(g, g0)


def _layouts():
    base = (np.arange(3 * 2 * 7 * 6) * 7 % 11 - 5).reshape(3, 2, 7, 6).astype(np.float32)
    readonly = base.copy()
    readonly.setflags(write=False)
    return {
        "reversed_rows": base[..., ::-1, :],
        "transposed": base.transpose(1, 0, 3, 2),
        "fortran": np.asfortranarray(base),
        "strided": base[:, :, ::2, 1::2],
        "broadcast": np.broadcast_to(base[:1, :1], base.shape),
        "readonly": readonly,
        "float64_2d_view": base[1, 0].astype(np.float64)[::-1, ::-1],
    }


@pytest.mark.parametrize("layout", list(_layouts()))
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_memory_layouts(layout, mode):
    """Views, transposes, Fortran order, broadcast and read-only arrays give the same
    results as the loop reference on a plain copy."""
    x = _layouts()[layout]
    params = dict(kernel_size=(2, 3), stride=(1, 2), padding=1, ceil_mode=True, mode=mode)
    for ties in ("first", "last", "split", "all"):
        spec = PoolSpec(**params, ties=ties)
        fwd = pool_forward(x, spec)
        out, idx = loop_pool_forward(np.array(x), **params)
        assert_exact(fwd.output, out)
        if mode == "max":
            assert_exact(fwd.indices, idx)
        g = (np.arange(out.size).reshape(out.shape) % 5 - 2).astype(x.dtype)
        want = loop_pool_backward(np.array(x), g, **params, ties=ties)
        assert_exact(pool_backward(x, g, spec), want)


# --------------------------------------------------------------------------- indices
INDEX_X = np.array(
    [
        [1, 9, 2, 3, 0],
        [4, 5, 6, 8, 7],
        [3, 2, 1, 0, 9],
        [8, 1, 1, 5, 2],
    ],
    dtype=np.float64,
)


def test_indices_are_flat_row_major_int64():
    # kernel 2, stride 2 on 4x5: windows cols 0-1 and 2-3 (col 4 left over).
    # (0,0): max 9 at (0,1) -> 1;  (0,1): 8 at (1,3) -> 1*5+3 = 8
    # (1,0): 8 at (3,0) -> 15;     (1,1): 5 at (3,3) -> 18
    fwd = pool_forward(INDEX_X, PoolSpec(2))
    assert fwd.indices.dtype == np.int64
    np.testing.assert_array_equal(fwd.output, [[9, 8], [8, 5]])
    np.testing.assert_array_equal(fwd.indices, [[1, 8], [15, 18]])
    # ceil_mode adds a third column of windows over col 4 only:
    # (0,2): 0, 7 -> 7 at (1,4) -> 9;  (1,2): 9, 2 -> 9 at (2,4) -> 14
    fwd = pool_forward(INDEX_X, PoolSpec(2, ceil_mode=True))
    np.testing.assert_array_equal(fwd.output, [[9, 8, 7], [8, 5, 9]])
    np.testing.assert_array_equal(fwd.indices, [[1, 8, 9], [15, 18, 14]])


def test_indices_are_per_plane():
    # Channel 1 is all zeros: every window ties, the first cell wins: 0, 2, 10, 12.
    x = np.stack([INDEX_X, np.zeros_like(INDEX_X)])[None]  # (1, 2, 4, 5)
    fwd = pool_forward(x, PoolSpec(2))
    assert fwd.indices.shape == (1, 2, 2, 2)
    np.testing.assert_array_equal(fwd.indices[0, 0], [[1, 8], [15, 18]])
    np.testing.assert_array_equal(fwd.indices[0, 1], [[0, 2], [10, 12]])


def test_indices_with_padding_point_at_real_cells():
    # All -inf input with padding 1: padding is -inf too but never wins; PyTorch reports
    # the window's first real cell. 3x3, k=2, s=2, p=1: windows start at -1 and 1.
    x = np.full((3, 3), -np.inf)
    fwd = pool_forward(x, PoolSpec(2, stride=2, padding=1))
    np.testing.assert_array_equal(fwd.output, np.full((2, 2), -np.inf))
    np.testing.assert_array_equal(fwd.indices, [[0, 1], [3, 4]])


def test_nan_wins_and_last_nan_is_the_index():
    nan = np.nan
    x = np.array([[1.0, nan], [nan, 5.0]])
    fwd = pool_forward(x, PoolSpec(2))
    assert np.isnan(fwd.output[0, 0])
    assert fwd.indices[0, 0] == 2  # the last NaN scanned, (1, 0)
    g = np.array([[3.0]])
    expected = {
        "first": [[0, 0], [3, 0]],
        "last": [[0, 0], [3, 0]],
        "split": [[0, 1.5], [1.5, 0]],
        "all": [[0, 3], [3, 0]],
    }
    for ties, want in expected.items():
        np.testing.assert_array_equal(pool_backward(x, g, PoolSpec(2, ties=ties)), want)


def test_avg_indices_none_and_divisor():
    x = np.arange(49.0).reshape(7, 7)
    fwd = pool_forward(x, PoolSpec(2, stride=3, ceil_mode=True, mode="avg"))
    assert fwd.indices is None
    # rows/cols 0-1, 3-4, and 6 alone (its partner 7 is past the border and not counted)
    np.testing.assert_array_equal(fwd.divisor, [[4, 4, 2], [4, 4, 2], [2, 2, 1]])
    assert pool_forward(x, PoolSpec(2)).divisor is None


# --------------------------------------------------------------------------- hand examples
def test_avg_pool_ceil_mode_arange49():
    # AvgPool2d(2, stride=3, ceil_mode=True) on 0..48 as 7x7:
    # [0,0] = (0+1+7+8)/4 = 4, [0,2] = (6+13)/2 = 9.5, [2,2] = 48/1 = 48, ...
    x = np.arange(49).reshape(7, 7)
    spec = PoolSpec(kernel_size=2, stride=3, ceil_mode=True, mode="avg")
    fwd = pool_forward(x, spec)
    expected = np.array([[4, 7, 9.5], [25, 28, 30.5], [42.5, 45.5, 48]])
    assert_exact(fwd.output, expected)
    for dtype in (np.float32, np.float64):
        np.testing.assert_array_equal(pool_forward(x.astype(dtype), spec).output, expected)
    # Backward of ones: 1/4 to cells of full windows, 1/2 to the edge pairs, 1 to (6, 6),
    # nothing to rows/cols 2 and 5 (no window covers them).
    grad = pool_backward(x, np.ones((3, 3)), spec)
    w = np.array([0.5, 0.5, 0, 0.5, 0.5, 0, 1.0])
    np.testing.assert_array_equal(grad, np.outer(w, w))


@pytest.mark.parametrize(
    "count_include_pad, divisor_override, expected",
    [
        # 3x3 of ones, k=3, s=1, p=1: a corner window holds 4 real cells, an edge 6.
        (True, None, [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]]),
        (False, None, [[1, 1, 1], [1, 1, 1], [1, 1, 1]]),
        (True, 2, [[2, 3, 2], [3, 4.5, 3], [2, 3, 2]]),
        (False, 4, [[1, 1.5, 1], [1.5, 2.25, 1.5], [1, 1.5, 1]]),
    ],
)
def test_avg_count_include_pad_and_divisor_override(count_include_pad, divisor_override, expected):
    spec = PoolSpec(3, stride=1, padding=1, mode="avg", count_include_pad=count_include_pad,
                    divisor_override=divisor_override)
    fwd = pool_forward(np.ones((3, 3)), spec)
    np.testing.assert_array_equal(fwd.output, np.array(expected))


def test_avg_ceil_overhang_not_counted_but_padding_is():
    # 5x5 ones, k=2, s=2, p=1, ceil: windows start at -1, 1, 3 (a 4th, at 5, is dropped).
    # Each axis: window -1..0 has 1 pad + 1 real, 1..2 and 3..4 are real. With
    # count_include_pad the divisor is 4 everywhere; without, 1, 2 or 4 real cells.
    x = np.ones((5, 5))
    cip = pool_forward(x, PoolSpec(2, 2, 1, ceil_mode=True, mode="avg"))
    np.testing.assert_array_equal(cip.divisor, np.full((3, 3), 4))
    np.testing.assert_array_equal(cip.output, [[0.25, 0.5, 0.5], [0.5, 1, 1], [0.5, 1, 1]])
    real = pool_forward(x, PoolSpec(2, 2, 1, ceil_mode=True, mode="avg", count_include_pad=False))
    np.testing.assert_array_equal(real.divisor, [[1, 2, 2], [2, 4, 4], [2, 4, 4]])
    np.testing.assert_array_equal(real.output, np.ones((3, 3)))
    # 6x6, k=3, s=2, p=1, ceil: windows start at -1, 1, 3, 5; the last covers 5 (real),
    # 6 (padding) and 7 (past the padded border, not counted): divisor 2 per axis.
    x6 = np.ones((6, 6))
    fwd = pool_forward(x6, PoolSpec(3, 2, 1, ceil_mode=True, mode="avg"))
    np.testing.assert_array_equal(fwd.divisor[0], [9, 9, 9, 6])
    np.testing.assert_array_equal(fwd.divisor[3], [6, 6, 6, 4])


def test_avg_backward_count_include_pad_false_by_hand():
    # 3x3 input, k=3, s=1, p=1, count_include_pad=False, dL/dy = ones. Window (i, j) holds
    # the real cells of rows i-1..i+1 and columns j-1..j+1: 4 at a corner, 6 at an edge, 9 in
    # the middle; each of its cells receives 1/divisor.
    #   corner (0,0) is in windows (0,0), (0,1), (1,0), (1,1):
    #       1/4 + 1/6 + 1/6 + 1/9 = (9 + 6 + 6 + 4)/36 = 25/36
    #   edge (0,1) is in windows (0,0), (0,1), (0,2), (1,0), (1,1), (1,2):
    #       1/4 + 1/6 + 1/4 + 1/6 + 1/9 + 1/6 = (9 + 6 + 9 + 6 + 4 + 6)/36 = 40/36
    #   middle (1,1) is in all nine: 4 * 1/4 + 4 * 1/6 + 1/9 = (36 + 24 + 4)/36 = 64/36
    # Each window hands out exactly its dL/dy: the sum is 4*25/36 + 4*40/36 + 64/36 = 9.
    spec = PoolSpec(3, stride=1, padding=1, mode="avg", count_include_pad=False)
    grad = pool_backward(np.zeros((3, 3)), np.ones((3, 3)), spec)
    expected = np.array([[25, 40, 25], [40, 64, 40], [25, 40, 25]]) / 36
    np.testing.assert_allclose(grad, expected, rtol=1e-14, atol=0)
    assert abs(grad.sum() - 9) < 1e-12
    # The same as steps: window (0, 0) divides by its 4 real cells, (1, 1) by 9.
    steps = scatter_steps(np.zeros((3, 3)), np.ones((3, 3)), spec)
    assert steps[0].divisor == 4 and steps[4].divisor == 9 and steps[1].divisor == 6
    assert steps[0].receivers == tuple((c, 0.25) for c in [(0, 0), (0, 1), (1, 0), (1, 1)])
    # With count_include_pad=True every divisor is 9 and each cell gets (its windows)/9:
    # corner 4/9, edge 6/9, middle 9/9; the cells get (16 + 24 + 9)/9 = 49/9 of the 81/9,
    # the padding keeps the other 32/9.
    with_pad = replace(spec, count_include_pad=True)
    grad_pad = pool_backward(np.zeros((3, 3)), np.ones((3, 3)), with_pad)
    np.testing.assert_allclose(grad_pad, np.array([[4, 6, 4], [6, 9, 6], [4, 6, 4]]) / 9,
                               rtol=1e-14, atol=0)
    assert abs(grad_pad.sum() - 49 / 9) < 1e-12


def test_avg_backward_divisor_override_by_hand():
    # 4x4 input, k=2, s=2, divisor_override=3, dL/dy = [[3, 6], [9, 12]]: every cell of
    # window (i, j) receives dL/dy[i, j] / 3 (not / 4): 1, 2, 3, 4 on the four 2x2 blocks.
    spec = PoolSpec(2, mode="avg", divisor_override=3)
    grad = pool_backward(np.zeros((4, 4)), np.array([[3.0, 6.0], [9.0, 12.0]]), spec)
    assert_exact(grad, np.array([[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4.0]]))
    # The override beats count_include_pad=False too: 3x3, k=3, s=1, p=1, override 2, ones:
    # each cell gets (number of windows holding it) / 2: corner 4/2, edge 6/2, middle 9/2.
    spec = PoolSpec(3, stride=1, padding=1, mode="avg", count_include_pad=False,
                    divisor_override=2)
    grad = pool_backward(np.zeros((3, 3)), np.ones((3, 3)), spec)
    assert_exact(grad, np.array([[2, 3, 2], [3, 4.5, 3], [2, 3, 2]]))


def test_avg_backward_ceil_overhang_by_hand():
    # 5x5 input, k=2, s=2, ceil_mode, no padding: windows start at 0, 2, 4 per axis; the last
    # covers 4 and 5, and 5 is past the border (not padding), so it is not counted: per-axis
    # counts 2, 2, 1, divisors [[4, 4, 2], [4, 4, 2], [2, 2, 1]]. With dL/dy = ones each cell
    # gets 1/divisor of the one window holding it.
    spec = PoolSpec(2, stride=2, ceil_mode=True, mode="avg")
    grad = pool_backward(np.zeros((5, 5)), np.ones((3, 3)), spec)
    w = np.array([0.5, 0.5, 0.5, 0.5, 1.0])  # 1/2 per axis in full windows, 1 in the last
    assert_exact(grad, np.outer(w, w))  # e.g. (4, 4): 1/1, (4, 0): 1/2, (0, 0): 1/4


def test_course_example_forward():
    fwd = pool_forward(COURSE_X, PoolSpec(kernel_size=3, stride=1))
    np.testing.assert_array_equal(COURSE_X[0:3, 0:3], [[1, 2, 3], [2, 2, 5], [0, 6, 9]])
    np.testing.assert_array_equal(COURSE_X[0:3, 1:4], [[2, 3, 1], [2, 5, 4], [6, 9, 6]])
    assert_exact(fwd.output, COURSE_OUT)
    assert_exact(fwd.indices, COURSE_IDX)
    # Both of the first two windows choose input cell (2, 2).
    assert fwd.indices[0, 0] == fwd.indices[0, 1] == 2 * 6 + 2


def test_course_example_first_two_windows_gradient():
    # Upstream gradient only on the first two windows, with distinct values 3 and 5:
    # the shared maximum (2, 2) gets dz[0,0] + dz[0,1] = 8 and nothing else gets anything.
    dz = np.zeros((4, 4))
    dz[0, 0], dz[0, 1] = 3.0, 5.0
    grad = pool_backward(COURSE_X, dz, PoolSpec(3, stride=1))
    assert grad[2, 2] == dz[0, 0] + dz[0, 1] == 8.0
    assert np.count_nonzero(grad) == 1


@pytest.mark.parametrize("ties", ["first", "last", "split", "all"])
def test_course_example_backward_every_policy(ties):
    grad = pool_backward(COURSE_X, COURSE_DZ, PoolSpec(3, stride=1, ties=ties))
    assert_exact(grad, COURSE_GRAD[ties])
    if ties != "all":  # gradient mass is conserved, except when ties are duplicated
        assert grad.sum() == COURSE_DZ.sum()
    else:
        assert grad.sum() == COURSE_DZ.sum() + 8 + 15


PLATEAU_X = np.array(
    [[5, 5, 1, 0], [5, 5, 2, 3], [0, 1, 7, 6], [2, 2, 4, 3]], dtype=np.float64
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "ties, plateau",
    [
        ("first", [[2, 0], [0, 0]]),  # top-left gets g
        ("last", [[0, 0], [0, 2]]),  # bottom-right gets g
        ("split", [[0.5, 0.5], [0.5, 0.5]]),  # each g / 4
        ("all", [[2, 2], [2, 2]]),  # each the full g
    ],
)
def test_plateau_tie_policies(ties, plateau, dtype):
    # kernel 2: window (0,0) is a plateau of four 5s; g = 2 on it.
    # (0,1): 1,0,2,3 -> 3 at (1,3);  (1,0): 0,1,2,2 -> tie of (3,0), (3,1);  (1,1): 7 at (2,2).
    g = np.array([[2.0, 3.0], [4.0, 8.0]], dtype=dtype)
    grad = pool_backward(PLATEAU_X.astype(dtype), g, PoolSpec(2, ties=ties))
    assert grad.dtype == dtype
    np.testing.assert_array_equal(grad[:2, :2], plateau)
    assert grad[1, 3] == 3 and grad[2, 2] == 8
    second_tie = {"first": [4, 0], "last": [0, 4], "split": [2, 2], "all": [4, 4]}[ties]
    np.testing.assert_array_equal(grad[3, :2], second_tie)
    if ties == "all":
        assert grad[:2, :2].sum() == 4 * 2.0  # sum of dL/dx over the plateau is 4g


def test_split_three_way_tie_in_float32_rounds_like_the_dtype():
    x = np.array([[1, 1], [1, 0]], dtype=np.float32)
    grad = pool_backward(x, np.array([[1.0]], dtype=np.float32), PoolSpec(2, ties="split"))
    third = np.float32(1) / np.float32(3)
    assert_exact(grad, np.array([[third, third], [third, 0]], dtype=np.float32))


# --------------------------------------------------------------------------- output size
def test_output_size_and_formula_text():
    h, w = output_size((6, 6), PoolSpec(3, stride=1))
    assert (h.size, w.size) == (4, 4)
    assert h.formula == "⌊(6 + 2·0 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊3 / 1⌋ + 1 = 4"
    assert not h.dropped_last

    h, w = output_size((7, 9), PoolSpec((3, 2), stride=(1, 3), padding=1, dilation=(2, 1)))
    # height: (7 + 2 - 2*2 - 1) / 1 = 4 -> 5;  width: (9 + 2 - 1 - 1) / 3 = 3 -> 4
    assert h.formula == "⌊(7 + 2·1 − 2·(3 − 1) − 1) / 1⌋ + 1 = ⌊4 / 1⌋ + 1 = 5"
    assert w.formula == "⌊(9 + 2·1 − 1·(2 − 1) − 1) / 3⌋ + 1 = ⌊9 / 3⌋ + 1 = 4"
    assert (h.size, w.size) == (5, 4)


def test_output_size_floor_and_ceil():
    # n = 7, k = 2, s = 3: (7 - 2) / 3 = 5/3, floor -> 2 windows, ceil -> 3 (the third
    # starts at 6, inside the input, so it is kept).
    (a, _) = output_size((7, 7), PoolSpec(2, stride=3))
    assert a.size == 2
    assert a.formula == "⌊(7 + 2·0 − 1·(2 − 1) − 1) / 3⌋ + 1 = ⌊5 / 3⌋ + 1 = 2"
    (a, _) = output_size((7, 7), PoolSpec(2, stride=3, ceil_mode=True))
    assert a.size == 3 and not a.dropped_last
    assert a.formula == "⌈(7 + 2·0 − 1·(2 − 1) − 1) / 3⌉ + 1 = ⌈5 / 3⌉ + 1 = 3"


def test_output_size_ceil_mode_drop_rule():
    # n = 5, k = 2, s = 2, p = 1, ceil: ceil((5 + 2 - 1 - 1) / 2) + 1 = ceil(5/2) + 1 = 4.
    # Padded positions run -1..5. Windows start at -1, 1, 3 and 5; the 4th starts at 5, in
    # the right padding ((4 - 1) * 2 = 6 >= n + p = 6), so PyTorch drops it: 3 windows.
    # By hand with torch: F.max_pool2d(torch.zeros(1, 1, 5, 5), 2, 2, 1, ceil_mode=True)
    # has shape (1, 1, 3, 3) (also in the golden file, case max_arange5_k2_s2_p1_ceil_drop).
    (a, b) = output_size((5, 5), PoolSpec(2, stride=2, padding=1, ceil_mode=True))
    assert a.size == b.size == 3
    assert a.dropped_last and a.rounded == 3 and a.numerator == 5
    assert a.formula == "⌈(5 + 2·1 − 1·(2 − 1) − 1) / 2⌉ + 1 = ⌈5 / 2⌉ + 1 = 4 → 3"
    fwd = pool_forward(np.arange(25.0).reshape(5, 5), PoolSpec(2, 2, 1, ceil_mode=True))
    # windows rows/cols {0}, {1,2}, {3,4}: maxima at the bottom-right real cell
    np.testing.assert_array_equal(fwd.output, [[0, 2, 4], [10, 12, 14], [20, 22, 24]])
    assert fwd.sizes == (a, b)


# --------------------------------------------------------------------------- errors
X44 = np.arange(16.0).reshape(4, 4)


def _forward(x, **params):
    return pool_forward(x, PoolSpec(**params))


INVALID = [
    # (id, callable, code, substrings the message must contain)
    ("kernel_0", lambda: PoolSpec(kernel_size=0), "kernel_size_too_small", ["kernel_size", "0"]),
    ("kernel_neg", lambda: PoolSpec(kernel_size=(2, -1)), "kernel_size_too_small",
     ["kernel_size", "-1"]),
    ("stride_0", lambda: PoolSpec(2, stride=0), "stride_too_small", ["stride", "0"]),
    ("stride_neg", lambda: PoolSpec(2, stride=(1, -2)), "stride_too_small", ["stride", "-2"]),
    ("dilation_0", lambda: PoolSpec(2, dilation=0), "dilation_too_small", ["dilation", "0"]),
    ("dilation_neg", lambda: PoolSpec(2, dilation=-3), "dilation_too_small",
     ["dilation", "-3"]),
    ("padding_neg", lambda: PoolSpec(2, padding=-1), "padding_negative", ["padding", "-1"]),
    ("padding_big", lambda: PoolSpec(3, padding=2), "padding_too_large", ["padding", "2", "1"]),
    ("padding_big_dilated", lambda: PoolSpec(3, dilation=2, padding=(0, 3)),
     "padding_too_large", ["padding", "3", "2"]),
    ("kernel_float", lambda: PoolSpec(kernel_size=2.5), "not_int_pair", ["kernel_size", "2.5"]),
    ("kernel_str", lambda: PoolSpec(kernel_size="3"), "not_int_pair", ["kernel_size", "'3'"]),
    ("stride_triple", lambda: PoolSpec(2, stride=(1, 1, 1)), "not_int_pair",
     ["stride", "(1, 1, 1)"]),
    ("mode", lambda: PoolSpec(2, mode="min"), "unknown_mode", ["mode", "'min'"]),
    ("ties", lambda: PoolSpec(2, ties="random"), "unknown_ties", ["ties", "'random'"]),
    ("avg_dilation", lambda: PoolSpec(2, mode="avg", dilation=2), "avg_dilation",
     ["dilation", "2"]),
    ("divisor_0", lambda: PoolSpec(2, mode="avg", divisor_override=0), "divisor_invalid",
     ["divisor_override", "0"]),
    ("divisor_neg", lambda: PoolSpec(2, mode="avg", divisor_override=-4), "divisor_invalid",
     ["divisor_override", "-4"]),
    ("ceil_mode_str", lambda: PoolSpec(2, ceil_mode="yes"), "not_bool", ["ceil_mode", "'yes'"]),
    ("empty_input", lambda: _forward(np.ones((0, 3)), kernel_size=1), "empty_input",
     ["x", "(0, 3)"]),
    ("empty_input_4d", lambda: _forward(np.ones((2, 0, 3, 3)), kernel_size=1), "empty_input",
     ["x", "(2, 0, 3, 3)"]),
    # 2x2 input, kernel 3: the window spans 3 cells, the input only 2.
    ("output_empty", lambda: _forward(np.ones((2, 2)), kernel_size=3), "output_empty",
     ["empty", "3", "2"]),
    ("output_empty_dilated", lambda: _forward(np.ones((5, 5)), kernel_size=2, dilation=6),
     "output_empty", ["empty", "7", "5"]),
    # 2x2 input, kernel 2, dilation 5, padding 3: window 0 reads cells -3 and 2, both padding.
    ("padding_only_window", lambda: _forward(np.ones((2, 2)), kernel_size=2, dilation=5,
                                             padding=3),
     "window_no_real_cell", ["padding", "[-3, 2]"]),
    ("grad_shape", lambda: pool_backward(X44, np.ones((3, 3)), PoolSpec(2)), "grad_shape",
     ["grad_output", "(3, 3)", "(2, 2)"]),
    ("grad_shape_lead", lambda: pool_backward(X44[None], np.ones((2, 2)), PoolSpec(2)),
     "grad_shape", ["grad_output", "(2, 2)", "(1, 2, 2)"]),
    ("grad_strings", lambda: pool_backward(X44, np.array([["a", "b"], ["c", "d"]]),
                                           PoolSpec(2)),
     "grad_non_numeric", ["grad_output"]),
    ("grad_ragged", lambda: pool_backward(X44, [[1, 2], [3]], PoolSpec(2)),
     "grad_non_numeric", ["grad_output"]),
    ("grad_complex", lambda: pool_backward(X44, np.ones((2, 2)) * 1j, PoolSpec(2)),
     "grad_non_numeric", ["grad_output", "complex"]),
    ("x_strings", lambda: _forward(np.array([["a", "b"], ["c", "d"]]), kernel_size=1),
     "non_numeric", ["x must", "<U1"]),
    ("x_string_scalar", lambda: _forward("abcd", kernel_size=1), "non_numeric", ["x must"]),
    ("x_none_inside", lambda: _forward(np.array([[1, None], [2, 3]], dtype=object),
                                       kernel_size=1),
     "non_numeric", ["x must", "None"]),
    ("x_none_in_list", lambda: _forward([[1.0, None], [2.0, 3.0]], kernel_size=1),
     "non_numeric", ["x must", "None"]),
    ("x_none", lambda: _forward(None, kernel_size=1), "non_numeric", ["x must", "None"]),
    ("x_ragged", lambda: _forward([[1, 2], [3]], kernel_size=1), "non_numeric", ["x must"]),
    ("x_complex", lambda: _forward(np.ones((2, 2), dtype=complex), kernel_size=1),
     "non_numeric", ["x must", "complex128"]),
    ("x_complex_obj", lambda: _forward(np.array([[1, 2j], [3, 4]], dtype=object),
                                       kernel_size=1),
     "non_numeric", ["x must", "2j"]),
    ("x_datetime", lambda: _forward(np.zeros((2, 2), dtype="M8[s]"), kernel_size=1),
     "non_numeric", ["x must", "datetime64"]),
    ("x_1d", lambda: _forward(np.ones(4), kernel_size=1), "wrong_ndim", ["x must", "1", "(4,)"]),
    ("x_0d", lambda: _forward(3.0, kernel_size=1), "wrong_ndim", ["x must", "0"]),
    ("x_5d", lambda: _forward(np.ones((1, 1, 1, 2, 2)), kernel_size=1), "wrong_ndim",
     ["x must", "5", "(1, 1, 1, 2, 2)"]),
    ("steps_3d", lambda: scatter_steps(np.ones((1, 4, 4)), np.ones((1, 2, 2)), PoolSpec(2)),
     "steps_need_2d", ["2-D", "(1, 4, 4)"]),
]


@pytest.mark.parametrize("make, code, parts", [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_input_raises_pooling_error_naming_parameter_and_value(make, code, parts):
    with pytest.raises(PoolingError) as info:
        make()
    err = info.value
    assert isinstance(err, ValueError)
    assert not isinstance(err, (IndexError, TypeError))
    assert err.code == code
    message = str(err)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"


def test_error_params_are_machine_readable():
    with pytest.raises(PoolingError) as info:
        PoolSpec(3, padding=(0, 2))
    assert info.value.params["name"] == "padding"
    assert info.value.params["axis"] == "width"
    assert info.value.params["value"] == 2
    assert info.value.params["maximum"] == 1


@pytest.mark.parametrize(
    "x, params",
    [
        (np.ones((1, 1)), dict(kernel_size=2)),
        (np.ones((2, 2)), dict(kernel_size=2, dilation=5, padding=3)),
        (np.ones((1, 3)), dict(kernel_size=2, dilation=2, padding=1)),  # taps -1 and 1
        (np.ones((3, 3)), dict(kernel_size=2, dilation=4, padding=2, stride=1)),
    ],
)
def test_impossible_geometry_never_index_error(x, params):
    for fn in (
        lambda: pool_forward(x, PoolSpec(**params)),
        lambda: pool_backward(x, np.ones((1, 1)), PoolSpec(**params)),
        lambda: scatter_steps(x, np.ones((1, 1)), PoolSpec(**params)),
    ):
        with pytest.raises(PoolingError):
            fn()


def test_window_of_padding_only_in_the_middle():
    # 3 cells, kernel 2, dilation 4, padding 2, stride 1: (3 + 4 - 4 - 1) / 1 + 1 = 3 windows
    # reading cells {-2, 2}, {-1, 3}, {0, 4}. Window 1 holds no real cell.
    with pytest.raises(PoolingError) as info:
        pool_forward(np.ones((3, 3)), PoolSpec(2, stride=1, dilation=4, padding=2))
    assert info.value.code == "window_no_real_cell"
    assert "window 1" in str(info.value) and "[-1, 3]" in str(info.value)


def test_ceil_window_overhanging_a_one_cell_axis_is_valid():
    # W = 1, kernel width 2, ceil_mode: ceil((1 - 2) / 2) + 1 = 1 window reading cells 0 and
    # 1 (past the border); it holds the real cell 0, so PyTorch accepts it (output 3x1).
    x = np.array([[1.0], [5.0], [3.0]])
    fwd = pool_forward(x, PoolSpec((1, 2), ceil_mode=True))
    np.testing.assert_array_equal(fwd.output, [[1.0], [5.0], [3.0]])
    np.testing.assert_array_equal(fwd.indices, [[0], [1], [2]])
    avg = pool_forward(x, PoolSpec((1, 2), ceil_mode=True, mode="avg"))
    np.testing.assert_array_equal(avg.divisor, [[1], [1], [1]])  # overhang is not counted


# --------------------------------------------------------------------------- fixed bugs
# Regression tests for pooling_core bugs found while writing the suite (now fixed).
_HUGE_KERNEL_CHILD = """
import sys
import numpy as np
from pooling_core import PoolingError, PoolSpec, pool_forward
kernel, padding = int(sys.argv[1]), int(sys.argv[2])
x = np.array([[1.0, 4.0], [3.0, 2.0]])
try:
    fwd = pool_forward(x, PoolSpec(kernel, padding=padding))
except PoolingError:
    print("refused")
except BaseException as exc:
    print("crashed", type(exc).__name__, str(exc)[:200])
else:
    print("computed", fwd.output.tolist(), fwd.indices.tolist())
"""


@pytest.mark.parametrize(
    "kernel, padding",
    [
        (10**6, 5 * 10**5),
        (10**12, 5 * 10**11),
        (10**30, 5 * 10**29),
    ],
)
def test_huge_valid_kernel_is_refused_or_computed(kernel, padding):
    """A valid spec (padding <= half the kernel; one window, which covers the whole 2x2 input)
    must give the global maximum or raise PoolingError, never MemoryError / OverflowError or
    a hang. Run in a child process with a 1.5 GB address-space cap and a time limit, because
    the failure mode is an allocation proportional to kernel_size (or kernel_size squared)."""
    resource = pytest.importorskip("resource")

    def cap_memory():
        limit = 1536 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        run = subprocess.run(
            [sys.executable, "-c", _HUGE_KERNEL_CHILD, str(kernel), str(padding)],
            capture_output=True, text=True, timeout=15, preexec_fn=cap_memory, env=env,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"pool_forward with kernel_size={kernel}, padding={padding} did not finish "
                    f"in 15 s")
    result = (run.stdout.strip() or run.stderr.strip()[-300:])
    assert result in ("refused", "computed [[4.0]] [[1]]"), result


@pytest.mark.parametrize(
    "params",
    [
        dict(ceil_mode=np.array([0, 1])),
        dict(count_include_pad=np.array([True, False])),
        dict(mode=np.array(["max", "avg"])),
        dict(ties=np.array(["first", "last"])),
    ],
    ids=["ceil_mode", "count_include_pad", "mode", "ties"],
)
def test_array_valued_flags_raise_pooling_error(params):
    """An array where a flag or a name is expected must raise PoolingError naming it, not
    NumPy's "truth value of an array is ambiguous"."""
    with pytest.raises(PoolingError) as info:
        PoolSpec(2, **params)
    assert next(iter(params)) in str(info.value)


@pytest.mark.parametrize("bad", [None, "2"], ids=["None", "numeric_string"])
def test_grad_output_non_numbers_inside_object_array_are_refused(bad):
    """x refuses an object array holding None or a string; grad_output must too. Currently
    check_grad_output casts object arrays with astype(float64), which turns None into NaN and
    "2" into 2.0 silently."""
    with pytest.raises(PoolingError):
        pool_forward(np.array([[1, bad], [3, 4]], dtype=object), PoolSpec(1))
    g = np.array([[1, bad]], dtype=object)
    with pytest.raises(PoolingError) as info:
        pool_backward(np.ones((2, 4)), g, PoolSpec(2))
    assert "grad_output" in str(info.value)
