"""The runnable Keras / TensorFlow script of one configuration: x and dL/dy as float64, the
layer as `pooling_core.frameworks.express` writes it for TensorFlow (Keras pooling layers;
``tf.pad`` with -inf + 'valid' pooling where Keras' ZeroPadding2D would let a padding zero
win a max), dL/dx by ``tf.GradientTape``; it prints y and dL/dx in the PyTorch script's
number format, the app's "tensorflow" numbers (`pooling_core.frameworks.framework_result`).

Pure functions; no Streamlit import. Shared parts: `ui.exports.framework_script`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec
from pooling_core.frameworks import FrameworkLayer
from ui.exports.framework_script import Body, framework_script, has_pre_pad, pads_of

SNIPPET_FILE = "pooling_keras.py"


def _body(layer: FrameworkLayer, hw: tuple[int, int], tr: Callable[..., str]) -> Body:
    H, W = hw
    pool = "MaxPooling2D" if layer.mode == "max" else "AveragePooling2D"
    padding = layer.padding if isinstance(layer.padding, str) else "valid"
    L = [f"xt = tf.constant(x.reshape(1, {H}, {W}, 1))",
         "with tf.GradientTape() as tape:", "    tape.watch(xt)", "    a = xt"]
    (t, b), (left, r) = pads_of(layer)
    if has_pre_pad(layer) and layer.pre_pad_value == 0.0:
        L.append(f"    a = tf.keras.layers.ZeroPadding2D(padding=(({t}, {b}), ({left}, {r})), "
                 "dtype=\"float64\")(a)")
    elif has_pre_pad(layer):
        L.append(f"    a = tf.pad(a, [[0, 0], [{t}, {b}], [{left}, {r}], [0, 0]], "
                 "constant_values=-inf)")
    if layer.op == "reduce":  # GlobalMaxPooling2D = tf.reduce_max: a tie's gradient is split
        name = "GlobalMaxPooling2D" if layer.mode == "max" else "GlobalAveragePooling2D"
        L.append(f"    yt = tf.reshape(tf.keras.layers.{name}(dtype=\"float64\")(a), (1, 1, 1, 1))")
    else:
        L.append(f"    yt = tf.keras.layers.{pool}(pool_size={layer.kernel!r}, "
                 f"strides={layer.stride!r}, padding={padding!r}, dtype=\"float64\")(a)")
    L += ["dx = tape.gradient(yt, xt, output_gradients=tf.constant("
          "grad_output.reshape(yt.shape))).numpy()[0, :, :, 0]",
          "y = yt.numpy()[0, :, :, 0]"]
    return Body(("import tensorflow as tf",), tuple(L))


def keras_script(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None = None, file_name: str = SNIPPET_FILE,
) -> str:
    """A self-contained Python script of `spec` on `x` (H, W) in Keras / TensorFlow.

    `grad_output` is the app's dL/dy (OH, OW); where the framework's output has other cells
    (`framework_result`'s `grad_output`: missing cells dropped, extra cells 1) the script
    uses the framework's. When the layer cannot be written exactly the script runs the
    nearest layer (a comment says so).
    """
    return framework_script("tensorflow", "tensorflow", _body, x, grad_output, spec,
                            lang=lang, file_name=file_name)
