"""`scatter_steps` (the backward pass one output cell at a time) and the gradient check.

Expected values come from the loop reference (tests/loop_reference.py), which builds the same
steps from the definitions, or from hand-worked examples.
"""

from __future__ import annotations

import numpy as np
import pytest
from exact_compare import assert_exact
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from loop_reference import (
    TIE_POLICIES,
    accumulate,
    axis_taps,
    loop_accumulated,
    loop_pool_backward,
    loop_scatter_steps,
    loop_spec,
    ref_out_hw,
    ref_output_size,
    spec_problem,
    valid_axes,
    window_cells,
)
from pool_strategies import axes_params

from pooling_core import (
    PoolingError,
    PoolSpec,
    gradient_check,
    numerical_gradient,
    pool_backward,
    scatter_steps,
    win_counts,
)

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

COURSE_X = np.array(
    [
        [1, 2, 3, 1, 0, 4],
        [2, 2, 5, 4, 7, 1],
        [0, 6, 9, 6, 3, 2],
        [4, 1, 8, 2, 5, 7],
        [3, 7, 2, 6, 1, 0],
        [5, 0, 4, 3, 8, 6],
    ],
    dtype=np.float64,
)
COURSE_DZ = np.arange(1.0, 17.0).reshape(4, 4) * 0.25  # distinct upstream values


def same_float(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


def check_steps_against_loop(x: np.ndarray, g: np.ndarray, params: dict) -> None:
    """Every attribute of every step, every prefix sum, against the loop reference."""
    spec = PoolSpec(**params)
    steps = scatter_steps(x, g, spec)
    ref = loop_scatter_steps(x, g, **params)
    OH, OW = ref_out_hw(x.shape, loop_spec(**params))
    assert len(steps) == len(ref) == OH * OW
    assert steps.output_shape == (OH, OW) and steps.input_shape == x.shape

    for k, (step, want) in enumerate(zip(steps, ref, strict=True)):
        assert step.index == k
        assert step.out_index == want.out_index == (k // OW, k % OW)
        assert step.window == want.window  # real cells only, row-major tap order
        assert [c for c, _ in step.receivers] == [c for c, _ in want.receivers]
        for (_, amount), (_, want_amount) in zip(step.receivers, want.receivers, strict=True):
            assert same_float(amount, float(want_amount)), (k, amount, want_amount)
        assert same_float(step.upstream, float(g[want.out_index]))
        assert same_float(step.value, float(want.value))
        if params["mode"] == "max":
            assert step.tied == want.tied
            assert step.divisor is None
        else:
            assert step.tied == ()
            assert step.divisor == want.divisor

    # Running dL/dx after each step: the loop reference's accumulation of the first k + 1.
    assert_exact(steps.accumulated(-1), np.zeros(x.shape, dtype=x.dtype), "accumulated(-1)")
    running = list(steps.iter_accumulated())
    assert len(running) == len(ref)
    for k in range(len(ref)):
        want = accumulate(ref, x.shape, x.dtype, upto=k)
        assert_exact(steps.accumulated(k), want, f"accumulated({k})")
        assert_exact(running[k], want, f"iter_accumulated[{k}]")

    # The sum of all receivers is the backward pass.
    backward = pool_backward(x, g, spec)
    assert_exact(steps.accumulated(len(steps) - 1), backward, "accumulated(last)")
    assert_exact(backward, loop_pool_backward(x, g, **params), "pool_backward")

    # contributions / earlier_steps: which steps sent something to each cell.
    hits: dict[tuple[int, int], list[int]] = {}
    for k, want in enumerate(ref):
        for cell, _ in want.receivers:
            hits.setdefault(cell, []).append(k)
    for k in (0, len(ref) // 2, len(ref) - 1):
        counts = np.zeros(x.shape, dtype=np.int64)
        for cell, ks in hits.items():
            counts[cell] = sum(1 for j in ks if j <= k)
        np.testing.assert_array_equal(steps.contributions(k), counts)
        for cell in [(r, c) for r in range(x.shape[0]) for c in range(x.shape[1])]:
            assert steps.earlier_steps(k, cell) == [j for j in hits.get(cell, []) if j < k]


def _wide_axis(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> bool:
    """Some window reads at least two real cells along this axis."""
    return any(sum(0 <= t < n for t in axis_taps(i, k, s, p, d)) >= 2
               for i in range(ref_output_size(n, k, s, p, d, ceil_mode)))


@st.composite
def step_configs(draw, mode: str, wide: bool = False) -> tuple[int, int, dict]:
    """(H, W, params without ties), valid for an (H, W) input by construction (`valid_axes`).

    wide: at least 2 x 1 cells and a kernel of at least two taps (room for a tie).
    """
    lo = 2 if wide else 1
    H, W = draw(st.integers(lo, 6)), draw(st.integers(1, 6))
    ceil_mode = draw(st.booleans())
    d_max = 2 if mode == "max" else 1
    h_axes = valid_axes(H, ceil_mode, 3, 3, d_max)
    w_axes = valid_axes(W, ceil_mode, 3, 3, d_max)
    kh, sh, ph, dh = draw(st.sampled_from(h_axes))
    if wide and not _wide_axis(H, kh, sh, ph, dh, ceil_mode):
        # Some window must read two real cells along one axis (then it holds >= 2 cells).
        w_wide = tuple(a for a in w_axes if _wide_axis(W, *a, ceil_mode))
        if w_wide:
            w_axes = w_wide
        else:  # W == 1: the height has to be the wide axis
            kh, sh, ph, dh = draw(st.sampled_from(
                [a for a in h_axes if _wide_axis(H, *a, ceil_mode)]))
    w = draw(st.sampled_from(w_axes))
    return H, W, axes_params(draw, (H, W), (kh, sh, ph, dh), w, ceil_mode, mode,
                             divisor_max=5)


def _upstream(draw, x: np.ndarray, params: dict) -> np.ndarray:
    return draw(hnp.arrays(x.dtype, ref_out_hw(x.shape, loop_spec(**params)),
                           elements=st.integers(-6, 6).map(lambda v: v / 3)))


@st.composite
def tied_max_cases(draw):
    """(x, g, params) in max mode where some window has a real tie between two cells.

    Values are small integers 0..2 (ties everywhere), sometimes with NaN and +-inf; then one
    window holding two or more real cells is made NaN-free and two of its cells are set to its
    maximum, so that "first", "last", "split" and "all" send its gradient to different cells.
    (Only a kernel whose windows all hold one real cell has no tie to build.)
    """
    H, W, params = draw(step_configs("max", wide=True))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    elements = st.integers(0, 2).map(float)
    if draw(st.integers(0, 3)) == 0:
        elements = st.one_of(elements, st.sampled_from([np.nan, np.inf, -np.inf, -0.0]))
    x = draw(hnp.arrays(dtype, (H, W), elements=elements))
    spec = loop_spec(**params)
    OH, OW = ref_out_hw((H, W), spec)
    wide = [(i, j) for i in range(OH) for j in range(OW)
            if len(window_cells(i, j, (H, W), spec)) >= 2]
    if wide:
        i, j = draw(st.sampled_from(wide))
        cells = window_cells(i, j, (H, W), spec)
        for cell in cells:
            if np.isnan(x[cell]):
                x[cell] = 0.0
        a, b = draw(st.lists(st.sampled_from(cells), min_size=2, max_size=2, unique=True))
        x[a] = x[b] = max(x[cell] for cell in cells)
        event("a window with a real tie")
    else:
        event("no window of two real cells")
    return x, _upstream(draw, x, params), params


@st.composite
def avg_step_cases(draw):
    H, W, params = draw(step_configs("avg"))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    elements = st.one_of(
        st.integers(-2, 2).map(float), st.sampled_from([np.nan, np.inf, -np.inf, -0.0])
    ) if draw(st.booleans()) else st.integers(-2, 2).map(float)
    x = draw(hnp.arrays(dtype, (H, W), elements=elements))
    return x, _upstream(draw, x, params), params


# The plateau (window (0, 0) four 5s, (0, 1) two 3s, (1, 1) four 4s) and the ceil overhang
# (5 x 5, kernel 2, stride 2, ceil_mode: the last window of each axis reads one real cell and
# one cell past the border, which is not padding and not counted in an average's divisor).
PLATEAU = np.array([[5, 5, 1, 2], [5, 5, 3, 3], [0, 1, 4, 4], [2, 0, 4, 4]], dtype=np.float64)
PLATEAU_CASE = (PLATEAU, np.array([[2.0, 3.0], [4.0, 8.0]]),
                dict(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False))
OVERHANG_CASE = ((np.arange(25.0).reshape(5, 5) * 7) % 5, np.arange(9.0).reshape(3, 3) - 4,
                 dict(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=True))


def _with(case, **extra):
    x, g, params = case
    return x, g, {**params, **extra}


@pytest.mark.parametrize("ties", TIE_POLICIES)
@settings(max_examples=50, deadline=None)
@given(case=tied_max_cases())
@example(case=_with(PLATEAU_CASE, mode="max"))
@example(case=_with(OVERHANG_CASE, mode="max"))
def test_scatter_steps_match_loop_reference_max(ties, case):
    x, g, params = case
    check_steps_against_loop(x, g, {**params, "ties": ties})


@settings(max_examples=60, deadline=None)
@given(case=avg_step_cases())
@example(case=_with(PLATEAU_CASE, mode="avg", count_include_pad=True, divisor_override=None))
@example(case=_with(OVERHANG_CASE, mode="avg", count_include_pad=True, divisor_override=None))
@example(case=_with(OVERHANG_CASE, mode="avg", count_include_pad=False, divisor_override=None))
def test_scatter_steps_match_loop_reference_avg(case):
    x, g, params = case
    check_steps_against_loop(x, g, params)


@pytest.mark.parametrize("shape, params", [
    ((1, 1), dict(kernel_size=2)),  # empty output
    ((3, 3), dict(kernel_size=3, stride=1, padding=1, dilation=3)),  # a window of padding only
    ((3, 3), dict(kernel_size=2, stride=0)),
])
def test_scatter_steps_refuses_invalid_configurations(shape, params):
    assert spec_problem(shape, **params) is not None
    with pytest.raises(PoolingError):
        scatter_steps(np.zeros(shape), np.zeros((1, 1)), PoolSpec(**params))


@pytest.mark.parametrize("ties", TIE_POLICIES)
@pytest.mark.parametrize(
    "params",
    [
        dict(kernel_size=3, stride=1),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
        dict(kernel_size=3, stride=2, padding=1, mode="avg", ceil_mode=True),
        dict(kernel_size=2, stride=1, padding=1, mode="avg", count_include_pad=False),
        dict(kernel_size=3, stride=1, mode="avg", divisor_override=4),
    ],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_scatter_steps_fixed_configs(params, ties, dtype):
    x = COURSE_X.astype(dtype)
    x[4, 4] = 9  # one more 9, so some windows tie between two 9s
    OH, OW = ref_out_hw(x.shape, loop_spec(**params))
    g = (np.arange(OH * OW).reshape(OH, OW) * 0.75 - 2).astype(dtype)
    check_steps_against_loop(x, g, {**params, "mode": params.get("mode", "max"), "ties": ties})


def test_window_excludes_padding():
    steps = scatter_steps(np.arange(9.0).reshape(3, 3), np.ones((3, 3)), PoolSpec(3, 1, 1))
    assert steps[0].window == ((0, 0), (0, 1), (1, 0), (1, 1))
    assert steps[4].window == tuple((r, c) for r in range(3) for c in range(3))
    assert steps[8].window == ((1, 1), (1, 2), (2, 1), (2, 2))
    assert steps[0].receivers == (((1, 1), 1.0),)
    assert steps[-1].index == 8  # negative indexing as a sequence
    assert [s.index for s in steps[2:5]] == [2, 3, 4]
    with pytest.raises(IndexError, match=r"step 9 out of range \(0\.\.8\)"):
        steps[9]


def test_course_example_steps():
    """Steps 0 and 1 both send their gradient to (2, 2); at step 1 it already holds dz[0,0]."""
    dz = COURSE_DZ
    steps = scatter_steps(COURSE_X, dz, PoolSpec(kernel_size=3, stride=1))
    assert len(steps) == 16
    s0, s1 = steps[0], steps[1]
    assert s0.out_index == (0, 0) and s1.out_index == (0, 1)
    win0 = [[COURSE_X[r, c] for r, c in s0.window[i : i + 3]] for i in (0, 3, 6)]
    win1 = [[COURSE_X[r, c] for r, c in s1.window[i : i + 3]] for i in (0, 3, 6)]
    assert win0 == [[1, 2, 3], [2, 2, 5], [0, 6, 9]]
    assert win1 == [[2, 3, 1], [2, 5, 4], [6, 9, 6]]
    assert s0.value == s1.value == 9.0
    assert s0.receivers == (((2, 2), dz[0, 0]),)
    assert s1.receivers == (((2, 2), dz[0, 1]),)
    assert s0.tied == s1.tied == ((2, 2),)

    before = steps.accumulated(0)
    assert_exact(before, loop_accumulated(COURSE_X, dz, 0, kernel_size=3, stride=1))
    assert before[2, 2] == dz[0, 0]  # the cell already held dz[0,0] when step 1 ran
    assert steps.earlier_steps(1, (2, 2)) == [0]
    assert steps.contributions(0)[2, 2] == 1
    after = steps.accumulated(1)
    assert after[2, 2] == dz[0, 0] + dz[0, 1]
    assert np.count_nonzero(after) == 1
    assert steps.contributions(1)[2, 2] == 2
    # The running value at the receiving cell, as recorded per receiver.
    assert steps.receiver_before[1] == dz[0, 0]
    assert steps.receiver_after[1] == dz[0, 0] + dz[0, 1]
    assert steps.receiver_hits_before[1] == 1 and steps.receiver_prev_step[1] == 0
    # At the end, (2, 2) holds the upstream values of all nine windows containing it.
    final = steps.accumulated(15)
    assert final[2, 2] == dz[:3, :3].sum()
    assert steps.earlier_steps(15, (2, 2)) == [0, 1, 2, 4, 5, 6, 8, 9, 10]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_plateau_receivers_by_hand(dtype):
    # The plateau, kernel 2, stride 2, dL/dy = [[2, 3], [4, 8]]:
    #   window (0, 0) = [[5, 5], [5, 5]]: a four-way tie at (0,0) (0,1) (1,0) (1,1)
    #   window (0, 1) = [[1, 2], [3, 3]]: a two-way tie of 3s at (1,2) (1,3)
    #   window (1, 0) = [[0, 1], [2, 0]]: 2 alone at (3,0)
    #   window (1, 1) = [[4, 4], [4, 4]]: a four-way tie at (2,2) (2,3) (3,2) (3,3)
    x = PLATEAU.astype(dtype)
    g = np.array([[2.0, 3.0], [4.0, 8.0]], dtype=dtype)
    spec = dict(kernel_size=2, stride=2)
    tied = [((0, 0), (0, 1), (1, 0), (1, 1)), ((1, 2), (1, 3)), ((3, 0),),
            ((2, 2), (2, 3), (3, 2), (3, 3))]
    expected = {
        # the first tied cell in row-major order takes the whole dL/dy
        "first": [(((0, 0), 2.0),), (((1, 2), 3.0),), (((3, 0), 4.0),), (((2, 2), 8.0),)],
        # the last tied cell in row-major order takes it
        "last": [(((1, 1), 2.0),), (((1, 3), 3.0),), (((3, 0), 4.0),), (((3, 3), 8.0),)],
        # each of n tied cells gets dL/dy / n: 2/4 = 0.5, 3/2 = 1.5, 4/1 = 4, 8/4 = 2
        "split": [tuple((c, 0.5) for c in tied[0]), tuple((c, 1.5) for c in tied[1]),
                  (((3, 0), 4.0),), tuple((c, 2.0) for c in tied[3])],
    }
    for ties, receivers in expected.items():
        steps = scatter_steps(x, g, PoolSpec(**spec, ties=ties))
        assert [s.receivers for s in steps] == receivers, ties
        assert [s.tied for s in steps] == tied
        assert [s.value for s in steps] == [5, 3, 2, 4]
    # The running dL/dx under "last" after step 1: (1,1) holds 2, (1,3) holds 3.
    last = scatter_steps(x, g, PoolSpec(**spec, ties="last"))
    after1 = np.zeros((4, 4), dtype=dtype)
    after1[1, 1], after1[1, 3] = 2, 3
    assert_exact(last.accumulated(1), after1)
    # Under "split" the sum over the plateau (0..1, 0..1) is 4 * 0.5 = dL/dy[0, 0] = 2.
    split = scatter_steps(x, g, PoolSpec(**spec, ties="split")).accumulated(3)
    assert split[:2, :2].tolist() == [[0.5, 0.5], [0.5, 0.5]] and split[:2, :2].sum() == 2
    assert split[1, 2] == split[1, 3] == 1.5


def test_three_way_split_receivers_by_hand():
    # One window [[7, 7], [7, 1]] with dL/dy = 6: a three-way tie, 6 / 3 = 2 each.
    steps = scatter_steps(np.array([[7.0, 7.0], [7.0, 1.0]]), np.array([[6.0]]),
                          PoolSpec(2, ties="split"))
    assert steps[0].receivers == (((0, 0), 2.0), ((0, 1), 2.0), ((1, 0), 2.0))
    last = scatter_steps(np.array([[7.0, 7.0], [7.0, 1.0]]), np.array([[6.0]]),
                         PoolSpec(2, ties="last"))
    assert last[0].receivers == (((1, 0), 6.0),)  # the last 7 in row-major order


@pytest.mark.parametrize("ties", TIE_POLICIES)
def test_receiver_running_values_match_loop(ties):
    x = COURSE_X.copy()
    x[4, 4] = 9
    params = dict(kernel_size=3, stride=1, padding=1, ties=ties)
    steps = scatter_steps(x, np.arange(36.0).reshape(6, 6) / 8, PoolSpec(**params))
    ref = loop_scatter_steps(x, np.arange(36.0).reshape(6, 6) / 8, **params)
    running = np.zeros(x.shape)
    m = 0
    for k, step in enumerate(ref):
        for cell, amount in step.receivers:
            assert steps.receiver_step[m] == k
            assert steps.receiver_flat[m] == cell[0] * 6 + cell[1]
            assert steps.receiver_before[m] == running[cell]
            running[cell] += amount
            assert steps.receiver_after[m] == running[cell]
            m += 1
    assert m == len(steps.receiver_flat)


@pytest.mark.parametrize("ties", TIE_POLICIES)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_win_counts_match_loop(ties, mode):
    x = COURSE_X.copy()
    x[4, 4] = 9
    params = dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, mode=mode, ties=ties)
    ref = loop_scatter_steps(x, np.ones((4, 4)), **params)  # ceil(5 / 2) + 1 = 4 windows
    counts = np.zeros(x.shape, dtype=np.int64)
    for step in ref:
        for cell, _ in step.receivers:
            counts[cell] += 1
    got = win_counts(x, PoolSpec(**params))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, counts)


# --------------------------------------------------------------------------- gradient check
def tie_free(shape: tuple[int, ...], seed: int) -> np.ndarray:
    """Distinct values 0.5 apart (>> eps = 1e-6), shuffled."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.5 - n / 4).reshape(shape)


GRADCHECK_PARAMS = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), dilation=(2, 1)),
    dict(kernel_size=3, stride=2, padding=1, mode="avg", ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=False),
    dict(kernel_size=2, stride=1, mode="avg", divisor_override=3),
]


@pytest.mark.parametrize("params", GRADCHECK_PARAMS)
@pytest.mark.parametrize("shape", [(7, 6), (2, 5, 5), (2, 2, 4, 5)])
def test_gradient_check_agrees_without_ties(params, shape):
    x = tie_free(shape, seed=len(shape))
    OH, OW = ref_out_hw(shape[-2:], loop_spec(**params))
    g = np.random.default_rng(7).standard_normal(shape[:-2] + (OH, OW))
    expected = loop_pool_backward(x, g, **params)
    numerical = numerical_gradient(x, g, PoolSpec(**params))
    assert numerical.shape == x.shape and numerical.dtype == np.float64
    np.testing.assert_allclose(numerical, expected, rtol=0, atol=1e-6)
    for ties in TIE_POLICIES:  # without ties every policy is the same derivative
        result = gradient_check(x, g, PoolSpec(**params, ties=ties))
        assert result.ok, result.mismatch_cells
        assert result.checked.all()
        assert result.mismatch_cells == []
        assert result.max_abs_diff < 1e-6
        assert_exact(result.analytic, expected)


def test_gradient_check_float32_input():
    x = tie_free((6, 6), seed=3).astype(np.float32)
    g = np.ones((3, 3))
    result = gradient_check(x, g, PoolSpec(2))
    assert result.ok
    np.testing.assert_array_equal(result.analytic, loop_pool_backward(x, g, kernel_size=2))


def test_two_way_tie_central_difference_gives_half():
    # Window (0, 0) ties two 5s; upstream 4. Raising a tied cell makes it win alone (slope 1),
    # lowering it hands the window to the other (slope 0): the central difference is 1/2.
    x = np.array([[5.0, 5.0, 0.0, 1.0], [1.0, 2.0, 3.0, 2.5]])
    g = np.array([[4.0, 10.0]])
    numerical = numerical_gradient(x, g, PoolSpec(2))
    np.testing.assert_allclose(numerical, [[2, 2, 0, 0], [0, 0, 10, 0]], atol=1e-6)

    first = gradient_check(x, g, PoolSpec(2, ties="first"))
    assert not first.ok
    assert first.mismatch_cells == [(0, 0), (0, 1)]  # exactly the tied cells
    np.testing.assert_array_equal(first.analytic, [[4, 0, 0, 0], [0, 0, 10, 0]])
    assert abs(first.max_abs_diff - 2.0) < 1e-6
    last = gradient_check(x, g, PoolSpec(2, ties="last"))
    assert last.mismatch_cells == [(0, 0), (0, 1)]
    split = gradient_check(x, g, PoolSpec(2, ties="split"))
    assert split.ok  # a two-way split is exactly the central difference
    np.testing.assert_array_equal(split.analytic, [[2, 2, 0, 0], [0, 0, 10, 0]])
    every = gradient_check(x, g, PoolSpec(2, ties="all"))
    assert every.mismatch_cells == [(0, 0), (0, 1)]


def test_three_way_tie_central_difference_also_gives_half():
    x = np.array([[7.0, 7.0], [7.0, 1.0]])
    g = np.array([[6.0]])
    numerical = numerical_gradient(x, g, PoolSpec(2))
    np.testing.assert_allclose(numerical, [[3, 3], [3, 0]], atol=1e-6)  # 1/2 each, not 1/3
    for ties, analytic in [
        ("first", [[6, 0], [0, 0]]),
        ("last", [[0, 0], [6, 0]]),
        ("split", [[2, 2], [2, 0]]),
        ("all", [[6, 6], [6, 0]]),
    ]:
        result = gradient_check(x, g, PoolSpec(2, ties=ties))
        np.testing.assert_array_equal(result.analytic, analytic)
        assert not result.ok
        assert result.mismatch_cells == [(0, 0), (0, 1), (1, 0)]


def test_mismatch_cells_at_ties_in_the_course_example():
    # The course example has ties in windows (1, 3) [(1,4), (3,5)] and (3, 2) [(3,2), (5,4)].
    # Under "first", the central difference differs exactly at the tied cells of a window
    # whose tie it resolves: (1,4) and (3,5) for window (1,3), (3,2) and (5,4) for (3,2).
    dz = np.arange(1.0, 17.0).reshape(4, 4)
    result = gradient_check(COURSE_X, dz, PoolSpec(3, stride=1, ties="first"))
    assert not result.ok
    assert result.mismatch_cells == [(1, 4), (3, 2), (3, 5), (5, 4)]
    np.testing.assert_allclose(result.numerical[1, 4], 4 + 8 / 2, atol=1e-5)
    np.testing.assert_allclose(result.numerical[5, 4], 16 + 15 / 2, atol=1e-5)


def test_gradient_check_skips_non_finite_cells():
    x = np.array([[-np.inf, 1.0, 2.0, 0.5], [3.0, 0.0, -np.inf, 4.0]])
    result = gradient_check(x, np.array([[1.0, 1.0]]), PoolSpec(2))
    assert not result.checked[0, 0] and not result.checked[1, 2]
    assert result.checked.sum() == 6
    assert result.ok


# --------------------------------------------------------------------------- fixed bugs
# Regression test for a pooling_core bug found while writing the suite (now fixed).
@pytest.mark.parametrize("scale", [1e5, 1e8])
def test_gradient_check_agrees_on_large_tie_free_values(scale):
    """Tie-free values 1*scale .. 36*scale (gaps of `scale`, far larger than eps): every
    derivative is 0 or 1, so the check must pass. It used to report mismatches, when
    numerical_gradient differenced the whole loss sum(g * out) with an absolute eps of 1e-6:
    the rounding error of |L| ~ 1e7 is already ~1e-3 / (2 eps)."""
    rng = np.random.default_rng(0)
    x = (rng.permutation(36).reshape(6, 6) + 1) * scale
    g = np.ones((3, 3))
    expected = loop_pool_backward(x, g, kernel_size=2)
    result = gradient_check(x, g, PoolSpec(2))
    assert_exact(result.analytic, expected)
    assert result.ok, (result.max_abs_diff, result.mismatch_cells)


def test_overflowed_average_window_is_unmeasurable_not_zero() -> None:
    """Window (0,0) sums two 1e308s past the float range: its output is inf before and after
    any nudge, so its four cells cannot be measured (NaN, not checked); the other windows'
    cells get 1/4 of dL/dy = 1 each, by hand."""
    import warnings

    x = np.ones((4, 4))
    x[0, 0] = x[0, 1] = 1e308
    spec = PoolSpec(kernel_size=2, mode="avg")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning escapes pooling_core
        num = numerical_gradient(x, np.ones((2, 2)), spec)
        chk = gradient_check(x, np.ones((2, 2)), spec)
    expected = np.full((4, 4), 0.25)
    expected[:2, :2] = np.nan
    np.testing.assert_allclose(num, expected, rtol=1e-6)
    assert not chk.checked[:2, :2].any() and chk.checked[2:, :].all() and not chk.mismatch.any()
