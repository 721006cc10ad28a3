"""A convolution after the pooling layer, forward and backward side by side.

Cross-correlation, as PyTorch's conv2d: single channel, stride 1, zero padding `padding`,
kernel K (kh, kw)::

    Y[u, v] = sum_{a, b} pad(P)[u + a, v + b] * K[a, b]
    dL/dP[r, c] = sum_{(u, v) touching (r, c)} delta[u, v] * K[r - u + ph, c - v + pw]

which is the full correlation of delta = dL/dY with the flipped kernel, cropped by the
padding. Every array must hold finite real numbers (`validate.finite_array`); invalid input
raises `PoolingError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import PoolingError
from .ieee import quiet_overflow
from .validate import check_shape, finite_array, is_int

Pair = tuple[int, int]


# --------------------------------------------------------------------------- conv parameters
def _padding_pair(padding: object, kernel_shape: Pair) -> Pair:
    """`padding` (int or (ph, pw)) as a pair, each in 0..k - 1 for its kernel axis."""
    if is_int(padding):
        pair = (int(padding), int(padding))  # type: ignore[arg-type]
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(is_int(v) for v in padding)):
        pair = (int(padding[0]), int(padding[1]))
    else:
        raise PoolingError(
            "not_int_pair",
            f"padding must be a whole number or a pair (ph, pw) of whole numbers, "
            f"got {padding!r}",
            name="padding", value=repr(padding),
        )
    for axis, p, k in zip(("height", "width"), pair, kernel_shape, strict=True):
        if not 0 <= p <= k - 1:
            raise PoolingError(
                "conv_padding_range",
                f"padding ({axis}) must be between 0 and k - 1 = {k - 1} for a kernel of "
                f"size {k}, got {p}",
                name="padding", axis=axis, value=p, minimum=0, maximum=k - 1, kernel=k,
            )
    return pair


def _conv_out_shape(p_shape: Pair, k_shape: Pair, pad: Pair) -> Pair:
    out = tuple(n + 2 * p - k + 1 for n, k, p in zip(p_shape, k_shape, pad, strict=True))
    for axis, o, n, k, p in zip(("height", "width"), out, p_shape, k_shape, pad, strict=True):
        if o < 1:
            raise PoolingError(
                "conv_output_empty",
                f"the kernel ({axis} {k}) does not fit in P padded by {p} "
                f"({n} + 2 * {p} = {n + 2 * p} cells): the convolution would have no output",
                name="K", axis=axis, kernel=k, n=n, padding=p, padded=n + 2 * p,
            )
    return out  # type: ignore[return-value]


# --------------------------------------------------------------------------- convolution
@dataclass(frozen=True)
class ConvTouch:
    """One next-layer neuron Y[u, v] whose window covers a pooled cell P[r, c].

    `(kr, kc) = (r - u + ph, c - v + pw)` is the kernel weight K[kr, kc] that links them.
    """

    u: int
    v: int
    kr: int
    kc: int


@dataclass(frozen=True)
class ConvTerm:
    """One summand delta[u, v] * K[kr, kc] of dL/dP[r, c]."""

    u: int
    v: int
    kr: int
    kc: int
    delta: float
    weight: float
    product: float


@dataclass(frozen=True)
class ConvBackward:
    """Forward and backward of a stride-1, single-channel convolution that reads P.

    Attributes
    ----------
    Y : ndarray, shape (YH, YW) = (OH + 2 ph - kh + 1, OW + 2 pw - kw + 1)
        corr(pad(P), K).
    delta : ndarray, shape (YH, YW)
        dL/dY, as given.
    K : ndarray, shape (kh, kw)
    K_flipped : ndarray, shape (kh, kw)
        K[::-1, ::-1].
    delta_full : ndarray, shape (YH + 2 (kh - 1), YW + 2 (kw - 1))
        delta zero-padded by (kh - 1, kw - 1): the full correlation slides K_flipped over it.
    grad_P_padded : ndarray, shape (OH + 2 ph, OW + 2 pw)
        corr(delta_full, K_flipped): the gradient of pad(P), padding cells included.
    grad_P : ndarray, shape (OH, OW)
        grad_P_padded cropped by the padding.
    grad_K : ndarray, shape (kh, kw)
        dL/dK = corr(pad(P), delta).
    padding : (ph, pw)
    """

    Y: np.ndarray
    delta: np.ndarray
    K: np.ndarray
    K_flipped: np.ndarray
    delta_full: np.ndarray
    grad_P_padded: np.ndarray  # noqa: N815 (the textbook names)
    grad_P: np.ndarray  # noqa: N815 (the textbook names)
    grad_K: np.ndarray  # noqa: N815 (the textbook names)
    padding: Pair

    def cell_terms(self, r: int, c: int) -> tuple[ConvTerm, ...]:
        """The summands of dL/dP[r, c], one per touching neuron (row-major in (u, v)).

        Their sum is `grad_P[r, c]` (up to rounding: the sum here runs in another order).
        """
        touches = conv_touching(self.grad_P.shape, self.K.shape, self.padding, r, c)
        return tuple(
            ConvTerm(t.u, t.v, t.kr, t.kc, float(self.delta[t.u, t.v]),
                     float(self.K[t.kr, t.kc]),
                     float(self.delta[t.u, t.v] * self.K[t.kr, t.kc]))
            for t in touches
        )

    def window_in_full(self, r: int, c: int) -> tuple[int, int, int, int]:
        """(r0, c0, r1, c1), inclusive: where K_flipped sits on delta_full to give dL/dP[r, c]."""
        (ph, pw), (kh, kw) = self.padding, self.K.shape
        return (r + ph, c + pw, r + ph + kh - 1, c + pw + kw - 1)


def _conv_inputs(P: object, K: object, padding: object) -> tuple[np.ndarray, np.ndarray, Pair]:
    P_arr = finite_array("P", P, 2, "(OH, OW)")
    K_arr = finite_array("K", K, 2, "(kh, kw)")
    pad = _padding_pair(padding, K_arr.shape)  # type: ignore[arg-type]
    _conv_out_shape(P_arr.shape, K_arr.shape, pad)  # type: ignore[arg-type]
    return P_arr, K_arr, pad


def _correlate(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Valid cross-correlation of 2-D x with 2-D k (every window at once)."""
    return np.einsum("uvab,ab->uv", sliding_window_view(x, k.shape), k)


@quiet_overflow
def conv_forward(P: object, K: object, padding: int | Pair = 0) -> np.ndarray:
    """Y = corr(pad(P), K), as torch.nn.functional.conv2d (stride 1, one channel).

    Parameters
    ----------
    P : array_like, shape (OH, OW)
    K : array_like, shape (kh, kw)
    padding : int or (ph, pw)
        Zeros added on every side, 0 <= p <= k - 1 per axis.

    Returns
    -------
    ndarray, shape (OH + 2 ph - kh + 1, OW + 2 pw - kw + 1)
    """
    P_arr, K_arr, (ph, pw) = _conv_inputs(P, K, padding)
    return _correlate(np.pad(P_arr, ((ph, ph), (pw, pw))), K_arr)


@quiet_overflow
def conv_backward(P: object, K: object, padding: int | Pair, delta: object) -> ConvBackward:
    """dL/dP for a convolution Y = corr(pad(P), K) that follows the pooling layer.

    Parameters
    ----------
    P : array_like, shape (OH, OW)
    K : array_like, shape (kh, kw)
    padding : int or (ph, pw), 0 <= p <= k - 1 per axis
    delta : array_like, shape (OH + 2 ph - kh + 1, OW + 2 pw - kw + 1)
        dL/dY.

    Returns
    -------
    ConvBackward
        `.grad_P` (OH, OW) = full correlation of delta with the flipped kernel, cropped;
        `.cell_terms(r, c)` lists its summands for one pooled cell.
    """
    P_arr, K_arr, (ph, pw) = _conv_inputs(P, K, padding)
    kh, kw = K_arr.shape
    Pp = np.pad(P_arr, ((ph, ph), (pw, pw)))
    Y = _correlate(Pp, K_arr)
    d = finite_array("delta", delta, 2, "(YH, YW)")
    check_shape("delta", d, Y.shape, "dL/dY has the shape of the convolution's output Y")
    flipped = K_arr[::-1, ::-1].copy()
    full = np.pad(d, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    grad_padded = _correlate(full, flipped)
    OH, OW = P_arr.shape
    return ConvBackward(
        Y=Y, delta=d, K=K_arr, K_flipped=flipped, delta_full=full,
        grad_P_padded=grad_padded, grad_P=grad_padded[ph : ph + OH, pw : pw + OW].copy(),
        grad_K=_correlate(Pp, d), padding=(ph, pw),
    )


def conv_touching(
    P_shape: tuple[int, int], K_shape: tuple[int, int], padding: int | Pair, r: int, c: int
) -> tuple[ConvTouch, ...]:
    """The next-layer neurons Y[u, v] whose windows cover P[r, c], row-major in (u, v).

    Parameters
    ----------
    P_shape : (OH, OW)
    K_shape : (kh, kw)
    padding : int or (ph, pw), 0 <= p <= k - 1 per axis
    r, c : int
        The pooled cell, 0 <= r < OH, 0 <= c < OW.

    Returns
    -------
    tuple of ConvTouch
        For each neuron, (u, v) and the weight K[r - u + ph, c - v + pw] linking it to P[r, c].
        Y[u, v] reads pad(P) rows u..u + kh - 1, that is P rows u - ph..u - ph + kh - 1.
    """
    shapes = []
    for name, shape in (("P_shape", P_shape), ("K_shape", K_shape)):
        if (not isinstance(shape, (tuple, list)) or len(shape) != 2
                or not all(is_int(v) and v >= 1 for v in shape)):
            raise PoolingError(
                "upstream_shape", f"{name} must be a pair of whole numbers >= 1, got {shape!r}",
                name=name, expected="(h, w)", value=repr(shape), why="",
            )
        shapes.append((int(shape[0]), int(shape[1])))
    (OH, OW), (kh, kw) = shapes
    ph, pw = _padding_pair(padding, (kh, kw))
    YH, YW = _conv_out_shape((OH, OW), (kh, kw), (ph, pw))
    for name, v, n in (("r", r, OH), ("c", c, OW)):
        if not is_int(v) or not 0 <= v < n:
            raise PoolingError(
                "cell_out_of_range",
                f"{name} must be a whole number between 0 and {n - 1}, got {v!r}",
                name=name, value=repr(v), maximum=n - 1,
            )
    us = range(max(0, r + ph - kh + 1), min(YH - 1, r + ph) + 1)
    vs = range(max(0, c + pw - kw + 1), min(YW - 1, c + pw) + 1)
    return tuple(ConvTouch(u, v, r - u + ph, c - v + pw) for u in us for v in vs)
