"""Examples from the questions people ask (ui.views.presets, ui.widgets.grid QUESTIONS): each
button opens the right page on the right example with its question above it, and a link's `q`
does the same. Every expected number is worked out by hand below (dL/dy all ones unless said).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.page_helpers import chart_values
from ui.format import BASE_KEY

ROOT = Path(__file__).resolve().parents[2]

# ---------------------------------------------------------------- hand-worked examples
# AlexNet 7x7, kernel 3, stride 2: windows start at rows/cols 0, 2, 4. The 9 at (2,2) is the
# maximum of windows (0,0), (0,1), (1,0), (1,1); 5 at (1,5) of (0,2); 8 at (4,4) of (1,2),
# (2,1), (2,2); 6 at (5,1) of (2,0).
ALEX_Y = [[9, 9, 5], [9, 9, 8], [6, 8, 8]]
ALEX_GX = np.zeros((7, 7))
ALEX_GX[2, 2], ALEX_GX[1, 5], ALEX_GX[4, 4], ALEX_GX[5, 1] = 4, 1, 3, 1
# ResNet stem 6x6, kernel 3, stride 2, padding 1: padded windows cover rows/cols -1..1, 1..3,
# 3..5 (padding never wins).
RESNET_Y = [[4, 3, 5], [6, 7, 7], [6, 5, 6]]
RESNET_GX = np.zeros((6, 6))
for (r, c), v in {(1, 0): 1, (0, 3): 1, (1, 5): 1, (3, 0): 2, (2, 3): 2, (4, 2): 1,
                  (5, 5): 1}.items():
    RESNET_GX[r, c] = v
# VGG 6x6, kernel 2, stride 2: nine disjoint windows, one winner each.
VGG_Y = [[5, 6, 4], [4, 5, 7], [3, 8, 3]]
VGG_GX = np.zeros((6, 6))
for r, c in ((1, 0), (1, 3), (0, 4), (2, 1), (3, 3), (2, 5), (4, 0), (4, 2), (5, 4)):
    VGG_GX[r, c] = 1
EXPLORER_CASES = {"overlap": (ALEX_Y, ALEX_GX), "resnet": (RESNET_Y, RESNET_GX),
                  "vgg": (VGG_Y, VGG_GX)}
# [[0, 0], [-1, -2]], one 2x2 window whose two zeros tie.
RELU_TIES = {"first": [[1, 0], [0, 0]], "last": [[0, 1], [0, 0]],
             "split": [[0.5, 0.5], [0, 0]], "all": [[1, 1], [0, 0]]}
# Dense: P = maxpool2x2 of the 4x4 example = [[6, 4], [8, 9]] (winners (1,1), (0,3), (3,1),
# (2,2)); identity activation, W = [[1,0,0,1],[0,1,0,-1],[0,0,1,1]], dL/da = (2, 3, 6):
# dL/dP_j = sum_i dL/da_i W_ij = (2, 3, 6, 2 - 3 + 6 = 5).
DENSE_GP = [[2, 3], [6, 5]]
DENSE_GX = np.zeros((4, 4))
DENSE_GX[1, 1], DENSE_GX[0, 3], DENSE_GX[3, 1], DENSE_GX[2, 2] = 2, 3, 6, 5
# Conv: P is 4x4 (6x6 example, kernel 3, stride 1), K = [[1,2],[3,4]], no padding, dL/dY all
# ones (3x3). dL/dP[r,c] sums K[a,b] over the kernel rows a that reach row r ({0}, {0,1},
# {0,1}, {1}) and columns b likewise: the corner gets K[0,0] = 1 (one output), the middle all
# four taps, 10.
CONV_GP = [[1, 3, 3, 2], [4, 10, 10, 6], [4, 10, 10, 6], [3, 7, 7, 4]]

QUESTION_TEXT = {  # the English question lines (ui/locales/en/slides.json), by hand
    "relu_tie": "Two ReLU zeros tie in one window",
    "overlap": "What if the stride is smaller than the kernel?",
    "dense": "My pool feeds a dense layer whose neurons have gradients 2, 3 and 6",
    "conv": "My pool feeds a convolution",
    "resnet": "ResNet's first pooling layer",
    "vgg": "VGG's pooling layer",
}


def nav_app(tmp_path: Path) -> AppTest:
    """The real pages behind a navigation frame, the Explorer first (it has the menu)."""
    (tmp_path / "app_pages").symlink_to(ROOT / "app_pages", target_is_directory=True)
    entries = ", ".join(f'st.Page("app_pages/{n}.py"{", default=True" if n == "explorer" else ""})'
                        for n in ("explorer", "ties", "next_layer", "theory"))
    (tmp_path / "nav.py").write_text(f"import streamlit as st\nst.navigation([{entries}]).run()\n")
    at = AppTest.from_file(str(tmp_path / "nav.py"), default_timeout=90)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, key: str) -> AppTest:
    """Open the menu and click the question's button."""
    at.session_state["questions_open"] = True
    at.run()
    at.button(key=f"question_{key}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def question_shown(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


@pytest.mark.parametrize("key", list(EXPLORER_CASES))
def test_explorer_question_opens_its_example(tmp_path: Path, key: str) -> None:
    at = ask(nav_app(tmp_path), key)
    y, gx = EXPLORER_CASES[key]
    assert QUESTION_TEXT[key] in question_shown(at)
    np.testing.assert_array_equal(chart_values(at, "fig_output"), y)
    np.testing.assert_array_equal(chart_values(at, "fig_grad_input"), gx)
    assert at.query_params["q"] == [key] or at.query_params["q"] == key


def test_relu_tie_opens_ties_page_with_four_policies(tmp_path: Path) -> None:
    at = ask(nav_app(tmp_path), "relu_tie")
    assert QUESTION_TEXT["relu_tie"] in question_shown(at)
    for policy, expected in RELU_TIES.items():
        np.testing.assert_array_equal(chart_values(at, f"ties_fig_{policy}"), expected)


def test_dense_question_shows_weights_and_depends_on_w(tmp_path: Path) -> None:
    at = ask(nav_app(tmp_path), "dense")
    assert QUESTION_TEXT["dense"] in question_shown(at)
    assert any("depends on the weights W" in c.value  # shown literally: Markdown escaped
               and "2·W₀ⱼ + 3·W₁ⱼ + 6·W₂ⱼ" in c.value.replace("\\", "") for c in at.caption)
    assert at.session_state["nl_from"] == "dense"
    np.testing.assert_array_equal(chart_values(at, "nl_fig_dense_grad"), DENSE_GP)
    np.testing.assert_array_equal(chart_values(at, "nl_fig_back_gx"), DENSE_GX)


def test_dense_question_names_the_weight_rows_in_the_index_base() -> None:
    """Counting from 1 (set on the Explorer, kept in the session), the note's weight rows are
    W₁ⱼ, W₂ⱼ, W₃ⱼ, as the Next layer page counts them."""
    at = AppTest.from_file(str(ROOT / "app_pages" / "next_layer.py"), default_timeout=90)
    at.session_state["lang"] = "en"
    at.session_state[BASE_KEY] = 1
    at.query_params.update({"q": "dense", "lang": "en"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert QUESTION_TEXT["dense"] in question_shown(at)
    notes = [c.value.replace("\\", "") for c in at.caption
             if "depends on the weights W" in c.value]
    assert len(notes) == 1 and "2·W₁ⱼ + 3·W₂ⱼ + 6·W₃ⱼ" in notes[0], notes


def test_conv_question_corner_one_output_middle_four(tmp_path: Path) -> None:
    at = ask(nav_app(tmp_path), "conv")
    assert QUESTION_TEXT["conv"] in question_shown(at)
    assert at.session_state["nl_from"] == "conv"
    gp = chart_values(at, "nl_fig_conv_grad")
    np.testing.assert_array_equal(gp, CONV_GP)
    assert gp[0, 0] == 1 and gp[1, 1] == 10


def run_alone(page: str, query: dict[str, str], lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=90)
    at.session_state["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_link_q_opens_the_question_and_an_edit_removes_it() -> None:
    at = run_alone("ties", {"q": "relu_tie", "lang": "en"})
    assert QUESTION_TEXT["relu_tie"] in question_shown(at)
    np.testing.assert_array_equal(chart_values(at, "ties_fig_split"), RELU_TIES["split"])
    assert "q" in at.query_params
    at.number_input(key="ties_s").set_value(1).run()  # another example now: no question
    assert QUESTION_TEXT["relu_tie"] not in question_shown(at)
    assert "q" not in at.query_params


def test_link_q_of_another_page_is_noted_not_applied() -> None:
    at = run_alone("ties", {"q": "dense", "lang": "en"})
    assert not any(QUESTION_TEXT["dense"] in i.value for i in at.info)
    assert any("q" in w.value for w in at.warning)  # the link note names the parameter


def test_link_q_on_next_layer_page() -> None:
    at = run_alone("next_layer", {"q": "conv", "lang": "en"})
    assert QUESTION_TEXT["conv"] in question_shown(at)
    np.testing.assert_array_equal(chart_values(at, "nl_fig_conv_grad"), CONV_GP)


def test_question_lines_in_every_language() -> None:
    for lang in ("es", "pl", "zh-CN", "zh-TW"):
        at = run_alone("ties", {"q": "relu_tie", "lang": lang}, lang)
        line = question_shown(at)
        assert line and QUESTION_TEXT["relu_tie"] not in line, lang


def test_earlier_edits_on_next_layer_do_not_change_the_question(tmp_path: Path) -> None:
    """A student typed in W (the default dense layer has the question's editor key) and in x,
    then asks the dense question: the example's own W and x are shown."""
    at = nav_app(tmp_path)
    at.switch_page("app_pages/next_layer.py").run()
    at.session_state["nl_W_3x4_0"] = {"edited_rows": {"0": {"0": "7"}}}
    at.session_state["nl_x_nonoverlap_4x4"] = {"edited_rows": {"0": {"0": "50"}}}
    at.run()
    assert chart_values(at, "nl_fig_x")[0, 0] == 50  # the edits took
    at.switch_page("app_pages/explorer.py").run()
    ask(at, "dense")
    np.testing.assert_array_equal(chart_values(at, "nl_fig_dense_grad"), DENSE_GP)
    np.testing.assert_array_equal(chart_values(at, "nl_fig_back_gx"), DENSE_GX)
