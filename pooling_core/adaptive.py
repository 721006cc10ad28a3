"""Adaptive and global pooling: `AdaptiveSpec` and its bins (PyTorch's AdaptiveMax/AvgPool2d).

An adaptive layer fixes the output size (oh, ow) instead of the kernel. Along an axis of
input length n and output length o, output cell i pools the input cells of its *bin*::

    start(i) = floor(i · n / o)          end(i) = ceil((i + 1) · n / o)     (end exclusive)

Bins differ in size (e.g. 5 → 3: [0, 2), [1, 4), [3, 5)), overlap when o does not divide n,
and repeat cells when o > n. Global pooling is ``output_size=1``: one bin, the whole plane.

* max: the scan of PyTorch's CPU kernel, over the bin's cells in row-major order from
  maxval = −inf, maxindex = the bin's first cell, taking a value when ``val > maxval`` or
  it is NaN: the first maximum, or the last NaN. Indices are flat r · W + c. The tie
  policies (`pooling_core.ties`) apply as in max pooling.
* avg: (sum of the bin's cells, row-major, from 0) / kh / kw, kh · kw the bin's cell count
  (PyTorch divides twice); the backward pass adds grad_output / kh / kw to every cell of the
  bin. PyTorch computes global average pooling as ``mean`` (one division by H · W, another
  summation order): equal to within rounding, not bit for bit.

This module holds the spec and the bins; the computation is `pooling_core.adaptive_pool`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import PoolingError
from .ties import tie_policy
from .validate import is_int

MAX_OUTPUT = 1 << 16  # output cells per axis
MAX_BIN_CELLS = 1 << 26  # cells read per plane, bins counted with their overlap
MODES: tuple[str, ...] = ("max", "avg")


@dataclass(frozen=True)
class AdaptiveSpec:
    """An adaptive (or, with ``output_size=1``, global) 2-D pooling layer.

    Parameters
    ----------
    output_size : int or (oh, ow)
        The output's size, each >= 1 (may exceed the input: bins then repeat cells).
    mode : "max" or "avg"
    ties : "first", "last", "split" or "all"
        How max mode's gradient treats a bin whose maximum occurs several times ("first" is
        PyTorch). Ignored in average mode.

    `output_size` is normalised to a pair of ints; invalid values raise `PoolingError`.
    Frozen and hashable (usable as a cache key).
    """

    output_size: int | tuple[int, int] = 1
    mode: Literal["max", "avg"] = "max"
    ties: Literal["first", "last", "split", "all"] = "first"

    def __post_init__(self) -> None:
        value = self.output_size
        if is_int(value):
            pair = (int(value), int(value))  # type: ignore[arg-type]
        elif (isinstance(value, (tuple, list)) and len(value) == 2
              and all(is_int(v) for v in value)):
            pair = (int(value[0]), int(value[1]))
        else:
            raise PoolingError(
                "not_int_pair",
                f"output_size must be a whole number or a pair (h, w) of whole numbers, "
                f"got {value!r}",
                name="output_size", value=repr(value),
            )
        for axis, v in zip(("height", "width"), pair, strict=True):
            if not 1 <= v <= MAX_OUTPUT:
                raise PoolingError(
                    "adaptive_output_size",
                    f"output_size ({axis}) must be between 1 and {MAX_OUTPUT}, got {v}",
                    name="output_size", axis=axis, value=v, minimum=1, maximum=MAX_OUTPUT,
                )
        if not isinstance(self.mode, str) or self.mode not in MODES:
            raise PoolingError(
                "unknown_mode",
                f"mode must be one of {', '.join(MODES)}, got {self.mode!r}",
                name="mode", value=repr(self.mode), allowed=", ".join(MODES),
            )
        tie_policy(self.ties)
        object.__setattr__(self, "output_size", pair)

    @property
    def out(self) -> tuple[int, int]:
        """The output size as (oh, ow)."""
        return self.output_size  # type: ignore[return-value]

    @property
    def is_global(self) -> bool:
        """True for global pooling (output 1 x 1)."""
        return self.out == (1, 1)


def bin_starts_ends(n: int, o: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's bins along one axis: start floor(i·n/o), end ceil((i+1)·n/o), i < o.

    Returns
    -------
    starts, ends : ndarray of int64, shape (o,)
    """
    i = np.arange(o, dtype=np.int64)
    return (i * n) // o, -((-(i + 1) * n) // o)


@dataclass(frozen=True)
class AdaptiveAxis:
    """The bins along one axis of an adaptive layer.

    Attributes
    ----------
    size : int        output length o
    n : int           input length
    starts, ends : tuple of int, length o
        Bin i covers input cells starts[i] .. ends[i] - 1.
    """

    size: int
    n: int
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @property
    def lengths(self) -> tuple[int, ...]:
        """Cells in each bin."""
        return tuple(e - s for s, e in zip(self.starts, self.ends, strict=True))

    @property
    def k(self) -> int:
        """The largest bin (the tap count per axis of a window grid that holds every bin)."""
        return max(self.lengths)

    # A bin reads every cell: no dilation, and no padding on either side.
    d = 1
    p = 0
    p_after = 0

    @property
    def formula(self) -> str:
        """The bin rule with this axis's numbers, e.g.
        ``bin i: ⌊i·7 / 3⌋ … ⌈(i + 1)·7 / 3⌉ − 1 → [0, 2], [2, 4], [4, 6]``."""
        bins = ", ".join(f"[{s}, {e - 1}]" for s, e in zip(self.starts, self.ends, strict=True))
        return f"bin i: ⌊i·{self.n} / {self.size}⌋ … ⌈(i + 1)·{self.n} / {self.size}⌉ − 1 → {bins}"


def adaptive_axes(input_hw: tuple[int, int], spec: AdaptiveSpec
                  ) -> tuple[AdaptiveAxis, AdaptiveAxis]:
    """The bins of `spec` on an (H, W) input, one `AdaptiveAxis` per axis.

    Raises `PoolingError` (``bins_too_large``) when the bins would read more than
    `MAX_BIN_CELLS` cells per plane (an output far larger than the input).
    """
    axes = []
    for n, o in zip(input_hw, spec.out, strict=True):
        starts, ends = bin_starts_ends(int(n), o)
        axes.append(AdaptiveAxis(o, int(n), tuple(starts.tolist()), tuple(ends.tolist())))
    ah, aw = axes
    cells = ah.size * ah.k * aw.size * aw.k
    if cells > MAX_BIN_CELLS:
        raise PoolingError(
            "bins_too_large",
            f"the bins would read {cells} cells per plane (at most {MAX_BIN_CELLS}); "
            f"choose a smaller output_size",
            name="output_size", value=cells, maximum=MAX_BIN_CELLS,
        )
    return ah, aw
