"""Exports of one Explorer configuration: CSV, JSON, LaTeX and a PyTorch script.

Pure functions; no Streamlit import. Each takes the input ``x`` of shape (H, W), the upstream
gradient ``grad_output`` (dL/dy) of shape (OH, OW), a `PoolSpec` and, where it helps, the
Explorer's `ui.compute.Results` (any object with ``forward``, ``wins`` and ``grad_input``).
When ``results`` is None every array is computed here by pooling_core, which is the only place
numbers come from; the PyTorch script's numbers come from torch when it is run.

Identifiers and numbers in the files are fixed (``x``, ``dL/dx``, ``grad_input``...); prose
(CSV titles, LaTeX labels, the script's comments) goes through `t` in ``lang`` (None: the
session's language, English outside a running app).

Numbers are written exactly in CSV, JSON and the script (integers without decimals, otherwise
the shortest text that reads back to the same float64; NaN and infinities as ``nan``, ``inf``,
``-inf``), and with ``digits`` significant digits in LaTeX.
"""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from pooling_core import PoolSpec, output_size, pool_backward, pool_forward, win_counts
from ui.format import cell_text, fmt
from ui.i18n import t

if TYPE_CHECKING:
    from ui.compute import Results

FORMAT_ID = "pooling-backprop-explorer/exports-1"
SNIPPET_FILE = "pooling_torch.py"


# --------------------------------------------------------------------------- the arrays
@dataclass(frozen=True)
class ExportArrays:
    """Every array an export writes, all two-dimensional.

    Attributes
    ----------
    x : float64 (H, W)            the input
    output : float64 (OH, OW)     y = pool(x)
    win_counts : int64 (H, W)     the mask: how many windows send gradient to each input cell
    grad_output : float64 (OH, OW) dL/dy
    grad_input : float64 (H, W)   dL/dx under ``spec.ties``
    indices : int64 (OH, OW) or None   max mode: PyTorch's ``return_indices`` (r * W + c)
    divisor : int64 (OH, OW) or None   average mode: what each window's sum is divided by
    """

    x: np.ndarray
    output: np.ndarray
    win_counts: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    indices: np.ndarray | None
    divisor: np.ndarray | None


def _as_2d(a: object, name: str) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 2 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty (H, W) array, got shape {arr.shape}")
    return arr


def export_arrays(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, results: Results | None = None
) -> ExportArrays:
    """Collect the arrays of one configuration, from `results` or computed by pooling_core.

    Raises ValueError when `x` or `grad_output` is not a 2-D array, or (through pooling_core's
    `PoolingError`) when they do not fit `spec`.
    """
    xs = _as_2d(x, "x")
    gy = _as_2d(grad_output, "grad_output")
    if results is None:
        fwd = pool_forward(xs, spec)
        wins = win_counts(xs, spec)
        gx = pool_backward(xs, gy, spec)
    else:
        fwd, wins, gx = results.forward, results.wins, results.grad_input
    out = np.asarray(fwd.output, dtype=np.float64)
    if out.shape != gy.shape:
        raise ValueError(f"grad_output must have the output's shape {out.shape}, got {gy.shape}")
    return ExportArrays(
        x=xs,
        output=out,
        win_counts=np.asarray(wins, dtype=np.int64),
        grad_output=gy,
        grad_input=np.asarray(gx, dtype=np.float64),
        indices=None if fwd.indices is None else np.asarray(fwd.indices, dtype=np.int64),
        divisor=None if fwd.divisor is None else np.asarray(fwd.divisor, dtype=np.int64),
    )


# --------------------------------------------------------------------------- the spec
def torch_function(spec: PoolSpec) -> str:
    """``"max_pool2d"`` or ``"avg_pool2d"`` (in ``torch.nn.functional``)."""
    return "max_pool2d" if spec.mode == "max" else "avg_pool2d"


def torch_kwargs(spec: PoolSpec) -> dict[str, Any]:
    """The spec as the keyword arguments of the PyTorch function, in PyTorch's order."""
    kw: dict[str, Any] = {"kernel_size": spec.k, "stride": spec.s, "padding": spec.p}
    if spec.mode == "max":
        kw["dilation"] = spec.d
        kw["ceil_mode"] = spec.ceil_mode
    else:
        kw["ceil_mode"] = spec.ceil_mode
        kw["count_include_pad"] = spec.count_include_pad
        kw["divisor_override"] = spec.divisor_override
    return kw


def torch_accepts(spec: PoolSpec) -> bool:
    """Whether PyTorch accepts the spec: max_pool2d wants padding <= kernel_size // 2 whatever
    the dilation (pooling_core allows up to half the dilated kernel)."""
    return spec.mode == "avg" or all(p <= k // 2 for p, k in zip(spec.p, spec.k, strict=True))


def torch_call(spec: PoolSpec, arg: str = "x") -> str:
    """The PyTorch call as one line, e.g. ``F.max_pool2d(x, kernel_size=(2, 2), ...)``."""
    kw = ", ".join(f"{k}={v!r}" for k, v in torch_kwargs(spec).items())
    extra = ", return_indices=True" if spec.mode == "max" else ""
    return f"F.{torch_function(spec)}({arg}, {kw}{extra})"


def _spec_note(spec: PoolSpec) -> str:
    call = torch_call(spec)
    return f'{call}; ties = "{spec.ties}"' if spec.mode == "max" else call


# --------------------------------------------------------------------------- blocks
def _blocks(a: ExportArrays, spec: PoolSpec, lang: str | None) -> list[tuple[str, str, np.ndarray]]:
    """(identifier, translated description, array) in the order of every export."""
    mask_key = "export.array.mask_max" if spec.mode == "max" else "export.array.mask_avg"
    blocks = [
        ("x", t("export.array.x", lang=lang), a.x),
        ("y", t("export.array.y", lang=lang), a.output),
        ("mask", t(mask_key, lang=lang, ties=spec.ties), a.win_counts),
        ("dL/dy", t("export.array.grad_output", lang=lang), a.grad_output),
        ("dL/dx", t("export.array.grad_input", lang=lang, ties=spec.ties)
         if spec.mode == "max" else t("export.array.grad_input_avg", lang=lang), a.grad_input),
    ]
    if a.indices is not None:
        blocks.append(("indices", t("export.array.indices", lang=lang), a.indices))
    if a.divisor is not None:
        blocks.append(("divisor", t("export.array.divisor", lang=lang), a.divisor))
    return blocks


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
    for ident, desc, arr in _blocks(a, spec, lang):
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
    blocks = [b for b in _blocks(a, spec, lang) if b[0] in _LATEX_SYMBOL]
    lines = [f"% {_spec_note(spec)}"]
    widest = max(arr.shape[1] for _, _, arr in blocks)
    if widest > 10:
        lines.append(rf"\setcounter{{MaxMatrixCols}}{{{widest}}}")
    for ident, desc, arr in blocks:
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


# --------------------------------------------------------------------------- PyTorch script
_SNIPPET_HELPERS = '''\
import math

import torch
import torch.nn.functional as F

nan, inf = math.nan, math.inf


def fmt(v):
    """Integers without decimals, nan/inf/-inf by name, other numbers exactly."""
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def show(name, tensor):
    rows = [[fmt(v) for v in row] for row in tensor.reshape(tensor.shape[-2:]).tolist()]
    width = max(len(cell) for row in rows for cell in row)
    print(name + " =")
    for row in rows:
        print("  " + " ".join(cell.rjust(width) for cell in row))
    print()
'''


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(" ".join(text.split()), 96)]


def _print_source(text: str) -> list[str]:
    """``print(...)`` of `text`, split into adjacent string literals of at most ~80 characters."""
    words = " ".join(text.split())
    chunks = textwrap.wrap(words, 80, drop_whitespace=False)
    return ["print("] + [f"    {c!r}" for c in chunks] + [")"]


def _literal(v: float) -> str:
    """A float as Python source: `cell_text`, with nan/inf as the snippet's names."""
    return cell_text(v)  # "nan", "inf", "-inf" are names defined in the script


def _tensor_source(name: str, arr: np.ndarray) -> list[str]:
    H, W = arr.shape
    rows = [[_literal(v) for v in row] for row in arr]
    width = max(len(c) for row in rows for c in row)
    lines = [f"{name} = torch.tensor(["]
    lines += ["    [" + ", ".join(c.rjust(width) for c in row) + "]," for row in rows]
    lines.append(f"], dtype=torch.float64).reshape(1, 1, {H}, {W})")
    return lines


def _kw_lines(kw: dict[str, Any]) -> list[str]:
    return [f"    {k}={v!r}," for k, v in kw.items()]


@dataclass(frozen=True)
class _ExplicitPad:
    """Padding done by hand: F.pad(src, (left, right, top, bottom), value=-inf)[..., :L_h, :L_w]
    gives a plane on which pooling WITHOUT padding and with floor sizes has the same windows."""

    left: int
    right: int
    top: int
    bottom: int
    length: tuple[int, int]
    crop: bool

    def source(self, src: str) -> str:
        text = (f"F.pad({src}, ({self.left}, {self.right}, {self.top}, {self.bottom}), "
                f"value=-inf)")
        if self.crop:
            text += f"[..., :{self.length[0]}, :{self.length[1]}]"
        return text


def _explicit_pad(spec: PoolSpec, in_hw: tuple[int, int], out_hw: tuple[int, int]) -> _ExplicitPad:
    lengths, after, crop = [], [], False
    for n, o, s, p, eff in zip(in_hw, out_hw, spec.s, spec.p, spec.effective_kernel, strict=True):
        length = (o - 1) * s + eff  # the windows span exactly this much of the padded axis
        lengths.append(length)
        after.append(max(0, length - n - p))
        crop = crop or n + p > length
    return _ExplicitPad(spec.p[1], after[1], spec.p[0], after[0], (lengths[0], lengths[1]), crop)


def pytorch_snippet(
    x: np.ndarray, grad_output: np.ndarray, spec: PoolSpec, *, lang: str | None = None,
    file_name: str = SNIPPET_FILE,
) -> str:
    """A self-contained Python script reproducing the configuration with torch (float64).

    It builds ``x`` (requires_grad) and ``grad_output`` as (1, 1, H, W) tensors, runs
    ``F.max_pool2d(..., return_indices=True)`` or ``F.avg_pool2d(..., count_include_pad=...,
    divisor_override=...)``, calls ``y.backward(grad_output)`` and prints blocks::

        y =
          <rows>
        <empty line>

    named ``y``, ``indices`` (max mode), ``dL/dx``: numbers in the CSV's exact format.

    Max mode with ties other than "first": a comment and a printed note say that max_pool2d
    uses "first"; its gradient is printed as ``dL/dx (ties=first)``. For "split" the script
    then computes the Explorer's gradient with torch.amax over the windows cut out by F.unfold
    (input padded with -inf) and prints it as ``dL/dx``; for "last" and "all" it explains that no
    built-in operation follows them (no ``dL/dx`` block). A spec PyTorch refuses (max mode,
    padding > kernel_size // 2) is said so in a comment, and reproduced by padding with -inf
    by hand and pooling without padding (indices mapped back to x).
    """
    xs = _as_2d(x, "x")
    gy = _as_2d(grad_output, "grad_output")
    sizes = output_size(xs.shape, spec)
    out_hw = (sizes[0].size, sizes[1].size)
    if gy.shape != out_hw:
        raise ValueError(f"grad_output must have the output's shape {out_hw}, got {gy.shape}")
    H, W = xs.shape

    def tr(key: str, **kw: Any) -> str:
        return t(f"export.py.{key}", lang=lang, **kw)

    L: list[str] = []
    L += _comment(tr("title"))
    L += _comment(tr("run", file=file_name))
    L += _comment(tr("format"))
    L.append("#")
    L += [f"# {_spec_note(spec)}"]
    L += _SNIPPET_HELPERS.splitlines()
    L += ["", ""]
    L += _comment(tr("x", h=H, w=W))
    L += _tensor_source("x", xs)
    L.append("x.requires_grad_(True)")
    L += _comment(tr("grad_output", oh=out_hw[0], ow=out_hw[1]))
    L += _tensor_source("grad_output", gy)
    L.append("")

    if spec.mode == "avg":
        L.append("y = F.avg_pool2d(")
        L.append("    x,")
        L += _kw_lines(torch_kwargs(spec))
        L.append(")")
        L.append("y.backward(grad_output)")
        L += ['show("y", y)', 'show("dL/dx", x.grad)']
        return "\n".join(L) + "\n"

    kw = torch_kwargs(spec)
    pad = _explicit_pad(spec, (H, W), out_hw)
    if torch_accepts(spec):
        L.append("y, indices = F.max_pool2d(")
        L.append("    x,")
        L += _kw_lines(kw)
        L.append("    return_indices=True,")
        L.append(")")
    else:
        L += _comment(tr("refused", kh2=spec.k[0] // 2, kw2=spec.k[1] // 2,
                         ph=spec.p[0], pw=spec.p[1]))
        L += _comment(tr("refused_how"))
        L += _comment(tr("refused_edge"))
        L.append(f"padded = {pad.source('x')}")
        L.append("y, indices_padded = F.max_pool2d(")
        L.append("    padded,")
        L += _kw_lines({"kernel_size": spec.k, "stride": spec.s, "dilation": spec.d})
        L.append("    return_indices=True,")
        L.append(")")
        Lw = pad.length[1]
        L.append(f"indices = (indices_padded // {Lw} - {pad.top}) * {W} "
                 f"+ (indices_padded % {Lw} - {pad.left})")
    L.append("y.backward(grad_output)")
    L += ['show("y", y)', 'show("indices", indices)']
    if spec.ties == "first":
        L.append('show("dL/dx", x.grad)')
        return "\n".join(L) + "\n"

    L.append("")
    note = tr("first_note", ties=spec.ties)
    L += _comment(note)
    L += _print_source(note)
    L.append("print()")
    L.append('show("dL/dx (ties=first)", x.grad)')
    L.append("")
    if spec.ties == "split":
        L += _comment(tr("split_how"))
        L += _comment(tr("split_edge"))
        L.append("x_split = x.detach().clone().requires_grad_(True)")
        L.append(f"windows = F.unfold(  # (1, {spec.k[0]} * {spec.k[1]}, {out_hw[0]} * "
                 f"{out_hw[1]}): one column per window")
        L.append(f"    {pad.source('x_split')},")
        L += _kw_lines({"kernel_size": spec.k, "dilation": spec.d, "stride": spec.s})
        L.append(")")
        L.append("y_split = torch.amax(windows, dim=1)  # the max of each window")
        L.append("y_split.backward(grad_output.reshape(1, -1))")
        L.append('show("dL/dx", x_split.grad)')
    else:
        note = tr("no_builtin", ties=spec.ties)
        L += _comment(note)
        L += _print_source(note)
    return "\n".join(L) + "\n"


_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


def file_stem(spec: PoolSpec) -> str:
    """A file-name stem naming the configuration, e.g. ``pooling_max_k2x2_s2x2``."""
    stem = f"pooling_{spec.mode}_k{spec.k[0]}x{spec.k[1]}_s{spec.s[0]}x{spec.s[1]}"
    return _SAFE_NAME.sub("_", stem)
