"""The Explorer's max unpool layer (the fourth layer choice: MaxPool2d(return_indices=True) →
MaxUnpool2d, SegNet's round trip): where each pooled value lands, which later value overwrites
it, the gather, the step view, the size rule, the link (layer=unpool, and older links' up=1),
presets and the PyTorch script. Values worked by hand."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from page_helpers import charts, figure, fresh, load, run, shown
from streamlit.testing.v1 import AppTest

from pooling_core import PoolSpec
from ui.exports.torch_script import pytorch_snippet
from ui.links.explorerlink import decode_state, encode_state
from ui.views.unpool_view import round_trip, size_rule, step_lines, unpool_applies
from ui.widgets.params import PARAM_DEFAULTS

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


X4 = np.array([[1, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]], dtype=np.float64)
X3 = np.array([[1, 2, 0], [3, 9, 4], [0, 5, 2]], dtype=np.float64)


def marked(at: AppTest, key: str) -> set[tuple[int, int]]:
    """Cells outlined by `marked` (inset rectangles of the heatmap figure)."""
    out = set()
    for shape in figure(at, key)["layout"].get("shapes", []):
        c, r = shape["x0"] + 0.5 - 0.08, shape["y0"] + 0.5 - 0.08
        out.add((round(r), round(c)))
    return out


def lines(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_segnet_preset_unpools_each_maximum_to_its_cell():
    at = load("segnet_4x4")
    assert at.radio(key="layer").value == "unpool"
    # Windows {1,3,5,6} {2,4,1,2} {7,2,1,8} {9,0,3,4}: maxima 6 at (1,1), 4 at (0,3),
    # 8 at (3,1), 9 at (2,2); every other cell 0.
    expected = np.zeros((4, 4))
    expected[1, 1], expected[0, 3], expected[3, 1], expected[2, 2] = 6, 4, 8, 9
    np.testing.assert_array_equal(shown(at, "fig_unpool"), expected)
    text = lines(at)
    assert "y[0,0] = 6 lands on (1,1)." in text
    assert "y[1,1] = 9 lands on (2,2)." in text
    assert "Backward: dL/dy[1,0] = dL/dout[3,1] = 8." in text
    assert "overwrites" not in text
    assert any("H = (2 − 1)·2 − 0 − 0 + 2 = 4 (3…5)" in c.value for c in at.caption)
    assert at.query_params["layer"] in ("unpool", ["unpool"])
    assert "up" not in at.query_params


def test_overlapping_windows_overwrite_on_the_same_cell():
    at = load("unpool_overlap_3x3")
    expected = np.zeros((3, 3))
    expected[1, 1] = 9  # the centre wins all four 2x2 windows
    np.testing.assert_array_equal(shown(at, "fig_unpool"), expected)
    text = lines(at)
    for (i, j), (i2, j2) in (((0, 0), (0, 1)), ((0, 1), (1, 0)), ((1, 0), (1, 1))):
        assert (f"y[{i},{j}] = 9 lands on (1,1). A later value, y[{i2},{j2}], overwrites it "
                f"there. Backward: dL/dy[{i},{j}] = dL/dout[1,1] = 9.") in text
    assert "y[1,1] = 9 lands on (1,1). Backward:" in text
    assert any("W = (2 − 1)·1 − 0 − 0 + 2 = 3 (3…3)" in c.value for c in at.caption)


def test_the_unpool_layer_is_a_choice_and_absent_from_the_others():
    at = fresh()
    assert at.radio(key="layer").options == [
        "Pool with a kernel", "Adaptive (choose the output size)", "Global (one output cell)",
        "Max unpool (pool → unpool round trip)"]
    assert at.radio(key="layer").value == "kernel"
    assert "fig_unpool" not in charts(at) and "layer" not in at.query_params
    # Choosing it: max pooling (no mode choice), padding symmetric or 'valid' only.
    at.radio(key="layer").set_value("unpool")
    at = run(at)
    assert not [r for r in at.radio if r.key == "mode"]
    assert at.selectbox(key="pad_form").options == ["Symmetric (PyTorch)", "'valid' (none)"]
    assert "fig_unpool" in charts(at) and at.query_params["layer"] in ("unpool", ["unpool"])
    assert not unpool_applies(PoolSpec(2, 2, mode="avg"))
    assert not unpool_applies(PoolSpec(2, 1, padding=((1, 0), (0, 0))))
    assert unpool_applies(PoolSpec(3, 2, padding=1))


def test_average_and_same_padding_turn_to_max_and_symmetric():
    at = load("same_5x5")  # 'same' padding, kernel 2 stride 2
    at.radio(key="mode").set_value("avg")
    at = run(at)
    at.radio(key="layer").set_value("unpool")
    at = run(at)
    assert at.session_state["pad_form"] == "symmetric"
    q = {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}
    assert (q["layer"], q["mode"], q["k"], q["s"]) == ("unpool", "max", "2", "2")
    assert "pad" not in q and "fig_unpool" in charts(at)


def test_the_link_opens_the_round_trip():
    # Today's links name the layer; older links' up=1 opens the same view.
    for query in ({"k": "2", "s": "2", "layer": "unpool"}, {"k": "2", "s": "2", "layer": "unpool"}):
        fields, notes = decode_state(query)
        assert notes == [] and fields["layer"] == "unpool"
        encoded = encode_state({**PARAM_DEFAULTS, **fields, "grid": None})
        assert encoded["layer"] == "unpool" and "up" not in encoded
    assert "layer" not in encode_state({**PARAM_DEFAULTS, "grid": None})
    assert decode_state({"up": "yes"})[1] == [("up", "url_choice")]
    assert decode_state({"layer": "adaptive", "up": "1"})[0]["layer"] == "adaptive"
    # MaxUnpool2d's padding is one number per axis: a rule or per-side padding is noted.
    fields, notes = decode_state({"layer": "unpool", "pad": "same"})
    assert notes == [("pad", "url_choice")] and "pad_form" not in fields
    assert decode_state({"layer": "unpool", "pad": "valid"}) == (
        {"layer": "unpool", "pad_form": "valid"}, [])
    x4 = "t4x4~1,3,2,4,5,6,1,2,7,2,9,0,1,8,3,4"
    for extra in ({"layer": "unpool"}, {"up": "1"}):
        at = fresh({"x": x4, "k": "2", "s": "2", **extra})
        assert at.radio(key="layer").value == "unpool"
        assert shown(at, "fig_unpool")[2, 2] == 9
        assert at.query_params["layer"] in ("unpool", ["unpool"]) and "up" not in at.query_params


def test_the_step_view_follows_each_value():
    at = load("unpool_overlap_3x3")  # four values of 9, all landing on (1,1)
    assert (at.slider(key="unpool_step").min, at.slider(key="unpool_step").max) == (1, 4)
    assert marked(at, "fig_unpool_y") == {(0, 0)} and marked(at, "fig_unpool_partial") == {(1, 1)}
    assert [i.value for i in at.info if "lands on" in i.value] == [
        "y[0,0] = 9 lands on (1,1). A later value, y[0,1], overwrites it there. "
        "Backward: dL/dy[0,0] = dL/dout[1,1] = 9."]
    at = run(at.slider(key="unpool_step").set_value(4))
    assert marked(at, "fig_unpool_y") == {(1, 1)}
    partial = np.zeros((3, 3))
    partial[1, 1] = 9
    np.testing.assert_array_equal(shown(at, "fig_unpool_partial"), partial)
    at = load("segnet_4x4")  # after step 3 of 4: 6 at (1,1), 4 at (0,3), 8 at (3,1)
    at = run(at.slider(key="unpool_step").set_value(3))
    partial = np.zeros((4, 4))
    partial[1, 1], partial[0, 3], partial[3, 1] = 6, 4, 8
    np.testing.assert_array_equal(shown(at, "fig_unpool_partial"), partial)
    assert marked(at, "fig_unpool_partial") == {(3, 1)}


def test_units_size_rule_and_padding():
    # kernel 3, stride 2, padding 1 on 5x5: y 3x3; default (3 − 1)·2 − 1 − 1 + 3 = 5.
    spec = PoolSpec(3, 2, padding=1)
    x = np.arange(25, dtype=np.float64).reshape(5, 5)
    from pooling_core import pool_forward
    fwd = pool_forward(x, spec)
    steps = round_trip(fwd.output, fwd.indices, spec, grad_output=np.arange(25.0).reshape(5, 5))
    assert steps.output_shape == (5, 5)
    assert "H = (3 − 1)·2 − 1 − 1 + 3 = 5 (4…6)" in size_rule(spec, (3, 3))
    # x increases to the bottom right: each window's max is its bottom-right real cell.
    np.testing.assert_array_equal(fwd.indices, [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    assert step_lines(steps)[0] == ("y[0,0] = 6 lands on (1,1). "
                                    "Backward: dL/dy[0,0] = dL/dout[1,1] = 6.")


def test_the_script_unpools_with_torch():
    gy = np.ones((2, 2))
    text = pytorch_snippet(X4, gy, PoolSpec(2, 2), lang="en", unpool=(4, 4))
    assert "F.max_unpool2d(" in text and "output_size=(4, 4)," in text
    assert "F.max_unpool2d" not in pytorch_snippet(X4, gy, PoolSpec(2, 2), lang="en")
    pytest.importorskip("torch")
    out = subprocess.run([sys.executable, "-c", text], capture_output=True, text=True,
                         check=True).stdout
    block = out.split("unpooled =\n", 1)[1].split("\n\n", 1)[0]
    rows = [[float(v) for v in r.split()] for r in block.strip().splitlines()]
    assert rows == [[0, 0, 0, 4], [0, 6, 0, 0], [0, 0, 9, 0], [0, 8, 0, 0]]
    grad = out.split("dL/dy (unpool) =\n", 1)[1].split("\n\n", 1)[0]
    assert [[float(v) for v in r.split()] for r in grad.strip().splitlines()] == [[6, 4], [8, 9]]
    # Overwrites: all four land on (1,1); PyTorch's gather gives each the surviving 9.
    text = pytorch_snippet(X3, gy, PoolSpec(2, 1), lang="en", unpool=(3, 3))
    out = subprocess.run([sys.executable, "-c", text], capture_output=True, text=True,
                         check=True).stdout
    grad = out.split("dL/dy (unpool) =\n", 1)[1].split("\n\n", 1)[0]
    assert [[float(v) for v in r.split()] for r in grad.strip().splitlines()] == [[9, 9], [9, 9]]


def test_the_explorer_export_carries_the_unpool():
    at = load("segnet_4x4")
    at.session_state["export_open"] = True
    run(at)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert code and "F.max_unpool2d(" in code[0]


def test_an_explicit_size_within_pytorchs_range():
    # 5x5, kernel 2 stride 2: y 2x2, default (2 − 1)·2 + 2 = 4 (range 3…5). The maxima of
    # X5's windows {1,4,6,2} {2,0,8,1} {3,7,4,1} {0,9,5,2}: 6 at (1,0) = 5, 8 at (1,2) = 7,
    # 7 at (2,1) = 11, 9 at (2,3) = 13 (flat in the 5-wide input).
    at = fresh({"x": "t5x5~1,4,2,0,3,6,2,8,1,5,3,7,0,9,2,4,1,5,2,6,8,3,2,7,1",
                "k": "2", "s": "2", "layer": "unpool"})
    h, w = at.number_input(key="unpool_h"), at.number_input(key="unpool_w")
    assert (h.value, w.value, h.min, h.max) == (4, 4, 3, 5)
    # At 4x4 the flat indices move: 5 -> (1,1), 7 -> (1,3), 11 -> (2,3), 13 -> (3,1).
    expected = np.zeros((4, 4))
    expected[1, 1], expected[1, 3], expected[2, 3], expected[3, 1] = 6, 8, 7, 9
    np.testing.assert_array_equal(shown(at, "fig_unpool"), expected)
    h.set_value(5)
    at = run(at.number_input(key="unpool_w").set_value(5))
    expected = np.zeros((5, 5))
    expected[1, 0], expected[1, 2], expected[2, 1], expected[2, 3] = 6, 8, 7, 9
    np.testing.assert_array_equal(shown(at, "fig_unpool"), expected)
    at.session_state["export_open"] = True
    at = run(at)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert code and "output_size=(5, 5)," in code[0]


def test_indices_beyond_a_smaller_plane_are_refused_with_a_hint():
    # X5, kernel 2 stride 2 at 3x3 (PyTorch's lowest): index 11 lies beyond the 9 cells.
    at = fresh({"x": "t5x5~1,4,2,0,3,6,2,8,1,5,3,7,0,9,2,4,1,5,2,6,8,3,2,7,1",
                "k": "2", "s": "2", "layer": "unpool"})
    at.number_input(key="unpool_h").set_value(3)
    at = run(at.number_input(key="unpool_w").set_value(3))
    assert any("Index 11" in w.value and "output_size=x.size()" in w.value for w in at.warning)
    assert not [c for c in at.code if "max_unpool2d" in c.value]
    # Stride 1: the only size PyTorch accepts is the default.
    at = load("unpool_overlap_3x3")
    h = at.number_input(key="unpool_h")
    assert (h.value, h.min, h.max) == (3, 3, 3)


def test_a_large_round_trip_lists_64_sentences_and_counts_the_rest():
    x = "t9x9~" + ",".join(str(v) for v in range(81))
    at = fresh({"x": x, "k": "1", "s": "1", "layer": "unpool"})  # 81 values, each on its own cell
    text = lines(at)
    assert "y[7,0] = 63 lands on (7,0)." in text and "y[7,1]" not in text
    assert "… and 17 more" in text


def test_unpool_sentences_and_titles_follow_the_index_base():
    # The SegNet example in 1-based (math) indices: y[1,1] (0-based y[0,0]) = 6 lands on
    # (2,2) (0-based (1,1)); y[2,1] = 8 is read back from dL/dout[4,2].
    at = fresh({"base": "1"})
    at.selectbox(key="preset").set_value("segnet_4x4")
    at = run(at.button(key="load_preset").click())
    assert at.session_state["index_base"] == 1
    text = lines(at)
    assert "y[1,1] = 6 lands on (2,2)." in text
    assert "y[2,2] = 9 lands on (3,3)." in text
    assert "Backward: dL/dy[2,1] = dL/dout[4,2] = 8." in text
    assert "y[0,0]" not in text and "dL/dout[3,1]" not in text
    # The step view (step 1: y[1,1] outlined, landing on (2,2)).
    assert figure(at, "fig_unpool_y")["layout"]["title"]["text"].startswith(
        "y (y[1,1] outlined)")
    assert [i.value for i in at.info if i.value.startswith("y[1,1] = 6 lands on (2,2).")]
    # Pure function, explicit base: the same step in both notations.
    steps = round_trip(np.array([[6.0]]), np.array([[3]]), PoolSpec(kernel_size=2, stride=2))
    assert step_lines(steps, 0)[0] == "y[0,0] = 6 lands on (1,1)."
    assert step_lines(steps, 1)[0] == "y[1,1] = 6 lands on (2,2)."
