"""A finite-difference check of `pool_backward` (central differences).

For L(x) = sum(grad_output * pool(x)), the numerical gradient at cell q is
(L(x + eps e_q) - L(x - eps e_q)) / (2 eps). Pooling is piecewise linear, so away from ties
this equals the analytic gradient up to rounding. At a tie of two or more maxima it does not:
raising a tied cell makes it the sole winner (slope 1), lowering it hands the window to another
tied cell (slope 0), so the central difference gives 1/2 of the upstream value — for a two-way
and a three-way tie alike. Max pooling is not differentiable there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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


def numerical_gradient(
    x: object, grad_output: object, spec: PoolSpec, eps: float = 1e-6, chunk: int = 256
) -> np.ndarray:
    """Central-difference dL/dx in float64, shape of x.

    All perturbed copies of x in a chunk are pooled in one vectorised call.
    """
    arr = as_input(x).astype(np.float64)
    g = geometry(arr.shape[-2:], spec)
    gout = check_grad_output(grad_output, arr.shape[:-2] + g.out_hw, np.float64)
    n = arr.size
    num = np.empty(n, dtype=np.float64)
    flat = arr.ravel()
    H, W = arr.shape[-2:]
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        q = np.arange(start, stop)
        batch = np.broadcast_to(flat, (stop - start, n)).copy()
        values = []
        for sign in (1.0, -1.0):
            batch[np.arange(stop - start), q] = flat[q] + sign * eps
            out = pool_forward(batch.reshape(-1, H, W), spec).output
            out = out.reshape((stop - start,) + gout.shape)
            with np.errstate(invalid="ignore", over="ignore"):
                values.append((out * gout).reshape(stop - start, -1).sum(axis=1))
        with np.errstate(invalid="ignore", over="ignore"):
            num[start:stop] = (values[0] - values[1]) / (2 * eps)
    return num.reshape(arr.shape)


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
