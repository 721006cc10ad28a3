"""Property tests: pooling_core equals the one-cell-at-a-time loop reference, bit for bit.

Random shapes (1..7 per side, with and without leading axes), kernels, strides, paddings,
dilations, ceil_mode, both modes and every tie policy, always valid for the drawn size; values
are small integers (many ties), ordinary floats, or a mix of NaN, +-inf and signed zeros.
Random, possibly invalid, parameters must raise `PoolingError` (a ValueError) exactly when the
reference's rules say so.
"""

from __future__ import annotations

import numpy as np
import pytest
from exact_compare import assert_exact
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from loop_reference import (
    TIE_POLICIES,
    loop_pool_backward,
    loop_pool_forward,
    loop_spec,
    ref_out_hw,
    ref_output_size,
    spec_problem,
    valid_axes,
)
from pool_strategies import axes_params

from pooling_core import PoolingError, PoolSpec, axis_size, pool_backward, pool_forward

# inf - inf inside an average window is NaN, as in PyTorch; pooling_core warns about it.
pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

FAST = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

DTYPES = (np.float32, np.float64)
LEADING = st.sampled_from([(), (1,), (2,), (3,), (1, 2), (2, 1), (2, 2)])
SPECIALS = [np.nan, np.inf, -np.inf, 0.0, -0.0, 1.0, -1.0, 2.5, 2.0**100, -(2.0**-100)]


def int_or_pair(values: st.SearchStrategy[int]) -> st.SearchStrategy:
    """An int, or a tuple / list (h, w) of ints."""
    pairs = st.tuples(values, values)
    return st.one_of(values, pairs, pairs.map(list))


def as_pair(v) -> tuple[int, int]:
    return (v[0], v[1]) if isinstance(v, (tuple, list)) else (v, v)


@st.composite
def float_arrays(draw, shape: tuple[int, ...], dtype) -> np.ndarray:
    """An array of small integers (ties), ordinary floats, or specials (NaN, +-inf, -0.0)."""
    kind = draw(st.sampled_from(["ties", "ties", "float", "special"]))
    width = 32 if dtype == np.float32 else 64
    if kind == "ties":
        elements = st.integers(-3, 3).map(float)
    elif kind == "float":
        elements = st.floats(-1e6, 1e6, width=width)
    else:
        elements = st.one_of(
            st.sampled_from(SPECIALS), st.integers(-2, 2).map(float), st.floats(width=width)
        )
    return draw(hnp.arrays(dtype, shape, elements=elements))


@st.composite
def valid_params(draw, mode: str) -> dict:
    """PoolSpec keyword arguments that obey the parameter rules (the output may still be
    empty, or a window may cover only padding, for a given input size)."""
    kernel = draw(int_or_pair(st.integers(1, 4)))
    k = as_pair(kernel)
    dilation = draw(int_or_pair(st.integers(1, 3))) if mode == "max" else 1
    d = as_pair(dilation)
    limits = [((kk - 1) * dd + 1) // 2 for kk, dd in zip(k, d, strict=True)]
    padding = draw(st.tuples(st.integers(0, limits[0]), st.integers(0, limits[1])))
    if padding[0] == padding[1] and draw(st.booleans()):
        padding = padding[0]
    params = {
        "kernel_size": kernel,
        "stride": draw(st.one_of(st.none(), int_or_pair(st.integers(1, 4)))),
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": draw(st.booleans()),
        "mode": mode,
    }
    if mode == "avg":
        params["count_include_pad"] = draw(st.booleans())
        params["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, 7)))
    return params


@st.composite
def sized_params(draw, mode: str, H: int, W: int) -> dict:
    """PoolSpec keyword arguments that are valid for an (H, W) input: drawn from the valid
    (kernel, stride, padding, dilation) of each axis (`valid_axes`), never drawn and then
    refused (invalid ones are the business of the tests further down)."""
    ceil_mode = draw(st.booleans())
    d_max = 3 if mode == "max" else 1
    h, w = (draw(st.sampled_from(valid_axes(n, ceil_mode, 4, 4, d_max))) for n in (H, W))
    return axes_params(draw, (H, W), h, w, ceil_mode, mode, divisor_max=7)


@st.composite
def cases(draw, mode: str):
    """(x, grad_output, params) for a configuration that is valid for x's size."""
    dtype = draw(st.sampled_from(DTYPES))
    H, W = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    params = draw(sized_params(mode, H, W))
    shape = draw(LEADING) + (H, W)
    x = draw(float_arrays(shape, dtype))
    out_shape = shape[:-2] + ref_out_hw((H, W), loop_spec(**params))
    g_elements = st.one_of(
        st.integers(-8, 8).map(lambda v: v / 4),
        st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64),
    )
    g = draw(hnp.arrays(dtype, out_shape, elements=g_elements))
    return x, g, params


# The plateau: window (0, 0) four 5s, (0, 1) a two-way tie of 3s, (1, 1) four 4s (course
# example of ties); and the ceil overhang: 5 x 5, kernel 2, stride 2, ceil_mode, whose last
# window per axis holds one real cell and one cell past the border (not padding).
PLATEAU = np.array([[5, 5, 1, 2], [5, 5, 3, 3], [0, 1, 4, 4], [2, 0, 4, 4]], dtype=np.float64)
PLATEAU_PARAMS = dict(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
OVERHANG = (np.arange(25.0).reshape(5, 5) * 7) % 5  # values 0..4, with ties
OVERHANG_PARAMS = dict(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True)
AVG_DEFAULTS = dict(count_include_pad=True, divisor_override=None)


def check_against_loop(x: np.ndarray, g: np.ndarray, params: dict, ties_list) -> None:
    spec = PoolSpec(**params)
    fwd = pool_forward(x, spec)
    out, idx = loop_pool_forward(x, **params)
    assert_exact(fwd.output, out, "output")
    if params["mode"] == "max":
        assert_exact(fwd.indices, idx, "indices")
    else:
        assert fwd.indices is None
    for ties in ties_list:
        spec_t = PoolSpec(**params, ties=ties)
        expected = loop_pool_backward(x, g, **params, ties=ties)
        assert_exact(pool_backward(x, g, spec_t), expected, f"grad_input ties={ties}")


@FAST
@given(cases("max"))
@example((PLATEAU, np.array([[2.0, 3.0], [4.0, 8.0]]), {**PLATEAU_PARAMS, "mode": "max"}))
@example((OVERHANG, np.arange(9.0).reshape(3, 3) - 4, {**OVERHANG_PARAMS, "mode": "max"}))
def test_max_pool_matches_loop_reference(case):
    x, g, params = case
    check_against_loop(x, g, params, TIE_POLICIES)


@FAST
@given(cases("avg"))
@example((PLATEAU, np.array([[2.0, 3.0], [4.0, 8.0]]),
          {**PLATEAU_PARAMS, "mode": "avg", **AVG_DEFAULTS}))
@example((OVERHANG, np.arange(9.0).reshape(3, 3) - 4,
          {**OVERHANG_PARAMS, "mode": "avg", **AVG_DEFAULTS}))
@example((OVERHANG, np.arange(9.0).reshape(3, 3) - 4,
          {**OVERHANG_PARAMS, "mode": "avg", **AVG_DEFAULTS, "count_include_pad": False}))
def test_avg_pool_matches_loop_reference(case):
    x, g, params = case
    # ties is ignored in average mode: every policy gives the same gradient.
    check_against_loop(x, g, params, TIE_POLICIES)


@settings(max_examples=120, deadline=None)
@given(
    shape=st.tuples(st.integers(1, 7), st.integers(1, 7)),
    dtype=st.sampled_from(DTYPES),
    data=st.data(),
)
def test_max_pool_nan_inf_heavy(shape, dtype, data):
    """Windows full of NaN, +-inf and -inf padding: NaN wins (last NaN for the index)."""
    params = data.draw(sized_params("max", *shape))
    x = data.draw(hnp.arrays(dtype, shape, elements=st.sampled_from(
        [np.nan, np.inf, -np.inf, -np.inf, 0.0, -0.0, 1.0])))
    out_hw = ref_out_hw(shape, loop_spec(**params))
    g = data.draw(hnp.arrays(dtype, out_hw, elements=st.integers(-4, 4).map(float)))
    check_against_loop(x, g, params, TIE_POLICIES)


# --------------------------------------------------------------------------- invalid specs
def check_raises_iff_invalid(H: int, W: int, params: dict) -> None:
    """PoolingError exactly when the reference's rules refuse; otherwise equal results."""
    x = np.arange(H * W * 2, dtype=np.float64).reshape(2, H, W) % 5
    problem = spec_problem((H, W), **params)
    event(f"refused: {problem}" if problem else "valid")
    if problem is not None:
        with pytest.raises(PoolingError) as info:
            spec = PoolSpec(**params)
            fwd = pool_forward(x, spec)
            pool_backward(x, np.ones_like(fwd.output), spec)
        assert isinstance(info.value, ValueError)
        assert str(info.value)
        return
    spec = PoolSpec(**params)
    fwd = pool_forward(x, spec)
    g = np.arange(fwd.output.size, dtype=np.float64).reshape(fwd.output.shape) - 3
    out, idx = loop_pool_forward(x, **params)
    assert_exact(fwd.output, out, "output")
    if params["mode"] == "max":
        assert_exact(fwd.indices, idx, "indices")
    assert_exact(pool_backward(x, g, spec), loop_pool_backward(x, g, **params), "grad_input")


@settings(max_examples=250, deadline=None)
@given(
    H=st.integers(0, 6),
    W=st.integers(1, 6),
    kernel=int_or_pair(st.integers(-1, 5)),
    stride=st.one_of(st.none(), int_or_pair(st.integers(-1, 5))),
    padding=int_or_pair(st.integers(-1, 4)),
    dilation=int_or_pair(st.integers(-1, 4)),
    ceil_mode=st.booleans(),
    mode=st.sampled_from(["max", "max", "avg", "avg", "min", "mean"]),
    ties=st.sampled_from([*TIE_POLICIES, "random", "First"]),
    count_include_pad=st.booleans(),
    divisor_override=st.one_of(st.none(), st.integers(-2, 4)),
    transpose=st.booleans(),
)
def test_random_specs_raise_exactly_when_invalid(
    H, W, kernel, stride, padding, dilation, ceil_mode, mode, ties, count_include_pad,
    divisor_override, transpose,
):
    """Fully random parameters (mostly invalid)."""
    if transpose:
        H, W = W, H
    check_raises_iff_invalid(H, W, dict(
        kernel_size=kernel, stride=stride, padding=padding, dilation=dilation,
        ceil_mode=ceil_mode, mode=mode, ties=ties, count_include_pad=count_include_pad,
        divisor_override=divisor_override,
    ))


def _corrupt_axis(value, bad: int, axis: int):
    h, w = as_pair(value)
    return (bad, w) if axis == 0 else (h, bad)


@st.composite
def corrupted_specs(draw):
    """Valid parameters with zero, one or two fields broken."""
    mode = draw(st.sampled_from(["max", "avg"]))
    params = draw(valid_params(mode))
    params["ties"] = draw(st.sampled_from(TIE_POLICIES))
    H, W = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    fields = ["kernel_size", "stride", "dilation", "padding_neg", "padding_big", "mode",
              "ties", "divisor_override", "avg_dilation", "empty_input", "small_input"]
    for field in draw(st.lists(st.sampled_from(fields), max_size=2)):
        axis = draw(st.integers(0, 1))
        if field in ("kernel_size", "stride", "dilation"):
            base = params[field] if params[field] is not None else params["kernel_size"]
            params[field] = _corrupt_axis(base, draw(st.integers(-3, 0)), axis)
        elif field == "padding_neg":
            params["padding"] = _corrupt_axis(params["padding"], draw(st.integers(-3, -1)), axis)
        elif field == "padding_big":
            k = as_pair(params["kernel_size"])[axis]
            d = as_pair(params["dilation"])[axis]
            if k >= 1 and d >= 1:
                limit = ((k - 1) * d + 1) // 2
                big = limit + draw(st.integers(1, 3))
                params["padding"] = _corrupt_axis(params["padding"], big, axis)
        elif field == "mode":
            params["mode"] = draw(st.sampled_from(["min", "MAX", "", "average"]))
        elif field == "ties":
            params["ties"] = draw(st.sampled_from(["random", "FIRST", "", "mean"]))
        elif field == "divisor_override":
            params["divisor_override"] = draw(st.integers(-3, 0))
        elif field == "avg_dilation":
            params["mode"] = "avg"
            params["dilation"] = _corrupt_axis(1, draw(st.integers(2, 4)), axis)
        elif field == "empty_input":
            H, W = (0, W) if axis == 0 else (H, 0)
        else:  # small input: often an empty output or a window of padding only
            H, W = (1, W) if axis == 0 else (H, 1)
    return H, W, params


@settings(max_examples=400, deadline=None)
@given(corrupted_specs())
def test_corrupted_specs_raise_exactly_when_invalid(case):
    H, W, params = case
    check_raises_iff_invalid(H, W, params)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(1, 40),
    k=st.integers(1, 8),
    s=st.integers(1, 8),
    d=st.integers(1, 4),
    p=st.integers(0, 16),
    ceil_mode=st.booleans(),
)
def test_axis_size_matches_reference_formula(n, k, s, p, d, ceil_mode):
    a = axis_size(n, k, s, p, d, ceil_mode)
    assert a.size == ref_output_size(n, k, s, p, d, ceil_mode)
    assert a.numerator == n + 2 * p - d * (k - 1) - 1
    assert (a.n, a.k, a.s, a.p, a.d, a.ceil_mode) == (n, k, s, p, d, ceil_mode)


# --------------------------------------------------------------------------- many planes
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape, params",
    [
        # ~2-5 MB of input: an implementation may process the planes in blocks.
        ((40, 150, 7, 7), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
        ((6, 100, 9, 8), dict(kernel_size=(2, 3), stride=(1, 2), dilation=(2, 1), padding=1)),
        ((3, 7, 60, 50), dict(kernel_size=2)),
        ((30, 200, 6, 6), dict(kernel_size=3, stride=2, padding=1, mode="avg", ceil_mode=True,
                               count_include_pad=False)),
    ],
)
def test_many_planes_sampled_against_loop(shape, params, dtype):
    """A large batch: every plane gets its own values (ties, NaN, -inf); a sample of planes,
    including the first and last, is checked against the loop reference."""
    rng = np.random.default_rng(sum(shape))
    x = rng.integers(-3, 4, shape).astype(dtype)
    u = rng.random(shape)
    x[u < 0.02] = np.nan
    x[(u > 0.02) & (u < 0.05)] = -np.inf
    params = {"mode": "max", **params}
    OH, OW = ref_out_hw(shape[-2:], loop_spec(**params))
    g = rng.integers(-4, 5, shape[:-2] + (OH, OW)).astype(dtype) / 4
    fwd = pool_forward(x, PoolSpec(**params))
    ties_list = TIE_POLICIES if params["mode"] == "max" else ("first",)
    grads = {t: pool_backward(x, g, PoolSpec(**params, ties=t)) for t in ties_list}
    N, C = shape[:2]
    sample = {(0, 0), (N - 1, C - 1), (N // 2, C // 2)}
    sample |= {(int(rng.integers(N)), int(rng.integers(C))) for _ in range(6)}
    for n, c in sorted(sample):
        out, idx = loop_pool_forward(x[n, c], **params)
        assert_exact(fwd.output[n, c], out, f"output plane {(n, c)}")
        if params["mode"] == "max":
            assert_exact(fwd.indices[n, c], idx, f"indices plane {(n, c)}")
        for t in ties_list:
            want = loop_pool_backward(x[n, c], g[n, c], **params, ties=t)
            assert_exact(grads[t][n, c], want, f"grad plane {(n, c)} ties={t}")
