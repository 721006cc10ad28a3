"""`PoolSpec`: every parameter of a 2-D pooling layer, validated and normalised to (h, w) pairs.

Names follow PyTorch (`kernel_size`, `stride`, `padding`, `dilation`, `ceil_mode`,
`count_include_pad`, `divisor_override`). `stride=None` means "equal to the kernel size".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .errors import PoolingError
from .padding import SYMMETRIC, check_sides, normalise_padding, padding_kind, resolve
from .ties import TIE_POLICIES as TIE_POLICIES  # re-exported: the list lives in .ties
from .ties import tie_policy
from .validate import is_int

Pair = tuple[int, int]
IntOrPair = int | tuple[int, int] | list[int]
Padding = IntOrPair | str | tuple[tuple[int, int], tuple[int, int]]

MODES: tuple[str, ...] = ("max", "avg")
MAX_PARAM = 1 << 16  # kernel, stride, dilation and padding per axis: keeps all index math in int64
MAX_TAPS = 1 << 16  # cells in one window (a 256 x 256 kernel)


def as_pair(name: str, value: object) -> Pair:
    """Return `value` as an (h, w) pair of Python ints.

    Accepts an int or a sequence of two ints; anything else raises `PoolingError`.
    """
    if is_int(value):
        return (int(value), int(value))  # type: ignore[arg-type]
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value):
        return (int(value[0]), int(value[1]))
    raise PoolingError(
        "not_int_pair",
        f"{name} must be a whole number or a pair (h, w) of whole numbers, got {value!r}",
        name=name,
        value=repr(value),
    )


@dataclass(frozen=True)
class PoolSpec:
    """A 2-D pooling configuration.

    Parameters
    ----------
    kernel_size : int or (kh, kw)
        Window size, >= 1.
    stride : int or (sh, sw) or None
        Step between windows, >= 1. ``None`` (default) means `kernel_size`, as in PyTorch.
    padding : int, (ph, pw), ((top, bottom), (left, right)), "same", "same_lower" or "valid"
        An int or a pair: implicit padding on both sides, 0 <= p <= ((k - 1) * d + 1) // 2
        (PyTorch's rule). ((top, bottom), (left, right)): explicit per side, each
        0 <= p <= (k - 1) * d. "same" (TensorFlow/Keras/JAX, ONNX SAME_UPPER), "same_lower"
        (ONNX SAME_LOWER), "valid" (none): see `pooling_core.padding`; 'same' depends on the
        input size (`pads`). Max pooling pads with -inf (padding never wins); average pooling
        pads with zeros and counts them only with count_include_pad.
    dilation : int or (dh, dw)
        Spacing between window taps, >= 1. Average pooling accepts only 1 (as PyTorch).
    ceil_mode : bool
        Use ceil instead of floor in the output-size formula.
    mode : "max" or "avg"
    ties : "first", "last", "split" or "all"
        How max pooling's gradient treats a window whose maximum occurs several times.
        "first" is PyTorch/TensorFlow/JAX/Caffe. Ignored in average mode.
    count_include_pad : bool
        Average mode: count padded cells in the divisor (PyTorch default True).
    divisor_override : int or None
        Average mode: divide by this instead (>= 1).

    All pair-valued fields are normalised to tuples of two ints on construction (padding:
    (ph, pw), ((top, bottom), (left, right)) or the lowercase rule name); an invalid value
    raises `PoolingError` (a `ValueError`) that names the parameter.
    """

    kernel_size: IntOrPair = 2
    stride: IntOrPair | None = None
    padding: Padding = 0
    dilation: IntOrPair = 1
    ceil_mode: bool = False
    mode: Literal["max", "avg"] = "max"
    ties: Literal["first", "last", "split", "all"] = "first"
    count_include_pad: bool = True
    divisor_override: int | None = None

    def __post_init__(self) -> None:
        kernel = as_pair("kernel_size", self.kernel_size)
        stride = kernel if self.stride is None else as_pair("stride", self.stride)
        padding = normalise_padding(self.padding)
        dilation = as_pair("dilation", self.dilation)
        for name, pair in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
            for axis, v in zip(("height", "width"), pair, strict=True):
                if v < 1:
                    raise PoolingError(
                        f"{name}_too_small",
                        f"{name} ({axis}) must be at least 1, got {v}",
                        name=name, axis=axis, value=v, minimum=1,
                    )
        sym = padding_kind(padding) == SYMMETRIC
        for name, pair in (("kernel_size", kernel), ("stride", stride), ("dilation", dilation),
                           ("padding", padding if sym else (0, 0))):
            for axis, v in zip(("height", "width"), pair, strict=True):
                if v > MAX_PARAM:
                    raise PoolingError(
                        "param_too_large",
                        f"{name} ({axis}) must be at most {MAX_PARAM}, got {v}",
                        name=name, axis=axis, value=v, maximum=MAX_PARAM,
                    )
        if kernel[0] * kernel[1] > MAX_TAPS:
            raise PoolingError(
                "kernel_too_many_taps",
                f"kernel_size {kernel} has {kernel[0] * kernel[1]} cells; at most {MAX_TAPS}",
                name="kernel_size", value=str(kernel), maximum=MAX_TAPS,
            )
        if not isinstance(self.mode, str) or self.mode not in MODES:
            raise PoolingError(
                "unknown_mode",
                f"mode must be one of {', '.join(MODES)}, got {self.mode!r}",
                name="mode", value=repr(self.mode), allowed=", ".join(MODES),
            )
        tie_policy(self.ties)  # raises PoolingError("unknown_ties") for an unknown name
        for name in ("ceil_mode", "count_include_pad"):
            flag = getattr(self, name)
            if not (isinstance(flag, (bool, np.bool_)) or (is_int(flag) and flag in (0, 1))):
                raise PoolingError(
                    "not_bool", f"{name} must be True or False, got {getattr(self, name)!r}",
                    name=name, value=repr(getattr(self, name)),
                )
        if self.mode == "avg" and dilation != (1, 1):
            raise PoolingError(
                "avg_dilation",
                f"dilation must be 1 in average mode (PyTorch's avg_pool2d has no dilation), "
                f"got {dilation}",
                name="dilation", value=str(dilation),
            )
        if not sym and not isinstance(padding, str):
            check_sides(padding, kernel, dilation, MAX_PARAM)  # type: ignore[arg-type]
        for axis, k, p, d in zip(("height", "width"), kernel, padding if sym else (0, 0),
                                 dilation, strict=True):
            if p < 0:
                raise PoolingError(
                    "padding_negative", f"padding ({axis}) must be at least 0, got {p}",
                    name="padding", axis=axis, value=p, minimum=0,
                )
            limit = ((k - 1) * d + 1) // 2
            if p > limit:
                raise PoolingError(
                    "padding_too_large",
                    f"padding ({axis}) must be at most half the effective kernel "
                    f"((k - 1) * d + 1) // 2 = (({k} - 1) * {d} + 1) // 2 = {limit}, got {p}",
                    name="padding", axis=axis, value=p, maximum=limit, kernel=k, dilation=d,
                )
        if self.divisor_override is not None and (
            not is_int(self.divisor_override) or self.divisor_override < 1
        ):
            raise PoolingError(
                "divisor_invalid",
                f"divisor_override must be a whole number of at least 1 or None, "
                f"got {self.divisor_override!r}",
                name="divisor_override", value=repr(self.divisor_override), minimum=1,
            )
        object.__setattr__(self, "kernel_size", kernel)
        object.__setattr__(self, "stride", stride)
        object.__setattr__(self, "padding", padding)
        object.__setattr__(self, "dilation", dilation)
        object.__setattr__(self, "ceil_mode", bool(self.ceil_mode))
        object.__setattr__(self, "count_include_pad", bool(self.count_include_pad))

    # Typed accessors (fields are always pairs after __post_init__).
    @property
    def k(self) -> Pair:
        """Kernel size as (kh, kw)."""
        return self.kernel_size  # type: ignore[return-value]

    @property
    def s(self) -> Pair:
        """Stride as (sh, sw)."""
        return self.stride  # type: ignore[return-value]

    @property
    def padding_kind(self) -> str:
        """How the padding was given: "symmetric", "asymmetric", "same", "same_lower" or
        "valid" (`pooling_core.padding.PADDING_KINDS`)."""
        return padding_kind(self.padding)  # type: ignore[arg-type]

    @property
    def p(self) -> Pair:
        """Padding as (ph, pw), the same on both sides ("valid": (0, 0)).

        Raises `PoolingError` (``padding_not_symmetric``) for asymmetric, 'same' and
        'same_lower' padding, which have no single number per axis: use `pads`.
        """
        pads = self.pads(None) if not self.padding_kind.startswith("same") else None
        if pads is None or pads[0][0] != pads[0][1] or pads[1][0] != pads[1][1]:
            raise PoolingError(
                "padding_not_symmetric",
                f"padding {self.padding!r} is not the same on both sides; use pads(input_hw)",
                name="padding", value=repr(self.padding),
            )
        return (pads[0][0], pads[1][0])

    def pads(self, input_hw: tuple[int, int] | None = None) -> tuple[Pair, Pair]:
        """Padding per side, ((top, bottom), (left, right)), for an (H, W) input.

        `input_hw` is needed only for 'same' and 'same_lower' (``padding_needs_input``
        otherwise).
        """
        return resolve(self.padding, input_hw, self.k, self.s, self.d)  # type: ignore[arg-type]

    @property
    def d(self) -> Pair:
        """Dilation as (dh, dw)."""
        return self.dilation  # type: ignore[return-value]

    @property
    def effective_kernel(self) -> Pair:
        """Span of one window in input cells: (k - 1) * d + 1 per axis."""
        return tuple((k - 1) * d + 1 for k, d in zip(self.k, self.d, strict=True))  # type: ignore[return-value]
