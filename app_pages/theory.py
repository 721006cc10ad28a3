"""Theory: a five-minute derivation of the pooling backward pass, each point with an example."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st

from pooling_core import PoolSpec, gradient_sum_check, output_size
from ui.format import fmt
from ui.i18n import t
from ui.links import pagelink
from ui.views.frameworks_theory import frameworks_theory_section
from ui.views.presets import question_menu
from ui.views.theory_variants import variant_sections
from ui.widgets.grid import PRESETS
from ui.widgets.inputs import load_preset
from ui.widgets.params import spec_state


@dataclass(frozen=True)
class Example:
    """An Explorer example (preset) and the layer parameters to change after loading it
    (PoolSpec keyword values)."""

    preset: str
    changes: dict = field(default_factory=dict)

    @property
    def spec(self) -> PoolSpec:
        """The PoolSpec the Explorer builds for this example."""
        return replace(PRESETS[self.preset].spec, **self.changes)

    @property
    def grid(self) -> np.ndarray:
        return np.array(PRESETS[self.preset].grid, dtype=np.float64)


AVG = {"mode": "avg", "count_include_pad": True, "divisor_override": None}
EXAMPLES: dict[int, Example] = {
    1: Example("nonoverlap_4x4"),
    2: Example("overlap_6x6"),
    3: Example("nonoverlap_4x4", AVG),
    4: Example("plateau", {"ties": "all"}),
    5: Example("overlap_6x6", {**AVG, "padding": 1}),
    6: Example("nonoverlap_4x4", {**AVG, "divisor_override": 3}),
    7: Example("ceil_5x5"),
    8: Example("ceil_5x5", {"padding": 1}),
    9: Example("adaptive_7to3"),  # the variants (ui.views.theory_variants)
    10: Example("adaptive_ties_3x3"),
    11: Example("adaptive_7to3", {"layer": "global", "output_size": (1, 1)}),
    12: Example("same_5x5"),
    13: Example("same_5x5", {"padding": "same_lower"}),
    14: Example("segnet_4x4"),
    15: Example("unpool_overlap_3x3"),
}
SUM_EXAMPLES = (2, 3, 4, 5, 6)


def open_example(n: int) -> None:
    """Callback: load example n into the Explorer's state (the page switch follows in the body)."""
    ex = EXAMPLES[n]
    st.session_state.preset = ex.preset
    load_preset()
    st.session_state.update(spec_state(ex.changes))


def open_buttons(*numbers: int) -> None:
    """One button per example; a click loads it (callback) and switches to the Explorer."""
    for n in numbers:
        if st.button(t("theory.open", example=t(f"theory.example.{n}")), key=f"theory_open_{n}",
                     on_click=open_example, args=(n,), icon=":material/open_in_new:"):
            st.switch_page("app_pages/explorer.py")


def sums_table() -> None:
    """sum(dL/dy) and sum(dL/dx) of the examples where they agree and where they do not."""
    rows = []
    for n in SUM_EXAMPLES:
        ex = EXAMPLES[n]
        sizes = output_size(ex.grid.shape, ex.spec)
        chk = gradient_sum_check(ex.grid, np.ones((sizes[0].size, sizes[1].size)), ex.spec)
        rows.append((t(f"theory.example.{n}"), fmt(chk.sum_grad_output), fmt(chk.sum_grad_input)))
    columns = [t("theory.sums.table.example"), t("theory.sums.table.gy"),
               t("theory.sums.table.gx")]
    st.table(pd.DataFrame(rows, columns=columns).set_index(columns[0]))


def size_cases() -> None:
    """The output-size formula on the 5x5 example: floor, ceil_mode, ceil_mode with padding."""
    ceil_example = EXAMPLES[7]
    cases = (replace(ceil_example.spec, ceil_mode=False), ceil_example.spec, EXAMPLES[8].spec)
    for spec in cases:
        a = output_size(ceil_example.grid.shape, spec)[0]
        case = t("theory.size.case", n=a.n, k=a.k, s=a.s, p=a.p, d=a.d, ceil=a.ceil_mode)
        st.markdown(f"- {case} `{a.formula}`")


def page() -> None:
    """Four short derivations, each with buttons that open the Explorer on an example."""
    # This page has no state of its own: its link holds only the app's parameters (language,
    # base); anything else a link carried is named once, as on every page.
    pagelink.load_fields("theory", ())
    pagelink.publish({})
    st.title(t("theory.title"))
    st.markdown(t("theory.intro"))
    pagelink.show_notes("theory")
    question_menu()

    st.header(t("theory.max.header"), divider="gray")
    st.markdown(t("theory.max.body"))
    open_buttons(1, 2)

    st.header(t("theory.avg.header"), divider="gray")
    st.markdown(t("theory.avg.body"))
    open_buttons(3)

    st.header(t("theory.sums.header"), divider="gray")
    st.markdown(t("theory.sums.body"))
    sums_table()
    st.caption(t("theory.sums.caption"))
    open_buttons(4, 5, 6)

    st.header(t("theory.size.header"), divider="gray")
    st.markdown(t("theory.size.body"))
    size_cases()
    st.caption(t("theory.size.caption"))
    open_buttons(7, 8)
    variant_sections(open_buttons)
    frameworks_theory_section()


page()
