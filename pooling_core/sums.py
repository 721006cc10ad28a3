"""Why sum(dL/dx) equals sum(dL/dy) — and when it does not.

Each step of the backward pass hands grad_output[i, j] to its window. Max pooling with a
policy that gives the window exactly one unit of weight ("first", "last", "split") passes the
whole upstream value on, so the sums agree. They differ when:

- ties="all": a window with n tied maxima hands out n times its upstream value
  (extra = sum over windows of (n - 1) * g);
- average pooling whose divisor counts more cells than get the gradient (padding counted,
  or divisor_override): each window passes on g * real_cells / divisor, the rest is lost;
- some value is not finite (NaN or infinity), so the sums are not comparable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .adaptive import AdaptiveSpec
from .ieee import quiet_overflow
from .pooling import layer_shape, pool_backward
from .spec import PoolSpec
from .steps import ScatterSteps, scatter_steps
from .validate import as_input, check_grad_output

SumReason = Literal["equal", "ties_all", "avg_divisor", "non_finite"]


@dataclass(frozen=True)
class SumCheck:
    """Comparison of sum(dL/dy) with sum(dL/dx) for a 2-D input.

    Attributes
    ----------
    sum_grad_output, sum_grad_input : float
    difference : float            sum_grad_input - sum_grad_output
    expected_difference : float   what the reason predicts (extra from ties or lost to the divisor)
    reason : "equal", "ties_all", "avg_divisor" or "non_finite"
    windows : int                 how many windows cause the difference
    """

    sum_grad_output: float
    sum_grad_input: float
    difference: float
    expected_difference: float
    reason: SumReason
    windows: int

    @property
    def sums_equal(self) -> bool:
        """True when the sums agree up to floating-point rounding."""
        scale = max(1.0, abs(self.sum_grad_output), abs(self.sum_grad_input))
        return bool(abs(self.difference) <= 1e-9 * scale)


@quiet_overflow
def gradient_sum_check(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                       steps: ScatterSteps | None = None) -> SumCheck:
    """Compare the gradient sums of a 2-D input and name the reason for any difference.

    `steps`, when given, must be `scatter_steps(x, grad_output, spec)` (already computed: the
    check then reuses it instead of running the backward pass again).
    """
    arr = as_input(x)
    out_hw, _ = layer_shape(arr.shape[-2:], spec)
    gout = check_grad_output(grad_output, arr.shape[:-2] + out_hw, arr.dtype).astype(np.float64)
    if steps is None:
        grad_in = pool_backward(arr, gout, spec).astype(np.float64)
    else:
        grad_in = steps.accumulated(len(steps) - 1).astype(np.float64)
    s_out = float(gout.sum())
    s_in = float(grad_in.sum())
    if not (np.isfinite(gout).all() and np.isfinite(grad_in).all()):
        return SumCheck(s_out, s_in, float("nan"), float("nan"), "non_finite", 0)
    if steps is None:
        steps = scatter_steps(arr, gout, spec)
    per_step = np.bincount(
        steps.receiver_step, weights=steps.receiver_amount.astype(np.float64), minlength=len(steps)
    )
    gap = per_step - gout.ravel()  # what each window adds (+) or loses (-)
    scale = np.maximum(1.0, np.abs(gout.ravel()))
    differing = np.abs(gap) > 1e-12 * scale
    expected = float(gap.sum())
    if not differing.any():
        reason: SumReason = "equal"
    elif spec.mode == "max":
        reason = "ties_all"
    else:
        reason = "avg_divisor"
    return SumCheck(s_out, s_in, s_in - s_out, expected, reason, int(differing.sum()))
