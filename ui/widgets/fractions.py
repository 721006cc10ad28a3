"""Answers typed by a student: numbers, decimals and fractions ("1/3", "-3/4", "1 1/2"),
parsed into floats; and exact answers written back as fractions ("15/4") where that is what a
student would write.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction

import numpy as np

from ui.errors import CellError
from ui.format import fmt, parse_number

MAX_DENOMINATOR = 100
_MIXED = re.compile(r"^([+-]?)(\d+)\s+(\d+)\s*/\s*(\d+)$")  # "1 1/2", "-2 3/4"


def parse_answer(text: object) -> float | None:
    """One answer cell as a float: NaN when blank, None when it is not a number.

    Accepts what `ui.format.parse_number` does ("3", "-0.5", "2,5", "1e-3") and fractions
    "a/b" or "a ÷ b" (a and b numbers, b not 0) and mixed numbers "1 1/2". NaN and infinity
    are not answers: they give None.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return math.nan
    s = str(text).strip().replace("−", "-").replace("÷", "/")
    if not s:
        return math.nan
    mixed = _MIXED.match(s)
    if mixed:
        sign, whole, num, den = mixed.groups()
        if int(den) == 0:
            return None
        value = int(whole) + int(num) / int(den)
        return -value if sign == "-" else value
    if s.count("/") == 1:
        a, b = (parse_number(part) for part in s.split("/"))
        if a is None or b is None or b == 0 or not (math.isfinite(a) and math.isfinite(b)):
            return None
        value = a / b
    else:
        value = parse_number(s)
        if value is None:
            return None
    return value if math.isfinite(value) else None


def parse_answers(rows: list[list[object]]) -> tuple[np.ndarray, list[CellError]]:
    """An edited answer grid -> (float64 array with NaN for blank and bad cells, bad cells)."""
    n_cols = len(rows[0]) if rows else 0
    out = np.full((len(rows), n_cols), np.nan)
    errors: list[CellError] = []
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            value = parse_answer(text)
            if value is None:
                errors.append(CellError(r, c, str(text).strip()))
            else:
                out[r, c] = value
    return out, errors


def as_fraction(value: float, max_denominator: int = MAX_DENOMINATOR) -> Fraction | None:
    """`value` as a fraction with a small denominator when it is one (to 1e-9), else None."""
    v = float(value)
    if not math.isfinite(v):
        return None
    f = Fraction(v).limit_denominator(max_denominator)
    return f if abs(float(f) - v) <= 1e-9 * max(1.0, abs(v)) else None


def frac_text(value: float) -> str:
    """Short exact text: "3", "-3/4", "40/9"; a value that is no small fraction via `fmt`."""
    f = as_fraction(value)
    if f is None:
        return fmt(value)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def answer_text(value: float) -> str:
    """An expected answer with its decimal: "3", "15/4 = 3.75", "1/3 ≈ 0.3333"."""
    f = as_fraction(value)
    if f is None or f.denominator == 1:
        return frac_text(value)
    decimal = fmt(value)
    exact = float(decimal) == float(f)
    return f"{f.numerator}/{f.denominator} {'=' if exact else '≈'} {decimal}"
