"""The framework lens' TensorFlow/Keras numbers against TensorFlow itself, through committed
fixtures (`tests/fixtures/lens_tensorflow.npz`, made by
`tests/fixtures/generate_tf_fixtures.py` in a separate TensorFlow 2.21 environment: TensorFlow
is not a dependency of the project), and TensorFlow's rules on hand-worked windows read from
its source (`tensorflow/core/kernels/maxpooling_op.cc`).

For 208 layers and inputs (200 random, 8 hand-picked): y and dL/dx equal TensorFlow's, and
`differences` marks exactly the cells where TensorFlow's numbers differ from PyTorch's
(PyTorch's numbers are pooling_core's, themselves checked against PyTorch in
test_frameworks_lens.py and test_core_torch.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from framework_cases import spec_from_json
from framework_runners import close, differing_cells

from pooling_core import PoolSpec
from pooling_core.frameworks import differences, framework_result

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "lens_tensorflow.npz"
with np.load(FIXTURE, allow_pickle=False) as _data:
    ARRAYS = {k: _data[k] for k in _data.files}
INDEX = json.loads(str(ARRAYS.pop("index")))
CASES = INDEX["cases"]
NAN, INF = np.nan, np.inf
LOWEST = np.finfo(np.float64).min


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("n", range(len(CASES)))
def test_tensorflow_fixture_case(n: int) -> None:
    spec = PoolSpec(**spec_from_json(CASES[n]["spec"]))
    x, gy = ARRAYS[f"c{n}_x"], ARRAYS[f"c{n}_gy"]
    assert CASES[n]["layer"] is not None
    y, dx = ARRAYS[f"c{n}_tf_y"], ARRAYS[f"c{n}_tf_dx"]
    res = framework_result("tensorflow", x, gy, spec)
    avg = spec.mode == "avg"
    assert close(res.output, y, avg), f"case {n}: y {res.output} != {y}"
    assert close(res.grad_input, dx, avg), f"case {n}: dL/dx {res.grad_input} != {dx}"
    pt = framework_result("pytorch", x, gy, spec)
    d = differences(x, gy, spec, "tensorflow")
    shape = tuple(max(a.shape[i] for a in (y, pt.output)) for i in range(2))
    marked_y = {c.cell for c in d.cells if c.array == "y"}
    marked_dx = {c.cell for c in d.cells if c.array == "dx"}
    assert marked_y == differing_cells(y, pt.output, shape, avg)
    assert marked_dx == differing_cells(dx, pt.grad_input, x.shape, avg)


@pytest.mark.parametrize(("x", "y", "dx", "reason"), [
    # cwiseMax from the lowest float: NaN ignored (PyTorch: NaN wins)
    ([[1, NAN], [NAN, 0]], 1.0, [[1, 0], [0, 0]], "nan_rule"),
    # the argmax helper takes the window's first cell, then only `output < input`: a leading
    # NaN keeps the gradient although y is 2
    ([[NAN, 1], [2, 0]], 2.0, [[1, 0], [0, 0]], "nan_rule"),
    # only -inf: y is the lowest float64, the gradient goes to the first cell
    ([[-INF, -INF], [-INF, -INF]], LOWEST, [[1, 0], [0, 0]], "lowest_start"),
    # a tie: the first maximum (as PyTorch)
    ([[3, 1], [3, 3]], 3.0, [[1, 0], [0, 0]], None),
])
def test_tensorflow_max_rules_by_hand(x, y, dx, reason) -> None:
    x = np.array(x, dtype=np.float64)
    spec = PoolSpec(kernel_size=2)
    res = framework_result("tensorflow", x, np.ones((1, 1)), spec)
    assert res.output[0, 0] == y
    np.testing.assert_array_equal(res.grad_input, np.array(dx, dtype=np.float64))
    reasons = {c.reason for c in differences(x, np.ones((1, 1)), spec, "tensorflow").cells}
    assert reasons == (set() if reason is None else {reason})


def test_fixture_was_made_by_tensorflow() -> None:
    assert INDEX["tensorflow"].startswith("2.")
    assert len(CASES) == 208
