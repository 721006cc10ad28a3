"""The Explorer's checks of dL/dx: the sums of dL/dy and dL/dx with the reason they differ,
and the finite-difference check with its chart (drawn only while its expander is open)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from ui.compute import Results
from ui.format import cell_name, fmt
from ui.i18n import t
from ui.views import figures
from ui.views.charts import chart
from ui.views.projector import projector_on


def sums_and_check(res: Results) -> None:
    """sum(dL/dy) against sum(dL/dx) with the reason they differ, and the numerical check."""
    sums, chk = res.sums, res.check
    st.markdown(t("result.sums", gy=fmt(sums.sum_grad_output), gx=fmt(sums.sum_grad_input)))
    if sums.reason == "equal":
        st.success(t("result.sums_equal"), icon=":material/check_circle:")
    else:
        reason = sums.reason
        if reason == "avg_divisor":
            reason += "_lost" if sums.difference < 0 else "_grew"
        st.info(t(f"result.sums_{reason}", n=sums.windows, diff=fmt(sums.difference)),
                icon=":material/info:")
    st.markdown(f"**{t('result.gradcheck')}**")
    if chk.ok:
        st.success(t("result.gradcheck_ok", n=int(chk.checked.sum()),
                     diff=f"{chk.max_abs_diff:.1e}"), icon=":material/check_circle:")
    else:
        cells = ", ".join(cell_name(rc) for rc in chk.mismatch_cells[:8])
        if len(chk.mismatch_cells) > 8:
            cells += t("grid.more", n=len(chk.mismatch_cells) - 8)
        key = "result.gradcheck_ties" if res.forward.spec.mode == "max" else "result.gradcheck_bad"
        st.warning(t(key, n=int(chk.mismatch.sum()), cells=cells), icon=":material/warning:")
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
            chart(figures.heatmap(np.where(chk.checked, chk.numerical, np.nan),
                                  t("result.numerical_title"), kind="grad", name="num",
                                  marked=chk.mismatch, projector=projector_on()),
                  "fig_numerical", t("alt.numerical"))
