"""Drawing heatmaps on a page.

Every page draws its charts through `chart`, so they all look alike: no Plotly toolbar, drawn
at their own size, an alt text for screen readers. (Projector mode: ui/views/projector.py.)

A chart is a small v2 component (ui/assets/chart.js) that stays mounted across reruns and
redraws its figure with `Plotly.react`: `st.plotly_chart` builds a new chart whenever the
figure changes (25-30 ms per chart in the browser, measured; the Explorer has four). The
component loads plotly.js, the copy that ships with the installed `plotly` package, from the
app's static folder (`server.enableStaticServing`); when that cannot be served, charts fall
back to `st.plotly_chart`.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import wraps
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
CHART_FONT = ('"Source Sans 3", "Source Sans Pro", "Noto Sans", "Noto Sans CJK SC", '
              '"DejaVu Sans", sans-serif')


_COPY_LOCK = threading.Lock()  # one copy at a time in this process (reruns run in threads)


def copy_plotly_js(static_dir: Path | None = None) -> str:
    """Copy plotly.js from the installed `plotly` package into the app's static folder, unless
    a complete copy is there already; return its file name (named by the plotly version, so
    browsers never keep an old one). Raises OSError when it cannot (no such file, a read-only
    folder).

    Safe against other threads and other processes: the copy is written to a temporary file
    of its own in the same folder, checked against the source's size, made readable by every
    user (the Docker image copies it at build time as root), then renamed into place, so a
    browser never gets part of the file. Also run by the Dockerfile at build time.
    """
    import plotly

    static_dir = STATIC_DIR if static_dir is None else static_dir
    name = f"plotly-{plotly.__version__}.min.js"
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    target = static_dir / name
    size = source.stat().st_size
    with _COPY_LOCK:
        if _has_size(target, size):
            return name
        static_dir.mkdir(exist_ok=True)
        fd, part = tempfile.mkstemp(dir=static_dir, prefix=f".{name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out)
            os.chmod(part, 0o644)  # mkstemp makes it readable by its owner only
            if os.path.getsize(part) != size:
                raise OSError(f"copying {source} to {static_dir} gave a file of the wrong size")
            os.replace(part, target)  # atomic
        except BaseException:
            with suppress(OSError):
                os.unlink(part)
            raise
        if not _has_size(target, size):
            raise OSError(f"{target} is not a complete copy of {source}")
    return name


def _has_size(path: Path, size: int) -> bool:
    try:
        return path.is_file() and path.stat().st_size == size
    except OSError:
        return False


def _cache_success(fn: Callable[[], str | None]) -> Callable[[], str | None]:
    """Like functools.cache for a function of no arguments, but a None (a failure) is not
    kept: the next call tries again. `cache_clear()` forgets a kept result."""
    kept: list[str] = []

    @wraps(fn)
    def cached() -> str | None:
        if kept:
            return kept[0]
        value = fn()
        if value is not None:
            kept[:] = [value]
        return value

    cached.cache_clear = kept.clear  # type: ignore[attr-defined]
    return cached


@_cache_success
def _static_plotly_js() -> str | None:
    """The file name of plotly.js in the app's static folder (copied there the first time),
    or None when it cannot be (see copy_plotly_js); a failure is tried again next time."""
    try:
        return copy_plotly_js()
    except OSError:
        return None


def plotly_js_url() -> str | None:
    """Where the browser finds plotly.js (relative to the page), or None when the app's
    static folder is not served (then charts are drawn by st.plotly_chart)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = _static_plotly_js()
    return f"app/static/{name}" if name else None


def figure_json(fig: dict) -> str:
    """The JSON the browser draws for a figure from ui.views.figures: Plotly's own JSON, with no
    template (the figure sets what it needs) and Streamlit's type face and text colour.

    Written with the standard library: the figures hold only plain values (and NumPy
    scalars), so neither a plotly Figure nor Plotly's encoder is needed (they took about 2 ms
    a chart on every run). NaN and infinities become null, as Plotly writes them."""
    layout = fig.get("layout", {})
    font = {"family": CHART_FONT, "color": "#111111", **layout.get("font", {})}
    title = layout.get("title")
    styled = {**fig, "layout": {**layout, "font": font, "template": {},
                                "paper_bgcolor": "#ffffff"}}
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
