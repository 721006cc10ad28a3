"""The code each framework's layer is written with: `Call`s with the layer's numbers.

Code strings are data (never translated). x is (H, W) for lax, (1, 1, H, W) for PyTorch and
ONNX (NCHW), (1, H, W, 1) for TensorFlow/Keras and Flax (NHWC).
"""

from __future__ import annotations

from .layer import Call, FrameworkLayer, Pads, Pair

MAX_OPS = {"pytorch": ("torch.nn.MaxPool2d", "torch.nn.AvgPool2d"),
           "keras": ("tf.keras.layers.MaxPooling2D", "tf.keras.layers.AveragePooling2D"),
           "tf": ("tf.nn.max_pool2d", "tf.nn.avg_pool2d"),
           "flax": ("flax.linen.max_pool", "flax.linen.avg_pool"),
           "onnx": ("MaxPool", "AveragePool")}


def _one(v: Pair) -> int | Pair:
    """An (h, w) pair as PyTorch prints it: one int when both are equal."""
    return v[0] if v[0] == v[1] else v


def _args(params: list[tuple[str, object]]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in params)


def _call(api: str, params: list[tuple[str, object]], head: str = "") -> Call:
    text = f"{api}({head}{', ' if head and params else ''}{_args(params)})"
    return Call(api, text, tuple(params))


def _op(table: str, layer: FrameworkLayer) -> str:
    return MAX_OPS[table][0 if layer.mode == "max" else 1]


def _has_pre(layer: FrameworkLayer) -> bool:
    return any(v for side in layer.pre_pad for v in side)


def _pad_value(layer: FrameworkLayer) -> str:
    return "-inf" if layer.pre_pad_value == float("-inf") else "0.0"


# --------------------------------------------------------------------------- PyTorch
def pytorch_calls(layer: FrameworkLayer) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """(nn layer calls, functional calls)."""
    if layer.output_size is not None:
        api = f"torch.nn.Adaptive{'Max' if layer.mode == 'max' else 'Avg'}Pool2d"
        fn = f"F.adaptive_{layer.mode}_pool2d"
        size = [("output_size", _one(layer.output_size))]
        return (_call(api, size),), (_call(fn, size, "x"),)
    p = [("kernel_size", _one(layer.kernel))]
    if layer.stride != layer.kernel:
        p.append(("stride", _one(layer.stride)))
    if isinstance(layer.padding, tuple) and layer.padding[0][0] + layer.padding[1][0]:
        p.append(("padding", _one((layer.padding[0][0], layer.padding[1][0]))))
    if layer.mode == "max" and layer.dilation != (1, 1):
        p.append(("dilation", _one(layer.dilation)))
    if layer.ceil_mode:
        p.append(("ceil_mode", True))
    if layer.mode == "avg" and not layer.count_include_pad:
        p.append(("count_include_pad", False))
    if layer.mode == "avg" and layer.divisor_override is not None:
        p.append(("divisor_override", layer.divisor_override))
    pool = _call(_op("pytorch", layer), p)
    fn = _call(f"F.{layer.mode}_pool2d", p, "x")
    if not _has_pre(layer):
        return (pool,), (fn,)
    (t, b), (left, r) = layer.pre_pad
    pad = Call("F.pad", f"F.pad(x, ({left}, {r}, {t}, {b}), value={_pad_value(layer)})",
               (("pad", (left, r, t, b)), ("value", layer.pre_pad_value)))
    return (pad, pool), (pad, fn)


# --------------------------------------------------------------------------- TensorFlow
def tensorflow_calls(layer: FrameworkLayer) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """(Keras layers, tf.nn calls)."""
    if layer.op == "reduce":
        name = "Max" if layer.mode == "max" else "Average"
        fn = "reduce_max" if layer.mode == "max" else "reduce_mean"
        return ((Call(f"tf.keras.layers.Global{name}Pooling2D",
                      f"tf.keras.layers.Global{name}Pooling2D()"),),
                (Call(f"tf.{fn}", f"tf.{fn}(x, axis=[1, 2])"),))
    pad = layer.padding if isinstance(layer.padding, str) else "valid"
    keras = _call(_op("keras", layer), [("pool_size", layer.kernel), ("strides", layer.stride),
                                        ("padding", pad)])
    tfnn = _call(_op("tf", layer), [("ksize", layer.kernel), ("strides", layer.stride),
                                    ("padding", pad.upper())], "x")
    if not _has_pre(layer):
        return (keras,), (tfnn,)
    (t, b), (left, r) = layer.pre_pad
    zero = Call("tf.keras.layers.ZeroPadding2D",
                f"tf.keras.layers.ZeroPadding2D(padding=(({t}, {b}), ({left}, {r})))",
                (("padding", ((t, b), (left, r))),))
    tfpad = Call("tf.pad", f"tf.pad(x, [[0, 0], [{t}, {b}], [{left}, {r}], [0, 0]], "
                 f"constant_values={_pad_value(layer)})",
                 (("paddings", ((0, 0), (t, b), (left, r), (0, 0))),
                  ("constant_values", layer.pre_pad_value)))
    if layer.pre_pad_value == 0.0:
        return (zero, keras), (tfpad, tfnn)
    return (tfpad, tfnn), (zero, keras)


# --------------------------------------------------------------------------- JAX
def _jax_padding(padding: str | Pads) -> object:
    return padding.upper() if isinstance(padding, str) else padding


def jax_calls(layer: FrameworkLayer) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """(jax.lax calls, Flax calls)."""
    if layer.op == "reduce":
        fn = "jnp.max" if layer.mode == "max" else "jnp.mean"
        return (Call(fn, f"{fn}(x)"),), ()
    padding = _jax_padding(layer.padding)
    tail = f", window_dilation={layer.dilation!r}" if layer.dilation != (1, 1) else ""
    common = (f"{layer.kernel!r}, {layer.stride!r}, {padding!r}{tail})")
    params = (("window_dimensions", layer.kernel), ("window_strides", layer.stride),
              ("padding", padding), ("window_dilation", layer.dilation))
    if layer.mode == "max":
        lax = Call("jax.lax.reduce_window",
                   f"jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, {common}", params)
    elif layer.divisor_override is not None or layer.count_include_pad:
        div = layer.divisor_override or layer.kernel[0] * layer.kernel[1]
        lax = Call("jax.lax.reduce_window",
                   f"jax.lax.reduce_window(x, 0.0, jax.lax.add, {common} / {div}",
                   params + (("divisor", div),))
    else:
        lax = Call("jax.lax.reduce_window",
                   f"jax.lax.reduce_window(x, 0.0, jax.lax.add, {common} / "
                   f"jax.lax.reduce_window(jnp.ones_like(x), 0.0, jax.lax.add, {common}",
                   params + (("divisor", "real cells"),))
    fp = [("window_shape", layer.kernel), ("strides", layer.stride), ("padding", padding)]
    if layer.mode == "avg":
        fp.append(("count_include_pad", layer.count_include_pad))
    flax = _call(_op("flax", layer), fp, "x")
    return (lax,), (flax,)


# --------------------------------------------------------------------------- ONNX
def onnx_calls(layer: FrameworkLayer) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """(onnx.helper.make_node calls, the same as attribute lists)."""
    op = _op("onnx", layer)
    attrs: list[tuple[str, object]] = [("kernel_shape", list(layer.kernel)),
                                       ("strides", list(layer.stride))]
    if isinstance(layer.padding, str):
        attrs.append(("auto_pad", {"same": "SAME_UPPER", "same_lower": "SAME_LOWER",
                                   "valid": "VALID"}[layer.padding]))
    else:
        (t, b), (left, r) = layer.padding
        attrs.append(("pads", [t, left, b, r]))
    if layer.mode == "max" and layer.dilation != (1, 1):
        attrs.append(("dilations", list(layer.dilation)))
    if layer.ceil_mode:
        attrs.append(("ceil_mode", 1))
    if layer.mode == "avg":
        attrs.append(("count_include_pad", int(layer.count_include_pad)))
    src = "['xp']" if _has_pre(layer) else "['x']"
    outs = "['y', 'indices']" if layer.mode == "max" else "['y']"
    node = Call("onnx.helper.make_node",
                f"onnx.helper.make_node({op!r}, {src}, {outs}, {_args(attrs)})",
                (("op_type", op),) + tuple(attrs))
    if not _has_pre(layer):
        return (node,), ()
    (t, b), (left, r) = layer.pre_pad
    pads = [0, 0, t, left, 0, 0, b, r]
    pad = Call("onnx.helper.make_node",
               f"onnx.helper.make_node('Pad', ['x', 'pads', 'value'], ['xp'], mode='constant')"
               f"  # pads = {pads}, value = {_pad_value(layer)}",
               (("op_type", "Pad"), ("pads", pads), ("value", layer.pre_pad_value)))
    return (pad, node), ()


# --------------------------------------------------------------------------- Caffe
def caffe_calls(layer: FrameworkLayer) -> tuple[tuple[Call, ...], tuple[Call, ...]]:
    """(the prototxt layer,), ()."""
    lines: list[tuple[str, object]] = [("pool", "MAX" if layer.mode == "max" else "AVE")]
    pads = layer.padding if isinstance(layer.padding, tuple) else ((0, 0), (0, 0))
    p = (pads[0][0], pads[1][0])
    for name, v in (("kernel", layer.kernel), ("stride", layer.stride), ("pad", p)):
        if v[0] == v[1]:
            if name != "pad" or v[0]:
                lines.append((f"{name}_size" if name == "kernel" else name, v[0]))
        else:
            lines += [(f"{name}_h", v[0]), (f"{name}_w", v[1])]
    body = " ".join(f"{k}: {v}" for k, v in lines)
    text = ('layer { name: "pool" type: "Pooling" bottom: "x" top: "y"\n'
            f"  pooling_param {{ {body} }} }}")
    return (Call("pooling_param", text, tuple(lines), "prototxt"),), ()


WRITERS = {"pytorch": pytorch_calls, "tensorflow": tensorflow_calls, "jax": jax_calls,
           "onnx": onnx_calls, "caffe": caffe_calls}
