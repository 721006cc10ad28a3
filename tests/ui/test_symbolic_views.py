"""The symbolic notation without a running app: symbol texts, the index base in sentences and
axes, the LaTeX export, and Exercise feedback naming the tie policy.

Expected strings are written out by hand from the worked examples in the comments.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from page_helpers import SPEC6, X6

from pooling_core import PoolSpec, Term, check, generate, pool_backward, scatter_steps
from ui.exports.latex_symbolic import symbolic_latex
from ui.format import cell_name, subscript
from ui.views import figures
from ui.views.feedback import explanation_text
from ui.views.narrate import step_sentences
from ui.views.symbolic_text import expression, short_text, step_symbols, term_latex, term_text

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


def term(i, j, coef=1, step=0):
    return Term((i, j), Fraction(coef), step)


def test_terms_as_tutorials_write_them():
    assert term_text(term(0, 0), 1, False) == "∂L/∂z₁₁"
    assert term_text(term(0, 0), 0, False) == "∂L/∂y[0,0]"
    assert term_text(term(0, 0, Fraction(1, 9)), 1, True) == "(∂L/∂z₁₁)/9"
    assert term_text(term(0, 0, Fraction(1, 2)), 1, False) == "½·∂L/∂z₁₁"
    assert term_text(term(0, 0, Fraction(1, 12)), 1, False) == "(1/12)·∂L/∂z₁₁"
    assert expression([term(0, 0), term(0, 1)], 1, False) == "∂L/∂z₁₁ + ∂L/∂z₁₂"
    assert expression([], 1, False) == "0"
    assert expression([term(0, j) for j in range(5)], 0, False, limit=2) == \
        "∂L/∂y[0,0] + ∂L/∂y[0,1] + ⋯"
    assert term_latex(term(0, 0, Fraction(1, 9)), 1, True) == r"(\partial L/\partial z_{11})/9"
    assert term_latex(term(9, 1, Fraction(1, 2)), 1, False) == \
        r"\tfrac1{2}\,\partial L/\partial z_{10,2}"
    assert short_text([term(0, 0), term(0, 1)], 1, False) == "z₁₁+⋯"
    assert short_text([term(0, 0, Fraction(1, 4))], 1, True) == "z₁₁/4"


def test_subscripts_and_cell_names():
    assert subscript(3, 3) == "₃₃"
    assert subscript(10, 2) == "₁₀,₂"
    assert cell_name((2, 2), 0) == "(2,2)" and cell_name((2, 2), 1) == "(3,3)"


def test_sentences_follow_the_base():
    # Step 0 of the default example: window (0,0) = rows 0-2, columns 0-2; the 9 at (2,2).
    steps = scatter_steps(X6, np.ones((4, 4)), SPEC6)
    zero = step_sentences(steps, 1, lang="en", base=0)[0]
    one = step_sentences(steps, 1, lang="en", base=1)[0]
    assert zero.startswith("Window (0,0) covers rows 0–2, columns 0–2; its maximum 9 is at (2,2)")
    assert one.startswith("Window (1,1) covers rows 1–3, columns 1–3; its maximum 9 is at (3,3)")
    assert "dL/dx[3,3]" in one and "dL/dx[2,2]" in zero


def test_axis_labels_follow_the_base():
    fig = figures.heatmap(np.zeros((3, 4)), "x", base=1)
    assert fig["layout"]["xaxis"]["ticktext"] == ["1", "2", "3", "4"]
    assert fig["layout"]["yaxis"]["ticktext"] == ["1", "2", "3"]
    assert fig["data"][0]["hovertext"][0][0] == "[1,1]"
    plain = figures.heatmap(np.zeros((3, 4)), "x", base=0)
    assert plain["layout"]["xaxis"]["tick0"] == 0 and "ticktext" not in plain["layout"]["xaxis"]
    padded = figures.heatmap(np.zeros((2, 2)), "x", pad=(1, 1, 1, 1), base=1)
    assert padded["layout"]["xaxis"]["ticktext"] == ["0", "1", "2", "3"]  # padding: 0 and 3


def test_player_symbols_run_with_the_steps():
    # Steps 0, 1, 2 (windows (0,0), (0,1), (0,2)) all send to (2,2); step 3 to (2,3).
    got = step_symbols(scatter_steps(X6, np.ones((4, 4)), SPEC6), 1)
    assert got[0] == ([("z₁₁", "∂L/∂z₁₁")], "∂L/∂x₃₃ = ∂L/∂z₁₁")
    assert got[1][0] == [("z₁₁+⋯", "∂L/∂z₁₁ + ∂L/∂z₁₂")]
    assert got[3][1] == "∂L/∂x₃₄ = ∂L/∂z₁₄"
    avg = step_symbols(scatter_steps(np.zeros((3, 3)), np.ones((1, 1)),
                                     PoolSpec(kernel_size=3, mode="avg")), 0)
    assert [c for c, _ in avg[0][0]] == ["y[0,0]/9"] * 9
    assert avg[0][1].startswith("∂L/∂x[0,0] = (∂L/∂y[0,0])/9; ∂L/∂x[0,1] = (∂L/∂y[0,0])/9;")


def test_latex_export_of_the_default_example():
    tex = symbolic_latex(scatter_steps(X6, np.ones((4, 4)), SPEC6), base=1, standalone=True)
    assert tex.startswith("\\documentclass{article}") and tex.rstrip().endswith(r"\end{document}")
    nine = " + ".join(rf"\partial L/\partial z_{{{i}{j}}}" for i in (1, 2, 3) for j in (1, 2, 3))
    # Row 3 of dL/dx: 0, 0, the nine windows, the window (1,4), 0, 0.
    assert f"0 & 0 & {nine} & \\partial L/\\partial z_{{14}} & 0 & 0 \\\\" in tex
    # The step table: step 1 is window (1,1), adding dL/dz_11 to x_33.
    assert r"1 & $(1,1)$ & $\partial L/\partial x_{33}$ & $\partial L/\partial z_{11}$ \\" in tex
    assert tex.count(r"\\") >= 16 + 5  # 16 step rows, 5 matrix row breaks
    zero = symbolic_latex(scatter_steps(X6, np.ones((4, 4)), SPEC6), base=0)
    assert r"0 & $(0,0)$ & $\partial L/\partial x[2,2]$ & $\partial L/\partial y[0,0]$ \\" in zero


def test_latex_export_refuses_past_the_budget():
    steps = scatter_steps(np.zeros((32, 32)), np.ones((33, 33)),
                          PoolSpec(kernel_size=32, stride=1, padding=16, mode="avg"))
    assert symbolic_latex(steps) is None


def _tied_windows(x: np.ndarray) -> list[tuple[int, int]]:
    """Kernel 2, stride 2: windows whose maximum occurs at least twice (a loop)."""
    out = []
    for i in range(x.shape[0] // 2):
        for j in range(x.shape[1] // 2):
            block = x[2 * i:2 * i + 2, 2 * j:2 * j + 2]
            if (block == block.max()).sum() >= 2:
                out.append((i, j))
    return out


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_feedback_names_the_policy_a_student_misread(seed):
    ex = generate("ties", seed, ties="all")
    assert ex.spec.k == (2, 2) and ex.spec.s == (2, 2)
    tied = _tied_windows(ex.x)
    assert tied
    # The student applies PyTorch's rule (first) where the exercise asks for "all".
    typed = pool_backward(ex.x, ex.grad_output, PoolSpec(kernel_size=2, stride=2, ties="first"))
    result = check(ex, {"y": ex.output, "mask": ex.mask, "grad_input": typed})
    wrong = [e for e in result.explanations if e.part == "grad_input"]
    assert wrong
    for e in wrong:
        r, c = e.cell
        i, j = r // 2, c // 2
        assert (i, j) in tied  # only tied cells differ between the two policies
        text = explanation_text(e, ex)
        assert (f"under the policy *all* every tied maximum receives the full dL/dy[{i},{j}]."
                in text), text
        assert "Your 0 is what the policy *first* would give here." in text, text


def test_no_tie_note_without_a_tie():
    ex = generate("overlap", 5)
    typed = np.full(ex.grad_input.shape, 99.0)
    result = check(ex, {"grad_input": typed})
    for e in result.explanations:
        if e.part == "grad_input":
            assert "tied maxima" not in explanation_text(e, ex)
