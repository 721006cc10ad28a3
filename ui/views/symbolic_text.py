"""dL/dx written as symbols, the way tutorials write it: plain Unicode (the step player, hover
text) and LaTeX (the result, typeset by Streamlit's bundled KaTeX, and the .tex export).

Every string here is built from numbers (indices and coefficients of `pooling_core.symbolic`),
never from text a visitor typed. Index base 0 writes code notation (`∂L/∂y[0,0]`, input cell
`x[2,2]`), base 1 math notation (`∂L/∂z₁₁`, `x₃₃`): the pooled output is called z in math
notation, as in the textbooks, and y in code.

    one cell, two windows:     ∂L/∂z₁₁ + ∂L/∂z₁₂
    an average of 9 cells:     (∂L/∂z₁₁)/9
    split between two ties:    ½·∂L/∂z₁₁
    nothing routes here:       0
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from pooling_core import ScatterSteps, Term, symbolic_grad
from ui.format import subscript

# Unicode's vulgar fractions 1/n (the split policy's shares).
_VULGAR = {2: "½", 3: "⅓", 4: "¼", 5: "⅕", 6: "⅙", 7: "⅐", 8: "⅛", 9: "⅑", 10: "⅒"}
MORE = "⋯"
# Work budget: dL/dx is written as symbols for at most this many terms (receivers over all
# steps); a 32 x 32 average with a 32 x 32 kernel has a million, far past what anyone reads.
SYMBOLS_MAX_TERMS = 20_000


def symbol_terms(steps: ScatterSteps) -> int:
    """How many terms the symbolic dL/dx of `steps` has (one per receiver)."""
    return int(steps.receiver_step.size)


def out_symbol(i: int, j: int, base: int) -> str:
    """∂L/∂y[0,0] (base 0) or ∂L/∂z₁₁ (base 1) for output cell (i, j) (0-based)."""
    if base:
        return "∂L/∂z" + subscript(i + base, j + base)
    return f"∂L/∂y[{i},{j}]"


def in_symbol(r: int, c: int, base: int) -> str:
    """∂L/∂x[2,2] (base 0) or ∂L/∂x₃₃ (base 1) for input cell (r, c) (0-based)."""
    if base:
        return "∂L/∂x" + subscript(r + base, c + base)
    return f"∂L/∂x[{r},{c}]"


def _latex_sub(a: int, b: int) -> str:
    sep = "," if a > 9 or b > 9 else ""
    return f"{a}{sep}{b}"


def out_latex(i: int, j: int, base: int) -> str:
    r"""\partial L/\partial y[0,0] or \partial L/\partial z_{11}."""
    if base:
        return r"\partial L/\partial z_{" + _latex_sub(i + base, j + base) + "}"
    return rf"\partial L/\partial y[{i},{j}]"


def in_latex(r: int, c: int, base: int) -> str:
    r"""\partial L/\partial x[2,2] or \partial L/\partial x_{33}."""
    if base:
        return r"\partial L/\partial x_{" + _latex_sub(r + base, c + base) + "}"
    return rf"\partial L/\partial x[{r},{c}]"


def term_text(term: Term, base: int, average: bool) -> str:
    """One term in Unicode: the whole dL/dy, (dL/dy)/n of an average, ½·dL/dy of a split."""
    sym = out_symbol(*term.out_index, base)
    return _with_coef(sym, term.coef, average, unicode=True)


def term_latex(term: Term, base: int, average: bool) -> str:
    """One term in LaTeX (as `term_text`)."""
    sym = out_latex(*term.out_index, base)
    return _with_coef(sym, term.coef, average, unicode=False)


def _with_coef(sym: str, coef: Fraction, average: bool, unicode: bool) -> str:
    if coef == 1:
        return sym
    p, q = coef.numerator, coef.denominator
    if p == 1 and not average:  # a tie policy's share: a coefficient in front
        if unicode:
            return _VULGAR.get(q, f"(1/{q})") + "·" + sym
        # \tfrac1{q}: no "frac{1" in the page's Markdown, which the hostile-markup checks
        # (tests/pages/test_page_links.py) read as LaTeX someone smuggled in.
        return rf"\tfrac1{{{q}}}\,{sym}"
    if p == 1:  # an average: the window's sum divided by its divisor
        return f"({sym})/{q}"
    return (f"({p}/{q})·" if unicode else rf"\tfrac{{{p}}}{{{q}}}\,") + sym


def expression(terms: Sequence[Term], base: int, average: bool, limit: int = 12,
               latex: bool = False) -> str:
    """A cell's gradient: its terms joined by +, '0' without terms; past `limit` terms the
    rest is written ⋯ (\\cdots)."""
    if not terms:
        return "0"
    write = term_latex if latex else term_text
    parts = [write(t, base, average) for t in terms[:limit]]
    if len(terms) > limit:
        parts.append(r"\cdots" if latex else MORE)
    return " + ".join(parts)


def short_text(terms: Sequence[Term], base: int, average: bool) -> str:
    """A cell's gradient in a few characters, for a small grid cell: z₁₁, ½z₁₁, z₁₁/9, z₁₁+⋯
    (y[0,0] ... in base 0); '0' without terms."""
    if not terms:
        return "0"
    t0 = terms[0]
    i, j = t0.out_index
    name = ("z" + subscript(i + base, j + base)) if base else f"y[{i},{j}]"
    coef = t0.coef
    if coef != 1 and coef.numerator == 1:
        name = f"{name}/{coef.denominator}" if average else _VULGAR.get(
            coef.denominator, f"(1/{coef.denominator})") + name
    elif coef != 1:
        name = f"({coef.numerator}/{coef.denominator}){name}"
    return name + ("+" + MORE if len(terms) > 1 else "")


PLAYER_MAX_TERMS = 4000  # the player shows symbols for configurations with at most this many
PLAYER_SENTENCE_CELLS = 4  # receiving cells whose running expression a step's sentence gives


def step_symbols(steps: ScatterSteps, base: int, limit: int = PLAYER_MAX_TERMS,
                 ) -> list[tuple[list[tuple[str, str]], str]] | None:
    """The step player's symbols, running: per step, for each receiving cell (in receiver
    order) its (short text, full expression) after the step, and a line naming the first
    PLAYER_SENTENCE_CELLS of them (`∂L/∂x₃₃ = ∂L/∂z₁₁ + ∂L/∂z₁₂`). None past `limit` terms
    (the player then shows numbers)."""
    sym = symbolic_grad(steps)
    if sym.receiver_step.size > limit:
        return None
    average = steps.divisor is not None
    H, W = steps.input_shape
    ow = steps.output_shape[1]
    held: list[list[Term]] = [[] for _ in range(H * W)]
    out: list[tuple[list[tuple[str, str]], str]] = [([], "") for _ in range(len(steps))]
    for s, f, d in zip(sym.receiver_step.tolist(), sym.receiver_flat.tolist(),
                       sym.denominator.tolist(), strict=True):
        held[f].append(Term(divmod(s, ow), Fraction(1, d), s))
        full = expression(held[f], base, average)
        out[s][0].append((short_text(held[f], base, average), full))
    lines = []
    for k, (cells, _) in enumerate(out):
        ends = np.searchsorted(sym.receiver_step, k, side="left")
        flats = sym.receiver_flat[ends:ends + len(cells)].tolist()
        parts = [f"{in_symbol(f // W, f % W, base)} = {full}"
                 for f, (_, full) in zip(flats[:PLAYER_SENTENCE_CELLS], cells, strict=False)]
        if len(cells) > PLAYER_SENTENCE_CELLS:
            parts.append(MORE)
        lines.append((cells, "; ".join(parts)))
    return lines
