"""The framework lens' work: a layer with few windows but many taps (PORT_PARAMS lets a
user write a 256 x 256 window on the app's 32 x 32 input) runs a bounded number of Python
lines in the engine, not a loop step per tap (65 536 steps per rule: 8-10 s per port)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from pooling_core import PoolingError, PoolSpec
from pooling_core.frameworks import FRAMEWORKS, differences, framework_result, port_layer
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


@pytest.mark.parametrize("x", [np.zeros(5), np.zeros((0, 3)), np.zeros((2, 2, 2)),
                               [[1.0, 2.0], [3.0]], [["a", "b"]]])
def test_an_input_that_is_not_a_grid_is_a_pooling_error(x) -> None:
    spec = PoolSpec(kernel_size=1)
    for call in (lambda: framework_result("tensorflow", x, np.ones((1, 1)), spec),
                 lambda: differences(x, np.ones((1, 1)), spec, "caffe"),
                 lambda: port_layer("pytorch", {"kernel_size": 1}, "caffe", x)):
        with pytest.raises(PoolingError) as err:
            call()
        assert err.value.code == "input_shape"


@pytest.mark.parametrize("hw", [(5,), (5, 5, 5), (0, 5), (-1, 5), (2.5, 3)])
def test_port_input_hw_must_be_a_size(hw) -> None:
    with pytest.raises(PoolingError) as err:
        port_layer("pytorch", {"kernel_size": 1}, "caffe", input_hw=hw)
    assert err.value.code == "input_shape"


def test_the_work_budget_keeps_a_port_to_a_few_hundred_thousand_cells_per_array() -> None:
    # A 63 x 63 'same' window at stride 1 on 32 x 32: 1024 windows x 3969 taps = 4.06 M taps
    # per run, four runs kept by a port's difference steps (~320 MB): refused. The app's own
    # worst case, 32 x 32 with kernel 32 and padding 16 (1089 x 1024 taps), still runs.
    x = np.zeros((32, 32))
    params = {"mode": "max", "pool_size": 63, "strides": 1, "padding": "same"}
    with pytest.raises(PoolingError) as err:
        port_layer("tensorflow", params, "caffe", x)
    assert err.value.code == "work_budget"
    spec = PoolSpec(kernel_size=32, stride=1, padding=16)
    res = framework_result("caffe", x, np.ones((33, 33)), spec)
    assert res.output.shape == (33, 33)
