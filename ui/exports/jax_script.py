"""The runnable JAX script of one configuration: x and dL/dy as float64 arrays, the layer as
`pooling_core.frameworks.express` writes it for JAX (``jax.lax.reduce_window``; the average
divided as Flax's ``avg_pool`` divides), dL/dx by ``jax.vjp``; it prints y and dL/dx in the
PyTorch script's number format (blocks ``y =`` and ``dL/dx =``), the app's "jax" numbers
(`pooling_core.frameworks.framework_result`).

Pure functions; no Streamlit import. Shared parts: `ui.exports.framework_script`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec
from pooling_core.frameworks import FrameworkLayer
from ui.exports.framework_script import (
    Body,
    framework_script,
    has_pre_pad,
    pad_value_source,
    pads_of,
)

SNIPPET_FILE = "pooling_jax.py"


def _padding(layer: FrameworkLayer) -> str:
    if isinstance(layer.padding, str):
        return repr(layer.padding.upper())
    return repr(tuple(tuple(int(v) for v in side) for side in layer.padding))


def _body(layer: FrameworkLayer, hw: tuple[int, int], tr: Callable[..., str]) -> Body:
    dil = f", window_dilation={layer.dilation!r}" if layer.dilation != (1, 1) else ""
    args = f"{layer.kernel!r}, {layer.stride!r}, {_padding(layer)}{dil}"
    L = ["jax.config.update(\"jax_enable_x64\", True)", "", "", "def layer(a):"]
    if layer.op == "reduce":  # global pooling: jnp.max / jnp.mean (a tie's gradient is split)
        fn = "jnp.max" if layer.mode == "max" else "jnp.mean"
        L.append(f"    return {fn}(a).reshape(1, 1)")
    elif has_pre_pad(layer):
        value = pad_value_source(layer)
        L.append(f"    a = jnp.pad(a, {pads_of(layer)!r}, constant_values={value})")
    if layer.op == "reduce":
        pass
    elif layer.mode == "max":
        L.append(f"    return jax.lax.reduce_window(a, -jnp.inf, jax.lax.max, {args})")
    else:
        L.append(f"    total = jax.lax.reduce_window(a, 0.0, jax.lax.add, {args})")
        if layer.divisor_override is not None:
            L.append(f"    return total / {layer.divisor_override}")
        elif layer.count_include_pad:
            L.append(f"    return total / {layer.kernel[0] * layer.kernel[1]}"
                     "  # flax.linen.avg_pool(count_include_pad=True)")
        else:
            L.append("    return total / jax.lax.reduce_window(jnp.ones_like(a), 0.0, jax.lax.add, "
                     f"{args})  # count_include_pad=False")
    L += ["", "", "y, vjp = jax.vjp(layer, jnp.asarray(x))"]
    no_grad = layer.mode == "max" and layer.dilation != (1, 1)
    if not no_grad:
        L.append("(dx,) = vjp(jnp.asarray(grad_output))")
    return Body(("import jax", "import jax.numpy as jnp"), tuple(L), not no_grad)


def jax_script(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None = None, file_name: str = SNIPPET_FILE,
) -> str:
    """A self-contained Python script of `spec` on `x` (H, W) in JAX.

    `grad_output` is the app's dL/dy (OH, OW); where the framework's output has other cells
    (`framework_result`'s `grad_output`: missing cells dropped, extra cells 1) the script
    uses the framework's. When the framework cannot write the layer at all the script says so
    in a comment and a printed note and prints no numbers; a dilated max prints y only (JAX
    has no gradient for it).
    """
    return framework_script("jax", "jax (CPU)", _body, x, grad_output, spec, lang=lang,
                            file_name=file_name)
