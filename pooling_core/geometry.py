"""Output size and window geometry: the one home of the output-size formula and of where
each window lies.

Along one axis, with input length n, kernel k, stride s, padding p and dilation d, window i
(output index i) has its taps t = 0..k - 1 at the input indices::

    window_start(i) = i * s - p                    (negative: in the leading padding)
    tap t           = window_start(i) + t * d
    window_span     = (k - 1) * d + 1              (cells from its first tap to its last)
    window_end(i)   = window_start(i) + window_span    (one past its last tap; > n: padding)

PyTorch's output length, per axis::

    out = floor_or_ceil((n + 2p - d(k - 1) - 1) / s) + 1
    if ceil_mode and window_start(out - 1) >= n:   # last window would start in the right padding
        out -= 1

Average pooling uses the same formula with d = 1. `last_window_end` is how far the last window
reaches: the padded plane that pooling reads (and a figure draws) ends there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .errors import PoolingError
from .spec import PoolSpec

MAX_PADDED_CELLS = 1 << 26  # one padded (H, W) plane; guards memory against absurd padding
IntOrArray = TypeVar("IntOrArray", int, np.ndarray)


@dataclass(frozen=True)
class AxisSize:
    """Output size along one axis, with every number of the formula.

    Attributes
    ----------
    size : int
        The output length (may be <= 0 for an impossible configuration;
        `output_size` refuses those).
    n, k, s, p, d : int
        Input length, kernel, stride, padding, dilation.
    numerator : int
        n + 2p - d(k - 1) - 1.
    rounded : int
        floor (or ceil with ceil_mode) of numerator / s.
    ceil_mode : bool
    dropped_last : bool
        True when ceil_mode's extra window started in the right padding and was dropped.
    """

    size: int
    n: int
    k: int
    s: int
    p: int
    d: int
    numerator: int
    rounded: int
    ceil_mode: bool
    dropped_last: bool

    @property
    def formula(self) -> str:
        """The formula with the numbers filled in.

        e.g. ``⌊(6 + 2·0 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊3 / 1⌋ + 1 = 4``.
        """
        lo, hi = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        text = (
            f"{lo}({self.n} + 2·{self.p} − {self.d}·({self.k} − 1) − 1) / {self.s}{hi} + 1"
            f" = {lo}{self.numerator} / {self.s}{hi} + 1 = {self.rounded + 1}"
        )
        if self.dropped_last:
            text += f" → {self.size}"
        return text


def _floor_div(a: int, b: int) -> int:
    return a // b


def _ceil_div(a: int, b: int) -> int:
    return -((-a) // b)


# --------------------------------------------------------------------------- one axis
def window_span(k: int, d: int) -> int:
    """Cells one window covers from its first tap to its last: (k - 1) * d + 1.

    Parameters
    ----------
    k : int
        Kernel size along the axis.
    d : int
        Dilation along the axis.
    """
    return (k - 1) * d + 1


def window_start(index: IntOrArray, s: int, p: int) -> IntOrArray:
    """Input index of the first tap of window `index` along one axis: index * s - p.

    Parameters
    ----------
    index : int or ndarray of int, any shape
        Output index (or indices) along the axis.
    s, p : int
        Stride and padding along the axis.

    Returns
    -------
    int or ndarray of int, the shape of `index`
        Negative when the window starts in the leading padding.
    """
    return index * s - p


def window_end(index: IntOrArray, k: int, s: int, p: int, d: int = 1) -> IntOrArray:
    """One past the input index of the last tap of window `index`:
    window_start + window_span(k, d). Past n when the window reaches into trailing padding.

    Parameters
    ----------
    index : int or ndarray of int, any shape
    k, s, p, d : int
        Kernel, stride, padding, dilation along the axis.

    Returns
    -------
    int or ndarray of int, the shape of `index`
    """
    return window_start(index, s, p) + window_span(k, d)


def last_window_end(axis: AxisSize) -> int:
    """How far the last window reaches: one past the input index of its last tap.

    ``last_window_end(a) - a.n`` (when positive) is the padding the windows use after the
    input; with ceil_mode it can exceed `a.p`.

    Parameters
    ----------
    axis : AxisSize
        One axis of `output_size`.
    """
    return window_end(axis.size - 1, axis.k, axis.s, axis.p, axis.d)


def axis_taps(axis: AxisSize) -> np.ndarray:
    """Input index of every tap of every window along one axis (padding included).

    Parameters
    ----------
    axis : AxisSize

    Returns
    -------
    ndarray of int64, shape (axis.size, axis.k)
        ``[i, t]`` = window_start(i) + t * d; negative or >= n in the padding.
    """
    starts = window_start(np.arange(axis.size, dtype=np.int64), axis.s, axis.p)
    return starts[:, None] + np.arange(axis.k, dtype=np.int64) * axis.d


def axis_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> AxisSize:
    """Output length along one axis by PyTorch's formula (see module docstring)."""
    numerator = n + 2 * p - d * (k - 1) - 1
    rounded = _ceil_div(numerator, s) if ceil_mode else _floor_div(numerator, s)
    size = rounded + 1
    dropped = False
    if ceil_mode and size > 0 and window_start(size - 1, s, p) >= n:
        size -= 1
        dropped = True
    return AxisSize(size, n, k, s, p, d, numerator, rounded, ceil_mode, dropped)


def output_size(input_hw: tuple[int, int], spec: PoolSpec) -> tuple[AxisSize, AxisSize]:
    """Output size of pooling an (H, W) plane with `spec`, one `AxisSize` per axis.

    Raises `PoolingError` when the output would be empty or some window covers no real cell.
    """
    sizes = tuple(
        axis_size(n, k, s, p, d, spec.ceil_mode)
        for n, k, s, p, d in zip(input_hw, spec.k, spec.s, spec.p, spec.d, strict=True)
    )
    spans = [a.p + max(a.n + a.p, last_window_end(a)) for a in sizes]
    if spans[0] * spans[1] > MAX_PADDED_CELLS:
        raise PoolingError(
            "padded_too_large",
            f"the padded input would have {spans[0]} x {spans[1]} cells (at most "
            f"{MAX_PADDED_CELLS}); reduce padding, dilation or the kernel",
            rows=spans[0], cols=spans[1], maximum=MAX_PADDED_CELLS,
        )
    for axis, a in zip(("height", "width"), sizes, strict=True):
        if a.size < 1:
            raise PoolingError(
                "output_empty",
                f"the output would be empty along the {axis}: the window spans "
                f"{a.d}·({a.k} − 1) + 1 = {window_span(a.k, a.d)} cells but the padded input "
                f"has only {a.n} + 2·{a.p} = {a.n + 2 * a.p}",
                axis=axis, size=a.size, span=window_span(a.k, a.d), padded=a.n + 2 * a.p,
                formula=a.formula,
            )
        # Every window must hold at least one real cell (PyTorch would read outside the input).
        taps = axis_taps(a)
        real = ((taps >= 0) & (taps < a.n)).any(axis=1)
        if not real.all():
            bad = int(np.argmin(real))
            raise PoolingError(
                "window_no_real_cell",
                f"window {bad} along the {axis} covers only padding (cells "
                f"{taps[bad].tolist()} of an input of length {a.n}); reduce dilation or padding",
                axis=axis, index=bad, taps=str(taps[bad].tolist()), n=a.n,
            )
    return sizes  # type: ignore[return-value]


# --------------------------------------------------------------------------- one window
def window_rect(spec: PoolSpec, i: int, j: int) -> tuple[int, int, int, int]:
    """The rectangle output cell (i, j)'s window covers, in input coordinates.

    Parameters
    ----------
    spec : PoolSpec
    i, j : int
        Output row and column (not checked against the output size).

    Returns
    -------
    (r0, c0, r1, c1) : tuple of int
        First row, first column, last row, last column, inclusive. They may lie in the
        padding: negative, or >= H / W. With dilation the window reads only every d-th
        cell inside it (see `window_taps`).
    """
    (sh, sw), (ph, pw) = spec.s, spec.p
    r0, c0 = window_start(i, sh, ph), window_start(j, sw, pw)
    return (r0, c0, window_end(i, spec.k[0], sh, ph, spec.d[0]) - 1,
            window_end(j, spec.k[1], sw, pw, spec.d[1]) - 1)


def window_taps(spec: PoolSpec, i: int, j: int) -> list[tuple[int, int]]:
    """Every tap (r, c) of output cell (i, j)'s window, row-major, padding included.

    Parameters
    ----------
    spec : PoolSpec
    i, j : int
        Output row and column (not checked against the output size).

    Returns
    -------
    list of (r, c), length kh * kw
        Tap (a, b) is at (r0 + a * dh, c0 + b * dw), (r0, c0) = `window_rect`'s first corner;
        cells outside 0 <= r < H, 0 <= c < W are padding.
    """
    (kh, kw), (dh, dw) = spec.k, spec.d
    r0, c0 = window_start(i, spec.s[0], spec.p[0]), window_start(j, spec.s[1], spec.p[1])
    return [(r0 + a * dh, c0 + b * dw) for a in range(kh) for b in range(kw)]


# --------------------------------------------------------------------------- one plane
@dataclass(frozen=True)
class PlaneGeometry:
    """Where every tap of every window lands, for one (H, W) plane and one spec.

    Internal to the core's loops (pooling, the max scan, steps); callers outside the core ask
    `output_size`, `window_rect` and `window_taps`.
    """

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
        return window_start(np.arange(a.size), a.s, a.p) + t * a.d

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


def plane_geometry(input_hw: tuple[int, int], spec: PoolSpec) -> PlaneGeometry:
    """Window geometry for an (H, W) plane; raises `PoolingError` for impossible configurations."""
    H, W = input_hw
    sizes = output_size((H, W), spec)
    before = (sizes[0].p, sizes[1].p)
    after = tuple(max(0, last_window_end(a) - n) for a, n in zip(sizes, (H, W), strict=True))
    return PlaneGeometry(H, W, sizes, before, after)  # type: ignore[arg-type]
