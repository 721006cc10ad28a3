"""Ties: one input through the four tie policies side by side, and why max has no gradient there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pooling_core import (
    TIE_POLICIES,
    PoolingError,
    PoolSpec,
    ScatterSteps,
    gradient_sum_check,
    numerical_gradient,
    output_size,
    pool_backward,
    scatter_steps,
)
from ui.errors import cell_errors_text, error_text
from ui.exports.view import ties_export
from ui.format import fmt
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import TIES_FIELDS, encode_fields
from ui.state import keep
from ui.views import figures, symbolic
from ui.views.charts import chart
from ui.views.predict import predict_switch
from ui.views.presets import question_line, take_question
from ui.views.projector import projector_on
from ui.widgets.grid import (
    MAX_SIDE,
    PRESETS,
    grids_differ,
    parse_grid,
    preset_text,
    resize,
    to_text,
)
from ui.widgets.inputs import base_caption, grid_editor
from ui.widgets.session import open_in_explorer

PRESET = "plateau"
PLATEAU, PLATEAU_X = PRESETS[PRESET].spec, np.array(PRESETS[PRESET].grid, dtype=np.float64)
# Kept across page visits (ui.state.keep): kernel, stride, the Explorer's policy, predict mode.
DEFAULTS = {"ties_k": PLATEAU.k[0], "ties_s": PLATEAU.s[0], "ties_open_policy": PLATEAU.ties,
            "ties_predict": False}
FD_EPS = 1e-6
FD_EXAMPLES = (np.array([[5.0, 5.0]]), np.array([[5.0, 5.0, 5.0]]))  # a 2- and a 3-way tie


def apply_link() -> None:
    """A classroom link opened on this page: its grid, kernel, stride and policy."""
    ss, link = st.session_state, pagelink.load_fields("ties", TIES_FIELDS)
    if not link:
        return
    if "x" in link:
        ss.ties_base = to_text(np.array(link["x"], dtype=np.float64))
        ss.ties_grid_version += 1
    ss.ties_open_policy = link.get("policy", ss.ties_open_policy)
    ss.ties_predict = bool(link.get("predict", ss.ties_predict))
    k, s = int(link.get("k", ss.ties_k)), int(link.get("s", ss.ties_s))
    try:
        output_size((len(ss.ties_base), len(ss.ties_base[0])), PoolSpec(kernel_size=k, stride=s))
    except PoolingError as e:
        pagelink.add_note("ties", t("url.url_combo", reason=error_text(e)))
        return
    ss.ties_k, ss.ties_s = k, s


def resize_grid() -> None:
    """Callback: crop or pad (with 0) the grid to the rows and columns asked for."""
    ss = st.session_state
    ss.ties_base = resize(ss.ties_base, int(ss.ties_rows or 1), int(ss.ties_cols or 1))
    ss.ties_grid_version += 1


def reset() -> None:
    """Callback: the plateau grid, kernel and stride again."""
    ss = st.session_state
    ss.ties_grid_version, ss.ties_base = ss.ties_grid_version + 1, preset_text(PRESET)
    ss.ties_k, ss.ties_s = DEFAULTS["ties_k"], DEFAULTS["ties_s"]


def open_explorer() -> None:
    """Callback (before the script, so it works even where `st.switch_page` cannot run): this
    grid, kernel and stride into the Explorer, max pooling with the chosen policy (the rest at
    its defaults: this page has no padding or dilation), predicting or not."""
    ss = st.session_state
    k, s = int(ss.ties_k), int(ss.ties_s)
    open_in_explorer(ss.ties_base, PoolSpec(kernel_size=k, stride=s, ties=ss.ties_open_policy))
    ss.predict_on = bool(ss.ties_predict)


def input_controls() -> list[list[str]]:
    """Rows, columns, kernel, stride, reset and the grid editor; returns the grid's text."""
    ss = st.session_state
    c_grid, c_params = st.columns([3, 2], gap="large")
    # The size boxes always show the grid's own size (a link or a reset may have changed it).
    ss.ties_rows, ss.ties_cols = len(ss.ties_base), len(ss.ties_base[0])
    with c_params:
        r1, r2 = st.columns(2)
        r1.number_input(t("input.rows"), 1, MAX_SIDE, key="ties_rows", on_change=resize_grid)
        r2.number_input(t("input.cols"), 1, MAX_SIDE, key="ties_cols", on_change=resize_grid)
        st.number_input(t("ties.kernel"), 1, MAX_SIDE, key="ties_k", help=t("ties.kernel.help"))
        st.number_input(t("ties.stride"), 1, MAX_SIDE, key="ties_s", help=t("ties.stride.help"))
        st.button(t("ties.reset"), key="ties_reset", on_click=reset,
                  icon=":material/restart_alt:", wrap=True)
    with c_grid:
        rows = grid_editor(f"ties_grid_{ss.ties_grid_version}", ss.ties_base,
                           base_caption("ties.input.caption"))
    ss.ties_base = rows  # the editor replays its own edits onto this text: it holds them
    return rows


def tied_cells(steps: ScatterSteps) -> tuple[np.ndarray, int]:
    """(H, W) bool: the cells tied for some window's maximum; and how many windows hold a tie."""
    multi = steps.tied_mask.sum(axis=1) > 1
    tied = np.zeros(steps.input_shape, dtype=bool)
    tied.flat[steps.window_flat[steps.tied_mask & multi[:, None]]] = True
    return tied, int(multi.sum())


def policy_column(policy: str, steps: ScatterSteps, tied: np.ndarray, width_px: int) -> None:
    """One policy's dL/dx (read from its steps), its sum and why it differs."""
    st.markdown(f"#### {t('ties.policy.heading', policy=policy)}")
    grad_input = steps.accumulated(len(steps) - 1)
    chart(figures.heatmap(grad_input, t("ties.policy.title", policy=policy), kind="grad",
                          name="dL/dx", marked=tied, projector=projector_on(), width_px=width_px),
          key=f"ties_fig_{policy}", alt=t("ties.alt.grad", policy=policy, n=int(tied.sum())))
    chk = gradient_sum_check(steps.input_values, steps.grad_output, steps.spec, steps=steps)
    st.markdown(t("ties.sum", gx=fmt(chk.sum_grad_input)))
    st.caption(t(f"ties.rule.{policy}"))
    symbolic.result_if_on(steps, key=policy)  # as symbols, when the notation switch says so
    if chk.reason == "non_finite":
        st.caption(t("ties.sum.non_finite"))
    elif chk.sums_equal:
        st.caption(t("ties.sum.equal"))
    elif chk.reason == "ties_all":
        st.caption(t("ties.sum.grows", diff=fmt(chk.difference), gy=fmt(chk.sum_grad_output),
                     n=chk.windows))
    else:
        st.caption(t("ties.sum.differs", diff=fmt(chk.difference), gy=fmt(chk.sum_grad_output)))


def compare_policies(x: np.ndarray, k: int, s: int) -> None:
    """x (H, W) with dL/dy all ones under each tie policy, side by side."""
    grad_output = np.ones([a.size for a in output_size(x.shape, PoolSpec(k, stride=s))])
    steps = {p: scatter_steps(x, grad_output, PoolSpec(kernel_size=k, stride=s, ties=p))
             for p in TIE_POLICIES}
    tied, tied_windows = tied_cells(steps[TIE_POLICIES[0]])
    st.markdown(t("ties.upstream", n=grad_output.size, sum=fmt(float(grad_output.sum()))))
    if tied_windows:
        st.caption(t("ties.tied_some", n=tied_windows, total=grad_output.size))
    else:
        st.info(t("ties.tied_none"), icon=":material/info:")
    # Four side by side; a grid wider than 4 (or in projector mode) gets two rows of two so its
    # numbers stay readable. width_px is what a heatmap may take: it must fit its column.
    per_row, width_px = (4, 140) if x.shape[1] <= 4 and not projector_on() else (2, 340)
    slots = []
    for _ in range(0, len(TIE_POLICIES), per_row):
        slots.extend(st.columns(per_row, gap="small"))
    for slot, policy in zip(slots, TIE_POLICIES, strict=True):
        with slot:
            policy_column(policy, steps[policy], tied, width_px)


def finite_differences() -> None:
    """Central differences against each policy on a two- and a three-way tie."""
    # Side by side, or one below the other where projector-sized tables would not fit.
    cols = ([st.container() for _ in FD_EXAMPLES] if projector_on()
            else st.columns(len(FD_EXAMPLES), gap="large"))
    for col, fx in zip(cols, FD_EXAMPLES, strict=True):
        one = np.ones((1, 1))
        numerical = numerical_gradient(fx, one, PoolSpec(kernel_size=fx.shape), eps=FD_EPS)
        table = {t("ties.fd.row.numerical", eps=f"{FD_EPS:g}"): [fmt(v) for v in numerical.ravel()]}
        for policy in TIE_POLICIES:
            analytic = pool_backward(fx, one, PoolSpec(kernel_size=fx.shape, ties=policy))
            table[t("ties.fd.row.policy", policy=policy)] = [fmt(v) for v in analytic.ravel()]
        with col:
            st.markdown("**" + t("ties.fd.example", x=", ".join(fmt(v) for v in fx.ravel()),
                                 kh=fx.shape[0], kw=fx.shape[1], n=fx.size) + "**")
            st.table(pd.DataFrame.from_dict(table, orient="index", columns=[
                t("ties.fd.col", r=0, c=c) for c in range(fx.shape[1])]))


def page() -> None:
    """Grid, kernel, stride -> the four policies' dL/dx -> the rules, finite differences, links."""
    ss = st.session_state
    keep(DEFAULTS)
    ss.setdefault("ties_grid_version", 0)
    ss.setdefault("ties_base", preset_text(PRESET))  # follows the edits: they outlive a visit
    apply_link()
    st.title(t("ties.title"))
    question = take_question("ties")
    st.markdown(t("ties.intro"))
    pagelink.show_notes("ties")
    symbolic.notation_controls("ties_", sidebar=True)

    st.subheader(t("ties.input.header"))
    x, cell_errors = parse_grid(input_controls())
    problem = cell_errors_text(cell_errors) if cell_errors else None
    if problem is None:
        try:
            output_size(x.shape, PoolSpec(kernel_size=int(ss.ties_k), stride=int(ss.ties_s)))
        except PoolingError as e:
            problem = error_text(e)

    st.subheader(t("ties.compare.header"))
    if problem is not None:
        st.error(problem, icon=":material/error:")
    else:
        compare_policies(x, int(ss.ties_k), int(ss.ties_s))

    st.subheader(t("ties.table.header"))
    st.table(pd.DataFrame({
        t("ties.table.rule"): [t(f"ties.rule.{p}") for p in TIE_POLICIES],
        t("ties.table.total"): [t(f"ties.table.total.{p}") for p in TIE_POLICIES],
        t("ties.table.used_by"): [t(f"policy.{p}.who") for p in TIE_POLICIES],
    }, index=pd.Index(TIE_POLICIES, name=t("ties.table.policy"))))
    st.subheader(t("ties.why.header"))
    st.markdown(t("ties.why.body"))
    st.subheader(t("ties.fd.header"))
    st.markdown(t("ties.fd.intro"))
    finite_differences()
    st.markdown(t("ties.fd.explain"))

    st.subheader(t("ties.open.header"))
    c_pick, c_go = st.columns(2, vertical_alignment="bottom")
    c_pick.selectbox(t("ties.open.policy"), TIE_POLICIES, key="ties_open_policy",
                     format_func=lambda p: f"{p} — {t(f'policy.{p}.who')}")
    predict_switch("ties_predict")
    if c_go.button(t("ties.open.button"), key="ties_open", on_click=open_explorer,
                   icon=":material/open_in_new:", type="primary", disabled=problem is not None,
                   wrap=True):
        st.switch_page("app_pages/explorer.py")
    st.caption(t("ties.open.note"))
    if problem is None:  # the standalone page of that example, and the link to this view
        ties_export(x, int(ss.ties_k), int(ss.ties_s), ss.ties_open_policy)
        query = question_line("ties", question, encode_fields(TIES_FIELDS, {
            "x": x.tolist() if grids_differ(x, PLATEAU_X) else None,
            "k": int(ss.ties_k), "s": int(ss.ties_s), "policy": ss.ties_open_policy,
            "predict": bool(ss.ties_predict)}))
        pagelink.publish(query)
        with st.sidebar:
            pagelink.share_box(query, note="classroom.share_note.ties")


page()
