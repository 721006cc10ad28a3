"""The exercise's feedback sentences and problem sentence, worded outside any page run: they
need only the exercise they are about (no page global)."""

from __future__ import annotations

import numpy as np

from pooling_core import PoolSpec, check, generate
from ui.format import fmt
from ui.i18n import t
from ui.views.exercise import spec_sentence
from ui.views.feedback import explanation_text


def test_explanations_need_only_the_exercise() -> None:
    ex = generate("nonoverlap", 3)  # kernel 2, stride 2: window (0,1) is rows 0-1, cols 2-3
    y = np.array(ex.output, dtype=np.float64)
    y[0, 1] = 5.0
    g = np.array(ex.grad_input, dtype=np.float64)
    r, c = map(int, np.argwhere(ex.mask == 1)[0])  # a winning cell
    g[r, c] = 0.0
    result = check(ex, {"y": y, "mask": ex.mask.astype(np.float64), "grad_input": g})
    texts = [explanation_text(e, ex) for e in result.explanations]
    block = ex.x[0:2, 2:4]  # read off x here
    a, b = np.unravel_index(np.argmax(block), (2, 2))
    i, j = r // 2, c // 2
    grad = fmt(ex.grad_output[i, j])
    assert texts == [
        t("exercise.why.y_max", i=0, j=1, rows="0–1", cols="2–3", value=fmt(block.max()),
          cells=f"({a},{b + 2})", given="5"),
        t("exercise.why.grad_one", r=r, c=c, i=i, j=j,
          term=t("exercise.term.whole", i=i, j=j, g=grad), expected=grad, given="0"),
    ]


def test_spec_sentence() -> None:
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=False,
                    ceil_mode=True)
    assert spec_sentence(spec) == ", ".join([
        t("exercise.spec.avg", kh=3, kw=3, sh=2, sw=2),
        t("exercise.spec.padding_avg_out", p=1), t("exercise.spec.ceil")]) + "."
