"""pooling_core.predict: marking one predicted step, checked against hand-worked cases."""

from __future__ import annotations

import numpy as np
import pytest

from pooling_core import AdaptiveSpec, PoolingError, PoolSpec, scatter_steps
from pooling_core.predict import RULES, VERDICTS, mark_prediction, mistakes_by_rule

NAN = float("nan")
# The Explorer's default example (ui.widgets.grid PRESETS["overlap_6x6"]), written out here.
X6 = np.array([[1, 2, 3, 1, 0, 2], [2, 2, 5, 4, 1, 3], [0, 6, 9, 6, 2, 1],
               [3, 1, 4, 8, 7, 0], [5, 2, 0, 3, 6, 4], [1, 7, 2, 5, 1, 3]], dtype=float)


def marks(m) -> dict:
    """{(r, c): (verdict, rule)} of a PredictionMark."""
    return {tuple(int(v) for v in rc): (str(vd), str(r))
            for rc, vd, r in zip(m.cells, m.verdict, m.rule, strict=True)}


@pytest.fixture(scope="module")
def overlap():
    return scatter_steps(X6, np.ones((4, 4)), PoolSpec(kernel_size=3, stride=1))


def test_default_example_first_steps(overlap):
    # Windows 0, 1, 2 (rows 0-2, columns 0-2, 1-3, 2-4) all have their 9 at (2, 2).
    m0 = mark_prediction(overlap, 0, [(2, 2)], [1.0])
    assert m0.correct and marks(m0) == {(2, 2): ("right", "argmax")} and m0.mistakes == []
    # Step 1 sends 1 more to (2, 2): typing the running total 2 is the overlap mistake.
    m1 = mark_prediction(overlap, 1, [(2, 2)], [2.0])
    assert not m1.correct and marks(m1) == {(2, 2): ("amount", "overlap")}
    assert m1.before.tolist() == [1.0] and m1.expected.tolist() == [1.0]
    assert m1.mistakes == ["overlap"]
    # Step 2: the 5 at (1, 2) is not the maximum.
    m2 = mark_prediction(overlap, 2, [(1, 2)], [1.0])
    assert marks(m2) == {(1, 2): ("extra", "argmax"), (2, 2): ("missed", "argmax")}
    assert m2.mistakes == ["argmax"]
    # Step 3 (columns 3-5): its maximum 6 is at (2, 3); a fraction's value is an amount.
    m3 = mark_prediction(overlap, 3, [(2, 3)], [1 / 1])
    assert m3.correct
    assert (m3.params["i"], m3.params["j"], m3.params["upstream"]) == (0, 3, 1.0)
    assert mistakes_by_rule([m0, m1, m2, m3]) == {"argmax": 1, "overlap": 1}


def test_a_cell_outside_the_window_and_an_empty_prediction(overlap):
    m = mark_prediction(overlap, 0, [(5, 5), (2, 2)], [1.0, 1.0])
    assert marks(m) == {(5, 5): ("extra", "outside"), (2, 2): ("right", "argmax")}
    empty = mark_prediction(overlap, 0, [], [])
    assert marks(empty) == {(2, 2): ("missed", "argmax")}
    assert np.isnan(empty.given).all()


def test_a_cell_named_twice_keeps_its_last_amount(overlap):
    m = mark_prediction(overlap, 0, [(2, 2), (2, 2)], [5.0, 1.0])
    assert m.correct and len(m.cells) == 1


@pytest.mark.parametrize(("policy", "guess", "want"), [
    # x = [[0, 0], [-1, -2]] in one 2 x 2 window: (0, 0) and (0, 1) tie; dL/dy = 4.
    ("first", {(0, 1): 4.0}, {(0, 1): ("extra", "tie_policy"), (0, 0): ("missed", "tie_policy")}),
    ("first", {(0, 0): 4.0}, {(0, 0): ("right", "tie_policy")}),
    ("last", {(0, 1): 4.0}, {(0, 1): ("right", "tie_policy")}),
    ("last", {(1, 0): 4.0}, {(1, 0): ("extra", "argmax"), (0, 1): ("missed", "tie_policy")}),
    ("split", {(0, 0): 4.0, (0, 1): 4.0},
     {(0, 0): ("amount", "tie_policy"), (0, 1): ("amount", "tie_policy")}),
    ("split", {(0, 0): 2.0, (0, 1): 2.0},
     {(0, 0): ("right", "tie_policy"), (0, 1): ("right", "tie_policy")}),
    ("all", {(0, 0): 4.0}, {(0, 0): ("right", "tie_policy"), (0, 1): ("missed", "tie_policy")}),
    ("all", {(0, 0): 2.0, (0, 1): 2.0},
     {(0, 0): ("amount", "tie_policy"), (0, 1): ("amount", "tie_policy")}),
])
def test_a_tie_under_each_policy(policy, guess, want):
    steps = scatter_steps(np.array([[0.0, 0.0], [-1.0, -2.0]]), np.array([[4.0]]),
                          PoolSpec(kernel_size=2, ties=policy))
    m = mark_prediction(steps, 0, list(guess), list(guess.values()))
    assert marks(m) == want
    assert m.params["tied"] == 2 and m.params["policy"] == policy


def test_average_with_padding_and_count_include_pad_false():
    # x 3 x 3, k 3, s 2, p 1: window (0, 0) covers rows and columns -1..1, four real cells.
    x = np.arange(9.0).reshape(3, 3)
    gy = np.full((2, 2), 8.0)
    steps = scatter_steps(x, gy, PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg",
                                          count_include_pad=False))
    real = [(0, 0), (0, 1), (1, 0), (1, 1)]
    m = mark_prediction(steps, 0, real, [2.0] * 4)  # 8 / 4 real cells
    assert m.correct and set(m.rule.tolist()) == {"avg_n"}
    assert (m.params["divisor"], m.params["real"], m.params["taps"]) == (4, 4, 9)
    assert m.params["count_include_pad"] is False
    # 8 / 9 (counting the padding) is the wrong n; a padding tap never receives.
    m = mark_prediction(steps, 0, [*real, (-1, -1)], [8 / 9] * 4 + [8 / 9])
    assert marks(m) == {**{rc: ("amount", "avg_n") for rc in real}, (-1, -1): ("extra", "padding")}
    # A receiver left out of an average is missed.
    m = mark_prediction(steps, 0, real[:3], [2.0] * 3)
    assert marks(m)[(1, 1)] == ("missed", "avg_n")
    # Window (0, 1) covers columns 1..3: (0, 1) has 2 from window 0 already; typing 4 is overlap.
    m = mark_prediction(steps, 1, [(0, 1), (0, 2), (1, 1), (1, 2)], [4.0, 2.0, 2.0, 2.0])
    assert marks(m)[(0, 1)] == ("amount", "overlap") and m.mistakes == ["overlap"]


def test_average_counting_the_padding_and_a_divisor_override():
    x = np.arange(9.0).reshape(3, 3)
    gy = np.full((2, 2), 9.0)
    spec = PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg", count_include_pad=True)
    steps = scatter_steps(x, gy, spec)
    real = [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert mark_prediction(steps, 0, real, [1.0] * 4).correct  # 9 / 9
    wrong = mark_prediction(steps, 0, real, [9 / 4] * 4)
    assert set(wrong.verdict.tolist()) == {"amount"} and wrong.mistakes == ["avg_n"]
    over = scatter_steps(x, gy, PoolSpec(kernel_size=3, stride=2, padding=1, mode="avg",
                                         divisor_override=3))
    m = mark_prediction(over, 0, real, [3.0] * 4)
    assert m.correct and m.params["divisor"] == 3 and m.params["divisor_override"] == 3


def test_nan_wins():
    steps = scatter_steps(np.array([[1.0, NAN], [3.0, 2.0]]), np.ones((1, 1)),
                          PoolSpec(kernel_size=2))
    m = mark_prediction(steps, 0, [(1, 0)], [1.0])
    assert marks(m) == {(1, 0): ("extra", "nan"), (0, 1): ("missed", "nan")}
    assert m.params["nan"] is True
    assert mark_prediction(steps, 0, [(0, 1)], [1.0]).mistakes == []
    # Two NaNs under "first": PyTorch's scan takes the last NaN, (1, 0).
    two = scatter_steps(np.array([[NAN, 1.0], [NAN, 0.0]]), np.ones((1, 1)),
                        PoolSpec(kernel_size=2, ties="first"))
    m = mark_prediction(two, 0, [(0, 0)], [1.0])
    assert marks(m) == {(0, 0): ("extra", "tie_policy"), (1, 0): ("missed", "tie_policy")}


def test_a_padded_cell_chosen_in_max_pooling():
    steps = scatter_steps(np.array([[-5.0, -6.0], [-7.0, -8.0]]), np.ones((3, 3)),
                          PoolSpec(kernel_size=2, stride=1, padding=1))
    m = mark_prediction(steps, 0, [(-1, -1)], [1.0])
    assert marks(m) == {(-1, -1): ("extra", "padding"), (0, 0): ("missed", "argmax")}
    assert np.isnan(m.before[0])


def test_dilation_a_cell_between_taps_is_outside():
    x = np.arange(25.0).reshape(5, 5)  # k 2, d 2: window 0's taps (0,0), (0,2), (2,0), (2,2)
    steps = scatter_steps(x, np.ones((2, 2)), PoolSpec(kernel_size=2, dilation=2))
    m = mark_prediction(steps, 0, [(1, 1)], [1.0])
    assert marks(m) == {(1, 1): ("extra", "outside"), (2, 2): ("missed", "argmax")}


def test_ceil_mode_a_tap_past_the_edge_is_padding():
    x = np.arange(25.0).reshape(5, 5)  # k 2, s 2, ceil: the last window reads (4, 4) alone
    steps = scatter_steps(x, np.ones((3, 3)), PoolSpec(kernel_size=2, stride=2, ceil_mode=True))
    m = mark_prediction(steps, 8, [(4, 5)], [1.0])
    assert marks(m) == {(4, 5): ("extra", "padding"), (4, 4): ("missed", "argmax")}


def test_bad_predictions_raise(overlap):
    with pytest.raises(PoolingError) as e:
        mark_prediction(overlap, 16, [], [])
    assert e.value.code == "predict_step"
    for cells, amounts in (([(1, 2)], []), ([(1.5, 2)], [1.0]), ([(NAN, 2)], [1.0])):
        with pytest.raises(PoolingError) as e:
            mark_prediction(overlap, 0, cells, amounts)
        assert e.value.code == "predict_cells"


def test_codes_are_the_declared_ones(overlap):
    m = mark_prediction(overlap, 2, [(1, 2), (5, 5)], [1.0, 1.0])
    assert set(m.verdict.tolist()) <= set(VERDICTS) and set(m.rule.tolist()) <= set(RULES)


def test_adaptive_bins_overlap_and_have_no_padding():
    # x 3 x 3 into 2 x 2 adaptive bins: rows and columns [0, 2) and [1, 3), 2 x 2 cells each.
    x = np.arange(9.0).reshape(3, 3)
    steps = scatter_steps(x, np.full((2, 2), 8.0), AdaptiveSpec(output_size=2, mode="avg"))
    m = mark_prediction(steps, 0, [(0, 0), (0, 1), (1, 0), (1, 1)], [2.0] * 4)
    assert m.correct and m.params["divisor"] == 4
    # Bin (0, 1) reads columns 1..2: (0, 1) already holds 2 from bin (0, 0); (0, 0) is outside.
    m = mark_prediction(steps, 1, [(0, 1), (0, 0)], [4.0, 2.0])
    assert marks(m) == {(0, 1): ("amount", "overlap"), (0, 0): ("extra", "outside"),
                        (0, 2): ("missed", "avg_n"), (1, 1): ("missed", "avg_n"),
                        (1, 2): ("missed", "avg_n")}
    mx = scatter_steps(x, np.ones((2, 2)), AdaptiveSpec(output_size=2, mode="max"))
    assert marks(mark_prediction(mx, 3, [(2, 2)], [1.0])) == {(2, 2): ("right", "argmax")}
