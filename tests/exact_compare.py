"""Bit-for-bit comparison of float arrays, for the pooling tests.

`assert_exact(actual, expected)` passes when both arrays have the same shape and dtype, NaN
in the same places, and identical bits everywhere else (so 0.0 and -0.0 differ). NaN payloads
are not compared: NumPy and PyTorch may produce NaNs with different sign bits.

Exact comparison of two libraries' results is only meaningful when both do the same IEEE
operations in the same order, or when no operation rounds. A sum, dot product or matmul
computed by a BLAS kernel is neither: its order (and whether it fuses multiply-adds) depends
on the kernel the CPU selects (OPENBLAS_CORETYPE, MKL's code path, threads). For such sums
build the inputs so that no addition can round: `exact_in_any_order(terms)` checks it.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from numbers import Rational, Real

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


def exact_in_any_order(terms: Iterable[Real]) -> bool:
    """True when float64 adds these terms exactly, in every order and grouping.

    Each term is a float (converted exactly) or an exact `Fraction`, e.g. the exact product
    `Fraction(w) * Fraction(p)` of a dot product. The condition: every term is a multiple of
    2**-e for one e (dyadic) and the magnitudes add up to less than 2**53 units of 2**-e. Then
    every partial sum, in any order, is such a multiple below 2**53 units, which float64 holds
    exactly; so no addition (and no fused multiply-add whose product is one of the terms)
    rounds, and every summation order gives the exact sum. Small integers and multiples of
    1/8 of moderate size pass; values like 0.1 or random normals do not.
    """
    exact = []
    for t in terms:
        if isinstance(t, Rational):
            exact.append(Fraction(t))
        else:
            value = float(t)
            if not np.isfinite(value):
                return False
            exact.append(Fraction(value))
    if not exact:
        return True
    unit = max(f.denominator for f in exact)  # a power of two when every term is dyadic
    if any(unit % f.denominator or f.denominator & (f.denominator - 1) for f in exact):
        return False  # a denominator that is not a power of two: not a float's value
    return sum(abs(f) for f in exact) * unit < 2**53


def dot_terms(w: Iterable[Real], p: Iterable[Real], bias: Real = 0.0) -> list[Fraction]:
    """The exact summands of `w @ p + bias`: each product w_j * p_j (not rounded), then bias."""
    terms = [Fraction(float(a)) * Fraction(float(b)) for a, b in zip(w, p, strict=True)]
    return [*terms, Fraction(float(bias))]


def avg_rtol(dtype) -> float:
    """The tolerance of average pooling between two libraries: 1e-12 relative in float64
    (the issue's bound), 1e-5 in float32 (a few float32 roundings, ~1.2e-7 each)."""
    return 1e-12 if np.dtype(dtype) == np.float64 else 1e-5


def assert_avg_close(actual: object, expected: object, scale: float, what: str = "") -> None:
    """Averages of two libraries agree: same shape, dtype, NaN and infinity positions, and
    |a - e| <= rtol * max(|e|, scale) for the finite values (`avg_rtol`).

    `scale` is the magnitude of the terms that were summed (max |x| forward, max
    |grad_output| backward): a sum that cancels to about 0 keeps only rounding noise of that
    size, whose sign and last bits depend on the summation order, which differs between
    libraries (JAX's reduce_window transpose, PyTorch's `mean` for global pooling).
    """
    a = np.asarray(actual)
    e = np.asarray(expected)
    label = f"{what}: " if what else ""
    assert a.shape == e.shape, f"{label}shape {a.shape} != {e.shape}"
    assert a.dtype == e.dtype, f"{label}dtype {a.dtype} != {e.dtype}"
    np.testing.assert_array_equal(np.isnan(a), np.isnan(e), err_msg=f"{label}NaN positions")
    inf = np.isinf(e)
    np.testing.assert_array_equal(a[inf], e[inf], err_msg=f"{label}infinities")
    finite = np.isfinite(e)
    rtol = avg_rtol(a.dtype)
    ae, ee = a[finite].astype(np.float64), e[finite].astype(np.float64)
    bound = rtol * np.maximum(np.abs(ee), max(float(scale), np.finfo(a.dtype).tiny))
    bad = np.abs(ae - ee) > bound
    assert not bad.any(), (f"{label}{int(bad.sum())} values differ by more than {rtol} "
                           f"relative: {ae[bad][:5]} != {ee[bad][:5]}")


def nasty(shape: tuple[int, ...], dtype: type, seed: int, span: int = 3,
          special_rate: float = 0.08) -> np.ndarray:
    """Small integers -span..span (many ties), with NaN, +-inf, +0 and -0 sprinkled in at
    about `special_rate` of the cells."""
    rng = np.random.default_rng(seed)
    x = rng.integers(-span, span + 1, size=shape).astype(dtype)
    specials = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], dtype=dtype)
    mask = rng.random(shape) < special_rate
    x[mask] = rng.choice(specials, size=int(mask.sum()))
    return x
