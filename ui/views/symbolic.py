"""The notation switches (index base, show as symbols) and dL/dx shown as symbols.

The symbols come from `pooling_core.symbolic_grad` (read from the same steps as the numbers)
and are written by `ui.views.symbolic_text`; the equations are typeset by the KaTeX bundled
in Streamlit's frontend (`$...$` in st.markdown, inline so that a long sum wraps at its +
signs on a phone instead of scrolling): no request to any other host. Every
formula is built here from indices and coefficients, never from text a visitor typed.
"""

from __future__ import annotations

import streamlit as st

from pooling_core import ScatterSteps, SymbolicGrad, symbolic_grad
from ui.format import BASE_KEY, index_base
from ui.i18n import t
from ui.state import keep
from ui.views import figures
from ui.views.charts import chart
from ui.views.projector import projector_on
from ui.views.symbolic_text import (
    SYMBOLS_MAX_TERMS,
    expression,
    in_latex,
    in_symbol,
    out_symbol,
    short_text,
    symbol_terms,
)

SYMBOLS_KEY = "show_symbols"
NOTATION_DEFAULTS = {SYMBOLS_KEY: False, BASE_KEY: 0}
MATRIX_MAX_CELLS = 256  # the grid of symbols is drawn for inputs up to 16 x 16 cells
LIST_MAX_CELLS = 36  # equations listed (the rest counted)
LIST_TERMS = 12  # terms written in a listed equation (then ⋯)


def symbols_on() -> bool:
    """The session shows dL/dx as symbols."""
    return bool(st.session_state.get(SYMBOLS_KEY))


def notation_controls(prefix: str = "", sidebar: bool = False) -> None:
    """The two switches of the notation (kept across pages, ui.state.keep): show dL/dx as
    symbols, and the index base (0: code, 1: math), with the note that maps one to the other.
    `prefix` keeps the widget keys of two pages apart; both write the one shared state.
    `sidebar`: drawn in the sidebar (else where the caller is)."""
    if sidebar:
        with st.sidebar:
            notation_controls(prefix)
        return
    keep(NOTATION_DEFAULTS, {BASE_KEY: lambda v: v in (0, 1)})
    ss = st.session_state
    st.markdown(f"**{t('symbolic.header')}**")
    sym_key, base_key = f"{prefix}w_{SYMBOLS_KEY}", f"{prefix}w_{BASE_KEY}"
    ss[sym_key], ss[base_key] = bool(ss[SYMBOLS_KEY]), int(ss[BASE_KEY])

    def changed() -> None:
        ss[SYMBOLS_KEY], ss[BASE_KEY] = bool(ss[sym_key]), int(ss[base_key])

    st.toggle(t("symbolic.toggle"), key=sym_key, on_change=changed, help=t("symbolic.help"))
    st.radio(t("symbolic.base"), (0, 1), key=base_key, on_change=changed, horizontal=True,
             format_func=lambda b: t(f"symbolic.base.{b}"))
    st.caption(t("symbolic.base_note"))


def symbol_grid(steps: ScatterSteps, sym: SymbolicGrad, key: str) -> None:
    """dL/dx as a grid of short symbols (z₁₁, z₁₁+⋯, ½z₁₁, z₁₁/9; 0), coloured by how many
    terms each cell has: the heatmap every grid of the app is drawn with, so it fits a phone
    (a typeset matrix would scroll sideways)."""
    average = steps.divisor is not None
    base = index_base()
    text = [[short_text(cell, base, average) for cell in row] for row in sym.grid()]
    chart(figures.heatmap(sym.term_counts(), t("symbolic.grid_title"), kind="count",
                          name=t("symbolic.terms_name"), text=text, projector=projector_on()),
          f"fig_sym_{key}" if key else "fig_sym", t("symbolic.alt"))


def equations(sym: SymbolicGrad, base: int, average: bool, k: int | None = None,
              limit: int = LIST_MAX_CELLS) -> tuple[list[str], int]:
    """LaTeX equations `∂L/∂x_rc = terms` of the cells with terms after steps 0..k, in
    row-major order, at most `limit`; and how many cells were left out."""
    out, cells = [], 0
    for r, row in enumerate(sym.grid(k)):
        for c, cell in enumerate(row):
            if not cell:
                continue
            cells += 1
            if len(out) < limit:
                out.append(in_latex(r, c, base) + " = "
                           + expression(cell, base, average, LIST_TERMS, latex=True))
    return out, cells - len(out)


def result_if_on(steps: ScatterSteps, key: str = "") -> None:
    """`symbolic_result` without the matrix (for narrow columns), when symbols are on."""
    if symbols_on():
        symbolic_result(steps, matrix=False, key=key)


def symbolic_result(steps: ScatterSteps, matrix: bool = True, key: str = "") -> None:
    """The final dL/dx as symbols: a grid of short symbols (up to 16 x 16, unless `matrix` is
    False) and one equation per cell that receives gradient (every other cell is 0). `key`
    names the container (`sym_result_<key>`) and the grid's chart (`fig_sym_<key>`)."""
    with st.container(key=f"sym_result_{key}" if key else "sym_result"):
        _result(steps, matrix, key)


def _result(steps: ScatterSteps, matrix: bool, key: str) -> None:
    st.markdown(f"**{t('symbolic.result')}**")
    if symbol_terms(steps) > SYMBOLS_MAX_TERMS:
        st.info(t("symbolic.too_many", n=symbol_terms(steps), limit=SYMBOLS_MAX_TERMS),
                icon=":material/info:")
        return
    base = index_base()
    sym = symbolic_grad(steps)
    average = steps.divisor is not None
    H, W = steps.input_shape
    if matrix and H * W <= MATRIX_MAX_CELLS:
        symbol_grid(steps, sym, key)
    lines, more = equations(sym, base, average)
    if lines:
        st.markdown("\n".join(f"- ${line}$" for line in lines))
    if more:
        st.caption(t("symbolic.more", n=more))
    if matrix:  # narrow columns (Ties: four side by side) leave out the reading note
        st.caption(t("symbolic.zero_note", example=example_text(base)))


def example_text(base: int) -> str:
    """'∂L/∂z₁₁ stands for dL/dy[0,0]' style: how a symbol maps to a cell, in this base."""
    return t("symbolic.example", out=out_symbol(0, 0, base), x=in_symbol(2, 2, base))
