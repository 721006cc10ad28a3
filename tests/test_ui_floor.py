"""benchmarks/ui_floor.py: the pages it measures beside the Explorer are what it says they are.

The floor pages are built from the app's own parts in a temporary folder; these tests run
them in AppTest (no browser): the folder carries the app's configuration and plotly.js, the
bare page doubles its number, and the grid pages start from the default example and chart
its 3 x 3 max pool (and, on the four-chart page, the windows each cell wins and dL/dx), by
the loop reference (tests/loop_reference.py), after an edit too.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from loop_reference import loop_pool_backward, loop_pool_forward
from page_helpers import chart_values, figure, grid_editor_data
from streamlit.testing.v1 import AppTest

from benchmarks.ui_floor import floor_folder
from ui.widgets.grid import PRESETS

ROOT = Path(__file__).resolve().parents[1]
X6 = np.array(PRESETS["overlap_6x6"].grid, dtype=np.float64)


LAYER = {"kernel_size": 3, "stride": 1}  # the default example's layer


def max_pool_3x3(x: np.ndarray) -> np.ndarray:
    """The 3 x 3 max pool of x, by the loop reference."""
    return loop_pool_forward(x, **LAYER)[0]


def wins_3x3(x: np.ndarray) -> np.ndarray:
    """How many windows each cell wins (PyTorch's first maximum): dL/dx for dL/dy all ones,
    by the loop reference."""
    return loop_pool_backward(x, np.ones_like(max_pool_3x3(x)), **LAYER)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    d = floor_folder()
    try:
        yield d
    finally:
        shutil.rmtree(d, ignore_errors=True)


def floor_page(folder: Path, name: str) -> AppTest:
    at = AppTest.from_file(str(folder / "app.py"), default_timeout=60)
    at.query_params["page"] = name
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_folder_serves_the_app_configuration_and_plotly(folder: Path) -> None:
    assert ((folder / ".streamlit" / "config.toml").read_text()
            == (ROOT / ".streamlit" / "config.toml").read_text())
    assert (folder / "static").resolve() == (ROOT / "static").resolve()


def test_the_bare_page_doubles_its_number(folder: Path) -> None:
    at = floor_page(folder, "bare")
    assert [t.value for t in at.text] == ["y = 2"]
    at.number_input(key="bare_x").set_value(21).run()
    assert [t.value for t in at.text] == ["y = 42"]


@pytest.mark.parametrize(("name", "keys"), [
    ("editor_1chart", ["fig_output"]), ("editor_2charts", ["fig_input", "fig_output"]),
    ("editor_4charts", ["fig_input", "fig_output", "fig_mask", "fig_grad_input"])])
def test_the_grid_pages_chart_the_default_example_pooled(folder: Path, name: str,
                                                        keys: list[str]) -> None:
    at = floor_page(folder, name)
    rows = grid_editor_data(at, "floor_grid")["rows"]
    assert np.array(rows, dtype=np.float64).tolist() == X6.tolist()
    assert chart_values(at, "fig_output").tolist() == max_pool_3x3(X6).tolist()
    if "fig_input" in keys:
        assert chart_values(at, "fig_input").tolist() == X6.tolist()
    if "fig_mask" in keys:
        assert chart_values(at, "fig_grad_input").tolist() == wins_3x3(X6).tolist()
        # The wins chart leaves 0 blank (kind="count"): its numbers, by their text.
        text = [[float(s or 0) for s in row] for row in figure(at, "fig_mask")["data"][0]["text"]]
        assert text == wins_3x3(X6).tolist()
    # An edit, as the benchmark makes them: cell (5, 5) becomes 99, above every other cell.
    at.session_state["floor_grid"] = {"edited_rows": {5: {5: "99"}}}
    at.run()
    x = X6.copy()
    x[5, 5] = 99
    assert chart_values(at, "fig_output").tolist() == max_pool_3x3(x).tolist()
    if "fig_mask" in keys:
        assert chart_values(at, "fig_grad_input").tolist() == wins_3x3(x).tolist()
