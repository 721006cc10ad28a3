"""Window geometry (pooling_core.geometry) on hand-worked layers."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_core import (
    PoolSpec,
    axis_size,
    axis_taps,
    last_window_end,
    output_size,
    scatter_steps,
    window_end,
    window_rect,
    window_span,
    window_start,
    window_taps,
)


def test_window_span():
    assert window_span(3, 1) == 3
    assert window_span(3, 2) == 5  # taps 0, 2, 4
    assert window_span(1, 7) == 1
    assert window_span(4, 3) == 10  # taps 0, 3, 6, 9


def test_window_start_and_end_per_axis():
    assert window_start(0, 2, 1) == -1
    assert window_start(3, 2, 1) == 5
    np.testing.assert_array_equal(window_start(np.arange(3), 2, 1), [-1, 1, 3])
    assert window_end(0, 3, 2, 1) == 2  # taps -1, 0, 1
    assert window_end(2, 2, 1, 0, d=3) == 6  # taps 2, 5
    np.testing.assert_array_equal(window_end(np.arange(3), 3, 2, 1), [2, 4, 6])


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "d", "ceil", "size", "end"),
    [
        (5, 2, 2, 0, 1, False, 2, 4),  # windows [0, 1], [2, 3]; cell 4 unread
        (5, 2, 2, 0, 1, True, 3, 6),  # ceil keeps [4, 5]: one cell past the input
        (4, 3, 1, 1, 1, False, 4, 5),  # last window [2, 3, 4]: the right padding
        (6, 2, 1, 0, 3, False, 3, 6),  # dilation 3: last window taps 2 and 5
        (5, 3, 2, 1, 1, True, 3, 6),  # ceil: last window [3, 4, 5]
    ],
)
def test_last_window_end(n, k, s, p, d, ceil, size, end):
    a = axis_size(n, k, s, p, d, ceil)
    assert a.size == size
    assert last_window_end(a) == end


def test_ceil_mode_drops_a_window_that_starts_in_the_padding():
    # n = 4, k = 2, s = 3, p = 1, ceil: ceil((4 + 2 - 2) / 3) + 1 = 3 windows would start at
    # -1, 2 and 5; 5 >= n lies wholly in the right padding, so PyTorch drops it.
    a = axis_size(4, 2, 3, 1, 1, True)
    assert (a.size, a.dropped_last) == (2, True)
    assert last_window_end(a) == 4


def test_axis_taps():
    a = axis_size(4, 3, 1, 1, 1, False)
    np.testing.assert_array_equal(axis_taps(a), [[-1, 0, 1], [0, 1, 2], [1, 2, 3], [2, 3, 4]])
    a = axis_size(7, 2, 2, 0, 3, False)  # windows start 0 and 2; taps 3 apart
    np.testing.assert_array_equal(axis_taps(a), [[0, 3], [2, 5]])


def test_window_rect_and_taps_by_hand():
    spec = PoolSpec(kernel_size=3, stride=2, padding=1)
    assert window_rect(spec, 0, 0) == (-1, -1, 1, 1)
    assert window_rect(spec, 1, 2) == (1, 3, 3, 5)
    assert window_taps(spec, 0, 0) == [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 0), (0, 1),
                                       (1, -1), (1, 0), (1, 1)]
    dilated = PoolSpec(kernel_size=2, stride=1, dilation=3)
    assert window_rect(dilated, 1, 0) == (1, 0, 4, 3)
    assert window_taps(dilated, 1, 0) == [(1, 0), (1, 3), (4, 0), (4, 3)]
    pairs = PoolSpec(kernel_size=(1, 3), stride=(2, 1), padding=(0, 1))
    assert window_rect(pairs, 1, 0) == (2, -1, 2, 1)
    assert window_taps(pairs, 1, 0) == [(2, -1), (2, 0), (2, 1)]


@pytest.mark.parametrize(
    ("shape", "kw"),
    [
        ((5, 6), {"kernel_size": 3, "stride": 2, "padding": 1}),
        ((7, 5), {"kernel_size": (2, 3), "stride": (3, 1), "dilation": (2, 1), "ceil_mode": True}),
        ((6, 6), {"kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True}),
    ],
)
def test_window_taps_are_the_steps_windows(shape, kw):
    """The real taps of `window_taps` are the cells each step of the backward pass covers."""
    spec = PoolSpec(**kw)
    oh, ow = (a.size for a in output_size(shape, spec))
    steps = scatter_steps(np.zeros(shape), np.zeros((oh, ow)), spec)
    H, W = shape
    for k, step in enumerate(steps):
        i, j = divmod(k, ow)
        taps = window_taps(spec, i, j)
        assert tuple((r, c) for r, c in taps if 0 <= r < H and 0 <= c < W) == step.window
        r0, c0, r1, c1 = window_rect(spec, i, j)
        assert (taps[0], taps[-1]) == ((r0, c0), (r1, c1))
