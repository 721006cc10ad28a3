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
from ui.widgets import controls
from ui.widgets.grid import PRESETS

ss = st.session_state


@dataclass(frozen=True)
class Example:
    """An Explorer preset plus the Explorer state to change after loading it."""

    preset: str
    state: dict = field(default_factory=dict)

    @property
    def spec(self) -> PoolSpec:
        """The PoolSpec the Explorer builds for this example."""
        p = PRESETS[self.preset].params
        s = self.state
        return PoolSpec(
            kernel_size=p["kernel"],
            stride=p["stride"],
            padding=(s.get("ph", p["padding"][0]), s.get("pw", p["padding"][1])),
            dilation=p["dilation"],
            ceil_mode=s.get("ceil_mode", p["ceil_mode"]),
            mode=s.get("mode", p["mode"]),
            ties=s.get("ties", p.get("ties", "first")),
            count_include_pad=s.get("count_include_pad", True),
            divisor_override=s.get("divisor_override") or None,
        )

    @property
    def grid(self) -> np.ndarray:
        return np.array(PRESETS[self.preset].grid, dtype=np.float64)


AVG = {"mode": "avg", "count_include_pad": True, "divisor_override": 0}
EXAMPLES: dict[int, Example] = {
    1: Example("nonoverlap_4x4"),
    2: Example("overlap_6x6"),
    3: Example("nonoverlap_4x4", AVG),
    4: Example("plateau", {"ties": "all"}),
    5: Example("overlap_6x6", {**AVG, "ph": 1, "pw": 1}),
    6: Example("nonoverlap_4x4", {**AVG, "divisor_override": 3}),
    7: Example("ceil_5x5"),
    8: Example("ceil_5x5", {"ph": 1, "pw": 1}),
}
SUM_EXAMPLES = (2, 3, 4, 5, 6)


def _open(n: int) -> None:
    """Callback: load example n into the Explorer's state (the page switch follows in the body)."""
    ex = EXAMPLES[n]
    ss.preset = ex.preset
    controls.load_preset()
    for key, value in ex.state.items():
        ss[key] = value


def open_buttons(*numbers: int) -> None:
    """One button per example; a click loads it (callback) and switches to the Explorer."""
    for n in numbers:
        if st.button(t("theory.open", example=t(f"theory.example.{n}")), key=f"theory_open_{n}",
                     on_click=_open, args=(n,), icon=":material/open_in_new:"):
            st.switch_page("app_pages/explorer.py")


pagelink.publish({})  # this page has no state of its own: the link is the language
st.title(t("theory.title"))
st.markdown(t("theory.intro"))

st.header(t("theory.max.header"), divider="gray")
st.markdown(t("theory.max.body"))
open_buttons(1, 2)

st.header(t("theory.avg.header"), divider="gray")
st.markdown(t("theory.avg.body"))
open_buttons(3)

st.header(t("theory.sums.header"), divider="gray")
st.markdown(t("theory.sums.body"))
rows = []
for n in SUM_EXAMPLES:
    ex = EXAMPLES[n]
    sizes = output_size(ex.grid.shape, ex.spec)
    chk = gradient_sum_check(ex.grid, np.ones((sizes[0].size, sizes[1].size)), ex.spec)
    rows.append((t(f"theory.example.{n}"), fmt(chk.sum_grad_output), fmt(chk.sum_grad_input)))
st.table(pd.DataFrame(rows, columns=[t("theory.sums.table.example"), t("theory.sums.table.gy"),
                                     t("theory.sums.table.gx")]).set_index(
                                         t("theory.sums.table.example")))
st.caption(t("theory.sums.caption"))
open_buttons(4, 5, 6)

st.header(t("theory.size.header"), divider="gray")
st.markdown(t("theory.size.body"))
ceil_example = EXAMPLES[7]
cases = (replace(ceil_example.spec, ceil_mode=False), ceil_example.spec, EXAMPLES[8].spec)
for spec in cases:
    a = output_size(ceil_example.grid.shape, spec)[0]
    st.markdown(f"- {t('theory.size.case', n=a.n, k=a.k, s=a.s, p=a.p, d=a.d, ceil=a.ceil_mode)}"
                f" `{a.formula}`")
st.caption(t("theory.size.caption"))
open_buttons(7, 8)
