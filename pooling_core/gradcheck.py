"""A finite-difference check of `pool_backward` (central differences).

For L(x) = sum(grad_output * pool(x)), the numerical gradient at cell q is
(L(x + h e_q) - L(x - h e_q)) / (2 h), with h = eps * max(1, |x_q|). Pooling is piecewise
linear, so away from ties this equals the analytic gradient up to rounding. At a tie of two
or more maxima it does not: raising a tied cell makes it the sole winner (slope 1), lowering
it hands the window to another tied cell (slope 0), so the central difference gives 1/2 of
the upstream value — for a two-way and a three-way tie alike. Max pooling is not
differentiable there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ieee import quiet_overflow
from .pooling import as_input, check_grad_output, geometry, pool_backward, pool_forward
from .spec import PoolSpec


@dataclass(frozen=True)
class GradCheck:
    """Result of `gradient_check`; every array has the shape of x.

    Attributes
    ----------
    analytic : float64 ndarray      `pool_backward` (under spec.ties)
    numerical : float64 ndarray     central differences (NaN where not computable)
    checked : bool ndarray          cells where both are finite and compared
    mismatch : bool ndarray         checked cells where |analytic - numerical| > tol
    max_abs_diff : float            largest difference over checked cells (0 if none)
    eps, tol : float
    """

    analytic: np.ndarray
    numerical: np.ndarray
    checked: np.ndarray
    mismatch: np.ndarray
    max_abs_diff: float
    eps: float
    tol: float

    @property
    def ok(self) -> bool:
        """True when every checked cell agrees."""
        return not bool(self.mismatch.any())

    @property
    def mismatch_cells(self) -> list[tuple[int, ...]]:
        """Indices of the cells that disagree, row-major."""
        return [tuple(int(v) for v in ix) for ix in np.argwhere(self.mismatch)]


@quiet_overflow
def numerical_gradient(
    x: object, grad_output: object, spec: PoolSpec, eps: float = 1e-6, chunk: int = 256
) -> np.ndarray:
    """Central-difference dL/dx in float64, shape of x.

    Cell q is moved by h_q = eps * max(1, |x_q|) each way (a step that stays visible at any
    scale), and the pooled outputs are subtracted before they are weighted and summed, so the
    large loss itself never cancels. All perturbed copies in a chunk are pooled in one call.
    """
    arr = as_input(x).astype(np.float64)
    g = geometry(arr.shape[-2:], spec)
    gout = check_grad_output(grad_output, arr.shape[:-2] + g.out_hw, np.float64)
    n = arr.size
    num = np.empty(n, dtype=np.float64)
    flat = arr.ravel()
    H, W = arr.shape[-2:]
    with np.errstate(invalid="ignore", over="ignore"):
        step = eps * np.maximum(1.0, np.abs(flat))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        q = np.arange(start, stop)
        rows = np.arange(stop - start)
        outs = []
        for sign in (1.0, -1.0):
            batch = np.broadcast_to(flat, (stop - start, n)).copy()
            with np.errstate(invalid="ignore", over="ignore"):
                batch[rows, q] = flat[q] + sign * step[q]
            out = pool_forward(batch.reshape(-1, H, W), spec).output
            outs.append(out.reshape(stop - start, -1))
        with np.errstate(invalid="ignore", over="ignore"):
            a, b = outs
            # Outputs that did not move (equal, or NaN both times) contribute nothing, so a NaN
            # or infinite window elsewhere does not poison this cell's difference quotient.
            same = (a == b) | (np.isnan(a) & np.isnan(b))
            diff = np.where(same, 0.0, a - b)
            moved = diff != 0
            weighted = np.where(moved, diff * gout.reshape(1, -1), 0.0)
            num[start:stop] = weighted.sum(axis=1) / (2 * step[q])
            num[start:stop][~np.isfinite(diff).all(axis=1)] = np.nan
        if spec.mode == "avg":
            # An average that is ±inf both times (its sum overflowed, or it holds an inf)
            # hides the nudge of every cell in its window: unmeasurable there, not 0. (A max
            # window that stays inf is different: a non-winner truly does not move it.)
            stuck = same & np.isinf(a)
            if stuck.any():
                onehot = np.zeros((stop - start, n))
                onehot[rows, q] = 1.0
                touch = pool_forward(onehot.reshape(-1, H, W), spec).output
                hidden = (stuck & (touch.reshape(stop - start, -1) != 0)).any(axis=1)
                num[start:stop][hidden] = np.nan
    return num.reshape(arr.shape)


@quiet_overflow
def gradient_check(
    x: object, grad_output: object, spec: PoolSpec, eps: float = 1e-6, tol: float | None = None
) -> GradCheck:
    """Compare `pool_backward` with central differences, cell by cell.

    `tol` defaults to 1e-4 * max(1, max |grad_output|). Cells where x or either gradient is
    not finite are not compared (`checked` is False there).
    """
    arr = as_input(x).astype(np.float64)
    analytic = pool_backward(arr, grad_output, spec)
    numerical = numerical_gradient(arr, grad_output, spec, eps=eps)
    gmax = float(np.nanmax(np.abs(np.asarray(grad_output, dtype=np.float64)), initial=0.0))
    if tol is None:
        tol = 1e-4 * max(1.0, gmax if np.isfinite(gmax) else 1.0)
    checked = np.isfinite(arr) & np.isfinite(analytic) & np.isfinite(numerical)
    diff = np.where(checked, np.abs(analytic - numerical), 0.0)
    mismatch = checked & (diff > tol)
    return GradCheck(
        analytic, numerical, checked, mismatch, float(diff.max(initial=0.0)), eps, tol
    )
