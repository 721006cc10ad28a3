"""Adaptive/global pooling and max unpooling (issue 16): bin layouts worked out by hand, the
loop reference (hypothesis, every mode and tie policy, bit for bit), the steps, and the
errors. The PyTorch fixtures are in test_frameworks_issue16.py."""

from __future__ import annotations

import numpy as np
import pytest
from exact_compare import assert_exact
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from loop_reference import (
    TIE_POLICIES,
    adaptive_plane_steps,
    loop_adaptive_pool,
    loop_max_unpool,
    loop_max_unpool_backward,
    ref_bins,
    ref_unpool_size,
)

from pooling_core import (
    AdaptiveSpec,
    PoolingError,
    PoolSpec,
    gradient_check,
    gradient_sum_check,
    last_window_end,
    max_unpool,
    max_unpool_backward,
    output_size,
    pool_backward,
    pool_forward,
    scatter_steps,
    unpool_output_size,
    unpool_steps,
    win_counts,
    window_rect,
    window_taps,
)

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TIES3 = np.array([[5, 5, 1], [5, 9, 9], [0, 9, 2]], dtype=np.float64)


# --------------------------------------------------------------------------- bins by hand
def test_3x3_to_2x2_bin_layout_written_out():
    """H = 3, oh = 2: bin 0 = rows ⌊0·3/2⌋ = 0 to ⌈1·3/2⌉ = 2 (exclusive), bin 1 = rows
    ⌊1·3/2⌋ = 1 to ⌈2·3/2⌉ = 3: rows {0, 1} and {1, 2}, overlapping in row 1; the same for
    the columns. Every bin is 2 x 2 and all four hold the centre."""
    spec = AdaptiveSpec(2)
    a, b = output_size((3, 3), spec)
    assert (a.starts, a.ends, a.lengths) == ((0, 1), (2, 3), (2, 2)) and b == a
    assert a.formula == "bin i: ⌊i·3 / 2⌋ … ⌈(i + 1)·3 / 2⌉ − 1 → [0, 1], [1, 2]"
    assert [window_rect(spec, i, j, (3, 3)) for i in range(2) for j in range(2)] == [
        (0, 0, 1, 1), (0, 1, 1, 2), (1, 0, 2, 1), (1, 1, 2, 2)]
    assert window_taps(spec, 1, 0, (3, 3)) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    fwd = pool_forward(TIES3, spec)
    np.testing.assert_array_equal(fwd.output, [[9, 9], [9, 9]])
    np.testing.assert_array_equal(fwd.indices, [[4, 4], [4, 4]])  # the first 9: (1, 1)
    g = np.array([[1.0, 2.0], [4.0, 8.0]])
    # first: everything to the centre; split: bin (0, 1) ties (1,1),(1,2): 1 each; bin
    # (1, 0) ties (1,1),(2,1): 2 each; bin (1, 1) ties (1,1),(1,2),(2,1): 8/3 each.
    first = np.zeros((3, 3))
    first[1, 1] = 15
    assert_exact(pool_backward(TIES3, g, spec), first)
    split = pool_backward(TIES3, g, AdaptiveSpec(2, ties="split"))
    np.testing.assert_allclose(split, [[0, 0, 0], [0, 1 + 1 + 2 + 8 / 3, 1 + 8 / 3],
                                       [0, 2 + 8 / 3, 0]], rtol=1e-15)
    last = pool_backward(TIES3, g, AdaptiveSpec(2, ties="last"))
    assert_exact(last, np.array([[0, 0, 0], [0, 1, 2], [0, 4 + 8, 0.0]]))
    np.testing.assert_array_equal(win_counts(TIES3, AdaptiveSpec(2, ties="all")),
                                  [[0, 0, 0], [0, 4, 2], [0, 2, 0]])
    avg = pool_forward(TIES3, AdaptiveSpec(2, mode="avg"))
    np.testing.assert_array_equal(avg.output, [[24 / 4, 24 / 4], [23 / 4, 29 / 4]])
    np.testing.assert_array_equal(avg.divisor, [[4, 4], [4, 4]])


@pytest.mark.parametrize(("n", "o", "bins"), [
    (7, 3, [(0, 3), (2, 5), (4, 7)]),  # torchvision's 7 -> 3: overlapping bins
    (5, 3, [(0, 2), (1, 4), (3, 5)]),  # sizes 2, 3, 2
    (6, 3, [(0, 2), (2, 4), (4, 6)]),  # o divides n: plain pooling with k = s = 2
    (3, 5, [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]),  # more outputs than inputs
    (4, 1, [(0, 4)]),  # global
])
def test_bins_by_hand(n, o, bins):
    a = output_size((n, 1), AdaptiveSpec((o, 1)))[0]
    assert list(zip(a.starts, a.ends, strict=True)) == bins == ref_bins(n, o)


def test_7_to_3_average_and_global_pooling():
    x = np.arange(49.0).reshape(7, 7)
    out = pool_forward(x, AdaptiveSpec(3, mode="avg")).output
    np.testing.assert_array_equal(out, [[8, 10, 12], [22, 24, 26], [36, 38, 40]])
    g = np.ones((3, 3))
    grad = pool_backward(x, g, AdaptiveSpec(3, mode="avg"))
    # Row/column 2 and 4 lie in two bins each: the centre (3, 3) in one, (2, 2) in four.
    # (each bin hands g / 3 / 3, in PyTorch's two divisions: close to 1/9, maybe not equal)
    np.testing.assert_allclose([grad[3, 3], grad[2, 2], grad[2, 3]], [1 / 9, 4 / 9, 2 / 9],
                               rtol=1e-15)
    assert pool_forward(x, AdaptiveSpec(1, mode="avg")).output.tolist() == [[24.0]]
    glob = pool_forward(x[None], AdaptiveSpec(1))
    assert glob.output.shape == (1, 1, 1) and glob.indices.tolist() == [[[48]]]
    assert AdaptiveSpec(1).is_global and not AdaptiveSpec((1, 2)).is_global
    assert [last_window_end(a) for a in output_size((7, 5), AdaptiveSpec(3))] == [7, 5]
    np.testing.assert_allclose(pool_backward(x, [[2.0]], AdaptiveSpec(1, mode="avg")),
                               np.full((7, 7), 2 / 49), rtol=1e-15)


def test_nan_wins_the_last_nan():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 7.0, 2.0]])
    fwd = pool_forward(x, AdaptiveSpec(1))
    assert np.isnan(fwd.output[0, 0]) and fwd.indices[0, 0] == 3
    grad = pool_backward(x, [[1.0]], AdaptiveSpec(1, ties="split"))
    assert_exact(grad, np.array([[0, 0.5, 0], [0.5, 0, 0]]))


def test_adaptive_steps():
    x = np.arange(35.0).reshape(5, 7) % 6
    g = np.arange(1.0, 7.0).reshape(2, 3)
    spec = AdaptiveSpec((2, 3), mode="max", ties="all")
    steps = scatter_steps(x, g, spec)
    ref = adaptive_plane_steps(x, g, (2, 3), "max", "all")
    assert len(steps) == 6 and [s.window for s in steps] == [r.window for r in ref]
    assert [s.tied for s in steps] == [r.tied for r in ref]
    assert_exact(steps.accumulated(5), pool_backward(x, g, spec))
    np.testing.assert_array_equal(steps.win_counts, win_counts(x, spec))
    rects = steps.window_rects
    assert rects[:, [0, 2]].tolist()[:3] == [[0, 2]] * 3  # rows 0..2 (bin ⌊0⌋ .. ⌈2.5⌉ − 1)
    assert [tuple(r) for r in rects[3:, :2]] == [(2, 0), (2, 2), (2, 4)]
    assert steps.sizes[1].starts == (0, 2, 4) and steps.sizes[1].ends == (3, 5, 7)
    avg = scatter_steps(x, g, AdaptiveSpec((2, 3), mode="avg"))
    assert avg[0].divisor == 9 and avg[1].divisor == 9  # bins are 3 x 3
    assert [s.upstream for s in avg] == g.ravel().tolist()
    sums = gradient_sum_check(x, g, AdaptiveSpec((2, 3), mode="avg"))
    assert sums.reason == "equal"


def test_gradient_check_adaptive():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 7, 5))
    for mode in ("max", "avg"):
        spec = AdaptiveSpec((3, 4), mode=mode)
        check = gradient_check(x, rng.standard_normal((2, 3, 4)), spec)
        assert check.ok and check.checked.all()


@pytest.mark.parametrize(("size", "code"), [
    (0, "adaptive_output_size"), ((3, 0), "adaptive_output_size"), (-1, "adaptive_output_size"),
    (1 << 17, "adaptive_output_size"), (2.5, "not_int_pair"), ((1, 2, 3), "not_int_pair"),
    ("7", "not_int_pair"), (True, "not_int_pair")])
def test_adaptive_output_size_errors(size, code):
    with pytest.raises(PoolingError) as e:
        AdaptiveSpec(size)
    assert e.value.code == code and e.value.params["name"] == "output_size"
    if code == "adaptive_output_size":
        assert e.value.params["minimum"] == 1


def test_adaptive_spec_errors_and_hash():
    with pytest.raises(PoolingError) as e:
        AdaptiveSpec(2, mode="median")
    assert e.value.code == "unknown_mode"
    with pytest.raises(PoolingError) as e:
        AdaptiveSpec(2, ties="middle")
    assert e.value.code == "unknown_ties"
    assert AdaptiveSpec([3, 3]) == AdaptiveSpec(3) and hash(AdaptiveSpec(3)) == hash(
        AdaptiveSpec((3, 3)))
    with pytest.raises(PoolingError) as e:
        pool_backward(np.ones((4, 4)), np.ones((3, 3)), AdaptiveSpec(2))
    assert e.value.code == "grad_shape"


# --------------------------------------------------------------------------- loop reference
@st.composite
def adaptive_cases(draw):
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    H, W = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    out = (draw(st.integers(1, 9)), draw(st.integers(1, 9)))
    shape = draw(st.sampled_from([(), (2,), (1, 2)])) + (H, W)
    elements = st.one_of(st.integers(-2, 2).map(float),
                         st.sampled_from([np.nan, np.inf, -np.inf, -0.0, 0.0]),
                         st.floats(-1e3, 1e3, width=32 if dtype == np.float32 else 64))
    x = draw(hnp.arrays(dtype, shape, elements=elements))
    g = draw(hnp.arrays(dtype, shape[:-2] + out, elements=st.integers(-8, 8).map(lambda v: v / 4)))
    return x, g, out, draw(st.sampled_from(["max", "avg"])), draw(st.sampled_from(TIE_POLICIES))


@FAST
@given(adaptive_cases())
def test_adaptive_equals_the_loop_reference(case):
    x, g, out, mode, ties = case
    spec = AdaptiveSpec(out, mode=mode, ties=ties)
    ref_out, ref_idx, ref_grad = loop_adaptive_pool(x, g, out, mode, ties)
    fwd = pool_forward(x, spec)
    assert_exact(fwd.output, ref_out, "output")
    if mode == "max":
        assert_exact(fwd.indices, ref_idx, "indices")
    assert_exact(pool_backward(x, g, spec), ref_grad, "grad_input")
    if x.ndim == 2:
        steps = scatter_steps(x, g, spec)
        ref = adaptive_plane_steps(x, g, out, mode, ties)
        assert [s.window for s in steps] == [r.window for r in ref]
        assert [tuple(c for c, _ in s.receivers) for s in steps] == [
            tuple(c for c, _ in r.receivers) for r in ref]
        assert_exact(steps.accumulated(len(steps) - 1), ref_grad, "steps")
        counts = np.zeros(x.shape, dtype=np.int64)
        for r in ref:
            for cell, _ in r.receivers:
                counts[cell] += 1
        np.testing.assert_array_equal(win_counts(x, spec), counts)


# --------------------------------------------------------------------------- unpooling
def test_unpool_by_hand():
    """A 4 x 4 input, kernel 2: y = the four maxima at their indices; default size
    (2 − 1)·2 − 0 + 2 = 4; an explicit 5 x 5 (inside (4 − 2, 4 + 2)) re-reads each flat
    index r·4 + c in a plane 5 wide."""
    x = np.array([[1, 2, 0, 5], [3, 4, 6, 1], [0, 0, 1, 1], [9, 0, 1, 2]], dtype=np.float64)
    spec = PoolSpec(2)
    fwd = pool_forward(x, spec)
    np.testing.assert_array_equal(fwd.indices, [[5, 6], [12, 15]])
    out = max_unpool(fwd.output, fwd.indices, spec)
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 2], expected[3, 0], expected[3, 3] = 4, 6, 9, 2
    assert_exact(out, expected)
    assert unpool_output_size((2, 2), spec) == (4, 4)
    big = max_unpool(fwd.output, fwd.indices, spec, (5, 5))
    assert big.shape == (5, 5) and big[1, 0] == 4 and big[1, 1] == 6 and big[2, 2] == 9
    assert big[3, 0] == 2 and np.count_nonzero(big) == 4
    g = np.arange(16.0).reshape(4, 4)
    assert_exact(max_unpool_backward(g, fwd.indices), np.array([[5.0, 6.0], [12.0, 15.0]]))


def test_unpool_duplicates_last_write_stays_and_steps():
    """Kernel 3, stride 1 on a plateau: overlapping windows name the same cell."""
    y = np.array([[1.0, 2.0], [3.0, 4.0]])
    idx = np.array([[5, 5], [10, 5]])
    out = max_unpool(y, idx, PoolSpec(3, stride=1))
    assert out.shape == (4, 4) and out[1, 1] == 4 and out[2, 2] == 3
    assert np.count_nonzero(out) == 2
    g = np.arange(16.0).reshape(4, 4)
    steps = unpool_steps(y, idx, PoolSpec(3, stride=1), grad_output=g)
    assert [s.target for s in steps] == [(1, 1), (1, 1), (2, 2), (1, 1)]
    assert [(s.overwrites, s.overwritten_by) for s in steps] == [(-1, 1), (0, 3), (-1, -1),
                                                                 (1, -1)]
    assert [s.gradient for s in steps] == [5.0, 5.0, 10.0, 5.0]  # the gather, overwritten too
    assert_exact(steps.grad_input, np.array([[5.0, 5.0], [10.0, 5.0]]))
    assert steps.accumulated(0)[1, 1] == 1 and steps.accumulated(1)[1, 1] == 2
    assert_exact(steps.accumulated(3), out)
    assert steps.accumulated(-1).sum() == 0
    # Indexed as a list (the one rule of ScatterSteps and UnpoolSteps: steps.StepSequence).
    assert steps[-1].index == 3 and [s.source for s in steps[1:3]] == [(0, 1), (1, 0)]
    assert [s.index for s in steps[::-2]] == [3, 1]
    with pytest.raises(IndexError, match=r"step 4 out of range \(0\.\.3\)"):
        steps[4]
    with pytest.raises(IndexError, match=r"step -5 out of range"):
        steps[-5]


def test_unpool_errors():
    y = np.ones((2, 2))
    spec = PoolSpec(2)
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[0, 1], [2, 16]], spec)
    assert e.value.code == "unpool_index_out_of_range"
    assert e.value.params["value"] == 16 and e.value.params["maximum"] == 15
    assert "16" in str(e.value) and "[1, 1]" in str(e.value)
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[0, 1, 2]], spec)
    assert e.value.code == "unpool_indices_shape"
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[0.0, 1.0], [2.0, 3.0]], spec)
    assert e.value.code == "unpool_indices_not_int"
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[-1, 1], [2, 3]], spec)
    assert e.value.code == "unpool_index_out_of_range"
    # PyTorch's range: default − s < size < default + s, i.e. 3..5 for 4 with stride 2.
    for size in (2, 6, 0):
        with pytest.raises(PoolingError) as e:
            max_unpool(y, [[0, 1], [2, 3]], spec, (size, 4))
        assert e.value.code == "unpool_size_range"
    assert max_unpool(y, [[0, 1], [2, 3]], spec, 3).shape == (3, 3)
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[0, 1], [2, 3]], PoolSpec(2, padding="same"))
    assert e.value.code == "unpool_needs_size"
    with pytest.raises(PoolingError) as e:
        max_unpool(y, [[0, 1], [2, 3]], None)
    assert e.value.code == "unpool_needs_size"
    assert max_unpool(y, [[0, 1], [2, 3]], None, (2, 2)).tolist() == [[1, 1], [1, 1]]
    with pytest.raises(PoolingError) as e:
        max_unpool_backward(np.ones((4, 4)), np.zeros((1, 2, 2), dtype=int))
    assert e.value.code == "unpool_indices_shape"


@st.composite
def unpool_cases(draw):
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    p = tuple(draw(st.integers(0, kk // 2)) for kk in k)
    H, W = (kk + draw(st.integers(0, 5)) for kk in k)
    shape = draw(st.sampled_from([(), (2,), (1, 2)])) + (H, W)
    x = draw(hnp.arrays(np.float64, shape, elements=st.integers(-3, 3).map(float)))
    return x, PoolSpec(k, stride=s, padding=p)


@FAST
@given(unpool_cases(), st.booleans())
def test_unpool_equals_the_loop_reference(case, explicit):
    x, spec = case
    fwd = pool_forward(x, spec)
    size = x.shape[-2:] if explicit else ref_unpool_size(fwd.output.shape[-2:], spec.k, spec.s,
                                                         spec.p)
    if not explicit and fwd.indices.max() >= size[0] * size[1]:
        with pytest.raises(PoolingError):
            max_unpool(fwd.output, fwd.indices, spec)
        return
    out = max_unpool(fwd.output, fwd.indices, spec, size if explicit else None)
    assert_exact(out, loop_max_unpool(fwd.output, fwd.indices, size))
    g = np.arange(float(out.size)).reshape(out.shape)
    assert_exact(max_unpool_backward(g, fwd.indices), loop_max_unpool_backward(g, fwd.indices))
