"""Plotly figure builders: heatmaps with the value printed in every cell, row 0 on top.

Figures are built as plain dicts (no per-call validation) and drawn by ui.views.charts.chart,
wrapped by `checked` so that Plotly does not validate them again on every run.
Colour scales are colour-blind-safe; the number in each cell carries the information, the
colour only supports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ui.format import fmt, fmt_full, index_base

# Light sequential scale for values (dark text stays readable on every cell).
VALUE_SCALE = [[0.0, "#f7fbff"], [0.5, "#c6dbef"], [1.0, "#6baed6"]]
# Counts of won windows: white to orange.
COUNT_SCALE = [[0.0, "#ffffff"], [0.001, "#fff3d6"], [1.0, "#f28e2b"]]
# Gradients: blue (negative) - light grey (zero) - red (positive), centred on zero (see
# grad_range). The step player colours its dL/dx cells from this same scale and range.
GRAD_SCALE = [[0.0, "#2166ac"], [0.25, "#92c5de"], [0.5, "#f7f7f7"], [0.75, "#f4a582"],
              [1.0, "#b2182b"]]

Rect = tuple[float, float, float, float]  # r0, c0, r1, c1 (inclusive cell indices)


@dataclass(frozen=True)
class CellSize:
    """How large a grid's cells are drawn: the one rule for heatmaps (`cell_px`) and for the
    step player (ui/assets/player.js `cellPitch`, given these numbers in its data).

    A cell's pitch (its side plus the gap to the next one, px) is the width per column,
    at most `top` and at most `rows_px` shared by the rows, at least `least`.
    """

    top: int  # the largest pitch
    rows_px: int  # a grid's rows share at most this height
    least: int  # the smallest pitch (a heatmap is then shrunk to its column by chart.js)


# Bigger cells in projector mode (ui/views/projector.py).
CELL_SIZES = {False: CellSize(top=64, rows_px=560, least=10),
              True: CellSize(top=84, rows_px=560, least=10)}


def cell_px(rows: int, cols: int, width_px: int = 520, projector: bool = False) -> int:
    """Cell pitch in pixels so a grid of rows x cols fits `width_px` (see CellSize)."""
    size = CELL_SIZES[bool(projector)]
    return int(max(size.least, min(size.top, width_px // max(cols, 1),
                                   size.rows_px // max(rows, 1))))


def grad_range(values: np.ndarray) -> tuple[float, float]:
    """(zmin, zmax) of a gradient's colours: symmetric about 0, out to the largest finite
    |value|, or +-1 when there is none or it is 0 (then every cell is the middle colour).

    The one rule for the dL/dx heatmaps (`heatmap(kind="grad")`) and the step player, which
    is given the range and GRAD_SCALE so that a value gets the same colour in both.
    """
    v = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(v)
    m = float(np.abs(v[finite]).max()) if finite.any() else 1.0
    m = m or 1.0
    return -m, m


def heatmap(
    values: np.ndarray,
    title: str,
    *,
    kind: str = "value",
    name: str = "x",
    rects: Sequence[Rect] = (),
    thin_rects: Sequence[Rect] = (),
    thin_insets: Sequence[float] = (),
    marked: np.ndarray | None = None,
    pad: tuple[int, int, int, int] = (0, 0, 0, 0),
    projector: bool = False,
    width_px: int = 520,
    text: list[list[str]] | None = None,
    base: int | None = None,
) -> dict:
    """A heatmap figure (dict) of a 2-D array.

    Parameters
    ----------
    values : (R, C) array; NaN and ±inf are drawn as gaps and written NaN, ∞, -∞.
    kind : "value", "grad" (diverging around 0) or "count" (0 left blank).
    name : what the hover calls a cell, e.g. "x" gives "x[r,c] = ...".
    rects : thick outlines (e.g. the current window), in cell indices, may reach into padding.
    thin_rects : thin outlines (e.g. all windows); thin_insets: how far inside its cells each
        is drawn (default 0), so that overlapping outlines (adaptive bins) stay apart.
    marked : (R, C) bool, cells to outline with a thick border (e.g. receivers).
    pad : (top, left, bottom, right) padding cells to show around the grid, dashed.
    base : index base of the axis labels and the hover (default: the session's,
        ui.format.index_base); the figure's coordinates stay 0-based cell indices.
    """
    v = np.asarray(values, dtype=np.float64)
    R, C = v.shape
    finite = np.isfinite(v)
    z = np.where(finite, v, np.nan)
    if text is None:
        text = [[fmt(x) for x in row] for row in v]
        if kind == "count":
            text = [["" if x == 0 else s for x, s in zip(r, ts, strict=True)]
                    for r, ts in zip(v, text, strict=True)]
    hover = [[fmt_full(x) for x in row] for row in v]
    size = cell_px(R + pad[0] + pad[2], C + pad[1] + pad[3], width_px, projector)
    font = min(26 if projector else 20, size * 0.36)
    # Long numbers (0.3333, -12.25) get a smaller font so they stay inside their cell.
    longest = max((len(s) for row in text for s in row), default=1)
    font = int(max(9, min(font, size * 1.65 / max(longest, 1))))
    trace: dict = {
        "type": "heatmap",
        "z": z.tolist(),
        "text": text,
        "customdata": hover,
        "texttemplate": "%{text}",
        # Projector mode: bold numbers, readable from the back of a room.
        "textfont": {"size": font, "weight": "bold"} if projector else {"size": font},
        "hovertemplate": name + "[%{y},%{x}] = %{customdata}<extra></extra>",
        "xgap": 3 if projector else 2,
        "ygap": 3 if projector else 2,
        "showscale": False,
    }
    if kind == "grad":
        lo, hi = grad_range(v)
        trace.update(colorscale=GRAD_SCALE, zmin=lo, zmax=hi, zmid=0)
    elif kind == "count":
        trace.update(colorscale=COUNT_SCALE, zmin=0, zmax=max(1.0, float(np.nanmax(z))))
    else:
        if finite.any():
            lo, hi = float(v[finite].min()), float(v[finite].max())
            trace.update(zmin=lo, zmax=hi if hi > lo else lo + 1)
        trace.update(colorscale=VALUE_SCALE)
    shapes: list[dict] = []
    if any(pad):
        shapes.append(_rect((-pad[0], -pad[1], R - 1 + pad[2], C - 1 + pad[3]),
                            width=1.5, dash="dot", color="#666"))
    thin_line = {"width": 2, "color": "#0b5fff"} if projector else {
        "width": 1.2, "color": "rgba(11,95,255,0.55)"}
    for n, r in enumerate(thin_rects):
        shapes.append(_rect(r, inset=thin_insets[n] if n < len(thin_insets) else 0.0,
                            **thin_line))
    for r in rects:
        shapes.append(_rect(r, width=6 if projector else 4, color="#000"))
    if marked is not None:
        for rr, cc in np.argwhere(marked):
            shapes.append(_rect((rr, cc, rr, cc), width=4 if projector else 3, color="#000",
                                inset=0.08))
    b = index_base() if base is None else base
    dtick = 1 if max(R, C) <= 16 else 4
    if b:  # labels shifted, coordinates not (outlines and selections stay cell indices)
        trace["hovertext"] = [[f"[{r + b},{c + b}]" for c in range(C)] for r in range(R)]
        trace["hovertemplate"] = name + "%{hovertext} = %{customdata}<extra></extra>"
    xticks, yticks = (_ticks(n, pb, pa, dtick, b) for n, pb, pa in
                      ((C, pad[1], pad[3]), (R, pad[0], pad[2])))
    layout = {
        "title": {"text": title, "font": {"size": 18 if projector else 16}, "x": 0},
        "width": size * (C + pad[1] + pad[3]) + 50,
        "height": size * (R + pad[0] + pad[2]) + 80,
        "margin": {"l": 40, "r": 10, "t": 70, "b": 10},
        "xaxis": {"side": "top", "range": [-pad[1] - 0.5, C - 0.5 + pad[3]], "showgrid": False,
                  "zeroline": False, **xticks},
        "yaxis": {"showgrid": False, "zeroline": False, **yticks,
                  "range": [R - 0.5 + pad[2], -pad[0] - 0.5]},  # reversed: row 0 on top
        "shapes": shapes,
        "plot_bgcolor": "#ffffff",
        "font": {"size": 16 if projector else 13},
    }
    return {"data": [trace], "layout": layout}


def _ticks(n: int, before: int, after: int, dtick: int, base: int) -> dict:
    """An axis's tick labels: every `dtick`-th index from 0, written in index `base`
    (padding cells, -before .. n - 1 + after, get their indices too)."""
    if not base:
        return {"tickmode": "linear", "dtick": dtick, "tick0": 0, "ticks": ""}
    vals = [v for v in range(-before, n + after) if v % dtick == 0]
    return {"tickmode": "array", "tickvals": vals, "ticktext": [str(v + base) for v in vals],
            "ticks": ""}


def _rect(r: Rect, *, width: float, color: str, dash: str = "solid", inset: float = 0.0) -> dict:
    r0, c0, r1, c1 = r
    return {
        "type": "rect", "xref": "x", "yref": "y",
        "x0": c0 - 0.5 + inset, "x1": c1 + 0.5 - inset,
        "y0": r0 - 0.5 + inset, "y1": r1 + 0.5 - inset,
        "line": {"width": width, "color": color, "dash": dash},
        "fillcolor": "rgba(0,0,0,0)",
    }


def checked(fig: dict) -> object:
    """`fig` as a Plotly Figure that skips Plotly's property validation.

    Plotly validates a dict property by property (about 3 ms for a 6x6 heatmap, 40 ms for a
    32x32 one with a few hundred outlines); a Figure made with validation off is
    taken as it is. The figures of this module use only valid properties (the tests draw
    them all), and the JSON sent to the browser is the same either way, template included
    (validation drops an empty `shapes` list; so does this).
    Falls back to the dict (validated by Streamlit) if this Plotly does not know the switch.
    """
    import plotly.graph_objects as go

    layout = fig.get("layout", {})
    if "shapes" in layout and not layout["shapes"]:  # validation leaves an empty list out
        fig = {**fig, "layout": {k: v for k, v in layout.items() if k != "shapes"}}
    try:
        return go.Figure(fig, _validate=False)
    except TypeError:  # a Plotly without the private `_validate` switch
        return fig
