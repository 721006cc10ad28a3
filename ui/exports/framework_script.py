"""What the JAX, ONNX and Keras scripts share: the header, x and dL/dy as NumPy arrays, the
number printing of the PyTorch script (`ui.exports.script_text`), and the layer that
`pooling_core.frameworks.express` chose for the framework (native, exact composite or
nearest; its `FrameworkLayer`).

Each framework module (`jax_script`, `onnx_script`, `keras_script`) only writes the lines
that run its layer and leave ``y`` and ``dx`` as NumPy arrays (`Body`). Pure functions; no
Streamlit import; comments and notes through `t` in ``lang``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec
from pooling_core.frameworks import FrameworkLayer, FrameworkResult, framework_result
from ui.exports.arrays import as_2d
from ui.exports.script_text import FMT_HELPER, SHOW_ROWS, comment, print_source, rows_source
from ui.i18n import t

HELPERS = FMT_HELPER + '''\
def show(name, array):
    array = np.asarray(array, dtype=np.float64)
    rows = [[fmt(v) for v in row] for row in array.reshape(array.shape[-2:] if array.ndim > 1
                                                            else (1, -1)).tolist()]
''' + SHOW_ROWS


@dataclass(frozen=True)
class Body:
    """A framework's part of the script: its imports and the lines that set ``y`` and ``dx``
    (``dx`` None: the framework has no gradient; the lines then print why)."""

    imports: tuple[str, ...]
    lines: tuple[str, ...]
    has_dx: bool = True


def array_source(name: str, arr: np.ndarray) -> list[str]:
    """``name = np.array([...], dtype=np.float64)`` of a 2-D array, one row a line."""
    return [f"{name} = np.array([", *rows_source(arr), "], dtype=np.float64)"]


def pads_of(layer: FrameworkLayer) -> tuple[tuple[int, int], tuple[int, int]]:
    """The layer's pre-padding as ((top, bottom), (left, right)) ints."""
    (t_, b), (left, r) = layer.pre_pad
    return ((int(t_), int(b)), (int(left), int(r)))


def has_pre_pad(layer: FrameworkLayer) -> bool:
    return any(v for side in layer.pre_pad for v in side)


def pad_value_source(layer: FrameworkLayer) -> str:
    return "-inf" if layer.pre_pad_value == float("-inf") else "0.0"


def framework_script(
    framework: str, package: str,
    body: Callable[[FrameworkLayer, tuple[int, int], Callable[..., str]], Body],
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None, file_name: str,
) -> str:
    """The script of `framework` (see the framework modules): header, helpers, x, dL/dy on
    the framework's output, then `body`'s lines, then ``show("y", y)`` and ``show("dL/dx",
    dx)``. A framework that cannot write the layer gets a script that only says so."""
    xs = as_2d(x, "x")
    gy = as_2d(grad_output, "grad_output")
    res: FrameworkResult = framework_result(framework, xs, gy, spec)
    ex = res.expression

    def tr(key: str, **kw: Any) -> str:
        return t(f"lens_export.{key}", lang=lang, **kw)

    label = {"pytorch": "PyTorch", "tensorflow": "TensorFlow / Keras", "jax": "JAX",
             "onnx": "ONNX Runtime"}.get(framework, framework)
    L: list[str] = []
    L += comment(tr("title", framework=label))
    L += comment(tr("run", file=file_name, package=package))
    L += comment(t("export.py.format", lang=lang))
    L.append("#")
    for call in ex.calls:
        L += [f"#     {line}" for line in call.code.splitlines()]
    if ex.layer is None or res.output is None:
        note = tr("none", framework=label)
        return "\n".join(L + comment(note) + print_source(note)) + "\n"
    if not ex.exact:
        L += comment(tr("nearest", framework=label))
    layer = ex.layer
    part = body(layer, xs.shape, tr)
    L += ["import math", "", "import numpy as np", *part.imports, ""]
    L += HELPERS.splitlines()
    L += ["", ""]
    L += comment(tr("x", h=xs.shape[0], w=xs.shape[1]))
    L += array_source("x", xs)
    g = res.grad_output
    L += comment(tr("grad_output", framework=label, oh=g.shape[0], ow=g.shape[1]))
    L += array_source("grad_output", g)
    L += ["", *part.lines, "", 'show("y", y)']
    if part.has_dx:
        L.append('show("dL/dx", dx)')
    else:
        note = tr("no_gradient", framework=label)
        L += comment(note) + print_source(note)
    return "\n".join(L) + "\n"
