"""The framework lens by hand: how each framework writes a layer (code with the numbers, the
issue codes), Caffe's numbers worked out from its source (src/caffe/layers/pooling_layer.cpp:
Reshape's always-ceil size and clip, Forward_cpu's `bottom > top` from -FLT_MAX, AVE's
pool_size clipped at height + pad), ONNX Runtime's and JAX's rules on single windows, porting,
and the semantics table's sources."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec
from pooling_core.frameworks import (
    DIFF_REASONS,
    FRAMEWORKS,
    ISSUE_CODES,
    SEMANTICS,
    differences,
    express,
    framework_result,
    framework_results,
    port_layer,
)

NAN, INF = np.nan, np.inf
FLT_MAX = float(np.finfo(np.float32).max)
X5 = np.arange(25.0).reshape(5, 5)


def _codes(fw: str, spec, hw=(5, 5)) -> list[str]:
    return [i.code for i in express(fw, spec, hw).issues]


def test_the_calls_carry_the_layers_numbers() -> None:
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, ceil_mode=True)
    code = {fw: express(fw, spec, (5, 5)).calls[-1].code for fw in FRAMEWORKS}
    assert code["pytorch"] == ("torch.nn.MaxPool2d(kernel_size=3, stride=2, padding=1, "
                               "ceil_mode=True)")
    assert code["tensorflow"] == ("tf.keras.layers.MaxPooling2D(pool_size=(3, 3), "
                                  "strides=(2, 2), padding='same')")
    assert code["jax"] == ("jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (3, 3), (2, 2), "
                           "((1, 1), (1, 1)))")
    assert code["onnx"] == ("onnx.helper.make_node('MaxPool', ['x'], ['y', 'indices'], "
                            "kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)")
    assert "pooling_param { pool: MAX kernel_size: 3 stride: 2 pad: 1 }" in code["caffe"]
    assert all(express(fw, spec, (5, 5)).native for fw in FRAMEWORKS)
    alts = express("jax", spec, (5, 5)).alternatives
    assert alts[0].code.startswith("flax.linen.max_pool(x, window_shape=(3, 3)")


@pytest.mark.parametrize(("fw", "spec", "hw", "codes"), [
    ("tensorflow", PoolSpec(kernel_size=2, stride=1, dilation=2), (5, 5), ["no_dilation"]),
    ("tensorflow", PoolSpec(kernel_size=2, stride=2, ceil_mode=True), (5, 5),
     ["no_ceil_mode", "no_ceil_mode"]),
    ("tensorflow", PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg"), (5, 5),
     ["no_count_include_pad"]),
    ("tensorflow", PoolSpec(kernel_size=2, stride=2, padding="same_lower"), (5, 5),
     ["no_same_lower"]),
    ("pytorch", PoolSpec(kernel_size=2, stride=2, padding="same"), (5, 5), ["no_same_padding"]),
    ("pytorch", PoolSpec(kernel_size=3, stride=1, padding=2, dilation=2), (5, 5),
     ["padding_over_half_kernel", "padding_over_half_kernel"]),
    ("onnx", PoolSpec(kernel_size=1, stride=3, padding="same"), (5, 5),
     ["negative_same_padding", "negative_same_padding"]),
    ("onnx", PoolSpec(kernel_size=2, stride=2, padding=2, dilation=3), (6, 6),
     ["pad_not_below_kernel", "pad_not_below_kernel"]),
    ("caffe", PoolSpec(kernel_size=2, stride=2), (5, 5), ["always_ceil", "always_ceil"]),
    ("caffe", PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=False),
     (5, 5), ["no_count_exclude_pad"]),
    ("jax", PoolSpec(kernel_size=2, stride=1, dilation=2), (5, 5), ["no_max_gradient_dilation"]),
])
def test_issue_codes(fw, spec, hw, codes) -> None:
    assert _codes(fw, spec, hw) == codes
    assert set(codes) <= set(ISSUE_CODES)


def test_exact_composites_and_nearest_layers() -> None:
    # Keras for an explicit pad 1 average with count_include_pad: ZeroPadding2D + 'valid'
    ex = express("tensorflow", PoolSpec(kernel_size=3, stride=1, padding=1, mode="avg"), (5, 5))
    assert ex.exact and not ex.native
    assert ex.calls[0].code == "tf.keras.layers.ZeroPadding2D(padding=((1, 1), (1, 1)))"
    # ... for a max, zeros could win: tf.pad with -inf instead (Keras' form as alternative)
    ex = express("tensorflow", PoolSpec(kernel_size=3, stride=1, padding=((1, 0), (0, 1))),
                 (5, 5))
    assert ex.exact and ex.calls[0].code.startswith("tf.pad(x, [[0, 0], [1, 0], [0, 1], [0, 0]]")
    # ONNX, negative 'same' total: explicit pads 0 compute it exactly
    ex = express("onnx", PoolSpec(kernel_size=1, stride=3, padding="same"), (5, 5))
    assert ex.exact and "pads=[0, 0, 0, 0]" in ex.calls[0].code
    # Caffe has no dilation: its nearest layer is the undilated one
    ex = express("caffe", PoolSpec(kernel_size=2, stride=1, dilation=2), (5, 5))
    assert not ex.exact and ex.layer.dilation == (1, 1)
    # adaptive 5 -> 3: PyTorch only; global pooling everywhere (kernel = the plane)
    assert express("onnx", AdaptiveSpec(output_size=3), (5, 5)).calls == ()
    ex = express("caffe", AdaptiveSpec(output_size=1, mode="avg"), (5, 4))
    assert ex.exact and "kernel_h: 5 kernel_w: 4" in ex.calls[0].code


def test_caffe_rounds_up_and_clips_only_with_padding() -> None:
    # 5x5, kernel 2, stride 2, no pad: ceil((5 - 2) / 2) + 1 = 3 (PyTorch: floor -> 2); the last
    # window holds column/row 4 only
    res = framework_result("caffe", X5, np.ones((2, 2)), PoolSpec(kernel_size=2, stride=2))
    np.testing.assert_array_equal(res.output, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    assert res.grad_output.shape == (3, 3)  # extra cells of dL/dy are 1
    want = np.zeros((5, 5))
    want[[1, 1, 1, 3, 3, 3, 4, 4, 4], [1, 3, 4, 1, 3, 4, 1, 3, 4]] = 1
    np.testing.assert_array_equal(res.grad_input, want)
    d = differences(X5, np.ones((2, 2)), PoolSpec(kernel_size=2, stride=2), "caffe")
    assert {c.reason for c in d.cells} == {"output_size"}
    assert {c.cell for c in d.cells if c.array == "y"} == {(0, 2), (1, 2), (2, 0), (2, 1), (2, 2)}
    # no padding, stride 3 > kernel 1: ceil(4 / 3) + 1 = 3 windows; the third starts at 6,
    # past the input: empty (y = -FLT_MAX, mask -1: its gradient is lost)
    spec = PoolSpec(kernel_size=1, stride=3)
    res = framework_result("caffe", X5, np.ones((2, 2)), spec)
    assert res.output.shape == (3, 3) and res.output[2, 0] == -FLT_MAX
    assert [n.code for n in res.notes] == ["empty_window"]
    assert res.grad_input.sum() == 4


def test_caffe_max_never_takes_nan_or_minus_inf() -> None:
    x = np.array([[NAN, 1, -INF, -INF], [2, 0, -INF, -INF]])
    res = framework_result("caffe", x, np.array([[1.0, 1.0]]), PoolSpec(kernel_size=2))
    np.testing.assert_array_equal(res.output, [[2, -FLT_MAX]])
    np.testing.assert_array_equal(res.grad_input, [[0, 0, 0, 0], [1, 0, 0, 0]])
    # PyTorch: y [[nan, -inf]], gradient to the NaN (0, 0) and to the first -inf (0, 2)
    d = differences(x, np.ones((1, 2)), PoolSpec(kernel_size=2), "caffe")
    assert {(c.array, c.cell): c.reason for c in d.cells} == {
        ("y", (0, 0)): "nan_rule", ("y", (0, 1)): "lowest_start",
        ("dx", (0, 0)): "nan_rule", ("dx", (1, 0)): "nan_rule", ("dx", (0, 2)): "lowest_start"}


def test_caffe_average_divides_by_the_window_clipped_at_the_padding() -> None:
    # 5x5 ones, kernel 3, stride 2, pad 1: ceil((5 + 2 - 3) / 2) + 1 = 3; corner window rows
    # -1..1 holds 4 real cells of 9 (pool_size = (min(-1 + 3, 6) - (-1))^2 = 9)
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", ceil_mode=True)
    res = framework_result("caffe", np.ones((5, 5)), np.ones((3, 3)), spec)
    np.testing.assert_allclose(res.output, np.array([[4, 6, 4], [6, 9, 6], [4, 6, 4]]) / 9)


def test_onnx_runtime_and_jax_window_rules() -> None:
    spec = PoolSpec(kernel_size=2)
    one = np.ones((1, 1))
    # ONNX Runtime (MaxPool with Indices): the first real cell, then strictly greater
    res = framework_result("onnx", np.array([[NAN, 1], [2, 0]]), one, spec)
    assert np.isnan(res.output[0, 0]) and res.grad_input[0, 0] == 1
    res = framework_result("onnx", np.array([[1, NAN], [0, 0]]), one, spec)
    assert res.output[0, 0] == 1 and res.grad_input[0, 0] == 1
    # JAX: y NaN; select_and_scatter_add(ge) moves past a NaN to the next cell
    res = framework_result("jax", np.array([[1, NAN], [0, 0]]), one, spec)
    assert np.isnan(res.output[0, 0]) and res.grad_input[1, 0] == 1
    # JAX: a window whose real cells are -inf selects its leading padding: no gradient
    x = np.array([[-INF, -INF], [2, 3]])
    res = framework_result("jax", x, np.ones((2, 2)),
                           PoolSpec(kernel_size=2, stride=1, padding=((1, 0), (1, 0))))
    np.testing.assert_array_equal(res.grad_input, [[0, 0], [1, 1]])


def test_port_a_layer() -> None:
    x = np.arange(25.0).reshape(5, 5)
    port = port_layer("tensorflow", {"mode": "avg", "pool_size": (3, 3), "strides": (2, 2),
                                     "padding": "same"}, "pytorch", x)
    assert port.exists and port.cells == ()
    assert port.target_expression.calls[0].code == (
        "torch.nn.AvgPool2d(kernel_size=3, stride=2, padding=1, count_include_pad=False)")
    port = port_layer("pytorch", {"kernel_size": 2, "stride": 2}, "caffe", x)
    assert not port.exists and {c.reason for c in port.cells} == {"output_size"}
    port = port_layer("onnx", {"kernel_shape": (2, 2), "strides": (2, 2),
                               "auto_pad": "SAME_LOWER"}, "tensorflow", input_hw=(5, 5))
    assert port.exists and port.target_expression.calls[0].code.startswith(
        "tf.pad(x, [[0, 0], [1, 0], [1, 0], [0, 0]], constant_values=-inf)")
    with pytest.raises(PoolingError) as err:
        port_layer("caffe", {"pool": "MAX"}, "onnx", x)
    assert err.value.code == "port_param"
    with pytest.raises(PoolingError) as err:
        port_layer("keras", {"pool_size": 2}, "onnx", x)
    assert err.value.code == "unknown_framework"


def test_semantics_table_has_every_framework_and_aspect_with_a_source() -> None:
    rows = {(r.framework, r.aspect) for r in SEMANTICS}
    aspects = ("output_size", "padding", "divisor", "ties", "nan")
    assert rows == {(fw, a) for fw in FRAMEWORKS for a in aspects}
    assert all(r.source and r.text and r.code for r in SEMANTICS)
    assert set(DIFF_REASONS) >= {"output_size", "same_padding", "divisor", "tie_rule",
                                 "nan_rule", "not_expressible"}


def test_work_budget() -> None:
    x = np.zeros((300, 300))
    spec = PoolSpec(kernel_size=64, stride=1)  # 237² windows × 4096 taps: 230 M
    with pytest.raises(PoolingError) as err:
        framework_result("jax", x, np.ones((237, 237)), spec)
    assert err.value.code == "work_budget"


@pytest.mark.parametrize("fw", ["tensorflow", "jax"])
def test_global_max_is_a_reduction_that_splits_ties(fw) -> None:
    # Keras GlobalMaxPooling2D (tf.reduce_max) and jnp.max: (x == y) / count, checked with
    # TensorFlow 2.21 and JAX 0.10: [[1, 3], [3, 3]] -> 0, 1/3, 1/3, 1/3; a NaN -> all NaN;
    # only -inf -> 1/4 each (PyTorch's AdaptiveMaxPool2d(1): the first maximum gets all)
    spec = AdaptiveSpec(output_size=1, mode="max")
    one = np.ones((1, 1))
    ex = express(fw, spec, (2, 2))
    assert ex.exact and ex.calls[0].code == {"tensorflow": "tf.keras.layers.GlobalMaxPooling2D()",
                                             "jax": "jnp.max(x)"}[fw]
    cases = [([[1, 3], [3, 3]], 3.0, [[0, 1 / 3], [1 / 3, 1 / 3]], "tie_rule"),
             ([[1, NAN], [3, 0]], NAN, [[NAN, NAN], [NAN, NAN]], "nan_rule"),
             ([[-INF, -INF], [-INF, -INF]], -INF, [[0.25, 0.25], [0.25, 0.25]], "tie_rule")]
    for x, y, dx, reason in cases:
        x = np.array(x)
        res = framework_result(fw, x, one, spec)
        np.testing.assert_array_equal(res.output, [[y]])
        np.testing.assert_allclose(res.grad_input, dx, rtol=0, atol=1e-15)
        d = differences(x, one, spec, fw)
        assert {c.reason for c in d.cells} == {reason}
        assert all(c.array == "dx" for c in d.cells)


def test_results_and_reason_arrays_line_up() -> None:
    # 5x5, kernel 2, stride 2: Caffe has a third row/column (ceil), PyTorch 2 x 2
    spec = PoolSpec(kernel_size=2, stride=2)
    results = framework_results(X5, np.ones((2, 2)), spec)
    assert list(results) == list(FRAMEWORKS)
    d = differences(X5, np.ones((2, 2)), spec, "caffe", results=results)
    assert d.y_reason.shape == (3, 3) and d.dx_reason.shape == (5, 5)
    assert (d.y_reason[2] == "output_size").all() and d.y_reason[0, 0] == ""
    assert d.counts() == {"output_size": len(d.cells)}
