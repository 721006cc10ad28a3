"""Forward and backward of 2-D max and average pooling, side by side, matching PyTorch CPU.

Layout: `x` has shape (H, W), (C, H, W) or (N, C, H, W); pooling runs over the last two axes.
Internally every array is viewed as P planes of shape (H, W), P = product of the leading axes.

Vectorisation: the Python loops run over the kernel's taps (kh * kw of them), never over
output cells. Each tap is a view of the input with the output's shape: a strided view of the
padded input (average pooling, the split/all tie policies), or, in max pooling's scan, the
real cells only, as a contiguous range of one stride phase of the input (see `_TapPlan`).
Max pooling also goes over the planes in blocks of about 1 MiB of input, so that its several
passes per tap run in the CPU cache; blocks change no result.

Exactness: the max fold follows PyTorch's CPU kernel (`val > maxval || isnan(val)`, the first
real cell as the initial index); gradients are accumulated into each input cell in the order
of the output cells (row-major), as PyTorch's CPU backward kernels do, so float32 and float64
results agree bit for bit.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .errors import PoolingError
from .geometry import AxisSize, output_size
from .ieee import quiet_overflow
from .spec import PoolSpec
from .ties import TiePolicy, tie_policy, tied_cells


# --------------------------------------------------------------------------- input handling
def real_array(obj: object, name: str, code: str) -> np.ndarray:
    """`obj` as a NumPy array of real numbers (bool, int, uint or float dtype).

    An object array must hold only real numbers (None, strings and complex are refused, not
    silently converted); ragged nested lists are refused. Raises `PoolingError(code)`.
    """
    try:
        arr = np.asarray(obj)
    except (ValueError, TypeError) as exc:  # ragged nested lists
        raise PoolingError(
            code, f"{name} must be a rectangular array of numbers ({exc})", name=name
        ) from None
    if arr.dtype.kind == "O":
        bad = [v for v in arr.ravel().tolist() if not isinstance(v, numbers.Real)]
        if bad:
            raise PoolingError(
                code, f"{name} must hold only real numbers, found {bad[0]!r}",
                name=name, value=repr(bad[0]),
            )
        arr = arr.astype(np.float64)
    if arr.dtype.kind not in "fiub":
        raise PoolingError(
            code, f"{name} must hold real numbers, got data of type {arr.dtype}",
            name=name, value=str(arr.dtype),
        )
    return arr


def as_input(x: object) -> np.ndarray:
    """Validate `x` and return it as a float array of shape (H, W), (C, H, W) or (N, C, H, W).

    float32 stays float32, float64 stays float64, integers, booleans and other floats become
    float64. Raises `PoolingError` for non-numeric data, a wrong number of axes or an empty array.
    """
    arr = real_array(x, "x", "non_numeric")
    if arr.dtype not in (np.float32, np.float64):
        arr = arr.astype(np.float64)
    if arr.ndim not in (2, 3, 4):
        raise PoolingError(
            "wrong_ndim",
            f"x must have 2, 3 or 4 axes ((H, W), (C, H, W) or (N, C, H, W)), got {arr.ndim} "
            f"with shape {arr.shape}",
            name="x", value=arr.ndim, shape=str(arr.shape),
        )
    if arr.size == 0:
        raise PoolingError(
            "empty_input", f"x must not be empty, got shape {arr.shape}",
            name="x", shape=str(arr.shape),
        )
    return arr


@dataclass(frozen=True)
class _Geometry:
    """Where every tap of every window lands, for one (H, W) plane and one spec."""

    H: int
    W: int
    sizes: tuple[AxisSize, AxisSize]
    pad_before: tuple[int, int]
    pad_after: tuple[int, int]

    @property
    def out_hw(self) -> tuple[int, int]:
        return (self.sizes[0].size, self.sizes[1].size)

    @property
    def taps(self) -> list[tuple[int, int]]:
        """Kernel taps (t_h, t_w) in row-major order."""
        return [(a, b) for a in range(self.sizes[0].k) for b in range(self.sizes[1].k)]

    def tap_slices(self, t_h: int, t_w: int) -> tuple[slice, slice]:
        """Slices of the padded plane that give tap (t_h, t_w) of every window."""
        out = []
        for t, a in zip((t_h, t_w), self.sizes, strict=True):
            start = t * a.d
            out.append(slice(start, start + (a.size - 1) * a.s + 1, a.s))
        return out[0], out[1]

    def tap_coords(self, axis: int, t: int) -> np.ndarray:
        """Input index along `axis` read by tap `t` of each output row/column (may be padding)."""
        a = self.sizes[axis]
        return np.arange(a.size) * a.s - a.p + t * a.d

    def tap_real(self, axis: int, t: int) -> np.ndarray:
        n = (self.H, self.W)[axis]
        c = self.tap_coords(axis, t)
        return (c >= 0) & (c < n)

    def real_range(self, axis: int, t: int) -> tuple[int, int]:
        """Output rows (axis 0) or columns (axis 1) [lo, hi) whose tap `t` reads a real cell.

        They form one interval; lo >= hi when the tap reads only padding.
        """
        real = np.flatnonzero(self.tap_real(axis, t))
        return (int(real[0]), int(real[-1]) + 1) if real.size else (0, 0)

    def first_real_tap(self, axis: int) -> np.ndarray:
        """Per output row/column, the first tap along `axis` that reads a real cell."""
        a = self.sizes[axis]
        real = np.stack([self.tap_real(axis, t) for t in range(a.k)], axis=1)
        return np.argmax(real, axis=1)

    def pad(self, planes: np.ndarray, value: float) -> np.ndarray:
        """(P, H, W) -> (P, H + pads, W + pads) filled with `value` outside the input.

        Without padding this is `planes` itself, not a copy (callers only read it).
        """
        (bh, bw), (ah, aw) = self.pad_before, self.pad_after
        if bh == bw == ah == aw == 0:
            return planes
        return np.pad(planes, ((0, 0), (bh, ah), (bw, aw)), constant_values=value)


def geometry(input_hw: tuple[int, int], spec: PoolSpec) -> _Geometry:
    """Window geometry for an (H, W) plane; raises `PoolingError` for impossible configurations."""
    H, W = input_hw
    sizes = output_size((H, W), spec)
    before = (sizes[0].p, sizes[1].p)
    after = tuple(
        max(0, (a.size - 1) * a.s - a.p + (a.k - 1) * a.d + 1 - n)
        for a, n in zip(sizes, (H, W), strict=True)
    )
    return _Geometry(H, W, sizes, before, after)  # type: ignore[arg-type]


def _planes(x: np.ndarray) -> np.ndarray:
    return x.reshape((-1,) + x.shape[-2:])


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
        ties="first" (PyTorch's `return_indices`). None in average mode.
    divisor : ndarray of int64, shape (OH, OW), or None
        Average mode: what each window's sum is divided by. None in max mode.
    sizes : (AxisSize, AxisSize)
        The output-size formula per axis, with numbers.
    spec : PoolSpec
    """

    output: np.ndarray
    indices: np.ndarray | None
    divisor: np.ndarray | None
    sizes: tuple[AxisSize, AxisSize]
    spec: PoolSpec


# --------------------------------------------------------------------------- max pooling
# Max pooling runs over blocks of planes of about this many bytes of input at a time, so that
# the scan's passes over its arrays (several per tap) stay in the CPU cache instead of
# streaming every plane from memory again for each tap. The results do not depend on it.
_BLOCK_BYTES = 1 << 20


def _plane_blocks(planes: np.ndarray) -> Iterator[slice]:
    """Consecutive slices of the P planes, each about `_BLOCK_BYTES` of input (>= 1 plane)."""
    P = planes.shape[0]
    n = max(1, _BLOCK_BYTES // max(1, planes[0].nbytes))
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

    def __init__(self, g: _Geometry) -> None:
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
            qh, bh = divmod(t_h * ah.d - ah.p, ah.s)
            qw, bw = divmod(t_w * aw.d - aw.p, aw.s)
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


def _index_dtype(n: int) -> type:
    """The smaller of int32 and int64 that holds indices 0..n - 1 (np.add.at runs faster on it)."""
    return np.int32 if n <= np.iinfo(np.int32).max else np.int64


class MaxScan(NamedTuple):
    """The max scan's result, each array of shape (P, OH, OW)."""

    output: np.ndarray  # the maximum, bit for bit the winning element
    index: np.ndarray  # int64 flat index r * W + c of the winner within its plane
    tap: np.ndarray  # the winner's row-major tap number t_h * kw + t_w (small unsigned int)


def _max_pool(planes: np.ndarray, g: _Geometry, last: bool) -> MaxScan:
    """Maximum, winner's flat index and winner's tap of every window (see `MaxScan`).

    The maximum is bit for bit the winning element, as PyTorch reports it: the running max
    of the scan can differ from it only in a zero's sign or a NaN's payload, so those cells
    are read back from the input at the winner.
    """
    plan = _TapPlan(g)
    shape = (planes.shape[0],) + g.out_hw
    out = np.empty(shape, dtype=planes.dtype)
    idx = np.empty(shape, dtype=np.int64)
    taps = np.empty(shape, dtype=plan.tap_dtype)
    for blk in _plane_blocks(planes):
        taps[blk], out[blk] = _winning_taps(planes[blk], plan, last)
        idx[blk] = _winner_index(taps[blk], plan, np.int64, global_=False)
    unsure = (out == 0) | np.isnan(out)
    if unsure.any():
        p, i, j = np.nonzero(unsure)
        out[p, i, j] = planes.reshape(planes.shape[0], -1)[p, idx[p, i, j]]
    return MaxScan(out, idx, taps)


def _max_fold(xp: np.ndarray, g: _Geometry, last: bool) -> MaxScan:
    """`_max_pool` of an input already padded by `g.pad` (the padding is not read)."""
    bh, bw = g.pad_before
    return _max_pool(xp[:, bh : bh + g.H, bw : bw + g.W], g, last)


def _tied_masks(xp: np.ndarray, m: np.ndarray, g: _Geometry) -> np.ndarray:
    """(K, P * OH * OW) bool: row k is tap k (row-major) of every window, True where the tap
    is a tied maximum (`ties.tied_cells`). Its transpose is the (S, K) mask of `TiePolicy`."""
    tied = np.empty((len(g.taps), m.size), dtype=bool)
    for k, (t_h, t_w) in enumerate(g.taps):
        sh, sw = g.tap_slices(t_h, t_w)
        real = g.tap_real(0, t_h)[:, None] & g.tap_real(1, t_w)[None, :]
        tied[k] = tied_cells(xp[:, sh, sw], m, real).reshape(-1)
    return tied


def _max_forward(planes: np.ndarray, g: _Geometry) -> tuple[np.ndarray, np.ndarray]:
    scan = _max_pool(planes, g, last=False)
    return scan.output, scan.index


def _scatter_taps(
    g: _Geometry, P: int, dtype: np.dtype,
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


def _max_backward(
    planes: np.ndarray, gout: np.ndarray, g: _Geometry, policy: TiePolicy, divide: bool = True
) -> np.ndarray:
    """dL/dx for max pooling under a tie policy; `gout` has shape (P, OH, OW).

    With `divide=False` every receiver gets the whole of `gout` (win counts: `gout` = ones).
    """
    P = planes.shape[0]
    if policy.single:
        # grad[winner] += gout, in row-major order of the output cells (np.add.at adds
        # sequentially, in the array's dtype), as PyTorch's backward kernel does.
        plan = _TapPlan(g)
        grad = np.zeros((P, g.H * g.W), dtype=planes.dtype)
        for blk in _plane_blocks(planes):
            taps, _ = _winning_taps(planes[blk], plan, last=policy.scan_last)
            grad_blk = grad[blk].reshape(-1)  # a view: grad is C-contiguous
            flat = _winner_index(taps, plan, _index_dtype(grad_blk.size), global_=True)
            np.add.at(grad_blk, flat.reshape(-1), gout[blk].reshape(-1))
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
def _avg_divisor(g: _Geometry, spec: PoolSpec) -> np.ndarray:
    """(OH, OW) int64 divisors, by PyTorch's rule.

    pool size = window clipped to the padded input (ceil_mode overhang not counted);
    count_include_pad=False counts only real cells; divisor_override replaces both.
    """
    if spec.divisor_override is not None:
        return np.full(g.out_hw, spec.divisor_override, dtype=np.int64)
    per_axis = []
    for a, n in zip(g.sizes, (g.H, g.W), strict=True):
        start = np.arange(a.size) * a.s - a.p
        end = np.minimum(start + a.k, n + a.p)
        if spec.count_include_pad:
            per_axis.append(end - start)
        else:
            per_axis.append(np.minimum(end, n) - np.maximum(start, 0))
    return (per_axis[0][:, None] * per_axis[1][None, :]).astype(np.int64)


def _avg_forward(planes: np.ndarray, g: _Geometry, spec: PoolSpec) -> tuple[np.ndarray, np.ndarray]:
    xp = g.pad(planes, 0.0)
    acc = np.zeros((planes.shape[0],) + g.out_hw, dtype=planes.dtype)
    for t_h, t_w in g.taps:  # row-major, as PyTorch sums a window
        sh, sw = g.tap_slices(t_h, t_w)
        acc += xp[:, sh, sw]
    divisor = _avg_divisor(g, spec)
    return acc / divisor.astype(planes.dtype), divisor


def _avg_backward(gout: np.ndarray, g: _Geometry, spec: PoolSpec, dtype: np.dtype) -> np.ndarray:
    divisor = _avg_divisor(g, spec)
    delta = gout / divisor.astype(dtype)
    contributions = {tap: delta for tap in g.taps}
    return _scatter_taps(g, gout.shape[0], dtype, contributions)


# --------------------------------------------------------------------------- public API
@quiet_overflow
def pool_forward(x: object, spec: PoolSpec) -> ForwardResult:
    """Pool `x` over its last two axes.

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    spec : PoolSpec

    Returns
    -------
    ForwardResult
        `.output` of shape (..., OH, OW); `.indices` (max mode) of the same shape.
    """
    arr = as_input(x)
    g = geometry(arr.shape[-2:], spec)
    planes = _planes(arr)
    lead = arr.shape[:-2]
    if spec.mode == "max":
        out, idx = _max_forward(planes, g)
        return ForwardResult(
            out.reshape(lead + g.out_hw), idx.reshape(lead + g.out_hw), None, g.sizes, spec
        )
    out, divisor = _avg_forward(planes, g, spec)
    return ForwardResult(out.reshape(lead + g.out_hw), None, divisor, g.sizes, spec)


def check_grad_output(
    grad_output: object, out_shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """Validate dL/dy: real numbers, exactly the output's shape; returned in `dtype`."""
    arr = real_array(grad_output, "grad_output", "grad_non_numeric")
    if arr.shape != tuple(out_shape):
        raise PoolingError(
            "grad_shape",
            f"grad_output must have the output's shape {tuple(out_shape)}, got {arr.shape}",
            name="grad_output", expected=str(tuple(out_shape)), value=str(arr.shape),
        )
    return arr.astype(dtype, copy=False)


@quiet_overflow
def pool_backward(x: object, grad_output: object, spec: PoolSpec) -> np.ndarray:
    """dL/dx for L = sum(grad_output * pool_forward(x, spec).output).

    Parameters
    ----------
    x : array_like, shape (H, W), (C, H, W) or (N, C, H, W)
    grad_output : array_like, shape (..., OH, OW)
        The upstream gradient dL/dy; must have the output's shape.
    spec : PoolSpec
        `spec.ties` selects how max pooling splits the gradient of a tied window.

    Returns
    -------
    ndarray, the shape and dtype of x (after conversion)
    """
    arr = as_input(x)
    g = geometry(arr.shape[-2:], spec)
    lead = arr.shape[:-2]
    gout = check_grad_output(grad_output, lead + g.out_hw, arr.dtype)
    planes = _planes(arr)
    gplanes = gout.reshape((-1,) + g.out_hw)
    if spec.mode == "max":
        grad = _max_backward(planes, gplanes, g, tie_policy(spec.ties))
    else:
        grad = _avg_backward(gplanes, g, spec, arr.dtype)
    return np.ascontiguousarray(grad).reshape(arr.shape)


@quiet_overflow
def win_counts(x: object, spec: PoolSpec) -> np.ndarray:
    """How many windows send gradient to each input cell (max mode: the cell is a receiving
    maximum under `spec.ties`; average mode: the cell lies in the window). Shape and dtype
    int64 of x."""
    arr = as_input(x)
    g = geometry(arr.shape[-2:], spec)
    planes = _planes(arr.astype(np.float64))
    ones = np.ones((planes.shape[0],) + g.out_hw)
    if spec.mode == "max":
        counts = _max_backward(planes, ones, g, tie_policy(spec.ties), divide=False)
    else:
        counts = _scatter_taps(g, planes.shape[0], ones.dtype, dict.fromkeys(g.taps, ones))
    return np.rint(counts).astype(np.int64).reshape(arr.shape)
