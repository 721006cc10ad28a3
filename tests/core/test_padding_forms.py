"""PoolSpec's padding forms (issue 16): 'same', 'same_lower', 'valid' and per side
((top, bottom), (left, right)) — hand-worked layers, the loop reference (hypothesis, every
mode and tie policy, bit for bit) and the errors. The frameworks' fixtures are in
test_frameworks_issue16.py."""

from __future__ import annotations

import numpy as np
import pytest
from exact_compare import assert_exact
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from loop_reference import (
    TIE_POLICIES,
    loop_pool_backward,
    loop_pool_forward,
    loop_scatter_steps,
    loop_spec,
    ref_out_hw,
    ref_pads,
    spec_problem,
)

from pooling_core import (
    PoolingError,
    PoolSpec,
    gradient_check,
    last_window_end,
    output_size,
    pool_backward,
    pool_forward,
    scatter_steps,
    win_counts,
    window_rect,
    window_taps,
)

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
X25 = np.arange(25.0).reshape(5, 5)


# --------------------------------------------------------------------------- hand-worked
def test_tf_same_5x5_k2_s2_extra_row_and_column_after():
    """TensorFlow 'SAME', 5 x 5, kernel 2, stride 2: out = ceil(5 / 2) = 3 per axis; total
    padding (3 - 1)·2 + 2 - 5 = 1, the smaller half (0) before and the extra cell after: the
    third window of each axis reads row/column 4 and a padding cell."""
    spec = PoolSpec(kernel_size=2, stride=2, padding="same")
    assert spec.pads((5, 5)) == ((0, 1), (0, 1))
    fwd = pool_forward(X25, spec)
    np.testing.assert_array_equal(fwd.output, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_array_equal(fwd.indices, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    a = fwd.sizes[0]
    assert (a.size, a.p, a.p_after, a.rule) == (3, 0, 1, "same")
    assert a.formula == "⌈5 / 2⌉ = 3"
    assert a.pad_formula == "max((3 − 1)·2 + 1·(2 − 1) + 1 − 5, 0) = 1 → 0 before, 1 after"
    assert window_rect(spec, 2, 2, (5, 5)) == (4, 4, 5, 5)
    assert last_window_end(a) == 6  # the last window reaches one cell past the input
    assert window_taps(spec, 0, 2, (5, 5)) == [(0, 4), (0, 5), (1, 4), (1, 5)]
    # Average, TF/Keras: divide by the real cells (count_include_pad=False).
    tf = PoolSpec(kernel_size=2, stride=2, padding="same", mode="avg", count_include_pad=False)
    out = pool_forward(X25, tf).output
    assert out[0, 2] == (4 + 9) / 2 and out[2, 0] == (20 + 21) / 2 and out[2, 2] == 24
    assert out[0, 0] == (0 + 1 + 5 + 6) / 4
    # ONNX count_include_pad=1: divide by the whole window.
    onnx = PoolSpec(kernel_size=2, stride=2, padding="same", mode="avg", count_include_pad=True)
    out = pool_forward(X25, onnx).output
    assert out[0, 2] == (4 + 9) / 4 and out[2, 2] == 24 / 4
    # Backward (TF average): the corner cell is alone in its window.
    g = np.ones((3, 3))
    grad = pool_backward(X25, g, tf)
    assert grad[4, 4] == 1 and grad[0, 4] == 0.5 and grad[0, 0] == 0.25


def test_same_lower_5x5_k2_s2_extra_row_and_column_before():
    spec = PoolSpec(kernel_size=2, stride=2, padding="same_lower")
    assert spec.pads((5, 5)) == ((1, 0), (1, 0))
    fwd = pool_forward(X25, spec)
    # Window (0, 0) holds padding and x[0, 0] only; the windows then start at 1 and 3.
    np.testing.assert_array_equal(fwd.output, [[0, 2, 4], [10, 12, 14], [20, 22, 24]])
    assert window_rect(spec, 0, 0, (5, 5)) == (-1, -1, 0, 0)
    assert fwd.sizes[1].pad_formula.endswith("→ 1 before, 0 after")


def test_same_odd_total_and_stride_one():
    """k = 3, s = 1 on n = 4: out 4, total 2 → 1 before, 1 after (same as same_lower);
    k = 4, s = 1: total 3 → same (1, 2), same_lower (2, 1)."""
    assert PoolSpec(3, stride=1, padding="same").pads((4, 4)) == ((1, 1), (1, 1))
    assert PoolSpec(4, stride=1, padding="same").pads((4, 7)) == ((1, 2), (1, 2))
    assert PoolSpec(4, stride=1, padding="same_lower").pads((4, 7)) == ((2, 1), (2, 1))
    # Dilation counts the window's span: k 2, d 3 spans 4 cells.
    assert PoolSpec(2, stride=1, dilation=3, padding="same").pads((5, 5)) == ((1, 2), (1, 2))
    # A window smaller than the stride: the total is clamped at 0 (no negative padding).
    assert PoolSpec(1, stride=3, padding="same").pads((9, 9)) == ((0, 0), (0, 0))


def test_per_side_padding_hand_worked():
    """((top, bottom), (left, right)) = ((0, 1), (1, 0)), kernel 2, stride 2 on 3 x 4
    (x = 0..11 row-major): rows ⌊(3 + 0 + 1 − 2) / 2⌋ + 1 = 2 windows, rows 0-1 and 2-pad;
    columns ⌊(4 + 1 + 0 − 2) / 2⌋ + 1 = 2 windows, columns pad-0 and 1-2."""
    x = np.arange(12.0).reshape(3, 4)
    spec = PoolSpec(2, padding=((0, 1), (1, 0)))
    fwd = pool_forward(x, spec)
    np.testing.assert_array_equal(fwd.output, [[4, 6], [8, 10]])
    assert fwd.sizes[1].formula == "⌊(4 + 1 + 0 − 1·(2 − 1) − 1) / 2⌋ + 1 = ⌊3 / 2⌋ + 1 = 2"
    avg = PoolSpec(2, padding=((0, 1), (1, 0)), mode="avg", count_include_pad=True)
    np.testing.assert_array_equal(pool_forward(x, avg).output,
                                  [[(0 + 4) / 4, (1 + 2 + 5 + 6) / 4], [8 / 4, (9 + 10) / 4]])


def test_valid_is_no_padding():
    x = np.arange(30.0).reshape(5, 6) % 7
    g = np.arange(6.0).reshape(2, 3)
    a, b = PoolSpec(2, padding="valid"), PoolSpec(2, padding=0)
    assert_exact(pool_forward(x, a).output, pool_forward(x, b).output)
    assert_exact(pool_backward(x, g, a), pool_backward(x, g, b))
    assert a.p == (0, 0) and a.padding_kind == "valid"


def test_spec_stays_frozen_hashable_and_stable():
    s = PoolSpec(2, padding="SAME")
    assert s.padding == "same" and s == PoolSpec(2, padding="same")
    assert hash(s) == hash(PoolSpec(2, padding="same"))
    assert repr(s).startswith("PoolSpec(kernel_size=(2, 2), stride=(2, 2), padding='same',")
    t = PoolSpec(3, padding=[[0, 1], [2, 1]])
    assert t.padding == ((0, 1), (2, 1)) and hash(t) == hash(PoolSpec(3, padding=((0, 1), (2, 1))))
    assert t.padding_kind == "asymmetric" and t.pads() == ((0, 1), (2, 1))
    # The PyTorch forms are unchanged.
    u = PoolSpec(3, padding=1)
    assert u.padding == (1, 1) and u.p == (1, 1) and u.padding_kind == "symmetric"
    assert PoolSpec(3, padding=[1, 0]).padding == (1, 0)
    with pytest.raises(AttributeError):
        s.padding = 0  # type: ignore[misc]


@pytest.mark.parametrize("padding", ["same", "same_lower", ((0, 1), (1, 1))])
def test_p_is_refused_without_a_number_per_axis(padding):
    spec = PoolSpec(3, padding=padding)
    with pytest.raises(PoolingError) as e:
        _ = spec.p
    assert e.value.code == "padding_not_symmetric"


def test_same_needs_the_input_size():
    spec = PoolSpec(3, padding="same")
    with pytest.raises(PoolingError) as e:
        spec.pads()
    assert e.value.code == "padding_needs_input"
    with pytest.raises(PoolingError):
        window_rect(spec, 0, 0)


@pytest.mark.parametrize("padding", [(1, 2, 3), ((1, 2), 3), ((1, 2, 3), (0, 0)), "sam",
                                     1.5, ((1.0, 0), (0, 0)), None, [[1], [2]]])
def test_padding_of_the_wrong_form(padding):
    with pytest.raises(PoolingError) as e:
        PoolSpec(3, padding=padding)
    assert e.value.code == "padding_form"
    assert e.value.params["name"] == "padding" and "same_lower" in str(e.value)


def test_per_side_padding_limits():
    PoolSpec(3, padding=((2, 0), (0, 2)))  # (k − 1)·d = 2 is allowed per side
    with pytest.raises(PoolingError) as e:
        PoolSpec(3, padding=((3, 0), (0, 0)))
    assert e.value.code == "padding_side_too_large" and e.value.params["maximum"] == 2
    with pytest.raises(PoolingError) as e:
        PoolSpec(3, padding=((0, 0), (0, -1)))
    assert e.value.code == "padding_negative"
    assert PoolSpec(2, dilation=3, padding=((3, 3), (0, 0))).pads() == ((3, 3), (0, 0))
    # PyTorch's rule still holds for an int or a pair.
    with pytest.raises(PoolingError) as e:
        PoolSpec(3, padding=2)
    assert e.value.code == "padding_too_large"


# --------------------------------------------------------------------------- loop reference
@st.composite
def padded_cases(draw):
    """(x, grad_output, params) with 'same', 'same_lower', 'valid' or per-side padding."""
    mode = draw(st.sampled_from(["max", "avg"]))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    H, W = draw(st.integers(1, 7)), draw(st.integers(1, 7))
    k = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    d = (1, 1) if mode == "avg" else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    form = draw(st.sampled_from(["same", "same_lower", "valid", "side", "SAME"]))
    padding = form if form != "side" else tuple(
        (draw(st.integers(0, (kk - 1) * dd)), draw(st.integers(0, (kk - 1) * dd)))
        for kk, dd in zip(k, d, strict=True))
    params = {"kernel_size": k, "stride": (draw(st.integers(1, 4)), draw(st.integers(1, 4))),
              "padding": padding, "dilation": d, "ceil_mode": draw(st.booleans()), "mode": mode,
              "ties": draw(st.sampled_from(TIE_POLICIES))}
    if mode == "avg":
        params["count_include_pad"] = draw(st.booleans())
        params["divisor_override"] = draw(st.one_of(st.none(), st.integers(1, 5)))
    if spec_problem((H, W), **params) is not None:
        # Always valid: without dilation every 'same' window holds a real cell.
        params.update(padding="same", dilation=(1, 1))
    shape = draw(st.sampled_from([(), (2,), (1, 2)])) + (H, W)
    elements = st.one_of(st.integers(-3, 3).map(float),
                         st.sampled_from([np.nan, np.inf, -np.inf, -0.0]),
                         st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64))
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    out = shape[:-2] + ref_out_hw((H, W), loop_spec(**params))
    g = draw(hnp.arrays(dtype, out, elements=st.integers(-8, 8).map(lambda v: v / 4)))
    return x, g, params


@FAST
@given(padded_cases())
def test_padding_forms_equal_the_loop_reference(case):
    x, g, params = case
    spec = PoolSpec(**params)
    H, W = x.shape[-2:]
    assert spec.pads((H, W)) == ref_pads((H, W), loop_spec(**params))
    out, idx = loop_pool_forward(x, **params)
    fwd = pool_forward(x, spec)
    assert_exact(fwd.output, out, "output")
    if idx is not None:
        assert_exact(fwd.indices, idx, "indices")
    grad = loop_pool_backward(x, g, **params)
    assert_exact(pool_backward(x, g, spec), grad, "grad_input")
    if x.ndim == 2:
        steps = scatter_steps(x, g, spec)
        assert_exact(steps.accumulated(len(steps) - 1), grad, "steps")
        ref = loop_scatter_steps(x, g, **params)
        assert [s.window for s in steps] == [r.window for r in ref]
        assert [tuple(c for c, _ in s.receivers) for s in steps] == [
            tuple(c for c, _ in r.receivers) for r in ref]
        counts = np.zeros((H, W), dtype=np.int64)
        for r in ref:
            for cell, _ in r.receivers:
                counts[cell] += 1
        np.testing.assert_array_equal(win_counts(x, spec), counts)
        np.testing.assert_array_equal(steps.win_counts, counts)


@FAST
@given(st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.booleans())
def test_same_output_is_ceil_n_over_s_with_or_without_ceil_mode(n, k, s, d, lower):
    form = "same_lower" if lower else "same"
    assume(spec_problem((n, 1), kernel_size=(k, 1), stride=(s, 1), dilation=(d, 1),
                        padding=form) is None)  # a dilated window may step over the input
    spec = PoolSpec((k, 1), stride=(s, 1), dilation=(d, 1), ceil_mode=False,
                    padding="same_lower" if lower else "same")
    ceil = PoolSpec((k, 1), stride=(s, 1), dilation=(d, 1), ceil_mode=True,
                    padding="same_lower" if lower else "same")
    expected = -(-n // s)
    assert output_size((n, 1), spec)[0].size == expected == output_size((n, 1), ceil)[0].size


def test_gradient_check_with_same_padding():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((5, 7))
    for mode in ("max", "avg"):
        spec = PoolSpec(3, stride=2, padding="same", mode=mode, count_include_pad=False)
        g = rng.standard_normal(tuple(a.size for a in output_size(x.shape, spec)))
        assert gradient_check(x, g, spec).ok
