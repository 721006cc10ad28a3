"""Floating-point overflow as PyTorch treats it: silently.

Sums past the float range become ±inf and inf − inf becomes NaN, exactly as IEEE 754 (and
PyTorch) give them; NumPy would also emit a RuntimeWarning, which an app running with warnings
as errors would turn into a crash. Callers that care check `np.isfinite` on the results.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import numpy as np

P = ParamSpec("P")
R = TypeVar("R")


def quiet_overflow(fn: Callable[P, R]) -> Callable[P, R]:
    """Run `fn` with NumPy's overflow and invalid-operation warnings off (thread-safe:
    `np.errstate` is a context variable)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kwargs)

    return wrapper
