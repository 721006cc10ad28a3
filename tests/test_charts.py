"""Charts (ui/charts.py): the chart component's figure, where plotly.js comes from, and the
st.plotly_chart fallback when the app's static folder is not served."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly
import pytest
from page_helpers import X6, chart_values, charts
from streamlit.testing.v1 import AppTest

from ui import charts as ui_charts
from ui.figures import heatmap

ROOT = Path(__file__).resolve().parents[1]
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def test_figure_json_keeps_the_figure_and_sets_font_and_no_template() -> None:
    fig = heatmap(np.array([[1.0, np.nan], [np.inf, -2.5]]), "A title", kind="grad")
    sent = json.loads(ui_charts.figure_json(fig))
    trace = sent["data"][0]
    assert trace["z"] == [[1.0, None], [None, -2.5]]
    assert trace["text"] == [["1", "NaN"], ["∞", "-2.5"]]
    layout = sent["layout"]
    assert not layout.get("template")  # plotly.py's default template is not sent
    assert layout["font"]["family"].startswith('"Source Sans 3"')
    assert layout["font"]["size"] == 13  # the figure's own size stays
    assert layout["title"]["text"] == "A title"
    assert layout["title"]["font"]["family"] == layout["font"]["family"]
    assert (layout["width"], layout["height"]) == (fig["layout"]["width"],
                                                   fig["layout"]["height"])


def test_plotly_js_is_copied_once_under_its_version(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ui_charts, "STATIC_DIR", tmp_path / "static")
    ui_charts._static_plotly_js.cache_clear()
    try:
        name = ui_charts._static_plotly_js()
        assert name == f"plotly-{plotly.__version__}.min.js"
        copied = tmp_path / "static" / name
        assert copied.read_bytes() == PLOTLY_JS.read_bytes()
        assert [p.name for p in (tmp_path / "static").iterdir()] == [name]  # no partial file
    finally:
        ui_charts._static_plotly_js.cache_clear()


def test_a_folder_that_cannot_be_written_gives_none(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(ui_charts, "STATIC_DIR", blocker)
    ui_charts._static_plotly_js.cache_clear()
    try:
        assert ui_charts._static_plotly_js() is None
    finally:
        ui_charts._static_plotly_js.cache_clear()


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
    assert data["src"] == f"app/static/plotly-{plotly.__version__}.min.js"
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
