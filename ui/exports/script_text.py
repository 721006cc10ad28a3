"""The source-writing pieces every generated script shares (PyTorch: `ui.exports.torch_script`;
JAX, ONNX, Keras: `ui.exports.framework_script`): comments and printed notes wrapped to a
width, numbers as Python source, an array's rows, and the script's own number printer.

Pure functions of text and arrays; no Streamlit import. Each returns source lines (no newline)
or, for the helpers the scripts define, source text.
"""

from __future__ import annotations

import textwrap

import numpy as np

from ui.format import cell_text

# The generated scripts' number printer: defined at the top of every script.
FMT_HELPER = '''\
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


'''

# The end of every script's ``show(name, ...)``, once it has ``rows`` (lists of fmt texts):
# ``name =``, the rows right-aligned and indented by two spaces, an empty line.
SHOW_ROWS = '''\
    width = max(len(cell) for row in rows for cell in row)
    print(name + " =")
    for row in rows:
        print("  " + " ".join(cell.rjust(width) for cell in row))
    print()
'''


def comment(text: str, indent: str = "") -> list[str]:
    """`text` as ``# ...`` lines of at most 96 characters after `indent`."""
    return [f"{indent}# {line}" for line in textwrap.wrap(" ".join(text.split()), 96)]


def print_source(text: str) -> list[str]:
    """``print(...)`` of `text`, split into adjacent string literals of at most ~80 characters."""
    words = " ".join(text.split())
    chunks = textwrap.wrap(words, 80, drop_whitespace=False)
    return ["print("] + [f"    {c!r}" for c in chunks] + [")"]


def literal(v: float) -> str:
    """A float as Python source: `cell_text`, with nan/inf as the script's names (FMT_HELPER)."""
    return cell_text(v)  # "nan", "inf", "-inf" are names defined in the script


def rows_source(arr: np.ndarray) -> list[str]:
    """The rows of a 2-D array (H, W) as ``    [a, b, ...],`` lines, H of them, every number
    right-aligned to the widest."""
    rows = [[literal(v) for v in row] for row in arr]
    width = max(len(c) for row in rows for c in row)
    return ["    [" + ", ".join(c.rjust(width) for c in row) + "]," for row in rows]
