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

The layers live in `pooling_core.dense` and `pooling_core.conv`, forward and backward of each
side by side; this module carries dL/dP back through the pooling layer. Pure NumPy; invalid
input raises `PoolingError` (a ValueError) whose message names the parameter. Every array must hold
finite real numbers (NaN or infinity in P, for example from pooling a window of -inf, is
refused: a next layer would only spread it).
"""

from __future__ import annotations

import numpy as np

from .adaptive import AdaptiveSpec
from .pooling import pool_backward
from .spec import PoolSpec


def chain_to_input(x: object, spec: PoolSpec | AdaptiveSpec, grad_P: object) -> np.ndarray:
    """dL/dx: carry dL/dP from the next layer back through the pooling layer.

    Parameters
    ----------
    x : array_like, shape (H, W)
        The pooling layer's input.
    spec : PoolSpec or AdaptiveSpec
    grad_P : array_like, shape (OH, OW)
        dL/dP, e.g. `dense_backward(...).grad_P` or `conv_backward(...).grad_P`.

    Returns
    -------
    ndarray, shape (H, W)
        `pool_backward(x, grad_P, spec)`.
    """
    return pool_backward(x, grad_P, spec)
