"""Every cell where a framework's y or dL/dx differs from PyTorch's, with one reason each."""

from __future__ import annotations

from ..adaptive import AdaptiveSpec
from ..spec import PoolSpec
from .layer import Differences, FrameworkResult


def framework_results(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                      fill: float = 1.0) -> dict[str, FrameworkResult]:
    """`framework_result` for every framework of `FRAMEWORKS`, in that order."""
    raise NotImplementedError


def differences(x: object, grad_output: object, spec: PoolSpec | AdaptiveSpec,
                framework: str, fill: float = 1.0) -> Differences:
    """Cells of y and dL/dx where `framework` differs from PyTorch on this input.

    A cell differs when the numbers are not equal (NaN equals NaN; a cell present on one side
    only differs). Its reason is found by changing PyTorch's layer and rules into the
    framework's one step at a time, in the order of `DIFF_REASONS` (the expression's layer,
    then output size, 'same' placement, divisor, tie rule, NaN rule, lowest start): the
    first step after which the cell no longer equals PyTorch's names it.
    """
    raise NotImplementedError
