"""The Explorer's max unpool layer, a round trip (SegNet's decoder): PyTorch's
MaxPool2d(return_indices=True) then MaxUnpool2d with the same kernel parameters. The pooling
layer's y and indices unpooled with `max_unpool`, the output-size rule with the current
numbers, a step view (step k: y[i, j] lands on its cell, the plane so far) and every step's
sentence: where each y value lands (and which later value overwrites it) and the backward pass
as a gather (`max_unpool_backward`): dL/dy[i, j] is read from dL/dout at the cell y[i, j]
landed on.

Shown for max pooling with a kernel and symmetric (or 'valid') padding, the layers PyTorch's
MaxUnpool2d undoes (its padding is one number per axis; the unpooled size of 'same' padding is
not determined by the layer).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec, unpool_output_size, unpool_steps
from pooling_core.padding import SYMMETRIC
from pooling_core.unpool import UnpoolSteps
from ui.errors import error_text
from ui.format import fmt, ix
from ui.i18n import t
from ui.views import figures
from ui.views.charts import chart
from ui.views.projector import projector_on

MAX_LINES = 64  # landing sentences listed; the rest counted


def unpool_applies(spec: PoolSpec | AdaptiveSpec) -> bool:
    """Whether the round trip is shown: max pooling with a kernel and symmetric padding."""
    return (isinstance(spec, PoolSpec) and spec.mode == "max"
            and spec.padding_kind in (SYMMETRIC, "valid"))


def round_trip(y: np.ndarray, indices: np.ndarray, spec: PoolSpec,
               grad_output: np.ndarray | None = None,
               size: tuple[int, int] | None = None) -> UnpoolSteps:
    """The unpooling steps of a 2-D y with its indices, at `size` (None: the default)."""
    return unpool_steps(y, indices, spec, size, grad_output=grad_output)


def size_range(spec: PoolSpec, in_hw: tuple[int, int]) -> list[tuple[int, int, int]]:
    """Per axis (default, lowest, highest): the sizes PyTorch's max_unpool2d accepts,
    default − s < size < default + s."""
    default = unpool_output_size(in_hw, spec)
    return [(d, max(1, d - s + 1), d + s - 1) for d, s in zip(default, spec.s, strict=True)]


def size_inputs(spec: PoolSpec, in_hw: tuple[int, int]) -> tuple[int, int]:
    """The explicit output size (H, W), each box within PyTorch's range (a value left from
    another layer that falls outside it goes back to the default)."""
    ss = st.session_state
    sizes = []
    for col, key, (d, lo, hi) in zip(st.columns(2), ("unpool_h", "unpool_w"),
                                     size_range(spec, in_hw), strict=True):
        if not isinstance(ss.get(key), int) or not lo <= ss[key] <= hi:
            ss[key] = d
        sizes.append(int(col.number_input(t(f"unpool.{key}"), lo, hi, step=1, key=key,
                                          help=t("unpool.size_help", lo=lo, hi=hi, d=d))))
    return sizes[0], sizes[1]


def size_rule(spec: PoolSpec, in_hw: tuple[int, int]) -> str:
    """The default unpooled size per axis, (in − 1)·s − before − after + k, with numbers."""
    parts = []
    for axis, n, s, (pb, pa), k in zip(("H", "W"), in_hw, spec.s, spec.pads(), spec.k,
                                       strict=True):
        size = (n - 1) * s - pb - pa + k
        parts.append(f"{axis} = ({n} − 1)·{s} − {pb} − {pa} + {k} = {size} "
                     f"({size - s + 1}…{size + s - 1})")
    return t("unpool.rule", sizes="; ".join(parts))


def step_lines(steps: UnpoolSteps, base: int | None = None) -> list[str]:
    """One sentence per step: where y[i, j] lands, whether a later value overwrites it, and
    where its gradient is read from; indices in `base` (default: the session's)."""
    lines = []
    for st_ in steps:
        (i, j), (r, c) = (ix(v, base) for v in st_.source), (ix(v, base) for v in st_.target)
        text = t("unpool.lands", i=i, j=j, v=fmt(st_.value), r=r, c=c)
        if st_.overwritten_by >= 0:
            w = steps[st_.overwritten_by].source
            text += " " + t("unpool.overwritten", i2=ix(w[0], base), j2=ix(w[1], base))
        if st_.gradient is not None:
            text += " " + t("unpool.gather", i=i, j=j, r=r, c=c, g=fmt(st_.gradient))
        lines.append(text)
    return lines


def _columns() -> tuple:
    """Two charts side by side; in projector mode one per row."""
    return (st.container(), st.container()) if projector_on() else st.columns(2, gap="large")


def step_view(steps: UnpoolSteps, lines: list[str]) -> None:
    """Step k of the unpooling: y with y[i, j] outlined, the unpooled plane after steps
    0..k with the cell it landed on outlined, and the step's sentence."""
    n = len(steps)
    k = 0  # the slider counts from 1, as the figure's title does
    if n > 1:
        if not isinstance(st.session_state.get("unpool_step"), int) or not (
                1 <= st.session_state.unpool_step <= n):
            st.session_state.unpool_step = 1  # a step left from a larger layer
        k = int(st.slider(t("unpool.step"), 1, n, key="unpool_step",
                          help=t("unpool.step_help"))) - 1
    cur = steps[k]
    y_marked = np.zeros(steps.values.shape, dtype=bool)
    y_marked[cur.source] = True
    out_marked = np.zeros(steps.output_shape, dtype=bool)
    out_marked[cur.target] = True
    (i, j), (r, c) = (ix(v) for v in cur.source), (ix(v) for v in cur.target)  # as shown
    c1, c2 = _columns()
    with c1:
        chart(figures.heatmap(steps.values, t("unpool.fig_y", i=i, j=j), name="y",
                              marked=y_marked, projector=projector_on()),
              "fig_unpool_y", t("unpool.alt_y", i=i, j=j))
    with c2:
        chart(figures.heatmap(steps.accumulated(k), t("unpool.fig_partial", k=k + 1, n=n),
                              name="unpool", marked=out_marked, projector=projector_on()),
              "fig_unpool_partial", t("unpool.alt_partial", k=k + 1, n=n, r=r, c=c))
    st.info(lines[k], icon=":material/call_split:")


def unpool_section(y: np.ndarray, indices: np.ndarray, spec: PoolSpec,
                   in_hw: tuple[int, int]) -> tuple[int, int] | None:
    """The unpool layer: the size rule and an explicit size, the step view, the unpooled
    plane and each value's landing and gather (dL/dout = the unpooled plane itself, so each
    gathered gradient is visible). The unpooled size shown (None: indices outside it)."""
    st.subheader(t("unpool.show"))
    st.caption(t("unpool.help"))
    st.caption(size_rule(spec, in_hw))
    size = size_inputs(spec, in_hw)
    try:
        base = round_trip(y, indices, spec, size=size)
    except PoolingError as e:  # an index of x's plane beyond the unpooled one
        st.warning(f"{error_text(e)} {t('unpool.index_hint')}", icon=":material/warning:")
        return None
    steps = round_trip(y, indices, spec, grad_output=base.output, size=size)
    lines = step_lines(steps)
    step_view(steps, lines)
    chart(figures.heatmap(steps.output, t("unpool.output"), name="unpool",
                          projector=projector_on()),
          "fig_unpool", t("unpool.output"))
    shown = [f"- {line}" for line in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:  # a 32 x 32 layer of kernel 1: a list no one reads whole
        shown.append(f"- {t('grid.more', n=len(lines) - MAX_LINES).strip()}")
    st.markdown("\n".join(shown))
    return size
