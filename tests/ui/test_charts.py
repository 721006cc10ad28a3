"""Charts (ui/views/charts.py): the chart component's figure, where plotly.js comes from, and the
st.plotly_chart fallback when the app's static folder is not served."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import plotly
import pytest
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
    assert not layout.get("template")  # plotly.py's default template is not sent
    assert layout["font"]["family"].startswith('"Source Sans 3"')
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


def test_many_threads_on_an_empty_static_folder_all_get_the_whole_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first reruns of a fresh server run in parallel threads: each must get the name, and
    whenever it gets it the file must already be complete (a browser may fetch it at once)."""
    source = PLOTLY_JS.read_bytes()
    name = f"plotly-{plotly.__version__}.min.js"
    threads_n, rounds = 8, 6
    for round_ in range(rounds):
        static = tmp_path / f"static{round_}"
        monkeypatch.setattr(ui_charts, "STATIC_DIR", static)
        ui_charts._static_plotly_js.cache_clear()
        start = threading.Barrier(threads_n)
        got: list[tuple[str | None, int]] = []

        def call(start: threading.Barrier = start, static: Path = static,
                 got: list[tuple[str | None, int]] = got) -> None:
            start.wait()
            result = ui_charts._static_plotly_js()
            target = static / name
            got.append((result, target.stat().st_size if target.is_file() else -1))

        threads = [threading.Thread(target=call) for _ in range(threads_n)]
        try:
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=60)
        finally:
            ui_charts._static_plotly_js.cache_clear()
        assert got == [(name, len(source))] * threads_n, f"round {round_}"
        assert (static / name).read_bytes() == source
        assert [p.name for p in static.iterdir()] == [name]  # no temporary file left


def test_a_folder_that_cannot_be_written_gives_none(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "static"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setattr(ui_charts, "STATIC_DIR", blocker)
    ui_charts._static_plotly_js.cache_clear()
    try:
        assert ui_charts._static_plotly_js() is None
        blocker.unlink()  # the folder can be made now: a failure was not kept
        assert ui_charts._static_plotly_js() == f"plotly-{plotly.__version__}.min.js"
    finally:
        ui_charts._static_plotly_js.cache_clear()


def test_a_truncated_copy_is_replaced_and_the_copy_is_readable_by_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    static = tmp_path / "static"
    static.mkdir()
    name = f"plotly-{plotly.__version__}.min.js"
    (static / name).write_bytes(PLOTLY_JS.read_bytes()[:1000])  # left by an older copier
    assert ui_charts.copy_plotly_js(static) == name
    assert (static / name).read_bytes() == PLOTLY_JS.read_bytes()
    assert (static / name).stat().st_mode & 0o444 == 0o444  # the app's user reads root's copy


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
