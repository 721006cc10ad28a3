"""Threaded max pooling (pooling_core.threads): bit for bit the one-thread result and the loop's.

The plane blocks of a large max pooling run on a thread pool. Each block writes only its own
planes, so the result must not depend on the thread count or the block size: these tests
compare threaded results with `threads=1` exactly (bits, NaN places, zero signs) and with
the course loop (tests/loop_reference.py), on inputs with NaN, +-inf, +-0 and ties, with the
size threshold and block size lowered so that small inputs really go through the pool.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from exact_compare import assert_exact, nasty
from loop_reference import loop_max_pool_forward_backward

import pooling_core.maxscan as maxscan
import pooling_core.threads as threads_mod
from pooling_core import PoolSpec, pool_backward, pool_forward
from pooling_core.threads import ENV_VAR, run_blocks, thread_count, threads_for

CASES = [
    # (shape, kernel, stride, padding, dilation, ceil_mode)
    ((3, 5, 12, 11), 3, 2, 1, 1, False),
    ((2, 7, 9, 9), 2, 2, 0, 1, True),
    ((4, 3, 10, 13), 3, 1, 1, 2, False),
    ((6, 8, 8), 4, 3, 2, 1, True),
]


@pytest.fixture
def force_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every input goes through the pool, in blocks of one or two planes."""
    monkeypatch.setattr(threads_mod, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(maxscan, "_BLOCK_BYTES", 1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("ties", ["first", "last"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: str(c[0]) + f"k{c[1]}s{c[2]}p{c[3]}")
def test_threaded_equals_one_thread_and_loop(case, ties, dtype, force_threads):
    shape, k, s, p, d, ceil = case
    spec = PoolSpec(kernel_size=k, stride=s, padding=p, dilation=d, ceil_mode=ceil,
                    mode="max", ties=ties)
    x = nasty(shape, dtype, seed=len(shape) * 100 + k)
    one = pool_forward(x, spec, threads=1)
    rng = np.random.default_rng(7)
    gout = rng.integers(-4, 5, size=one.output.shape).astype(dtype) / 4  # exact sums
    grad_one = pool_backward(x, gout, spec, threads=1)
    out_ref, idx_ref, grad_ref = loop_max_pool_forward_backward(
        x, gout, kernel=k, stride=s, padding=p, dilation=d, ceil_mode=ceil, ties=ties
    )
    for n in (2, 3):
        fwd = pool_forward(x, spec, threads=n)
        grad = pool_backward(x, gout, spec, threads=n)
        assert_exact(fwd.output, one.output, f"output, {n} threads vs 1")
        assert np.array_equal(fwd.indices, one.indices), f"indices, {n} threads vs 1"
        assert_exact(grad, grad_one, f"grad_input, {n} threads vs 1")
        assert_exact(fwd.output, out_ref, f"output, {n} threads vs loop")
        assert_exact(grad, grad_ref, f"grad_input, {n} threads vs loop")
        if ties == "first":
            assert np.array_equal(fwd.indices, idx_ref), f"indices, {n} threads vs loop"


def test_large_input_threaded_bits_equal_one_thread():
    """At the real threshold (no patching), with the real block size: a (4, 32, 64, 64)
    float64 input is 4 MiB."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 32, 64, 64))
    x[0, 0, 5, 5] = np.nan
    x[1, 2, :4, :4] = -0.0
    assert threads_for(x.nbytes, 2) == 2
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, mode="max")
    gout = rng.standard_normal((4, 32, 32, 32))
    fwd2, fwd1 = pool_forward(x, spec, threads=2), pool_forward(x, spec, threads=1)
    assert_exact(fwd2.output, fwd1.output, "output")
    assert np.array_equal(fwd2.indices, fwd1.indices)
    assert_exact(pool_backward(x, gout, spec, threads=2), pool_backward(x, gout, spec, threads=1),
                 "grad_input")


def test_small_inputs_stay_on_the_calling_thread(monkeypatch: pytest.MonkeyPatch):
    """The app's inputs (a few KiB) never reach the thread pool, whatever the thread count."""

    def no_pool(n: int):
        raise AssertionError(f"thread pool of {n} asked for a small input")

    monkeypatch.setattr(threads_mod, "_executor", no_pool)
    x = nasty((2, 3, 32, 32), np.float64, seed=1)
    spec = PoolSpec(kernel_size=3, stride=1, mode="max")
    fwd = pool_forward(x, spec, threads=8)
    pool_backward(x, np.ones_like(fwd.output), spec, threads=8)
    assert threads_for(x.nbytes, 8) == 1


def test_thread_count_argument_env_and_default(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setattr(threads_mod.os, "cpu_count", lambda: 16)
    assert thread_count() == 2  # min(2, cpus)
    monkeypatch.setattr(threads_mod.os, "cpu_count", lambda: 1)
    assert thread_count() == 1
    monkeypatch.setattr(threads_mod.os, "cpu_count", lambda: None)
    assert thread_count() == 1
    monkeypatch.setenv(ENV_VAR, "3")
    assert thread_count() == 3
    assert thread_count(5) == 5  # the argument wins over the environment
    assert thread_count(0) == 1
    assert thread_count(10_000) == threads_mod.MAX_THREADS
    monkeypatch.setenv(ENV_VAR, "many")  # not a whole number: the default
    monkeypatch.setattr(threads_mod.os, "cpu_count", lambda: 4)
    assert thread_count() == 2
    assert threads_for(threads_mod.PARALLEL_MIN_BYTES - 1, 4) == 1
    assert threads_for(threads_mod.PARALLEL_MIN_BYTES, 4) == 4


def test_workers_keep_the_callers_errstate(force_threads):
    """pool_backward's sums overflow without a RuntimeWarning on any thread (its errstate,
    a context variable, reaches the worker threads, which do not inherit it by themselves;
    without it a worker would warn, and the warning filter below would fail the call)."""
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]] * 4)  # 4 planes of 2 x 2: 4 blocks
    spec = PoolSpec(kernel_size=1, stride=1, mode="max")
    gout = np.where(np.arange(16).reshape(4, 2, 2) % 2 == 0, np.inf, -np.inf)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning on any thread raises there
        grad = pool_backward(x, gout, spec, threads=2)
        assert_exact(grad, gout, "kernel 1: dL/dx is dL/dy")
    # overflow in the workers' adds: two windows put 3e38 each into one float32 cell
    x32 = np.array([[[1.0, 5.0, 0.0]]] * 4, dtype=np.float32)
    spec3 = PoolSpec(kernel_size=(1, 2), stride=1, mode="max")
    g32 = np.full((4, 1, 2), 3e38, dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad32 = pool_backward(x32, g32, spec3, threads=2)
    assert np.all(np.isinf(grad32[:, 0, 1]))


def test_run_blocks_runs_every_block_and_reports_a_failure():
    seen = np.zeros(10, dtype=int)

    def work(i: int) -> None:
        seen[i] += 1

    run_blocks(work, range(10), threads=3)
    assert seen.tolist() == [1] * 10

    def fail(i: int) -> None:
        if i == 4:
            raise ValueError("block 4")
        seen[i] += 1

    with pytest.raises(ValueError, match="block 4"):
        run_blocks(fail, range(10), threads=2)
    assert seen.tolist() == [2] * 4 + [1] + [2] * 5  # the others still ran
