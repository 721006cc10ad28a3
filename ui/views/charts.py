"""Drawing heatmaps on a page.

Every page draws its charts through `chart`, so they all look alike: no Plotly toolbar, drawn
at their own size, an alt text for screen readers. (Projector mode: ui/views/projector.py.)

A chart is a small v2 component (ui/assets/chart.js) that stays mounted across reruns and
redraws its figure with `Plotly.react`: `st.plotly_chart` builds a new chart whenever the
figure changes (25-30 ms per chart in the browser, measured; the Explorer has four). The
component loads plotly.js (its cartesian bundle, committed in `static/`) from the app's static
folder (`server.enableStaticServing`); when that cannot be served, charts fall back to
`st.plotly_chart`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import streamlit as st

from ui.assets import read_asset
from ui.i18n import t
from ui.views import figures

CHART_CONFIG = {"displayModeBar": False}

COMPONENT_NAME = "pbe_chart"
# Streamlit serves `static/` next to the main script (app.py) at app/static/.
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"  # beside app.py
# What Streamlit's own Plotly theme sets and a plain figure lacks: its type face and colours.
# Streamlit's web font ("Source Sans", with the Latin letters of every catalogue: ś, ł, ñ)
# first, and a CJK font only after a Latin one: Noto Sans CJK, first, drew "ś" as "s" with
# its accent over the next letter (Polish chart titles). The components' CSS (grid editor,
# player, share box, standalone page) uses the same stack (tests/ui/test_fonts.py).
CHART_FONT = ('"Source Sans", "Source Sans 3", "Source Sans Pro", "Noto Sans", "DejaVu Sans", '
              '"Noto Sans CJK SC", sans-serif')


# plotly.js, committed: its "cartesian" bundle (heatmaps and the other x-y traces; 1.5 MB where
# the full bundle inside the plotly package is 4.8 MB, so a first visit loads and compiles a
# third of it), npm's plotly.js-cartesian-dist-min, the plotly.js version that the locked
# `plotly` package ships (tests/ui/test_charts.py keeps the two in step; README: upgrading).
PLOTLY_JS = "plotly-cartesian-4.1.1.min.js"


def plotly_js_url() -> str | None:
    """Where the browser finds plotly.js (relative to the page), or None when the app's
    static folder is not served or lacks it (then charts are drawn by st.plotly_chart)."""
    if not st.get_option("server.enableStaticServing") or not (STATIC_DIR / PLOTLY_JS).is_file():
        return None
    return f"app/static/{PLOTLY_JS}"


def figure_json(fig: dict) -> str:
    """The JSON the browser draws for a figure from ui.views.figures: Plotly's own JSON, with no
    template (the figure sets what it needs; plotly.js has none unless given one) and
    Streamlit's type face and text colour. No `template` key at all: Plotly.react takes any
    template object, even an equal one, as a new template and draws the chart from scratch
    (about 130 ms for a 32 x 32 chart whose outline only moved; chart.js keeps the rest).

    Written with the standard library: the figures hold only plain values (and NumPy
    scalars), so neither a plotly Figure nor Plotly's encoder is needed (they took about 2 ms
    a chart on every run). NaN and infinities become null, as Plotly writes them."""
    layout = fig.get("layout", {})
    font = {"family": CHART_FONT, "color": "#111111", **layout.get("font", {})}
    title = layout.get("title")
    styled = {**fig, "layout": {**{k: v for k, v in layout.items() if k != "template"},
                                "font": font, "paper_bgcolor": "#ffffff"}}
    if isinstance(title, dict):  # Plotly draws a title in its own font unless told
        styled["layout"]["title"] = {**title, "font": {"family": CHART_FONT, "color": "#111111",
                                                       **title.get("font", {})}}
    if "shapes" in layout and not layout["shapes"]:  # as Plotly's validation leaves it out
        del styled["layout"]["shapes"]
    return json.dumps(_plain(styled), separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _plain(value: object) -> object:
    """`value` with NumPy arrays and scalars as Python values, non-finite floats as None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray | np.generic):
        return _plain(value.tolist())
    return value


def chart(fig: dict, key: str, alt: str) -> None:
    """One heatmap (a dict from ui.views.figures), at its own size, without Plotly's toolbar."""
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
