"""The Exercise's adaptive level (PyTorch's AdaptiveMax/AvgPool2d): generation (bins that
overlap and differ in size, reproducible), two seeds worked out by hand, the loop reference over
many seeds, the marking of adaptive mistakes (feedback naming the bin and its size), and the
page and its link through AppTest.

Expected values are written out here (bins from PyTorch's rule ⌊i·n/o⌋ … ⌈(i+1)·n/o⌉ − 1) or
come from tests/loop_reference.py, never from the code under test.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from loop_reference import adaptive_plane_steps, loop_adaptive_pool, ref_bins
from page_helpers import charts
from streamlit.testing.v1 import AppTest

from pooling_core import EXERCISE_LEVELS, AdaptiveSpec, check, generate
from ui.i18n import t
from ui.views.feedback import explanation_text
from ui.widgets.fractions import frac_text

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "app_pages" / "exercise.py"
SEEDS = range(200)


def loop_answers(ex) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, mask, dL/dx) by the loop reference."""
    s = ex.spec
    out, _, grad = loop_adaptive_pool(ex.x, ex.grad_output, s.out, s.mode, s.ties)
    mask = np.zeros(ex.x.shape, dtype=np.int64)
    for step in adaptive_plane_steps(ex.x, ex.grad_output, s.out, s.mode, s.ties):
        for (r, c), _ in step.receivers:
            mask[r, c] += 1
    return out, mask, grad


# --------------------------------------------------------------------------- generation
def test_level_is_offered_last() -> None:
    assert EXERCISE_LEVELS[-1] == "adaptive"


def test_bins_overlap_and_differ_in_size() -> None:
    modes, layers = set(), set()
    for seed in SEEDS:
        ex = generate("adaptive", seed)
        assert isinstance(ex.spec, AdaptiveSpec)
        (H, W), (oh, ow) = ex.x.shape, ex.spec.out
        layers.add(((H, oh), (W, ow)))
        modes.add(ex.spec.mode)
        assert ex.output.shape == (oh, ow)
        lengths = []
        for n, o in ((H, oh), (W, ow)):
            bins = ref_bins(n, o)
            # Along each axis some neighbouring bins share a cell (they overlap).
            assert any(b[0] < a[1] for a, b in zip(bins[:-1], bins[1:], strict=True)), (n, o)
            lengths.append({e - s for s, e in bins})
        assert any(len(sizes) > 1 for sizes in lengths), (H, W, oh, ow)  # different sizes
        if ex.spec.mode == "max":
            assert len(np.unique(ex.x)) == ex.x.size  # distinct: no tie to decide
        else:
            assert ex.x.min() >= 0 and ex.x.max() <= 9
    assert modes == {"max", "avg"}
    assert len(layers) >= 6


def test_teachers_policy_applies_to_max_only() -> None:
    ex = next(e for e in (generate("adaptive", s) for s in SEEDS) if e.spec.mode == "max")
    assert generate("adaptive", ex.seed, "all").spec == AdaptiveSpec(ex.spec.out, ties="all")
    avg = next(e for e in (generate("adaptive", s) for s in SEEDS) if e.spec.mode == "avg")
    assert generate("adaptive", avg.seed, "all").spec == avg.spec


# --------------------------------------------------------------------------- by hand
X11 = [[3, 48, 4, 2, 40],
       [43, 23, 0, 49, 16],
       [15, 36, 39, 47, 37],
       [6, 26, 19, 31, 29],
       [30, 42, 13, 20, 46]]


def test_seed_11_max_by_hand() -> None:
    """5 × 5 → 3 × 3: bins rows and columns [0, 1], [1, 3], [3, 4] (sizes 2, 3, 2)."""
    ex = generate("adaptive", 11)
    assert ex.spec == AdaptiveSpec((3, 3), mode="max")
    assert ex.x.tolist() == X11
    assert ex.grad_output.tolist() == [[1] * 3] * 3
    assert list(ex.steps.sizes[0].starts) == [0, 1, 3] and list(ex.steps.sizes[0].ends) == [2, 4, 5]
    # Bin (0,0) {3, 48, 43, 23}: 48 at (0,1). Bins (0,1), (0,2), (1,1), (1,2) all hold 49 at
    # (1,3). Bin (1,0) rows 1–3, cols 0–1: 43 at (1,0). Bins (2,0) and (2,1) hold 42 at (4,1).
    # Bin (2,2) {31, 29, 20, 46}: 46 at (4,4).
    assert ex.output.tolist() == [[48, 49, 49], [43, 49, 49], [42, 42, 46]]
    want = [[0, 1, 0, 0, 0],
            [1, 0, 0, 4, 0],
            [0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0],
            [0, 2, 0, 0, 1]]
    assert ex.grad_input.tolist() == want  # dL/dy is all ones: the mask
    assert ex.mask.tolist() == want
    assert check(ex, ex.answers).solved


def test_seed_23_avg_by_hand() -> None:
    """5 × 5 → 3 × 3 average: divisors 2·2, 2·3, 3·3 … (each bin's own cell count)."""
    ex = generate("adaptive", 23)
    assert ex.spec == AdaptiveSpec((3, 3), mode="avg")
    assert ex.x.tolist() == [[6, 2, 1, 6, 1], [1, 6, 6, 8, 4], [2, 2, 2, 1, 7],
                             [7, 4, 6, 4, 7], [3, 4, 0, 1, 4]]
    assert ex.grad_output.tolist() == [[-2, -1, -2], [1, -1, 2], [-2, 2, -2]]
    assert ex.steps.divisor.tolist() == [[4, 6, 4], [6, 9, 6], [4, 6, 4]]
    # Sums: bin (0,0) 6+2+1+6 = 15, (0,1) 2+1+6+6+6+8 = 29, (1,1) 39, ...
    y = [["15/4", "29/6", "19/4"], ["22/6", "39/9", "31/6"], ["18/4", "19/6", "16/4"]]
    np.testing.assert_allclose(ex.output, [[float(Fraction(v)) for v in row] for row in y],
                               rtol=0, atol=1e-12)
    # Each bin sends dL/dy ÷ its size to each of its cells: -1/2, -1/6, -1/2 / 1/6, -1/9, 1/3 /
    # -1/2, 1/3, -1/2; rows 1 and 3 (and columns 1 and 3) lie in two bins.
    dx = [["-1/2", "-2/3", "-1/6", "-2/3", "-1/2"],
          ["-1/3", "-11/18", "-5/18", "-4/9", "-1/6"],
          ["1/6", "1/18", "-1/9", "2/9", "1/3"],
          ["-1/3", "-1/9", "2/9", "1/18", "-1/6"],
          ["-1/2", "-1/6", "1/3", "-1/6", "-1/2"]]
    np.testing.assert_allclose(ex.grad_input, [[float(Fraction(v)) for v in row] for row in dx],
                               rtol=0, atol=1e-12)
    assert ex.mask.tolist() == [[1, 2, 1, 2, 1], [2, 4, 2, 4, 2], [1, 2, 1, 2, 1],
                                [2, 4, 2, 4, 2], [1, 2, 1, 2, 1]]
    typed = {p: np.array([[float(Fraction(frac_text(v))) for v in row] for row in a])
             for p, a in ex.answers.items()}
    assert check(ex, typed).solved  # the exact fractions shown as answers are right


@pytest.mark.parametrize("seed", SEEDS)
def test_loop_reference(seed: int) -> None:
    ex = generate("adaptive", seed)
    out, mask, grad = loop_answers(ex)
    if ex.spec.mode == "max":  # the elements themselves: exact
        assert ex.output.tolist() == out.tolist() and ex.grad_input.tolist() == grad.tolist()
    else:
        np.testing.assert_allclose(ex.output, out, rtol=0, atol=1e-12)
        np.testing.assert_allclose(ex.grad_input, grad, rtol=0, atol=1e-12)
    assert ex.mask.tolist() == mask.tolist()


# --------------------------------------------------------------------------- marking
def test_max_mistakes_are_explained_with_the_bin() -> None:
    ex = generate("adaptive", 11)
    y, mask, grad = (a.astype(float) for a in (ex.output, ex.mask, ex.grad_input))
    y[1, 1] = 47  # the second largest of bin (1,1)
    grad[1, 3] = 1  # one bin's gradient only: the overlap forgotten
    mask[1, 3] = 1
    res = check(ex, {"y": y, "mask": mask, "grad_input": grad})
    assert [(e.part, e.cell) for e in res.explanations] == [
        ("y", (1, 1)), ("mask", (1, 3)), ("grad_input", (1, 3))]
    assert all(e.params["bin"] for e in res.explanations)
    y_exp, mask_exp, grad_exp = res.explanations
    assert (y_exp.code, y_exp.params["rows"], y_exp.params["cols"]) == ("y_max", [1, 2, 3],
                                                                        [1, 2, 3])
    assert y_exp.params["pad_cells"] == 0 and y_exp.params["cells"] == [(1, 3)]
    assert mask_exp.params["windows"] == [(0, 1), (0, 2), (1, 1), (1, 2)]
    assert [(d["i"], d["j"], d["share"]) for d in grad_exp.params["terms"]] == [
        (0, 1, 1), (0, 2, 1), (1, 1, 1), (1, 2, 1)]
    assert explanation_text(y_exp, ex) == (
        "y[1,1]: bin (1,1) covers rows 1–3, columns 1–3 (3 × 3); its maximum is 49 (at (1,3)), "
        "not 47.")
    assert explanation_text(mask_exp, ex) == (
        "mask[1,3]: the bins that send their gradient to this cell: (0,1), (0,2), (1,1), (1,2); "
        "so 4, not 1.")
    assert explanation_text(grad_exp, ex).startswith(
        "dL/dx[1,3]: several bins send gradient here (dL/dy[0,1] = 1; dL/dy[0,2] = 1; "
        "dL/dy[1,1] = 1; dL/dy[1,2] = 1), and they add up: 1 + 1 + 1 + 1 = 4")


def test_avg_mistake_names_the_bin_size() -> None:
    ex = generate("adaptive", 23)
    y = ex.output.copy()
    y[0, 1] = 5  # 29 ÷ 5 (a wrong divisor) rounded
    grad = ex.grad_input.copy()
    grad[0, 0] = -2  # dL/dy[0,0] not divided by the bin's 4 cells
    res = check(ex, {"y": y, "mask": ex.mask, "grad_input": grad})
    y_exp, grad_exp = res.explanations
    assert (y_exp.params["divisor"], y_exp.params["total"]) == (6, 29)
    text = explanation_text(y_exp, ex)
    assert text.startswith("y[0,1]: bin (0,1) covers rows 0–1, columns 1–3, so it has "
                           "2 × 3 = 6 cells; their sum 29 divided by 6 is 29/6")
    assert text.endswith("not 5.")
    assert explanation_text(grad_exp, ex) == (
        "dL/dx[0,0]: only bin (0,0) sends gradient here: dL/dy[0,0] ÷ 4 = -2 ÷ 4 = -1/2; "
        "so -1/2 = -0.5, not -2.")


# --------------------------------------------------------------------------- the page
def run_page(query: dict[str, str] | None = None, **state: object) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_shows_the_bins_and_marks_a_mistake() -> None:
    at = run_page(ex_level="adaptive", ex_seed=11)
    level = at.selectbox(key="ex_level")
    assert level.value == "adaptive" and level.options[-1] == t("exercise.level.adaptive")
    md = "\n".join(m.value for m in at.markdown)
    assert ("**Adaptive max pooling** to an output of 3×3, as PyTorch's "
            "`AdaptiveMaxPool2d((3, 3))`") in md
    assert "[0, 1], [1, 3], [3, 4]" in md  # the bins of both axes, with the numbers
    captions = [c.value for c in at.caption]
    assert t("exercise.bin_sizes", rows="2, 3, 2", cols="2, 3, 2") in captions
    assert t("exercise.part.y.hint_bin_max") in captions
    fig = charts(at)["ex_fig_x"]
    assert fig["data"][0]["z"] == X11
    # Nine bins outlined (thin shapes), every one spanning its bin's rows and columns.
    spans = {(round(s["y0"] + 0.5), round(s["x0"] + 0.5), round(s["y1"] - 0.5),
              round(s["x1"] - 0.5)) for s in fig["layout"]["shapes"]}
    for r0, r1 in ((0, 1), (1, 3), (3, 4)):
        for c0, c1 in ((0, 1), (1, 3), (3, 4)):
            assert (r0, c0, r1, c1) in spans
    # A wrong y[1,1] typed: the feedback names bin (1,1) and its size.
    at.session_state["ex_y_adaptive_11"] = {"edited_rows": {1: {"1": "47"}}}
    at.run()
    at.button(key="ex_check").click().run()
    assert not at.exception
    md = "\n".join(m.value for m in at.markdown)
    assert "y[1,1]: bin (1,1) covers rows 1–3, columns 1–3 (3 × 3)" in md
    assert {"level": "adaptive", "seed": "11"}.items() <= {
        k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}.items()


def test_link_opens_the_level_in_polish() -> None:
    at = run_page({"level": "adaptive", "seed": "23"}, lang="pl")
    assert (at.session_state["ex_level"], at.session_state["ex_seed"]) == ("adaptive", 23)
    assert at.selectbox(key="ex_level").options[-1] == "7 · Pooling adaptacyjny (PyTorch)"
    md = "\n".join(m.value for m in at.markdown)
    assert t("exercise.spec.adaptive_avg", "pl", oh=3, ow=3) + "." in md
    assert "**Obszary** (jedna reguła na oś)" in md


def test_answers_shown_bin_by_bin() -> None:
    at = run_page({"level": "adaptive", "seed": "23"})
    at.button(key="ex_show").click().run()
    assert not at.exception
    figs = charts(at)
    assert figs["ex_fig_answer_mask"]["data"][0]["z"][1] == [2, 4, 2, 4, 2]
    assert t("exercise.answers.steps_bin") in [e.label for e in at.expander]
