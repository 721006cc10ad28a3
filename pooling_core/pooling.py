"""Forward and backward of 2-D max and average pooling, side by side, matching PyTorch CPU.

Layout: `x` has shape (H, W), (C, H, W) or (N, C, H, W); pooling runs over the last two axes.
Internally every array is viewed as P planes of shape (H, W), P = product of the leading axes.

Vectorisation: the Python loops run over the kernel's taps (kh * kw of them), never over
output cells. Each tap is a view of the input with the output's shape: a strided view of the
padded input (average pooling, the split/all tie policies), or, in max pooling's scan, a
contiguous stretch of one -inf-padded stride phase (`pooling_core.maxscan`). Which cells of a
max window receive its gradient, and what share, is the tie policy's (`pooling_core.ties`);
where a window lies is `pooling_core.geometry`'s; input checks are `pooling_core.validate`'s.

Exactness: the max fold follows PyTorch's CPU kernel (`val > maxval || isnan(val)`, the first
real cell as the initial index); gradients are accumulated into each input cell in the order
of the output cells (row-major), as PyTorch's CPU backward kernels do, so float32 and float64
results agree bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .adaptive import AdaptiveAxis, AdaptiveSpec
from .adaptive_pool import adaptive_backward, adaptive_forward, bin_divisor, bin_taps
from .errors import PoolingError
from .geometry import AxisSize, PlaneGeometry, output_size, plane_geometry, window_end, window_start
from .ieee import quiet_overflow
from .maxscan import (
    _add_plane_offsets,
    _index_dtype,
    _max_pool,
    _plane_blocks,
    _scatter_winners,
    _TapPlan,
    _winner_index,
    _winning_taps,
)
from .spec import PoolSpec
from .threads import run_blocks, threads_for
from .ties import TiePolicy, tie_policy, tied_cells
from .validate import as_input, check_grad_output, check_indices


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class ForwardResult:
    """Result of `pool_forward`.

    Attributes
    ----------
    output : ndarray, shape (..., OH, OW)
        The pooled values, same dtype as the (converted) input.
    indices : ndarray of int64, shape (..., OH, OW), or None
        Max mode: flat index r * W + c, within its input plane, of the element that wins under
        ties="first" (PyTorch's `return_indices`); `pool_backward(..., indices=)` reads them.
        None in average mode.
    divisor : ndarray of int64, shape (OH, OW), or None
        Average mode: what each window's sum is divided by (adaptive: the bin's cell count
        kh · kw). None in max mode.
    sizes : (AxisSize, AxisSize) or (AdaptiveAxis, AdaptiveAxis)
        The output-size formula per axis, with numbers (adaptive: the bins).
    spec : PoolSpec or AdaptiveSpec
    """

    output: np.ndarray
    indices: np.ndarray | None
    divisor: np.ndarray | None
    sizes: tuple[AxisSize, AxisSize] | tuple[AdaptiveAxis, AdaptiveAxis]
    spec: PoolSpec | AdaptiveSpec


def layer_shape(input_hw: tuple[int, int], spec: PoolSpec | AdaptiveSpec
                ) -> tuple[tuple[int, int], int]:
    """((OH, OW), taps per window) of a layer on an (H, W) plane; raises `PoolingError`
    for an impossible configuration. Adaptive: taps = the largest bin's kh · kw."""
    a, b = output_size(input_hw, spec)
    return (a.size, b.size), a.k * b.k


# --------------------------------------------------------------------------- shared
def _planes(x: np.ndarray) -> np.ndarray:
    """(..., H, W) -> (P, H, W), a view."""
    return x.reshape((-1,) + x.shape[-2:])


def _scatter_taps(
    g: PlaneGeometry, P: int, dtype: np.dtype,
    contributions: dict[tuple[int, int], np.ndarray],
) -> np.ndarray:
    """Add each tap's (P, OH, OW) contribution into the input it reads; return (P, H, W).

    Taps are visited in reverse row-major order, so every input cell receives its
    contributions in row-major order of the output cells (PyTorch's accumulation order).
    """
    Hp = g.H + g.pad_before[0] + g.pad_after[0]
    Wp = g.W + g.pad_before[1] + g.pad_after[1]
    gp = np.zeros((P, Hp, Wp), dtype=dtype)
    for tap in reversed(g.taps):
        if tap in contributions:
            sh, sw = g.tap_slices(*tap)
            gp[:, sh, sw] += contributions[tap]
    bh, bw = g.pad_before
    return gp[:, bh : bh + g.H, bw : bw + g.W]


# --------------------------------------------------------------------------- max pooling
def _max_forward(
    planes: np.ndarray, g: PlaneGeometry, threads: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """y = max over each window; (maximum, flat index r * W + c of PyTorch's winner), each
    (P, OH, OW). The scan is `maxscan._max_pool`, its plane blocks on `threads` threads."""
    scan = _max_pool(planes, g, last=False, threads=threads)
    return scan.output, scan.index


def _tied_masks(xp: np.ndarray, m: np.ndarray, g: PlaneGeometry) -> np.ndarray:
    """(K, P * OH * OW) bool: row k is tap k (row-major) of every window, True where the tap
    is a tied maximum (`ties.tied_cells`). Its transpose is the (S, K) mask of `TiePolicy`."""
    tied = np.empty((len(g.taps), m.size), dtype=bool)
    for k, (t_h, t_w) in enumerate(g.taps):
        sh, sw = g.tap_slices(t_h, t_w)
        real = g.tap_real(0, t_h)[:, None] & g.tap_real(1, t_w)[None, :]
        tied[k] = tied_cells(xp[:, sh, sw], m, real).reshape(-1)
    return tied


def _max_backward(
    planes: np.ndarray, gout: np.ndarray, g: PlaneGeometry, policy: TiePolicy,
    divide: bool = True, threads: int = 1, index: np.ndarray | None = None,
) -> np.ndarray:
    """dL/dx (P, H, W) for max pooling: each window's `gout` (P, OH, OW) goes to the
    receivers `policy` names, divided as it says.

    With `divide=False` every receiver gets the whole of `gout` (win counts: `gout` = ones).
    `index` (P, OH, OW), if given, is each window's receiver as a flat index r * W + c in its
    plane (the forward's indices; only for a single-receiver policy whose winner they are):
    the scan is then skipped, as PyTorch's backward reads the forward's indices.
    Single-receiver policies run their plane blocks on `threads` threads (each block adds
    only into its own planes, so the sums and their order are those of one thread).
    """
    P = planes.shape[0]
    if policy.single:
        # grad[winner] += gout, in row-major order of the output cells, as PyTorch's backward
        # kernel does (`maxscan._scatter_winners`).
        plan = _TapPlan(g) if index is None else None
        grad = np.zeros((P, g.H * g.W), dtype=planes.dtype)

        def scatter(blk: slice) -> None:
            grad_blk = grad[blk].reshape(-1)  # a view: grad is C-contiguous
            itype = _index_dtype(grad_blk.size)
            if plan is None:
                flat = _add_plane_offsets(index[blk].astype(itype), g.H * g.W)
            else:
                taps, _ = _winning_taps(planes[blk], plan, last=policy.scan_last)
                flat = _winner_index(taps, plan, itype)
            _scatter_winners(grad_blk, flat, gout[blk])

        run_blocks(scatter, _plane_blocks(planes, threads), threads)
        return grad.reshape(planes.shape)
    m = _max_pool(planes, g, last=False).output
    tied = _tied_masks(g.pad(planes, -np.inf), m, g).T  # (S, K), S = P * OH * OW
    recv = policy.receivers(tied, None)
    g_flat = gout.reshape(-1)
    share = (policy.share(g_flat, tied) if divide else g_flat).reshape(m.shape)
    zero = np.zeros((), dtype=planes.dtype)
    contributions = {tap: np.where(recv[:, k].reshape(m.shape), share, zero)
                     for k, tap in enumerate(g.taps)}
    return _scatter_taps(g, P, planes.dtype, contributions)


# --------------------------------------------------------------------------- average pooling
def _avg_divisor(g: PlaneGeometry, spec: PoolSpec) -> np.ndarray:
    """(OH, OW) int64 divisors, by PyTorch's rule.

    pool size = window clipped to the padded input (ceil_mode overhang not counted);
    count_include_pad=False counts only real cells; divisor_override replaces both.
    """
    if spec.divisor_override is not None:
        return np.full(g.out_hw, spec.divisor_override, dtype=np.int64)
    per_axis = []
    for a, n in zip(g.sizes, (g.H, g.W), strict=True):
        index = np.arange(a.size)
        start = window_start(index, a.s, a.p)
        end = np.minimum(window_end(index, a.k, a.s, a.p, a.d), n + a.p_after)
        if spec.count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, n) - np.maximum(start, 0))
    return (per_axis[0][:, None] * per_axis[1][None, :]).astype(np.int64)


def _avg_forward(
    planes: np.ndarray, g: PlaneGeometry, spec: PoolSpec
) -> tuple[np.ndarray, np.ndarray]:
    """y = sum over each window / divisor, (P, OH, OW); and the divisors (OH, OW)."""
    xp = g.pad(planes, 0.0)
    acc = np.zeros((planes.shape[0],) + g.out_hw, dtype=planes.dtype)
    for t_h, t_w in g.taps:  # row-major, as PyTorch sums a window
        sh, sw = g.tap_slices(t_h, t_w)
        acc += xp[:, sh, sw]
    divisor = _avg_divisor(g, spec)
    return acc / divisor.astype(planes.dtype), divisor


def _avg_backward(
    gout: np.ndarray, g: PlaneGeometry, spec: PoolSpec, dtype: np.dtype
) -> np.ndarray:
    """dL/dx (P, H, W): every tap of a window gets gout / divisor (padding taps are dropped)."""
    divisor = _avg_divisor(g, spec)
    delta = gout / divisor.astype(dtype)
    contributions = {tap: delta for tap in g.taps}
    return _scatter_taps(g, gout.shape[0], dtype, contributions)


# --------------------------------------------------------------------------- public API
@quiet_overflow
def pool_forward(
    x: object, spec: PoolSpec | AdaptiveSpec, *, threads: int | None = None
) -> ForwardResult:
    """Pool `x` over its last two axes.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    spec : PoolSpec or AdaptiveSpec
    threads : int, optional
        Threads for a large max pooling (`pooling_core.threads.thread_count`: default
        `$POOLING_THREADS`, else min(2, CPUs)); the result is the same for any number.

    Returns
    -------
    ForwardResult
        `.output` of shape (..., OH, OW); `.indices` (max mode) of the same shape.
    """
    arr = as_input(x)
    planes = _planes(arr)
    lead = arr.shape[:-2]
    if isinstance(spec, AdaptiveSpec):
        taps = bin_taps(arr.shape[-2:], spec)
        out, idx = adaptive_forward(planes, spec, taps)
        shape = lead + taps.out_hw
        return ForwardResult(out.reshape(shape), None if idx is None else idx.reshape(shape),
                             bin_divisor(taps) if idx is None else None, taps.axes, spec)
    g = plane_geometry(arr.shape[-2:], spec)
    if spec.mode == "max":
        out, idx = _max_forward(planes, g, threads_for(arr.nbytes, threads))
        return ForwardResult(
            out.reshape(lead + g.out_hw), idx.reshape(lead + g.out_hw), None, g.sizes, spec
        )
    out, divisor = _avg_forward(planes, g, spec)
    return ForwardResult(out.reshape(lead + g.out_hw), None, divisor, g.sizes, spec)


def _check_indices_apply(spec: PoolSpec | AdaptiveSpec) -> None:
    """Raise `PoolingError("backward_indices_policy")` unless the forward's indices are the
    receivers of `spec`'s backward: max pooling (not adaptive) whose tie policy sends each
    window's gradient to the first maximum, the one the forward's indices name."""
    policy = tie_policy(spec.ties)
    if isinstance(spec, AdaptiveSpec) or spec.mode != "max" or not policy.single \
            or policy.scan_last:
        raise PoolingError(
            "backward_indices_policy",
            "indices can be given only for max pooling (PoolSpec, not adaptive) with "
            f"ties='first' (pool_forward's indices name the first maximum); got mode "
            f"{spec.mode!r}, ties {spec.ties!r}: leave indices out",
            name="indices", mode=spec.mode, ties=spec.ties,
        )


@quiet_overflow
def pool_backward(
    x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec, *,
    threads: int | None = None, indices: object | None = None,
) -> np.ndarray:
    """dL/dx for L = sum(grad_output * pool_forward(x, spec).output).

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    grad_output : array_like, shape (..., OH, OW)
        The upstream gradient dL/dy; must have the output's shape.
    spec : PoolSpec or AdaptiveSpec
        `spec.ties` selects how max pooling splits the gradient of a tied window.
    threads : int, optional
        As for `pool_forward`.
    indices : array_like of int, shape (..., OH, OW), optional
        Max mode with ties="first" only: `pool_forward(x, spec).indices`. The backward then
        reads each window's winner from them instead of scanning x again, as PyTorch's
        autograd does (same result, bit for bit). Checked for shape and range only: other
        in-range indices are used as given, as in PyTorch.

    Returns
    -------
    ndarray, the shape and dtype of x (after conversion)

    Raises
    ------
    PoolingError
        codes ``backward_indices_*`` for indices that are not whole numbers, not the output's
        shape or out of the plane, or given for a layer whose receivers they are not.
    """
    arr = as_input(x)
    lead = arr.shape[:-2]
    planes = _planes(arr)
    if indices is not None:
        _check_indices_apply(spec)
    if isinstance(spec, AdaptiveSpec):
        taps = bin_taps(arr.shape[-2:], spec)
        gout = check_grad_output(grad_output, lead + taps.out_hw, arr.dtype)
        grad = adaptive_backward(planes, gout.reshape((-1,) + taps.out_hw), spec, taps)
        return grad.reshape(arr.shape)
    g = plane_geometry(arr.shape[-2:], spec)
    gout = check_grad_output(grad_output, lead + g.out_hw, arr.dtype)
    gplanes = gout.reshape((-1,) + g.out_hw)
    if spec.mode == "max":
        index = None if indices is None else check_indices(
            indices, lead + g.out_hw, g.H * g.W).reshape(gplanes.shape)
        grad = _max_backward(planes, gplanes, g, tie_policy(spec.ties),
                             threads=threads_for(arr.nbytes, threads), index=index)
    else:
        grad = _avg_backward(gplanes, g, spec, arr.dtype)
    return np.ascontiguousarray(grad).reshape(arr.shape)


@quiet_overflow
def win_counts(x: object, spec: PoolSpec | AdaptiveSpec) -> np.ndarray:
    """How many windows send gradient to each input cell (max mode: the cell is a receiving
    maximum under `spec.ties`; average mode: the cell lies in the window). Shape and dtype
    int64 of x."""
    arr = as_input(x)
    planes = _planes(arr.astype(np.float64))
    if isinstance(spec, AdaptiveSpec):
        taps = bin_taps(arr.shape[-2:], spec)
        ones = np.ones((planes.shape[0],) + taps.out_hw)
        counts = adaptive_backward(planes, ones, spec, taps, divide=False)
        return np.rint(counts).astype(np.int64).reshape(arr.shape)
    g = plane_geometry(arr.shape[-2:], spec)
    ones = np.ones((planes.shape[0],) + g.out_hw)
    if spec.mode == "max":
        counts = _max_backward(planes, ones, g, tie_policy(spec.ties), divide=False)
    else:
        counts = _scatter_taps(g, planes.shape[0], ones.dtype, dict.fromkeys(g.taps, ones))
    return np.rint(counts).astype(np.int64).reshape(arr.shape)
