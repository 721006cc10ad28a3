"""The values inside classroom links: grids (plain or deflated), bounded integers and pairs,
and the upstream gradient's forms. Every decoder raises `InputError` on anything it does not
accept; sizes are bounded before any work (`MAX_VALUE_LEN`, `MAX_GRID_BYTES`).
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib

from ui.errors import InputError
from ui.format import MAX_CELL_CHARS, cell_text, parse_number

MAX_VALUE_LEN = 4096
MAX_SIDE = 32
# The most a "z" grid may inflate to: 32 x 32 cells of MAX_CELL_CHARS and their commas (a few
# kB of deflated zeros would otherwise become megabytes).
MAX_GRID_BYTES = MAX_SIDE * MAX_SIDE * (MAX_CELL_CHARS + 1) + 16


# ----------------------------------------------------------------- grids
def encode_grid(rows: list[list[float]]) -> str:
    """Numbers (nested lists) -> compact text."""
    n_rows, n_cols = len(rows), len(rows[0])
    plain = f"{n_rows}x{n_cols}~" + ",".join(cell_text(v) for row in rows for v in row)
    packed = base64.urlsafe_b64encode(zlib.compress(plain.encode(), 9)).decode().rstrip("=")
    return ("z" + packed) if len(packed) < len(plain) else ("t" + plain)


def decode_grid(text: str) -> list[list[float]]:
    """Compact text -> numbers; raises InputError when it is not a valid grid.

    A "z" grid inflating to more than MAX_GRID_BYTES is refused (url_too_long) without
    inflating the rest; a cell longer than MAX_CELL_CHARS refuses the grid (url_cell_too_long).
    """
    if not text or len(text) > MAX_VALUE_LEN:
        raise InputError("url_grid_size")
    kind, body = text[0], text[1:]
    if kind == "z":
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            inflater = zlib.decompressobj()
            plain_bytes = inflater.decompress(raw, MAX_GRID_BYTES)
            if inflater.unconsumed_tail:
                raise InputError("url_too_long")
            if not inflater.eof:  # cut off
                raise InputError("url_grid_broken")
            plain = plain_bytes.decode()
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as e:
            if isinstance(e, InputError):
                raise
            raise InputError("url_grid_broken") from None
    elif kind == "t":
        plain = body
    else:
        raise InputError("url_grid_broken")
    head, sep, cells = plain.partition("~")
    dims = head.split("x")
    if not sep or len(dims) != 2 or not all(digits_only(d) and len(d) < 4 for d in dims):
        raise InputError("url_grid_broken")
    n_rows, n_cols = int(dims[0]), int(dims[1])
    if not (1 <= n_rows <= MAX_SIDE and 1 <= n_cols <= MAX_SIDE):
        raise InputError("url_grid_size")
    values = cells.split(",")
    if len(values) != n_rows * n_cols:
        raise InputError("url_grid_broken")
    if any(len(v) > MAX_CELL_CHARS for v in values):
        raise InputError("url_cell_too_long", limit=MAX_CELL_CHARS)
    nums = [parse_number(v) for v in values]
    if any(v is None for v in nums):
        raise InputError("url_grid_broken")
    return [nums[r * n_cols:(r + 1) * n_cols] for r in range(n_rows)]  # type: ignore[misc]


# ----------------------------------------------------------------- whole state
def digits_only(text: str) -> bool:
    """ASCII digits only ('²' and other Unicode digits are not numbers here)."""
    return bool(text) and text.isascii() and text.isdigit()


def parse_int(text: str, lo: int, hi: int) -> int:
    if not digits_only(text) or len(text) > len(str(hi)):
        raise InputError("url_number")
    v = int(text)
    if not lo <= v <= hi:
        raise InputError("url_number")
    return v


def parse_pair(text: str, lo: int, hi: int) -> tuple[int, int]:
    parts = text.split("x")
    if len(parts) == 1:
        v = parse_int(parts[0], lo, hi)
        return v, v
    if len(parts) == 2:
        return parse_int(parts[0], lo, hi), parse_int(parts[1], lo, hi)
    raise InputError("url_number")


def is_finite_grid(rows: list[list[float]]) -> bool:
    return all(not math.isnan(v) and not math.isinf(v) for row in rows for v in row)


# ----------------------------------------------------------------- dL/dy
def decode_upstream(text: str) -> tuple:
    """"ones", "random.<seed>", "onehot.<i>.<j>" or "custom.<grid>" -> ("ones",),
    ("random", seed), ("onehot", i, j) or ("custom", grid); raises InputError."""
    kind, _, rest = text.partition(".")
    if kind == "ones" and not rest:
        return ("ones",)
    if kind == "random":
        return ("random", parse_int(rest, 0, 2**31 - 1))
    if kind == "onehot":
        i, _, j = rest.partition(".")
        return ("onehot", parse_int(i, 0, MAX_SIDE), parse_int(j, 0, MAX_SIDE))
    if kind == "custom":
        return ("custom", decode_grid(rest))
    raise InputError("url_choice")


def encode_upstream(value: tuple) -> str:
    """The inverse of `decode_upstream`."""
    kind, *rest = value
    if kind == "custom":
        return "custom." + encode_grid(rest[0])
    return ".".join([kind, *(str(int(v)) for v in rest)])
