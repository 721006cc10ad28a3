"""The fast max scan: each window's maximum and its winner, as PyTorch's CPU kernel finds them.

The fold follows PyTorch (`val > maxval || isnan(val)`, the first real cell as the initial
index); `last=True` keeps the last of equal values instead (`>=`), which the "last" tie policy
names. The Python loops run over the kernel's taps, never over output cells: each tap reads,
for every window at once, one contiguous stretch of one stride phase of the input (see
`_TapPlan`). The planes go in blocks of about 1 MiB of input, so that the
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
    phase: tuple[int, int]  # the stride phase the tap reads (see `_TapPlan.phases`) ...
    start: int  # ... from this flat position of each plane's phase, `_TapPlan.cells` long


class _TapPlan:
    """Where each kernel tap reads, worked out once per geometry.

    With strides (sh, sw) the input is split into phases `planes[:, a::sh, b::sw]`. Tap
    (t_h, t_w) reads, for window (i, j), cell (i + qh, j + qw) of phase (a, b), where
    t_h * dh - ph = qh * sh + a (columns alike). Each phase is copied into an array of
    `rows` x `width` cells per plane: phase cell (u, v) at [u - q0h, v - q0w] (q0 the
    smallest q of any tap), -inf where the input has no cell (padding, ceil_mode's overhang).
    The results are kept in the same row length: window (i, j) at flat position
    i * width + j (j >= OW: junk cells, dropped at the end). Then every tap reads one
    contiguous stretch of `cells` = OH * width cells of each plane's phase, at
    `start` = (qh - q0h) * width + (qw - q0w): NumPy runs each pass as one long loop (a tap
    that reads a narrower block of columns runs in short loops, 4-6x slower per cell).

    A -inf read never changes the scan's `>` (a max starts at -inf); with `>=` (last) it
    does only in windows whose every real cell is -inf, which are set to their last real tap.
    """

    def __init__(self, g: PlaneGeometry) -> None:
        self.g = g
        ah, aw = g.sizes
        qb_h = [divmod(window_start(0, ah.s, ah.p) + t * ah.d, ah.s) for t in range(ah.k)]
        qb_w = [divmod(window_start(0, aw.s, aw.p) + t * aw.d, aw.s) for t in range(aw.k)]
        self.q0 = (min(q for q, _ in qb_h), min(q for q, _ in qb_w))
        OH, OW = g.out_hw
        # + 1 row: the junk cells of the last row read up to qmax_w - q0w cells past it.
        self.rows = OH + max(q for q, _ in qb_h) - self.q0[0] + 1
        self.width = OW + max(q for q, _ in qb_w) - self.q0[1]
        self.cells = OH * self.width
        self.reads = [
            _TapRead(k, (qb_h[t_h][1], qb_w[t_w][1]),
                     (qb_h[t_h][0] - self.q0[0]) * self.width + qb_w[t_w][0] - self.q0[1])
            for k, (t_h, t_w) in enumerate(g.taps)
        ]
        self.tap_dtype = np.min_scalar_type(len(g.taps) - 1)
        # The scan starts at each window's first real cell (the kernel's `ih0 += dilation`);
        # windows whose real cells are all -inf end at their last real cell under `>=`.
        real_h = np.stack([g.tap_real(0, t) for t in range(ah.k)], axis=1)  # (OH, kh)
        real_w = np.stack([g.tap_real(1, t) for t in range(aw.k)], axis=1)  # (OW, kw)
        self.first = self._wide(real_h.argmax(1)[:, None] * aw.k + real_w.argmax(1)[None, :])
        self.last = self._wide((ah.k - 1 - real_h[:, ::-1].argmax(1))[:, None] * aw.k
                               + (aw.k - 1 - real_w[:, ::-1].argmax(1))[None, :])
        # Winner's flat index r * W + c = origin (tap (0, 0), maybe padding) + tap offset.
        self.origin = g.tap_coords(0, 0)[:, None] * g.W + g.tap_coords(1, 0)[None, :]
        self.tap_offset = (
            np.arange(ah.k)[:, None] * ah.d * g.W + np.arange(aw.k)[None, :] * aw.d
        ).ravel().astype(np.int64)

    def _wide(self, taps: np.ndarray) -> np.ndarray:
        """(OH, OW) tap numbers -> (OH * width,), junk cells 0."""
        wide = np.zeros((self.g.out_hw[0], self.width), dtype=self.tap_dtype)
        wide[:, : self.g.out_hw[1]] = taps
        return wide.reshape(-1)

    def _span(self, axis: int, b: int, length: int) -> tuple[int, int, slice]:
        """Phase-array positions [lo, hi) of phase b along `axis` that hold input cells, and
        the input slice they come from."""
        a, n, q0 = self.g.sizes[axis], (self.g.H, self.g.W)[axis], self.q0[axis]
        count = (n - b + a.s - 1) // a.s  # cells of phase b: u = 0 .. count - 1
        lo, hi = max(0, -q0), min(length, count - q0)
        if hi <= lo:
            return 0, 0, slice(0, 0)
        return lo, hi, slice(b + (lo + q0) * a.s, b + (hi - 1 + q0) * a.s + 1, a.s)

    def phases(self, planes: np.ndarray) -> dict[tuple[int, int], np.ndarray]:
        """Each phase a tap reads, as (n, rows * width) (see the class docstring)."""
        n = planes.shape[0]
        out = {}
        for a, b in {r.phase for r in self.reads}:
            ph = np.empty((n, self.rows, self.width), dtype=planes.dtype)
            r0, r1, rows = self._span(0, a, self.rows)
            c0, c1, cols = self._span(1, b, self.width)
            ph[:, :r0] = -np.inf
            ph[:, r1:] = -np.inf
            ph[:, r0:r1, :c0] = -np.inf
            ph[:, r0:r1, c1:] = -np.inf
            ph[:, r0:r1, c0:c1] = planes[:, rows, cols]
            out[(a, b)] = ph.reshape(n, -1)
        return out


def _fold(
    plan: _TapPlan, phases: dict[tuple[int, int], np.ndarray], n: int,
    dtype: np.dtype, last: bool, nan_aware: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """One scan over the taps: (winning tap number, running maximum), each (n, cells)."""
    shape = (n, plan.cells)
    taps = np.empty(shape, dtype=plan.tap_dtype)
    taps[...] = plan.first
    m = np.full(shape, -np.inf, dtype=dtype)
    upd = np.empty(shape, dtype=bool)
    code = np.empty(shape, dtype=plan.tap_dtype)
    wins = np.greater_equal if last else np.greater
    for read in plan.reads:
        v = phases[read.phase][:, read.start : read.start + plan.cells]
        if read.k:  # tap 0 can only keep taps = max(taps, 0): no pass needed
            wins(v, m, out=upd)
            if nan_aware:
                upd |= np.isnan(v)
            # taps = k where upd. A window's taps come in increasing number and its start is
            # its first real tap (no earlier tap wins: only padding lies before it), so this
            # is max(taps, k * upd): branch-free and much faster than np.copyto(...,
            # where=upd) on an unpredictable mask.
            np.multiply(upd, plan.tap_dtype.type(read.k), out=code)
            np.maximum(taps, code, out=taps)
        np.maximum(m, v, out=m)
    if last:
        np.copyto(taps, plan.last, where=m == -np.inf)
    return taps, m


def _winning_taps(planes: np.ndarray, plan: _TapPlan, last: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row-major tap number t_h * kw + t_w of each window's winner, and the window's maximum
    as a number (see `_max_pool` for its bits), each of shape (P, OH, OW) (views).

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
    n = planes.shape[0]
    taps, m = _fold(plan, phases, n, planes.dtype, last, nan_aware=False)
    if np.isnan(np.max(m)):  # a NaN anywhere in m (junk cells too: then a needless redo)
        taps, m = _fold(plan, phases, n, planes.dtype, last, nan_aware=True)
    OH, OW = plan.g.out_hw
    return (taps.reshape(n, OH, plan.width)[:, :, :OW],
            m.reshape(n, OH, plan.width)[:, :, :OW])


def _winner_index(taps: np.ndarray, plan: _TapPlan, dtype: type) -> np.ndarray:
    """Flat input index of each winner of `taps` (P, OH, OW) within all P planes
    (p * H * W + r * W + c). `dtype` must hold the largest index."""
    idx = plan.tap_offset.astype(dtype).take(taps, mode="clip")  # in range; "clip" skips checks
    idx += plan.origin.astype(dtype)
    return _add_plane_offsets(idx, plan.g.H * plan.g.W)


def _add_plane_offsets(index: np.ndarray, plane_size: int) -> np.ndarray:
    """Flat indices within their plane (n, OH, OW) -> within all n planes (p * plane_size +
    index), in place; `index`'s dtype must hold n * plane_size - 1. Returns `index`."""
    index += (np.arange(index.shape[0], dtype=index.dtype) * plane_size)[:, None, None]
    return index


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
        o, i, t = out[blk], idx[blk], taps[blk]
        t[...], o[...] = _winning_taps(planes[blk], plan, last)
        np.take(plan.tap_offset, t, out=i, mode="clip")  # in range; "clip" skips checks
        i += plan.origin
        unsure = o == 0
        if np.isnan(np.max(o)):
            unsure |= np.isnan(o)
        if unsure.any():
            p, r, c = np.nonzero(unsure)
            o[p, r, c] = planes[blk].reshape(o.shape[0], -1)[p, i[p, r, c]]

    run_blocks(scan, _plane_blocks(planes, threads), threads)
    return MaxScan(out, idx, taps)
