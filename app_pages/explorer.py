"""Explorer: edit a feature map and watch the gradient scatter back through the pool."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import AdaptiveSpec, PoolSpec
from ui.compute import Results, compute, content_key, player_page
from ui.exports.view import export_section
from ui.format import index_base, ix
from ui.i18n import current_language, t
from ui.links.explorerlink import apply_url_state, current_query, share_controls
from ui.state import keep
from ui.views import figures
from ui.views.charts import chart
from ui.views.checks import sums_and_check
from ui.views.frameworks_panel import frameworks_panel
from ui.views.layer_view import bin_caption, other_bins, pad_sides, read_layer, window_outlines
from ui.views.player import show_player
from ui.views.predict import all_predicted, player_predict, predict_mode, predict_switch
from ui.views.presets import question_line, question_menu, take_question
from ui.views.projector import projector_on
from ui.views.symbolic import notation_controls, symbolic_result, symbols_on
from ui.views.unpool_view import unpool_applies, unpool_section
from ui.widgets.grid import parse_grid
from ui.widgets.inputs import example_row, grid_controls
from ui.widgets.params import PARAM_DEFAULTS, SLOT_CSS, SLOT_PREFIX, parameter_controls
from ui.widgets.session import RESULTS_DEFAULTS, init_state
from ui.widgets.upstream import upstream_controls


def hidden_parts() -> set[str]:
    """The parts a classroom link hides ("controls", "answers")."""
    return set(st.session_state.get("hide") or ())


def columns() -> tuple:
    """Two charts side by side; in projector mode one per row, so that numbers stay large."""
    return (st.container(), st.container()) if projector_on() else st.columns(2, gap="large")


def read_upstream(x: np.ndarray, spec: PoolSpec | AdaptiveSpec,
                  out_hw: tuple[int, int]) -> np.ndarray:
    """dL/dy (OH, OW) from its controls; while they are invalid, the last valid one (same
    input shape and layer) or all ones."""
    gy, gy_error = upstream_controls(out_hw)
    if gy is not None:
        return gy
    st.error(gy_error, icon=":material/error:")
    last = st.session_state.get("last_valid")
    if last and last[0].shape == x.shape and last[2] == spec:
        st.warning(t("explorer.showing_last_valid"), icon=":material/history:")
        return last[1]
    return np.ones(out_hw)


def forward_charts(x: np.ndarray, res: Results, k: int, answers_hidden: bool,
                   receivers_hidden: bool = False) -> None:
    """The input with window k outlined (and, on demand, windows per cell), then y; window k's
    receivers marked unless the answers or the receivers (predict mode) are hidden."""
    spec, y, cur = res.forward.spec, res.forward.output, res.steps[k]
    (i, j), (H, W) = cur.out_index, x.shape
    pad = pad_sides(spec, x.shape)
    show_all = st.toggle(t("forward.all_windows"), key="show_all_windows")
    st.caption(t("forward.sync_note"))
    marked = np.zeros(x.shape, dtype=bool)
    if not answers_hidden and not receivers_hidden:
        for (r, c), _ in cur.receivers:
            marked[r, c] = True
    bins, insets = other_bins(res.steps)
    c1, c2 = columns()
    with c1:
        chart(figures.heatmap(x, t("forward.input", i=ix(i), j=ix(j)), name="x",
                              rects=window_outlines(res.steps, k),
                              thin_rects=bins, thin_insets=insets, marked=marked, pad=pad,
                              projector=projector_on()),
              "fig_input", t("alt.input", h=H, w=W, i=ix(i), j=ix(j)))
        if (caption := bin_caption(res.steps, k)) is not None:
            st.caption(caption)
        if show_all:  # how many windows read each cell: overlap as numbers, not outlines
            chart(figures.heatmap(res.cover(), t("forward.cover"), kind="count",
                                  name=t("forward.cover_name"), projector=projector_on()),
                  "fig_cover", t("alt.cover"))
    with c2:
        if answers_hidden:
            st.info(t("classroom.answers_hidden", oh=y.shape[0], ow=y.shape[1]),
                    icon=":material/school:")
            st.button(t("classroom.reveal"), key="reveal", icon=":material/visibility:",
                      on_click=lambda: st.session_state.update(revealed=True))
            return
        out_marked = np.zeros(y.shape, dtype=bool)
        out_marked[i, j] = True
        chart(figures.heatmap(y, t("forward.output"), name="y", marked=out_marked,
                              projector=projector_on()),
              "fig_output", t("alt.output", oh=y.shape[0], ow=y.shape[1]))


def mask_chart(res: Results) -> None:
    """Max mode: how many windows each cell wins; average mode: each window's divisor."""
    spec = res.forward.spec
    c1, c2 = columns()
    with c1:
        if spec.mode == "max":
            chart(figures.heatmap(res.wins, t("forward.mask", policy=spec.ties), kind="count",
                                  name=t("forward.wins_name"), projector=projector_on()),
                  "fig_mask", t("alt.mask"))
        else:
            chart(figures.heatmap(res.forward.divisor, t("forward.divisor"), kind="count",
                                  name=t("forward.divisor_name"), projector=projector_on()),
                  "fig_divisor", t("alt.divisor"))
    with c2:
        st.markdown(t("forward.mask_note" if spec.mode == "max" else "forward.divisor_note"))


def page() -> None:
    """Controls -> (x, dL/dy, spec) -> one Results -> forward, steps, result, exports."""
    init_state()
    url_notes = apply_url_state()
    hidden = hidden_parts()
    st.title(t("explorer.title"))
    question = take_question("")
    st.markdown(t("explorer.intro"))
    question_menu()
    for note in url_notes:
        st.warning(note, icon=":material/link_off:")

    with st.sidebar:
        st.header(t("param.header"))
        controls_box = st.container()
        if "controls" in hidden:
            st.info(t("classroom.controls_hidden"), icon=":material/lock:")
        st.html(SLOT_CSS)  # a slot that shows nothing takes no room
        spec_box = st.container(key=f"{SLOT_PREFIX}rule")
        notation_controls()
    st.subheader(t("input.header"))
    if "controls" not in hidden:
        example_row()
    layer_and_results(controls_box, spec_box, question)


@st.fragment
def layer_and_results(controls_box: DeltaGenerator, spec_box: DeltaGenerator,
                      question: DeltaGenerator) -> None:
    """The layer's controls (into the sidebar's `controls_box`), then the grid and results. A
    fragment: an edit of a layer control reruns this, not the title, the example row and the
    app's frame (each element sent is drawn again in the browser); an example or a question
    reruns the page."""
    keep(PARAM_DEFAULTS)  # before the controls are drawn (ui/widgets/session.py)
    boxes: dict[str, DeltaGenerator] = {}
    if "controls" not in hidden_parts():
        with controls_box:
            boxes = parameter_controls()
    grid_and_results(boxes, spec_box, question)


@st.fragment
def grid_and_results(boxes: dict[str, DeltaGenerator], spec_box: DeltaGenerator,
                     question: DeltaGenerator) -> None:
    """The grid and everything computed from it. A fragment in `layer_and_results`: an edit of
    the grid (or of any widget below it) reruns only this, not the layer's controls either.
    It writes into the sidebar (the rule under the controls, errors next to them, the share
    box) through slots it fills on every run (Streamlit keeps a fragment's place in a
    container created outside it only when the fragment writes there on every full run)."""
    ss = st.session_state
    keep(RESULTS_DEFAULTS)  # before their widgets are drawn (ui/widgets/session.py)
    hidden = hidden_parts()
    predicting = predict_mode()
    slots = {name: box.empty() for name, box in boxes.items()}
    x, _ = parse_grid(ss.grid_text) if "controls" in hidden else grid_controls()
    spec, sizes = read_layer(x, slots, spec_box.container())
    if spec is None and "last_valid" in ss:
        st.warning(t("explorer.showing_last_valid"), icon=":material/history:")

    st.subheader(t("gy.header"))
    st.caption(t("gy.explain"))
    if spec is not None:
        ss.last_valid = (x, read_upstream(x, spec, (sizes[0].size, sizes[1].size)), spec)
    with st.sidebar:
        share = st.container()
    if "last_valid" not in ss:
        return
    x, gy, spec = ss.last_valid
    query = question_line("", question, current_query(x, gy, spec))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    with share:
        st.divider()
        share_controls(query)

    res = compute(x, gy, spec)
    n_steps = len(res.steps)
    config = content_key(x, gy, spec)
    unpredicted = predicting and not all_predicted(res.steps, config)  # give nothing away
    if ss.step > n_steps - 1:  # an edit that leaves fewer steps keeps the last one
        ss.step = n_steps - 1
    st.subheader(t("forward.header"))
    answers_hidden = "answers" in hidden and not ss.get("revealed")
    forward_charts(x, res, int(ss.step), answers_hidden, unpredicted)
    if answers_hidden:
        return
    unpooled = None
    if not unpredicted:  # the mask and the unpooled plane show the winners
        mask_chart(res)
        if ss.get("layer") == "unpool" and unpool_applies(spec):  # max pool -> max unpool
            unpooled = unpool_section(res.forward.output, res.forward.indices, spec,
                                      res.forward.output.shape)

    st.subheader(t("steps.header"))
    st.caption(t("steps.explain"))
    if n_steps > 1:
        # Counted from 1, as the player counts ("Step 5 / 16" is 5 on the slider); ss.step,
        # the link's and the player's step, counts from 0.
        ss.jump = int(ss.step) + 1
        st.slider(t("steps.jump"), 1, n_steps, key="jump", help=t("help.jump"),
                  on_change=lambda: ss.update(step=int(ss.jump) - 1))
    predict_switch()

    def on_step(k: int) -> None:
        ss.step = min(k, n_steps - 1)

    show_player(player_page(x, gy, spec, int(ss.step), projector_on(), current_language(),
                            index_base(), symbols_on()),
                on_step=on_step,
                **(player_predict(res.steps, config, int(ss.step), current_language(), on_step)
                   if predicting else {}))

    st.subheader(t("result.header"))
    if unpredicted:
        st.info(t("predict.result_hidden"), icon=":material/quiz:")
        return
    c1, c2 = columns()
    with c1:
        chart(figures.heatmap(res.grad_input, t("result.grad_input"), kind="grad", name="dL/dx",
                              projector=projector_on()),
              "fig_grad_input", t("alt.grad_input"))
        if symbols_on():
            symbolic_result(res.steps)
    with c2:
        sums_and_check(res)
    frameworks_panel(x, gy, spec)
    export_section(x, gy, spec, res, unpool=unpooled)


page()
