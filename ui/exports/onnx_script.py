"""The runnable ONNX script of one configuration: a model built with ``onnx.helper`` (a Pad
node when the layer pads by hand, then MaxPool or AveragePool as
`pooling_core.frameworks.express` writes it for ONNX), run by ONNX Runtime's CPU provider;
it prints y and dL/dx in the PyTorch script's number format, the app's "onnx" numbers
(`pooling_core.frameworks.framework_result`).

ONNX Runtime has no backward, so the script gets dL/dx as a training framework would:
max — the model also outputs MaxPool's Indices (flat positions in the plane it pools), and
dL/dy is added at those positions (positions in the hand padding are dropped); average — the
layer is linear, y = A x, so the script runs the model on the H·W basis inputs (one batch;
row r·W + c holds y(e_rc), column r·W + c of A) and dL/dx = Aᵀ dL/dy. AveragePool runs in
float32 (ONNX Runtime's CPU provider has no double AveragePool), MaxPool in float64.

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
from ui.exports.script_text import comment

SNIPPET_FILE = "pooling_onnx.py"
_AUTO = {"same": "SAME_UPPER", "same_lower": "SAME_LOWER", "valid": "VALID"}


def _attrs(layer: FrameworkLayer) -> list[str]:
    out = [f"kernel_shape={list(layer.kernel)!r}", f"strides={list(layer.stride)!r}"]
    if isinstance(layer.padding, str):
        out.append(f"auto_pad={_AUTO[layer.padding]!r}")
    else:
        (t, b), (left, r) = layer.padding
        out.append(f"pads={[int(t), int(left), int(b), int(r)]!r}")
    if layer.ceil_mode:
        out.append("ceil_mode=1")
    if layer.mode == "max":
        out.append(f"dilations={list(layer.dilation)!r}")
    else:
        out.append(f"count_include_pad={int(layer.count_include_pad)}")
    return out


def _body(layer: FrameworkLayer, hw: tuple[int, int], tr: Callable[..., str]) -> Body:
    H, W = hw
    maxp = layer.mode == "max"
    dtype = "np.float64" if maxp else "np.float32"
    elem = "TensorProto.DOUBLE" if maxp else "TensorProto.FLOAT"
    (t, b), (left, r) = pads_of(layer)
    L = [f"DTYPE, ELEM = {dtype}, {elem}", "nodes, inits, src = [], [], \"x\""]
    if has_pre_pad(layer):
        L += [f"inits.append(numpy_helper.from_array(np.array({[0, 0, t, left, 0, 0, b, r]!r}, "
              "np.int64), \"pads\"))",
              f"inits.append(numpy_helper.from_array(np.array({pad_value_source(layer)}, DTYPE), "
              "\"value\"))",
              "nodes.append(helper.make_node(\"Pad\", [\"x\", \"pads\", \"value\"], [\"xp\"], "
              "mode=\"constant\"))", "src = \"xp\""]
    outs = '["y", "indices"]' if maxp else '["y"]'
    op = "MaxPool" if maxp else "AveragePool"
    L += [f"nodes.append(helper.make_node({op!r}, [src], {outs},",
          *[f"                              {a}," for a in _attrs(layer)], "))",
          "outputs = [helper.make_tensor_value_info(\"y\", ELEM, [None] * 4)]"]
    if maxp:
        L.append("outputs.append(helper.make_tensor_value_info(\"indices\", TensorProto.INT64, "
                 "[None] * 4))")
    L += [f"inputs = [helper.make_tensor_value_info(\"x\", ELEM, [None, 1, {H}, {W}])]",
          "graph = helper.make_graph(nodes, \"pool\", inputs, outputs, initializer=inits)",
          "model = helper.make_model(graph, opset_imports=[helper.make_opsetid(\"\", 19)])",
          "model.ir_version = 9",
          "onnx.checker.check_model(model)",
          "session = onnxruntime.InferenceSession(model.SerializeToString(),",
          "                                       providers=[\"CPUExecutionProvider\"])",
          f"result = session.run(None, {{\"x\": x.astype(DTYPE).reshape(1, 1, {H}, {W})}})",
          "y = result[0][0, 0]"]
    if maxp:
        L += [*comment(tr("onnx_max")),
              "indices = result[1][0, 0].reshape(-1)",
              f"rows, cols = indices // {W + left + r} - {t}, indices % {W + left + r} - {left}",
              f"ok = (indices >= 0) & (rows >= 0) & (rows < {H}) & (cols >= 0) & (cols < {W})",
              f"dx = np.zeros({H * W})",
              f"np.add.at(dx, (rows * {W} + cols)[ok], grad_output.reshape(-1)[ok])",
              f"dx = dx.reshape({H}, {W})"]
    else:
        L += [*comment(tr("onnx_avg")),
              f"basis = np.eye({H * W}, dtype=DTYPE).reshape({H * W}, 1, {H}, {W})",
              f"columns = session.run(None, {{\"x\": basis}})[0].reshape({H * W}, -1)",
              f"dx = (columns.astype(np.float64) @ grad_output.reshape(-1)).reshape({H}, {W})"]
    return Body(("import onnx", "import onnxruntime", "from onnx import TensorProto, helper, "
                 "numpy_helper"), tuple(L))


def onnx_script(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None = None, file_name: str = SNIPPET_FILE,
) -> str:
    """A self-contained Python script of `spec` on `x` (H, W) with ONNX and ONNX Runtime.

    `grad_output` is the app's dL/dy (OH, OW); where the framework's output has other cells
    (`framework_result`'s `grad_output`: missing cells dropped, extra cells 1) the script
    uses the framework's. When ONNX cannot write the layer at all the script says so in a
    comment and a printed note and prints no numbers.
    """
    return framework_script("onnx", "onnx, onnxruntime", _body, x, grad_output, spec, lang=lang,
                            file_name=file_name)
