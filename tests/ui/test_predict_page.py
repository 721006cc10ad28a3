"""The Explorer in predict mode through AppTest: a `predict=1` link, what stays hidden, what
the player is given, and the result once every step is predicted (issue 18, section 1).

AppTest cannot click inside the player (a v2 component), so a checked prediction is recorded
with ui.views.predict.record_prediction on a plain dict and handed to the session.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from page_helpers import SPEC6, X6, charts, component_data
from streamlit.testing.v1 import AppTest

from pooling_core import scatter_steps
from ui.compute import content_key
from ui.i18n import t
from ui.views import predict as pv

ROOT = Path(__file__).resolve().parents[2]
GY = np.ones((4, 4))


def open_explorer(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": "en", **query})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def player_predict(at: AppTest) -> dict | None:
    (data,) = component_data(at, "pbe_step_player")
    return json.loads(data["predict"]) if data["predict"] else None


def infos(at: AppTest) -> list[str]:
    return [i.value for i in at.info]


def test_a_predict_link_opens_predicting_with_the_answers_hidden() -> None:
    at = open_explorer({"predict": "1"})
    assert at.session_state["predict_on"] is True
    assert at.toggle(key="predict_on").value is True
    p = player_predict(at)
    assert p is not None and p["done"] == {} and len(p["prompts"]) == 16
    assert p["prompts"]["0"] == t("predict.prompt", "en", step=1, i=0, j=0, g="1")
    assert p["pad"] == [0, 0, 0, 0]
    assert t("predict.result_hidden", "en") in infos(at)
    assert "fig_grad_input" not in charts(at) and "fig_mask" not in charts(at)
    assert "fig_input" in charts(at)
    assert at.query_params["predict"] == "1"


def test_without_the_link_nothing_changes() -> None:
    at = open_explorer({})
    assert at.session_state["predict_on"] is False
    assert player_predict(at) is None
    assert {"fig_grad_input", "fig_mask"} <= set(charts(at))
    assert "predict" not in at.query_params


def test_every_step_predicted_shows_the_result(monkeypatch: pytest.MonkeyPatch) -> None:
    at = open_explorer({"predict": "1"})
    steps = scatter_steps(X6, GY, SPEC6)
    log: dict = {}
    monkeypatch.setattr(st, "session_state", log)
    config = content_key(X6, GY, SPEC6)
    for k in range(len(steps)):  # the receivers worked by hand for steps 0 and 3 only
        cells = {0: [[2, 2, "1"]], 3: [[2, 3, "1"]]}.get(k, [])
        pv.record_prediction(steps, config, {"k": k, "cells": cells})
    monkeypatch.undo()
    at.session_state[pv.LOG_KEY] = log[pv.LOG_KEY]
    at.run()
    assert not at.exception
    p = player_predict(at)
    assert p["finished"] is True and p["prompts"] == {}
    assert p["score"] == "Score (steps right / steps tried): 2 / 16"
    assert t("predict.result_hidden", "en") not in infos(at)
    assert {"fig_grad_input", "fig_mask"} <= set(charts(at))


def test_switching_predict_off_drops_it_from_the_link() -> None:
    at = open_explorer({"predict": "1"})
    at.toggle(key="predict_on").set_value(False).run()
    assert not at.exception
    assert player_predict(at) is None and "predict" not in at.query_params


def test_the_ties_page_carries_predict_to_its_link_and_the_explorer() -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({"lang": "en"})
    at.run()
    at.switch_page("app_pages/ties.py").run()
    assert not at.exception
    assert at.toggle(key="ties_predict").value is False
    at.toggle(key="ties_predict").set_value(True).run()
    assert at.query_params["predict"] == "1"
    at.button(key="ties_open").click().run()
    assert not at.exception
    assert at.session_state["predict_on"] is True
