"""Forward and backward of adaptive (and global) max and average pooling, as PyTorch's CPU
kernels compute them (the rules: `pooling_core.adaptive`).

Vectorisation: the bins are laid on a grid of Kh x Kw taps per output cell (Kh, Kw = the
largest bin per axis); tap (a, b) of bin (i, j) reads input cell (start_i + a, start_j + b)
and is *valid* when a < kh_i and b < kw_j. One gather gives every tap of every bin at once,
(P, OH, OW, K) with K = Kh · Kw in row-major order (so a bin's valid taps come in the
row-major order of its cells); the reductions run over the last axis. No Python loop runs
over output cells or taps; the planes go in blocks to bound the gathered array.

Exactness: the max winner is the first tied cell in row-major order, or the last NaN
(PyTorch's scan); the output is the winning element itself. The average sums the valid taps
in row-major order with a sequential cumulative sum (invalid taps add +0.0, which changes no
sum other than the sign of a zero, and PyTorch's sum, started at +0.0, is never −0.0: the
final ``+ 0.0`` makes the signs agree), then divides by kh and by kw. Gradients go into dL/dx
with `np.add.at` in row-major output order, as PyTorch's backward kernels add them.

Shapes: planes (P, H, W); results (P, OH, OW).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .adaptive import AdaptiveAxis, AdaptiveSpec, adaptive_axes
from .ties import TiePolicy, tie_policy, tied_cells

_BLOCK_CELLS = 1 << 21  # gathered taps per block of planes


class BinTaps(NamedTuple):
    """Where every tap of every bin reads, for one (H, W) plane."""

    axes: tuple[AdaptiveAxis, AdaptiveAxis]
    rows: np.ndarray  # (OH, Kh) int64 input row of tap a of bin row i (clipped into the input)
    cols: np.ndarray  # (OW, Kw)
    valid: np.ndarray  # (OH, OW, K) bool: the tap lies in its bin
    flat: np.ndarray  # (OH, OW, K) int64 flat input index r * W + c (clipped where not valid)
    kh: np.ndarray  # (OH,) int64 bin heights
    kw: np.ndarray  # (OW,) int64 bin widths

    @property
    def out_hw(self) -> tuple[int, int]:
        return (self.axes[0].size, self.axes[1].size)


def bin_taps(input_hw: tuple[int, int], spec: AdaptiveSpec) -> BinTaps:
    """The tap grid of `spec`'s bins on an (H, W) plane (see the module docstring)."""
    axes = adaptive_axes(input_hw, spec)
    per_axis = []
    for a in axes:
        starts = np.asarray(a.starts, dtype=np.int64)
        lengths = np.asarray(a.lengths, dtype=np.int64)
        t = np.arange(a.k, dtype=np.int64)
        per_axis.append((np.minimum(starts[:, None] + t, a.n - 1), t < lengths[:, None], lengths))
    (rows, vr, kh), (cols, vc, kw) = per_axis
    oh, ow, W = axes[0].size, axes[1].size, axes[1].n
    valid = (vr[:, None, :, None] & vc[None, :, None, :]).reshape(oh, ow, -1)
    flat = (rows[:, None, :, None] * W + cols[None, :, None, :]).reshape(oh, ow, -1)
    return BinTaps(axes, rows, cols, valid, flat, kh, kw)


def _blocks(P: int, taps: BinTaps) -> Iterator[slice]:
    n = max(1, _BLOCK_CELLS // max(1, taps.flat.size))
    return (slice(lo, min(lo + n, P)) for lo in range(0, P, n))


def _gather(planes: np.ndarray, taps: BinTaps) -> np.ndarray:
    """(P, H, W) -> (P, OH, OW, K): the value at every tap (valid or not)."""
    return planes.reshape(planes.shape[0], -1)[:, taps.flat]


# --------------------------------------------------------------------------- max
class AdaptiveMax(NamedTuple):
    """Each bin's maximum, its tied taps and the winners of both scans."""

    output: np.ndarray  # (P, OH, OW) the winning element (first scan)
    index: np.ndarray  # (P, OH, OW) int64 flat r * W + c of the first scan's winner
    tied: np.ndarray  # (P, OH, OW, K) bool (`ties.tied_cells`)
    first: np.ndarray  # (P, OH, OW) winning tap of the first scan (`val > max || isnan`)
    last: np.ndarray  # (P, OH, OW) winning tap of the last scan (`val >= max || isnan`)


def _max_bins(values: np.ndarray, taps: BinTaps) -> AdaptiveMax:
    """`values` (P, OH, OW, K) gathered taps -> `AdaptiveMax`."""
    valid = taps.valid
    nan = np.isnan(values) & valid
    has_nan = nan.any(axis=-1)
    m = np.where(valid & ~nan, values, -np.inf).max(axis=-1, initial=-np.inf)
    m = np.where(has_nan, np.nan, m).astype(values.dtype)
    tied = tied_cells(values, m[..., None], valid)
    K = values.shape[-1]
    first_tied = np.argmax(tied, axis=-1)
    last_tied = K - 1 - np.argmax(tied[..., ::-1], axis=-1)
    first = np.where(has_nan, last_tied, first_tied)  # NaN: the scan keeps the last NaN
    out = np.take_along_axis(values, first[..., None], axis=-1)[..., 0]
    index = np.broadcast_to(taps.flat, values.shape)
    index = np.take_along_axis(index, first[..., None], axis=-1)[..., 0]
    return AdaptiveMax(out, index, tied, first, last_tied)


def _winner(scan: AdaptiveMax, policy: TiePolicy) -> np.ndarray:
    """The winning tap of `policy`'s scan (used by the one-receiver policies)."""
    return scan.last if policy.scan_last else scan.first


def _max_receivers(scan: AdaptiveMax, gout: np.ndarray, policy: TiePolicy,
                   divide: bool) -> tuple[np.ndarray, np.ndarray]:
    """(receivers (P, OH, OW, K) bool, share (P, OH, OW)) of max mode under `policy`."""
    S, K = scan.tied.shape[:-1], scan.tied.shape[-1]
    tied = scan.tied.reshape(-1, K)
    recv = policy.receivers(tied, _winner(scan, policy).reshape(-1)).reshape(S + (K,))
    g = gout.reshape(-1)
    share = (policy.share(g, tied) if divide else g).reshape(S)
    return recv, share


# --------------------------------------------------------------------------- average
def _avg_bins(values: np.ndarray, taps: BinTaps) -> np.ndarray:
    """(P, OH, OW, K) gathered taps -> (P, OH, OW): sum of each bin / kh / kw."""
    dt = values.dtype
    zero = np.zeros((), dtype=dt)
    sums = np.cumsum(np.where(taps.valid, values, zero), axis=-1)[..., -1] + zero
    return sums / taps.kh[:, None].astype(dt) / taps.kw[None, :].astype(dt)


def bin_divisor(taps: BinTaps) -> np.ndarray:
    """(OH, OW) int64: cells per bin, kh · kw (the average's divisor)."""
    return taps.kh[:, None] * taps.kw[None, :]


def _avg_delta(gout: np.ndarray, taps: BinTaps) -> np.ndarray:
    """What every cell of a bin receives: grad_output / kh / kw, (P, OH, OW)."""
    dt = gout.dtype
    return gout / taps.kh[:, None].astype(dt) / taps.kw[None, :].astype(dt)


# --------------------------------------------------------------------------- planes
def adaptive_forward(planes: np.ndarray, spec: AdaptiveSpec, taps: BinTaps
                     ) -> tuple[np.ndarray, np.ndarray | None]:
    """(output (P, OH, OW), indices (P, OH, OW) int64 or None in average mode)."""
    P = planes.shape[0]
    out = np.empty((P,) + taps.out_hw, dtype=planes.dtype)
    idx = np.empty((P,) + taps.out_hw, dtype=np.int64) if spec.mode == "max" else None
    for blk in _blocks(P, taps):
        values = _gather(planes[blk], taps)
        if idx is not None:
            scan = _max_bins(values, taps)
            out[blk], idx[blk] = scan.output, scan.index
        else:
            out[blk] = _avg_bins(values, taps)
    return out, idx


def _scatter(grad: np.ndarray, flat: np.ndarray, recv: np.ndarray, amount: np.ndarray) -> None:
    """grad (P, H·W) += amount at the receivers, in row-major output order per cell.

    flat (OH, OW, K), recv (P, OH, OW, K) bool, amount (P, OH, OW)."""
    p, i, j, k = np.nonzero(recv)  # C order: plane, then output row-major, then tap
    cells = p * grad.shape[1] + flat[i, j, k]
    np.add.at(grad.reshape(-1), cells, amount[p, i, j])


def adaptive_backward(planes: np.ndarray, gout: np.ndarray, spec: AdaptiveSpec, taps: BinTaps,
                      divide: bool = True) -> np.ndarray:
    """dL/dx (P, H, W) of `gout` (P, OH, OW). With `divide=False` (win counts) each
    receiver gets the whole of `gout` and average mode does not divide either."""
    P = planes.shape[0]
    grad = np.zeros((P, planes.shape[1] * planes.shape[2]), dtype=planes.dtype)
    for blk in _blocks(P, taps):
        g = gout[blk]
        if spec.mode == "max":
            scan = _max_bins(_gather(planes[blk], taps), taps)
            recv, share = _max_receivers(scan, g, tie_policy(spec.ties), divide)
        else:
            recv = np.broadcast_to(taps.valid, g.shape + taps.valid.shape[-1:])
            share = _avg_delta(g, taps) if divide else g
        _scatter(grad[blk], taps.flat, recv, share)
    return grad.reshape(planes.shape)


class BinSteps(NamedTuple):
    """The arrays `ScatterSteps` needs for one (H, W) plane; S = OH · OW windows."""

    window_flat: np.ndarray  # (S, K) flat input index of each tap, -1 outside the bin
    output: np.ndarray  # (OH, OW)
    tied_mask: np.ndarray  # (S, K) bool (all False in average mode)
    receivers: np.ndarray  # (S, K) bool
    amount: np.ndarray  # (S, K) what each receiver gets
    divisor: np.ndarray | None  # (OH, OW) int64 cells per bin (average mode) or None
    axes: tuple[AdaptiveAxis, AdaptiveAxis]


def bin_steps(x: np.ndarray, gout: np.ndarray, spec: AdaptiveSpec) -> BinSteps:
    """The backward steps' arrays of a 2-D input `x` (H, W) and grad_output `gout` (OH, OW)."""
    taps = bin_taps(x.shape, spec)
    S, K = taps.out_hw[0] * taps.out_hw[1], taps.flat.shape[-1]
    valid = taps.valid.reshape(S, K)
    window_flat = np.where(valid, taps.flat.reshape(S, K), -1)
    values = _gather(x[None], taps)
    if spec.mode == "max":
        scan = _max_bins(values, taps)
        recv, share = _max_receivers(scan, gout[None], tie_policy(spec.ties), True)
        output, tied, divisor = scan.output[0], scan.tied.reshape(S, K), None
    else:
        output, tied, divisor = _avg_bins(values, taps)[0], np.zeros((S, K), bool), None
        recv, share = taps.valid[None], _avg_delta(gout[None], taps)
        divisor = bin_divisor(taps)
    recv = np.broadcast_to(recv, (1,) + taps.valid.shape).reshape(S, K)
    amount = np.broadcast_to(share.reshape(S, 1), (S, K))
    return BinSteps(window_flat, output, tied, recv, amount, divisor, taps.axes)
