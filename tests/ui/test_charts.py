"""Charts (ui/views/charts.py): the chart component's figure, where plotly.js comes from, and the
st.plotly_chart fallback when the app's static folder is not served."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import plotly
import pytest
import streamlit as st
from page_helpers import X6, chart_values, charts
from streamlit.testing.v1 import AppTest

from ui.views import charts as ui_charts
from ui.views.figures import heatmap

ROOT = Path(__file__).resolve().parents[2]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_figure_json_keeps_the_figure_and_sets_font_and_no_template() -> None:
    fig = heatmap(np.array([[1.0, np.nan], [np.inf, -2.5]]), "A title", kind="grad")
    sent = json.loads(ui_charts.figure_json(fig))
    trace = sent["data"][0]
    assert trace["z"] == [[1.0, None], [None, -2.5]]
    assert trace["text"] == [["1", "NaN"], ["∞", "-2.5"]]
    layout = sent["layout"]
    # No template at all (plotly.py's default is not sent); an empty one made Plotly.react
    # draw every chart from scratch on every rerun (tests/browser/test_explorer_browser.py).
    assert "template" not in layout
    assert layout["font"]["family"].startswith('"Source Sans",')
    assert layout["font"]["size"] == 13  # the figure's own size stays
    assert layout["title"]["text"] == "A title"
    assert layout["title"]["font"]["family"] == layout["font"]["family"]
    assert (layout["width"], layout["height"]) == (fig["layout"]["width"],
                                                   fig["layout"]["height"])


def test_static_folder_is_the_one_streamlit_serves_beside_app_py() -> None:
    """Streamlit serves `static/` next to the main script; a copy anywhere else is never served
    (after ui/ was regrouped the copy went to ui/static/ and every chart fell back)."""
    assert ui_charts.STATIC_DIR == ROOT / "static"
    assert (ROOT / "app.py").is_file()


def test_plotly_js_is_the_cartesian_bundle_of_the_locked_plotly_packages_version() -> None:
    """The committed plotly.js is npm's plotly.js-cartesian-dist-min, unchanged, of the same
    plotly.js version as the full bundle inside the locked `plotly` package (the fallback
    st.plotly_chart and the figures' JSON follow that version)."""
    bundle = ROOT / "static" / ui_charts.PLOTLY_JS
    head = bundle.read_bytes()[:200].decode()
    full = re.search(r"plotly\.js v(\d+\.\d+\.\d+)", PLOTLY_JS.read_bytes()[:200].decode())
    assert full, "no version in the plotly package's plotly.min.js"
    assert f"plotly.js (cartesian - minified) v{full.group(1)}" in head
    assert f"plotly-cartesian-{full.group(1)}.min.js" == ui_charts.PLOTLY_JS
    # sha256 of plotly-cartesian.min.js in plotly.js-cartesian-dist-min-4.1.1.tgz from npm
    assert hashlib.sha256(bundle.read_bytes()).hexdigest() == (
        "79542150855a52c567260e3137095dbe2b744e6d702a5cabe67da246942fba7a")
    assert "MIT License" in (bundle.parent / "plotly-cartesian-4.1.1.LICENSE.txt").read_text()


def test_every_trace_the_explorer_draws_is_in_the_bundle() -> None:
    registered = set(re.findall(r'name:"(\w+)",basePlotModule',
                                (ROOT / "static" / ui_charts.PLOTLY_JS).read_text()))
    assert {"heatmap", "scatter"} <= registered and "scatter3d" not in registered
    at = _explorer()
    drawn = {trace.get("type", "scatter")
             for c in at.get("bidi_component") if c.proto.component_name == "pbe_chart"
             for trace in json.loads(json.loads(c.proto.json)["fig"])["data"]}
    assert drawn and drawn <= registered, drawn - registered


def test_a_static_folder_without_the_bundle_falls_back(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_charts, "STATIC_DIR", tmp_path)
    monkeypatch.setattr(st, "get_option", lambda name: True)
    assert ui_charts.plotly_js_url() is None
    (tmp_path / ui_charts.PLOTLY_JS).write_text("")
    assert ui_charts.plotly_js_url() == f"app/static/{ui_charts.PLOTLY_JS}"


def _explorer() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    return at


def test_explorer_charts_are_components_fed_with_the_core_numbers() -> None:
    at = _explorer()
    components = [c for c in at.get("bidi_component") if c.proto.component_name == "pbe_chart"]
    assert len(components) >= 4 and not at.get("plotly_chart")
    data = json.loads(components[0].proto.json)
    assert data["src"] == "app/static/plotly-cartesian-4.1.1.min.js"
    assert data["config"] == {"displayModeBar": False}
    assert data["alt"] and data["failed"].startswith("This chart could not be drawn")
    np.testing.assert_array_equal(chart_values(at, "fig_input"), X6)


def test_without_static_serving_charts_fall_back_to_st_plotly_chart(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_charts, "plotly_js_url", lambda: None)
    at = _explorer()
    assert not [c for c in at.get("bidi_component") if c.proto.component_name == "pbe_chart"]
    assert len(at.get("plotly_chart")) >= 4
    assert set(charts(at)) >= {"fig_input", "fig_output", "fig_mask", "fig_grad_input"}
    np.testing.assert_array_equal(chart_values(at, "fig_input"), X6)


# ----------------------------------------------------------------- one colour rule, one size rule
def test_grad_heatmap_and_player_share_scale_and_range() -> None:
    """x = [[1, 2], [3, 4]], one 2x2 max window, dL/dy = -2: dL/dx is -2 at (1,1), 0 elsewhere
    (worked by hand). The heatmap's colour range is -2 .. 2 and the player is given that range
    and the same scale (player.js interpolates it as Plotly; tests/browser/test_js_rules.py)."""
    from pooling_core import PoolSpec, scatter_steps
    from ui.views.figures import GRAD_SCALE
    from ui.views.player import player_page_parts

    steps = scatter_steps(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[-2.0]]), PoolSpec(2))
    trace = heatmap(np.array([[0.0, 0.0], [0.0, -2.0]]), "dL/dx", kind="grad")["data"][0]
    assert (trace["zmin"], trace["zmax"], trace["colorscale"]) == (-2.0, 2.0, GRAD_SCALE)
    data = json.loads(player_page_parts(steps).text)
    assert data["colours"] == {"scale": GRAD_SCALE, "zmin": -2.0, "zmax": 2.0}
    # All zero (dL/dy = 0): the middle colour in both, the range -1 .. 1.
    zero = scatter_steps(np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.0]]), PoolSpec(2))
    assert json.loads(player_page_parts(zero).text)["colours"]["zmin"] == -1.0
    assert heatmap(np.zeros((2, 2)), "dL/dx", kind="grad")["data"][0]["zmin"] == -1.0
    assert "vmax" not in data  # no range of the player's own


@pytest.mark.parametrize("projector,top", [(False, 64), (True, 84)])
def test_player_is_given_the_heatmaps_cell_size_rule(projector: bool, top: int) -> None:
    from pooling_core import PoolSpec, scatter_steps
    from ui.views.figures import cell_px
    from ui.views.player import player_page_parts

    steps = scatter_steps(np.ones((4, 4)), np.ones((2, 2)), PoolSpec(2))
    cells = json.loads(player_page_parts(steps, projector=projector).text)["cells"]
    assert cells == {"top": top, "rows_px": 560, "least": 10}
    # Worked by hand: 6 columns in 520 px: 86 px a column, capped at the top; 40 columns: 13;
    # 40 rows: 560 / 40 = 14; 100 columns: 5, raised to the least.
    assert cell_px(6, 6, 520, projector) == top
    assert (cell_px(6, 40, 520, projector), cell_px(40, 6, 520, projector)) == (13, 14)
    assert cell_px(6, 100, 520, projector) == 10
