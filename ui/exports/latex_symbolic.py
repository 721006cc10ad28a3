"""The symbolic dL/dx as LaTeX, for slides and paper: the matrix of symbols and the table of
steps (which window adds which term to which cell), in code (0-based) or math (1-based)
notation. Built from `pooling_core.symbolic_grad` (indices and exact coefficients only).

    symbolic_latex(steps, base=1)                   # the equations, to paste
    symbolic_latex(steps, base=1, standalone=True)  # a complete document (amsmath)
"""

from __future__ import annotations

from pooling_core import ScatterSteps, symbolic_grad
from ui.views.symbolic_text import (
    SYMBOLS_MAX_TERMS,
    expression,
    in_latex,
    symbol_terms,
    term_latex,
)

TABLE_MAX_ROWS = 400  # rows of the step table (one per term); the rest is counted in a comment
ENTRY_TERMS = 64  # terms written in one matrix entry (then \cdots)


def symbolic_latex(steps: ScatterSteps, base: int = 0, standalone: bool = False) -> str | None:
    """dL/dx of `steps` as symbols: a bmatrix (H x W entries), then a longtable-free tabular
    of the steps: step, window, input cell, term added. `base`: 0 writes ∂L/∂y[i,j] and
    x[r,c], 1 writes ∂L/∂z_{ij} and x_{rc} (both counted from `base`). None past
    SYMBOLS_MAX_TERMS terms (the work budget)."""
    if symbol_terms(steps) > SYMBOLS_MAX_TERMS:
        return None
    sym = symbolic_grad(steps)
    average = steps.divisor is not None
    H, W = steps.input_shape
    ow = steps.output_shape[1]
    rows = [" & ".join(expression(cell, base, average, ENTRY_TERMS, latex=True) for cell in row)
            for row in sym.grid()]
    lines = [
        f"% dL/dx of a {H} x {W} input as symbols ({'1' if base else '0'}-based indices)",
        r"\[",
        r"\frac{\partial L}{\partial x} =",
        r"\begin{bmatrix}",
        " \\\\\n".join(rows),
        r"\end{bmatrix}",
        r"\]",
        "",
        r"\begin{tabular}{rlll}",
        r"step & window & cell & adds \\ \hline",
    ]
    grid = sym.grid()
    flat_terms = sorted(
        ((term.step, r, c, term) for r, row in enumerate(grid) for c, cell in enumerate(row)
         for term in cell), key=lambda e: (e[0], e[1], e[2]))
    for s, r, c, term in flat_terms[:TABLE_MAX_ROWS]:
        i, j = divmod(s, ow)
        lines.append(f"{s + base} & $({i + base},{j + base})$ & ${in_latex(r, c, base)}$ & "
                     f"${term_latex(term, base, average)}$ \\\\")
    lines.append(r"\end{tabular}")
    if len(flat_terms) > TABLE_MAX_ROWS:
        lines.append(f"% ... {len(flat_terms) - TABLE_MAX_ROWS} more rows left out")
    body = "\n".join(lines) + "\n"
    if not standalone:
        return body
    return ("\\documentclass{article}\n\\usepackage{amsmath}\n\\setcounter{MaxMatrixCols}{40}\n"
            "\\begin{document}\n" + body + "\\end{document}\n")
