"""The Explorer's layer choice (pool with a kernel / adaptive / global) and padding forms
(per side, 'same', 'same_lower', 'valid'), driven through AppTest and checked against numbers
worked out by hand in the comments (and pooling_core where a table would be long)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from page_helpers import component_data, figure, fresh, load, run, shown
from streamlit.testing.v1 import AppTest

from pooling_core import AdaptiveSpec, PoolSpec, pool_backward, pool_forward
from ui.links.explorerlink import decode_state, encode_state
from ui.links.urlstate import link_spec, spec_link
from ui.widgets.grid import PRESETS
from ui.widgets.params import PARAM_DEFAULTS, spec_from_state, values_of

pytestmark = pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def player(at: AppTest) -> dict:
    (data,) = component_data(at, "pbe_step_player")
    return json.loads(data["page"])


# --------------------------------------------------------------------------- 'same'
def test_same_5x5_kernel_2_stride_2_puts_the_extra_column_on_the_right():
    at = load("same_5x5")
    assert not at.error and not at.sidebar.error
    spec = at.session_state.last_valid[2]
    assert spec == PoolSpec(2, 2, padding="same")
    # TF 'same': out = ceil(5 / 2) = 3; total pad max((3-1)*2 + 1*(2-1) + 1 - 5, 0) = 1,
    # 0 before, 1 after: windows rows/cols {0,1}, {2,3}, {4, pad}.
    text = sidebar_text(at)
    assert "⌈5 / 2⌉ = 3" in text
    assert "max((3 − 1)·2 + 1·(2 − 1) + 1 − 5, 0) = 1 → 0 before, 1 after" in text
    # Grid rows 1 4 2 0 3 / 6 2 8 1 5 / 3 7 0 9 2 / 4 1 5 2 6 / 8 3 2 7 1: window maxima by hand.
    y = [[6, 8, 5], [7, 9, 6], [8, 7, 1]]
    np.testing.assert_array_equal(shown(at, "fig_output"), y)
    gx = np.zeros((5, 5))
    for r, c in ((1, 0), (1, 2), (1, 4), (2, 1), (2, 3), (3, 4), (4, 0), (4, 3), (4, 4)):
        gx[r, c] = 1
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), gx)
    # The padding is drawn on the right and at the bottom only: the dashed outline.
    dashed = [s for s in figure(at, "fig_input")["layout"]["shapes"]
              if s.get("line", {}).get("dash") == "dot"]
    assert len(dashed) == 1
    assert (dashed[0]["x0"], dashed[0]["y0"]) == (-0.5, -0.5)
    assert (dashed[0]["x1"], dashed[0]["y1"]) == (5.5, 5.5)
    # Window (0,2) reads columns 4 (real) and 5 (padding): its sentence names column 4 only.
    assert player(at)["steps"][2]["s"].startswith("Window (0,2)")
    assert "columns 4" in player(at)["steps"][2]["s"]


def test_same_lower_puts_the_extra_cell_before():
    at = load("same_5x5")
    at.selectbox(key="pad_form").set_value("same_lower")
    run(at)
    assert "= 1 → 1 before, 0 after" in sidebar_text(at)
    spec = at.session_state.last_valid[2]
    assert spec.pads((5, 5)) == ((1, 0), (1, 0))
    # Windows {pad, 0}, {1, 2}, {3, 4}: y[0,0] = x[0,0] = 1, y[1,1] = max(2,8,7,0) = 8.
    y = shown(at, "fig_output")
    assert y[0, 0] == 1 and y[1, 1] == 8 and y.shape == (3, 3)


def test_valid_and_the_ceil_mode_box_follow_the_form():
    at = load("same_5x5")
    assert not [c for c in at.sidebar.checkbox if c.key == "ceil_mode"]  # 'same' fixes the size
    at.selectbox(key="pad_form").set_value("valid")
    run(at)
    assert at.checkbox(key="ceil_mode") is not None
    # floor((5 - 1*(2 - 1) - 1) / 2) + 1 = 2
    assert shown(at, "fig_output").shape == (2, 2)


def test_asymmetric_padding_per_side():
    at = fresh()  # the 6x6 example, kernel 3, stride 1
    at.selectbox(key="pad_form").set_value("asymmetric")
    run(at)
    for k, v in (("pt", 1), ("pb", 0), ("pl", 0), ("pr", 2)):
        at.number_input(key=k).set_value(v)
    run(at)
    assert not at.sidebar.error
    x = at.session_state.last_valid[0]
    spec = PoolSpec(3, 1, padding=((1, 0), (0, 2)))
    assert at.session_state.last_valid[2] == spec
    # rows: floor((6 + 1 + 0 - 2 - 1) / 1) + 1 = 5; columns: (6 + 0 + 2 - 2 - 1) + 1 = 6
    assert "⌊(6 + 1 + 0 − 1·(3 − 1) − 1) / 1⌋ + 1 = ⌊4 / 1⌋ + 1 = 5" in sidebar_text(at)
    assert "top 1, bottom 0, left 0, right 2" in sidebar_text(at)
    np.testing.assert_array_equal(shown(at, "fig_output"), pool_forward(x, spec).output)
    np.testing.assert_array_equal(shown(at, "fig_grad_input"),
                                  pool_backward(x, np.ones((5, 6)), spec))
    # A side too large for the kernel: the error sits under the padding boxes.
    at.number_input(key="pr").set_value(3)
    run(at)
    assert at.sidebar.error


# --------------------------------------------------------------------------- adaptive
def test_adaptive_3x3_to_2x2_with_ties():
    at = load("adaptive_ties_3x3")
    assert not at.error and not at.sidebar.error
    assert at.session_state.last_valid[2] == AdaptiveSpec(2, mode="max")
    # Bins 3 -> 2: floor(0*3/2) .. ceil(1*3/2) - 1 = [0, 1], floor(3/2) .. ceil(6/2) - 1 = [1, 2]
    assert "[0, 1], [1, 2]" in sidebar_text(at)
    assert not [w for w in at.sidebar.number_input if w.key in ("kh", "sh", "ph", "dh")]
    # Grid 1 4 2 / 4 4 3 / 0 3 3: every bin's maximum is 4; the first in row-major order is
    # (0,1) for bins (0,0) and (0,1), (1,0) for bin (1,0), (1,1) for bin (1,1).
    np.testing.assert_array_equal(shown(at, "fig_output"), [[4, 4], [4, 4]])
    np.testing.assert_array_equal(shown(at, "fig_grad_input"),
                                  [[0, 2, 0], [1, 1, 0], [0, 0, 0]])
    caption = " ".join(c.value for c in at.caption)
    assert "Bin (0,0): rows 0–1, columns 0–1: 2 × 2 = 4 cells." in caption
    # Every bin outlined thinly (4) besides the current one: the centre is in all four.
    assert len(figure(at, "fig_input")["layout"]["shapes"]) >= 5
    steps = player(at)["steps"]
    assert [s["o"] for s in steps] == [[0, 0, 1, 1], [0, 1, 1, 2], [1, 0, 2, 1], [1, 1, 2, 2]]
    assert "rows 0–1, columns 1–2" in steps[1]["s"]
    # split: bin (0,0) ties at (0,1), (1,0), (1,1) -> 1/3 each; bins (0,1), (1,0) tie twice ->
    # 1/2; bin (1,1) -> 1 to (1,1). (0,1) = 1/3 + 1/2, (1,1) = 1/3 + 1/2 + 1/2 + 1.
    at.selectbox(key="ties").set_value("split")
    run(at)
    gx = shown(at, "fig_grad_input")
    np.testing.assert_allclose(gx, [[0, 5 / 6, 0], [5 / 6, 7 / 3, 0], [0, 0, 0]], rtol=1e-15)


def test_adaptive_7_to_3_average_overlapping_bins():
    at = load("adaptive_7to3")
    spec = AdaptiveSpec(3, mode="avg")
    assert at.session_state.last_valid[2] == spec
    assert "[0, 2], [2, 4], [4, 6]" in sidebar_text(at)
    x = np.array(PRESETS["adaptive_7to3"].grid, dtype=np.float64)
    # Every bin has 3 x 3 cells: y = bin sum / 9; with dL/dy = 1 each cell gets 1/9 per bin,
    # rows and columns 2 and 4 are in two bins: (2,2) -> 4/9, (0,0) -> 1/9, (0,2) -> 2/9.
    gx = shown(at, "fig_grad_input")
    assert gx[0, 0] == pytest.approx(1 / 9) and gx[0, 2] == pytest.approx(2 / 9)
    assert gx[2, 2] == pytest.approx(4 / 9) and gx[4, 4] == pytest.approx(4 / 9)
    np.testing.assert_array_equal(gx, pool_backward(x, np.ones((3, 3)), spec))
    assert shown(at, "fig_output")[0, 0] == pytest.approx(x[:3, :3].sum() / 9)


def test_global_pooling_has_one_bin():
    at = fresh()
    at.radio(key="layer").set_value("global")
    run(at)
    assert not at.sidebar.error and not at.error
    x = at.session_state.last_valid[0]
    assert at.session_state.last_valid[2] == AdaptiveSpec(1)
    assert "Global pooling" in sidebar_text(at)
    # The 6x6 example's maximum 9 sits at (2,2): it gets all of dL/dy.
    gx = np.zeros((6, 6))
    gx[2, 2] = 1
    np.testing.assert_array_equal(shown(at, "fig_output"), [[9]])
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), gx)
    at.radio(key="mode").set_value("avg")
    run(at)
    np.testing.assert_allclose(shown(at, "fig_output"), [[x.mean()]])
    np.testing.assert_array_equal(shown(at, "fig_grad_input"), np.full((6, 6), 1 / 36))


def test_adaptive_output_size_boxes():
    at = fresh()
    at.radio(key="layer").set_value("adaptive")
    run(at)
    at.number_input(key="oh").set_value(4)
    at.number_input(key="ow").set_value(5)
    run(at)
    x = at.session_state.last_valid[0]
    spec = AdaptiveSpec((4, 5))
    assert at.session_state.last_valid[2] == spec
    np.testing.assert_array_equal(shown(at, "fig_output"), pool_forward(x, spec).output)


def test_exports_for_the_variants():
    at = load("same_5x5")
    at.session_state["export_open"] = True  # the user opens it
    run(at)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert code and "F.pad(x, (0, 1, 0, 1), value=-inf)" in code[0]
    assert "has no 'same' padding" in code[0]
    at = load("adaptive_7to3")
    at.session_state["export_open"] = True
    run(at)
    code = [c.value for c in at.code if "import torch" in c.value]
    assert code and "F.adaptive_avg_pool2d(x, output_size=(3, 3))" in code[0]


# --------------------------------------------------------------------------- links
@pytest.mark.parametrize("spec", [
    AdaptiveSpec((3, 2), mode="avg"), AdaptiveSpec(1, mode="max", ties="split"),
    PoolSpec(2, 2, padding="same"), PoolSpec(3, 2, padding="same_lower", mode="avg"),
    PoolSpec(3, 1, padding=((1, 0), (2, 1))), PoolSpec(2, 2, padding="valid"),
])
def test_links_round_trip_every_variant(spec):
    from ui.links.urlstate import SPEC_FIELDS, encode_fields
    query = encode_fields(SPEC_FIELDS, spec_link(values_of(spec)))
    fields, notes = decode_state(query)
    assert notes == []
    assert spec_from_state({**PARAM_DEFAULTS, **fields}) == spec
    # And from the widgets' values back to the same query.
    assert encode_state({**PARAM_DEFAULTS, **fields, "grid": None}) == query


def test_a_kernel_link_carries_no_new_field():
    query = encode_state(dict(PARAM_DEFAULTS, grid=None))
    assert not {"layer", "o", "pad", "ps"} & set(query)
    assert link_spec({"k": (2, 2)}) == {"kernel_size": (2, 2)}


@pytest.mark.parametrize("key, value, code", [
    ("layer", "kernel", "url_choice"), ("layer", "<script>", "url_choice"),
    ("pad", "SAME", "url_choice"), ("pad", "same_upper", "url_choice"),
    ("ps", "1,2,3", "url_number"), ("ps", "1,2,3,4,5", "url_number"),
    ("ps", "-1,0,0,0", "url_number"), ("ps", "99,0,0,0", "url_number"),
    ("ps", "1,,1,1", "url_number"), ("o", "0", "url_number"), ("o", "33", "url_number"),
    ("o", "2x2x2", "url_number"),
])
def test_hostile_new_fields_are_refused_alone(key, value, code):
    fields, notes = decode_state({key: value, "k": "2"})
    assert notes == [(key, code)]
    assert fields == {"kh": 2, "kw": 2}


def test_links_open_the_explorer_on_a_variant():
    at = fresh({"layer": "adaptive", "o": "3x2", "mode": "avg"})
    assert at.session_state.last_valid[2] == AdaptiveSpec((3, 2), mode="avg")
    assert at.query_params["layer"] == ["adaptive"] or at.query_params["layer"] == "adaptive"
    at = fresh({"k": "2", "s": "2", "pad": "same"})
    assert at.session_state.last_valid[2] == PoolSpec(2, 2, padding="same")
    # A per-side padding the kernel cannot take: dropped with a note, the defaults stay.
    at = fresh({"k": "2", "ps": "5,0,0,0"})
    assert at.session_state.last_valid[2] == PoolSpec(3, 1)
    assert any("do not fit" in w.value for w in at.warning)
