"""Run a `pooling_core.frameworks.FrameworkLayer` in the real framework (tests and fixture
generators only; each runner imports its framework lazily).

Each runner takes the layer, x (H, W) float64 and dL/dy (the layer's output shape) and
returns (y, dL/dx) as float64 NumPy arrays (dL/dx None where the framework has none).

ONNX Runtime has no backward. Max: the model outputs MaxPool's Indices (flat positions in
the (pre-padded) plane), and dL/dx is dL/dy scattered (added) at those positions, mapped back
to x (positions in the pre-padding are dropped). Average: the layer is linear, y = A x, so
dL/dx = Aᵀ dL/dy; the model is run on the H·W basis inputs e_rc as one batch (row rc of the
batch gives the column rc of A) and dL/dx[r, c] = Σ dL/dy · y(e_rc). AveragePool runs in
float32 (ONNX Runtime's CPU provider has no double AveragePool).
"""

from __future__ import annotations

import math

import numpy as np


def _pre(layer):
    return tuple(tuple(int(v) for v in side) for side in layer.pre_pad)


def run_torch(layer, x, gy):
    import torch
    import torch.nn.functional as F  # noqa: N812

    xt = torch.tensor(x, dtype=torch.float64).reshape(1, 1, *x.shape).requires_grad_(True)
    (t, b), (left, r) = _pre(layer)
    src = F.pad(xt, (left, r, t, b), value=layer.pre_pad_value) if t + b + left + r else xt
    if layer.output_size is not None:
        fn = F.adaptive_max_pool2d if layer.mode == "max" else F.adaptive_avg_pool2d
        y = fn(src, layer.output_size)
    else:
        (pt, pb), (pl, pr) = layer.padding
        assert pt == pb and pl == pr, "PyTorch pads symmetrically"
        kw = dict(kernel_size=layer.kernel, stride=layer.stride, padding=(pt, pl),
                  ceil_mode=layer.ceil_mode)
        if layer.mode == "max":
            y = F.max_pool2d(src, dilation=layer.dilation, **kw)
        else:
            y = F.avg_pool2d(src, count_include_pad=layer.count_include_pad,
                             divisor_override=layer.divisor_override, **kw)
    y.backward(torch.tensor(gy, dtype=torch.float64).reshape(y.shape))
    return y.detach().numpy().reshape(y.shape[-2:]), xt.grad.numpy().reshape(x.shape)


def _jax_padding(padding):
    if isinstance(padding, str):
        return padding.upper()
    return tuple(tuple(int(v) for v in side) for side in padding)


def run_jax(layer, x, gy):
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    pad = _jax_padding(layer.padding)

    def f(a):
        if layer.op == "reduce":  # global pooling as jnp.max / jnp.mean
            return (jnp.max if layer.mode == "max" else jnp.mean)(a).reshape(1, 1)
        a = jnp.pad(a, _pre(layer), constant_values=layer.pre_pad_value)
        if layer.mode == "max":
            return jax.lax.reduce_window(a, -jnp.inf, jax.lax.max, layer.kernel, layer.stride,
                                         pad, window_dilation=layer.dilation)
        s = jax.lax.reduce_window(a, 0.0, jax.lax.add, layer.kernel, layer.stride, pad)
        if layer.divisor_override is not None:
            return s / layer.divisor_override
        if layer.count_include_pad:  # Flax avg_pool(count_include_pad=True)
            return s / (layer.kernel[0] * layer.kernel[1])
        ones = jax.lax.reduce_window(jnp.ones_like(a), 0.0, jax.lax.add, layer.kernel,
                                     layer.stride, pad)
        return s / ones

    xj = jnp.asarray(x, dtype=jnp.float64)
    y, vjp = jax.vjp(f, xj)
    if layer.mode == "max" and tuple(layer.dilation) != (1, 1):
        return np.asarray(y), None  # JAX: no gradient of a dilated max reduce_window
    return np.asarray(y), np.asarray(vjp(jnp.asarray(gy, dtype=jnp.float64))[0])


def onnx_model(layer, shape, dtype):
    """A single-pool ONNX model (with a Pad node for `pre_pad`) for NCHW input `shape`."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    elem = TensorProto.DOUBLE if dtype == np.float64 else TensorProto.FLOAT
    attrs = {"kernel_shape": list(layer.kernel), "strides": list(layer.stride)}
    if isinstance(layer.padding, str):
        attrs["auto_pad"] = {"same": "SAME_UPPER", "same_lower": "SAME_LOWER",
                             "valid": "VALID"}[layer.padding]
    else:
        (t, b), (left, r) = layer.padding
        attrs["pads"] = [t, left, b, r]
    if layer.ceil_mode:
        attrs["ceil_mode"] = 1
    nodes, inits, src = [], [], "x"
    (t, b), (left, r) = _pre(layer)
    if t + b + left + r:
        inits.append(numpy_helper.from_array(np.array([0, 0, t, left, 0, 0, b, r], np.int64),
                                             "pads"))
        inits.append(numpy_helper.from_array(np.array(layer.pre_pad_value, dtype), "value"))
        nodes.append(helper.make_node("Pad", ["x", "pads", "value"], ["xp"], mode="constant"))
        src = "xp"
    outs = [helper.make_tensor_value_info("y", elem, [None] * 4)]
    if layer.mode == "max":
        attrs["dilations"] = list(layer.dilation)
        nodes.append(helper.make_node("MaxPool", [src], ["y", "indices"], **attrs))
        outs.append(helper.make_tensor_value_info("indices", TensorProto.INT64, [None] * 4))
    else:
        attrs["count_include_pad"] = int(layer.count_include_pad)
        nodes.append(helper.make_node("AveragePool", [src], ["y"], **attrs))
    graph = helper.make_graph(nodes, "pool", [helper.make_tensor_value_info("x", elem,
                                                                             list(shape))],
                              outs, initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 19)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def _ort_session(model):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(model.SerializeToString(), options,
                                        providers=["CPUExecutionProvider"])


def run_onnx(layer, x, gy):
    H, W = x.shape
    (t, _), (left, r) = _pre(layer)
    Wp = W + left + r
    if layer.mode == "max":
        sess = _ort_session(onnx_model(layer, (1, 1, H, W), np.float64))
        y, idx = sess.run(None, {"x": x.reshape(1, 1, H, W)})
        y, idx = y[0, 0], idx[0, 0].reshape(-1)
        rows, cols = idx // Wp - t, idx % Wp - left
        ok = (idx >= 0) & (rows >= 0) & (rows < H) & (cols >= 0) & (cols < W)
        dx = np.zeros(H * W)
        np.add.at(dx, (rows * W + cols)[ok], np.asarray(gy, np.float64).reshape(-1)[ok])
        return y.astype(np.float64), dx.reshape(H, W)
    sess = _ort_session(onnx_model(layer, (None, 1, H, W), np.float32))
    y = sess.run(None, {"x": x.astype(np.float32).reshape(1, 1, H, W)})[0][0, 0]
    basis = np.eye(H * W, dtype=np.float32).reshape(H * W, 1, H, W)
    cols = sess.run(None, {"x": basis})[0].reshape(H * W, -1).astype(np.float64)
    dx = cols @ np.asarray(gy, np.float64).reshape(-1)
    return y.astype(np.float64), dx.reshape(H, W)


def run_tf(layer, x, gy):
    """tf.pad (the layer's pre-padding) + tf.nn.max_pool2d / avg_pool2d, NHWC float64;
    dL/dx by tf.GradientTape with output_gradients = dL/dy."""
    import tensorflow as tf

    H, W = x.shape
    xt = tf.constant(x.reshape(1, H, W, 1))
    (t, b), (left, r) = _pre(layer)
    pool = tf.nn.max_pool2d if layer.mode == "max" else tf.nn.avg_pool2d
    with tf.GradientTape() as tape:
        tape.watch(xt)
        a = xt
        if t + b + left + r:
            a = tf.pad(a, [[0, 0], [t, b], [left, r], [0, 0]],
                       constant_values=layer.pre_pad_value)
        if layer.op == "reduce":  # Keras GlobalMaxPooling2D / GlobalAveragePooling2D
            name = "GlobalMaxPooling2D" if layer.mode == "max" else "GlobalAveragePooling2D"
            y = tf.reshape(getattr(tf.keras.layers, name)(dtype="float64")(a), (1, 1, 1, 1))
        else:
            y = pool(a, ksize=list(layer.kernel), strides=list(layer.stride),
                     padding=layer.padding.upper())
    dx = tape.gradient(y, xt, output_gradients=tf.constant(
        np.asarray(gy, np.float64).reshape(y.shape)))
    return y.numpy().reshape(y.shape[1:3]), dx.numpy().reshape(H, W)


RUNNERS = {"pytorch": run_torch, "jax": run_jax, "onnx": run_onnx}
MODULES = {"pytorch": "torch", "jax": "jax", "onnx": "onnxruntime"}


def is_exact_sum(a: np.ndarray) -> bool:
    """Every finite value a small multiple of 1/4 (exact float sums)."""
    f = a[np.isfinite(a)]
    return bool(np.all(f * 4 == np.round(f * 4)) and np.all(np.abs(f) < 2**20))


def close(a, b, avg: bool) -> bool:
    """Equal (NaN = NaN, same shape); averages to 1e-5 relative of their scale."""
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False
    if not avg:
        return bool(np.array_equal(a, b, equal_nan=True))
    same_nonfinite = np.array_equal(~np.isfinite(a), ~np.isfinite(b))
    fin = np.isfinite(a)
    scale = max(1.0, float(np.abs(a[fin]).max(initial=0)))
    return same_nonfinite and bool(np.allclose(a[fin], b[fin], rtol=0, atol=1e-5 * scale)) \
        and np.array_equal(a[~fin], b[~fin], equal_nan=True) and not math.isnan(scale)


def printed_blocks(stdout: str) -> dict[str, np.ndarray]:
    """The ``name =`` blocks a script printed (rows indented by two spaces) as arrays."""
    blocks: dict[str, np.ndarray] = {}
    lines = stdout.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.endswith(" =") and not line.startswith(" "):
            rows = []
            while i < len(lines) and lines[i].startswith("  "):
                rows.append([float(v) for v in lines[i].split()])
                i += 1
            blocks[line[:-2]] = np.array(rows)
    return blocks


SCRIPT_DRIVER = """\
import runpy, sys
for path in sys.argv[1:]:
    print("@@@@ " + path, flush=True)
    runpy.run_path(path, run_name="__main__")
"""


def differing_cells(a: np.ndarray | None, b: np.ndarray | None, shape: tuple[int, int],
            avg: bool) -> set[tuple[int, int]]:
    """Cells of `shape` where two results differ (absent on one side counts)."""
    out = set()
    for i in range(shape[0]):
        for j in range(shape[1]):
            ina = a is not None and i < a.shape[0] and j < a.shape[1]
            inb = b is not None and i < b.shape[0] and j < b.shape[1]
            if ina != inb or (ina and not close(a[i:i + 1, j:j + 1], b[i:i + 1, j:j + 1], avg)):
                out.add((i, j))
    return out
