"""`pool_backward(..., indices=...)`: the backward reads the forward's indices (issue #19).

Bit for bit against PyTorch's autograd (which saves max_pool2d's indices and scatters through
them) and against the course loop (tests/loop_reference.py), on exact cases: small integers
with many ties, NaN, +-inf, +-0 in x, quarters (and -0.0) in grad_output, so every sum is
exact and only the order of the additions and the zero signs could differ. Also through the
thread pool with one- and two-plane blocks, with indices that are not the winners (used as
given, as PyTorch's max_pool2d_with_indices_backward does), and the refusals: bad dtype,
shape, range, and layers whose receivers the forward's indices are not.
"""

from __future__ import annotations

import numpy as np
import pytest
from exact_compare import assert_exact, nasty
from loop_reference import loop_max_pool_forward_backward

import pooling_core.maxscan as maxscan
import pooling_core.threads as threads_mod
from pooling_core import AdaptiveSpec, PoolingError, PoolSpec, pool_backward, pool_forward

CASES = [
    # (shape, kernel, stride, padding, dilation, ceil_mode): PyTorch accepts each
    ((2, 3, 12, 11), 3, 2, 1, 1, False),
    ((2, 3, 9, 9), 2, 2, 0, 1, True),
    ((3, 10, 13), 3, 1, 1, 2, False),
    ((2, 8, 8), 4, 3, 2, 1, True),
    ((7, 6), 2, 1, 0, 1, False),
    ((1, 4, 9, 7), (3, 2), (1, 2), (1, 0), (2, 1), True),
]


def quarters(shape: tuple[int, ...], dtype: type, seed: int) -> np.ndarray:
    """grad_output of quarters in -1..1 (sums of a few are exact), some of them -0.0."""
    rng = np.random.default_rng(seed)
    g = (rng.integers(-4, 5, size=shape) / 4).astype(dtype)
    g[g == 0] = np.where(rng.random(int((g == 0).sum())) < 0.5, -0.0, 0.0)
    return g


def spec_of(case: tuple, ties: str = "first") -> PoolSpec:
    _, k, s, p, d, ceil = case
    return PoolSpec(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil,
                    mode="max", ties=ties)


@pytest.fixture
def force_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every input goes through the pool, in blocks of one or two planes."""
    monkeypatch.setattr(threads_mod, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(maxscan, "_BLOCK_BYTES", 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}k{c[1]}s{c[2]}p{c[3]}d{c[4]}")
def test_indices_backward_equals_torch_autograd(case, dtype):
    torch = pytest.importorskip("torch")
    x = nasty(case[0], dtype, seed=sum(case[0]), span=2, special_rate=0.1)
    spec = spec_of(case)
    fwd = pool_forward(x, spec)
    gout = quarters(fwd.output.shape, dtype, seed=3)
    grad = pool_backward(x, gout, spec, indices=fwd.indices)

    _, k, s, p, d, ceil = case
    lift = (None,) if x.ndim == 2 else ()  # torch pools (C, H, W) or (N, C, H, W)
    xt = torch.from_numpy(x[lift].copy()).requires_grad_(True)
    y, idx = torch.nn.functional.max_pool2d(xt, k, s, p, d, ceil_mode=ceil, return_indices=True)
    y.backward(torch.from_numpy(gout[lift]))
    assert np.array_equal(fwd.indices[lift], idx.numpy()), "forward indices vs torch"
    assert_exact(grad[lift], xt.grad.numpy(), "grad_input from indices vs torch autograd")
    assert not np.signbit(grad[grad == 0]).any(), "a -0.0 in dL/dx (torch never has one)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}k{c[1]}s{c[2]}p{c[3]}d{c[4]}")
def test_indices_backward_equals_loop(case, threads, dtype, force_threads):
    x = nasty(case[0], dtype, seed=7 * len(case[0]) + sum(case[0]), span=2, special_rate=0.1)
    spec = spec_of(case)
    fwd = pool_forward(x, spec, threads=threads)
    gout = quarters(fwd.output.shape, dtype, seed=11)
    _, k, s, p, d, ceil = case
    _, idx_ref, grad_ref = loop_max_pool_forward_backward(
        x, gout, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, ties="first"
    )
    assert np.array_equal(fwd.indices, idx_ref)
    grad = pool_backward(x, gout, spec, threads=threads, indices=fwd.indices)
    assert_exact(grad, grad_ref, f"grad_input from indices, {threads} threads, vs loop")


def test_indices_accepts_lists_and_narrow_ints():
    x = np.array([[1.0, 5.0, 2.0], [5.0, 0.0, 7.0], [3.0, 3.0, 3.0]])
    spec = PoolSpec(kernel_size=2, stride=1)
    gout = np.array([[1.0, 2.0], [4.0, 8.0]])
    # By hand: windows' first maxima at (0, 1), (1, 2), (1, 0), (1, 2).
    expected = np.array([[0.0, 1.0, 0.0], [4.0, 0.0, 10.0], [0.0, 0.0, 0.0]])
    for idx in ([[1, 5], [3, 5]], np.array([[1, 5], [3, 5]], dtype=np.uint8)):
        assert_exact(pool_backward(x, gout, spec, indices=idx), expected, "hand-worked")


def test_indices_used_as_given_like_torch():
    """In-range indices that are not winners (even outside their window) are scattered as
    given, in row-major order of the output cells, as torch's backward kernel does."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(5)
    x = rng.integers(-3, 4, size=(2, 3, 8, 8)).astype(np.float32)
    spec = PoolSpec(kernel_size=3, stride=2, padding=1)
    gout = quarters((2, 3, 4, 4), np.float32, seed=2)
    idx = rng.integers(0, 3, size=(2, 3, 4, 4))  # many repeats of cells 0, 1, 2
    grad = pool_backward(x, gout, spec, indices=idx)
    expected = torch.ops.aten.max_pool2d_with_indices_backward(
        torch.from_numpy(gout), torch.from_numpy(x), [3, 3], [2, 2], [1, 1], [1, 1], False,
        torch.from_numpy(idx),
    )
    assert_exact(grad, expected.numpy(), "grad_input from arbitrary indices vs torch")


@pytest.mark.parametrize(
    ("bad", "code", "words"),
    [
        (np.zeros((2, 3, 4, 4)), "backward_indices_not_int", "whole numbers"),
        (np.zeros((2, 3, 4, 5), dtype=np.int64), "backward_indices_shape", "(2, 3, 4, 4)"),
        (np.zeros((6, 4, 4), dtype=np.int64), "backward_indices_shape", "output's shape"),
        ("abc", "backward_indices_not_int", "indices"),
    ],
)
def test_bad_indices_dtype_and_shape(bad, code, words):
    x = np.zeros((2, 3, 8, 8), dtype=np.float32)
    spec = PoolSpec(kernel_size=3, stride=2, padding=1)
    with pytest.raises(PoolingError) as err:
        pool_backward(x, np.ones((2, 3, 4, 4)), spec, indices=bad)
    assert err.value.code == code
    assert words in str(err.value)


@pytest.mark.parametrize(("value", "cell"), [(-1, (1, 2, 3, 0)), (64, (0, 0, 0, 1))])
def test_index_out_of_range_names_the_cell(value, cell):
    x = np.zeros((2, 3, 8, 8), dtype=np.float32)
    spec = PoolSpec(kernel_size=3, stride=2, padding=1)
    idx = pool_forward(x, spec).indices.copy()
    idx[cell] = value
    with pytest.raises(PoolingError) as err:
        pool_backward(x, np.ones((2, 3, 4, 4)), spec, indices=idx)
    assert err.value.code == "backward_index_out_of_range"
    assert err.value.params["cell"] == str(cell)
    assert f"indices{list(cell)} = {value} is outside its input plane of 64 cells (0 to 63)" \
        in str(err.value)


@pytest.mark.parametrize(
    "spec",
    [
        PoolSpec(kernel_size=2, ties="last"),
        PoolSpec(kernel_size=2, ties="split"),
        PoolSpec(kernel_size=2, ties="all"),
        PoolSpec(kernel_size=2, mode="avg"),
        AdaptiveSpec(output_size=2),
    ],
    ids=["last", "split", "all", "avg", "adaptive"],
)
def test_indices_refused_where_they_are_not_the_receivers(spec):
    x = np.arange(16.0).reshape(4, 4)
    with pytest.raises(PoolingError) as err:
        pool_backward(x, np.ones((2, 2)), spec, indices=np.zeros((2, 2), dtype=np.int64))
    assert err.value.code == "backward_indices_policy"
    assert "ties='first'" in str(err.value) and "leave indices out" in str(err.value)


# --------------------------------------------------------------------------- the scan's layout
LAYOUT_CASES = [
    # (H, W, kernel, stride, padding, dilation, ceil_mode): padding on both sides, ceil_mode
    # overhang, dilation, strides larger than the kernel, a kernel as wide as the input
    (7, 9, 3, 2, 1, 1, True),
    (8, 8, 2, 3, 1, 1, True),
    (9, 10, 3, 1, 1, 2, False),
    (6, 7, (2, 3), (3, 1), (1, 1), (2, 1), True),
    (5, 5, 5, 1, 2, 1, False),
    (11, 4, (3, 2), (4, 2), (1, 0), (1, 3), True),
]


@pytest.mark.parametrize("ties", ["first", "last"])
@pytest.mark.parametrize("case", LAYOUT_CASES, ids=str)
def test_all_minus_inf_windows_next_to_padding(case, ties):
    """-inf never wins against padding: a window whose real cells are all -inf reports its
    first (ties="first") or last (ties="last") real cell, as the loop does; mixed with
    windows holding a larger value, a NaN, and zeros of both signs."""
    H, W, k, s, p, d, ceil = case
    rng = np.random.default_rng(H * W)
    x = np.full((3, H, W), -np.inf)
    x[1] = rng.integers(-1, 2, size=(H, W))
    x[1][rng.random((H, W)) < 0.4] = -np.inf
    x[2] = rng.choice(np.array([-np.inf, 0.0, -0.0, np.nan]), size=(H, W), p=[0.6, 0.2, 0.15, 0.05])
    spec = PoolSpec(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, ties=ties)
    fwd = pool_forward(x, spec)
    gout = quarters(fwd.output.shape, np.float64, seed=1)
    out_ref, idx_ref, grad_ref = loop_max_pool_forward_backward(
        x, gout, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, ties=ties
    )
    assert_exact(fwd.output, out_ref, "output vs loop")
    assert_exact(pool_backward(x, gout, spec), grad_ref, "grad_input vs loop")
    if ties == "first":
        assert np.array_equal(fwd.indices, idx_ref)
        assert_exact(pool_backward(x, gout, spec, indices=fwd.indices), grad_ref, "from indices")
