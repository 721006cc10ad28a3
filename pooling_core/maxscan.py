"""The fast max scan: each window's maximum and its winner, as PyTorch's CPU kernel finds them.

The fold follows PyTorch (`val > maxval || isnan(val)`, the first real cell as the initial
index); `last=True` keeps the last of equal values instead (`>=`), which the "last" tie policy
names. The Python loops run over the kernel's taps, never over output cells: each tap reads,
for every window at once, the real cells only, as a contiguous range of one stride phase of
the input (see `_TapPlan`). The planes go in blocks of about 1 MiB of input, so that the
scan's several passes per tap run in the CPU cache; blocks change no result.

Shapes: planes (P, H, W); every result (P, OH, OW).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from .geometry import PlaneGeometry, window_start
from .threads import run_blocks

# Max pooling runs over blocks of planes of about this many bytes of input at a time, so that
# the scan's passes over its arrays (several per tap) stay in the CPU cache instead of
# streaming every plane from memory again for each tap. The results do not depend on it.
_BLOCK_BYTES = 1 << 20


def _plane_blocks(planes: np.ndarray, threads: int = 1) -> Iterator[slice]:
    """Consecutive slices of the P planes, each about `_BLOCK_BYTES` of input (>= 1 plane);
    twice that when several threads share them (fewer hand-offs of the GIL between NumPy
    calls; measured faster with 2 threads in benchmarks/core_speed.py)."""
    P = planes.shape[0]
    block_bytes = _BLOCK_BYTES * (2 if threads > 1 else 1)
    n = max(1, block_bytes // max(1, planes[0].nbytes))
    return (slice(lo, min(lo + n, P)) for lo in range(0, P, n))


class _TapRead(NamedTuple):
    k: int  # tap number t_h * kw + t_w (row-major)
    block: tuple[slice, slice, slice]  # output cells whose window reads a real cell at the tap
    phase: tuple[int, int]  # ... and where those cells are: phases[phase][:, rows, cols]
    rows: slice
    cols: slice


class _TapPlan:
    """Where each kernel tap reads real input cells, worked out once per geometry.

    `reads` has one `_TapRead` per tap that reads any real cell, in row-major tap order.
    Padding is never read: a -inf pad can never win a max, so leaving it out changes no result
    and saves a padded copy of the input.

    With strides (sh, sw) the planes are split into phases `planes[:, a::sh, b::sw]`
    (contiguous copies; the planes themselves when both strides are 1). A tap then reads a
    contiguous range of rows and columns of one phase, so NumPy can run its passes over long
    stretches of memory instead of short strided rows, which is several times faster.
    """

    def __init__(self, g: PlaneGeometry) -> None:
        self.g = g
        ah, aw = g.sizes
        self.reads: list[_TapRead] = []
        # Per axis once (a 32 x 32 kernel has 1024 taps but only 32 rows and 32 columns).
        rows = [g.real_range(0, t) for t in range(ah.k)]
        cols = [g.real_range(1, t) for t in range(aw.k)]
        for k, (t_h, t_w) in enumerate(g.taps):
            (i0, i1), (j0, j1) = rows[t_h], cols[t_w]
            if i0 >= i1 or j0 >= j1:
                continue
            # Plane row i * s + off is row i + q of phase b, where off = q * s + b; same for
            # columns.
            qh, bh = divmod(window_start(0, ah.s, ah.p) + t_h * ah.d, ah.s)
            qw, bw = divmod(window_start(0, aw.s, aw.p) + t_w * aw.d, aw.s)
            block = (slice(None), slice(i0, i1), slice(j0, j1))
            self.reads.append(
                _TapRead(k, block, (bh, bw), slice(i0 + qh, i1 + qh), slice(j0 + qw, j1 + qw))
            )
        self.tap_dtype = np.min_scalar_type(len(g.taps) - 1)
        # The scan starts at each window's first real cell (the kernel's `ih0 += dilation`).
        self.first = g.first_real_tap(0)[:, None] * aw.k + g.first_real_tap(1)[None, :]
        # Winner's flat index r * W + c = origin (tap (0, 0), maybe padding) + tap offset.
        self.origin = g.tap_coords(0, 0)[:, None] * g.W + g.tap_coords(1, 0)[None, :]
        self.tap_offset = (
            np.arange(ah.k)[:, None] * ah.d * g.W + np.arange(aw.k)[None, :] * aw.d
        ).ravel()

    def phases(self, planes: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
        sh, sw = self.g.sizes[0].s, self.g.sizes[1].s
        if sh == sw == 1:
            return {(0, 0): planes}
        return {
            (a, b): np.ascontiguousarray(planes[:, a::sh, b::sw])
            for a, b in {r.phase for r in self.reads}
        }


def _fold(
    plan: _TapPlan, phases: dict[int, np.ndarray], shape: tuple[int, int, int],
    dtype: np.dtype, last: bool, nan_aware: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One scan over the taps: (winning tap number, running maximum), each of `shape`."""
    taps = np.empty(shape, dtype=plan.tap_dtype)
    taps[...] = plan.first
    m = np.full(shape, -np.inf, dtype=dtype)
    upd = np.empty(shape, dtype=bool)
    wins = np.greater_equal if last else np.greater
    for read in plan.reads:
        v = phases[read.phase][:, read.rows, read.cols]
        m_r, upd_r, taps_r = m[read.block], upd[read.block], taps[read.block]
        wins(v, m_r, out=upd_r)
        if nan_aware:
            upd_r |= np.isnan(v)
        # taps = k where upd. A window's real taps come in increasing number and its start
        # is its first real tap, so this is max(taps, k * upd): branch-free and much faster
        # than np.copyto(..., where=upd) on an unpredictable mask.
        np.maximum(taps_r, upd_r * plan.tap_dtype.type(read.k), out=taps_r)
        np.maximum(m_r, v, out=m_r)
    return taps, m


def _winning_taps(planes: np.ndarray, plan: _TapPlan, last: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row-major tap number t_h * kw + t_w of each window's winner, and the window's maximum
    as a number (see `_max_pool` for its bits), each of shape (P, OH, OW).

    The scan of PyTorch's CPU kernel, over the taps in row-major order: first (`last=False`):
    a value replaces the running max when it is greater, or NaN (`val > maxval ||
    isnan(val)`); last: when it is greater or equal, or NaN. The start is the window's first
    real cell, so an all -inf window reports it. The running max is kept with NaN-propagating
    `np.maximum`: it equals the scanned max as a number (they can differ only in a zero's sign
    or a NaN's payload, which no comparison sees), so the winners are the same.

    The NaN test costs a pass per tap, so the scan first runs without it: a window read a NaN
    exactly when its maximum came out NaN, and only then is the scan redone with the test.
    """
    phases = plan.phases(planes)
    shape = (planes.shape[0],) + plan.g.out_hw
    taps, m = _fold(plan, phases, shape, planes.dtype, last, nan_aware=False)
    if np.isnan(m).any():
        taps, m = _fold(plan, phases, shape, planes.dtype, last, nan_aware=True)
    return taps, m


def _winner_index(taps: np.ndarray, plan: _TapPlan, dtype: type, global_: bool) -> np.ndarray:
    """Flat input index of each winner: r * W + c within its plane, or, with `global_`,
    within all P planes (p * H * W + r * W + c). `dtype` must hold the largest index."""
    idx = plan.tap_offset.astype(dtype).take(taps, mode="clip")  # in range; "clip" skips checks
    idx += plan.origin.astype(dtype)
    if global_:
        idx += (np.arange(taps.shape[0], dtype=dtype) * (plan.g.H * plan.g.W))[:, None, None]
    return idx


def _plane_index_to_global(index: np.ndarray, plane_size: int, dtype: type) -> np.ndarray:
    """Flat indices within their plane (n, OH, OW) -> within all n planes (p * H * W + r * W +
    c), in `dtype` (which must hold n * plane_size - 1)."""
    offsets = np.arange(index.shape[0], dtype=dtype) * dtype(plane_size)
    return np.add(index, offsets[:, None, None], dtype=dtype)


def _scatter_winners(grad: np.ndarray, flat: np.ndarray, gout: np.ndarray) -> None:
    """grad[flat] += gout for a 1-D `grad`, one element after the other in row-major order of
    `flat` and `gout` (same shape): PyTorch's backward order (np.add.at adds sequentially, in
    grad's dtype, and releases the GIL while it runs)."""
    np.add.at(grad, flat.reshape(-1), gout.reshape(-1))


def _index_dtype(n: int) -> type:
    """The smaller of int32 and int64 that holds indices 0..n - 1 (np.add.at runs faster on it)."""
    return np.int32 if n <= np.iinfo(np.int32).max else np.int64


class MaxScan(NamedTuple):
    """The max scan's result, each array of shape (P, OH, OW)."""

    output: np.ndarray  # the maximum, bit for bit the winning element
    index: np.ndarray  # int64 flat index r * W + c of the winner within its plane
    tap: np.ndarray  # the winner's row-major tap number t_h * kw + t_w (small unsigned int)


def _max_pool(planes: np.ndarray, g: PlaneGeometry, last: bool, threads: int = 1) -> MaxScan:
    """Maximum, winner's flat index and winner's tap of every window (see `MaxScan`).

    The maximum is bit for bit the winning element, as PyTorch reports it: the running max
    of the scan can differ from it only in a zero's sign or a NaN's payload, so those cells
    are read back from the input at the winner. The plane blocks run on `threads` threads
    (`pooling_core.threads`); each writes only its own planes, so the result is the same.
    """
    plan = _TapPlan(g)
    shape = (planes.shape[0],) + g.out_hw
    out = np.empty(shape, dtype=planes.dtype)
    idx = np.empty(shape, dtype=np.int64)
    taps = np.empty(shape, dtype=plan.tap_dtype)

    def scan(blk: slice) -> None:
        taps[blk], out[blk] = _winning_taps(planes[blk], plan, last)
        idx[blk] = _winner_index(taps[blk], plan, np.int64, global_=False)
        o, i = out[blk], idx[blk]
        unsure = (o == 0) | np.isnan(o)
        if unsure.any():
            p, r, c = np.nonzero(unsure)
            o[p, r, c] = planes[blk].reshape(o.shape[0], -1)[p, i[p, r, c]]

    run_blocks(scan, _plane_blocks(planes, threads), threads)
    return MaxScan(out, idx, taps)
