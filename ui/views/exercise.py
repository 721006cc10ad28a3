"""The exercise's problem (the layer in words, the output size, x and dL/dy) and its answers
(three heatmaps of exact fractions, and the backward pass step by step)."""

from __future__ import annotations

import streamlit as st

from pooling_core import ANSWER_PARTS, AdaptiveSpec, Exercise, PoolSpec, output_size
from ui.i18n import shape_words, t
from ui.views import figures
from ui.views.charts import chart
from ui.views.layer_view import other_bins, pad_sides
from ui.views.narrate import step_sentences
from ui.views.projector import projector_on
from ui.widgets.fractions import frac_text

# How each answer part is drawn: its colour scale and the name a hovered cell shows.
FIG_KIND = {"y": "value", "mask": "count", "grad_input": "grad"}
FIG_NAME = {"y": "y", "mask": "mask", "grad_input": "dL/dx"}


def answer_kind(ex: Exercise) -> str:
    """Which wording the answers' hints and titles take: "max" or "avg", "bin_max" or
    "bin_avg" for an adaptive layer (its windows are bins)."""
    return ("bin_" if isinstance(ex.spec, AdaptiveSpec) else "") + ex.spec.mode


def spec_sentence(spec: PoolSpec | AdaptiveSpec) -> str:
    """The layer in words, e.g. "Max pooling, kernel 2×2, stride 2×2, no padding."."""
    if isinstance(spec, AdaptiveSpec):
        oh, ow = spec.out
        return t(f"exercise.spec.adaptive_{spec.mode}", oh=oh, ow=ow) + "."
    (kh, kw), (sh, sw) = spec.k, spec.s
    parts = [t(f"exercise.spec.{spec.mode}", kh=kh, kw=kw, sh=sh, sw=sw)]
    if spec.padding_kind == "same":
        parts.append(t(f"exercise.spec.same_{spec.mode}"))
        return ", ".join(parts) + "."
    ph = spec.p[0]
    if ph == 0:
        parts.append(t("exercise.spec.no_padding"))
    elif spec.mode == "max":
        parts.append(t("exercise.spec.padding_max", p=ph))
    else:
        inout = "in" if spec.count_include_pad else "out"
        parts.append(t(f"exercise.spec.padding_avg_{inout}", p=ph))
    if spec.ceil_mode:
        parts.append(t("exercise.spec.ceil"))
    return ", ".join(parts) + "."


def show_size(ex: Exercise) -> None:
    """The output size with its formula per axis; for an adaptive layer the bins per axis and
    their sizes."""
    sizes = output_size(ex.x.shape, ex.spec)
    if isinstance(ex.spec, AdaptiveSpec):
        st.markdown(t("exercise.spec.bins_rule"))
        st.markdown(t("exercise.bins", h=sizes[0].formula, w=sizes[1].formula))
        st.caption(t("exercise.bin_sizes", rows=", ".join(map(str, sizes[0].lengths)),
                     cols=", ".join(map(str, sizes[1].lengths))))
        return
    dropped = [t("exercise.dropped", axis=t(f"exercise.axis.{ax}"))
               for ax, a in zip(("height", "width"), sizes, strict=True) if a.dropped_last]
    st.markdown(t("exercise.size", h=sizes[0].formula, w=sizes[1].formula))
    if dropped:
        st.caption(" ".join(dropped))


def show_problem(ex: Exercise) -> None:
    """The problem: the layer, its tie rule when it matters, the output size with its formula
    (adaptive: the bins), then x (H, W) drawn with the padding its windows read (adaptive:
    every bin outlined, overlapping ones at different depths) and dL/dy (OH, OW)."""
    spec = ex.spec
    st.subheader(t("exercise.problem.header"))
    st.markdown(spec_sentence(spec))
    if spec.mode == "max" and (ex.tied_windows or ex.level == "ties"):
        st.markdown(t("exercise.spec.policy", policy=spec.ties,
                      rule=t(f"exercise.rule.{spec.ties}")))
    show_size(ex)

    H, W = ex.x.shape
    OH, OW = ex.output.shape
    bins, insets = other_bins(ex.steps)
    projector = projector_on()
    c_x, c_gy = st.columns(2, gap="large")
    with c_x:
        chart(figures.heatmap(ex.x, t("exercise.fig.x", h=H, w=W), name="x",
                              pad=pad_sides(spec, ex.x.shape), thin_rects=bins,
                              thin_insets=insets, projector=projector, width_px=360),
              key="ex_fig_x", alt=t("exercise.alt.x", **shape_words(H, W)))
    with c_gy:
        chart(figures.heatmap(ex.grad_output, t("exercise.fig.gy", oh=OH, ow=OW), kind="grad",
                              name="dL/dy", projector=projector, width_px=360),
              key="ex_fig_gy", alt=t("exercise.alt.gy", **shape_words(OH, OW)))
        st.caption(t("exercise.gy_caption"))
    st.info(t("exercise.task"), icon=":material/edit:")


def show_answers(ex: Exercise) -> None:
    """The three answers as heatmaps of exact fractions, and the backward steps in words."""
    st.subheader(t("exercise.answers.header"))
    kind = answer_kind(ex)
    titles = {
        "y": t("exercise.answers.y"),
        "mask": t(f"exercise.answers.mask_{kind}", policy=ex.spec.ties),
        "grad_input": t("exercise.answers.grad_input"),
    }
    projector = projector_on()
    row1, row2 = st.columns(2, gap="large"), st.columns(2, gap="large")
    for col, part in zip((row1[0], row1[1], row2[0]), ANSWER_PARTS, strict=True):
        values = ex.answers[part]
        with col:
            chart(figures.heatmap(values, titles[part], kind=FIG_KIND[part],
                                  name=FIG_NAME[part], projector=projector, width_px=340,
                                  text=[[frac_text(v) for v in row] for row in values]),
                  key=f"ex_fig_answer_{part}", alt=t("exercise.alt.answer", part=titles[part]))
    steps_title = "exercise.answers.steps_bin" if kind.startswith("bin_") else (
        "exercise.answers.steps")
    with st.expander(t(steps_title), icon=":material/list:"):
        st.markdown("\n".join(f"{k + 1}. {s}" for k, s in enumerate(step_sentences(ex.steps))))
