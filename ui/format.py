"""Numbers as text, the same in every language, and user text as numbers."""

from __future__ import annotations

import math
import re

import numpy as np

NAN_TEXT = "NaN"
POS_INF_TEXT = "∞"
NEG_INF_TEXT = "-∞"
_INF_WORDS = {"inf", "+inf", "infinity", "+infinity", "∞", "+∞"}
_NEG_INF_WORDS = {"-inf", "-infinity", "-∞", "−inf", "−∞"}
# The longest text a grid cell holds (editor, link, CSV field): the exact text of any float is
# at most 24 characters, so nothing longer is a number anyone typed.
MAX_CELL_CHARS = 64


def fmt(value: float, digits: int = 4) -> str:
    """Short text for a cell: integers as integers, others with `digits` significant digits.

    NaN, +inf and -inf are written NaN, ∞ and -∞. -0.0 is written 0.
    """
    v = float(value)
    if math.isnan(v):
        return NAN_TEXT
    if math.isinf(v):
        return POS_INF_TEXT if v > 0 else NEG_INF_TEXT
    if v == 0:
        return "0"
    if v.is_integer() and abs(v) < 1e7:
        return str(int(v))
    text = f"{v:.{digits}g}"
    if "e" in text:
        mantissa, exp = text.split("e")
        return f"{mantissa}e{int(exp)}"
    return text


def fmt_full(value: float) -> str:
    """Exact text for a hover: the shortest repr that round-trips."""
    v = float(value)
    if math.isnan(v) or math.isinf(v):
        return fmt(v)
    return repr(v)


def fmt_array(values: np.ndarray, digits: int = 4) -> list[list[str]]:
    """fmt over a 2-D array, as nested lists (for heatmap text)."""
    return [[fmt(v, digits) for v in row] for row in np.asarray(values, dtype=np.float64)]


def parse_number(text: object) -> float | None:
    """A cell's text as a float, or None when it is not a number.

    Accepts ordinary numbers ("3", "-0.5", "1e-3", "2,5" with a decimal comma), "nan" and
    "inf"/"-inf"/"∞" in any case. A blank cell, a word, an overflowing value or a text longer
    than MAX_CELL_CHARS gives None.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, (int, float, np.integer, np.floating)):
        return float(text)
    s = str(text)
    if len(s) > MAX_CELL_CHARS:
        return None
    s = s.strip().replace("−", "-")
    if not s:
        return None
    low = s.lower()
    if low == "nan":
        return math.nan
    if low in _INF_WORDS:
        return math.inf
    if low in _NEG_INF_WORDS:
        return -math.inf
    if s.count(",") == 1 and "." not in s:
        s = s.replace(",", ".")
    try:
        value = float(s)
    except ValueError:
        return None
    if math.isinf(value) or math.isnan(value):  # "1e999" overflows: not what the user meant
        return None
    return value


def cell_text(value: float) -> str:
    """What a grid editor cell holds for a value (exact, readable)."""
    v = float(value)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


# ----------------------------------------------------------------- untrusted text in messages
LITERAL_MAX = 40
# What starts Markdown (and Streamlit's extras) inside a line. Each is shown as itself when
# backslash-escaped (CommonMark: any ASCII punctuation), so no link, image, emphasis, code,
# HTML, table, autolink ("http:", "www." need ":" and "."), LaTeX ("$"), colour or icon
# directive (":red[...]", ":material/...:") or character reference ("&lt;") can start inside.
_MD_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>~$:&")
# Line breaks, tabs, other control characters and the invisible direction marks: one space.
_BLANK_RUN = re.compile(r"[\s\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]+")


def literal(text: object, limit: int = LITERAL_MAX) -> str:
    """Arbitrary text (from a link, a grid cell, a CSV file, a file name) made inert inside a
    Markdown message (st.warning, st.error, st.caption, st.markdown ...).

    Line breaks, control characters and runs of spaces become one space, text longer than
    `limit` characters is cut there with "…", and every character that could start Markdown
    is backslash-escaped: the message shows the text as typed and nothing in it is read as
    Markdown.
    """
    s = "" if text is None else str(text)
    s = _BLANK_RUN.sub(" ", s[: 4 * limit + 8])
    if len(s) > limit:
        s = s[:limit] + "…"
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)


# ----------------------------------------------------------------- index base (0: code, 1: math)
BASE_KEY = "index_base"  # session_state key: 0 (code, y[0,0], cell (2,2)) or 1 (math, z₁₁, x₃₃)
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def index_base() -> int:
    """The session's index base, 0 or 1 (st.session_state[BASE_KEY]); 0 outside a running app.

    The one switch every sentence, axis label, symbol and export reads (through `ix`,
    `cell_name` and `span_text`), so no caller adds the 1 itself."""
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        if get_script_run_ctx(suppress_warning=True) is not None:
            return 1 if st.session_state.get(BASE_KEY) == 1 else 0
    except ImportError:  # pragma: no cover - Streamlit is a dependency of the UI
        pass
    return 0


def ix(index: int, base: int | None = None) -> int:
    """A 0-based row, column or step index as shown in `base` (default: the session's)."""
    return int(index) + (index_base() if base is None else base)


def cell_name(rc: tuple[int, int], base: int | None = None) -> str:
    """'(2,2)' for cell (r, c) = (2, 2) in 0-based, '(3,3)' in 1-based."""
    b = index_base() if base is None else base
    return f"({int(rc[0]) + b},{int(rc[1]) + b})"


def subscript(*indices: int) -> str:
    """Subscript digits of 1-based indices: (1, 1) -> '₁₁'; with an index over 9 they are
    separated by commas so they stay readable: (10, 2) -> '₁₀,₂'."""
    parts = [str(int(i)).translate(_SUBSCRIPT) for i in indices]
    return ("," if any(i > 9 for i in indices) else "").join(parts)
