"""Ties: one input through the four tie policies side by side, and why max has no gradient there."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from pooling_core import (
    TIE_POLICIES,
    PoolingError,
    PoolSpec,
    gradient_sum_check,
    numerical_gradient,
    output_size,
    pool_backward,
    scatter_steps,
)
from ui.format import fmt
from ui.i18n import t
from ui.links import pagelink
from ui.links.urlstate import TIES_FIELDS, encode_fields
from ui.views import figures
from ui.views.charts import chart
from ui.views.projector import projector_on
from ui.widgets import controls
from ui.widgets.grid import (
    MAX_SIDE,
    PRESETS,
    grids_differ,
    parse_grid,
    preset_text,
    resize,
    to_text,
)

PRESET = "plateau"
FD_EPS = 1e-6
# Hand examples for the finite-difference section: one window holding a two- and a three-way tie.
FD_EXAMPLES = (np.array([[5.0, 5.0]]), np.array([[5.0, 5.0, 5.0]]))

ss = st.session_state
# Widget values are dropped while another page runs; a plain copy (ties_kept) brings them back.
_kept = ss.setdefault("ties_kept", {})
ss.setdefault("ties_grid_version", 0)
ss.setdefault("ties_k", _kept.get("ties_k", PRESETS[PRESET].params["kernel"][0]))
ss.setdefault("ties_s", _kept.get("ties_s", PRESETS[PRESET].params["stride"][0]))
ss.setdefault("ties_open_policy",
              _kept.get("ties_open_policy", PRESETS[PRESET].params.get("ties", "split")))
# The grid the editor starts from; it follows the edits, so they survive a visit to another page.
ss.setdefault("ties_base", preset_text(PRESET))
for _key in ("ties_k", "ties_s", "ties_open_policy"):
    ss[_key] = ss[_key]  # written back: a widget's value set this run is kept in this run
    _kept[_key] = ss[_key]


def _apply_link() -> None:
    """A classroom link opened on this page: its grid, kernel, stride and policy."""
    link = pagelink.load_fields("ties", TIES_FIELDS)
    if not link:
        return
    if "x" in link:
        ss.ties_base = to_text(np.array(link["x"], dtype=np.float64))
        ss.ties_grid_version += 1
    if "policy" in link:
        ss.ties_open_policy = link["policy"]
    k, s = int(link.get("k", ss.ties_k)), int(link.get("s", ss.ties_s))
    try:
        output_size((len(ss.ties_base), len(ss.ties_base[0])), PoolSpec(kernel_size=k, stride=s))
    except PoolingError as e:
        pagelink.add_note("ties", t("url.url_combo", reason=controls.error_text(e)))
        return
    ss.ties_k, ss.ties_s = k, s


def _resize() -> None:
    """Callback: crop or pad (with 0) the grid to the rows and columns asked for."""
    ss.ties_base = resize(ss.ties_base, int(ss.ties_rows or 1), int(ss.ties_cols or 1))
    ss.ties_grid_version += 1


def _reset() -> None:
    """Callback: the plateau grid, kernel and stride again."""
    ss.ties_grid_version += 1
    ss.ties_base = preset_text(PRESET)
    ss.ties_k = PRESETS[PRESET].params["kernel"][0]
    ss.ties_s = PRESETS[PRESET].params["stride"][0]


def _open_explorer() -> None:
    """Callback: this page's grid, kernel and stride into the Explorer's state, max pooling with
    the chosen policy (the rest of the Explorer's layer back to its defaults: this page has no
    padding or dilation).

    Runs before the script, so the state is set even where `st.switch_page` cannot run.
    """
    k, s = int(ss.ties_k), int(ss.ties_s)
    controls.open_in_explorer(ss.ties_base, mode="max", ties=ss.ties_open_policy,
                              kh=k, kw=k, sh=s, sw=s)


_apply_link()
st.title(t("ties.title"))
st.markdown(t("ties.intro"))
pagelink.show_notes("ties")

# ----------------------------------------------------------------- input
st.subheader(t("ties.input.header"))
c_grid, c_params = st.columns([3, 2], gap="large")
# The size boxes always show the grid's own size (a link or a reset may have changed it).
ss.ties_rows, ss.ties_cols = len(ss.ties_base), len(ss.ties_base[0])
with c_params:
    r1, r2 = st.columns(2)
    r1.number_input(t("input.rows"), 1, MAX_SIDE, step=1, key="ties_rows", on_change=_resize)
    r2.number_input(t("input.cols"), 1, MAX_SIDE, step=1, key="ties_cols", on_change=_resize)
    st.number_input(t("ties.kernel"), min_value=1, max_value=MAX_SIDE, step=1, key="ties_k",
                    help=t("ties.kernel.help"))
    st.number_input(t("ties.stride"), min_value=1, max_value=MAX_SIDE, step=1, key="ties_s",
                    help=t("ties.stride.help"))
    st.button(t("ties.reset"), key="ties_reset", on_click=_reset, icon=":material/restart_alt:",
              wrap=True)
with c_grid:
    rows = controls.grid_editor(f"ties_grid_{ss.ties_grid_version}", ss.ties_base,
                                t("ties.input.caption"))
    # The editor replays its own edits onto this text, which then already holds them.
    ss.ties_base = rows

x, cell_errors = parse_grid(rows)
problem = controls.cell_errors_text(cell_errors) if cell_errors else None
specs: dict[str, PoolSpec] = {}
if problem is None:
    try:
        k, s = int(ss.ties_k), int(ss.ties_s)
        specs = {p: PoolSpec(kernel_size=k, stride=s, mode="max", ties=p) for p in TIE_POLICIES}
        sizes = output_size(x.shape, specs["first"])
    except PoolingError as e:
        problem = controls.error_text(e)

# ----------------------------------------------------------------- four policies
st.subheader(t("ties.compare.header"))
if problem is not None:
    st.error(problem, icon=":material/error:")
else:
    grad_output = np.ones((sizes[0].size, sizes[1].size))
    steps = scatter_steps(x, grad_output, specs["first"])
    tied = np.zeros(x.shape, dtype=bool)
    tied_windows = 0
    for index in range(len(steps)):
        cells = steps[index].tied
        if len(cells) > 1:
            tied_windows += 1
            for r, c in cells:
                tied[r, c] = True
    sums = {p: gradient_sum_check(x, grad_output, spec) for p, spec in specs.items()}
    st.markdown(t("ties.upstream", n=grad_output.size, sum=fmt(sums["first"].sum_grad_output)))
    if tied_windows:
        st.caption(t("ties.tied_some", n=tied_windows, total=len(steps)))
    else:
        st.info(t("ties.tied_none"), icon=":material/info:")

    # Four side by side; a grid wider than 4 gets two rows of two so its numbers stay readable.
    # width_px is what the heatmap may take: it must fit a column, or the cells get squeezed.
    # In projector mode always two per row: the cells are larger.
    per_row, width_px = (4, 140) if x.shape[1] <= 4 and not projector_on() else (2, 340)
    slots = []
    for _ in range(0, len(TIE_POLICIES), per_row):
        slots.extend(st.columns(per_row, gap="small"))
    for slot, policy in zip(slots, TIE_POLICIES, strict=True):
        with slot:
            st.markdown(f"#### {t('ties.policy.heading', policy=policy)}")
            grad_input = pool_backward(x, grad_output, specs[policy])
            chart(
                figures.heatmap(grad_input, t("ties.policy.title", policy=policy), kind="grad",
                                name="dL/dx", marked=tied, projector=projector_on(),
                                width_px=width_px),
                key=f"ties_fig_{policy}",
                alt=t("ties.alt.grad", policy=policy, n=int(tied.sum())),
            )
            chk = sums[policy]
            st.markdown(t("ties.sum", gx=fmt(chk.sum_grad_input)))
            st.caption(t(f"ties.rule.{policy}"))
            if chk.reason == "non_finite":
                st.caption(t("ties.sum.non_finite"))
            elif chk.sums_equal:
                st.caption(t("ties.sum.equal"))
            elif chk.reason == "ties_all":
                st.caption(t("ties.sum.grows", diff=fmt(chk.difference),
                             gy=fmt(chk.sum_grad_output), n=chk.windows))
            else:
                st.caption(t("ties.sum.differs", diff=fmt(chk.difference),
                             gy=fmt(chk.sum_grad_output)))

# ----------------------------------------------------------------- who uses which rule
st.subheader(t("ties.table.header"))
st.table(pd.DataFrame(
    {
        t("ties.table.rule"): [t(f"ties.rule.{p}") for p in TIE_POLICIES],
        t("ties.table.total"): [t(f"ties.table.total.{p}") for p in TIE_POLICIES],
        t("ties.table.used_by"): [t(f"policy.{p}.who") for p in TIE_POLICIES],
    },
    index=pd.Index(TIE_POLICIES, name=t("ties.table.policy")),
))

# ----------------------------------------------------------------- why no gradient
st.subheader(t("ties.why.header"))
st.markdown(t("ties.why.body"))

# ----------------------------------------------------------------- finite differences
st.subheader(t("ties.fd.header"))
st.markdown(t("ties.fd.intro"))
# Side by side, or one below the other where projector-sized tables would not fit.
fd_cols = ([st.container() for _ in FD_EXAMPLES] if projector_on()
           else st.columns(len(FD_EXAMPLES), gap="large"))
for col, fx in zip(fd_cols, FD_EXAMPLES, strict=True):
    kernel = fx.shape
    one = np.ones((1, 1))
    table: dict[str, list[str]] = {}
    numerical = numerical_gradient(fx, one, PoolSpec(kernel_size=kernel), eps=FD_EPS)
    table[t("ties.fd.row.numerical", eps=f"{FD_EPS:g}")] = [fmt(v) for v in numerical.ravel()]
    for policy in TIE_POLICIES:
        analytic = pool_backward(fx, one, PoolSpec(kernel_size=kernel, ties=policy))
        table[t("ties.fd.row.policy", policy=policy)] = [fmt(v) for v in analytic.ravel()]
    with col:
        st.markdown("**" + t("ties.fd.example", x=", ".join(fmt(v) for v in fx.ravel()),
                             kh=kernel[0], kw=kernel[1], n=fx.size) + "**")
        st.table(pd.DataFrame.from_dict(
            table, orient="index",
            columns=[t("ties.fd.col", r=0, c=c) for c in range(fx.shape[1])],
        ))
st.markdown(t("ties.fd.explain"))

# ----------------------------------------------------------------- open in the Explorer
st.subheader(t("ties.open.header"))
c_pick, c_go = st.columns(2, vertical_alignment="bottom")
c_pick.selectbox(t("ties.open.policy"), TIE_POLICIES, key="ties_open_policy",
                 format_func=lambda p: f"{p} — {t(f'policy.{p}.who')}")
if c_go.button(t("ties.open.button"), key="ties_open", on_click=_open_explorer,
               icon=":material/open_in_new:", type="primary", disabled=problem is not None,
               wrap=True):
    st.switch_page("app_pages/explorer.py")
st.caption(t("ties.open.note"))

# ----------------------------------------------------------------- the link to this view
if problem is None:
    plateau = np.array(PRESETS[PRESET].grid, dtype=np.float64)
    query = encode_fields(TIES_FIELDS, {
        "x": x.tolist() if grids_differ(x, plateau) else None,
        "k": int(ss.ties_k), "s": int(ss.ties_s),
        "policy": ss.ties_open_policy,
    })
    pagelink.publish(query)
    with st.sidebar:
        pagelink.share_box(query, note="classroom.share_note.ties")
