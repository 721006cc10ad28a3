"""The runnable ONNX (a model built with onnx.helper, run by ONNX Runtime; dL/dx from MaxPool's
Indices output, or the average's transpose on basis inputs) script of one configuration: it
rebuilds x and dL/dy as float64 arrays, runs the framework's own layer
(`pooling_core.frameworks.express`) and prints y and dL/dx in the PyTorch script's number format
(blocks ``y =`` and ``dL/dx =``), so a student can check the app's "onnx" numbers
(`pooling_core.frameworks.framework_result`).

Pure functions; no Streamlit import.
"""

from __future__ import annotations

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec

SNIPPET_FILE = "pooling_onnx.py"


def onnx_script(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec | AdaptiveSpec, *,
    lang: str | None = None, file_name: str = SNIPPET_FILE,
) -> str:
    """A self-contained Python script of `spec` on `x` (H, W) in this framework.

    `grad_output` is the app's dL/dy (OH, OW); where the framework's output has other cells
    (`framework_result`'s `grad_output`: missing cells dropped, extra cells 1) the script
    uses the framework's. When the framework cannot write the layer at all the script says so
    in a comment and a printed note and prints no numbers.
    """
    raise NotImplementedError
