"""What several AppTest modules read off a page, the Explorer opened in AppTest (`fresh`,
`run`, `load`, `edit_grid`), and the default example they expect.

The default example is written out here by hand (preset overlap_6x6 of
ui.widgets.grid, 6x6, kernel 3,
stride 1): an expectation independent of the code under test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pooling_core import PoolSpec

X6 = np.array(
    [
        [1, 2, 3, 1, 0, 2],
        [2, 2, 5, 4, 1, 3],
        [0, 6, 9, 6, 2, 1],
        [3, 1, 4, 8, 7, 0],
        [5, 2, 0, 3, 6, 4],
        [1, 7, 2, 5, 1, 3],
    ],
    dtype=np.float64,
)
SPEC6 = PoolSpec(kernel_size=3, stride=1)
APP = Path(__file__).resolve().parents[1] / "app.py"
SPECIAL = {"NaN": math.nan, "∞": math.inf, "-∞": -math.inf}  # how a cell prints them


@pytest.fixture(scope="module")
def app_frame() -> Iterator[None]:
    """Make AppTest run app.py (the st.navigation frame) on every page, as the server does.

    AppTest resets `PagesManager.uses_pages_directory` before each run; with a `app_pages/` folder
    next to app.py it becomes True again, and a run after `at.switch_page` then executes the
    page file alone (Streamlit's pages-directory mode), skipping app.py. In a real server the
    first `st.navigation` call sets the flag to False for good; this does the same. With it,
    `at.switch_page(page)` before the first run opens a session with a link to that page.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(PagesManager, "__init__", init)
        yield
    PagesManager.uses_pages_directory = None


# --------------------------------------------------------------------------- the Explorer
def run(target) -> AppTest:
    """Rerun (`target` is the AppTest or a widget just set); no exception element allowed."""
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def fresh(query: dict[str, str] | None = None, page: str | None = None) -> AppTest:
    """A new session of the app in English, opened with `query`, run once: on the Explorer,
    or on `page` (a file of app_pages/, e.g. "next_layer"; needs the `app_frame` fixture)."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["lang"] = "en"  # the texts the tests expect are the English catalogue's
    for k, v in (query or {}).items():
        at.query_params[k] = v
    if page is not None:
        at.switch_page(f"app_pages/{page}.py")
    return run(at)


def load(name: str) -> AppTest:
    """A new Explorer session with the example (preset) `name` loaded."""
    at = fresh()
    at.selectbox(key="preset").set_value(name)
    return run(at.button(key="load_preset").click())


def edit_grid(at: AppTest, edited_rows: dict, key: str | None = None) -> AppTest:
    """Seed edits into the input grid editor (or the editor `key`) and rerun."""
    key = key or f"grid_editor_{at.session_state.grid_version}"
    at.session_state[key] = {"edited_rows": edited_rows}
    return run(at)


def charts(at: AppTest) -> dict[str, dict]:
    """The Plotly figures on the page by key, in page order: drawn by the chart component
    (ui/views/charts.py) or, where the app's static folder is not served, by st.plotly_chart."""
    out = {}
    for el in at.get("bidi_component"):
        if el.proto.component_name == "pbe_chart":
            out[el.proto.id.rsplit("-", 1)[-1]] = json.loads(json.loads(el.proto.json)["fig"])
    for el in at.get("plotly_chart"):
        out[el.proto.id.rsplit("-", 1)[-1]] = json.loads(el.proto.spec)
    return out


def figure(at: AppTest, key: str) -> dict:
    """The Plotly figure drawn under `key`."""
    found = charts(at)
    if key not in found:
        raise AssertionError(f"no figure {key!r} on the page (there are {list(found)})")
    return found[key]


def shown(at: AppTest, key: str) -> np.ndarray:
    """A heatmap's values as the page shows them on hover (the exact repr of each cell)."""
    hover = figure(at, key)["data"][0]["customdata"]
    return np.array([[SPECIAL[s] if s in SPECIAL else float(s) for s in row] for row in hover])


def chart_values(at: AppTest, key: str) -> np.ndarray:
    """The z values of the Plotly heatmap with this key (NaN where the chart has a gap)."""
    z = figure(at, key)["data"][0]["z"]
    return np.array([[np.nan if v is None else v for v in row] for row in z])


def component_data(at: AppTest, name: str) -> list[dict]:
    """The data given to each v2 component called `name` on the page, in page order."""
    return [json.loads(c.proto.json) for c in at.get("bidi_component")
            if c.proto.component_name == name]


def grid_editor_data(at: AppTest, key: str) -> dict:
    """The data the grid editor under `key` was given (ui.widgets.grideditor): rows, edits..."""
    for c in at.get("bidi_component"):
        if c.proto.component_name == "pbe_grid_editor" and c.proto.id.endswith("-" + key):
            return json.loads(c.proto.json)
    raise AssertionError(f"no grid editor {key!r} on the page")
