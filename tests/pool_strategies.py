"""Hypothesis building blocks shared by the core tests: PoolSpec keyword arguments from the
(kernel, stride, padding, dilation) drawn for each axis (see `loop_reference.valid_axes`)."""

from __future__ import annotations

from hypothesis import strategies as st
from loop_reference import spec_problem

Axis = tuple[int, int, int, int]  # (k, s, p, d) along one axis


def pair_form(draw, value: tuple[int, int]):
    """(h, w) written as PoolSpec accepts it: an int when h == w (sometimes), a tuple or a
    list."""
    if value[0] == value[1] and draw(st.booleans()):
        return value[0]
    return draw(st.sampled_from([tuple, list]))(value)


def axes_params(draw, hw: tuple[int, int], h: Axis, w: Axis, ceil_mode: bool, mode: str,
                divisor_max: int) -> dict:
    """PoolSpec keyword arguments (no tie policy) for an input of size `hw` from one valid
    axis each; stride sometimes left out when it equals the kernel (PyTorch's default)."""
    (kh, sh, ph, dh), (kw, sw, pw, dw) = h, w
    stride = None if (sh, sw) == (kh, kw) and draw(st.booleans()) else pair_form(draw, (sh, sw))
    params = {
        "kernel_size": pair_form(draw, (kh, kw)),
        "stride": stride,
        "padding": pair_form(draw, (ph, pw)),
        "dilation": pair_form(draw, (dh, dw)),
        "ceil_mode": ceil_mode,
        "mode": mode,
    }
    if mode == "avg":
        params["count_include_pad"] = draw(st.booleans())
        params["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, divisor_max)))
    assert spec_problem(hw, **params) is None, params
    return params
