"""Percentiles of measured times. Two rules, each kept by the script that has always used it
(so that its numbers compare with its earlier runs):

- `nearest_rank` (benchmarks/classroom.py): a value that was measured;
- `linear` (benchmarks/ui_speed.py): interpolated between the two nearest ranks.
"""

from __future__ import annotations


def nearest_rank(values: list[float], q: float) -> float | None:
    """q-th percentile (0-100), nearest rank; None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q / 100 * len(s) + 0.5) - 1))]


def linear(values: list[float], q: float) -> float:
    """q-quantile (0-1), linear interpolation between ranks (numpy's default)."""
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)
