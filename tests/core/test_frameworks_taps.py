"""The framework lens' work: a layer with few windows but many taps (PORT_PARAMS lets a
user write a 256 x 256 window on the app's 32 x 32 input) runs a bounded number of Python
lines in the engine, not a loop step per tap (65 536 steps per rule: 8-10 s per port)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pooling_core import PoolSpec
from pooling_core.frameworks import FRAMEWORKS, port_layer
from pooling_core.frameworks.engine import run_layer
from pooling_core.frameworks.express import express

SPEC = PoolSpec(kernel_size=256, stride=256, padding="same")  # one window, 65 536 taps


def _lines(fn) -> int:
    """How many lines of pooling_core/frameworks/*.py `fn()` runs."""
    count = 0

    def trace(frame, event, arg):  # noqa: ANN001, ARG001
        nonlocal count
        if "pooling_core" not in frame.f_code.co_filename:
            return None
        if event == "line":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


@pytest.mark.parametrize("fw", FRAMEWORKS)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_a_wide_window_is_not_scanned_tap_by_tap(fw: str, mode: str) -> None:
    # Hand-worked: x is 0 except two tied maxima 2 at (5, 7) and (20, 3); one window covers
    # all of x. Max: y = 2 and the first maximum (5, 7) gets dL/dy = 3 (every framework's
    # pool, global or not, except a split; none splits here: TF/JAX write a pool, not a
    # reduction, as the window is not the input). Average over the 1024 real cells: 4/1024.
    x = np.zeros((32, 32))
    x[5, 7] = x[20, 3] = 2.0
    spec = PoolSpec(kernel_size=256, stride=256, padding="same", mode=mode,
                    count_include_pad=False)
    layer = express(fw, spec, x.shape).layer
    if layer is None:
        pytest.skip(f"{fw} cannot write it")
    assert _lines(lambda: run_layer(layer, x, np.full((1, 1), 3.0))) < 2000
    run = run_layer(layer, x, np.full((1, 1), 3.0))
    if mode == "max":
        assert run.y.shape == (1, 1) and run.y[0, 0] == 2.0
        expected = np.zeros((32, 32))
        expected[5, 7] = 3.0
        np.testing.assert_array_equal(run.dx, expected)


def test_porting_a_wide_window_is_bounded() -> None:
    x = np.zeros((32, 32))
    x[5, 7] = x[20, 3] = 2.0
    params = {"mode": "max", "pool_size": 256, "strides": 256, "padding": "same"}
    assert _lines(lambda: port_layer("tensorflow", params, "caffe", x)) < 20000
