"""Each framework's pooling rules, as data, with the source each rule was read from.

`RULES[name]` is one `FrameworkRules`: how the output size is rounded, which padding forms
exist, the average's divisor, where a max starts, how its forward treats NaN and which cell
its gradient picks. The engine (`pooling_core.frameworks.engine`) looks the rules up by
these codes; `SEMANTICS` is the same as a table (one row per framework and aspect), the data
of the README's and the Theory page's semantics table.

Codes (`FrameworkRules` fields):

rounding   "ceil_mode"  floor, or with ceil_mode ceil, dropping a last window that starts
                        at or past n + pad_before (PyTorch, ONNX Runtime)
           "floor"      floor only (TF/Keras 'VALID', JAX); 'SAME' is ceil(n / s)
           "caffe"      always ceil; the drop above only when some padding is set
divisor    "window"     count_include_pad: the window clipped to the padded input (n + pads)
                        (PyTorch, ONNX Runtime, Caffe); Flax divides by the whole window
           "real"       the real cells of the window (TF/Keras always; count_include_pad=False)
max_start  "-inf"       the max starts at -inf: a window of -inf gives -inf
           "first"      the max starts at the window's first real cell (ONNX Runtime)
           "lowest"     starts at the dtype's lowest finite number (TF, ONNX Runtime)
           "flt_lowest" starts at -FLT_MAX, whatever the dtype (Caffe)
forward    "nan_wins"   a NaN in the window is the output (PyTorch: `val > max || isnan`)
           "nan_propagates"  max(a, NaN) = NaN (XLA)
           "nan_ignored"     cwiseMax from the lowest number: a NaN is never taken (TF)
           "first_taken"     the scan below gives y too (ONNX Runtime's MaxPool with Indices)
           "greater"         the scan below gives y too (Caffe)
gradient   "pytorch"    the forward's winner: first maximum, the last NaN
           "first_taken"  first real cell taken, then strictly greater (`out < in`): a NaN
                        is taken only as the window's first cell, then kept (TF's argmax)
           "jax_ge"     select_and_scatter_add with `ge`: keep the selected cell while it is
                        >= the next one; a NaN is left for the next cell
           "greater"    strictly greater than the running max from `max_start`; a window with
                        no such cell sends its gradient nowhere (ORT Indices = -1, Caffe mask)
           "split"      global reductions (tf.reduce_max, jnp.max): the ties share equally
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

TF = "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/kernels/"
ORT = "https://github.com/microsoft/onnxruntime/blob/main/onnxruntime/core/providers/cpu/nn/"
CAFFE = "https://github.com/BVLC/caffe/blob/master/src/caffe/layers/pooling_layer.cpp"
JAX = "https://github.com/jax-ml/jax/blob/main/jax/_src/lax/windowed_reductions.py"
TORCH = "https://github.com/pytorch/pytorch/blob/main/aten/src/ATen/native/"


@dataclass(frozen=True)
class FrameworkRules:
    """One framework's pooling rules (codes: see the module docstring)."""

    name: str
    label: str
    rounding: str
    padding_forms: tuple[str, ...]  # "symmetric", "asymmetric", "same", "same_lower", "valid"
    divisor: tuple[str, ...]        # divisor rules it can be asked for
    max_start: str
    forward: str
    gradient: str
    dilation_max: bool
    dilation_avg: bool


RULES: Mapping[str, FrameworkRules] = MappingProxyType({
    "pytorch": FrameworkRules("pytorch", "PyTorch", "ceil_mode", ("symmetric",),
                              ("window", "real"), "-inf", "nan_wins", "pytorch", True, False),
    "tensorflow": FrameworkRules("tensorflow", "TensorFlow / Keras", "floor", ("same", "valid"),
                                 ("real",), "lowest", "nan_ignored", "first_taken", False, False),
    "jax": FrameworkRules("jax", "JAX / Flax", "floor", ("asymmetric", "same", "valid"),
                          ("window", "real"), "-inf", "nan_propagates", "jax_ge", True, False),
    "onnx": FrameworkRules("onnx", "ONNX (ONNX Runtime)", "ceil_mode",
                           ("asymmetric", "same", "same_lower", "valid"), ("window", "real"),
                           "first", "first_taken", "first_taken", True, False),
    "caffe": FrameworkRules("caffe", "Caffe", "caffe", ("symmetric",), ("window",),
                            "flt_lowest", "greater", "greater", False, False),
})


@dataclass(frozen=True)
class SemanticsRow:
    """One cell group of the semantics table: a framework's rule for one aspect.

    aspect : "output_size", "padding", "divisor", "ties" or "nan"
    code : the rule's code (the UI's translation key: frameworks.semantics.<aspect>.<code>)
    formula : language-neutral math/code text (not translated)
    text : the rule in English (README)
    source : where it is written (file path or URL)
    """

    framework: str
    aspect: str
    code: str
    formula: str
    text: str
    source: str


def _row(fw: str, aspect: str, code: str, formula: str, text: str, source: str) -> SemanticsRow:
    return SemanticsRow(fw, aspect, code, formula, text, source)


SEMANTICS: tuple[SemanticsRow, ...] = (
    # --- PyTorch
    _row("pytorch", "output_size", "ceil_mode", "⌊(n + 2p − d(k−1) − 1)/s⌋ + 1 (⌈⌉ with ceil_mode)",
         "floor, or ceil with ceil_mode; a last window starting at or past n + p is dropped",
         TORCH + "Pool.h (pooling_output_shape)"),
    _row("pytorch", "padding", "symmetric", "p ≤ k // 2",
         "one number per axis, both sides; no 'same' in pooling; padding above k // 2 refused",
         TORCH + "Pool.h (pool2d_shape_check)"),
    _row("pytorch", "divisor", "window", "count_include_pad ? min(end, n + p) − start : real",
         "the window clipped to the padded input, or the real cells (count_include_pad=False), "
         "or divisor_override", TORCH + "cpu/AvgPoolKernel.cpp"),
    _row("pytorch", "ties", "first", "val > maxval || isnan(val)",
         "the first maximum in row-major window order gets the gradient",
         TORCH + "cpu/MaxPoolKernel.cpp"),
    _row("pytorch", "nan", "nan_wins", "isnan(val) → taken",
         "a NaN wins its window (the last NaN scanned); y is NaN", TORCH + "cpu/MaxPoolKernel.cpp"),
    # --- TensorFlow / Keras
    _row("tensorflow", "output_size", "floor", "VALID ⌊(n − k)/s⌋ + 1; SAME ⌈n/s⌉",
         "'valid': floor; 'same': ceil(n / s); no ceil_mode",
         "tensorflow/core/framework/kernel_shape_util.cc (GetWindowedOutputSizeVerbose)"),
    _row("tensorflow", "padding", "same_after",
         "P = max((o−1)s + k − n, 0); ⌊P/2⌋ before, the rest after",
         "only 'valid' or 'same'; 'same' puts the odd cell after (bottom, right); Keras has no "
         "dilation; explicit padding needs ZeroPadding2D (zeros) or tf.pad",
         "tensorflow/core/framework/kernel_shape_util.cc; keras/src/layers/pooling/"
         "base_pooling.py"),
    _row("tensorflow", "divisor", "real", "count of real cells",
         "the average divides by the window's real cells (padding never counted)",
         TF + "avgpooling_op.cc; " + TF + "pooling_ops_common.h"),
    _row("tensorflow", "ties", "first_taken", "out_arg_max invalid || output < input",
         "the gradient goes to the first real cell of the window unless a later cell is "
         "strictly greater (first maximum); tf.reduce_max / GlobalMaxPooling2D split a tie",
         TF + "maxpooling_op.cc (SpatialMaxPoolWithArgMaxHelper)"),
    _row("tensorflow", "nan", "nan_ignored", "y = max from lowest(), cwiseMax",
         "the forward ignores NaN (a window of NaN or −∞ only gives the lowest float); the "
         "gradient goes to a NaN only when it is the window's first cell",
         TF + "maxpooling_op.cc (SpatialMaxPool)"),
    # --- JAX / Flax
    _row("jax", "output_size", "floor", "⌊(n + pads − d(k−1) − 1)/s⌋ + 1; SAME ⌈n/s⌉",
         "floor (no ceil_mode); 'SAME' ceil(n / s)",
         JAX + " (reduce_window_shape_tuple); jax/_src/lax/lax.py (padtype_to_pads)"),
    _row("jax", "padding", "same_after", "explicit ((lo, hi), (lo, hi)) or SAME/VALID",
         "explicit padding per side, or 'SAME' with the odd cell after",
         "jax/_src/lax/lax.py (padtype_to_pads)"),
    _row("jax", "divisor", "flax", "count_include_pad ? ∏ window : pool(ones)",
         "Flax avg_pool: the whole window (count_include_pad=True, default) or the real cells",
         "flax/linen/pooling.py (avg_pool)"),
    _row("jax", "ties", "jax_ge", "select_and_scatter_add(select=ge)",
         "the first maximum gets the gradient; jnp.max splits a tie; no gradient for a dilated max",
         JAX + " (_reduce_window_chooser_jvp_rule, _select_and_scatter_add)"),
    _row("jax", "nan", "nan_propagates", "lax.max(a, nan) = nan",
         "y is NaN when the window holds a NaN; the gradient skips a NaN for the next cell",
         JAX + " (reduce_window_max_p)"),
    # --- ONNX
    _row("onnx", "output_size", "ceil_mode", "⌊(n + pads − d(k−1) − 1)/s⌋ + 1 (⌈⌉ ceil_mode)",
         "floor, or ceil with ceil_mode (a last window starting in the end padding dropped); "
         "auto_pad SAME_*: ceil(n / s)",
         "onnx/docs/Operators.md (MaxPool, AveragePool); " + ORT + "pool_attributes.h"),
    _row("onnx", "padding", "pads_or_auto",
         "pads [top, left, bottom, right]; SAME_UPPER odd cell after, SAME_LOWER before",
         "explicit pads per side, or auto_pad SAME_UPPER / SAME_LOWER / VALID; ONNX Runtime "
         "refuses a negative total 'same' padding and a pad ≥ kernel",
         "onnx/docs/Operators.md (auto_pad); " + ORT + "pool_attributes.h"),
    _row("onnx", "divisor", "window", "count_include_pad ? window : real (default 0)",
         "count_include_pad=0 (default): the real cells; 1: the window clipped to the padded "
         "input", "onnx/docs/Operators.md (AveragePool); " + ORT + "pool_functors.h"),
    _row("onnx", "ties", "first_taken", "first real cell, then x > Yh; Indices",
         "no backward in ONNX Runtime; MaxPool's Indices output (what a training graph "
         "scatters dL/dy to) names the first maximum",
         ORT + "pool_functors.h (MaxPool2DTask, with Indices)"),
    _row("onnx", "nan", "first_taken", "first real cell, then x > Yh",
         "with Indices, a NaN is kept only when it is the window's first real cell (then y is "
         "NaN); without Indices ONNX Runtime runs MLAS, whose NaN result depends on the cell's "
         "place (not modelled: the app's ONNX layer outputs Indices)",
         ORT + "pool_functors.h; checked with ONNX Runtime 1.32"),
    # --- Caffe
    _row("caffe", "output_size", "caffe", "⌈(n + 2p − k)/s⌉ + 1, then −1 if p > 0 and "
         "(o−1)s ≥ n + p", "always ceil; the last window must start inside input + pad (only "
         "checked when padding is set)", CAFFE + " (Reshape)"),
    _row("caffe", "padding", "symmetric", "pad < kernel",
         "one number per axis (pad_h, pad_w), both sides; pad must be below the kernel; no "
         "dilation", CAFFE + " (LayerSetUp)"),
    _row("caffe", "divisor", "window", "(min(start + k, n + p) − start)",
         "AVE divides by the window clipped at n + pad (padding counted)",
         CAFFE + " (Forward_cpu)"),
    _row("caffe", "ties", "greater", "bottom > top from −FLT_MAX",
         "strictly greater: the first maximum gets the gradient", CAFFE + " (Forward_cpu)"),
    _row("caffe", "nan", "nan_ignored", "bottom > top",
         "a NaN never wins; a window of NaN or −∞ only gives −FLT_MAX and mask −1 (its "
         "gradient is lost)", CAFFE + " (Forward_cpu, Backward_cpu)"),
)
