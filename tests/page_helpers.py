"""What several AppTest modules read off a page, and the default example they expect.

The default example is written out here by hand (preset overlap_6x6 of
ui.widgets.grid, 6x6, kernel 3,
stride 1): an expectation independent of the code under test.
"""

from __future__ import annotations

import json

import numpy as np
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
