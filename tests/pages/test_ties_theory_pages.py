"""AppTest of the Ties and Theory pages: the numbers shown are pooling_core's (and the hand-worked
ones), bad input gives an error and no exception, and every "open in the Explorer" button lands
on the Explorer with the example loaded.

Run from the repository root with `python -m pytest` (the pages import `ui` and `pooling_core`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from page_helpers import chart_values, charts
from streamlit.testing.v1 import AppTest

from pooling_core import (
    TIE_POLICIES,
    PoolingError,
    PoolSpec,
    gradient_sum_check,
    numerical_gradient,
    output_size,
    pool_backward,
)
from ui.errors import error_text
from ui.format import fmt
from ui.i18n import catalogue, t
from ui.widgets.grid import PRESETS, preset_text

ROOT = Path(__file__).resolve().parents[2]
TIES = ROOT / "app_pages" / "ties.py"
THEORY = ROOT / "app_pages" / "theory.py"

PLATEAU = np.array(PRESETS["plateau"].grid, dtype=np.float64)
ONES_2x2 = np.ones((2, 2))

# Plateau, kernel 2, stride 2, dL/dy = 1, worked by hand. Windows: (0,0) four 5s, (0,1) two 3s
# at (1,2) and (1,3), (1,0) a single 2 at (3,0), (1,1) four 4s.
HAND_GRAD = {
    "first": [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0], [1, 0, 0, 0]],
    "last": [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 1]],
    "split": [[0.25, 0.25, 0, 0], [0.25, 0.25, 0.5, 0.5], [0, 0, 0.25, 0.25], [1, 0, 0.25, 0.25]],
    "all": [[1, 1, 0, 0], [1, 1, 1, 1], [0, 0, 1, 1], [1, 0, 1, 1]],
}
# sum(dL/dy) = 4; under "all" the windows hand out 4 + 2 + 1 + 4 = 11.
HAND_SUM = {"first": 4, "last": 4, "split": 4, "all": 11}
HAND_TIED = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (1, 3), (2, 2), (2, 3), (3, 2), (3, 3)}


def run_page(path: Path) -> AppTest:
    at = AppTest.from_file(str(path), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


def nav_app(tmp_path: Path, default: str,
            pages: tuple[str, ...] = ("explorer", "ties", "theory")) -> AppTest:
    """The real pages behind an st.navigation frame (as app.py will register them), so that
    st.switch_page("app_pages/explorer.py") can switch. `pages` is linked, not copied."""
    (tmp_path / "app_pages").symlink_to(ROOT / "app_pages", target_is_directory=True)
    entries = ", ".join(
        f'st.Page("app_pages/{name}.py"{", default=True" if name == default else ""})'
        for name in pages
    )
    (tmp_path / "nav.py").write_text(f"import streamlit as st\nst.navigation([{entries}]).run()\n")
    at = AppTest.from_file(str(tmp_path / "nav.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# ----------------------------------------------------------------------------- Ties page
@pytest.fixture(scope="module")
def ties_page() -> AppTest:
    return run_page(TIES)


def test_ties_defaults_to_plateau(ties_page: AppTest) -> None:
    assert ties_page.number_input(key="ties_k").value == 2
    assert ties_page.number_input(key="ties_s").value == 2
    assert ties_page.session_state["ties_grid_version"] == 0


@pytest.mark.parametrize("policy", TIE_POLICIES)
def test_ties_heatmap_is_pool_backward(ties_page: AppTest, policy: str) -> None:
    fig = charts(ties_page)[f"ties_fig_{policy}"]
    z = np.array(fig["data"][0]["z"], dtype=np.float64)
    core = pool_backward(PLATEAU, ONES_2x2, PoolSpec(kernel_size=2, stride=2, ties=policy))
    np.testing.assert_array_equal(z, core)
    np.testing.assert_array_equal(z, np.array(HAND_GRAD[policy]))
    # The outlined cells are the tied maxima (the same in every policy's heatmap).
    outlined = {
        (round((s["y0"] + s["y1"]) / 2), round((s["x0"] + s["x1"]) / 2))
        for s in fig["layout"]["shapes"]
    }
    assert outlined == HAND_TIED
    assert len(fig["layout"]["shapes"]) == len(HAND_TIED)


def test_ties_sums_shown(ties_page: AppTest) -> None:
    shown = [m for m in texts(ties_page) if m.startswith("sum(dL/dx)")]
    expected = []
    for policy in TIE_POLICIES:
        chk = gradient_sum_check(PLATEAU, ONES_2x2, PoolSpec(kernel_size=2, stride=2, ties=policy))
        assert chk.sum_grad_input == HAND_SUM[policy]
        expected.append(t("ties.sum", gx=fmt(chk.sum_grad_input)))
    assert shown == expected == [t("ties.sum", gx=str(HAND_SUM[p])) for p in TIE_POLICIES]
    page = texts(ties_page)
    assert t("ties.upstream", n=4, sum="4") in page
    assert t("ties.sum.grows", diff="7", gy="4", n=3) in page
    assert page.count(t("ties.sum.equal")) == 3


def test_ties_framework_table(ties_page: AppTest) -> None:
    table = ties_page.table[0].value
    assert list(table.index) == list(TIE_POLICIES)
    used_by = table[t("ties.table.used_by")]
    for word in ("PyTorch", "TensorFlow's max_pool", "JAX's reduce_window", "Caffe"):
        assert word in used_by["first"]
    assert "Nx" in used_by["last"]
    for word in ("tf.reduce_max", "jnp.max", "torch.amax"):
        assert word in used_by["split"]
    for word in ("Theano", "paddle.max", "x == max(x)"):
        assert word in used_by["all"]


@pytest.mark.parametrize(("table_index", "width"), [(1, 2), (2, 3)])
def test_ties_finite_differences(ties_page: AppTest, table_index: int, width: int) -> None:
    """[5, 5] and [5, 5, 5] as one window: central differences give 1/2 per tied cell."""
    x = np.full((1, width), 5.0)
    numerical = numerical_gradient(x, np.ones((1, 1)), PoolSpec(kernel_size=(1, width)))
    np.testing.assert_allclose(numerical, np.full((1, width), 0.5), atol=1e-6)
    table = ties_page.table[table_index].value
    assert table.shape == (1 + len(TIE_POLICIES), width)
    row = table.loc[t("ties.fd.row.numerical", eps="1e-06")]
    assert list(row) == [fmt(v) for v in numerical.ravel()] == ["0.5"] * width
    for policy in TIE_POLICIES:
        core = pool_backward(x, np.ones((1, 1)), PoolSpec(kernel_size=(1, width), ties=policy))
        assert list(table.loc[policy]) == [fmt(v) for v in core.ravel()]
    assert list(table.loc["split"]) == [fmt(1 / width)] * width
    assert list(table.loc["all"]) == ["1"] * width


def test_ties_non_numeric_cell_shows_error() -> None:
    at = run_page(TIES)
    at.session_state["ties_grid_0"] = {
        "edited_rows": {1: {"2": "abc"}}}
    at.run()
    assert not at.exception
    assert len(at.error) == 1
    assert "(1,2)" in at.error[0].value and "abc" in at.error[0].value
    assert not charts(at)  # no heatmap of a grid that is not one
    # The rest of the page still works, and reset brings the plateau back.
    assert len(at.table) == 3
    at.button(key="ties_reset").click().run()
    assert not at.exception and not at.error
    assert set(charts(at)) == {f"ties_fig_{p}" for p in TIE_POLICIES}


def test_ties_kernel_larger_than_grid_shows_error() -> None:
    at = run_page(TIES)
    at.number_input(key="ties_k").set_value(5).run()
    assert not at.exception
    with pytest.raises(PoolingError) as info:
        output_size(PLATEAU.shape, PoolSpec(kernel_size=5, stride=2))
    assert [e.value for e in at.error] == [error_text(info.value)]
    assert "5" in at.error[0].value
    assert not charts(at)
    at.number_input(key="ties_k").set_value(3).run()  # back to a valid kernel: results return
    assert not at.exception and not at.error
    fig = charts(at)["ties_fig_all"]
    core = pool_backward(PLATEAU, np.ones((1, 1)), PoolSpec(kernel_size=3, stride=2, ties="all"))
    np.testing.assert_array_equal(np.array(fig["data"][0]["z"], dtype=np.float64), core)


def test_ties_no_tie_message() -> None:
    at = run_page(TIES)
    at.session_state["ties_grid_0"] = {
        "edited_rows": {0: {"1": "4", "0": "6"}, 1: {"0": "3", "1": "2", "3": "1"},
                        3: {"2": "9"}}}
    at.run()
    assert not at.exception
    assert t("ties.tied_none") in [i.value for i in at.info]
    figs = charts(at)
    assert all(not f["layout"].get("shapes") for f in figs.values())
    grads = [np.array(figs[f"ties_fig_{p}"]["data"][0]["z"]) for p in TIE_POLICIES]
    for g in grads[1:]:
        np.testing.assert_array_equal(g, grads[0])


@pytest.mark.parametrize("policy", ["last", "all"])
def test_ties_open_in_explorer(tmp_path: Path, policy: str) -> None:
    at = nav_app(tmp_path, default="ties")
    at.selectbox(key="ties_open_policy").set_value(policy)
    at.button(key="ties_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ss = at.session_state
    assert ss["ties"] == policy and ss["mode"] == "max"
    assert (ss["kh"], ss["kw"], ss["sh"], ss["sw"]) == (2, 2, 2, 2)
    # Now on the Explorer: its own widgets show the Ties page's view (here the plateau).
    assert at.selectbox(key="ties").value == policy
    assert at.number_input(key="kh").value == 2
    assert ss["grid_text"] == preset_text("plateau")


def test_ties_rows_and_columns_and_the_grid_on_the_page_goes_to_the_explorer(
        tmp_path: Path) -> None:
    """A ReLU's zeros, [[0, 0], [-1, -2]], made on the page (2 x 2, one edited cell) and opened
    in the Explorer: that grid, kernel 2, stride 1 and the policy, not the plateau."""
    at = nav_app(tmp_path, default="ties")
    at.number_input(key="ties_rows").set_value(2).run()
    at.number_input(key="ties_cols").set_value(2).run()
    assert at.session_state["ties_base"] == [["5", "5"], ["5", "5"]]  # cropped top-left
    key = f"ties_grid_{at.session_state['ties_grid_version']}"
    at.session_state[key] = {"edited_rows": {0: {0: "0", 1: "0"}, 1: {0: "-1", 1: "-2"}}}
    at.number_input(key="ties_s").set_value(1).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["ties_base"] == [["0", "0"], ["-1", "-2"]]
    # One window, a two-way tie at 0: split hands out 1/2 and 1/2.
    assert chart_values(at, "ties_fig_split").tolist() == [[0.5, 0.5], [0, 0]]
    assert chart_values(at, "ties_fig_last").tolist() == [[0, 1], [0, 0]]
    at.selectbox(key="ties_open_policy").set_value("split")
    at.button(key="ties_open").click().run()
    assert not at.exception, [e.value for e in at.exception]
    ss = at.session_state
    assert ss["grid_text"] == [["0", "0"], ["-1", "-2"]]
    assert (ss["kh"], ss["kw"], ss["sh"], ss["sw"], ss["ph"], ss["dh"]) == (2, 2, 1, 1, 0, 1)
    assert at.selectbox(key="ties").value == "split"
    assert at.query_params["x"] in ("t2x2~0,0,-1,-2", ["t2x2~0,0,-1,-2"])


# ----------------------------------------------------------------------------- Theory page
THEORY_STATE = {  # what each button must leave in the Explorer's state (besides the preset)
    1: ("nonoverlap_4x4", {"mode": "max"}),
    2: ("overlap_6x6", {"mode": "max"}),
    3: ("nonoverlap_4x4", {"mode": "avg", "count_include_pad": True, "divisor_override": 0}),
    4: ("plateau", {"mode": "max", "ties": "all"}),
    5: ("overlap_6x6", {"mode": "avg", "ph": 1, "pw": 1, "count_include_pad": True,
                        "divisor_override": 0}),
    6: ("nonoverlap_4x4", {"mode": "avg", "divisor_override": 3}),
    7: ("ceil_5x5", {"mode": "max", "ceil_mode": True, "ph": 0, "pw": 0}),
    8: ("ceil_5x5", {"mode": "max", "ceil_mode": True, "ph": 1, "pw": 1}),
    # The variants' sections (ui.views.theory_variants).
    9: ("adaptive_7to3", {"layer": "adaptive", "mode": "avg", "oh": 3, "ow": 3}),
    10: ("adaptive_ties_3x3", {"layer": "adaptive", "mode": "max", "oh": 2, "ow": 2}),
    11: ("adaptive_7to3", {"layer": "global", "mode": "avg", "oh": 1, "ow": 1}),
    12: ("same_5x5", {"layer": "kernel", "pad_form": "same", "kh": 2, "sh": 2}),
    13: ("same_5x5", {"layer": "kernel", "pad_form": "same_lower", "kh": 2, "sh": 2}),
    14: ("segnet_4x4", {"layer": "unpool", "mode": "max", "kh": 2, "sh": 2}),
    15: ("unpool_overlap_3x3", {"layer": "unpool", "mode": "max", "kh": 2, "sh": 1}),
}


@pytest.fixture(scope="module")
def theory_page() -> AppTest:
    return run_page(THEORY)


def test_theory_renders_with_every_button(theory_page: AppTest) -> None:
    keys = [b.key for b in theory_page.button if b.key.startswith("theory_open_")]
    assert keys == [f"theory_open_{n}" for n in THEORY_STATE]
    assert len(set(keys)) == len(keys)
    labels = [b.label for b in theory_page.button if b.key.startswith("theory_open_")]
    assert labels == [t("theory.open", example=t(f"theory.example.{n}")) for n in THEORY_STATE]
    # The adaptive and 'same' sections also open their Exercise levels.
    practise = [(b.key, b.label) for b in theory_page.button if b.key.startswith("theory_pr")]
    assert practise == [
        ("theory_practise_adaptive", "Practise it: Exercise “7 · Adaptive pooling (PyTorch)”"),
        ("theory_practise_same", "Practise it: Exercise “6 · 'same' padding (TensorFlow)”")]
    body = "\n".join(texts(theory_page))
    for key in ("theory.max.body", "theory.avg.body", "theory.sums.body", "theory.size.body"):
        assert t(key) in body
    assert "\\lfloor \\frac{n + 2p - d(k - 1) - 1}{s} \\right\\rfloor + 1" in body


def test_theory_sums_table(theory_page: AppTest) -> None:
    def sums(preset: str, **kw: object) -> tuple[str, str]:
        x = np.array(PRESETS[preset].grid, dtype=np.float64)
        p = PRESETS[preset].params
        spec = PoolSpec(kernel_size=p["kernel_size"], stride=p["stride"], **kw)
        oh, ow = (a.size for a in output_size(x.shape, spec))
        chk = gradient_sum_check(x, np.ones((oh, ow)), spec)
        return fmt(chk.sum_grad_output), fmt(chk.sum_grad_input)

    table = theory_page.table[0].value
    rows = [tuple(r) for r in table.itertuples(index=False)]
    assert rows == [
        sums("overlap_6x6"),
        sums("nonoverlap_4x4", mode="avg"),
        sums("plateau", ties="all"),
        sums("overlap_6x6", mode="avg", padding=1),
        sums("nonoverlap_4x4", mode="avg", divisor_override=3),
    ]
    # By hand: 16 windows pass on 16; four quarters of four windows give 4; "all" gives
    # 4 + 2 + 1 + 4 = 11; with padding 1 the 36 windows of 9 hold 16 · 16 = 256 real taps,
    # 256 / 9 = 28.44; divisor 3 over 4 real cells passes on 4/3 per window, 16/3 = 5.333.
    assert rows == [("16", "16"), ("4", "4"), ("4", "11"), ("36", fmt(256 / 9)),
                    ("4", fmt(16 / 3))]
    assert list(table.index) == [t(f"theory.example.{n}") for n in (2, 3, 4, 5, 6)]


def test_theory_output_size_examples(theory_page: AppTest) -> None:
    shown = [m for m in texts(theory_page) if m.startswith("- ")]
    formulas = [
        output_size((5, 5), PoolSpec(kernel_size=2, stride=2, padding=p, ceil_mode=c))[0].formula
        for p, c in ((0, False), (0, True), (1, True))
    ]
    assert [s.split("`")[1] for s in shown] == formulas
    # floor: 5 = 2 windows; ceil keeps a third; with padding 1 a fourth would start in the
    # right padding (at 6 >= 5 + 1), so it is dropped: 3.
    assert [f.rsplit(" ", 1)[-1] for f in formulas] == ["2", "3", "3"]
    assert "→" in formulas[2]


@pytest.mark.parametrize("n", list(THEORY_STATE))
def test_theory_button_opens_explorer(tmp_path: Path, n: int) -> None:
    at = nav_app(tmp_path, default="theory")
    at.button(key=f"theory_open_{n}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    preset, state = THEORY_STATE[n]
    ss = at.session_state
    assert ss["preset"] == preset
    for key, value in state.items():
        assert ss[key] == value, key
    assert ss["grid_text"] == preset_text(preset)
    assert at.selectbox(key="preset").value == preset  # the Explorer is showing


@pytest.mark.parametrize("level", ["adaptive", "same"])
def test_theory_opens_the_exercise_level(tmp_path: Path, level: str) -> None:
    at = nav_app(tmp_path, default="theory", pages=("explorer", "ties", "theory", "exercise"))
    at.session_state["ex_level"], at.session_state["ex_seed"] = "overlap", 7
    at.button(key=f"theory_practise_{level}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.session_state["ex_level"], at.session_state["ex_seed"]) == (level, 1)
    assert at.selectbox(key="ex_level").value == level  # the Exercise is showing
    assert "ex_fig_x" in charts(at)


@pytest.mark.parametrize("page", [TIES, THEORY], ids=["ties", "theory"])
def test_no_untranslated_key_shown(page: Path) -> None:
    """t() shows a key missing from the catalogue as the key itself: none may appear."""
    at = run_page(page)
    shown = texts(at) + [e.value for e in (*at.title, *at.header, *at.subheader)]
    shown += [b.label for b in at.button] + [w.label for w in (*at.number_input, *at.selectbox)]
    for table in at.table:
        df = table.value
        shown += [str(v) for v in df.to_numpy().ravel()] + [str(c) for c in df.columns]
        shown += [str(i) for i in df.index] + [str(df.index.name)]
    leaked = [s for s in shown if re.search(r"\b(?:ties|theory|nav)\.[a-z_]+", s)]
    assert not leaked
    en = catalogue("en")
    assert "nav.ties" in en and "nav.theory" in en


def test_explorer_parameters_outlive_a_visit_to_another_page(tmp_path: Path) -> None:
    """Stride 2 and the average mode set on the Explorer are still there after a visit to Ties
    (Streamlit drops a widget's value while its page is not running; a grid edit survived,
    the parameters came back as the defaults: stride 1, `s=1` in the link)."""
    at = nav_app(tmp_path, default="explorer")
    at.number_input(key="sh").set_value(2).run()
    at.number_input(key="sw").set_value(2).run()
    at.radio(key="mode").set_value("avg").run()
    at.selectbox(key="preset").set_value("plateau").run()
    at.switch_page("app_pages/ties.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page("app_pages/explorer.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.number_input(key="sh").value == 2 and at.number_input(key="sw").value == 2
    assert at.radio(key="mode").value == "avg"
    assert at.selectbox(key="preset").value == "plateau"
    assert at.query_params["s"] in ("2", ["2"])


def test_theory_variant_sections(theory_page: AppTest) -> None:
    headers = [h.value for h in theory_page.header]
    for name in ("adaptive", "samepad", "unpool"):
        assert t(f"theory.{name}.header") in headers
    body = "\n".join(texts(theory_page))
    # The rules as the core computes them: bins of 7 -> 3 are rows 0-2, 2-4, 4-6 (exclusive
    # ends 3, 5, 7: floor(i*7/3), ceil((i+1)*7/3)); 'same' on 5 with k 2, s 2 pads 1 after.
    assert "rows 0–2, 2–4 and 4–6" in body
    assert "\\lceil n / s \\rceil" in body and "(n_\\text{in} - 1) s - 2p + k" in body
