"""Output size and window geometry: the one home of the output-size formula.

PyTorch's rule, per axis, for input size n, kernel k, stride s, padding p, dilation d::

    out = floor_or_ceil((n + 2p - d(k - 1) - 1) / s) + 1
    if ceil_mode and (out - 1) * s >= n + p:   # last window would start in the right padding
        out -= 1

Average pooling uses the same formula with d = 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import PoolingError
from .spec import PoolSpec

MAX_PADDED_CELLS = 1 << 26  # one padded (H, W) plane; guards memory against absurd padding


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


def axis_size(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> AxisSize:
    """Output length along one axis by PyTorch's formula (see module docstring)."""
    numerator = n + 2 * p - d * (k - 1) - 1
    rounded = _ceil_div(numerator, s) if ceil_mode else _floor_div(numerator, s)
    size = rounded + 1
    dropped = False
    if ceil_mode and size > 0 and (size - 1) * s >= n + p:
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
    spans = [a.p + max(a.n + a.p, (a.size - 1) * a.s - a.p + (a.k - 1) * a.d + 1)
             for a in sizes]
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
                f"{a.d}·({a.k} − 1) + 1 = {a.d * (a.k - 1) + 1} cells but the padded input has "
                f"only {a.n} + 2·{a.p} = {a.n + 2 * a.p}",
                axis=axis, size=a.size, span=a.d * (a.k - 1) + 1, padded=a.n + 2 * a.p,
                formula=a.formula,
            )
        # Every window must hold at least one real cell (PyTorch would read outside the input).
        taps = (np.arange(a.size) * a.s - a.p)[:, None] + np.arange(a.k) * a.d
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


def window_rows(out_index: int, axis: AxisSize) -> list[int]:
    """Input indices (real or not) the taps of window `out_index` touch along one axis."""
    start = out_index * axis.s - axis.p
    return [start + t * axis.d for t in range(axis.k)]
