"""The Frameworks page's views: each framework's y and dL/dx side by side with the cells that
differ from PyTorch's outlined and the reasons in words, and how each framework writes the
layer (its code, whether it can express it, why not).

Every number comes from `pooling_core.frameworks` (`differences`, one per framework, computed
once per configuration and kept in the Explorer's content cache); this module only draws.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec
from pooling_core.frameworks import (
    FRAMEWORKS,
    Call,
    Differences,
    Expression,
    differences,
    express,
)
from ui.compute import content_key, results_cache
from ui.i18n import t
from ui.views import figures
from ui.views.charts import chart
from ui.views.frameworks_text import (
    issue_text,
    label,
    reason_text,
    reasons_lines,
    verdict_key,
    verdict_text,
)
from ui.views.projector import projector_on

Spec = PoolSpec | AdaptiveSpec
REFERENCE = FRAMEWORKS[0]  # PyTorch: what the others are compared with
# Where the differing cells are framed: a dashed black line over a white one, inside the cell,
# visible on every colour of the scales (the legend names it; the number in the cell and the
# sentences below carry the information too).
DIFF_LINE = {"width": 2.5, "color": "#000000", "dash": "dash"}
DIFF_UNDER = {"width": 5, "color": "#ffffff", "dash": "solid"}
PROJECTOR_WIDTH = 1.6  # thicker lines in projector mode

def lens(x: np.ndarray, grad_output: np.ndarray, spec: Spec) -> dict[str, Differences | None]:
    """Every framework's `differences` from PyTorch for x (H, W), dL/dy (OH, OW) and spec, in
    `FRAMEWORKS` order (None: the engine could not compare that framework on this layer);
    computed once per configuration (the Explorer's content cache). Raises PoolingError
    ``work_budget`` for a layer past the engine's budget."""
    key = ("frameworks", *content_key(x, grad_output, spec))
    return results_cache().get_or_compute(key, lambda: _lens(x, grad_output, spec))


def _lens(x: np.ndarray, grad_output: np.ndarray, spec: Spec) -> dict[str, Differences | None]:
    out: dict[str, Differences | None] = {}
    for fw in FRAMEWORKS:
        try:
            out[fw] = differences(x, grad_output, spec, fw)
        except PoolingError as e:
            if e.code == "work_budget":
                raise
            out[fw] = None
    if out[REFERENCE] is None:  # PyTorch against itself: its side of any other comparison
        other = next((d for d in out.values() if d is not None), None)
        if other is not None:
            ref = other.pytorch
            out[REFERENCE] = Differences(
                REFERENCE, ref, ref, (),
                np.full(np.shape(ref.output) if ref.output is not None else (0, 0), "",
                        dtype=object), np.full(x.shape, "", dtype=object))
    return out


def differing(reasons: np.ndarray) -> np.ndarray:
    """(R, C) bool: the cells with a reason (a `Differences.y_reason` / `dx_reason` array)."""
    return np.asarray(reasons, dtype=object) != ""


def outlined(fig: dict, marked: np.ndarray) -> dict:
    """`fig` (a heatmap from ui.views.figures) with each marked cell framed by a dashed line."""
    scale = PROJECTOR_WIDTH if projector_on() else 1.0
    shapes = list(fig["layout"].get("shapes", []))
    for r, c in np.argwhere(marked):
        for line in (DIFF_UNDER, DIFF_LINE):
            shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": c - 0.44,
                           "x1": c + 0.44, "y0": r - 0.44, "y1": r + 0.44,
                           "line": {**line, "width": line["width"] * scale},
                           "fillcolor": "rgba(0,0,0,0)"})
    return {**fig, "layout": {**fig["layout"], "shapes": shapes}}


def per_row(cols: int) -> int:
    """How many frameworks' charts side by side: all five for a small grid, fewer for a wide
    one so that its numbers stay readable, one at a time in projector mode."""
    if projector_on():
        return 1
    return 5 if cols <= 6 else 3 if cols <= 10 else 1


def width_for(n: int) -> int:
    """What one heatmap may take (px) when n frameworks share a row (cells stay inside)."""
    return {5: 190, 3: 320, 1: 520}.get(n, 520)


def framework_charts(fw: str, diffs: Differences | None, width_px: int) -> None:
    """One framework's y and dL/dx, the cells that differ from PyTorch's outlined, and the
    reasons (or that its numbers are PyTorch's)."""
    st.markdown(f"#### {label(fw)}")
    name = label(fw)
    if diffs is None:
        st.info(t("frameworks.not_compared", name=name), icon=":material/info:")
        return
    res = diffs.result
    if res.output is None:
        st.info(t("frameworks.no_numbers", name=name), icon=":material/block:")
        return
    y_marked, dx_marked = differing(diffs.y_reason), differing(diffs.dx_reason)
    pr = projector_on()
    oh, ow = res.output.shape
    chart(outlined(figures.heatmap(res.output, t("frameworks.fig.y"), name="y",
                                   projector=pr, width_px=width_px), y_marked),
          f"fw_y_{fw}", t("frameworks.alt.y", name=name, oh=oh, ow=ow,
                          n=int(y_marked.sum())))
    if res.grad_input is None:
        st.caption(t("frameworks.no_gradient", name=name))
    else:
        h, w = res.grad_input.shape
        chart(outlined(figures.heatmap(res.grad_input, t("frameworks.fig.dx"),
                                       kind="grad", name="dL/dx", projector=pr,
                                       width_px=width_px), dx_marked),
              f"fw_dx_{fw}", t("frameworks.alt.dx", name=name, h=h, w=w,
                               n=int(dx_marked.sum())))
    if fw == REFERENCE:
        st.caption(t("frameworks.reference"))
    elif not diffs.cells:
        st.success(t("frameworks.same_as_torch"), icon=":material/check_circle:")
    else:
        st.markdown(t("frameworks.differs", n=len(diffs.cells)))
        st.markdown("\n".join(f"- {line}" for line in reasons_lines(diffs)))


def compare_section(all_diffs: dict[str, Differences | None], cols: int) -> None:
    """Every framework's y and dL/dx side by side (as many per row as stay readable)."""
    st.caption(t("frameworks.compare.legend"))
    n = per_row(cols)
    slots = []
    for _ in range(0, len(all_diffs), n):
        slots.extend(st.columns(n, gap="small") if n > 1 else [st.container()])
    for slot, (fw, diffs) in zip(slots, all_diffs.items(), strict=False):
        with slot:
            framework_charts(fw, diffs, width_for(n))


def show_code(call: Call) -> None:
    """One call's code (data, never translated), wrapped so that it fits a phone. Not
    highlighted: the theme's green strings fail axe's contrast check on its grey."""
    st.code(call.code, language=None, wrap_lines=True)


def code_block(fw: str, expression: Expression) -> None:
    """How one framework writes the layer: the verdict, its reasons and the code."""
    key = verdict_key(expression)
    icon = {"native": ":material/check_circle:", "exact": ":material/build:",
            "nearest": ":material/warning:", "none": ":material/block:"}[key]
    st.markdown(f"#### {label(fw)}")
    box = st.success if key == "native" else st.info if key == "exact" else st.warning
    box(verdict_text(expression), icon=icon)
    if expression.issues:
        st.markdown("\n".join(f"- {issue_text(i)}" for i in expression.issues))
    for call in expression.calls:
        show_code(call)
    if expression.alternatives:
        st.caption(t("frameworks.code.also"))
        for call in expression.alternatives:
            show_code(call)


def code_section(all_diffs: dict[str, Differences | None], spec: Spec,
                 input_hw: tuple[int, int]) -> None:
    """Each framework's definition of the layer with this layer's numbers, two per row (one
    in projector mode)."""
    items = list(all_diffs.items())
    n = 1 if projector_on() else 2
    for start in range(0, len(items), n):
        cols = st.columns(n, gap="large") if n > 1 else [st.container()]
        for col, (fw, diffs) in zip(cols, items[start:start + n], strict=False):
            with col:
                if diffs is None:
                    code_block(fw, express(fw, spec, input_hw))
                    continue
                code_block(fw, diffs.result.expression)
                for note in diffs.result.notes:
                    st.caption(issue_text(note))


def reasons_legend(all_diffs: dict[str, Differences | None]) -> None:
    """Each reason that occurs on this input, once, in one sentence (the legend of the
    outlines)."""
    seen: list[str] = []
    for diffs in filter(None, all_diffs.values()):
        seen.extend(r for r in diffs.counts() if r not in seen)
    if seen:
        st.markdown("\n".join(f"- {reason_text(r)}" for r in seen))
