"""Work budgets: the largest configurations a link or the sidebar allows stay cheap.

A 32 x 32 input with a 32 x 32 kernel, stride 1, padding 16 and ceil_mode has 1089 windows
of up to 1024 cells. Before the budgets it cost a server 4-12 s and sent the browser 27 MB.
Expected values come from the loop reference (tests/loop_reference.py) or are written out.
"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest
from loop_reference import loop_accumulated, loop_pool_backward

from pooling_core import (
    PoolSpec,
    gradient_check,
    gradient_sum_check,
    numerical_gradient,
    scatter_steps,
)
from pooling_core.gradcheck import CHECK_BUDGET_TAPS, cells_to_test
from ui.compute import ContentCache, nbytes
from ui.format import fmt
from ui.views.player import PAGE_BUDGET_BYTES, block_of, player_page_parts, step_blocks

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")

# Small integers: every sum below is exact in any order, so loop and core agree bit for bit.
RNG = np.random.default_rng(7)
X32 = RNG.integers(-8, 9, size=(32, 32)).astype(np.float64)
WORST = {"kernel_size": 32, "stride": 1, "padding": 16, "ceil_mode": True}
WORST_AVG = PoolSpec(**WORST, mode="avg")  # divisor 1024: amounts k/1024 are exact
WORST_MAX = PoolSpec(**WORST, mode="max", ties="all")


def test_the_worst_link_has_1089_windows_of_up_to_1024_cells():
    steps = scatter_steps(X32, np.ones((33, 33)), WORST_AVG)
    assert steps.output_shape == (33, 33)
    assert steps.window_flat.shape == (1089, 1024)


# ----------------------------------------------------------------- gradient check
def test_small_layers_are_checked_whole():
    x = RNG.permutation(36).reshape(6, 6).astype(np.float64)  # no ties
    chk = gradient_check(x, np.ones((4, 4)), PoolSpec(3, 1))
    assert not chk.sampled and chk.tested is None
    assert chk.checked.all() and chk.ok


def test_a_32x32_kernel_3_stride_1_is_still_checked_whole():
    # 2 * 9 taps * 900 windows per cell * 1024 cells = 16.6 M taps, under the budget.
    x = RNG.permutation(1024).reshape(32, 32).astype(np.float64)
    chk = gradient_check(x, np.ones((30, 30)), PoolSpec(3, 1))
    assert not chk.sampled and chk.checked.all() and chk.ok


def test_the_worst_layer_is_checked_on_a_sample_within_the_budget():
    gy = np.ones((33, 33))
    chk = gradient_check(X32, gy, WORST_AVG)
    assert chk.sampled
    per_cell = 2 * 1024 * 1089
    assert 1 <= chk.tested.sum() <= CHECK_BUDGET_TAPS // per_cell
    # Untested cells are neither compared nor counted as mismatches.
    assert not chk.checked[~chk.tested].any()
    assert not chk.mismatch[~chk.tested].any()
    # Average pooling is linear: every tested cell agrees with the analytic gradient...
    assert chk.ok and chk.checked[chk.tested].all()
    # ... which is the loop reference's dL/dx.
    np.testing.assert_array_equal(chk.analytic, loop_pool_backward(X32, gy, **WORST,
                                                                   mode="avg"))


def test_sampled_cells_get_the_same_central_difference_as_the_full_computation():
    x = RNG.permutation(64).reshape(8, 8).astype(np.float64) / 4
    spec = PoolSpec(3, 2, padding=1, mode="max")
    gy = RNG.integers(1, 5, size=(4, 4)).astype(np.float64)
    full = numerical_gradient(x, gy, spec)
    cells = np.array([0, 9, 27, 63])
    part = numerical_gradient(x, gy, spec, cells=cells)
    np.testing.assert_array_equal(part.ravel()[cells], full.ravel()[cells])
    rest = np.setdiff1d(np.arange(64), cells)
    assert np.isnan(part.ravel()[rest]).all()


def test_cells_to_test_prefers_cells_that_receive_gradient_and_spreads_them():
    analytic = np.zeros((10, 10))
    analytic.ravel()[[3, 17, 42, 58, 77, 91]] = 1.0
    assert cells_to_test(analytic, 100) is None  # the budget covers every cell
    picked = cells_to_test(analytic, 8)
    assert picked.size == 8
    # Three quarters of 8 = 6: every receiving cell, then 2 others from both ends.
    assert set(picked.tolist()) >= {3, 17, 42, 58, 77, 91}
    assert {0, 99} <= set(picked.tolist())
    picked = cells_to_test(analytic, 4)
    assert picked.tolist() == [3, 42, 77, 91] or picked.size == 4 and set(picked) <= {
        0, 3, 17, 42, 58, 77, 91, 99}
    assert (analytic.ravel()[picked] != 0).sum() >= 3


def test_max_all_ties_on_the_worst_link_reports_the_tie_cells_it_tested():
    # The case the issue measured at 6 s: ties="all" on the worst layer.
    # Every window holds row 5 or 26 and column 5 or 26, so its maximum is one of these five
    # cells: a two-way tie at (5,5), (5,6) in 484 windows, and three lone maxima.
    x = -RNG.permutation(1024).reshape(32, 32) / 1024.0 - 1.0
    x[5, 5] = x[5, 6] = 3.0
    x[5, 26], x[26, 5], x[26, 26] = 2.0, 2.5, 1.5
    chk = gradient_check(x, np.ones((33, 33)), WORST_MAX)
    assert chk.sampled
    assert chk.tested[5, 5] and chk.tested[5, 6]  # receivers are tested first
    # "all" gives each tied cell the full upstream sum; a central difference gives half.
    assert chk.mismatch[5, 5] and chk.mismatch[5, 6]


def test_gradient_sum_check_reuses_given_steps():
    gy = np.ones((33, 33))
    steps = scatter_steps(X32, gy, WORST_MAX)
    a = gradient_sum_check(X32, gy, WORST_MAX)
    b = gradient_sum_check(X32, gy, WORST_MAX, steps=steps)
    assert a == b


# ----------------------------------------------------------------- the player's pages
def _pages(steps, budget=PAGE_BUDGET_BYTES):
    starts = step_blocks(steps, budget).tolist()
    return [player_page_parts(steps, start=s, budget=budget) for s in starts]


def test_small_configurations_are_one_page():
    steps = scatter_steps(X32, np.ones((31, 31)), PoolSpec(2, 1))  # 961 steps
    assert step_blocks(steps).tolist() == [0]
    page = player_page_parts(steps, start=500)
    data = json.loads(page.text)
    assert (page.first, page.stop) == (0, 961)
    assert data["k0"] == 0 and data["total"] == 961 and len(data["steps"]) == 961
    assert data["base"] == [] and data["note"] == ""


def test_the_worst_link_is_played_in_pages_of_about_a_megabyte():
    gy = np.ones((33, 33))
    steps = scatter_steps(X32, gy, WORST_AVG)
    pages = _pages(steps)
    sizes = [len(p.text.encode()) for p in pages]
    assert len(pages) > 1
    assert max(sizes) <= 1_300_000, sizes  # was one page of 27 MB
    # The pages cover every step once, in order.
    assert pages[0].first == 0 and pages[-1].stop == 1089
    assert all(a.stop == b.first for a, b in zip(pages, pages[1:], strict=False))
    # block_of finds the page of any step.
    for step in (0, 500, 1088):
        first, stop = block_of(steps, step)
        assert first <= step < stop
        assert any((p.first, p.stop) == (first, stop) for p in pages)


@pytest.mark.parametrize("spec", [WORST_AVG, WORST_MAX], ids=["avg", "max-all"])
def test_a_later_page_starts_from_the_gradient_accumulated_before_it(spec):
    gy = RNG.integers(1, 4, size=(33, 33)).astype(np.float64)
    steps = scatter_steps(X32, gy, spec)
    page = player_page_parts(steps, start=700, budget=200_000)
    assert page.first > 0
    data = json.loads(page.text)
    params = {**WORST, "mode": spec.mode, "ties": spec.ties}
    before = loop_accumulated(X32, gy, page.first - 1, **params)
    got = {f: text for f, text, _, _ in data["base"]}
    expected = {int(f): fmt(v) for f, v in enumerate(before.ravel()) if v != 0}
    assert got == expected
    # The page's last step leaves dL/dx as the loop reference has it after that step.
    last = loop_accumulated(X32, gy, page.stop - 1, **params).ravel()
    shown = dict(got)
    for st in data["steps"]:
        shown.update({f: text for f, text, _, _ in st["u"]})
    assert shown == {f: fmt(v) for f, v in enumerate(last) if v != 0}


def test_each_step_sends_its_window_as_an_origin_not_a_cell_list():
    x = np.arange(36.0).reshape(6, 6)
    steps = scatter_steps(x, np.ones((3, 3)), PoolSpec(2, 2, padding=1, dilation=2))
    data = json.loads(player_page_parts(steps).text)
    assert data["ker"] == [2, 2] and data["dil"] == [2, 2]
    # Window (i, j) starts at (2i - 1, 2j - 1): PyTorch's i * stride - padding; it spans
    # (k - 1) * d + 1 = 3 cells (its span, four numbers: an adaptive bin's size varies).
    assert [s["o"] for s in data["steps"]] == [[2 * i - 1, 2 * j - 1, 2 * i + 1, 2 * j + 1]
                                              for i in range(3) for j in range(3)]


def test_a_lone_maximum_is_not_sent_as_a_tie():
    x = np.array([[1.0, 9.0], [9.0, 2.0]])  # a real two-way tie
    tie = json.loads(player_page_parts(scatter_steps(x, np.ones((1, 1)), PoolSpec(2))).text)
    assert sorted(tie["steps"][0]["t"]) == [1, 2]
    x = np.array([[1.0, 9.0], [3.0, 2.0]])  # one maximum
    lone = json.loads(player_page_parts(scatter_steps(x, np.ones((1, 1)), PoolSpec(2))).text)
    assert lone["steps"][0]["t"] == []


# ----------------------------------------------------------------- the results cache
class Blob:
    def __init__(self, n: int) -> None:
        self.a = np.zeros(n, dtype=np.uint8)


def test_nbytes_counts_arrays_through_objects_and_dataclasses():
    steps = scatter_steps(X32, np.ones((31, 31)), PoolSpec(2, 1))
    assert nbytes(steps) >= steps.window_flat.nbytes + steps.receiver_after.nbytes
    assert nbytes({"a": Blob(1000), "b": [Blob(24)]}) == 1024


def test_cache_is_bounded_by_bytes_and_forgets_the_least_recently_used():
    cache = ContentCache(max_bytes=3000, ttl_s=60, max_concurrent=2)
    for key in "abc":
        cache.put(key, Blob(1000))
    assert len(cache) == 3 and cache.size_bytes == 3000
    cache.get("a")  # "b" is now the least recently used
    cache.put("d", Blob(1000))
    assert cache.get("b") is None
    assert all(cache.get(k) is not None for k in "acd")
    assert cache.size_bytes == 3000
    cache.put("huge", Blob(5000))  # larger than the cache: not kept, nothing evicted for it
    assert cache.get("huge") is None and len(cache) == 3


def test_cache_entries_expire():
    cache = ContentCache(max_bytes=10_000, ttl_s=0.05, max_concurrent=1)
    cache.put("a", Blob(10))
    assert cache.get("a") is not None
    time.sleep(0.1)
    assert cache.get("a") is None and cache.size_bytes == 0


def test_cache_runs_at_most_max_concurrent_computations_and_each_key_once():
    cache = ContentCache(max_bytes=1_000_000, ttl_s=60, max_concurrent=2)
    running, peak, calls = [0], [0], []
    lock = threading.Lock()

    def work(key):
        def compute():
            with lock:
                running[0] += 1
                peak[0] = max(peak[0], running[0])
                calls.append(key)
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return Blob(10)
        return cache.get_or_compute(key, compute)

    threads = [threading.Thread(target=work, args=(k % 4,)) for k in range(12)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert peak[0] <= 2
    assert sorted(set(calls)) == [0, 1, 2, 3]
    assert all(cache.get(k) is not None for k in range(4))
