"""pooling_core: PyTorch-exact NumPy forward and backward of 2-D max and average pooling.

    from pooling_core import PoolSpec, pool_forward, pool_backward, scatter_steps

    spec = PoolSpec(kernel_size=3, stride=1)
    fwd = pool_forward(x, spec)                      # fwd.output, fwd.indices
    grad_input = pool_backward(x, grad_output, spec)
    steps = scatter_steps(x, grad_output, spec)      # steps[k], steps.accumulated(k)

    AdaptiveSpec(output_size=(3, 3), mode="avg")     # adaptive / global (output_size=1)
    PoolSpec(kernel_size=2, padding="same")          # also "same_lower", "valid", ((t, b), (l, r))
    max_unpool(fwd.output, fwd.indices, spec)        # max_unpool_backward, unpool_steps

Pure NumPy; no user-interface imports. Invalid input raises `PoolingError` (a ValueError).
"""

from .adaptive import AdaptiveAxis, AdaptiveSpec, bin_starts_ends
from .conv import ConvBackward, ConvTerm, ConvTouch, conv_backward, conv_forward, conv_touching
from .dense import ACTIVATIONS, DenseBackward, activate, dense_backward, dense_forward
from .errors import PoolingError
from .exercise import ANSWER_PARTS, EXERCISE_LEVELS, Exercise, generate
from .geometry import (
    AxisSize,
    axis_size,
    axis_taps,
    last_window_end,
    output_size,
    window_end,
    window_rect,
    window_span,
    window_start,
    window_taps,
)
from .gradcheck import GradCheck, gradient_check, numerical_gradient
from .marking import CheckResult, Explanation, PartResult, check
from .padding import PADDING_KINDS, PADDING_RULES, same_pads
from .pooling import ForwardResult, layer_shape, pool_backward, pool_forward, win_counts
from .spec import MODES, PoolSpec
from .steps import ScatterStep, ScatterSteps, scatter_steps
from .sums import SumCheck, gradient_sum_check
from .symbolic import SymbolicGrad, Term, symbolic_grad
from .ties import TIE_POLICIES, TiePolicy, tie_policy, tied_cells
from .unpool import (
    UnpoolStep,
    UnpoolSteps,
    max_unpool,
    max_unpool_backward,
    unpool_output_size,
    unpool_steps,
)
from .upstream import chain_to_input
from .validate import as_input

__all__ = [
    "ACTIVATIONS",
    "ANSWER_PARTS",
    "EXERCISE_LEVELS",
    "MODES",
    "PADDING_KINDS",
    "PADDING_RULES",
    "TIE_POLICIES",
    "AdaptiveAxis",
    "AdaptiveSpec",
    "AxisSize",
    "CheckResult",
    "ConvBackward",
    "ConvTerm",
    "ConvTouch",
    "DenseBackward",
    "Exercise",
    "Explanation",
    "ForwardResult",
    "GradCheck",
    "PartResult",
    "PoolSpec",
    "PoolingError",
    "ScatterStep",
    "ScatterSteps",
    "SumCheck",
    "SymbolicGrad",
    "Term",
    "TiePolicy",
    "UnpoolStep",
    "UnpoolSteps",
    "activate",
    "as_input",
    "axis_size",
    "axis_taps",
    "bin_starts_ends",
    "chain_to_input",
    "check",
    "conv_backward",
    "conv_forward",
    "conv_touching",
    "dense_backward",
    "dense_forward",
    "generate",
    "gradient_check",
    "gradient_sum_check",
    "last_window_end",
    "layer_shape",
    "max_unpool",
    "max_unpool_backward",
    "numerical_gradient",
    "output_size",
    "pool_backward",
    "pool_forward",
    "same_pads",
    "scatter_steps",
    "symbolic_grad",
    "tie_policy",
    "tied_cells",
    "unpool_output_size",
    "unpool_steps",
    "win_counts",
    "window_end",
    "window_rect",
    "window_span",
    "window_start",
    "window_taps",
]
