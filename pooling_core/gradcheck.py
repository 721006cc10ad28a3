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

from .adaptive import AdaptiveSpec
from .ieee import quiet_overflow
from .pooling import layer_shape, pool_backward, pool_forward
from .spec import PoolSpec
from .validate import as_input, check_grad_output


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
    tested : bool ndarray or None   cells whose central difference was computed; None when
                                    every cell was (the work budget was not reached)
    """

    analytic: np.ndarray
    numerical: np.ndarray
    checked: np.ndarray
    mismatch: np.ndarray
    max_abs_diff: float
    eps: float
    tol: float
    tested: np.ndarray | None = None

    @property
    def sampled(self) -> bool:
        """True when the work budget limited the check to some of the cells (`tested`)."""
        return self.tested is not None

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
    x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec, eps: float = 1e-6,
    chunk: int = 256, cells: np.ndarray | None = None,
) -> np.ndarray:
    """Central-difference dL/dx in float64, shape of x.

    Cell q is moved by h_q = eps * max(1, |x_q|) each way (a step that stays visible at any
    scale), and the pooled outputs are subtracted before they are weighted and summed, so the
    large loss itself never cancels. All perturbed copies in a chunk are pooled in one call.
    `cells` (flat indices) limits the work to those cells; the others are NaN.
    """
    arr = as_input(x).astype(np.float64)
    out_hw, _ = layer_shape(arr.shape[-2:], spec)
    gout = check_grad_output(grad_output, arr.shape[:-2] + out_hw, np.float64)
    n = arr.size
    flat = arr.ravel()
    todo = np.arange(n) if cells is None else np.unique(np.asarray(cells, dtype=np.int64))
    num = np.full(n, np.nan, dtype=np.float64)
    H, W = arr.shape[-2:]
    with np.errstate(invalid="ignore", over="ignore"):
        step = eps * np.maximum(1.0, np.abs(flat))
    for start in range(0, todo.size, chunk):
        stop = min(todo.size, start + chunk)
        q = todo[start:stop]
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
            part = weighted.sum(axis=1) / (2 * step[q])
            part[~np.isfinite(diff).all(axis=1)] = np.nan
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
                part[hidden] = np.nan
        num[q] = part
    return num.reshape(arr.shape)


# Work budget of `gradient_check`, in window taps read: each tested cell costs two forward
# passes of the whole input (2 * taps * output cells). At most about 0.5 s on one core; past
# it, a sample of the cells is tested (a 32 x 32 input with a 32 x 32 kernel, padding 16:
# 22 of 1024 cells). A 32 x 32 input with a 3 x 3 kernel and stride 1 is tested whole.
CHECK_BUDGET_TAPS = 50_000_000


def cells_to_test(analytic: np.ndarray, budget_cells: int) -> np.ndarray | None:
    """Flat indices of at most `budget_cells` cells to test, or None for all of them.

    Cells that receive gradient come first (they show the routing), evenly spread over the
    row-major order; the rest of the budget goes to the other cells, evenly spread too.
    """
    n = analytic.size
    if budget_cells >= n:
        return None
    budget_cells = max(1, budget_cells)
    flat = analytic.ravel()
    receiving = np.flatnonzero(flat != 0)
    others = np.flatnonzero(flat == 0)

    def spread(pool: np.ndarray, m: int) -> np.ndarray:
        if m >= pool.size:
            return pool
        return pool[np.unique(np.linspace(0, pool.size - 1, m).round().astype(np.int64))]

    first = spread(receiving, min(receiving.size, max(budget_cells * 3 // 4,
                                                      budget_cells - others.size)))
    rest = spread(others, budget_cells - first.size)
    return np.sort(np.concatenate([first, rest]))


@quiet_overflow
def gradient_check(
    x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec, eps: float = 1e-6,
    tol: float | None = None, budget_taps: int | None = CHECK_BUDGET_TAPS,
) -> GradCheck:
    """Compare `pool_backward` with central differences, cell by cell.

    `tol` defaults to 1e-4 * max(1, max |grad_output|). Cells where x or either gradient is
    not finite are not compared (`checked` is False there). When testing every cell would read
    more than `budget_taps` window taps (None: no limit), only a sample of the cells is tested
    (`cells_to_test`; `tested` marks them, `checked` is False elsewhere).
    """
    arr = as_input(x).astype(np.float64)
    analytic = pool_backward(arr, grad_output, spec)
    (oh, ow), taps = layer_shape(arr.shape[-2:], spec)
    per_cell = 2 * taps * oh * ow * max(
        1, arr.size // (arr.shape[-1] * arr.shape[-2]))
    cells = None if budget_taps is None else cells_to_test(analytic, budget_taps // per_cell)
    numerical = numerical_gradient(arr, grad_output, spec, eps=eps, cells=cells)
    tested = None
    if cells is not None:
        tested = np.zeros(arr.size, dtype=bool)
        tested[cells] = True
        tested = tested.reshape(arr.shape)
    gmax = float(np.nanmax(np.abs(np.asarray(grad_output, dtype=np.float64)), initial=0.0))
    if tol is None:
        tol = 1e-4 * max(1.0, gmax if np.isfinite(gmax) else 1.0)
    checked = np.isfinite(arr) & np.isfinite(analytic) & np.isfinite(numerical)
    diff = np.where(checked, np.abs(analytic - numerical), 0.0)
    mismatch = checked & (diff > tol)
    return GradCheck(
        analytic, numerical, checked, mismatch, float(diff.max(initial=0.0)), eps, tol, tested
    )
