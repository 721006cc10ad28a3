"""Drawing heatmaps on a page, and the app-wide projector mode.

Every page draws its charts through `chart`, so they all look alike: no Plotly toolbar, drawn
at their own size, an alt text for screen readers. Projector mode (a sidebar switch in app.py)
is session state; `projector_on` tells the figure builders, `projector_css` restyles the page.
"""

from __future__ import annotations

import streamlit as st

from . import figures

PROJECTOR_KEY = "projector"
CHART_CONFIG = {"displayModeBar": False}

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


def chart(fig: dict, key: str, alt: str) -> None:
    """One heatmap (a dict from ui.figures), drawn at its own size, without Plotly's toolbar."""
    st.plotly_chart(figures.checked(fig), key=key, config=CHART_CONFIG, width="content",
                    alt=alt)
