"""Where the upstream gradient dL/dP of a pooling layer comes from: the layer that follows it.

The pooled map P (OH, OW) is the input of a next layer; its backward pass hands dL/dP to the
pooling layer, which then scatters it back to dL/dx (`chain_to_input`). Two next layers:

Dense (fully connected), on P flattened row-major to p (n = OH * OW,)::

    z = W p + b,  a = f(z)                       W (m, n), b (m,), z and a (m,)
    dL/dp_j = sum_i delta_i * f'(z_i) * W_ij     delta = dL/da (m,)

Every pooled neuron j meets its own column W[:, j], so the pooled neurons get different
gradients even when delta is all ones.

Convolution (cross-correlation, as PyTorch's conv2d: single channel, stride 1, zero padding
`padding`), with kernel K (kh, kw)::

    Y[u, v] = sum_{a, b} pad(P)[u + a, v + b] * K[a, b]
    dL/dP[r, c] = sum_{(u, v) touching (r, c)} delta[u, v] * K[r - u + ph, c - v + pw]

which is the full correlation of delta = dL/dY with the flipped kernel, cropped by the padding.

Forward and backward of each layer sit side by side. Pure NumPy; invalid input raises
`PoolingError` (a ValueError) whose message names the parameter. Every array must hold
finite real numbers (NaN or infinity in P, for example from pooling a window of -inf, is
refused: a next layer would only spread it).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .errors import PoolingError
from .ieee import quiet_overflow
from .pooling import pool_backward
from .spec import PoolSpec

ACTIVATIONS: tuple[str, ...] = ("identity", "relu", "sigmoid", "tanh")

Pair = tuple[int, int]


# --------------------------------------------------------------------------- validation
def _as_float(name: str, value: object, ndim: int, what: str) -> np.ndarray:
    """`value` as a float64 array with `ndim` axes of finite numbers, not empty.

    `what` describes the expected shape in messages, e.g. "(m, n)".
    """
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError):  # ragged nested lists
        raise PoolingError(
            "upstream_non_numeric", f"{name} must be a rectangular array of numbers",
            name=name,
        ) from None
    if arr.dtype.kind == "O":
        bad = next((v for v in arr.ravel().tolist() if not isinstance(v, numbers.Real)), None)
        if bad is not None:
            raise PoolingError(
                "upstream_non_numeric", f"{name} must hold only real numbers, found {bad!r}",
                name=name, value=repr(bad),
            )
    elif arr.dtype.kind not in "fiub":
        raise PoolingError(
            "upstream_non_numeric", f"{name} must hold real numbers, got data of type {arr.dtype}",
            name=name, value=str(arr.dtype),
        )
    arr = arr.astype(np.float64)
    if arr.ndim != ndim:
        raise PoolingError(
            "upstream_ndim",
            f"{name} must have {ndim} {'axis' if ndim == 1 else 'axes'} {what}, "
            f"got shape {arr.shape}",
            name=name, expected=what, value=str(arr.shape), ndim=ndim,
        )
    if arr.size == 0:
        raise PoolingError(
            "upstream_empty", f"{name} must not be empty, got shape {arr.shape}",
            name=name, value=str(arr.shape),
        )
    if not np.isfinite(arr).all():
        idx = tuple(int(v) for v in np.argwhere(~np.isfinite(arr))[0])
        raise PoolingError(
            "upstream_non_finite",
            f"{name} must hold finite numbers, found {arr[idx]} at {idx}",
            name=name, value=str(arr[idx]), cell=str(idx),
        )
    return arr


def _check_shape(name: str, arr: np.ndarray, expected: tuple[int, ...], why: str) -> None:
    if arr.shape != expected:
        raise PoolingError(
            "upstream_shape",
            f"{name} must have shape {expected} ({why}), got {arr.shape}",
            name=name, expected=str(expected), value=str(arr.shape), why=why,
        )


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _padding_pair(padding: object, kernel_shape: Pair) -> Pair:
    """`padding` (int or (ph, pw)) as a pair, each in 0..k - 1 for its kernel axis."""
    if _is_int(padding):
        pair = (int(padding), int(padding))  # type: ignore[arg-type]
    elif (isinstance(padding, (tuple, list)) and len(padding) == 2
          and all(_is_int(v) for v in padding)):
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


# --------------------------------------------------------------------------- activations
def _sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)) without overflow for large |z|."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def activate(z: object, activation: str) -> tuple[np.ndarray, np.ndarray]:
    """An activation and its derivative, elementwise.

    Parameters
    ----------
    z : array_like of float
    activation : "identity", "relu", "sigmoid" or "tanh"

    Returns
    -------
    a : ndarray, shape of z
        f(z).
    fprime : ndarray, shape of z
        f'(z). ReLU'(0) = 0, as PyTorch's backward of relu uses (z > 0).
    """
    if activation not in ACTIVATIONS:
        raise PoolingError(
            "unknown_activation",
            f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}",
            name="activation", value=repr(activation), allowed=", ".join(ACTIVATIONS),
        )
    z = np.asarray(z, dtype=np.float64)
    if activation == "identity":
        return z.copy(), np.ones_like(z)
    if activation == "relu":
        return np.maximum(z, 0.0), (z > 0).astype(np.float64)
    if activation == "sigmoid":
        s = _sigmoid(z)
        return s, s * (1.0 - s)
    a = np.tanh(z)
    return a, 1.0 - a * a


# --------------------------------------------------------------------------- dense layer
@dataclass(frozen=True)
class DenseBackward:
    """Forward and backward of a dense layer that reads the pooled map.

    Attributes
    ----------
    p : ndarray, shape (n,)
        P flattened row-major (p_j = P[j // OW, j % OW]).
    z : ndarray, shape (m,)
        W p + b.
    a : ndarray, shape (m,)
        f(z).
    fprime : ndarray, shape (m,)
        f'(z) (ReLU'(0) = 0).
    delta : ndarray, shape (m,)
        dL/da, as given.
    grad_z : ndarray, shape (m,)
        dL/dz = delta * f'(z).
    terms : ndarray, shape (m, n)
        terms[i, j] = delta_i * f'(z_i) * W_ij: what neuron i sends to pooled cell j.
    grad_P : ndarray, shape (OH, OW)
        dL/dP = terms.sum(axis=0), reshaped like P.
    grad_W : ndarray, shape (m, n)
        dL/dW = outer(grad_z, p).
    grad_b : ndarray, shape (m,)
        dL/db = grad_z.
    activation : str
    """

    p: np.ndarray
    z: np.ndarray
    a: np.ndarray
    fprime: np.ndarray
    delta: np.ndarray
    grad_z: np.ndarray
    terms: np.ndarray
    grad_P: np.ndarray  # noqa: N815 (the textbook names)
    grad_W: np.ndarray  # noqa: N815 (the textbook names)
    grad_b: np.ndarray
    activation: str


def _dense_inputs(
    P: object, W: object, b: object, activation: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if activation not in ACTIVATIONS:
        activate(np.zeros(0), activation)  # raises the activation error
    P_arr = _as_float("P", P, 2, "(OH, OW)")
    W_arr = _as_float("W", W, 2, "(m, n)")
    n = P_arr.size
    _check_shape("W", W_arr, (W_arr.shape[0], n),
                 f"one column per pooled cell: n = OH * OW = {n}")
    m = W_arr.shape[0]
    b_arr = _as_float("b", b, 1, "(m,)")
    _check_shape("b", b_arr, (m,), f"one bias per row of W: m = {m}")
    return P_arr, W_arr, b_arr


@quiet_overflow
def dense_forward(P: object, W: object, b: object, activation: str) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """z = W p + b and a = f(z), with p = P flattened row-major.

    Parameters
    ----------
    P : array_like, shape (OH, OW)
    W : array_like, shape (m, n), n = OH * OW
    b : array_like, shape (m,)
    activation : "identity", "relu", "sigmoid" or "tanh"

    Returns
    -------
    z, a : ndarray, shape (m,)
    """
    P_arr, W_arr, b_arr = _dense_inputs(P, W, b, activation)
    z = W_arr @ P_arr.reshape(-1) + b_arr
    a, _ = activate(z, activation)
    return z, a


@quiet_overflow
def dense_backward(
    P: object, W: object, b: object, activation: str, delta: object
) -> DenseBackward:
    """dL/dP for a dense layer a = f(W p + b) that follows the pooling layer.

    Parameters
    ----------
    P : array_like, shape (OH, OW)
        The pooled map; flattened row-major to p of shape (n,), n = OH * OW.
    W : array_like, shape (m, n)
    b : array_like, shape (m,)
    activation : "identity", "relu", "sigmoid" or "tanh"
    delta : array_like, shape (m,)
        dL/da, the gradient arriving from above the dense layer.

    Returns
    -------
    DenseBackward
        `.grad_P[r, c] = sum_i delta_i * f'(z_i) * W[i, r * OW + c]`; `.terms` holds the
        summands (m, n).
    """
    P_arr, W_arr, b_arr = _dense_inputs(P, W, b, activation)
    m = W_arr.shape[0]
    d = _as_float("delta", delta, 1, "(m,)")
    _check_shape("delta", d, (m,), f"dL/da has one entry per neuron: m = {m}")
    p = P_arr.reshape(-1)
    z = W_arr @ p + b_arr
    a, fprime = activate(z, activation)
    grad_z = d * fprime
    terms = grad_z[:, None] * W_arr
    return DenseBackward(
        p=p, z=z, a=a, fprime=fprime, delta=d, grad_z=grad_z, terms=terms,
        grad_P=terms.sum(axis=0).reshape(P_arr.shape), grad_W=np.outer(grad_z, p),
        grad_b=grad_z.copy(), activation=activation,
    )


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
    P_arr = _as_float("P", P, 2, "(OH, OW)")
    K_arr = _as_float("K", K, 2, "(kh, kw)")
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
    d = _as_float("delta", delta, 2, "(YH, YW)")
    _check_shape("delta", d, Y.shape, "dL/dY has the shape of the convolution's output Y")
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
                or not all(_is_int(v) and v >= 1 for v in shape)):
            raise PoolingError(
                "upstream_shape", f"{name} must be a pair of whole numbers >= 1, got {shape!r}",
                name=name, expected="(h, w)", value=repr(shape), why="",
            )
        shapes.append((int(shape[0]), int(shape[1])))
    (OH, OW), (kh, kw) = shapes
    ph, pw = _padding_pair(padding, (kh, kw))
    YH, YW = _conv_out_shape((OH, OW), (kh, kw), (ph, pw))
    for name, v, n in (("r", r, OH), ("c", c, OW)):
        if not _is_int(v) or not 0 <= v < n:
            raise PoolingError(
                "cell_out_of_range",
                f"{name} must be a whole number between 0 and {n - 1}, got {v!r}",
                name=name, value=repr(v), maximum=n - 1,
            )
    us = range(max(0, r + ph - kh + 1), min(YH - 1, r + ph) + 1)
    vs = range(max(0, c + pw - kw + 1), min(YW - 1, c + pw) + 1)
    return tuple(ConvTouch(u, v, r - u + ph, c - v + pw) for u in us for v in vs)


# --------------------------------------------------------------------------- back to x
def chain_to_input(x: object, spec: PoolSpec, grad_P: object) -> np.ndarray:
    """dL/dx: carry dL/dP from the next layer back through the pooling layer.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The pooling layer's input.
    spec : PoolSpec
    grad_P : array_like, shape (OH, OW)
        dL/dP, e.g. `dense_backward(...).grad_P` or `conv_backward(...).grad_P`.

    Returns
    -------
    ndarray, shape (H, W)
        `pool_backward(x, grad_P, spec)`.
    """
    return pool_backward(x, grad_P, spec)
