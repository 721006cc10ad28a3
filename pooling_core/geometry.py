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

With padding p_b before and p_a after (asymmetric, 'same', 'same_lower'; see
`pooling_core.padding`) the numerator is n + p_b + p_a - d(k - 1) - 1 and p above is p_b.
An `AdaptiveSpec` has no kernel: `output_size` then returns its bins per axis
(`pooling_core.adaptive.AdaptiveAxis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .adaptive import AdaptiveAxis, AdaptiveSpec, adaptive_axes
from .errors import PoolingError
from .padding import PADDING_RULES
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
        Input length, kernel, stride, padding (before the input), dilation.
    numerator : int
        n + p + p_after - d(k - 1) - 1 (n + 2p - d(k - 1) - 1 when symmetric).
    rounded : int
        floor (or ceil with ceil_mode) of numerator / s.
    ceil_mode : bool
    dropped_last : bool
        True when ceil_mode's extra window started in the right padding and was dropped.
    p_after : int
        Padding after the input (None on construction means p: symmetric).
    rule : str or None
        "same", "same_lower" or "valid" when the padding was given by that name, else None.
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
    p_after: int = None  # type: ignore[assignment]  # None -> p (set in __post_init__)
    rule: str | None = None

    def __post_init__(self) -> None:
        if self.p_after is None:
            object.__setattr__(self, "p_after", self.p)

    @property
    def pads(self) -> tuple[int, int]:
        """(before, after) padding along this axis."""
        return (self.p, self.p_after)

    @property
    def formula(self) -> str:
        """The formula with the numbers filled in.

        e.g. ``⌊(6 + 2·0 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊3 / 1⌋ + 1 = 4``; with asymmetric
        padding ``⌊(5 + 0 + 1 − 1·(2 − 1) − 1) / 2⌋ + 1 = ...``; with 'same'
        ``⌈5 / 2⌉ = 3`` (its padding: `pad_formula`).
        """
        if self.rule is not None and self.rule.startswith("same"):
            return f"⌈{self.n} / {self.s}⌉ = {self.size}"
        lo, hi = ("⌈", "⌉") if self.ceil_mode else ("⌊", "⌋")
        pad = (f"2·{self.p}" if self.p == self.p_after else f"{self.p} + {self.p_after}")
        text = (
            f"{lo}({self.n} + {pad} − {self.d}·({self.k} − 1) − 1) / {self.s}{hi} + 1"
            f" = {lo}{self.numerator} / {self.s}{hi} + 1 = {self.rounded + 1}"
        )
        if self.dropped_last:
            text += f" → {self.size}"
        return text

    @property
    def pad_formula(self) -> str | None:
        """'same' / 'same_lower': the total padding and its split with the numbers, e.g.
        ``max((3 − 1)·2 + 1·(2 − 1) + 1 − 5, 0) = 1 → 0 before, 1 after``. None otherwise."""
        if self.rule is None or not self.rule.startswith("same"):
            return None
        total = self.p + self.p_after
        return (f"max(({self.size} − 1)·{self.s} + {self.d}·({self.k} − 1) + 1 − {self.n}, 0)"
                f" = {total} → {self.p} before, {self.p_after} after")


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


def last_window_end(axis: AxisSize | AdaptiveAxis) -> int:
    """How far the last window reaches: one past the input index of its last tap.

    ``last_window_end(a) - a.n`` (when positive) is the padding the windows use after the
    input; with ceil_mode it can exceed `a.p_after`. `axis`: one axis of `output_size`
    (adaptive: the last bin ends at the input's end).
    """
    if isinstance(axis, AdaptiveAxis):
        return axis.ends[-1]
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


def axis_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool,
              p_after: int | None = None, rule: str | None = None) -> AxisSize:
    """Output length along one axis by PyTorch's formula (see module docstring).

    `p` is the padding before the input, `p_after` after it (None: p); `rule` is recorded
    for the formula's text ("same", "same_lower", "valid" or None).
    """
    p_after = p if p_after is None else p_after
    numerator = n + p + p_after - d * (k - 1) - 1
    rounded = -((-numerator) // s) if ceil_mode else numerator // s
    size = rounded + 1
    dropped = False
    if ceil_mode and size > 0 and window_start(size - 1, s, p) >= n:
        size -= 1
        dropped = True
    return AxisSize(size, n, k, s, p, d, numerator, rounded, ceil_mode, dropped, p_after, rule)


def output_size(
    input_hw: tuple[int, int], spec: PoolSpec | AdaptiveSpec
) -> tuple[AxisSize, AxisSize] | tuple[AdaptiveAxis, AdaptiveAxis]:
    """Output size of pooling an (H, W) plane with `spec`, one `AxisSize` per axis (an
    `AdaptiveAxis` per axis for an `AdaptiveSpec`).

    Raises `PoolingError` when the output would be empty or some window covers no real cell.
    """
    if isinstance(spec, AdaptiveSpec):
        return adaptive_axes(input_hw, spec)
    pads = spec.pads(tuple(int(v) for v in input_hw))  # type: ignore[arg-type]
    rule = spec.padding if spec.padding in PADDING_RULES else None
    sizes = tuple(
        axis_size(n, k, s, pb, d, spec.ceil_mode, pa, rule)  # type: ignore[arg-type]
        for n, k, s, (pb, pa), d in zip(input_hw, spec.k, spec.s, pads, spec.d, strict=True)
    )
    spans = [a.p + max(a.n + a.p_after, last_window_end(a)) for a in sizes]
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
                f"has only {a.n} + {a.p} + {a.p_after} = {a.n + a.p + a.p_after}",
                axis=axis, size=a.size, span=window_span(a.k, a.d), padded=a.n + a.p + a.p_after,
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
def _before(spec: PoolSpec, input_hw: tuple[int, int] | None) -> tuple[int, int]:
    (top, _), (left, _) = spec.pads(input_hw)  # padding before the input (top, left)
    return (top, left)


def window_rect(spec: PoolSpec | AdaptiveSpec, i: int, j: int,
                input_hw: tuple[int, int] | None = None) -> tuple[int, int, int, int]:
    """The rectangle output cell (i, j)'s window covers, in input coordinates.

    Parameters
    ----------
    spec : PoolSpec or AdaptiveSpec
    i, j : int
        Output row and column (not checked against the output size).
    input_hw : (H, W), optional
        Needed for 'same'/'same_lower' padding and for an `AdaptiveSpec` (its bins).

    Returns
    -------
    (r0, c0, r1, c1) : tuple of int
        First row, first column, last row, last column, inclusive. They may lie in the
        padding: negative, or >= H / W. With dilation the window reads only every d-th
        cell inside it (see `window_taps`). An adaptive bin lies inside the input.
    """
    if isinstance(spec, AdaptiveSpec):
        ah, aw = output_size(_need_hw(input_hw), spec)
        return (ah.starts[i], aw.starts[j], ah.ends[i] - 1, aw.ends[j] - 1)  # type: ignore[union-attr]
    (sh, sw), (ph, pw) = spec.s, _before(spec, input_hw)
    r0, c0 = window_start(i, sh, ph), window_start(j, sw, pw)
    return (r0, c0, window_end(i, spec.k[0], sh, ph, spec.d[0]) - 1,
            window_end(j, spec.k[1], sw, pw, spec.d[1]) - 1)


def window_taps(spec: PoolSpec | AdaptiveSpec, i: int, j: int,
                input_hw: tuple[int, int] | None = None) -> list[tuple[int, int]]:
    """Every tap (r, c) of output cell (i, j)'s window, row-major, padding included.

    Parameters and `input_hw` as `window_rect`.

    Returns
    -------
    list of (r, c), length kh * kw (an adaptive bin: its cells)
        Tap (a, b) is at (r0 + a * dh, c0 + b * dw), (r0, c0) = `window_rect`'s first corner;
        cells outside 0 <= r < H, 0 <= c < W are padding.
    """
    if isinstance(spec, AdaptiveSpec):
        r0, c0, r1, c1 = window_rect(spec, i, j, input_hw)
        return [(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)]
    (kh, kw), (dh, dw) = spec.k, spec.d
    ph, pw = _before(spec, input_hw)
    r0, c0 = window_start(i, spec.s[0], ph), window_start(j, spec.s[1], pw)
    return [(r0 + a * dh, c0 + b * dw) for a in range(kh) for b in range(kw)]


def _need_hw(input_hw: tuple[int, int] | None) -> tuple[int, int]:
    if input_hw is None:
        raise PoolingError("adaptive_needs_input", "adaptive bins need input_hw", name="input_hw")
    return input_hw


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
