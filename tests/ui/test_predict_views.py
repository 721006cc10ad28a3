"""ui.views.predict: a prediction from the browser parsed, marked, kept and worded.

The session is a plain dict here (monkeypatched `st.session_state`); the expected words are
the English catalogue's texts filled in by hand with hand-worked numbers.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import streamlit as st

import ui.format
from pooling_core import PoolSpec, output_size, scatter_steps
from ui.views import predict as pv

X6 = np.array([[1, 2, 3, 1, 0, 2], [2, 2, 5, 4, 1, 3], [0, 6, 9, 6, 2, 1],
               [3, 1, 4, 8, 7, 0], [5, 2, 0, 3, 6, 4], [1, 7, 2, 5, 1, 3]], dtype=float)


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict:
    ss: dict = {}
    monkeypatch.setattr(st, "session_state", ss)
    return ss


@pytest.fixture(scope="module")
def overlap():
    return scatter_steps(X6, np.ones((4, 4)), PoolSpec(kernel_size=3, stride=1))


def data(steps, config="c", first=0, stop=None, lang="en") -> dict:
    return json.loads(pv.predict_data(steps, config, first, stop or len(steps), lang))


@pytest.mark.parametrize("value", [
    None, [], {"k": "0", "cells": []}, {"k": True, "cells": []}, {"k": 16, "cells": []},
    {"k": -1, "cells": []}, {"k": 0, "cells": "x"}, {"k": 0, "cells": [[1, 2]]},
    {"k": 0, "cells": [[1.0, 2, "1"]]}, {"k": 0, "cells": [[True, 2, "1"]]},
    {"k": 0, "cells": [[1, 2, 3]]}, {"k": 0, "cells": [[99999, 2, "1"]]},
    {"k": 0, "cells": [[0, 0, "1"]] * (pv.MAX_CELLS + 1)},
])
def test_a_bad_trigger_value_is_refused(value) -> None:
    assert pv.read_prediction(value, 16) is None


def test_a_trigger_value_is_read_and_its_texts_cut() -> None:
    got = pv.read_prediction({"k": 3, "n": 7, "cells": [[2, 3, "1"], [-1, 0, "9" * 100]]}, 16)
    assert got == (3, [(2, 3, "1"), (-1, 0, "9" * pv.MAX_TEXT)])


def test_first_steps_of_the_default_example(session, overlap) -> None:
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, "1"]]})
    pv.record_prediction(overlap, "c", {"k": 1, "cells": [[2, 2, "2"]]})
    pv.record_prediction(overlap, "c", {"k": 2, "cells": [[1, 2, "1/1"]]})
    d = data(overlap)
    assert d["done"]["0"] == {"ok": True, "cells": [[2, 2, "right"]],
                              "lines": ["Right: the receivers and their amounts."]}
    assert d["done"]["1"]["lines"] == [
        "Not quite:", "x[2,2] receives 1, not 2.",
        "Overlap accumulation — this window sends 1 to x[2,2]; the 1 already there came from "
        "earlier windows, so the running total becomes 2. Type what this window sends."]
    assert d["done"]["2"]["cells"] == [[1, 2, "extra"], [2, 2, "missed"]]
    assert d["done"]["2"]["lines"] == [
        "Not quite:", "x[1,2] receives nothing from this window (you typed 1).",
        "x[2,2] receives 1, but you did not pick it.",
        "Argmax routing — only the window's maximum (9) receives, and it receives all of "
        "dL/dy[0,2] = 1."]
    assert d["score"] == "Score (steps right / steps tried): 1 / 3"
    assert d["summary"] == "Mistakes by rule: Argmax routing ×1, Overlap accumulation ×1."
    assert set(d["prompts"]) == {str(k) for k in range(3, 16)}
    assert d["prompts"]["3"].startswith("Predict step 4: which cells of x receive dL/dy[0,3] = 1")
    assert d["finished"] is False and d["error"] is None


def test_a_checked_prediction_puts_the_page_on_its_step(session, overlap) -> None:
    """The step a prediction is checked on is where the student is: the callback hands it to
    `on_step` (the Explorer's jump slider state), marked, refused as no number, or not."""
    moved: list[int] = []
    on_predict = pv.player_predict(overlap, "c", 0, "en", moved.append)["on_predict"]
    on_predict({"k": 1, "cells": [[2, 2, "-1"]]})  # window 1 sends 1 to x[2,2]: wrong
    on_predict({"k": 2, "cells": [[2, 2, "1/0"]]})  # no number: kept as the error
    on_predict({"k": 99, "cells": []})  # no such step: refused, nothing moves
    on_predict(None)
    assert moved == [1, 2]
    assert session[pv.LOG_KEY]["marks"][1]["ok"] is False
    assert session[pv.LOG_KEY]["error"]["k"] == 2
    assert pv.player_predict(overlap, "c", 0, "en")["on_predict"]({"k": 3, "cells": []}) is None


def test_a_block_gets_its_own_steps_only(session, overlap) -> None:
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, "1"]]})
    d = data(overlap, first=4, stop=8)
    assert d["done"] == {} and sorted(d["prompts"]) == ["4", "5", "6", "7"]
    assert d["score"] == "Score (steps right / steps tried): 1 / 1"


@pytest.mark.parametrize(("text", "code", "words"), [
    ("", "blank", "Type an amount for x[2,2] (or remove it), then Check again."),
    ("  ", "blank", "Type an amount for x[2,2] (or remove it), then Check again."),
    ("abc", "not_number",
     "x[2,2]: “abc” is not a number; write for example 1/4, 0.25 or -3/2."),
    ("1/0", "not_number",
     "x[2,2]: “1/0” is not a number; write for example 1/4, 0.25 or -3/2."),
    ("nan", "not_number",
     "x[2,2]: “nan” is not a number; write for example 1/4, 0.25 or -3/2."),
])
def test_an_amount_that_is_no_number_is_named_and_not_marked(session, overlap, text, code,
                                                               words) -> None:
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, text]]})
    assert session[pv.LOG_KEY]["error"]["code"] == code
    d = data(overlap)
    assert d["error"] == {"k": 0, "text": words} and d["done"] == {} and d["score"] == ""
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, "1"]]})  # corrected
    assert data(overlap)["error"] is None and data(overlap)["done"]["0"]["ok"]


def test_prompts_and_errors_name_cells_in_the_index_base(session, overlap, monkeypatch) -> None:
    # Step 4 (k = 3) of the 4 x 4 output is dL/dy[0,3] 0-based, dL/dy[1,4] 1-based; cell (2,2)
    # of x is x[3,3] 1-based.
    monkeypatch.setattr(ui.format, "index_base", lambda: 1)
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, "abc"]]})
    d = data(overlap)
    assert d["prompts"]["3"].startswith("Predict step 4: which cells of x receive dL/dy[1,4] = 1")
    assert d["error"]["text"].startswith("x[3,3]: “abc” is not a number")


def test_a_new_configuration_starts_a_new_log(session, overlap) -> None:
    pv.record_prediction(overlap, "c", {"k": 0, "cells": [[2, 2, "1"]]})
    assert data(overlap, config="other")["done"] == {}


@pytest.mark.parametrize("text", ["-3/2", "−3/2", "-1.5", "-1,5", "-1 1/2", "-3 ÷ 2", "-6/4"])
def test_amounts_are_read_as_on_the_exercise_page(session, text) -> None:
    # x 2 x 2, one average window, dL/dy = -6: each cell receives -6 / 4 = -3/2.
    steps = scatter_steps(np.arange(4.0).reshape(2, 2), np.array([[-6.0]]),
                          PoolSpec(kernel_size=2, mode="avg"))
    pv.record_prediction(steps, "a", {"k": 0, "cells": [[r, c, text] for r in (0, 1)
                                                       for c in (0, 1)]})
    d = data(steps, "a")
    assert d["done"]["0"]["ok"], d["done"]["0"]["lines"]
    assert d["finished"] is True


def avg_record(spec: PoolSpec, session, amounts="1") -> list[str]:
    x = np.arange(9.0).reshape(3, 3)
    steps = scatter_steps(x, np.full((2, 2), 8.0), spec)
    pv.record_prediction(steps, "p", {"k": 0, "cells": [[0, 0, amounts]]})
    return data(steps, "p")["done"]["0"]["lines"]


def test_the_average_names_its_n(session) -> None:
    base = dict(kernel_size=3, stride=2, padding=1, mode="avg")
    lines = avg_record(PoolSpec(**base, count_include_pad=False), session)
    assert lines[-1] == ("The average's 1/n — every real cell of an average's window receives "
                         "dL/dy[0,0] / n = 8 / 4 = 2, where n is the 4 real cells only "
                         "(count_include_pad is off; with the padding the window has 9 taps).")
    assert "x[0,1] receives 2, but you did not pick it." in lines
    lines = avg_record(PoolSpec(**base, count_include_pad=True), session)
    assert lines[-1].endswith("where n is all 9 taps, padding included (count_include_pad is "
                              "on), although only 4 real cells receive.")
    assert "8 / 9 = 8/9" in lines[-1]
    lines = avg_record(PoolSpec(**base, divisor_override=2), session)
    assert lines[-1].endswith("8 / 2 = 4, where n is the divisor set by divisor_override, 2.")
    lines = avg_record(PoolSpec(kernel_size=2, stride=1, mode="avg"), session, "3")
    assert lines[-1].endswith("8 / 4 = 2, where n is the 4 cells of the window.")


def test_the_tie_policy_is_named_with_its_rule(session) -> None:
    steps = scatter_steps(np.array([[0.0, 0.0], [-1.0, -2.0]]), np.array([[4.0]]),
                          PoolSpec(kernel_size=2, ties="split"))
    pv.record_prediction(steps, "t", {"k": 0, "cells": [[0, 0, "4"]]})
    lines = data(steps, "t")["done"]["0"]["lines"]
    assert lines[1:3] == ["x[0,0] receives 2, not 4.",
                          "x[0,1] receives 2, but you did not pick it."]
    assert lines[3].startswith("The tie policy — 2 cells tie for the maximum; under the policy "
                               "“split”: ")
    assert lines[3].endswith(" Here each receiver gets 2.")


def test_nan_padding_and_outside_are_named(session) -> None:
    # Window (0, 1) reads rows -1..0, columns 0..1: the padding, x[0,0] = 1 and x[0,1] = NaN.
    steps = scatter_steps(np.array([[1.0, np.nan], [3.0, 2.0]]), np.ones((3, 3)),
                          PoolSpec(kernel_size=2, stride=1, padding=1))
    pv.record_prediction(steps, "n", {"k": 1, "cells": [[0, 0, "1"], [-1, 0, "1"], [1, 1, "1"]]})
    lines = data(steps, "n")["done"]["1"]["lines"]
    names = [line.split(" — ")[0] for line in lines if " — " in line]
    assert names == ["NaN wins", "Padding never wins", "Outside the window"]
    assert "x[0,1] receives 1, but you did not pick it." in lines
    assert data(steps, "n", lang="pl")["done"]["1"]["lines"][-1].startswith("Poza oknem — ")


def test_the_padding_ring_is_what_the_windows_read() -> None:
    x = np.zeros((5, 5))

    def ring(**kw) -> list[int]:
        spec = PoolSpec(**kw)
        oh, ow = (a.size for a in output_size(x.shape, spec))
        return pv.padding_ring(scatter_steps(x, np.ones((oh, ow)), spec))
    assert ring(kernel_size=3, stride=1) == [0, 0, 0, 0]
    assert ring(kernel_size=3, stride=2, padding=1) == [1, 1, 1, 1]
    assert ring(kernel_size=2, stride=2, ceil_mode=True) == [0, 1, 0, 1]  # past the edge
    assert ring(kernel_size=2, stride=2, padding=((0, 1), (1, 0))) == [0, 1, 1, 0]
