"""y and dL/dx of a `FrameworkLayer` under its framework's rules (`rules.RULES`), in NumPy.

Vectorised: windows are gathered as one (OH', OW', K) array (K taps), the loops run over
taps only."""

from __future__ import annotations

import numpy as np

from ..adaptive import AdaptiveSpec
from ..spec import PoolSpec
from .layer import FrameworkLayer, FrameworkResult


def framework_compute(layer: FrameworkLayer, x: object, grad_output: object | None = None
                      ) -> tuple[np.ndarray, np.ndarray | None, tuple]:
    """Run `layer` under its framework's rules.

    Parameters
    ----------
    layer : FrameworkLayer
    x : array_like (H, W)
    grad_output : array_like (OH', OW') or None (ones)   dL/dy in the layer's output shape

    Returns
    -------
    (y (OH', OW') float64, dL/dx (H, W) float64 or None, notes: tuple of Issue)
    """
    raise NotImplementedError


def framework_result(framework: str, x: object, grad_output: object,
                     spec: PoolSpec | AdaptiveSpec, fill: float = 1.0) -> FrameworkResult:
    """`framework`'s y and dL/dx for the app's layer `spec` on `x` (H, W).

    `grad_output` is the app's dL/dy (OH, OW) (its output shape under `spec`); cells the
    framework's output has beyond it get `fill`, cells it lacks are dropped.
    """
    raise NotImplementedError
