"""One Explorer edit computes the backward pass once (issue 15).

The steps (`ScatterSteps`, what `scatter_steps` builds) are counted at the class, so no caller
can build them unseen; `pool_backward` is counted in every loaded module that holds it (each
imports the name). The edits put values no earlier test used into the grid, so the content
cache cannot answer them. The numerical gradient check's forward passes are not counted: they
are forward passes. What one edit may run: the steps once, and `pool_backward` once (the
analytic side of `pooling_core.gradient_check`, which takes no precomputed gradient).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import pooling_core
from pooling_core import steps as steps_module

ROOT = Path(__file__).resolve().parents[2]
MAX_BACKWARD_PER_EDIT = 1  # gradient_check's analytic gradient

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts of "steps" (ScatterSteps built) and "backward" (pool_backward called)."""
    counter: Counter = Counter()
    init = steps_module.ScatterSteps.__init__

    def counted_init(self, *args, **kwargs):
        counter["steps"] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(steps_module.ScatterSteps, "__init__", counted_init)
    backward = pooling_core.pool_backward

    def counted_backward(*args, **kwargs):
        counter["backward"] += 1
        return backward(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("pooling_core", "ui", "app_pages") and \
                getattr(module, "pool_backward", None) is backward:
            monkeypatch.setattr(module, "pool_backward", counted_backward)
    return counter


def fresh() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    return at


def test_one_grid_edit_computes_the_steps_once(calls: Counter) -> None:
    at = fresh()
    calls.clear()
    key = f"grid_editor_{at.session_state.grid_version}"
    at.session_state[key] = {"edited_rows": {0: {"0": "9137.25"}}}  # a grid no test computed
    at.run()
    assert not at.exception
    assert at.session_state.last_valid[0][0, 0] == 9137.25  # the edit reached the results
    assert calls["steps"] == 1, calls
    assert calls["backward"] <= MAX_BACKWARD_PER_EDIT, calls


def test_one_parameter_edit_computes_the_steps_once(calls: Counter) -> None:
    at = fresh()
    at.session_state[f"grid_editor_{at.session_state.grid_version}"] = {
        "edited_rows": {5: {"5": "-4412.5"}}}
    at.run()
    calls.clear()
    at.number_input(key="kh").set_value(2).run()  # a 2 x 3 kernel: 5 x 4 windows
    assert not at.exception
    assert at.session_state.last_valid[2].k == (2, 3)
    assert calls["steps"] == 1, calls
    assert calls["backward"] <= MAX_BACKWARD_PER_EDIT, calls


def test_moving_the_step_slider_computes_nothing(calls: Counter) -> None:
    at = fresh()
    at.session_state[f"grid_editor_{at.session_state.grid_version}"] = {
        "edited_rows": {3: {"2": "777.125"}}}
    at.run()
    calls.clear()
    at.slider(key="jump").set_value(6).run()
    assert not at.exception
    assert calls["steps"] == 0 and calls["backward"] == 0, calls
