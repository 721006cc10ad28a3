"""Explorer: edit a feature map and watch the gradient scatter back through the pool."""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import PoolingError, output_size
from ui.compute import compute, player_page, spec_key
from ui.exports.view import export_section
from ui.format import fmt
from ui.i18n import current_language, t
from ui.views import figures
from ui.views.charts import chart
from ui.views.player import show_player
from ui.views.projector import projector_on
from ui.widgets import controls

controls.init_state()
url_notes = controls.apply_url_state()
ss = st.session_state
projector = projector_on()
hidden = set(ss.get("hide") or ())

st.title(t("explorer.title"))
st.markdown(t("explorer.intro"))
for note in url_notes:
    st.warning(note, icon=":material/link_off:")

# ----------------------------------------------------------------- parameters (sidebar)
with st.sidebar:
    st.header(t("param.header"))
    boxes = {}
    if "controls" in hidden:
        st.info(t("classroom.controls_hidden"), icon=":material/lock:")
    else:
        boxes = controls.parameter_controls()
    spec_box = st.container()

# ----------------------------------------------------------------- input
st.subheader(t("input.header"))
if "controls" in hidden:
    x, cell_errors = controls.parse_grid(ss.grid_text)
else:
    x, cell_errors = controls.input_controls()

spec_error = None
spec = None
try:
    spec = controls.build_spec()
    if x is not None:
        sizes = output_size(x.shape, spec)
except PoolingError as e:
    spec_error = controls.error_text(e)
    # Next to the control that caused it; a kernel that no longer fits the grid shows there too.
    box = boxes.get(e.params.get("name", "kernel_size"), spec_box)
    box.error(spec_error, icon=":material/error:")

valid = x is not None and spec is not None and spec_error is None
if valid:
    out_hw = (sizes[0].size, sizes[1].size)
    formula = t("explorer.formula", h=sizes[0].formula, w=sizes[1].formula)
    dropped = [t(f"explorer.dropped_{ax}") for ax, a in zip("hw", sizes, strict=True)
               if a.dropped_last]
    spec_box.markdown(formula + (" " + " ".join(dropped) if dropped else ""))
    if spec.mode == "max" and any(p > k // 2 for p, k in zip(spec.p, spec.k, strict=True)):
        spec_box.warning(t("explorer.torch_pad_rule"), icon=":material/info:")
elif "last_valid" in ss:
    st.warning(t("explorer.showing_last_valid"), icon=":material/history:")

# ----------------------------------------------------------------- upstream gradient
st.subheader(t("gy.header"))
st.caption(t("gy.explain"))
if valid:
    gy, gy_error = controls.upstream_controls(out_hw)
    if gy_error:
        st.error(gy_error, icon=":material/error:")
        last = ss.get("last_valid")
        if last and last[0].shape == x.shape and last[2] == spec_key(spec):
            gy = last[1]
            st.warning(t("explorer.showing_last_valid"), icon=":material/history:")
        else:
            gy = np.ones(out_hw)
    ss.last_valid = (x, gy, spec_key(spec))

if "last_valid" not in ss:
    st.stop()
x, gy, key = ss.last_valid
query = controls.current_query(x, gy, controls.spec_from_key(key))
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)
with st.sidebar:
    st.divider()
    controls.share_controls(query)

res = compute(x, gy, key)
spec = res.forward.spec
steps = res.steps
n_steps = len(steps)
answers_hidden = "answers" in hidden and not ss.get("revealed")


# ----------------------------------------------------------------- forward pass
st.subheader(t("forward.header"))
ss.setdefault("step", 0)
if ss.step > n_steps - 1:
    ss.step = n_steps - 1
cur = steps[int(ss.step)]
(i, j) = cur.out_index
ph, pw = spec.p
H, W = x.shape
over_h = max(0, (res.forward.output.shape[0] - 1) * spec.s[0] - ph + (spec.k[0] - 1) * spec.d[0]
             + 1 - H)
over_w = max(0, (res.forward.output.shape[1] - 1) * spec.s[1] - pw + (spec.k[1] - 1) * spec.d[1]
             + 1 - W)
pad = (ph, pw, max(ph, over_h), max(pw, over_w))


def window_rects(k: int) -> list[tuple[int, int, int, int]]:
    """Outlines of window k: its span, or with dilation each of its taps (up to 100)."""
    oi, oj = divmod(k, res.forward.output.shape[1])
    r0, c0 = oi * spec.s[0] - ph, oj * spec.s[1] - pw
    (kh, kw), (dh, dw) = spec.k, spec.d
    if (dh, dw) == (1, 1) or kh * kw > 100:
        return [(r0, c0, r0 + (kh - 1) * dh, c0 + (kw - 1) * dw)]
    return [(r0 + a * dh, c0 + b * dw, r0 + a * dh, c0 + b * dw)
            for a in range(kh) for b in range(kw)]


def columns() -> tuple:
    """Two charts side by side; in projector mode one per row, so that numbers stay large."""
    return (st.container(), st.container()) if projector else st.columns(2, gap="large")


show_all = st.toggle(t("forward.all_windows"), key="show_all_windows")
st.caption(t("forward.sync_note"))
marked = np.zeros(x.shape, dtype=bool)
if not answers_hidden:
    for (r, c), _ in cur.receivers:
        marked[r, c] = True
c1, c2 = columns()
with c1:
    chart(
        figures.heatmap(x, t("forward.input", i=i, j=j), name="x", rects=window_rects(cur.index),
                        marked=marked, pad=pad, projector=projector),
        "fig_input", t("alt.input", h=H, w=W, i=i, j=j))
    if show_all:
        # How many windows read each cell: overlap as numbers, not a mesh of outlines.
        taps = steps.window_flat[steps.window_flat >= 0]
        cover = np.bincount(taps, minlength=H * W).reshape(H, W)
        chart(figures.heatmap(cover, t("forward.cover"), kind="count",
                              name=t("forward.cover_name"), projector=projector),
              "fig_cover", t("alt.cover"))
if answers_hidden:
    with c2:
        st.info(t("classroom.answers_hidden", oh=res.forward.output.shape[0],
                  ow=res.forward.output.shape[1]), icon=":material/school:")
        st.button(t("classroom.reveal"), key="reveal",
                  on_click=lambda: ss.update(revealed=True), icon=":material/visibility:")
    st.stop()
with c2:
    out_marked = np.zeros(res.forward.output.shape, dtype=bool)
    out_marked[i, j] = True
    chart(
        figures.heatmap(res.forward.output, t("forward.output"), name="y", marked=out_marked,
                        projector=projector),
        "fig_output",
        t("alt.output", oh=res.forward.output.shape[0], ow=res.forward.output.shape[1]))
c1, c2 = columns()
with c1:
    if spec.mode == "max":
        chart(
            figures.heatmap(res.wins, t("forward.mask", policy=spec.ties), kind="count",
                            name=t("forward.wins_name"), projector=projector),
            "fig_mask", t("alt.mask"))
    else:
        chart(
            figures.heatmap(res.forward.divisor, t("forward.divisor"), kind="count",
                            name=t("forward.divisor_name"), projector=projector),
            "fig_divisor", t("alt.divisor"))
with c2:
    st.markdown(t("forward.mask_note" if spec.mode == "max" else "forward.divisor_note"))

# ----------------------------------------------------------------- step player
st.subheader(t("steps.header"))
st.caption(t("steps.explain"))
if n_steps > 1:
    st.slider(t("steps.jump"), 0, n_steps - 1, key="step", help=t("help.jump"))
show_player(player_page(x, gy, key, int(ss.step), projector, current_language()),
            on_step=lambda k: ss.update(step=min(k, n_steps - 1)))

# ----------------------------------------------------------------- result
st.subheader(t("result.header"))
c1, c2 = columns()
with c1:
    chart(
        figures.heatmap(res.grad_input, t("result.grad_input"), kind="grad", name="dL/dx",
                        projector=projector),
        "fig_grad_input", t("alt.grad_input"))
with c2:
    sums = res.sums
    st.markdown(t("result.sums", gy=fmt(sums.sum_grad_output), gx=fmt(sums.sum_grad_input)))
    if sums.reason == "equal":
        st.success(t("result.sums_equal"), icon=":material/check_circle:")
    else:
        reason = sums.reason
        if reason == "avg_divisor":
            reason += "_lost" if sums.difference < 0 else "_grew"
        st.info(t(f"result.sums_{reason}", n=sums.windows,
                  diff=fmt(sums.difference)), icon=":material/info:")
    chk = res.check
    st.markdown(f"**{t('result.gradcheck')}**")
    if chk.ok:
        st.success(t("result.gradcheck_ok", n=int(chk.checked.sum()),
                     diff=f"{chk.max_abs_diff:.1e}"), icon=":material/check_circle:")
    else:
        cells = ", ".join(f"({r},{c})" for r, c in chk.mismatch_cells[:8])
        if len(chk.mismatch_cells) > 8:
            cells += t("grid.more", n=len(chk.mismatch_cells) - 8)
        st.warning(t("result.gradcheck_ties" if spec.mode == "max" else "result.gradcheck_bad",
                     n=int(chk.mismatch.sum()), cells=cells), icon=":material/warning:")
    if chk.sampled:
        st.caption(t("result.gradcheck_sampled", n=int(chk.tested.sum()), total=chk.tested.size))
    skipped = ~chk.checked & (chk.tested if chk.sampled else True)
    if skipped.any():
        st.caption(t("result.gradcheck_skipped", n=int(skipped.sum())))
    # Drawn only while open (Streamlit's lazy expander): a closed expander's chart would be
    # drawn, hidden, on every run (for 32x32, about a fifth of the browser's work per edit).
    numerical = st.expander(t("result.numerical"), key="numerical_open", on_change="rerun")
    with numerical:
        if numerical.open:
            chart(
                figures.heatmap(np.where(chk.checked, chk.numerical, np.nan),
                                t("result.numerical_title"), kind="grad", name="num",
                                marked=chk.mismatch, projector=projector),
                "fig_numerical", t("alt.numerical"))

export_section(x, gy, spec, res)
