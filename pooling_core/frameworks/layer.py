"""The framework lens' vocabulary: frameworks, reason codes and the result dataclasses.

Shapes: x (H, W); a framework's output y (OH', OW') — its own output size, which may differ
from the app's (OH, OW); dL/dx (H, W). Cells are (i, j) in y, (r, c) in x.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

Pair = tuple[int, int]
Pads = tuple[Pair, Pair]  # ((top, bottom), (left, right))

FRAMEWORKS: tuple[str, ...] = ("pytorch", "tensorflow", "jax", "onnx", "caffe")
"""The frameworks, in display order. "tensorflow" covers Keras, "jax" covers Flax."""

ISSUE_CODES: tuple[str, ...] = (
    "no_same_padding",           # PyTorch pooling has no 'same' ({padding}); written as F.pad
    "padding_over_half_kernel",  # PyTorch: padding {value} > kernel {kernel} // 2 ({axis})
    "no_asymmetric_padding",     # one padding number per axis ({pads}): PyTorch, Caffe
    "no_explicit_padding",       # TF/Keras pooling: only 'valid' / 'same' ({pads})
    "no_same_lower",             # TF/Keras/JAX/Caffe: no 'same' with the extra cell before
    "no_dilation",               # Keras, tf.nn.max_pool2d, Caffe, ONNX AveragePool ({dilation})
    "dilation_needs_stride_1",   # tf.nn.pool: dilation only with stride 1 ({stride})
    "no_ceil_mode",              # Keras/TF/JAX: floor only ({axis}: floor {floor}, ceil {ceil})
    "always_ceil",               # Caffe rounds up ({axis}: floor {floor}, Caffe {ceil})
    "no_count_include_pad",      # TF/Keras average: divides by the real cells only
    "no_count_exclude_pad",      # Caffe average: padding always counted
    "no_divisor_override",       # only PyTorch has divisor_override ({divisor})
    "negative_same_padding",     # ONNX Runtime refuses auto_pad with total {total} < 0 ({axis})
    "pad_not_below_kernel",      # Caffe / ONNX Runtime: pad {value} must be < kernel {kernel}
    "no_max_gradient_dilation",  # JAX: no gradient of a dilated max reduce_window
    "zero_padding_can_win",      # ZeroPadding2D pads with 0: a max may take a padding 0
    "no_adaptive",               # no adaptive pooling with these bins ({output_size})
    "empty_window",              # a window holds no input cell (Caffe: its gradient is lost)
)
"""Why a framework cannot write a layer natively or exactly (`Issue.code`); params named in
braces above are `Issue.params` keys."""

DIFF_REASONS: tuple[str, ...] = (
    "not_expressible",  # the framework cannot write this layer; its nearest one differs here
    "output_size",      # output-size rounding: a cell only one of them has, or shifted windows
    "same_padding",     # where 'same' puts the extra row/column (after vs before)
    "divisor",          # the average's divisor (padding counted or not, clipped or not)
    "tie_rule",         # which tied maximum receives the gradient (or a split)
    "nan_rule",         # how a NaN in a window is treated (wins, ignored, propagates)
    "lowest_start",     # the max starts from the lowest finite number, not -inf (a window of
                        # -inf only gives that number, its gradient goes elsewhere or nowhere)
    "no_gradient",      # the framework computes no dL/dx for this layer
)
"""One reason per differing cell (`CellDiff.reason`), in the order they are attributed."""


@dataclass(frozen=True)
class Issue:
    """Why a framework cannot write a layer natively or exactly: a code of `ISSUE_CODES`
    and the numbers its sentence names (the UI translates)."""

    code: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One statement of a framework's definition of the layer.

    Attributes
    ----------
    api : str             the function or layer, e.g. "torch.nn.MaxPool2d", "pooling_param"
    code : str            the exact source with this layer's numbers (data: never translated)
    params : tuple of (name, value)   the arguments as written, in order
    language : "python" or "prototxt"
    """

    api: str
    code: str
    params: tuple[tuple[str, object], ...] = ()
    language: Literal["python", "prototxt"] = "python"


@dataclass(frozen=True)
class FrameworkLayer:
    """A layer in one framework's own terms: what the framework runs, and so what it computes.

    Attributes
    ----------
    framework : str       one of `FRAMEWORKS`
    mode : "max" or "avg"
    kernel, stride, dilation : (h, w)
    padding : "same", "same_lower", "valid" or ((top, bottom), (left, right))
        The pooling op's own padding (max: never wins; avg: counted per `count_include_pad`).
    ceil_mode : bool      PyTorch/ONNX ceil_mode; Caffe's layers always have it
    count_include_pad : bool   average divisor counts padding (TF/Keras: always False)
    divisor_override : int or None   PyTorch only
    pre_pad : ((top, bottom), (left, right))   an explicit padding before the pool
        (F.pad, tf.pad, ZeroPadding2D, jnp.pad): its cells are input cells to the pool
    pre_pad_value : float   what `pre_pad` writes (0.0, or -inf for a max)
    op : "pool" or "reduce"   "reduce": a global reduction (tf.reduce_max, jnp.max, Keras
        GlobalMaxPooling2D) whose max gradient splits ties
    output_size : (oh, ow) or None   PyTorch's adaptive pooling (kernel, stride and padding
        are then unused)
    """

    framework: str
    mode: Literal["max", "avg"]
    kernel: Pair
    stride: Pair
    dilation: Pair = (1, 1)
    padding: str | Pads = "valid"
    ceil_mode: bool = False
    count_include_pad: bool = True
    divisor_override: int | None = None
    pre_pad: Pads = ((0, 0), (0, 0))
    pre_pad_value: float = 0.0
    op: Literal["pool", "reduce"] = "pool"
    output_size: Pair | None = None


@dataclass(frozen=True)
class Expression:
    """How one framework writes the app's layer.

    Attributes
    ----------
    framework : str
    native : bool     one pooling call with these numbers computes it (no workaround)
    exact : bool      `calls` compute the layer's windows, padding and divisor exactly (the
                      framework's tie and NaN rules still apply: see `differences`)
    issues : tuple of Issue   why not native / not exact (empty when native)
    calls : tuple of Call     the definition (native, exact composite, or the nearest layer);
                              empty when nothing close can be written
    alternatives : tuple of Call   the same in the framework's other API (Keras vs tf.nn,
                              Flax vs lax, onnx.helper vs ...)
    layer : FrameworkLayer or None   what `calls` compute; None when `calls` is empty
    """

    framework: str
    native: bool
    exact: bool
    issues: tuple[Issue, ...]
    calls: tuple[Call, ...]
    alternatives: tuple[Call, ...]
    layer: FrameworkLayer | None


@dataclass(frozen=True)
class FrameworkResult:
    """A framework's numbers on one input, computed by NumPy under its rules.

    Attributes
    ----------
    framework : str
    expression : Expression   how the layer is written (its `layer` was run)
    output : ndarray float64 (OH', OW') or None   y; None when nothing can be written
    grad_output : ndarray float64 (OH', OW') or None   the dL/dy used: the app's dL/dy where
        the cell exists in both, `fill` (default 1) in cells only this framework has
    grad_input : ndarray float64 (H, W) or None   dL/dx; None when the framework has none
    notes : tuple of Issue   what happened on this input (e.g. ``empty_window``)
    """

    framework: str
    expression: Expression
    output: np.ndarray | None
    grad_output: np.ndarray | None
    grad_input: np.ndarray | None
    notes: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class CellDiff:
    """One cell where a framework's number differs from PyTorch's.

    array : "y" or "dx";  cell : (i, j) in y or (r, c) in x;  value / pytorch : the two
    numbers (None where that side has no such cell or no gradient);  reason : one of
    `DIFF_REASONS`;  params : numbers for the reason's sentence.
    """

    array: Literal["y", "dx"]
    cell: Pair
    value: float | None
    pytorch: float | None
    reason: str
    params: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Differences:
    """Every cell of y and dL/dx where `framework` differs from PyTorch, one reason each.

    Attributes
    ----------
    framework : str
    result, pytorch : FrameworkResult   the two sides
    cells : tuple of CellDiff   y cells first (row-major over the union of both shapes),
                                then dL/dx cells (row-major)
    y_reason : ndarray of str (OH', OW')   the reason per cell of this framework's y ("" equal)
    dx_reason : ndarray of str (H, W)      the same for dL/dx
    """

    framework: str
    result: FrameworkResult
    pytorch: FrameworkResult
    cells: tuple[CellDiff, ...]
    y_reason: np.ndarray
    dx_reason: np.ndarray

    def counts(self) -> dict[str, int]:
        """Number of differing cells per reason (y and dL/dx together)."""
        out: dict[str, int] = {}
        for c in self.cells:
            out[c.reason] = out.get(c.reason, 0) + 1
        return out


@dataclass(frozen=True)
class Port:
    """A layer ported from one framework to another.

    Attributes
    ----------
    source, target : str
    source_layer : FrameworkLayer   the source layer as given (`PORT_PARAMS[source]`)
    target_expression : Expression  the target's closest equivalent (`exact` says whether
                                    it is exact; `calls` empty: nothing close exists)
    exists : bool                   an exact equivalent exists
    source_result, target_result : FrameworkResult or None   on the given input
    cells : tuple of CellDiff       cells where target differs from source (their `pytorch`
                                    field holds the source's value), empty without an input
    """

    source: str
    target: str
    source_layer: FrameworkLayer
    target_expression: Expression
    exists: bool
    source_result: FrameworkResult | None = None
    target_result: FrameworkResult | None = None
    cells: tuple[CellDiff, ...] = ()
