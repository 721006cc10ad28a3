"""Input grids: presets, random fill, CSV text, and parsing an edited grid into numbers.

A grid is held as text (what the editor shows), so that NaN, inf, a blank cell and a typo
can all be told apart; `parse_grid` turns it into a float64 array or a list of cell errors.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field

import numpy as np

from pooling_core import AdaptiveSpec, PoolSpec
from ui.errors import CellError, InputError
from ui.format import MAX_CELL_CHARS, cell_text, parse_number

MAX_SIDE = 32
NAN = math.nan
INF = math.inf


@dataclass(frozen=True)
class Preset:
    """An input grid with the layer that makes it interesting.

    `params` holds spec keyword values (kernel_size, stride, ...; an adaptive layer "layer" and
    AdaptiveSpec's output_size, the max unpool round trip "layer" "unpool", see
    ui.widgets.params): loading the preset sets
    these and leaves the others as they are; `spec` is the PoolSpec they make.
    """

    key: str
    grid: tuple[tuple[float, ...], ...]
    params: dict = field(default_factory=dict)

    @property
    def spec(self) -> PoolSpec | AdaptiveSpec:
        """The preset's layer, every parameter it does not name at its spec's default (an
        AdaptiveSpec for `params` with "layer" "adaptive" or "global")."""
        params = {k: v for k, v in self.params.items() if k != "layer"}
        if self.params.get("layer") in ("adaptive", "global"):
            return AdaptiveSpec(**params)
        return PoolSpec(**params)


PRESETS: dict[str, Preset] = {
    p.key: p
    for p in (
        Preset(
            "overlap_6x6",
            (
                (1, 2, 3, 1, 0, 2),
                (2, 2, 5, 4, 1, 3),
                (0, 6, 9, 6, 2, 1),
                (3, 1, 4, 8, 7, 0),
                (5, 2, 0, 3, 6, 4),
                (1, 7, 2, 5, 1, 3),
            ),
            {"mode": "max", "kernel_size": (3, 3), "stride": (1, 1), "padding": (0, 0),
             "dilation": (1, 1), "ceil_mode": False},
        ),
        Preset(
            "nonoverlap_4x4",
            ((1, 3, 2, 4), (5, 6, 1, 2), (7, 2, 9, 0), (1, 8, 3, 4)),
            {"mode": "max", "kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0),
             "dilation": (1, 1), "ceil_mode": False},
        ),
        Preset(
            "plateau",
            ((5, 5, 1, 2), (5, 5, 3, 3), (0, 1, 4, 4), (2, 0, 4, 4)),
            {"mode": "max", "kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0),
             "dilation": (1, 1), "ceil_mode": False, "ties": "split"},
        ),
        Preset(
            "ceil_5x5",
            (
                (1, 4, 2, 0, 3),
                (6, 2, 8, 1, 5),
                (3, 7, 0, 9, 2),
                (4, 1, 5, 2, 6),
                (8, 3, 2, 7, 1),
            ),
            {"mode": "max", "kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0),
             "dilation": (1, 1), "ceil_mode": True},
        ),
        Preset(
            "special_values",
            ((1, NAN, 3, 2), (4, 2, -INF, -INF), (INF, 0, -INF, -INF), (1, 2, 5, NAN)),
            {"mode": "max", "kernel_size": (2, 2), "stride": (2, 2), "padding": (0, 0),
             "dilation": (1, 1), "ceil_mode": False},
        ),
        Preset(
            "adaptive_7to3",  # torchvision's AdaptiveAvgPool2d: bins 0-2, 2-4, 4-6 overlap
            (
                (1, 3, 0, 2, 5, 1, 4),
                (2, 6, 1, 4, 0, 3, 2),
                (5, 0, 8, 1, 2, 7, 1),
                (0, 4, 2, 9, 3, 1, 6),
                (3, 1, 7, 0, 6, 2, 0),
                (6, 2, 1, 5, 1, 8, 3),
                (1, 5, 3, 2, 4, 0, 7),
            ),
            {"layer": "adaptive", "mode": "avg", "output_size": (3, 3)},
        ),
        Preset(
            "adaptive_ties_3x3",  # bins 0-1 and 1-2: the centre is in all four
            ((1, 4, 2), (4, 4, 3), (0, 3, 3)),
            {"layer": "adaptive", "mode": "max", "output_size": (2, 2), "ties": "first"},
        ),
        Preset(
            "same_5x5",  # TensorFlow 'same': the extra column on the right
            (
                (1, 4, 2, 0, 3),
                (6, 2, 8, 1, 5),
                (3, 7, 0, 9, 2),
                (4, 1, 5, 2, 6),
                (8, 3, 2, 7, 1),
            ),
            {"mode": "max", "kernel_size": (2, 2), "stride": (2, 2), "padding": "same",
             "dilation": (1, 1), "ceil_mode": False},
        ),
        Preset(
            "segnet_4x4",  # SegNet: pool 2x2 stride 2, then unpool at the indices
            ((1, 3, 2, 4), (5, 6, 1, 2), (7, 2, 9, 0), (1, 8, 3, 4)),
            {"layer": "unpool", "mode": "max", "kernel_size": (2, 2), "stride": (2, 2),
             "padding": (0, 0), "dilation": (1, 1), "ceil_mode": False},
        ),
        Preset(
            "unpool_overlap_3x3",  # kernel 2 stride 1: the centre wins every window
            ((1, 2, 0), (3, 9, 4), (0, 5, 2)),
            {"layer": "unpool", "mode": "max", "kernel_size": (2, 2), "stride": (1, 1),
             "padding": (0, 0), "dilation": (1, 1), "ceil_mode": False},
        ),
    )
}
DEFAULT_PRESET = "overlap_6x6"


def grids_differ(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two grids differ in shape or in any cell (NaN equals NaN): a link carries a grid
    only when it is not the one its page would start from."""
    return a.shape != b.shape or not np.array_equal(a, b, equal_nan=True)


def to_text(values: np.ndarray) -> list[list[str]]:
    """A numeric 2-D array as editor text."""
    return [[cell_text(v) for v in row] for row in np.asarray(values, dtype=np.float64)]


def preset_text(key: str) -> list[list[str]]:
    return to_text(np.array(PRESETS[key].grid, dtype=np.float64))


def parse_grid(rows: list[list[object]]) -> tuple[np.ndarray | None, list[CellError]]:
    """Editor text -> (float64 array, []) or (None, the cells that are not numbers)."""
    errors: list[CellError] = []
    out = np.zeros((len(rows), len(rows[0]) if rows else 0), dtype=np.float64)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            v = parse_number(text)
            if v is None:
                shown = "" if text is None or (isinstance(text, float) and math.isnan(text)) \
                    else str(text)[:MAX_CELL_CHARS + 1]
                errors.append(CellError(r, c, shown))
            else:
                out[r, c] = v
    if errors:
        return None, errors
    return out, []


def random_grid(rows: int, cols: int, seed: int, low: float, high: float,
                integers: bool) -> np.ndarray:
    """A reproducible random grid; small integer ranges give many ties."""
    rng = np.random.default_rng(seed)
    if integers:
        lo, hi = math.ceil(min(low, high)), math.floor(max(low, high))
        if hi < lo:
            hi = lo
        return rng.integers(lo, hi + 1, size=(rows, cols)).astype(np.float64)
    lo, hi = min(low, high), max(low, high)
    return np.round(rng.uniform(lo, hi, size=(rows, cols)), 2)


def resize(rows: list[list[str]], n_rows: int, n_cols: int, fill: str = "0") -> list[list[str]]:
    """Crop or pad (with `fill`) a text grid to n_rows x n_cols, keeping the top-left corner."""
    out = []
    for r in range(n_rows):
        src = rows[r] if r < len(rows) else []
        out.append([src[c] if c < len(src) else fill for c in range(n_cols)])
    return out


MAX_CSV_BYTES = 200_000
# The separator of a grid's text: the first of these found in its first SEPARATOR_LINES
# non-blank lines (a spreadsheet's tab first, so "1,5<tab>2" keeps its decimal comma);
# none found: runs of spaces. The grid editor's paste follows the same rule (its data).
SEPARATORS = ("\t", ";", ",")
SEPARATOR_LINES = 5


def parse_csv(data: bytes) -> tuple[np.ndarray, bool]:
    """CSV bytes -> (float64 grid, whether a header row was skipped).

    Separators: comma, semicolon, tab or spaces. A first row with no number in it is taken as
    a header and skipped. Raises InputError for anything else that is not a rectangular grid of
    1..32 x 1..32 numbers: a file the csv module cannot read (csv_broken), a row of more than
    32 values or a value longer than MAX_CELL_CHARS characters among them.
    """
    if len(data) > MAX_CSV_BYTES:
        raise InputError("csv_too_big", size=len(data), limit=MAX_CSV_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("csv_not_text") from None
    numbered = [(n + 1, ln) for n, ln in enumerate(text.splitlines()) if ln.strip()]
    lines = [ln for _, ln in numbered]
    line_no = [n for n, _ in numbered]  # 1-based line in the file of each kept row
    if not lines:
        raise InputError("csv_empty")
    sample = "\n".join(lines[:SEPARATOR_LINES])
    delim = next((sep for sep in SEPARATORS if sep in sample), None)
    try:
        if delim is None:
            rows = [ln.split() for ln in lines]
        else:
            rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO("\n".join(lines)),
                                                              delimiter=delim)]
    except csv.Error:  # a field longer than the csv module's limit, a stray quote ...
        raise InputError("csv_broken") from None
    # Bounded before any number is parsed: fields per row, and each field's length.
    widest = max((len(r) for r in rows), default=0)
    if widest > MAX_SIDE:
        raise InputError("csv_too_large", rows=len(rows), cols=widest, limit=MAX_SIDE)
    header = False
    if rows and all(parse_number(c) is None for c in rows[0]):
        rows = rows[1:]
        line_no = line_no[1:]
        header = True
        if not rows:
            raise InputError("csv_empty")
    for i, row in enumerate(rows):
        for j, text in enumerate(row):
            if len(text) > MAX_CELL_CHARS:
                raise InputError("csv_field_too_long", line=line_no[min(i, len(line_no) - 1)],
                               pos=j + 1, limit=MAX_CELL_CHARS)
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        first_bad = next(i for i, r in enumerate(rows) if len(r) != len(rows[0]))
        raise InputError("csv_ragged", line=line_no[first_bad], first=line_no[0],
                       expected=len(rows[0]), got=len(rows[first_bad]))
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > MAX_SIDE or n_cols > MAX_SIDE:
        raise InputError("csv_too_large", rows=n_rows, cols=n_cols, limit=MAX_SIDE)
    grid, errors = parse_grid(rows)
    if grid is None:
        e = errors[0]
        raise InputError("csv_not_number", line=line_no[e.row], pos=e.col + 1, text=e.text[:20],
                       count=len(errors))
    return grid, header
