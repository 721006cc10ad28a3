"""The notation switches on the Explorer (and Ties) through AppTest: dL/dx as symbols, the
index base in sentences, axes, symbols and the link (`base=1`).

Worked by hand on the default example (6 × 6, kernel 3, stride 1; see tests/page_helpers.py):
the 9 at x[2,2] is the maximum of the nine windows (0..2, 0..2), so in 1-based math notation

    ∂L/∂x₃₃ = ∂L/∂z₁₁ + ∂L/∂z₁₂ + ∂L/∂z₁₃ + ∂L/∂z₂₁ + ∂L/∂z₂₂ + ∂L/∂z₂₃
              + ∂L/∂z₃₁ + ∂L/∂z₃₂ + ∂L/∂z₃₃

(issue 18 writes `∂L/∂z₁₁ + ∂L/∂z₁₂` at x₃₃: those are its first two terms, after step 2 of
the player); the 8 at x[3,3] wins windows (1,3), (2,3), (3,1), (3,2), (3,3); x[2,3] gets
window (0,3), x[5,1] window (3,0); every other cell is 0.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from page_helpers import component_data, figure
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

NINE_1 = " + ".join(rf"\partial L/\partial z_{{{i}{j}}}" for i in (1, 2, 3) for j in (1, 2, 3))
NINE_0 = " + ".join(rf"\partial L/\partial y[{i},{j}]" for i in (0, 1, 2) for j in (0, 1, 2))
EIGHT_1 = " + ".join(rf"\partial L/\partial z_{{{i}{j}}}"
                     for i, j in ((2, 4), (3, 4), (4, 2), (4, 3), (4, 4)))


def fresh(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def run(target) -> AppTest:
    at = target.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def equations(at: AppTest) -> list[str]:
    """The listed equations of the symbolic result (one `$...$` list item each)."""
    lines = []
    for m in at.markdown:
        if m.value.startswith("- $"):
            lines += [line[3:-1] for line in m.value.split("\n")]
    return lines


def player(at: AppTest) -> dict:
    return json.loads(component_data(at, "pbe_step_player")[0]["page"])


def test_symbols_off_by_default_and_zero_based():
    at = fresh()
    assert equations(at) == [] and len(at.latex) == 0
    assert "fig_sym" not in str([c.proto.id for c in at.get("bidi_component")])
    assert "base" not in at.query_params
    assert player(at)["ib"] == 0


def test_one_based_symbols_of_the_default_example():
    at = fresh()
    at = run(at.toggle(key="w_show_symbols").set_value(True))
    at = run(at.radio(key="w_index_base").set_value(1))
    assert equations(at) == [
        rf"\partial L/\partial x_{{33}} = {NINE_1}",
        r"\partial L/\partial x_{34} = \partial L/\partial z_{14}",
        rf"\partial L/\partial x_{{44}} = {EIGHT_1}",
        r"\partial L/\partial x_{62} = \partial L/\partial z_{41}",
    ]
    # The grid of short symbols: row 3 holds x₃₃ (z₁₁, then ⋯) and x₃₄ (z₁₄); the colour
    # counts the terms (9 and 1).
    grid = figure(at, "fig_sym")["data"][0]
    assert grid["text"][2] == ["0", "0", "z₁₁+⋯", "z₁₄", "0", "0"]
    assert grid["z"][2] == [0, 0, 9, 1, 0, 0] and grid["z"][3][3] == 5
    assert at.query_params["base"] == "1"


def test_zero_based_names_the_same_cell_2_2():
    at = fresh()
    at = run(at.toggle(key="w_show_symbols").set_value(True))
    eq = equations(at)
    assert eq[0] == rf"\partial L/\partial x[2,2] = {NINE_0}"
    assert eq[3] == r"\partial L/\partial x[5,1] = \partial L/\partial y[3,0]"


def test_player_shows_running_symbols_and_one_based_labels():
    at = fresh(base="1")
    at = run(at.toggle(key="w_show_symbols").set_value(True))
    page = player(at)
    assert page["ib"] == 1
    # Cell x₃₃ is flat index 2 * 6 + 2 = 14. After step 2 (window z₁₂) it holds two terms.
    assert page["steps"][0]["u"] == [[14, "z₁₁", 1.0, 1, "∂L/∂z₁₁"]]
    assert page["steps"][1]["u"] == [[14, "z₁₁+⋯", 2.0, 2, "∂L/∂z₁₁ + ∂L/∂z₁₂"]]
    assert page["steps"][1]["s"].startswith("Window (1,2) covers rows 1–3, columns 2–4;")
    assert page["steps"][1]["s"].endswith("∂L/∂x₃₃ = ∂L/∂z₁₁ + ∂L/∂z₁₂")


def test_axes_and_titles_follow_the_base():
    at = fresh(base="1")
    fig = figure(at, "fig_input")
    assert fig["layout"]["xaxis"]["ticktext"] == ["1", "2", "3", "4", "5", "6"]
    assert fig["layout"]["title"]["text"].startswith("Input x")
    assert "(1,1)" in fig["layout"]["title"]["text"]
    at = run(at.radio(key="w_index_base").set_value(0))
    assert "ticktext" not in figure(at, "fig_input")["layout"]["xaxis"]
    assert "(0,0)" in figure(at, "fig_input")["layout"]["title"]["text"]
    assert "base" not in at.query_params


def test_link_round_trip_base_1():
    at = fresh(base="1")
    assert at.session_state["index_base"] == 1
    assert at.query_params["base"] == "1"
    assert not [w.value for w in at.warning if "base" in w.value]  # a known parameter
    bad = fresh(base="2")
    assert bad.session_state["index_base"] == 0
    assert [w.value for w in bad.warning if "base" in w.value]


def test_symbols_in_five_languages():
    for lang in ("es", "pl", "zh-CN", "zh-TW"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.query_params["lang"] = lang
        at.query_params["base"] = "1"
        at.session_state["show_symbols"] = True  # before the first run: the page keeps it
        at = run(at)
        assert equations(at)[0] == rf"\partial L/\partial x_{{33}} = {NINE_1}"


def test_projector_mode_keeps_the_symbols():
    at = fresh(base="1")
    at = run(at.toggle(key="w_show_symbols").set_value(True))
    projector = [tg for tg in at.toggle if tg.key and "projector" in tg.key]
    assert projector
    at = run(projector[0].set_value(True))
    assert equations(at)[0] == rf"\partial L/\partial x_{{33}} = {NINE_1}"


def test_ties_page_symbols_per_policy():
    # The plateau (ui/widgets/grid.py "plateau", 4 x 4, kernel 2, stride 2): window (0,0) holds
    # four 5s at (0,0), (0,1), (1,0), (1,1). Under split each gets ¼ of dL/dy[0,0].
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "en"
    at.switch_page("app_pages/ties.py")
    at.session_state["show_symbols"] = True
    at.session_state["index_base"] = 1
    at = run(at)
    split = [m.value for m in at.markdown if m.value.startswith("- $")
             and r"\tfrac1{4}" in m.value]
    assert split, [m.value for m in at.markdown]
    assert split[0].split("\n")[0] == (
        r"- $\partial L/\partial x_{11} = \tfrac1{4}\,\partial L/\partial z_{11}$")
    assert at.radio(key="ties_w_index_base").value == 1
    # Nothing the hostile-markup checks (tests/pages/test_page_links.py) take for smuggled
    # LaTeX: no "frac{1" anywhere in the page's Markdown.
    assert not [m.value for m in at.markdown if "frac{1" in m.value]


def test_export_offers_the_symbols_as_latex():
    at = fresh(base="1")
    at.session_state["export_open"] = True  # the user opens the Export section
    at = run(at)
    buttons = [b for b in at.get("download_button") if "exp_sym_tex" in b.proto.id]
    assert len(buttons) == 1
    assert buttons[0].proto.label == "dL/dx as symbols (LaTeX .tex)"
