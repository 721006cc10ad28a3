"""A dense (fully connected) layer after the pooling layer, forward and backward side by side.

On the pooled map P (OH, OW) flattened row-major to p (n = OH * OW,)::

    z = W p + b,  a = f(z)                       W (m, n), b (m,), z and a (m,)
    dL/dp_j = sum_i delta_i * f'(z_i) * W_ij     delta = dL/da (m,)

Every pooled neuron j meets its own column W[:, j], so the pooled neurons get different
gradients even when delta is all ones. Every array must hold finite real numbers
(`validate.finite_array`); invalid input raises `PoolingError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import PoolingError
from .ieee import quiet_overflow
from .validate import check_shape, finite_array

ACTIVATIONS: tuple[str, ...] = ("identity", "relu", "sigmoid", "tanh")


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
    P_arr = finite_array("P", P, 2, "(OH, OW)")
    W_arr = finite_array("W", W, 2, "(m, n)")
    n = P_arr.size
    check_shape("W", W_arr, (W_arr.shape[0], n),
                 f"one column per pooled cell: n = OH * OW = {n}")
    m = W_arr.shape[0]
    b_arr = finite_array("b", b, 1, "(m,)")
    check_shape("b", b_arr, (m,), f"one bias per row of W: m = {m}")
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
    d = finite_array("delta", delta, 1, "(m,)")
    check_shape("delta", d, (m,), f"dL/da has one entry per neuron: m = {m}")
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
