"""The framework lens (issue 17): one pooling layer as PyTorch, TensorFlow/Keras, JAX/Flax,
ONNX and Caffe write it, what each computes on an input, and where they differ.

Every number is computed here, by NumPy, with each framework's own rules (output-size
rounding, where 'same' puts its odd padding cell, the average's divisor, the max gradient's
tie rule, NaN handling); the frameworks themselves are never imported (the tests compare
with them). The UI translates every code; code strings (`Call.code`) are data, not text.

    from pooling_core.frameworks import FRAMEWORKS, express, framework_result, differences

    ex = express("tensorflow", spec, (H, W))        # Expression: calls, exact?, issues
    res = framework_result("caffe", x, gy, spec)    # FrameworkResult: y, dL/dx, the layer
    diff = differences(x, gy, spec, "onnx")         # Differences: cells vs PyTorch, reasons
    port = port_layer("tensorflow", {...}, "pytorch", x, gy)
    SEMANTICS                                        # the semantics table, with sources

Modules: `layer` (the dataclasses and codes), `rules` (each framework's rules + sources),
`express` (code and issues), `engine` (y and dL/dx under a framework's rules), `compare`
(differences from PyTorch), `port` (porting a layer).
"""

from .compare import differences, framework_results
from .engine import framework_compute, framework_result
from .express import express
from .layer import (
    DIFF_REASONS,
    FRAMEWORKS,
    ISSUE_CODES,
    Call,
    CellDiff,
    Differences,
    Expression,
    FrameworkLayer,
    FrameworkResult,
    Issue,
    Port,
)
from .port import PORT_PARAMS, port_layer
from .rules import RULES, SEMANTICS, FrameworkRules, SemanticsRow

__all__ = [
    "DIFF_REASONS",
    "FRAMEWORKS",
    "ISSUE_CODES",
    "PORT_PARAMS",
    "RULES",
    "SEMANTICS",
    "Call",
    "CellDiff",
    "Differences",
    "Expression",
    "FrameworkLayer",
    "FrameworkResult",
    "FrameworkRules",
    "Issue",
    "Port",
    "SemanticsRow",
    "differences",
    "express",
    "framework_compute",
    "framework_result",
    "framework_results",
    "port_layer",
]
