"""Projector mode: larger type and stronger contrast on every page, for a classroom projector.

A sidebar switch in app.py (widget key PROJECTOR_KEY) keeps the mode in session state, so it
survives page switches. `projector_on` tells figure builders and widgets (bigger cells, bold
numbers); `apply_projector_style` restyles the whole page once per run. How large a grid's
cells are drawn in either mode is one rule in ui.views.figures (CELL_SIZES).
"""

from __future__ import annotations

import streamlit as st

PROJECTOR_KEY = "projector"

# Larger type and stronger contrast for a classroom projector. Streamlit sizes its text in rem,
# so raising the root font size scales headings, labels, captions and widgets together.
# Fixed text only: nothing here comes from user input.
PROJECTOR_CSS = """
<style>
html { font-size: 21px !important; }
[data-testid="stAppViewContainer"], [data-testid="stSidebar"],
[data-testid="stMarkdownContainer"], [data-testid="stCaptionContainer"],
[data-testid="stWidgetLabel"] { color: #000 !important; }
[data-testid="stCaptionContainer"] { font-size: 0.95rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li {
  line-height: 1.55;
}
[data-testid="stSidebar"] { background: #fff !important; border-right: 3px solid #000; }
[data-baseweb="input"], [data-baseweb="select"] > div, [data-baseweb="textarea"] {
  border: 2px solid #000 !important;
}
button { border-width: 2px !important; border-color: #000 !important; }
:focus-visible { outline: 4px solid #0b5fff !important; outline-offset: 2px !important; }
</style>
"""


def projector_on() -> bool:
    """Whether this session has projector mode switched on."""
    return bool(st.session_state.get(PROJECTOR_KEY, False))


def apply_projector_style() -> None:
    """Restyle the whole page for a projector when the mode is on (call once per run)."""
    if projector_on():
        st.html(PROJECTOR_CSS)
