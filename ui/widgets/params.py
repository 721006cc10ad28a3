"""The pooling layer's widgets and the one map between a spec and their session state.

A layer is described in one vocabulary, the spec classes' attribute names: PoolSpec's
(`kernel_size`, `stride`, `padding`, `dilation`, `ceil_mode`, `mode`, `ties`,
`count_include_pad`, `divisor_override`) and AdaptiveSpec's `output_size`, plus `layer`
("kernel", "adaptive", "global" or "unpool"; left out: "kernel" when a kernel is given,
"adaptive" when an output size is); a mapping with some of them is called "spec values"
here (what a preset, a link or another page sets). `padding` is any of PoolSpec's forms: a
pair (symmetric), ((top, bottom), (left, right)), "same", "same_lower" or "valid". The
widgets keep each pair as two boxes (`kh`, `kw`, ...), the padding form in `pad_form` with
the per-side boxes `pt`, `pb`, `pl`, `pr`, and "no divisor" as 0: `spec_state` and
`spec_values` translate, `spec_from_state` builds the PoolSpec or AdaptiveSpec.

The "unpool" layer is max pooling with a kernel (its PoolSpec: mode "max", symmetric or
'valid' padding, the layers PyTorch's MaxUnpool2d undoes) followed by max unpooling at its
indices (ui.views.unpool_view).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from pooling_core import MODES, TIE_POLICIES, AdaptiveSpec, PoolSpec
from ui.i18n import t
from ui.widgets.grid import MAX_SIDE

LAYERS = ("kernel", "adaptive", "global", "unpool")
KERNEL_LAYERS = ("kernel", "unpool")  # the layers whose spec is a PoolSpec
PAD_FORMS = ("symmetric", "asymmetric", "same", "same_lower", "valid")
UNPOOL_PAD_FORMS = ("symmetric", "valid")  # MaxUnpool2d's padding: one number per axis
SIDE_KEYS = ("pt", "pb", "pl", "pr")  # ((top, bottom), (left, right))

# Spec attribute -> the session-state keys of its widgets (a pair has two boxes).
WIDGET_KEYS: dict[str, tuple[str, ...]] = {
    "mode": ("mode",),
    "kernel_size": ("kh", "kw"), "stride": ("sh", "sw"), "padding": ("ph", "pw"),
    "dilation": ("dh", "dw"),
    "ceil_mode": ("ceil_mode",), "ties": ("ties",), "count_include_pad": ("count_include_pad",),
    "divisor_override": ("divisor_override",),
    "output_size": ("oh", "ow"), "layer": ("layer",),
}
KERNEL_ATTRS = ("kernel_size", "stride", "padding", "dilation", "ceil_mode",
                "count_include_pad", "divisor_override")
DEFAULT_SPEC = PoolSpec(kernel_size=3, stride=1)  # the 6x6 overlap example's layer


def values_of(spec: PoolSpec | AdaptiveSpec) -> dict[str, object]:
    """A spec's values, with its layer ("kernel", "adaptive" or "global")."""
    if isinstance(spec, AdaptiveSpec):
        return {"layer": "global" if spec.is_global else "adaptive", **asdict(spec)}
    return {"layer": "kernel", **asdict(spec)}


def _padding_state(value: object) -> dict[str, object]:
    """A padding value -> its widget values: a symmetric pair only its two boxes (as links
    and presets always set them), any other form its `pad_form` and sides."""
    if isinstance(value, str):
        return {"pad_form": value}
    if (isinstance(value, (tuple, list)) and len(value) == 2
            and all(isinstance(v, (tuple, list)) for v in value)):
        (top, bottom), (left, right) = value  # type: ignore[misc]
        return {"pad_form": "asymmetric",
                **dict(zip(SIDE_KEYS, (int(top), int(bottom), int(left), int(right)),
                           strict=True))}
    pair = value if isinstance(value, (tuple, list)) else (value, value)
    return {"ph": int(pair[0]), "pw": int(pair[1])}  # type: ignore[index]


def spec_state(values: Mapping[str, object]) -> dict[str, object]:
    """Spec values ({attribute: value}, any subset; a pair as an int or (h, w)) ->
    {widget key: value}, only the keys the values name. divisor_override None becomes 0 (the
    box's "none")."""
    state: dict[str, object] = {}
    for attr, value in values.items():
        keys = WIDGET_KEYS[attr]
        if attr == "padding":
            state.update(_padding_state(value))
        elif len(keys) == 2:
            pair = value if isinstance(value, (tuple, list)) else (value, value)
            state[keys[0]], state[keys[1]] = (int(v) for v in pair)  # type: ignore[union-attr]
        elif attr == "divisor_override":
            state[keys[0]] = int(value or 0)  # type: ignore[call-overload]
        else:
            state[keys[0]] = value
    return state


def layer_state(values: Mapping[str, object]) -> dict[str, object]:
    """`spec_state` of a whole layer (a preset's, another page's spec): also the layer choice
    and, for a symmetric padding, its form, so that what the session held before (an adaptive
    layer, 'same' padding) does not stay."""
    state = spec_state(values)
    if "layer" not in values:
        state["layer"] = "adaptive" if "output_size" in values else "kernel"
    if state["layer"] in KERNEL_LAYERS:
        state.setdefault("pad_form", "symmetric")
    return state


def _pair_of(state: Mapping[str, object], keys: tuple[str, ...]) -> tuple[int, int]:
    return (int(state[keys[0]]), int(state[keys[1]]))  # type: ignore[call-overload]


def spec_values(state: Mapping[str, object]) -> dict[str, object]:
    """{widget key: value} (all of PARAM_DEFAULTS' keys) -> spec values of the chosen layer,
    with "layer", not yet checked: pairs as (h, w), a divisor of 0 as None; an adaptive or
    global layer has no kernel attributes; the unpool layer pools in max mode with symmetric
    or 'valid' padding (another form counts as symmetric: its two boxes)."""
    layer = state.get("layer", "kernel")
    mode = "max" if layer == "unpool" else state["mode"]
    values: dict[str, object] = {"layer": layer, "mode": mode, "ties": state["ties"]}
    if layer == "global":
        values["output_size"] = (1, 1)
        return values
    if layer == "adaptive":
        values["output_size"] = _pair_of(state, WIDGET_KEYS["output_size"])
        return values
    for attr in ("kernel_size", "stride", "dilation"):
        values[attr] = _pair_of(state, WIDGET_KEYS[attr])
    form = state.get("pad_form", "symmetric")
    if layer == "unpool" and form not in UNPOOL_PAD_FORMS:
        form = "symmetric"
    if form == "symmetric":
        values["padding"] = _pair_of(state, ("ph", "pw"))
    elif form == "asymmetric":
        values["padding"] = (_pair_of(state, SIDE_KEYS[:2]), _pair_of(state, SIDE_KEYS[2:]))
    else:
        values["padding"] = form
    div = int(state["divisor_override"] or 0)  # type: ignore[call-overload]
    values["divisor_override"] = div if div > 0 else None
    values["ceil_mode"] = bool(state["ceil_mode"])
    values["count_include_pad"] = bool(state["count_include_pad"])
    return values


def spec_from_state(state: Mapping[str, object]) -> PoolSpec | AdaptiveSpec:
    """The spec of widget values; raises PoolingError when they do not make one."""
    values = spec_values(state)
    layer = values.pop("layer")
    if layer in KERNEL_LAYERS:
        return PoolSpec(**values)  # type: ignore[arg-type]
    return AdaptiveSpec(**values)  # type: ignore[arg-type]


PARAM_DEFAULTS: dict[str, object] = {
    **layer_state(asdict(DEFAULT_SPEC)), "oh": 2, "ow": 2,
    **dict.fromkeys(SIDE_KEYS, 0),
}


# The containers under the controls where an error (or the output-size rule) is shown, keyed
# with this prefix: the Explorer fills each on every run (a fragment's slot), and SLOT_CSS hides
# one that shows nothing, with its layout wrapper (a wrapper of no height still takes a gap).
SLOT_PREFIX = "pbe_slot_"
SLOT_CSS = ('<style>:has(> [class*="st-key-' + SLOT_PREFIX + '"]):not(:has([data-testid=stAlert],'
            ' [data-testid=stMarkdownContainer])) { display: none; }</style>')


def build_spec() -> PoolSpec | AdaptiveSpec:
    """The spec of the current controls; raises PoolingError when they do not fit."""
    return spec_from_state(st.session_state)


def _pair(name: str, keys: tuple[str, ...], lo: int, hi: int) -> DeltaGenerator:
    """Two related numbers side by side, each labelled in full ("Kernel height"): a label is
    the field's accessible name, and "height" alone would not say which of the eight it is.
    The help sits on the first field, where it is named "Help for Kernel height" (on a bare
    heading every help button was named "Help")."""
    a, b = keys
    c1, c2 = st.columns(2, vertical_alignment="bottom")
    c1.number_input(t(f"param.{name}_h"), min_value=lo, max_value=hi, step=1, key=a,
                    help=t(f"help.{name}"))
    c2.number_input(t(f"param.{name}_w"), min_value=lo, max_value=hi, step=1, key=b)
    return st.container(key=f"{SLOT_PREFIX}{a}")


def _kernel_controls(boxes: dict[str, DeltaGenerator], forms: tuple[str, ...]) -> None:
    """A pooling layer with a kernel: kernel, stride, the padding in one of `forms`,
    dilation."""
    boxes["kernel_size"] = _pair("kernel", WIDGET_KEYS["kernel_size"], 0, MAX_SIDE)
    boxes["stride"] = _pair("stride", WIDGET_KEYS["stride"], 0, MAX_SIDE)
    if st.session_state.get("pad_form", "symmetric") not in forms:
        st.session_state.pad_form = "symmetric"  # e.g. 'same' kept from the kernel layer
    st.selectbox(t("param.pad_form"), forms, key="pad_form",
                 format_func=lambda f: t(f"pad_form.{f}"), help=t("help.pad_form"))
    form = st.session_state.get("pad_form", "symmetric")
    if form == "symmetric":
        boxes["padding"] = _pair("padding", WIDGET_KEYS["padding"], 0, MAX_SIDE // 2)
    elif form == "asymmetric":
        _pair("pad_tb", SIDE_KEYS[:2], 0, MAX_SIDE)
        boxes["padding"] = _pair("pad_lr", SIDE_KEYS[2:], 0, MAX_SIDE)
    boxes["dilation"] = _pair("dilation", WIDGET_KEYS["dilation"], 0, 8)
    if not form.startswith("same"):  # 'same' fixes the output at ceil(n / s)
        st.checkbox(t("param.ceil_mode"), key="ceil_mode", help=t("help.ceil_mode"))


def parameter_controls() -> dict[str, DeltaGenerator]:
    """The pooling parameters (sidebar): the layer, then only the parameters that apply to
    it. Values land in session_state (WIDGET_KEYS).

    Returns a container right under each control group, keyed by the spec attribute
    (kernel_size, stride, padding, dilation, divisor_override, output_size), so an error can
    be shown next to the control that caused it.
    """
    ss = st.session_state
    st.radio(t("param.layer"), LAYERS, key="layer", format_func=lambda k: t(f"layer.{k}"),
             help=t("help.layer"))
    layer = ss.get("layer", "kernel")
    if layer == "unpool":  # max pooling only: its indices are what unpooling reads
        st.caption(t("unpool.layer_caption"))
    else:
        st.radio(t("param.mode"), MODES, key="mode", horizontal=True,
                 format_func=lambda m: t(f"mode.{m}"))
    boxes: dict[str, DeltaGenerator] = {}
    if layer in KERNEL_LAYERS:
        _kernel_controls(boxes, UNPOOL_PAD_FORMS if layer == "unpool" else PAD_FORMS)
    elif layer == "adaptive":
        boxes["output_size"] = _pair("output", WIDGET_KEYS["output_size"], 1, MAX_SIDE)
    if ss.mode == "max" or layer == "unpool":
        st.selectbox(t("param.ties"), TIE_POLICIES, key="ties",
                     format_func=lambda p: t(f"policy.{p}.short"),
                     help=t("help.ties"))
    elif layer == "kernel":
        st.checkbox(t("param.count_include_pad"), key="count_include_pad",
                    help=t("help.count_include_pad"))
        st.number_input(t("param.divisor_override"), min_value=0, max_value=10_000, step=1,
                        key="divisor_override", help=t("help.divisor_override"))
        boxes["divisor_override"] = st.container(key=f"{SLOT_PREFIX}divisor_override")
    return boxes
