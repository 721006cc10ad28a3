"""Tables of one configuration: every array and the spec in one CSV file, as JSON, and as
LaTeX equations.

Pure functions; no Streamlit import. Arguments as in `ui.exports.arrays`: the input ``x``
(H, W), ``grad_output`` (OH, OW), a `PoolSpec`, optionally the Explorer's `Results`.
Identifiers and numbers in the files are fixed (``x``, ``dL/dx``, ``grad_input``...); prose
(CSV titles, LaTeX labels) goes through `t` in ``lang`` (None: the session's language, English
outside a running app).

Numbers are written exactly in CSV and JSON (integers without decimals, otherwise the shortest
text that reads back to the same float64; NaN and infinities as ``nan``, ``inf``, ``-inf``),
and with ``digits`` significant digits in LaTeX.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import numpy as np

from pooling_core import PoolSpec
from ui.exports.arrays import (
    blocks,
    export_arrays,
    spec_note,
    torch_accepts,
    torch_call,
    torch_function,
    torch_kwargs,
)
from ui.format import cell_text, fmt
from ui.i18n import t

if TYPE_CHECKING:
    from ui.compute import Results

FORMAT_ID = "pooling-backprop-explorer/exports-1"


# --------------------------------------------------------------------------- CSV
def _py_literal(v: object) -> str:
    return repr(v) if isinstance(v, (bool, type(None))) else str(v)


def arrays_csv(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None,
    *, lang: str | None = None,
) -> bytes:
    """All arrays in ONE CSV file (UTF-8 with a byte-order mark, so spreadsheets read it right).

    Blocks are separated by an empty row. Each block starts with a title row
    ``[identifier, description]``, followed by the array's rows. The first block is
    ``spec`` (one row per PyTorch parameter: name, then its value(s) — pairs as two cells);
    then ``x``, ``y``, ``mask`` (win counts), ``dL/dy``, ``dL/dx`` and ``indices`` (max mode,
    PyTorch's flat r * W + c) or ``divisor`` (average mode).

    Cells are exact: integers without decimals, ``nan``, ``inf``, ``-inf``, otherwise the
    shortest text that reads back to the same float64.
    """
    a = export_arrays(x, grad_output, spec, results)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["spec", t("export.array.spec", lang=lang)])
    w.writerow(["function", torch_function(spec)])
    for name, value in torch_kwargs(spec).items():
        cells = list(value) if isinstance(value, tuple) else [value]
        w.writerow([name, *(_py_literal(c) for c in cells)])
    if spec.mode == "max":
        w.writerow(["ties", spec.ties])
    for ident, desc, arr in blocks(a, spec, lang):
        w.writerow([])
        w.writerow([ident, desc])
        for row in arr:
            w.writerow([cell_text(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- JSON
def _json_number(v: float) -> float | int | str:
    f = float(v)
    if np.isnan(f):
        return "nan"
    if np.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def _json_matrix(arr: np.ndarray) -> list[list[Any]]:
    if arr.dtype.kind in "iu":
        return [[int(v) for v in row] for row in arr]
    return [[_json_number(v) for v in row] for row in arr]


def _json_text(obj: Any, indent: int = 0) -> str:
    """JSON with objects spread over lines, flat lists on one line and each row of a matrix
    on its own line."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(obj, dict):
        items = [f"{inner}{json.dumps(k)}: {_json_text(v, indent + 2)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and isinstance(obj[0], list):
        rows = [inner + json.dumps(row, allow_nan=False) for row in obj]
        return "[\n" + ",\n".join(rows) + "\n" + pad + "]"
    return json.dumps(obj, allow_nan=False, ensure_ascii=False)


def arrays_json(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None,
) -> str:
    """All arrays and the spec as JSON text (strict JSON: no bare NaN or Infinity).

    Layout::

        {"format": "pooling-backprop-explorer/exports-1",
         "spec": {"function": "max_pool2d", "kernel_size": [kh, kw], "stride": [..],
                  "padding": [..], "dilation": [..], "ceil_mode": false, "ties": "first"},
                  (average mode: count_include_pad and divisor_override instead of
                   dilation and ties)
         "torch_call": "F.max_pool2d(x, kernel_size=(2, 2), ...)",
         "torch_accepts": true,
         "arrays": {"input": [[..]], "output": .., "win_counts": .., "grad_output": ..,
                    "grad_input": .., "indices" (max) / "divisor" (avg): ..}}

    Floats are exact (shortest round-trip text); NaN, +inf and -inf are the strings
    ``"nan"``, ``"inf"`` and ``"-inf"``. Each matrix row is on one line.
    """
    a = export_arrays(x, grad_output, spec, results)
    spec_obj: dict[str, Any] = {"function": torch_function(spec), "mode": spec.mode}
    for name, value in torch_kwargs(spec).items():
        spec_obj[name] = list(value) if isinstance(value, tuple) else value
    if spec.mode == "max":
        spec_obj["ties"] = spec.ties
    arrays = {"input": a.x, "output": a.output, "win_counts": a.win_counts,
              "grad_output": a.grad_output, "grad_input": a.grad_input}
    if a.indices is not None:
        arrays["indices"] = a.indices
    if a.divisor is not None:
        arrays["divisor"] = a.divisor
    doc = {
        "format": FORMAT_ID,
        "spec": spec_obj,
        "torch_call": torch_call(spec),
        "torch_accepts": torch_accepts(spec),
        "shapes": {"input": list(a.x.shape), "output": list(a.output.shape)},
        "arrays": {name: _json_matrix(arr) for name, arr in arrays.items()},
    }
    return _json_text(doc) + "\n"


# --------------------------------------------------------------------------- LaTeX
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
                  "#": r"\#", "^": r"\^{}", "_": r"\_", "~": r"\~{}", "%": r"\%"}


def latex_escape(text: str) -> str:
    """Text safe inside ``\\text{...}``: LaTeX's special characters escaped."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def latex_number(value: float, digits: int = 4) -> str:
    """One number for LaTeX math: integers without decimals, others with `digits` significant
    digits, ``1.5 \\times 10^{-5}`` for exponents, ``\\mathrm{NaN}``, ``\\infty``, ``-\\infty``."""
    text = fmt(value, digits)
    if text == "NaN":
        return r"\mathrm{NaN}"
    if text in ("∞", "-∞"):
        return text.replace("∞", r"\infty")
    if "e" in text:
        mantissa, exp = text.split("e")
        return rf"{mantissa} \times 10^{{{int(exp)}}}"
    return text


def latex_bmatrix(a: np.ndarray, digits: int = 4) -> str:
    """A matrix as ``\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}`` (one line; amsmath).

    A scalar is a 1 x 1 matrix and a 1-D array one row. Numbers as `latex_number`.
    """
    arr = np.asarray(a)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim != 2:
        raise ValueError(f"latex_bmatrix needs at most 2 axes, got shape {arr.shape}")
    rows = [" & ".join(latex_number(v, digits) for v in row) for row in arr]
    return r"\begin{bmatrix} " + r" \\ ".join(rows) + r" \end{bmatrix}"


_LATEX_SYMBOL = {
    "x": "x",
    "y": "y",
    "mask": "M",
    "dL/dy": r"\frac{\partial L}{\partial y}",
    "dL/dx": r"\frac{\partial L}{\partial x}",
}


def latex_all(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None,
    *, digits: int = 4, lang: str | None = None, standalone: bool = False,
) -> str:
    """Input, output, mask, dL/dy and dL/dx as labelled equations (amsmath), e.g.::

        % F.max_pool2d(x, kernel_size=(2, 2), ...); ties = "first"
        \\begin{equation*}
          \\text{input}\\quad x = \\begin{bmatrix} ... \\end{bmatrix}
        \\end{equation*}

    A ``\\setcounter{MaxMatrixCols}{n}`` line is added when a matrix has more than amsmath's
    default 10 columns. With `standalone`, the result is a whole document (article class).
    """
    a = export_arrays(x, grad_output, spec, results)
    shown = [b for b in blocks(a, spec, lang) if b[0] in _LATEX_SYMBOL]
    lines = [f"% {spec_note(spec)}"]
    widest = max(arr.shape[1] for _, _, arr in shown)
    if widest > 10:
        lines.append(rf"\setcounter{{MaxMatrixCols}}{{{widest}}}")
    for ident, desc, arr in shown:
        lines += [
            r"\begin{equation*}",
            rf"  \text{{{latex_escape(desc)}}}\quad {_LATEX_SYMBOL[ident]} = "
            + latex_bmatrix(arr, digits),
            r"\end{equation*}",
        ]
    body = "\n".join(lines) + "\n"
    if not standalone:
        return body
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n" + body
            + "\\end{document}\n")
