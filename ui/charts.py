"""Drawing heatmaps on a page, and the app-wide projector mode.

Every page draws its charts through `chart`, so they all look alike: no Plotly toolbar, drawn
at their own size, an alt text for screen readers. Projector mode (a sidebar switch in app.py)
is session state; `projector_on` tells the figure builders, `projector_css` restyles the page.

A chart is a small v2 component (ui/assets/chart.js) that stays mounted across reruns and
redraws its figure with `Plotly.react`: `st.plotly_chart` builds a new chart whenever the
figure changes (25-30 ms per chart in the browser, measured; the Explorer has four). The
component loads plotly.js, the copy that ships with the installed `plotly` package, from the
app's static folder (`server.enableStaticServing`); when that cannot be served, charts fall
back to `st.plotly_chart`.
"""

from __future__ import annotations

import os
import shutil
from functools import cache
from pathlib import Path

import streamlit as st

from . import figures
from .assets import read_asset
from .i18n import t

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


COMPONENT_NAME = "pbe_chart"
# Streamlit serves `static/` next to the main script (app.py) at app/static/.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
# What Streamlit's own Plotly theme sets and a plain figure lacks: its type face and colours.
CHART_FONT = ('"Source Sans 3", "Source Sans Pro", "Noto Sans", "Noto Sans CJK SC", '
              '"DejaVu Sans", sans-serif')



@cache
def _static_plotly_js() -> str | None:
    """The file name of plotly.js in the app's static folder, copied there from the installed
    `plotly` package the first time (named by its version, so browsers never keep an old one);
    None when it cannot be (no such file, a read-only folder)."""
    import plotly

    name = f"plotly-{plotly.__version__}.min.js"
    target = STATIC_DIR / name
    if target.is_file():
        return name
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    try:
        STATIC_DIR.mkdir(exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.part")
        shutil.copyfile(source, partial)
        partial.replace(target)  # atomic: a browser never gets half a file
    except OSError:
        return None
    return name


def plotly_js_url() -> str | None:
    """Where the browser finds plotly.js (relative to the page), or None when the app's
    static folder is not served (then charts are drawn by st.plotly_chart)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = _static_plotly_js()
    return f"app/static/{name}" if name else None


def figure_json(fig: dict) -> str:
    """The JSON the browser draws for a figure from ui.figures: Plotly's own JSON, with no
    template (the figure sets what it needs) and Streamlit's type face and text colour."""
    import plotly.io as pio

    layout = fig.get("layout", {})
    font = {"family": CHART_FONT, "color": "#111111", **layout.get("font", {})}
    title = layout.get("title")
    styled = {**fig, "layout": {**layout, "font": font, "template": {},
                                "paper_bgcolor": "#ffffff"}}
    if isinstance(title, dict):  # Plotly draws a title in its own font unless told
        styled["layout"]["title"] = {**title, "font": {"family": CHART_FONT, "color": "#111111",
                                                       **title.get("font", {})}}
    return pio.to_json(figures.checked(styled), validate=False)


def chart(fig: dict, key: str, alt: str) -> None:
    """One heatmap (a dict from ui.figures), drawn at its own size, without Plotly's toolbar."""
    src = plotly_js_url()
    if src is None:
        st.plotly_chart(figures.checked(fig), key=key, config=CHART_CONFIG, width="content",
                        alt=alt)
        return
    mount = st.components.v2.component(COMPONENT_NAME, js=read_asset("chart.js"),
                                       isolate_styles=False)
    mount(data={"fig": figure_json(fig), "alt": alt, "src": src, "config": CHART_CONFIG,
                "failed": t("chart.failed")},
          key=key, width="stretch")  # the chart fits itself into the column (chart.js)
