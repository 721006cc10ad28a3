"""The Explorer's "In other frameworks" panel: per framework one line (can it write this
layer, does it give PyTorch's numbers or how many cells differ and why) and a button to the
Frameworks page, which shows the same layer (the two pages share the session's state)."""

from __future__ import annotations

import numpy as np
import streamlit as st

from pooling_core import AdaptiveSpec, PoolSpec
from ui.i18n import t
from ui.views.frameworks_text import label, summary_line
from ui.views.frameworks_view import REFERENCE, lens

FRAMEWORKS_PAGE = "app_pages/frameworks.py"


def frameworks_panel(x: np.ndarray, grad_output: np.ndarray,
                     spec: PoolSpec | AdaptiveSpec) -> None:
    """A lazy expander (computed and drawn only while open; key `fw_panel_open`)."""
    box = st.expander(t("frameworks.panel.header"), icon=":material/compare:",
                      key="fw_panel_open", on_change="rerun")
    if not box.open:
        return
    with box:
        all_diffs = lens(x, grad_output, spec)
        lines = [t("frameworks.panel.reference_line", name=label(REFERENCE))]
        lines += [summary_line(d) if d is not None
                  else t("frameworks.panel.not_compared", name=label(fw))
                  for fw, d in all_diffs.items() if fw != REFERENCE]
        st.markdown("\n".join(f"- {line}" for line in lines))
        if st.button(t("frameworks.panel.open"), key="fw_panel_go",
                     icon=":material/open_in_new:"):
            st.switch_page(FRAMEWORKS_PAGE)
