"""The port section's widgets: a source framework's layer in that framework's own words
(`pooling_core.frameworks.PORT_PARAMS`: Keras padding 'same'/'valid', ONNX auto_pad / pads /
ceil_mode / count_include_pad, Caffe pad, PyTorch padding / ceil_mode / dilation ...).

Each parameter is one widget (a pair two boxes, per-side pads four) under the session key
`fw_p_<source>_<name>[_<part>]`, so every source framework keeps its own layer. A parameter
starts at the value the current layer has in the source framework's definition
(`express(...).calls[0].params`) when that is a valid value, else at a plain default.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from pooling_core.frameworks import PORT_PARAMS, Expression
from ui.i18n import t
from ui.widgets.grid import MAX_SIDE

SIDES = ("top", "bottom", "left", "right")
PADS4 = ("top", "left", "bottom", "right")  # ONNX's order
EXPLICIT = "pads"  # a padding choice that means "these per-side pads" (JAX)
Allowed = object  # a tuple of choices, or "pair", "pair0", "pads", "bool", "int"


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _pair_value(v: object, lo: int) -> tuple[int, int] | None:
    if _is_int(v):
        v = (v, v)
    if (isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_int(a) for a in v)
            and all(lo <= a <= MAX_SIDE for a in v)):
        return (int(v[0]), int(v[1]))
    return None


def valid_value(allowed: Allowed, value: object) -> object | None:
    """`value` normalised when `allowed` accepts it (a pair as (h, w), pads as
    ((top, bottom), (left, right))), else None."""
    if isinstance(allowed, tuple):
        return value if value in allowed else None
    if allowed in ("pair", "pair0"):
        return _pair_value(value, 1 if allowed == "pair" else 0)
    if allowed == "pads":
        if isinstance(value, (tuple, list)) and len(value) == 2:
            a, b = (_pair_value(v, 0) for v in value)
            return (a, b) if a is not None and b is not None else None
        return None
    if allowed == "pads4":  # ONNX: [top, left, bottom, right]
        if (isinstance(value, (tuple, list)) and len(value) == 4
                and all(_is_int(v) and 0 <= v <= MAX_SIDE for v in value)):
            return tuple(int(v) for v in value)
        return None
    if allowed == "bool":
        return bool(value) if isinstance(value, (bool, int)) and value in (0, 1) else None
    if allowed == "int":
        return int(value) if _is_int(value) and 0 <= value <= 10_000 else None  # type: ignore[operator]
    return None


def default_value(allowed: Allowed) -> object:
    """A parameter's value when the current layer says nothing about it."""
    if isinstance(allowed, tuple):
        return allowed[0]
    return {"pair": (1, 1), "pair0": (0, 0), "pads": ((0, 0), (0, 0)), "pads4": (0, 0, 0, 0),
            "bool": False, "int": 0}.get(allowed, 0)  # type: ignore[call-overload]


def _keys(source: str, name: str, allowed: Allowed) -> tuple[str, ...]:
    base = f"fw_p_{source}_{name}"
    if allowed in ("pair", "pair0"):
        return (f"{base}_h", f"{base}_w")
    if allowed == "pads":
        return tuple(f"{base}_{side}" for side in SIDES)
    if allowed == "pads4":
        return tuple(f"{base}_{side}" for side in PADS4)
    return (base,)


def _state_values(allowed: Allowed, value: object) -> tuple[object, ...]:
    if allowed in ("pair", "pair0"):
        return tuple(value)  # type: ignore[arg-type]
    if allowed == "pads":
        (top, bottom), (left, right) = value  # type: ignore[misc]
        return (top, bottom, left, right)
    if allowed == "pads4":
        return tuple(value)  # type: ignore[arg-type]
    return (value,)


# A parameter the framework's definition does not name starts at the current layer's value
# of the same meaning (by the framework's word for it).
SPEC_ATTR = {
    **dict.fromkeys(("kernel_size", "pool_size", "window_shape", "kernel_shape"), "k"),
    **dict.fromkeys(("stride", "strides"), "s"),
    **dict.fromkeys(("dilation", "window_dilation", "dilations"), "d"),
    "ceil_mode": "ceil_mode", "count_include_pad": "count_include_pad",
}


def seed_params(source: str, expression: Expression | None, spec: object) -> None:
    """First visit of a source framework: its parameters as that framework writes the current
    layer `spec` (its calls, then their other API; where valid), else the value of the same
    meaning in `spec`, else a plain default."""
    ss = st.session_state
    given: dict[str, object] = {}
    if expression is not None:
        for call in (*expression.alternatives, *expression.calls):
            given.update(dict(call.params))
    mode = str(getattr(spec, "mode", "max"))
    for name, allowed in PORT_PARAMS.get(source, {}).items():
        keys = _keys(source, name, allowed)
        if all(k in ss for k in keys):
            continue
        value = given.get(name)
        if value is None and name in SPEC_ATTR:
            value = getattr(spec, SPEC_ATTR[name], None)
        if name in ("mode", "pool") and value is None:  # the mode: max / MAX, avg / AVE
            value = next((c for c in allowed if str(c).lower()[:2] == mode[:2]), None)
        if isinstance(allowed, tuple) and EXPLICIT in allowed:
            pads = valid_value("pads", value)
            if pads is not None:  # explicit pads given: the choice and its four boxes
                value = EXPLICIT
                for key, v in zip(_keys(source, name, "pads"), _state_values("pads", pads),
                                  strict=True):
                    ss.setdefault(key, v)
        checked = valid_value(allowed, value)
        checked = default_value(allowed) if checked is None else checked
        for key, v in zip(keys, _state_values(allowed, checked), strict=True):
            ss.setdefault(key, v)


def _label(name: str, part: str = "") -> str:
    return t(f"frameworks.port.param_{part}", name=name) if part else t(
        "frameworks.port.param", name=name)


def port_controls(source: str) -> dict[str, object]:
    """The source layer's parameter widgets; returns {name: value} in its own words."""
    ss = st.session_state
    params: dict[str, object] = {}
    items = list(PORT_PARAMS.get(source, {}).items())
    cols = st.columns(2)
    for n, (name, allowed) in enumerate(items):
        keys = _keys(source, name, allowed)
        with cols[n % 2]:
            if isinstance(allowed, tuple):
                st.selectbox(_label(name), allowed, key=keys[0], format_func=str)
                params[name] = ss[keys[0]]
                if ss[keys[0]] == EXPLICIT:  # JAX: padding given per side
                    params[name] = _sides(_keys(source, name, "pads"), name, SIDES)
            elif allowed == "bool":
                st.checkbox(_label(name), key=keys[0])
                params[name] = bool(ss[keys[0]])
            elif allowed == "int":  # 0: none
                st.number_input(_label(name), 0, 10_000, step=1, key=keys[0])
                params[name] = int(ss[keys[0]]) or None
            elif allowed in ("pair", "pair0"):
                lo = 1 if allowed == "pair" else 0
                a, b = st.columns(2)
                a.number_input(_label(name, "h"), lo, MAX_SIDE, step=1, key=keys[0])
                b.number_input(_label(name, "w"), lo, MAX_SIDE, step=1, key=keys[1])
                params[name] = (int(ss[keys[0]]), int(ss[keys[1]]))
            elif allowed == "pads4":  # ONNX: [top, left, bottom, right]
                top, bottom, left, right = _sides(keys, name, PADS4)
                params[name] = [top, left, bottom, right]  # type: ignore[has-type]
            else:  # pads: ((top, bottom), (left, right))
                params[name] = _sides(keys, name, SIDES)
    return params


def _sides(keys: tuple[str, ...], name: str, order: tuple[str, ...]) -> object:
    """Four boxes, one per side (keys in `order`); returns ((top, bottom), (left, right)) for
    SIDES' order, else the four values by side name as (top, bottom, left, right)."""
    ss = st.session_state
    for key in keys:  # a choice switched to explicit pads: its boxes start at 0
        ss.setdefault(key, 0)
    boxes = st.columns(2)
    for i, (key, side) in enumerate(zip(keys, order, strict=True)):
        boxes[i % 2].number_input(_label(name, side), 0, MAX_SIDE, step=1, key=key)
    v = {side: int(ss[key]) for key, side in zip(keys, order, strict=True)}
    if order == SIDES:
        return ((v["top"], v["bottom"]), (v["left"], v["right"]))
    return (v["top"], v["bottom"], v["left"], v["right"])


def param_names(source: str) -> Mapping[str, Allowed]:
    """The source framework's parameters and what each allows."""
    return PORT_PARAMS.get(source, {})
