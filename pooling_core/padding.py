"""Padding forms of `PoolSpec`: symmetric (PyTorch), asymmetric, 'same', 'same_lower', 'valid'.

`PoolSpec(padding=...)` accepts

==========================  ==================================================================
form                        padding (before, after) along an axis of length n
==========================  ==================================================================
``p`` or ``(ph, pw)``       (p, p): PyTorch's implicit padding, p <= ((k - 1)·d + 1) // 2
``((top, bottom),           as written; each side 0 <= p <= (k - 1)·d (every window keeps a
(left, right))``            real cell)
``"valid"``                 (0, 0) (TensorFlow, Keras, JAX, ONNX ``VALID``)
``"same"``                  TensorFlow/Keras/JAX ``'SAME'`` = ONNX ``SAME_UPPER``: output
                            ceil(n / s), total padding T = max((out − 1)·s + (k − 1)·d + 1 − n, 0),
                            floor(T / 2) before and the extra cell after (bottom / right)
``"same_lower"``            ONNX ``SAME_LOWER``: the same T, ceil(T / 2) before (the extra cell
                            at the top / left)
==========================  ==================================================================

With 'same' T <= (k − 1)·d always, and the output is ceil(n / s) with ceil_mode on or off
(ceil_mode cannot add a window: the one it would add starts at ceil(n / s)·s − (padding
before) >= n and is dropped by PyTorch's rule). Without dilation every 'same' window holds a
real cell; a dilated window can step over a short input (n = 1, k = 2, d = 2: taps −1 and
1): such a layer is refused (``window_no_real_cell``) as for any padding, where TensorFlow
and JAX would output −inf.

Max pooling pads with −inf whatever the form; average pooling counts padding in its divisor
only with ``count_include_pad=True`` (TensorFlow/Keras divide by the real cells:
``count_include_pad=False``; ONNX ``count_include_pad=1`` divides by the whole window).

Pure functions of ints; `PoolSpec` (spec.py) normalises and checks the form with
`normalise_padding`, and `resolve` turns it into (before, after) pairs for an input.
"""

from __future__ import annotations

from .errors import PoolingError
from .validate import is_int

Pair = tuple[int, int]
PADDING_RULES: tuple[str, ...] = ("same", "same_lower", "valid")
"""The padding forms given by name; `PoolSpec.padding` keeps them as these lowercase strings."""

SYMMETRIC, ASYMMETRIC = "symmetric", "asymmetric"
PADDING_KINDS: tuple[str, ...] = (SYMMETRIC, ASYMMETRIC) + PADDING_RULES
"""What `padding_kind` returns: how a spec's padding was given."""

_FORMS = ("a whole number p, a pair (ph, pw), ((top, bottom), (left, right)), "
          "'same', 'same_lower' or 'valid'")


def _is_pair_of_ints(value: object) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == 2 and all(is_int(v) for v in value)


def normalise_padding(value: object) -> Pair | tuple[Pair, Pair] | str:
    """`value` in its normal form: (ph, pw), ((top, bottom), (left, right)) or a rule name.

    Raises
    ------
    PoolingError
        ``padding_form`` for anything else (a tuple of the wrong shape, an unknown name,
        a float...), naming the value and the accepted forms.
    """
    if is_int(value):
        return (int(value), int(value))  # type: ignore[arg-type]
    if isinstance(value, str) and value.lower() in PADDING_RULES:
        return value.lower()
    if _is_pair_of_ints(value):
        return (int(value[0]), int(value[1]))  # type: ignore[index]
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(_is_pair_of_ints(v) for v in value)):
        (t, b), (left, r) = value  # type: ignore[misc]
        return ((int(t), int(b)), (int(left), int(r)))
    raise PoolingError(
        "padding_form",
        f"padding must be {_FORMS}, got {value!r}",
        name="padding", value=repr(value), allowed=_FORMS,
    )


def padding_kind(padding: Pair | tuple[Pair, Pair] | str) -> str:
    """How a normalised padding was given: one of `PADDING_KINDS`."""
    if isinstance(padding, str):
        return padding
    return ASYMMETRIC if isinstance(padding[0], tuple) else SYMMETRIC


def same_pads(n: int, k: int, s: int, d: int, lower: bool = False) -> Pair:
    """(before, after) padding of 'same' (or 'same_lower' with `lower`) along one axis.

    Parameters
    ----------
    n, k, s, d : int
        Input length, kernel, stride, dilation (all >= 1).
    lower : bool
        Put the odd cell before (ONNX ``SAME_LOWER``) instead of after.

    Returns
    -------
    (before, after) : tuple of int
        Total T = max((ceil(n / s) − 1)·s + (k − 1)·d + 1 − n, 0); before = T // 2
        (``(T + 1) // 2`` with `lower`), after = T − before.
    """
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    before = (total + 1) // 2 if lower else total // 2
    return (before, total - before)


def resolve(padding: Pair | tuple[Pair, Pair] | str, input_hw: tuple[int, int] | None,
            k: Pair, s: Pair, d: Pair) -> tuple[Pair, Pair]:
    """The (before, after) padding per axis, ((top, bottom), (left, right)).

    `input_hw` is needed only for 'same' and 'same_lower' (``padding_needs_input``
    otherwise).
    """
    kind = padding_kind(padding)
    if kind == SYMMETRIC:
        (ph, pw) = padding  # type: ignore[misc]
        return ((ph, ph), (pw, pw))
    if kind == ASYMMETRIC:
        return padding  # type: ignore[return-value]
    if kind == "valid":
        return ((0, 0), (0, 0))
    if input_hw is None:
        raise PoolingError(
            "padding_needs_input",
            f"padding {padding!r} depends on the input size: give input_hw",
            name="padding", value=repr(padding),
        )
    lower = kind == "same_lower"
    return tuple(same_pads(int(n), kk, ss, dd, lower)  # type: ignore[return-value]
                 for n, kk, ss, dd in zip(input_hw, k, s, d, strict=True))


def check_sides(padding: tuple[Pair, Pair], k: Pair, d: Pair, max_param: int) -> None:
    """Asymmetric padding: 0 <= each side <= (k − 1)·d (so every window keeps a real cell
    next to the border) and <= `max_param`; raises `PoolingError`."""
    for axis, (before, after), kk, dd in zip(("height", "width"), padding, k, d, strict=True):
        for side, v in (("before", before), ("after", after)):
            if v < 0:
                raise PoolingError(
                    "padding_negative", f"padding ({axis}, {side}) must be at least 0, got {v}",
                    name="padding", axis=axis, value=v, minimum=0,
                )
            limit = min((kk - 1) * dd, max_param)
            if v > limit:
                raise PoolingError(
                    "padding_side_too_large",
                    f"padding ({axis}, {side}) must be at most (k − 1)·d = ({kk} − 1)·{dd} = "
                    f"{(kk - 1) * dd} (a window of padding alone holds no real cell), got {v}",
                    name="padding", axis=axis, side=side, value=v, maximum=limit, kernel=kk,
                    dilation=dd,
                )
