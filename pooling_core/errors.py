"""The one error type pooling_core raises for bad input.

`PoolingError` is a `ValueError` whose message is plain English and names the parameter,
its value and the allowed range. It also carries a machine-readable `code` and `params`,
so a user interface can show the same message in another language.
"""

from __future__ import annotations

from typing import Any


class PoolingError(ValueError):
    """Invalid input to pooling_core.

    Attributes
    ----------
    code : str
        Stable identifier of the problem, e.g. ``"kernel_too_small"``.
    params : dict
        The values the message names (parameter name, value, allowed range...).
    """

    def __init__(self, code: str, message: str, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params
