"""The pooling layer's widgets and the one map between a PoolSpec and their session state.

A layer is described in one vocabulary, PoolSpec's attribute names (`kernel_size`, `stride`,
`padding`, `dilation`, `ceil_mode`, `mode`, `ties`, `count_include_pad`,
`divisor_override`); a mapping with some of them is called "spec values" here (what a preset,
a link or another page sets). The widgets keep each pair as two boxes (`kh`, `kw`, ...) and
"no divisor" as 0: `spec_state` and `spec_values` translate, `spec_from_state` builds the
PoolSpec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import MODES, TIE_POLICIES, PoolSpec
from ui.i18n import t
from ui.widgets.grid import MAX_SIDE

# PoolSpec attribute -> the session-state keys of its widgets (a pair has two boxes).
WIDGET_KEYS: dict[str, tuple[str, ...]] = {
    "mode": ("mode",),
    "kernel_size": ("kh", "kw"), "stride": ("sh", "sw"), "padding": ("ph", "pw"),
    "dilation": ("dh", "dw"),
    "ceil_mode": ("ceil_mode",), "ties": ("ties",), "count_include_pad": ("count_include_pad",),
    "divisor_override": ("divisor_override",),
}
DEFAULT_SPEC = PoolSpec(kernel_size=3, stride=1)  # the 6x6 overlap example's layer


def spec_state(values: Mapping[str, object]) -> dict[str, object]:
    """Spec values ({PoolSpec attribute: value}, any subset; a pair as an int or (h, w)) ->
    {widget key: value}. divisor_override None becomes 0 (the box's "none")."""
    state: dict[str, object] = {}
    for attr, value in values.items():
        keys = WIDGET_KEYS[attr]
        if len(keys) == 2:
            pair = value if isinstance(value, (tuple, list)) else (value, value)
            state[keys[0]], state[keys[1]] = (int(v) for v in pair)  # type: ignore[union-attr]
        elif attr == "divisor_override":
            state[keys[0]] = int(value or 0)  # type: ignore[call-overload]
        else:
            state[keys[0]] = value
    return state


def spec_values(state: Mapping[str, object]) -> dict[str, object]:
    """{widget key: value} (all of PARAM_DEFAULTS' keys) -> spec values, not yet checked:
    pairs as (h, w), a divisor of 0 as None."""
    values: dict[str, object] = {}
    for attr, keys in WIDGET_KEYS.items():
        if len(keys) == 2:
            values[attr] = (int(state[keys[0]]), int(state[keys[1]]))  # type: ignore[call-overload]
        else:
            values[attr] = state[keys[0]]
    div = int(values["divisor_override"] or 0)  # type: ignore[call-overload]
    values["divisor_override"] = div if div > 0 else None
    values["ceil_mode"] = bool(values["ceil_mode"])
    values["count_include_pad"] = bool(values["count_include_pad"])
    return values


def spec_from_state(state: Mapping[str, object]) -> PoolSpec:
    """The PoolSpec of widget values; raises PoolingError when they do not make one."""
    return PoolSpec(**spec_values(state))  # type: ignore[arg-type]


PARAM_DEFAULTS: dict[str, object] = spec_state(asdict(DEFAULT_SPEC))


def build_spec() -> PoolSpec:
    """The PoolSpec of the current controls; raises PoolingError when they do not fit."""
    return spec_from_state(st.session_state)


def _pair(name: str, attr: str, lo: int, hi: int) -> DeltaGenerator:
    """Height and width of one parameter side by side, each labelled in full ("Kernel height"):
    a label is the field's accessible name, and "height" alone would not say which of the
    eight it is. The help sits on the height field, where it is named "Help for Kernel height"
    (on a bare heading every help button was named "Help")."""
    a, b = WIDGET_KEYS[attr]
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    c1.number_input(t(f"param.{name}_h"), min_value=lo, max_value=hi, step=1, key=a,
                    help=t(f"help.{name}"))
    c2.number_input(t(f"param.{name}_w"), min_value=lo, max_value=hi, step=1, key=b)
    return st.container()


def parameter_controls() -> dict[str, DeltaGenerator]:
    """The pooling parameters (sidebar). Values land in session_state (WIDGET_KEYS).

    Returns a container right under each control group, keyed by the PoolSpec attribute
    (kernel_size, stride, padding, dilation, divisor_override), so an error can be shown
    next to the control that caused it.
    """
    st.radio(t("param.mode"), MODES, key="mode", horizontal=True,
             format_func=lambda m: t(f"mode.{m}"))
    boxes = {
        "kernel_size": _pair("kernel", "kernel_size", 0, MAX_SIDE),
        "stride": _pair("stride", "stride", 0, MAX_SIDE),
        "padding": _pair("padding", "padding", 0, MAX_SIDE // 2),
        "dilation": _pair("dilation", "dilation", 0, 8),
    }
    st.checkbox(t("param.ceil_mode"), key="ceil_mode", help=t("help.ceil_mode"))
    if st.session_state.mode == "max":
        st.selectbox(t("param.ties"), TIE_POLICIES, key="ties",
                     format_func=lambda p: t(f"policy.{p}.short"),
                     help=t("help.ties"))
    else:
        st.checkbox(t("param.count_include_pad"), key="count_include_pad",
                    help=t("help.count_include_pad"))
        st.number_input(t("param.divisor_override"), min_value=0, max_value=10_000, step=1,
                        key="divisor_override", help=t("help.divisor_override"))
        boxes["divisor_override"] = st.container()
    return boxes
