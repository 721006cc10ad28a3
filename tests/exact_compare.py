"""Bit-for-bit comparison of float arrays, for the pooling tests.

`assert_exact(actual, expected)` passes when both arrays have the same shape and dtype, NaN
in the same places, and identical bits everywhere else (so 0.0 and -0.0 differ). NaN payloads
are not compared: NumPy and PyTorch may produce NaNs with different sign bits.
"""

from __future__ import annotations

import numpy as np


def assert_exact(actual: object, expected: object, what: str = "") -> None:
    """Assert equal shape, dtype, NaN positions and bit patterns of the non-NaN values."""
    a = np.asarray(actual)
    e = np.asarray(expected)
    label = f"{what}: " if what else ""
    assert a.shape == e.shape, f"{label}shape {a.shape} != {e.shape}"
    assert a.dtype == e.dtype, f"{label}dtype {a.dtype} != {e.dtype}"
    np.testing.assert_array_equal(a, e, err_msg=label)  # NaN == NaN here
    if a.dtype.kind == "f":
        nan = np.isnan(a)
        np.testing.assert_array_equal(nan, np.isnan(e), err_msg=f"{label}NaN positions")
        as_uint = np.dtype(f"u{a.dtype.itemsize}")
        bits_a = np.ascontiguousarray(a).view(as_uint)[~nan]
        bits_e = np.ascontiguousarray(e).view(as_uint)[~nan]
        np.testing.assert_array_equal(bits_a, bits_e, err_msg=f"{label}bits (sign of zero?)")
