"""Classroom links: the Explorer's state in the URL query, compact and validated.

`encode_state` turns the state into short query parameters; `decode_state` reads them back and
keeps only what is valid, returning a note for everything it ignored, so a truncated or edited
link never breaks the page. Grids are written as their cell texts, deflated and base64url-coded
when that is shorter ("z" prefix), plain otherwise ("t" prefix).

Parameters (all optional):
    x      input grid            t6x6~1,2,3,...  or  z<base64url of the same, deflated>
    k s p d  kernel, stride, padding, dilation: "3" or "3x2" (height x width)
    ceil   ceil_mode             1 or 0
    mode   max | avg
    ties   first | last | split | all
    cip    count_include_pad     1 or 0
    div    divisor_override      0 (none) to 10000
    gy     dL/dy                 ones | random.<seed> | onehot.<i>.<j> | custom.<grid as x>
    step   player step           0 ...
    hide   classroom options     comma list of: controls, answers
    lang   language (handled by app.py)
"""

from __future__ import annotations

import base64
import binascii
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pooling_core import ACTIVATIONS, EXERCISE_LEVELS, TIE_POLICIES
from ui.format import MAX_CELL_CHARS, cell_text, parse_number
from ui.widgets.grid import PRESETS

MAX_VALUE_LEN = 4096
MAX_SIDE = 32
# The most a "z" grid may inflate to: 32 x 32 cells of MAX_CELL_CHARS and their commas (a few
# kB of deflated zeros would otherwise become megabytes).
MAX_GRID_BYTES = MAX_SIDE * MAX_SIDE * (MAX_CELL_CHARS + 1) + 16
HIDE_OPTIONS = ("controls", "answers")
KNOWN = ("x", "k", "s", "p", "d", "ceil", "mode", "ties", "cip", "div", "gy", "step", "hide",
         "lang")
PAIR_RANGES = {"k": (1, MAX_SIDE), "s": (1, MAX_SIDE), "p": (0, MAX_SIDE // 2), "d": (1, 8)}
PAIR_KEYS = {"k": ("kh", "kw"), "s": ("sh", "sw"), "p": ("ph", "pw"), "d": ("dh", "dw")}


class UrlError(ValueError):
    """A query value that cannot be used; `code` and `params` name the problem."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# ----------------------------------------------------------------- grids
def encode_grid(rows: list[list[float]]) -> str:
    """Numbers (nested lists) -> compact text."""
    n_rows, n_cols = len(rows), len(rows[0])
    plain = f"{n_rows}x{n_cols}~" + ",".join(cell_text(v) for row in rows for v in row)
    packed = base64.urlsafe_b64encode(zlib.compress(plain.encode(), 9)).decode().rstrip("=")
    return ("z" + packed) if len(packed) < len(plain) else ("t" + plain)


def decode_grid(text: str) -> list[list[float]]:
    """Compact text -> numbers; raises UrlError when it is not a valid grid.

    A "z" grid inflating to more than MAX_GRID_BYTES is refused (url_too_long) without
    inflating the rest; a cell longer than MAX_CELL_CHARS refuses the grid (url_cell_too_long).
    """
    if not text or len(text) > MAX_VALUE_LEN:
        raise UrlError("url_grid_size")
    kind, body = text[0], text[1:]
    if kind == "z":
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            inflater = zlib.decompressobj()
            plain_bytes = inflater.decompress(raw, MAX_GRID_BYTES)
            if inflater.unconsumed_tail:
                raise UrlError("url_too_long")
            if not inflater.eof:  # cut off
                raise UrlError("url_grid_broken")
            plain = plain_bytes.decode()
        except (binascii.Error, zlib.error, UnicodeDecodeError, ValueError) as e:
            if isinstance(e, UrlError):
                raise
            raise UrlError("url_grid_broken") from None
    elif kind == "t":
        plain = body
    else:
        raise UrlError("url_grid_broken")
    head, sep, cells = plain.partition("~")
    dims = head.split("x")
    if not sep or len(dims) != 2 or not all(_digits(d) and len(d) < 4 for d in dims):
        raise UrlError("url_grid_broken")
    n_rows, n_cols = int(dims[0]), int(dims[1])
    if not (1 <= n_rows <= MAX_SIDE and 1 <= n_cols <= MAX_SIDE):
        raise UrlError("url_grid_size")
    values = cells.split(",")
    if len(values) != n_rows * n_cols:
        raise UrlError("url_grid_broken")
    if any(len(v) > MAX_CELL_CHARS for v in values):
        raise UrlError("url_cell_too_long")
    nums = [parse_number(v) for v in values]
    if any(v is None for v in nums):
        raise UrlError("url_grid_broken")
    return [nums[r * n_cols:(r + 1) * n_cols] for r in range(n_rows)]  # type: ignore[misc]


# ----------------------------------------------------------------- whole state
def _digits(text: str) -> bool:
    """ASCII digits only ('²' and other Unicode digits are not numbers here)."""
    return bool(text) and text.isascii() and text.isdigit()


def _int(text: str, lo: int, hi: int) -> int:
    if not _digits(text) or len(text) > len(str(hi)):
        raise UrlError("url_number")
    v = int(text)
    if not lo <= v <= hi:
        raise UrlError("url_number")
    return v


def _pair(text: str, lo: int, hi: int) -> tuple[int, int]:
    parts = text.split("x")
    if len(parts) == 1:
        v = _int(parts[0], lo, hi)
        return v, v
    if len(parts) == 2:
        return _int(parts[0], lo, hi), _int(parts[1], lo, hi)
    raise UrlError("url_number")


def encode_state(state: Mapping[str, object]) -> dict[str, str]:
    """Explorer state (session_state-like mapping) -> query parameters.

    Reads: grid (nested float lists), kh..dw, ceil_mode, mode, ties, count_include_pad,
    divisor_override, gy_mode, gy_seed, gy_i, gy_j, gy_grid, step, hide.
    """
    q: dict[str, str] = {}
    if state.get("grid") is not None:
        q["x"] = encode_grid(state["grid"])  # type: ignore[arg-type]
    for key, (a, b) in PAIR_KEYS.items():
        va, vb = int(state[a]), int(state[b])  # type: ignore[call-overload]
        q[key] = str(va) if va == vb else f"{va}x{vb}"
    q["mode"] = str(state["mode"])
    if state["mode"] == "max":
        q["ties"] = str(state["ties"])
    else:
        q["cip"] = "1" if state["count_include_pad"] else "0"
        if int(state.get("divisor_override") or 0):  # type: ignore[call-overload]
            q["div"] = str(int(state["divisor_override"]))  # type: ignore[call-overload]
    if state["ceil_mode"]:
        q["ceil"] = "1"
    gy = state.get("gy_mode", "ones")
    if gy == "random":
        q["gy"] = f"random.{int(state.get('gy_seed', 1))}"  # type: ignore[call-overload]
    elif gy == "onehot":
        q["gy"] = f"onehot.{int(state.get('gy_i', 0))}.{int(state.get('gy_j', 0))}"  # type: ignore[call-overload]
    elif gy == "custom" and state.get("gy_grid") is not None:
        q["gy"] = "custom." + encode_grid(state["gy_grid"])  # type: ignore[arg-type]
    if int(state.get("step", 0) or 0):  # type: ignore[call-overload]
        q["step"] = str(int(state["step"]))  # type: ignore[call-overload]
    hide = [h for h in HIDE_OPTIONS if h in (state.get("hide") or ())]  # type: ignore[operator]
    if hide:
        q["hide"] = ",".join(hide)
    return q


def decode_state(query: Mapping[str, str]) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Query parameters -> (valid state fields, [(parameter, problem code)] ignored).

    Never raises: each parameter is checked on its own; what fails is left out and noted.
    """
    out: dict[str, object] = {}
    notes: list[tuple[str, str]] = []
    for key, value in query.items():
        if key not in KNOWN:
            notes.append((key[:40], "url_unknown"))
            continue
        if key == "lang":
            continue
        if not isinstance(value, str) or len(value) > MAX_VALUE_LEN:
            notes.append((key, "url_too_long"))
            continue
        try:
            _decode_one(key, value, out)
        except UrlError as e:
            notes.append((key, e.code))
    return out, notes


def _decode_one(key: str, value: str, out: dict[str, object]) -> None:
    if key == "x":
        out["grid"] = decode_grid(value)
    elif key in PAIR_KEYS:
        lo, hi = PAIR_RANGES[key]
        a, b = PAIR_KEYS[key]
        out[a], out[b] = _pair(value, lo, hi)
    elif key == "ceil":
        out["ceil_mode"] = _flag(value)
    elif key == "cip":
        out["count_include_pad"] = _flag(value)
    elif key == "mode":
        if value not in ("max", "avg"):
            raise UrlError("url_choice")
        out["mode"] = value
    elif key == "ties":
        if value not in ("first", "last", "split", "all"):
            raise UrlError("url_choice")
        out["ties"] = value
    elif key == "div":
        out["divisor_override"] = _int(value, 0, 10_000)
    elif key == "step":
        out["step"] = _int(value, 0, MAX_SIDE * MAX_SIDE)
    elif key == "hide":
        items = [h for h in value.split(",") if h]
        if not items or any(h not in HIDE_OPTIONS for h in items):
            raise UrlError("url_choice")
        out["hide"] = tuple(h for h in HIDE_OPTIONS if h in items)
    elif key == "gy":
        kind, _, rest = value.partition(".")
        if kind == "ones" and not rest:
            out["gy_mode"] = "ones"
        elif kind == "random":
            seed = _int(rest, 0, 2**31 - 1)
            out["gy_mode"], out["gy_seed"] = "random", seed
        elif kind == "onehot":
            i, _, j = rest.partition(".")
            cell = _int(i, 0, MAX_SIDE), _int(j, 0, MAX_SIDE)
            out["gy_mode"], out["gy_i"], out["gy_j"] = "onehot", cell[0], cell[1]
        elif kind == "custom":
            grid = decode_grid(rest)
            out["gy_mode"], out["gy_grid"] = "custom", grid
        else:
            raise UrlError("url_choice")


def _flag(value: str) -> bool:
    if value not in ("0", "1"):
        raise UrlError("url_choice")
    return value == "1"


def is_finite_grid(rows: list[list[float]]) -> bool:
    return all(not math.isnan(v) and not math.isinf(v) for row in rows for v in row)


# ----------------------------------------------------------------- the other pages' links
@dataclass(frozen=True)
class Field:
    """One query parameter of a page's link.

    kind: "int" (lo..hi), "choice" (one of `choices`), "grid" (encode_grid text, at most
    `hi` rows and columns) or "hide" (comma list of `choices`).
    """

    name: str
    kind: str
    lo: int = 0
    hi: int = 0
    choices: tuple[str, ...] = ()

    def decode(self, value: str) -> object:
        """Query text -> value; raises UrlError."""
        if len(value) > MAX_VALUE_LEN:
            raise UrlError("url_too_long")
        if self.kind == "int":
            return _int(value, self.lo, self.hi)
        if self.kind == "choice":
            if value not in self.choices:
                raise UrlError("url_choice")
            return value
        if self.kind == "grid":
            grid = decode_grid(value)
            if len(grid) > self.hi or len(grid[0]) > self.hi:
                raise UrlError("url_grid_size")
            return grid
        if self.kind == "hide":
            items = [h for h in value.split(",") if h]
            if not items or any(h not in self.choices for h in items):
                raise UrlError("url_choice")
            return tuple(h for h in self.choices if h in items)
        raise ValueError(f"unknown field kind {self.kind!r}")

    def encode(self, value: object) -> str:
        """Value -> query text (the inverse of `decode`)."""
        if self.kind == "int":
            return str(int(value))  # type: ignore[call-overload]
        if self.kind == "grid":
            return encode_grid(value)  # type: ignore[arg-type]
        if self.kind == "hide":
            return ",".join(h for h in self.choices if h in value)  # type: ignore[operator]
        return str(value)


def decode_fields(fields: Sequence[Field], query: Mapping[str, str],
                  ) -> tuple[dict[str, object], list[tuple[str, str]]]:
    """Query parameters -> ({name: value} of the valid ones, [(parameter, problem code)]).

    Never raises; `lang` is the app's and is skipped.
    """
    by_name = {f.name: f for f in fields}
    out: dict[str, object] = {}
    notes: list[tuple[str, str]] = []
    for key, value in query.items():
        if key == "lang":
            continue
        field = by_name.get(key)
        if field is None:
            notes.append((key[:40], "url_unknown"))
            continue
        if not isinstance(value, str):
            notes.append((key, "url_too_long"))
            continue
        try:
            out[key] = field.decode(value)
        except UrlError as e:
            notes.append((key, e.code))
    return out, notes


def encode_fields(fields: Sequence[Field], values: Mapping[str, object]) -> dict[str, str]:
    """{name: value} -> query parameters, in the order of `fields`; None and empty are left out."""
    q = {}
    for f in fields:
        v = values.get(f.name)
        if v is None or (f.kind == "hide" and not v):
            continue
        q[f.name] = f.encode(v)
    return q


POLICIES = tuple(TIE_POLICIES)
# Ties page: the grid (when it is not the plateau example), kernel, stride and the policy the
# Explorer button opens with.
TIES_FIELDS = (
    Field("x", "grid", hi=MAX_SIDE), Field("k", "int", 1, MAX_SIDE), Field("s", "int", 1, MAX_SIDE),
    Field("policy", "choice", choices=POLICIES),
)
# Exercise page: which exercise (level, number, optionally a tie policy of the teacher's choice)
# and the classroom option that removes the "show the answers" button.
EXERCISE_FIELDS = (
    Field("level", "choice", choices=tuple(EXERCISE_LEVELS)),
    Field("seed", "int", 0, 999_999), Field("policy", "choice", choices=POLICIES),
    Field("hide", "hide", choices=("answers",)),
)
# Next-layer page: the input (a preset, a seeded random grid, or the edited grid itself), the pool,
# the followed pooled cell, the dense layer (size, activation, seed, edited W, b, dL/da), the
# convolution (kernel size, padding, seed, edited K, dL/dY) and which layer is carried back.
NEXT_SOURCES = tuple(k for k in PRESETS if k != "special_values") + ("random",)
NEXT_FIELDS = (
    Field("src", "choice", choices=NEXT_SOURCES), Field("rows", "int", 2, 8),
    Field("cols", "int", 2, 8), Field("rs", "int", 0, 9999), Field("x", "grid", hi=8),
    Field("k", "int", 1, 6), Field("s", "int", 1, 6),
    Field("mode", "choice", choices=("max", "avg")), Field("cell", "int", 0, 63),
    Field("m", "int", 1, 4),
    Field("act", "choice", choices=ACTIVATIONS),
    Field("ws", "int", 0, 9999), Field("W", "grid", hi=64), Field("b", "grid", hi=64),
    Field("da", "grid", hi=64),
    Field("ck", "int", 2, 3), Field("cp", "int", 0, 2), Field("cs", "int", 0, 9999),
    Field("K", "grid", hi=3), Field("dy", "choice", choices=("ones", "random")),
    Field("dys", "int", 0, 9999), Field("from", "choice", choices=("dense", "conv")),
)
